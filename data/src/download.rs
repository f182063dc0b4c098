//! Downloading one file safely: streamed over HTTP(S) to a temporary name in the destination
//! folder with a progress bar, checked against its sha256, and only then renamed into place.
//! Whatever goes wrong (HTTP error, cut connection, wrong checksum), nothing is left under the
//! final name, so a bad download can never pass for a good file later.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;
use std::time::Duration;

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

use crate::error::{DataError, io_reason};
use crate::progress::Progress;
use crate::remote_files::Checksum;

/// Downloads `url` to `dest`, checking that the sha256 of the bytes (or, for
/// [`Checksum::Gunzipped`], of the gunzipped bytes) is `sha256` (hex), or begins with it when
/// `sha256` is a prefix of at least 8 digits (torchvision's weight files carry 8 in their
/// names). `dest` is only created if everything succeeds; its folder is created if needed.
pub fn fetch(
    url: &str,
    dest: &Path,
    sha256: &str,
    checksum: Checksum,
    progress: bool,
) -> Result<(), DataError> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, "cannot create folder", &e))?;
    let temp = crate::files::temp_path(dest);
    let result = download_to(url, &temp, progress).and_then(|raw_digest| {
        let digest = match checksum {
            Checksum::Download => raw_digest,
            Checksum::Gunzipped => gunzipped_sha256(&temp)
                .map_err(|e| DataError::file(dest, format!("download from {url} is {e}")))?,
        };
        if sha256.len() >= 8 && digest.starts_with(&sha256.to_ascii_lowercase()) {
            Ok(())
        } else {
            Err(DataError::file(
                dest,
                format!(
                    "checksum mismatch for the download from {url}: sha256{} {digest}, \
                     expected {sha256}; the file was discarded",
                    if checksum == Checksum::Gunzipped {
                        " of the gunzipped bytes"
                    } else {
                        ""
                    }
                ),
            ))
        }
    });
    match result {
        Ok(()) => std::fs::rename(&temp, dest).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            DataError::io(dest, "cannot move the download into place", &e)
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// The agent for all downloads: rustls with the webpki roots, generous but finite timeouts,
/// status codes >= 400 as errors.
fn agent(url: &str) -> ureq::Agent {
    let local = ["://127.0.0.1", "://localhost", "://[::1]"]
        .iter()
        .any(|h| url.contains(h));
    let mut config = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .user_agent(concat!("cnn-burn-data/", env!("CARGO_PKG_VERSION")));
    if local {
        config = config.proxy(None);
    }
    ureq::Agent::new_with_config(config.build())
}

/// Streams `url` into `path`; returns the sha256 (hex) of the bytes received.
fn download_to(url: &str, path: &Path, progress: bool) -> Result<String, DataError> {
    let fail = |what: String| DataError::other(format!("download of {url} failed: {what}"));
    let mut response = agent(url).get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(code) => fail(format!("HTTP {code}{}", status_text(code))),
        other => fail(other.to_string()),
    })?;
    let total = response.body().content_length();
    let name = url.rsplit('/').next().unwrap_or(url).to_string();
    let mut bar = Progress::new(name, total, progress);
    let mut reader = response.body_mut().as_reader();
    let file = File::create(path).map_err(|e| DataError::io(path, "cannot create", &e))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut received = 0u64;
    let outcome = loop {
        match reader.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                hasher.update(&buf[..n]);
                if let Err(e) = out.write_all(&buf[..n]) {
                    break Err(DataError::io(path, "cannot write", &e));
                }
                received += n as u64;
                bar.advance(n as u64);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                break Err(fail(format!(
                    "connection lost after {received} bytes{}: {}",
                    total.map_or(String::new(), |t| format!(" of {t}")),
                    io_reason(&e)
                )));
            }
        }
    };
    bar.finish();
    outcome?;
    if let Some(t) = total
        && received != t
    {
        return Err(fail(format!("truncated: received {received} of {t} bytes")));
    }
    if received == 0 {
        return Err(fail("empty response".into()));
    }
    out.flush()
        .and_then(|()| out.get_ref().sync_all())
        .map_err(|e| DataError::io(path, "cannot write", &e))?;
    Ok(hex(&hasher.finalize()))
}

/// The sha256 (hex) of the gunzipped contents of `path`.
fn gunzipped_sha256(path: &Path) -> Result<String, String> {
    let file = File::open(path).map_err(|e| io_reason(&e))?;
    let mut hasher = Sha256::new();
    io::copy(
        &mut MultiGzDecoder::new(io::BufReader::new(file)),
        &mut hasher,
    )
    .map_err(|e| format!("not a valid gzip file: {e}"))?;
    Ok(hex(&hasher.finalize()))
}

/// The sha256 (hex) of a file's bytes.
pub fn sha256_file(path: &Path) -> Result<String, DataError> {
    let mut file = File::open(path).map_err(|e| DataError::io(path, "cannot read", &e))?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher).map_err(|e| DataError::io(path, "cannot read", &e))?;
    Ok(hex(&hasher.finalize()))
}

/// The sha256 (hex) of bytes in memory.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn status_text(code: u16) -> &'static str {
    match code {
        403 => " Forbidden",
        404 => " Not Found",
        410 => " Gone",
        429 => " Too Many Requests",
        500 => " Internal Server Error",
        502 => " Bad Gateway",
        503 => " Service Unavailable",
        _ => "",
    }
}
