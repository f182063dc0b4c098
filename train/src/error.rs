//! The one error type of `train`: a one-line message and the exit code it maps to
//! (2 for bad arguments, as clap does; 1 for failures while working).

use std::fmt;

/// What went wrong, as one line for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrainError {
    /// A bad flag value (unknown model, malformed shape, backend not compiled in): exit code 2.
    Usage(String),
    /// A failure while working (unreadable file, bad weights): exit code 1.
    Failed(String),
}

impl TrainError {
    /// Process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            TrainError::Usage(_) => 2,
            TrainError::Failed(_) => 1,
        }
    }
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Usage(msg) | TrainError::Failed(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for TrainError {}
