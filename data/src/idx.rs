//! The IDX file format of MNIST and Fashion-MNIST (LeCun et al., <http://yann.lecun.com/exdb/mnist/>),
//! gzip-compressed or raw, fully validated.
//!
//! An IDX file is a big-endian header — magic `0x0000_08_DD` (`08` = unsigned bytes, `DD` = number
//! of dimensions), then one `u32` per dimension — followed by the data, row-major. Images are
//! `0x00000803` with dimensions `[n, rows, cols]`; labels are `0x00000801` with `[n]`.

use std::path::{Path, PathBuf};

use crate::dataset::ImageDataset;
use crate::error::DataError;
use crate::kind::Split;
use crate::read::read_maybe_gz;

/// Magic number of an IDX file of unsigned-byte images, `[n, rows, cols]`.
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned-byte labels, `[n]`.
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// The upstream file names (without `.gz`) of a split: `(images, labels)`.
pub fn file_names(split: Split) -> (&'static str, &'static str) {
    match split {
        Split::Train => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        Split::Test => ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }
}

/// The images of an IDX file: `count` images of `rows x cols` bytes, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub count: usize,
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
    /// `count * rows * cols` bytes.
    pub pixels: Vec<u8>,
}

/// Reads and validates an IDX image file (`.gz` or raw).
pub fn read_images(path: &Path) -> Result<IdxImages, DataError> {
    let bytes = read_maybe_gz(path)?;
    parse_images(&bytes).map_err(|e| DataError::file(path, e))
}

/// Reads and validates an IDX label file (`.gz` or raw); every label must be `< num_classes`.
pub fn read_labels(path: &Path, num_classes: usize) -> Result<Vec<u8>, DataError> {
    let bytes = read_maybe_gz(path)?;
    parse_labels(&bytes, num_classes).map_err(|e| DataError::file(path, e))
}

/// Validates an uncompressed IDX image file held in memory.
pub fn parse_images(bytes: &[u8]) -> Result<IdxImages, String> {
    let dims = parse_header(bytes, IMAGES_MAGIC, "IDX images")?;
    let (count, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows == 0 || cols == 0 {
        return Err(format!("image size {rows}x{cols} has a zero dimension"));
    }
    Ok(IdxImages {
        count,
        rows,
        cols,
        pixels: bytes[header_len(3)..].to_vec(),
    })
}

/// Validates an uncompressed IDX label file held in memory.
pub fn parse_labels(bytes: &[u8], num_classes: usize) -> Result<Vec<u8>, String> {
    parse_header(bytes, LABELS_MAGIC, "IDX labels")?;
    let labels = &bytes[header_len(1)..];
    if let Some((i, &label)) = labels
        .iter()
        .enumerate()
        .find(|&(_, &l)| usize::from(l) >= num_classes)
    {
        return Err(format!(
            "label {label} at index {i} is out of range, expected 0..={}",
            num_classes - 1
        ));
    }
    Ok(labels.to_vec())
}

fn header_len(ndims: usize) -> usize {
    4 + 4 * ndims
}

/// Checks magic and total length; returns the dimensions.
fn parse_header(bytes: &[u8], magic: u32, what: &str) -> Result<Vec<usize>, String> {
    let ndims = (magic & 0xff) as usize;
    let header = header_len(ndims);
    if bytes.len() < 4 {
        return Err(format!(
            "truncated: {} bytes, too short for an IDX header",
            bytes.len()
        ));
    }
    let found = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if found != magic {
        return Err(format!(
            "bad magic 0x{found:08x}, expected 0x{magic:08x} ({what})"
        ));
    }
    if bytes.len() < header {
        return Err(format!(
            "truncated: {} bytes, the {what} header alone is {header}",
            bytes.len()
        ));
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .and_then(|data| data.checked_add(header))
        .ok_or_else(|| format!("dimensions {dims:?} are too large"))?;
    if bytes.len() < expected {
        return Err(format!(
            "truncated: {} bytes, expected {expected} for dimensions {dims:?}",
            bytes.len()
        ));
    }
    if bytes.len() > expected {
        return Err(format!(
            "{} bytes, expected {expected} for dimensions {dims:?} ({} trailing bytes)",
            bytes.len(),
            bytes.len() - expected
        ));
    }
    Ok(dims)
}

/// The path of an IDX file in `dir`: `NAME.gz`, `NAME`, or the original distribution's
/// `NAME` with the last `-` as a `.` (`train-images.idx3-ubyte`). `None` if none exists.
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let dotted = name.replacen("-idx", ".idx", 1);
    [
        format!("{name}.gz"),
        name.to_string(),
        dotted.clone(),
        format!("{dotted}.gz"),
    ]
    .into_iter()
    .map(|n| dir.join(n))
    .find(|p| p.exists())
}

/// True when `dir` holds both files of `split` (compressed or not).
pub fn has_split(dir: &Path, split: Split) -> bool {
    let (images, labels) = file_names(split);
    find_file(dir, images).is_some() && find_file(dir, labels).is_some()
}

/// Reads one split of an IDX dataset from `dir` (the folder holding the four files) and checks
/// that image and label counts agree. `class_names` gives the number of classes.
pub fn read_split(
    dir: &Path,
    split: Split,
    class_names: &[&str],
) -> Result<ImageDataset, DataError> {
    let (images_name, labels_name) = file_names(split);
    let missing = |name: &str| {
        DataError::file(
            dir.join(format!("{name}.gz")),
            "no such file (neither compressed nor raw)",
        )
    };
    let images_path = find_file(dir, images_name).ok_or_else(|| missing(images_name))?;
    let labels_path = find_file(dir, labels_name).ok_or_else(|| missing(labels_name))?;
    let images = read_images(&images_path)?;
    let labels = read_labels(&labels_path, class_names.len())?;
    if images.count != labels.len() {
        return Err(DataError::file(
            &images_path,
            format!(
                "{} images but {} has {} labels",
                images.count,
                labels_path.display(),
                labels.len()
            ),
        ));
    }
    ImageDataset::new(
        images.pixels,
        labels,
        [1, images.rows, images.cols],
        class_names.iter().map(|s| s.to_string()).collect(),
    )
    .map_err(|e| DataError::file(&images_path, e.message()))
}
