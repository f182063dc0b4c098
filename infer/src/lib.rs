//! The `infer` command-line tool as a library: argument parsing ([`cli`]), backend selection
//! ([`backend`]) and the subcommands. `main.rs` only parses and reports errors.

pub mod backend;
pub mod cli;
pub mod error;
pub mod summary_cmd;

pub use error::InferError;

/// Runs one parsed command line.
pub fn run(cli: cli::Cli) -> Result<(), InferError> {
    match cli.command {
        cli::Command::Summary(args) => {
            let device = backend::device(cli.backend)?;
            println!("{}", summary_cmd::summary(&args, &device)?);
            Ok(())
        }
    }
}
