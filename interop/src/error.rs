//! Errors of loading and exporting weights: each prints as one line naming the file.

use std::fmt;
use std::path::PathBuf;

use crate::load::{LoadReport, list};

/// Why weights could not be loaded or exported.
#[derive(Debug)]
pub enum InteropError {
    /// The file is missing, truncated, or not a PyTorch / safetensors file.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The file's tensors do not fit the network (keys in PyTorch names).
    Mismatch {
        /// The file.
        path: PathBuf,
        /// What was missing, unexpected or mis-shaped.
        report: Box<LoadReport>,
    },
    /// Pretrained weights unknown for the architecture, or not obtainable (the message says
    /// where to put the file by hand).
    Pretrained(String),
    /// The export could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for InteropError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InteropError::Unreadable { path, reason } => {
                write!(f, "cannot read weights from {}: {reason}", path.display())
            }
            InteropError::Mismatch { path, report } => {
                write!(f, "{} does not fit this model:", path.display())?;
                for (what, keys) in [
                    ("missing", &report.missing),
                    ("unexpected", &report.unexpected),
                    ("mismatched", &report.mismatched),
                ] {
                    if !keys.is_empty() {
                        write!(f, " {} {what} ({});", keys.len(), list(keys))?;
                    }
                }
                write!(f, " pass --allow-partial to load what fits")
            }
            InteropError::Pretrained(message) => f.write_str(message),
            InteropError::Write { path, reason } => {
                write!(f, "cannot write {}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for InteropError {}

/// `text` on one line (reader errors can span several).
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
