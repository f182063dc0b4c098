//! Helpers shared by the integration tests: the real-data root, temporary folders, writers of
//! files in the exact IDX / CIFAR-10 formats (the HTTP server is in `http_server.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::Compression;
use flate2::write::GzEncoder;

/// The data root for real-data tests: `CNN_DATA_DIR` (a relative value is tried against the
/// current folder, the workspace root and this crate's folder), else the developers' shared
/// folder `../shared/data` next to the workspace if it exists, else `None` (then `load`
/// searches the user cache and downloads, as on a user's fresh machine).
pub fn data_root() -> Option<PathBuf> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = crate_dir.parent().unwrap_or(crate_dir);
    if let Some(value) = std::env::var_os("CNN_DATA_DIR").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(value);
        if path.is_absolute() {
            return Some(path);
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        return [
            cwd.join(&path),
            workspace.join(&path),
            crate_dir.join(&path),
        ]
        .into_iter()
        .find(|p| p.is_dir());
    }
    Some(workspace.join("../shared/data")).filter(|p| p.is_dir())
}

/// A temporary folder, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir()
            .join("cnn-burn-data-tests")
            .join(format!("{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.0.join(p)
    }

    /// Names of the entries of a sub-folder (empty if it does not exist), sorted.
    pub fn list(&self, sub: impl AsRef<Path>) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.0.join(sub))
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Deterministic pseudo-random bytes.
pub fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = data::augment::SplitMix64::new(seed);
    (0..n).map(|_| rng.next_u64() as u8).collect()
}

/// An uncompressed IDX image file: magic 0x00000803, `[n, rows, cols]`, pixels.
pub fn idx_images(n: usize, rows: usize, cols: usize, pixels: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 3];
    for d in [n, rows, cols] {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(pixels);
    out
}

/// An uncompressed IDX label file: magic 0x00000801, `[n]`, labels.
pub fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 1];
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}

/// gzip-compressed bytes.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Writes a small valid IDX split (gzip) into `dir`: `n` random 28x28 images, labels `i % 10`
/// shifted by `seed`. Returns (pixels, labels).
pub fn write_idx_split(dir: &Path, split: data::Split, n: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
    let (images, labels_name) = data::idx::file_names(split);
    let pixels = noise(n * 28 * 28, seed);
    let labels: Vec<u8> = (0..n).map(|i| ((i as u64 + seed) % 10) as u8).collect();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join(format!("{images}.gz")),
        gzip(&idx_images(n, 28, 28, &pixels)),
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("{labels_name}.gz")),
        gzip(&idx_labels(&labels)),
    )
    .unwrap();
    (pixels, labels)
}

/// `n` CIFAR-10 records (label byte + 3072 pixel bytes) with labels `(i * 7 + seed) % 10`.
pub fn cifar_records(n: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 3073);
    let pixels = noise(n * 3072, seed);
    for i in 0..n {
        out.push(((i as u64 * 7 + seed) % 10) as u8);
        out.extend_from_slice(&pixels[i * 3072..(i + 1) * 3072]);
    }
    out
}

/// A `.tar.gz` holding `files` (path inside the archive, bytes).
pub fn tar_gz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for (path, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, *bytes).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}
