//! The `infer` command-line tool as a library: argument parsing ([`cli`]), the model to run
//! ([`loaded_model`]: a training run folder, PyTorch weights or the embedded LeNet-5), preparing
//! users' images ([`preprocess`]), what the subcommands compute ([`predict`], [`eval`],
//! [`samples`], the HTTP server [`serve`]) and draw ([`draw`]), and the subcommands themselves
//! ([`commands`]); [`run()`] runs one command line. `main.rs` only parses and reports errors.

pub mod cli;
pub mod commands;
pub mod draw;
pub mod eval;
pub mod imagenet;
pub mod imagenet_folder;
pub mod loaded_model;
pub mod predict;
pub mod preprocess;
pub mod samples;
pub mod serve;

pub use common::{Backend, CliError};

use crate::cli::Command;

/// Runs one parsed command line; `Ok(false)` when some inputs failed (exit code 1).
pub fn run(cli: cli::Cli) -> Result<bool, CliError> {
    let device = common::backend::device(cli.backend)?;
    match cli.command {
        None => commands::predict::predict_command(&cli.predict, &device),
        Some(Command::Export(args)) => commands::export::export_command(&args, &device),
        Some(Command::Serve(args)) => serve::serve(&args, &device).map(|()| true),
        Some(Command::Summary(args)) => {
            println!("{}", commands::summary::summary(&args, &device)?);
            Ok(true)
        }
        Some(Command::Eval(args)) => commands::eval::eval_command(&args, &device),
        Some(Command::Samples(args)) => commands::samples::samples_command(&args, &device),
    }
}
