//! The one error type of `infer`: a one-line message and the exit code it maps to
//! (2 for bad arguments, as clap does; 1 for failures while working).

use std::fmt;

/// What went wrong, as one line for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InferError {
    /// A bad flag value (unknown model, malformed shape, backend not compiled in): exit code 2.
    Usage(String),
    /// A failure while working (unreadable file, bad weights): exit code 1.
    Failed(String),
}

impl InferError {
    /// Process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            InferError::Usage(_) => 2,
            InferError::Failed(_) => 1,
        }
    }
}

impl fmt::Display for InferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InferError::Usage(msg) | InferError::Failed(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for InferError {}
