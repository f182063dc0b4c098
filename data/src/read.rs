//! Reading a whole data file into memory, gunzipping it when it is gzip-compressed (by its
//! magic bytes, whatever its name), with errors that name the file.

use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::DataError;

/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The bytes of `path`, decompressed if the file is gzip. Errors on a missing file, a folder,
/// an empty file, or a corrupt gzip stream.
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, DataError> {
    let raw = read_file(path)?;
    if raw.starts_with(&GZIP_MAGIC) {
        gunzip(&raw).map_err(|e| DataError::file(path, e))
    } else if has_gz_extension(path) {
        Err(DataError::file(
            path,
            "named .gz but is not gzip-compressed (bad gzip magic)",
        ))
    } else {
        Ok(raw)
    }
}

/// The bytes of `path` as stored. Errors on a missing file, a folder or an empty file.
pub fn read_file(path: &Path) -> Result<Vec<u8>, DataError> {
    if path.is_dir() {
        return Err(DataError::file(path, "is a directory, expected a file"));
    }
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, "cannot read", &e))?;
    if bytes.is_empty() {
        return Err(DataError::file(path, "empty file (0 bytes)"));
    }
    Ok(bytes)
}

/// Decompresses a whole gzip stream (several members are concatenated, as `gzip` does).
pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4));
    MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| format!("corrupt gzip data: {e}"))?;
    Ok(out)
}

fn has_gz_extension(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}
