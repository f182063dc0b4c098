//! `infer`: predictions, evaluation and model summaries from the command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli: infer::cli::Cli = common::error::parse_args();
    match infer::run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        // Some inputs failed; their errors are printed already.
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
