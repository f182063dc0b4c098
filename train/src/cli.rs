//! Command-line arguments of `train` (clap). Every recipe flag is optional: it overrides the
//! preset's value.

use std::path::PathBuf;

use clap::Parser;

use crate::config::{OptimizerKind, SchedulerKind};
use common::Backend;

/// Train a zoo model on MNIST, Fashion-MNIST or CIFAR-10 with burn's Learner.
///
/// Without flags: the `lenet5-mnist` preset (LeNet-5, MNIST 32x32, SGD 0.01 momentum 0.5,
/// batch 64, 5 epochs) on the default backend. Flags override the preset's fields.
#[derive(Debug, Clone, Parser)]
#[command(name = "train", version, about, long_about = None)]
pub struct Cli {
    /// Recipe to start from: lenet5-mnist, lenet5-classic-mnist, lenet-d2l-fashion, mnist-best, fashion-best, resnet18-cifar10.
    #[arg(long, default_value = "lenet5-mnist")]
    pub preset: String,
    /// Zoo architecture (e.g. lenet5, lenet-res, resnet18-cifar) [default: the preset's].
    #[arg(long)]
    pub model: Option<String>,
    /// Dataset: mnist, fashion-mnist, cifar10, or a folder DIR with DIR/train/<class>/*.png and DIR/test/<class>/*.png (images resized to the model's input) [default: the preset's].
    #[arg(long)]
    pub dataset: Option<String>,
    /// Number of epochs [default: the preset's].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Mini-batch size [default: the preset's].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Optimizer [default: the preset's].
    #[arg(long, value_enum)]
    pub optimizer: Option<OptimizerKind>,
    /// Learning rate (peak, with a schedule) [default: the preset's].
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// SGD momentum [default: the preset's].
    #[arg(long, allow_negative_numbers = true)]
    pub momentum: Option<f64>,
    /// Weight decay [default: the preset's].
    #[arg(long, allow_negative_numbers = true)]
    pub weight_decay: Option<f64>,
    /// Learning-rate schedule [default: the preset's].
    #[arg(long, value_enum)]
    pub scheduler: Option<SchedulerKind>,
    /// Random crop (4-pixel padding) and horizontal flip of training images.
    #[arg(long)]
    pub augment: bool,
    /// Seed of initialization, shuffling and augmentation [default: 42].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Root folder holding mnist/, fashion-mnist/, cifar-10/ [default: $CNN_DATA_DIR, the user cache, a download].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Run folder [default: runs/<preset>-<UTC timestamp>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Backend [default: a GPU backend if compiled in, else flex].
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// Continue the run in --out from its last checkpoint (same epoch numbering; --epochs may raise the total).
    #[arg(long)]
    pub resume: bool,
    /// Start from PyTorch weights (.pt, .pth, .safetensors; torchvision key names): fine-tuning.
    /// A classifier with another number of classes is replaced by a fresh one.
    #[arg(long, conflicts_with = "resume")]
    pub init_from: Option<PathBuf>,
    /// With --init-from: load what fits and keep the initial values of the rest (reported).
    #[arg(long, requires = "init_from")]
    pub allow_partial: bool,
    /// Start from torchvision's ImageNet weights of --model (e.g. resnet18), downloaded once
    /// into torch's cache: fine-tuning with a new classifier. Image folders are then
    /// normalized with ImageNet's mean and std, as torchvision's weights expect.
    #[arg(long, requires = "model", conflicts_with_all = ["resume", "init_from"])]
    pub pretrained: bool,
    /// Base URL of a mirror of https://download.pytorch.org/models/ for --pretrained
    /// [default: $CNN_WEIGHTS_MIRROR, else upstream].
    #[arg(long, requires = "pretrained")]
    pub weights_mirror: Option<String>,
    /// Train on the first N training images only.
    #[arg(long)]
    pub limit_train: Option<usize>,
    /// Evaluate on the first N test images only.
    #[arg(long)]
    pub limit_test: Option<usize>,
}
