//! `infer`: predictions, evaluation and model summaries from the command line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match infer::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print as clap formats them.
        Err(err) if !err.use_stderr() => err.exit(),
        Err(err) => {
            eprintln!("{}", one_line(&err));
            return ExitCode::from(2);
        }
    };
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

/// clap's error as one line: the message and the possible values, without usage and hints.
fn one_line(err: &clap::Error) -> String {
    err.to_string()
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .collect::<Vec<_>>()
        .join(" ")
}
