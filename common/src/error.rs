//! The one error type of the command-line tools: a one-line message and the exit code it maps
//! to (2 for bad arguments, as clap does; 1 for failures while working).

use std::fmt;

/// What went wrong, as one line for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// A bad flag value (unknown model, malformed shape, backend not compiled in): exit code 2.
    Usage(String),
    /// A failure while working (unreadable file, bad weights, NaN loss): exit code 1.
    Failed(String),
}

impl CliError {
    /// A usage error (exit code 2) whose message is `error`'s.
    pub fn usage(error: impl fmt::Display) -> Self {
        CliError::Usage(error.to_string())
    }

    /// A failure (exit code 1) whose message is `error`'s.
    pub fn failed(error: impl fmt::Display) -> Self {
        CliError::Failed(error.to_string())
    }

    /// Process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(msg) | CliError::Failed(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for CliError {}

/// Parses the command line like `P::parse`, except that an argument error is printed as one
/// line (`error: invalid value 'x' for '--lr <LR>' ...`, without usage and hints) and the
/// process exits with code 2. `--help` and `--version` print as clap formats them.
pub fn parse_args<P: clap::Parser>() -> P {
    match P::try_parse() {
        Ok(args) => args,
        Err(err) if !err.use_stderr() => err.exit(),
        Err(err) => {
            eprintln!("{}", one_line(&err));
            std::process::exit(2);
        }
    }
}

/// clap's error as one line: the message and the possible values, without usage and hints.
pub fn one_line(err: &clap::Error) -> String {
    err.to_string()
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .collect::<Vec<_>>()
        .join(" ")
}
