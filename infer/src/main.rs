//! `infer`: predictions, evaluation and model summaries from the command line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = infer::cli::Cli::parse();
    match infer::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
