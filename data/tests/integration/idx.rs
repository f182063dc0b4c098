//! IDX reading: round trips of raw and gzip files, and every kind of corrupt input giving an
//! error that names the file — never a panic.

use std::path::Path;

use data::idx::{read_images, read_labels, read_split};
use data::{DataError, DatasetKind, Split};

use crate::common::{TempDir, gzip, idx_images, idx_labels, noise, write_idx_split};

const DIGITS: &[&str] = &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// The error, checked to be one line that names `path` and contains `needle`.
fn expect_err<T: std::fmt::Debug>(result: Result<T, DataError>, path: &Path, needle: &str) {
    let err = result.expect_err("expected an error");
    let line = err.to_string();
    assert!(!line.contains('\n'), "not one line: {line}");
    assert!(
        line.contains(&path.display().to_string()),
        "error does not name {}: {line}",
        path.display()
    );
    assert!(line.contains(needle), "error lacks `{needle}`: {line}");
}

#[test]
fn reads_gzip_and_raw_files_byte_for_byte() {
    let dir = TempDir::new("idx-roundtrip");
    let (pixels, labels) = write_idx_split(dir.path(), Split::Test, 37, 3);
    let ds = read_split(dir.path(), Split::Test, DIGITS).unwrap();
    assert_eq!(ds.len(), 37);
    assert_eq!(ds.shape(), [1, 28, 28]);
    assert_eq!(ds.pixels(), &pixels[..]);
    assert_eq!(ds.labels(), &labels[..]);

    // The same data uncompressed, with the original distribution's dotted names.
    let raw = TempDir::new("idx-raw");
    std::fs::write(
        raw.join("train-images.idx3-ubyte"),
        idx_images(37, 28, 28, &pixels),
    )
    .unwrap();
    std::fs::write(raw.join("train-labels.idx1-ubyte"), idx_labels(&labels)).unwrap();
    let ds = read_split(raw.path(), Split::Train, DIGITS).unwrap();
    assert_eq!(ds.pixels(), &pixels[..]);
    assert_eq!(ds.label(5), usize::from(labels[5]));
    assert_eq!(ds.image(1), &pixels[784..2 * 784]);
}

#[test]
fn corrupt_image_files_are_errors_naming_the_file() {
    let dir = TempDir::new("idx-corrupt");
    let pixels = noise(3 * 4 * 5, 1);
    let good = idx_images(3, 4, 5, &pixels);
    let case = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        (read_images(&path), path)
    };

    let (ok, _) = case("good", &good);
    assert_eq!(ok.unwrap().pixels, pixels);

    let (r, p) = case("truncated.gz", &gzip(&good[..good.len() - 7]));
    expect_err(r, &p, "truncated: 69 bytes, expected 76");
    let (r, p) = case("header-only", &good[..10]);
    expect_err(r, &p, "truncated");
    let (r, p) = case("tiny", &good[..2]);
    expect_err(r, &p, "truncated");
    let mut trailing = good.clone();
    trailing.push(0);
    let (r, p) = case("trailing", &trailing);
    expect_err(r, &p, "1 trailing bytes");
    let (r, p) = case("labels-as-images.gz", &gzip(&idx_labels(&[1, 2])));
    expect_err(
        r,
        &p,
        "bad magic 0x00000801, expected 0x00000803 (IDX images)",
    );
    let (r, p) = case("empty.gz", &[]);
    expect_err(r, &p, "empty file (0 bytes)");
    let (r, p) = case(
        "garbage.gz",
        &[0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    expect_err(r, &p, "corrupt gzip data");
    let (r, p) = case("not-gzip.gz", b"hello, world");
    expect_err(r, &p, "not gzip-compressed");
    let cut = gzip(&good);
    let (r, p) = case("cut-stream.gz", &cut[..cut.len() / 2]);
    expect_err(r, &p, "gzip");
    let (r, p) = case("zero-size", &idx_images(2, 0, 5, &[]));
    expect_err(r, &p, "zero dimension");
    let (r, p) = case(
        "huge-dims",
        &idx_images(u32::MAX as usize, 65535, 65535, &[]),
    );
    expect_err(r, &p, "expected");

    let folder = dir.join("a-folder.gz");
    std::fs::create_dir(&folder).unwrap();
    expect_err(read_images(&folder), &folder, "is a directory");
    let missing = dir.join("missing.gz");
    expect_err(read_images(&missing), &missing, "no such file");
}

#[test]
fn corrupt_label_files_are_errors_naming_the_file() {
    let dir = TempDir::new("idx-labels");
    let path = dir.join("labels");
    std::fs::write(&path, idx_labels(&[0, 9, 10, 3])).unwrap();
    expect_err(
        read_labels(&path, 10),
        &path,
        "label 10 at index 2 is out of range",
    );
    std::fs::write(&path, &idx_labels(&[0, 9, 3])[..9]).unwrap();
    expect_err(read_labels(&path, 10), &path, "truncated");
    std::fs::write(&path, idx_images(1, 1, 1, &[0])).unwrap();
    expect_err(read_labels(&path, 10), &path, "bad magic 0x00000803");
    std::fs::write(&path, idx_labels(&[0, 9, 3])).unwrap();
    assert_eq!(read_labels(&path, 10).unwrap(), vec![0, 9, 3]);
}

#[test]
fn split_level_problems_are_errors() {
    // Count mismatch: 5 images, 4 labels.
    let dir = TempDir::new("idx-split");
    std::fs::write(
        dir.join("t10k-images-idx3-ubyte.gz"),
        gzip(&idx_images(5, 28, 28, &noise(5 * 784, 2))),
    )
    .unwrap();
    std::fs::write(
        dir.join("t10k-labels-idx1-ubyte.gz"),
        gzip(&idx_labels(&[1, 2, 3, 4])),
    )
    .unwrap();
    expect_err(
        read_split(dir.path(), Split::Test, DIGITS),
        &dir.join("t10k-images-idx3-ubyte.gz"),
        "5 images but",
    );
    // A missing file.
    expect_err(
        read_split(dir.path(), Split::Train, DIGITS),
        &dir.join("train-images-idx3-ubyte.gz"),
        "no such file",
    );
    // A folder where the labels file should be.
    let other = TempDir::new("idx-split-dir");
    write_idx_split(other.path(), Split::Test, 4, 0);
    let labels = other.join("t10k-labels-idx1-ubyte.gz");
    std::fs::remove_file(&labels).unwrap();
    std::fs::create_dir(&labels).unwrap();
    expect_err(
        read_split(other.path(), Split::Test, DIGITS),
        &labels,
        "is a directory",
    );
    // Label 10 through the dataset-level reader.
    let third = TempDir::new("idx-split-label");
    write_idx_split(third.path(), Split::Test, 4, 0);
    std::fs::write(
        third.join("t10k-labels-idx1-ubyte.gz"),
        gzip(&idx_labels(&[1, 2, 10, 4])),
    )
    .unwrap();
    let err = data::locate::read_split(DatasetKind::Mnist, third.path(), Split::Test).unwrap_err();
    assert!(err.to_string().contains("label 10"), "{err}");
}
