//! Which dataset ([`DatasetKind`]: MNIST, Fashion-MNIST, CIFAR-10) and which part of it
//! ([`Split`]: train or test), with their class names, image shapes and usual statistics.

use std::fmt;
use std::str::FromStr;

use burn::serde::{Deserialize, Serialize};

use crate::error::DataError;

/// One of the three datasets of the course. Parsed from and shown as `mnist`, `fashion-mnist`,
/// `cifar10`; serialized the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(crate = "burn::serde", rename_all = "kebab-case")]
pub enum DatasetKind {
    /// LeCun's handwritten digits: 1x28x28 gray, 60,000 train / 10,000 test.
    Mnist,
    /// Zalando's Fashion-MNIST: 1x28x28 gray clothes, 60,000 train / 10,000 test.
    FashionMnist,
    /// Krizhevsky's CIFAR-10: 3x32x32 colour, 50,000 train / 10,000 test.
    Cifar10,
}

/// Which part of a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(crate = "burn::serde", rename_all = "kebab-case")]
pub enum Split {
    /// The training images.
    Train,
    /// The held-out test images.
    Test,
}

const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const FASHION: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];
const CIFAR10: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

impl DatasetKind {
    /// All kinds, in a fixed order.
    pub const ALL: [DatasetKind; 3] = [Self::Mnist, Self::FashionMnist, Self::Cifar10];

    /// The name used on the command line and in configs: `mnist`, `fashion-mnist`, `cifar10`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Mnist => "mnist",
            Self::FashionMnist => "fashion-mnist",
            Self::Cifar10 => "cifar10",
        }
    }

    /// The class names, indexed by label.
    pub fn class_names(&self) -> &'static [&'static str] {
        match self {
            Self::Mnist => &DIGITS,
            Self::FashionMnist => &FASHION,
            Self::Cifar10 => &CIFAR10,
        }
    }

    /// Number of classes (10 for all three).
    pub fn num_classes(&self) -> usize {
        self.class_names().len()
    }

    /// The folder holding the dataset's files under a data root: `mnist`, `fashion-mnist`,
    /// `cifar-10`.
    pub fn folder_name(&self) -> &'static str {
        match self {
            Self::Mnist => "mnist",
            Self::FashionMnist => "fashion-mnist",
            Self::Cifar10 => "cifar-10",
        }
    }

    /// Shape of one stored image, `[C, H, W]`: `[1, 28, 28]` or `[3, 32, 32]`.
    pub fn shape(&self) -> [usize; 3] {
        match self {
            Self::Mnist | Self::FashionMnist => [1, 28, 28],
            Self::Cifar10 => [3, 32, 32],
        }
    }

    /// Number of images in a split: 60,000/10,000 (MNIST, Fashion) or 50,000/10,000 (CIFAR-10).
    pub fn num_images(&self, split: Split) -> usize {
        match (self, split) {
            (Self::Cifar10, Split::Train) => 50_000,
            (_, Split::Train) => 60_000,
            (_, Split::Test) => 10_000,
        }
    }

    /// The usual per-channel mean of the training pixels scaled to [0, 1]
    /// (MNIST 0.1307; Fashion 0.2860; CIFAR-10 0.4914, 0.4822, 0.4465).
    pub fn mean(&self) -> &'static [f32] {
        match self {
            Self::Mnist => &[0.1307],
            Self::FashionMnist => &[0.2860],
            Self::Cifar10 => &[0.4914, 0.4822, 0.4465],
        }
    }

    /// The usual per-channel standard deviation of the training pixels scaled to [0, 1]
    /// (MNIST 0.3081; Fashion 0.3530; CIFAR-10 0.2470, 0.2435, 0.2616).
    pub fn std(&self) -> &'static [f32] {
        match self {
            Self::Mnist => &[0.3081],
            Self::FashionMnist => &[0.3530],
            Self::Cifar10 => &[0.2470, 0.2435, 0.2616],
        }
    }

    /// A readable name for messages: `MNIST`, `Fashion-MNIST`, `CIFAR-10`.
    pub fn title(&self) -> &'static str {
        match self {
            Self::Mnist => "MNIST",
            Self::FashionMnist => "Fashion-MNIST",
            Self::Cifar10 => "CIFAR-10",
        }
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DatasetKind {
    type Err = DataError;

    /// Accepts `mnist`, `fashion-mnist` (also `fashion`, `fashion_mnist`, `fashionmnist`),
    /// `cifar10` (also `cifar-10`, `cifar`), case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "mnist" => Ok(Self::Mnist),
            "fashion-mnist" | "fashion_mnist" | "fashionmnist" | "fashion" => {
                Ok(Self::FashionMnist)
            }
            "cifar10" | "cifar-10" | "cifar_10" | "cifar" => Ok(Self::Cifar10),
            _ => Err(DataError::other(format!(
                "unknown dataset `{s}`, expected one of: mnist, fashion-mnist, cifar10"
            ))),
        }
    }
}

impl Split {
    /// `train` or `test`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Test => "test",
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Split {
    type Err = DataError;

    /// `train` or `test` (also `valid`/`val`, which mean the test split here).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "train" => Ok(Self::Train),
            "test" | "valid" | "val" => Ok(Self::Test),
            _ => Err(DataError::other(format!(
                "unknown split `{s}`, expected train or test"
            ))),
        }
    }
}
