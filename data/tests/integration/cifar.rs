//! CIFAR-10 binary batches written by the test in the exact format (and as a `.tar.gz`), read
//! back byte for byte; plane order; every corrupt input an error.

use data::cifar::{
    BATCHES_DIR, RECORD_LEN, TARBALL, extract, read_batch, read_split, read_tarball,
};
use data::{DatasetKind, Split};

use crate::common::{TempDir, cifar_records, tar_gz};

/// Writes 5 train batches of 40 records and a test batch of 60 into `dir`; returns all records
/// of each split concatenated.
fn write_batches(dir: &std::path::Path) -> (Vec<u8>, Vec<u8>) {
    std::fs::create_dir_all(dir).unwrap();
    let mut train = Vec::new();
    for (i, name) in data::cifar::batch_names(Split::Train).iter().enumerate() {
        let records = cifar_records(40, i as u64);
        std::fs::write(dir.join(name), &records).unwrap();
        train.extend(records);
    }
    let test = cifar_records(60, 99);
    std::fs::write(dir.join("test_batch.bin"), &test).unwrap();
    (train, test)
}

/// Checks a dataset against the records it was read from.
fn check(ds: &data::ImageDataset, records: &[u8]) {
    let n = records.len() / RECORD_LEN;
    assert_eq!(ds.len(), n);
    assert_eq!(ds.shape(), [3, 32, 32]);
    for (i, record) in records.chunks_exact(RECORD_LEN).enumerate() {
        assert_eq!(ds.label(i), usize::from(record[0]));
        assert_eq!(ds.image(i), &record[1..], "record {i}");
        // Channel 0 (red), pixel (0, 0) is byte 1 of the record; green starts at byte 1025,
        // blue at 2049; pixel (row 1, col 2) of blue is byte 1 + 2048 + 32 + 2.
        let image = ds.image(i);
        assert_eq!(image[0], record[1]);
        assert_eq!(image[1024], record[1025]);
        assert_eq!(image[2048 + 32 + 2], record[1 + 2048 + 32 + 2]);
    }
}

#[test]
fn reads_batches_from_the_folder_its_parent_and_the_tarball() {
    let root = TempDir::new("cifar-read");
    let bins = root.join(BATCHES_DIR);
    let (train, test) = write_batches(&bins);

    // The folder of batches itself, and its parent (as extracted from the tarball).
    check(&read_split(&bins, Split::Train).unwrap(), &train);
    check(&read_split(root.path(), Split::Test).unwrap(), &test);
    let ds = read_split(root.path(), Split::Train).unwrap();
    assert_eq!(ds.class_names()[0], "airplane");
    assert_eq!(ds.class_names(), DatasetKind::Cifar10.class_names());
    let mut counts = vec![0; 10];
    for r in train.chunks_exact(RECORD_LEN) {
        counts[usize::from(r[0])] += 1;
    }
    assert_eq!(ds.class_counts(), counts);

    // The tarball, with the batches in the upstream folder.
    let files: Vec<(String, Vec<u8>)> = data::cifar::batch_names(Split::Train)
        .iter()
        .chain(data::cifar::batch_names(Split::Test))
        .map(|n| {
            (
                format!("{BATCHES_DIR}/{n}"),
                std::fs::read(bins.join(n)).unwrap(),
            )
        })
        .chain([(
            format!("{BATCHES_DIR}/batches.meta.txt"),
            b"airplane\n".to_vec(),
        )])
        .collect();
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
    let only_tar = TempDir::new("cifar-tar");
    std::fs::write(only_tar.join(TARBALL), tar_gz(&refs)).unwrap();
    check(&read_split(only_tar.path(), Split::Train).unwrap(), &train);
    check(
        &read_tarball(&only_tar.join(TARBALL), Split::Test).unwrap(),
        &test,
    );

    // Extraction (what a download does) gives the same folder of batches.
    let out = TempDir::new("cifar-extract");
    extract(&only_tar.join(TARBALL), &out.join(BATCHES_DIR)).unwrap();
    assert_eq!(
        out.list(BATCHES_DIR),
        [
            "batches.meta.txt",
            "data_batch_1.bin",
            "data_batch_2.bin",
            "data_batch_3.bin",
            "data_batch_4.bin",
            "data_batch_5.bin",
            "test_batch.bin"
        ]
    );
    check(&read_split(out.path(), Split::Test).unwrap(), &test);
}

#[test]
fn corrupt_batches_are_errors_naming_the_file() {
    let dir = TempDir::new("cifar-corrupt");
    let records = cifar_records(3, 5);
    let path = dir.join("test_batch.bin");
    let err_of = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        let e = read_batch(&path).unwrap_err().to_string();
        assert!(e.starts_with(&path.display().to_string()), "{e}");
        assert!(!e.contains('\n'));
        e
    };
    assert!(
        err_of(&records[..records.len() - 1]).contains("not a whole number of 3073-byte records")
    );
    assert!(err_of(&records[..100]).contains("0 records and 100 bytes left over"));
    assert!(err_of(&[]).contains("empty file"));
    let mut bad = records.clone();
    bad[RECORD_LEN] = 10;
    assert!(err_of(&bad).contains("label 10 in record 1"));
    std::fs::write(&path, &records).unwrap();
    assert_eq!(read_batch(&path).unwrap().1.len(), 3);

    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let e = read_batch(&path).unwrap_err().to_string();
    assert!(e.contains("is a directory"), "{e}");
}

#[test]
fn missing_batches_and_bad_tarballs_are_errors() {
    let dir = TempDir::new("cifar-missing");
    write_batches(dir.path());
    std::fs::remove_file(dir.join("data_batch_3.bin")).unwrap();
    let e = read_split(dir.path(), Split::Train).unwrap_err();
    assert_eq!(e.path(), Some(dir.join("data_batch_3.bin").as_path()));
    assert!(e.to_string().contains("no such file"), "{e}");
    assert!(read_split(dir.path(), Split::Test).is_ok());

    let tar_dir = TempDir::new("cifar-bad-tar");
    let tarball = tar_dir.join(TARBALL);
    let test = cifar_records(2, 1);
    std::fs::write(&tarball, tar_gz(&[("x/test_batch.bin", &test)])).unwrap();
    assert!(read_tarball(&tarball, Split::Test).is_ok());
    let e = read_tarball(&tarball, Split::Train)
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing data_batch_1.bin in the tarball"), "{e}");
    let e = extract(&tarball, &tar_dir.join("out"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing data_batch_1.bin"), "{e}");

    std::fs::write(&tarball, tar_gz(&[("test_batch.bin", &test[..5000])])).unwrap();
    let e = read_tarball(&tarball, Split::Test).unwrap_err().to_string();
    assert!(
        e.contains("test_batch.bin: 5000 bytes is not a whole number"),
        "{e}"
    );

    std::fs::write(&tarball, b"\x1f\x8b\x08\x00garbage garbage garbage").unwrap();
    let e = read_tarball(&tarball, Split::Test).unwrap_err().to_string();
    assert!(e.contains("corrupt tar.gz archive"), "{e}");
    std::fs::write(&tarball, []).unwrap();
    assert!(read_tarball(&tarball, Split::Test).is_err());
}
