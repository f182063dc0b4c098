//! Downloads against a tiny HTTP server on 127.0.0.1 (this machine has no internet): success,
//! checksum mismatch, truncated transfer and HTTP 404 — after a failure nothing is left at the
//! destination, not even a temporary file.

use std::collections::HashMap;

use data::download::{fetch, sha256};
use data::remote_files::Checksum;
use data::{DatasetKind, Locator, Split};

use crate::common::{TempDir, cifar_records, data_root, gzip, idx_labels, tar_gz, write_idx_split};
use crate::http_server::{Reply, Server};

fn server(routes: &[(&str, Reply)]) -> Server {
    Server::start(
        routes
            .iter()
            .map(|(p, r)| (p.to_string(), r.clone()))
            .collect::<HashMap<_, _>>(),
    )
}

/// The one-line error of a download that must fail (no progress bar).
fn fetch_error(url: &str, dest: &std::path::Path, sha: &str, checksum: Checksum) -> String {
    fetch(url, dest, sha, checksum, false)
        .unwrap_err()
        .to_string()
}

#[test]
fn fetch_verifies_and_renames_or_leaves_nothing() {
    let labels = idx_labels(&[3, 1, 4, 1, 5, 9, 2, 6]);
    let gz = gzip(&labels);
    let srv = server(&[
        ("/ok.gz", Reply::Body(gz.clone())),
        ("/cut.gz", Reply::Truncated(gz.clone(), gz.len() / 2)),
        ("/gone.gz", Reply::Status(404)),
        ("/broken.gz", Reply::Status(500)),
    ]);
    let dir = TempDir::new("fetch");
    let dest = dir.join("sub/labels.gz");

    // Success: the checksum of the gunzipped bytes (with the progress display on), or of the
    // bytes as sent.
    fetch(
        &format!("{}/ok.gz", srv.url()),
        &dest,
        &sha256(&labels),
        Checksum::Gunzipped,
        true,
    )
    .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), gz);
    let raw = dir.join("raw.gz");
    fetch(
        &format!("{}/ok.gz", srv.url()),
        &raw,
        &sha256(&gz),
        Checksum::Download,
        false,
    )
    .unwrap();
    // A prefix of 8+ digits (torchvision's weight files) is checked as one; a shorter one
    // never matches.
    let digest = sha256(&gz);
    let prefixed = dir.join("sub/prefixed.gz");
    let url = format!("{}/ok.gz", srv.url());
    fetch(&url, &prefixed, &digest[..8], Checksum::Download, false).unwrap();
    let e = fetch_error(
        &url,
        &dir.join("short.gz"),
        &digest[..4],
        Checksum::Download,
    );
    assert!(e.contains("checksum mismatch"), "{e}");

    // Checksum mismatch: an error naming the file, and no file.
    let bad = dir.join("sub/bad.gz");
    let e = fetch_error(
        &format!("{}/ok.gz", srv.url()),
        &bad,
        &sha256(b"x"),
        Checksum::Gunzipped,
    );
    assert!(e.contains("checksum mismatch"), "{e}");
    assert!(e.starts_with(&bad.display().to_string()), "{e}");
    // A gzip checksum over something that is not gzip.
    let e = fetch_error(
        &format!("{}/ok.gz", srv.url()),
        &bad,
        &sha256(b"x"),
        Checksum::Download,
    );
    assert!(e.contains("checksum mismatch"), "{e}");

    // Truncated transfer, 404, 500, connection refused.
    let e = fetch_error(
        &format!("{}/cut.gz", srv.url()),
        &bad,
        &sha256(&labels),
        Checksum::Gunzipped,
    );
    assert!(
        e.contains("truncated") || e.contains("connection lost"),
        "{e}"
    );
    let e = fetch_error(
        &format!("{}/gone.gz", srv.url()),
        &bad,
        &sha256(&labels),
        Checksum::Gunzipped,
    );
    assert!(e.contains("HTTP 404"), "{e}");
    let e = fetch(
        &format!("{}/broken.gz", srv.url()),
        &bad,
        "00",
        Checksum::Gunzipped,
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("HTTP 500"), "{e}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let e = fetch(
        &format!("http://127.0.0.1:{port}/x.gz"),
        &bad,
        "00",
        Checksum::Gunzipped,
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("download of") && !e.contains('\n'), "{e}");

    // Nothing but the three good files, no temporary leftovers.
    assert_eq!(dir.list("sub"), ["labels.gz", "prefixed.gz"]);
    assert_eq!(dir.list(""), ["raw.gz", "sub"]);
}

#[test]
fn locator_downloads_real_mnist_files_from_a_mirror_into_the_cache() {
    // The real test split, served by a local "mirror" laid out as MIRROR/mnist/<file>.
    let real = data::Locator::from_env(data_root().as_deref())
        .with_progress(false)
        .locate(DatasetKind::Mnist, Some(Split::Test))
        .unwrap();
    let file = |name: &str| std::fs::read(data::idx::find_file(&real, name).unwrap()).unwrap();
    let (images, labels) = data::idx::file_names(Split::Test);
    let (images_gz, labels_gz) = (gzip_if_raw(file(images)), gzip_if_raw(file(labels)));
    let srv = server(&[
        (
            "/mnist/t10k-images-idx3-ubyte.gz",
            Reply::Body(images_gz.clone()),
        ),
        (
            "/mnist/t10k-labels-idx1-ubyte.gz",
            Reply::Body(labels_gz.clone()),
        ),
    ]);
    let cache = TempDir::new("mirror-cache");
    let locator = Locator::only(&[])
        .with_cache(cache.path())
        .with_mirror(srv.url());
    let test = locator.load(DatasetKind::Mnist, Split::Test).unwrap();
    assert_eq!(test.len(), 10_000);
    assert_eq!(
        cache.list("mnist"),
        ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    );
    assert_eq!(
        std::fs::read(cache.join("mnist/t10k-labels-idx1-ubyte.gz")).unwrap(),
        labels_gz
    );

    // The train split is not on the mirror: the error lists the places and the URLs.
    let e = locator
        .load(DatasetKind::Mnist, Split::Train)
        .unwrap_err()
        .to_string();
    assert!(e.contains("MNIST (train split) not found"), "{e}");
    assert!(e.contains("HTTP 404"), "{e}");
    assert!(
        e.contains(&format!("{}/mnist/train-images-idx3-ubyte.gz", srv.url())),
        "{e}"
    );
    assert!(!e.contains('\n'));
    assert_eq!(cache.list("mnist").len(), 2, "no partial train files");
}

#[test]
fn locator_rejects_a_synthetic_file_with_the_wrong_checksum() {
    // Well-formed files whose checksums are not the published ones are discarded.
    let fake = TempDir::new("fake-mnist");
    write_idx_split(fake.path(), Split::Test, 10, 1);
    let body = |n: &str| Reply::Body(std::fs::read(fake.join(n)).unwrap());
    let srv = server(&[
        (
            "/fashion-mnist/t10k-images-idx3-ubyte.gz",
            body("t10k-images-idx3-ubyte.gz"),
        ),
        (
            "/fashion-mnist/t10k-labels-idx1-ubyte.gz",
            body("t10k-labels-idx1-ubyte.gz"),
        ),
    ]);
    let cache = TempDir::new("fake-cache");
    let locator = Locator::only(&[])
        .with_cache(cache.path())
        .with_mirror(srv.url());
    let e = locator
        .load(DatasetKind::FashionMnist, Split::Test)
        .unwrap_err()
        .to_string();
    assert!(e.contains("checksum mismatch"), "{e}");
    assert!(
        cache.list("fashion-mnist").is_empty(),
        "{:?}",
        cache.list("fashion-mnist")
    );
}

#[test]
fn cifar_download_is_checked_before_anything_is_extracted() {
    let test = cifar_records(10, 3);
    let tarball = tar_gz(&[("cifar-10-batches-bin/test_batch.bin", &test)]);
    let srv = server(&[("/cifar-10/cifar-10-binary.tar.gz", Reply::Body(tarball))]);
    let cache = TempDir::new("cifar-cache");
    let locator = Locator::only(&[])
        .with_cache(cache.path())
        .with_mirror(srv.url());
    let e = locator
        .locate(DatasetKind::Cifar10, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("checksum mismatch"), "{e}");
    assert!(e.contains("cifar-10-binary.tar.gz"), "{e}");
    assert!(
        cache.list("cifar-10").is_empty(),
        "{:?}",
        cache.list("cifar-10")
    );
}

fn gzip_if_raw(bytes: Vec<u8>) -> Vec<u8> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        bytes
    } else {
        gzip(&bytes)
    }
}
