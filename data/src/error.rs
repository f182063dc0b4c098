//! The crate's one error type: a single line that names the file (or dataset) and what is wrong
//! with it, ready to print to a user as is.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why data could not be found, downloaded, read or validated.
///
/// `Display` is one line, `"<file>: <problem>"` when a file is involved, for example
/// `data/mnist/t10k-images-idx3-ubyte.gz: bad magic 0x00000801, expected 0x00000803 (IDX images)`.
#[derive(Debug)]
pub struct DataError {
    path: Option<PathBuf>,
    message: String,
}

impl DataError {
    /// An error about a file or folder.
    pub fn file(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self {
            path: Some(path.as_ref().to_path_buf()),
            message: message.into(),
        }
    }

    /// An error not tied to one file (a dataset not found anywhere, a bad argument).
    pub fn other(message: impl Into<String>) -> Self {
        Self {
            path: None,
            message: message.into(),
        }
    }

    /// An I/O error on `path`, described by what was being done (`"cannot read"` ...).
    pub(crate) fn io(path: impl AsRef<Path>, doing: &str, err: &std::io::Error) -> Self {
        Self::file(path, format!("{doing}: {}", io_reason(err)))
    }

    /// The file or folder the error is about, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The problem, without the file name.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// An I/O error in words, without the OS error number noise when a plain reason exists.
pub(crate) fn io_reason(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::NotFound => "no such file or directory".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "is a directory, expected a file".into(),
        ErrorKind::UnexpectedEof => "unexpected end of file".into(),
        _ => err.to_string(),
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{}: {}", path.display(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for DataError {}
