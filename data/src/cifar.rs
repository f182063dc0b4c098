//! The CIFAR-10 binary format (Krizhevsky 2009, <https://www.cs.toronto.edu/~kriz/cifar.html>),
//! read from the `cifar-10-batches-bin/` folder or straight from the `cifar-10-binary.tar.gz`
//! tarball, fully validated.
//!
//! Each batch file is a run of 3073-byte records: 1 label byte (0..=9), then 3072 pixel bytes —
//! the 1024 red values of the 32x32 image row by row, then the 1024 green, then the 1024 blue.
//! That is exactly CHW, so a record's pixels are copied as they are. Train: `data_batch_1.bin` …
//! `data_batch_5.bin` (10,000 records each); test: `test_batch.bin`.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use crate::dataset::ImageDataset;
use crate::error::DataError;
use crate::kind::{DatasetKind, Split};
use crate::read::read_file;

/// Image shape `[C, H, W]`.
pub const SHAPE: [usize; 3] = [3, 32, 32];
/// Bytes per record: 1 label + 3 * 32 * 32 pixels.
pub const RECORD_LEN: usize = 1 + 3 * 32 * 32;
/// The folder inside the tarball that holds the batches.
pub const BATCHES_DIR: &str = "cifar-10-batches-bin";
/// The name of the binary tarball.
pub const TARBALL: &str = "cifar-10-binary.tar.gz";
/// Text file of the class names, one a line, shipped next to the batches.
pub const META: &str = "batches.meta.txt";

const TRAIN: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
const TEST: [&str; 1] = ["test_batch.bin"];

/// The batch files of a split, in order.
pub fn batch_names(split: Split) -> &'static [&'static str] {
    match split {
        Split::Train => &TRAIN,
        Split::Test => &TEST,
    }
}

/// Validates one batch file held in memory; returns `(pixels, labels)` with pixels CHW.
pub fn parse_batch(bytes: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    if bytes.is_empty() {
        return Err("empty file (0 bytes)".into());
    }
    if !bytes.len().is_multiple_of(RECORD_LEN) {
        return Err(format!(
            "{} bytes is not a whole number of {RECORD_LEN}-byte records ({} records and {} bytes \
             left over: truncated or not a CIFAR-10 binary batch)",
            bytes.len(),
            bytes.len() / RECORD_LEN,
            bytes.len() % RECORD_LEN
        ));
    }
    let n = bytes.len() / RECORD_LEN;
    let mut labels = Vec::with_capacity(n);
    let mut pixels = Vec::with_capacity(n * (RECORD_LEN - 1));
    for (i, record) in bytes.chunks_exact(RECORD_LEN).enumerate() {
        if record[0] > 9 {
            return Err(format!(
                "label {} in record {i} is out of range, expected 0..=9",
                record[0]
            ));
        }
        labels.push(record[0]);
        pixels.extend_from_slice(&record[1..]);
    }
    Ok((pixels, labels))
}

/// Reads and validates one batch file.
pub fn read_batch(path: &Path) -> Result<(Vec<u8>, Vec<u8>), DataError> {
    let bytes = read_file(path)?;
    parse_batch(&bytes).map_err(|e| DataError::file(path, e))
}

/// The folder holding the `.bin` batches of `split` under `dir`: `dir` itself or
/// `dir/cifar-10-batches-bin`. `None` if neither holds the first batch of the split.
pub fn batches_dir(dir: &Path, split: Split) -> Option<PathBuf> {
    let first = batch_names(split)[0];
    [dir.to_path_buf(), dir.join(BATCHES_DIR)]
        .into_iter()
        .find(|d| d.join(first).exists())
}

/// True when `dir` looks like it holds `split`: its batches or the tarball.
pub fn has_split(dir: &Path, split: Split) -> bool {
    batches_dir(dir, split).is_some() || dir.join(TARBALL).is_file()
}

/// Reads one split from `dir`: from the `.bin` batches (in `dir` or `dir/cifar-10-batches-bin`),
/// or else from `dir/cifar-10-binary.tar.gz`. Every batch of the split must be there.
pub fn read_split(dir: &Path, split: Split) -> Result<ImageDataset, DataError> {
    if let Some(bins) = batches_dir(dir, split) {
        let mut pixels = Vec::new();
        let mut labels = Vec::new();
        for name in batch_names(split) {
            let (p, l) = read_batch(&bins.join(name))?;
            pixels.extend_from_slice(&p);
            labels.extend_from_slice(&l);
        }
        return dataset(pixels, labels);
    }
    let tarball = dir.join(TARBALL);
    if tarball.is_file() {
        return read_tarball(&tarball, split);
    }
    Err(DataError::file(
        dir.join(BATCHES_DIR).join(batch_names(split)[0]),
        format!("no such file (nor {TARBALL} in {})", dir.display()),
    ))
}

/// Reads one split straight from a `.tar.gz` holding the batch files (in any folder inside it).
pub fn read_tarball(path: &Path, split: Split) -> Result<ImageDataset, DataError> {
    let mut files = tar_members(path, batch_names(split))?;
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for name in batch_names(split) {
        let bytes = files
            .remove(*name)
            .ok_or_else(|| DataError::file(path, format!("missing {name} in the tarball")))?;
        let (p, l) = parse_batch(&bytes).map_err(|e| DataError::file(path.join(name), e))?;
        pixels.extend_from_slice(&p);
        labels.extend_from_slice(&l);
    }
    dataset(pixels, labels)
}

/// Extracts the batches and `batches.meta.txt` of a tarball into `dest` (created if needed),
/// whatever folder they sit in inside the archive. Only those names are written, so the archive
/// cannot place files elsewhere. Errors if a batch is missing or invalid.
pub fn extract(tarball: &Path, dest: &Path) -> Result<(), DataError> {
    let wanted: Vec<&str> = TRAIN.iter().chain(TEST.iter()).copied().collect();
    let mut names = wanted.clone();
    names.push(META);
    let files = tar_members(tarball, &names)?;
    std::fs::create_dir_all(dest).map_err(|e| DataError::io(dest, "cannot create folder", &e))?;
    for name in names {
        let Some(bytes) = files.get(name) else {
            if name == META {
                continue;
            }
            return Err(DataError::file(
                tarball,
                format!("missing {name} in the tarball"),
            ));
        };
        if name != META {
            parse_batch(bytes).map_err(|e| DataError::file(tarball.join(name), e))?;
        }
        let out = dest.join(name);
        std::fs::write(&out, bytes).map_err(|e| DataError::io(&out, "cannot write", &e))?;
    }
    Ok(())
}

/// The contents of the members of a `.tar.gz` whose file names (last path component) are in
/// `names`.
fn tar_members(path: &Path, names: &[&str]) -> Result<HashMap<String, Vec<u8>>, DataError> {
    if path.is_dir() {
        return Err(DataError::file(
            path,
            "is a directory, expected a .tar.gz file",
        ));
    }
    let file = File::open(path).map_err(|e| DataError::io(path, "cannot open", &e))?;
    let bad = |e: std::io::Error| DataError::file(path, format!("corrupt tar.gz archive: {e}"));
    let mut archive = tar::Archive::new(GzDecoder::new(file));
    let mut found = HashMap::new();
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let entry_path = entry.path().map_err(bad)?;
        let Some(name) = entry_path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if let Some(&name) = names.iter().find(|&&n| n == name) {
            let mut bytes = Vec::with_capacity(entry.size().min(1 << 28) as usize);
            entry.read_to_end(&mut bytes).map_err(bad)?;
            found.insert(name.to_string(), bytes);
        }
    }
    Ok(found)
}

fn dataset(pixels: Vec<u8>, labels: Vec<u8>) -> Result<ImageDataset, DataError> {
    let names = DatasetKind::Cifar10.class_names();
    ImageDataset::new(
        pixels,
        labels,
        SHAPE,
        names.iter().map(|s| s.to_string()).collect(),
    )
}
