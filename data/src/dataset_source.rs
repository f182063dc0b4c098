//! Where a run's images come from: one of the course's datasets ([`DatasetKind`]) or a user's
//! own image folder laid out like torchvision's `ImageFolder`, with a training and a test split:
//!
//! ```text
//! DIR/train/<class>/*.png|jpg|jpeg|bmp
//! DIR/test/<class>/*.png|jpg|jpeg|bmp      (or DIR/val/...)
//! ```
//!
//! Classes are the sub-folders of `train/` in sorted order (label = index); `test/` must hold
//! the same ones. Every image is converted to the model's channels and resized to its input
//! size when read. Serialized in a run's `config.json` as the dataset's name (`"mnist"`) or as
//! `{"root": ..., "classes": [...], "shape": [C, H, W]}`.

use std::fmt;
use std::path::{Path, PathBuf};

use burn::serde::{Deserialize, Serialize};

use crate::dataset::ImageDataset;
use crate::error::DataError;
use crate::folder::{read_image_folder, sorted_entries};
use crate::kind::{DatasetKind, Split};

/// A course dataset or an image folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(crate = "burn::serde", untagged)]
pub enum DatasetSource {
    /// MNIST, Fashion-MNIST or CIFAR-10, found or downloaded by [`crate::load`].
    Builtin(DatasetKind),
    /// A user's folder with `train/` and `test/` (or `val/`) splits.
    Folder(ImageFolderSource),
}

/// A user's image folder: its root, class names and the shape its images are read at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(crate = "burn::serde")]
pub struct ImageFolderSource {
    /// The folder holding `train/` and `test/` (or `val/`).
    pub root: PathBuf,
    /// Class names (the sub-folders of `train/`, sorted); index = label.
    pub classes: Vec<String>,
    /// `[C, H, W]` every image is converted and resized to.
    pub shape: [usize; 3],
}

/// The sub-folder names tried, in order, for a split.
fn split_folders(split: Split) -> &'static [&'static str] {
    match split {
        Split::Train => &["train"],
        Split::Test => &["test", "val"],
    }
}

impl ImageFolderSource {
    /// Checks that `root` has a training and a test split and reads the class names; images
    /// will be read at `shape` (`[C, H, W]`, C = 1 or 3).
    pub fn open(root: &Path, shape: [usize; 3]) -> Result<Self, DataError> {
        if !root.is_dir() {
            return Err(DataError::file(root, "no such folder"));
        }
        let train = split_dir(root, Split::Train)?;
        split_dir(root, Split::Test)?;
        let classes = class_folders(&train)?;
        if classes.is_empty() {
            return Err(DataError::file(
                &train,
                "no class folders (expected DIR/train/<class>/<image>.png)",
            ));
        }
        Ok(Self {
            root: root.to_path_buf(),
            classes,
            shape,
        })
    }

    /// Reads one split: every image at [`Self::shape`], labelled by its class folder. Errors
    /// when the split's classes differ from the training split's.
    pub fn load(&self, split: Split) -> Result<ImageDataset, DataError> {
        let dir = split_dir(&self.root, split)?;
        let found = class_folders(&dir)?;
        if found != self.classes {
            return Err(DataError::file(
                &dir,
                format!(
                    "classes [{}] differ from the training classes [{}]",
                    found.join(", "),
                    self.classes.join(", ")
                ),
            ));
        }
        read_image_folder(&dir, self.shape)
    }
}

/// `root/train`, or `root/test` / `root/val`, or an error naming what is missing.
fn split_dir(root: &Path, split: Split) -> Result<PathBuf, DataError> {
    let names = split_folders(split);
    names
        .iter()
        .map(|name| root.join(name))
        .find(|dir| dir.is_dir())
        .ok_or_else(|| {
            DataError::file(
                root,
                format!(
                    "no {} sub-folder (an image-folder dataset needs train/<class>/ and test/<class>/)",
                    names.join(" or ")
                ),
            )
        })
}

/// The names of the sub-folders of `dir`, sorted.
fn class_folders(dir: &Path) -> Result<Vec<String>, DataError> {
    Ok(sorted_entries(dir, Path::is_dir)?
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect())
}

impl DatasetSource {
    /// Reads one split (`data_dir` is where the course datasets are looked for).
    pub fn load(&self, split: Split, data_dir: Option<&Path>) -> Result<ImageDataset, DataError> {
        match self {
            Self::Builtin(kind) => crate::load(*kind, split, data_dir),
            Self::Folder(folder) => folder.load(split),
        }
    }

    /// The course dataset, or `None` for a folder.
    pub fn builtin(&self) -> Option<DatasetKind> {
        match self {
            Self::Builtin(kind) => Some(*kind),
            Self::Folder(_) => None,
        }
    }

    /// A short name for run folders and titles: the dataset's name or the folder's own name.
    pub fn short_name(&self) -> String {
        match self {
            Self::Builtin(kind) => kind.name().into(),
            Self::Folder(folder) => folder
                .root
                .file_name()
                .map_or_else(|| "images".into(), |n| n.to_string_lossy().into_owned()),
        }
    }

    /// Shape `[C, H, W]` of the images as read (before the pipeline).
    pub fn shape(&self) -> [usize; 3] {
        match self {
            Self::Builtin(kind) => kind.shape(),
            Self::Folder(folder) => folder.shape,
        }
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        match self {
            Self::Builtin(kind) => kind.num_classes(),
            Self::Folder(folder) => folder.classes.len(),
        }
    }

    /// Class names, index = label.
    pub fn class_names(&self) -> Vec<&str> {
        match self {
            Self::Builtin(kind) => kind.class_names().to_vec(),
            Self::Folder(folder) => folder.classes.iter().map(String::as_str).collect(),
        }
    }
}

impl From<DatasetKind> for DatasetSource {
    fn from(kind: DatasetKind) -> Self {
        Self::Builtin(kind)
    }
}

/// `mnist`, `fashion-mnist`, `cifar10`, or the folder's path.
impl fmt::Display for DatasetSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Builtin(kind) => kind.fmt(f),
            Self::Folder(folder) => write!(f, "{}", folder.root.display()),
        }
    }
}
