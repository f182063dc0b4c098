//! Where each dataset comes from: download URLs, file names and their sha256 checksums.
//!
//! MNIST comes from the S3 mirror torchvision uses, Fashion-MNIST from Zalando's bucket,
//! CIFAR-10 as the Toronto binary tarball. MNIST/Fashion are checked by the sha256 of the
//! **uncompressed** file (the same bytes whatever gzip produced them); CIFAR-10 by the sha256 of
//! the tarball. A mirror (`CNN_DATA_MIRROR`, [`crate::Locator::with_mirror`]) replaces the
//! base URL with `MIRROR/<folder>/` (`MIRROR/mnist/train-images-idx3-ubyte.gz`, ...).

use crate::kind::{DatasetKind, Split};

/// What a checksum is computed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// The bytes as downloaded.
    Download,
    /// The bytes after gunzipping the download.
    Gunzipped,
}

/// One file to download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemoteFile {
    /// File name on the server and in the dataset folder.
    pub name: &'static str,
    /// Lowercase hex sha256.
    pub sha256: &'static str,
    /// What the checksum is computed on.
    pub checksum: Checksum,
    /// The split it holds; `None` for an archive of both.
    pub split: Option<Split>,
}

/// Upstream base URL of MNIST (the mirror torchvision downloads from).
pub const MNIST_URL: &str = "https://ossci-datasets.s3.amazonaws.com/mnist/";
/// Upstream base URL of Fashion-MNIST (Zalando's S3 website bucket; http only).
pub const FASHION_URL: &str = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
/// Upstream base URL of the CIFAR-10 binary tarball.
pub const CIFAR10_URL: &str = "https://www.cs.toronto.edu/~kriz/";

const fn idx(name: &'static str, sha256: &'static str, split: Split) -> RemoteFile {
    RemoteFile {
        name,
        sha256,
        checksum: Checksum::Gunzipped,
        split: Some(split),
    }
}

const MNIST: [RemoteFile; 4] = [
    idx(
        "train-images-idx3-ubyte.gz",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        Split::Train,
    ),
    idx(
        "train-labels-idx1-ubyte.gz",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        Split::Train,
    ),
    idx(
        "t10k-images-idx3-ubyte.gz",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        Split::Test,
    ),
    idx(
        "t10k-labels-idx1-ubyte.gz",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        Split::Test,
    ),
];

const FASHION: [RemoteFile; 4] = [
    idx(
        "train-images-idx3-ubyte.gz",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        Split::Train,
    ),
    idx(
        "train-labels-idx1-ubyte.gz",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        Split::Train,
    ),
    idx(
        "t10k-images-idx3-ubyte.gz",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        Split::Test,
    ),
    idx(
        "t10k-labels-idx1-ubyte.gz",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        Split::Test,
    ),
];

const CIFAR10: [RemoteFile; 1] = [RemoteFile {
    name: "cifar-10-binary.tar.gz",
    sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
    checksum: Checksum::Download,
    split: None,
}];

/// The upstream base URL of `kind` (ends with `/`).
pub fn base_url(kind: DatasetKind) -> &'static str {
    match kind {
        DatasetKind::Mnist => MNIST_URL,
        DatasetKind::FashionMnist => FASHION_URL,
        DatasetKind::Cifar10 => CIFAR10_URL,
    }
}

/// The files of `kind`.
pub fn remote_files(kind: DatasetKind) -> &'static [RemoteFile] {
    match kind {
        DatasetKind::Mnist => &MNIST,
        DatasetKind::FashionMnist => &FASHION,
        DatasetKind::Cifar10 => &CIFAR10,
    }
}

/// The files to download for `split` (`None`: both splits).
pub fn files_for(kind: DatasetKind, split: Option<Split>) -> Vec<RemoteFile> {
    remote_files(kind)
        .iter()
        .filter(|f| split.is_none() || f.split.is_none() || f.split == split)
        .copied()
        .collect()
}

/// The base URL to download `kind` from: upstream, or `MIRROR/<folder>/` with a mirror.
pub fn base_for(kind: DatasetKind, mirror: Option<&str>) -> String {
    match mirror {
        Some(m) => format!("{}/{}/", m.trim_end_matches('/'), kind.folder_name()),
        None => base_url(kind).to_string(),
    }
}
