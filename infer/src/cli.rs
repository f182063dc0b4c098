//! Command-line arguments of `infer` (clap): predictions on image files by default, and the
//! `eval`, `samples` and `summary` subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use common::Backend;

/// Classify images with a trained CNN, evaluate runs, draw sample grids, print model tables.
///
/// `infer IMAGE...` prints the top classes of each image. Without --run it uses a LeNet-5
/// trained on MNIST by this project, built into the binary; without images it classifies the
/// sample digits shipped in `infer/samples/`.
#[derive(Debug, Parser)]
#[command(name = "infer", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Backend to run on [default: a GPU backend if compiled in, else flex].
    #[arg(long, global = true, value_enum)]
    pub backend: Option<Backend>,
    /// A subcommand; without one, `infer` classifies the IMAGE arguments.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Arguments of the default (predict) mode.
    #[command(flatten)]
    pub predict: PredictArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Accuracy, per-class accuracy and confusion matrix (table + confusion.png) on a test set.
    Eval(EvalArgs),
    /// A grid PNG of test images titled with prediction and truth.
    Samples(SamplesArgs),
    /// The layer table of a run's model or of a zoo architecture.
    Summary(SummaryArgs),
    /// Writes a run's model (or converts --weights) as .safetensors with PyTorch key names.
    Export(ExportArgs),
}

/// Arguments of `infer export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Run folder written by `train` [default: the embedded LeNet-5 MNIST model].
    #[arg(long, conflicts_with = "weights")]
    pub run: Option<PathBuf>,
    /// Or PyTorch weights (.pt, .pth, .safetensors) to convert, with --model.
    #[arg(long, requires = "model")]
    pub weights: Option<PathBuf>,
    /// Zoo architecture of --weights.
    #[arg(long, requires = "weights")]
    pub model: Option<String>,
    /// Output file, e.g. model.safetensors.
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `infer IMAGE...`.
#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// Image files (PNG, JPEG, BMP; any size, gray or colour) [default: the shipped samples].
    pub images: Vec<PathBuf>,
    /// Run folder written by `train` [default: the embedded LeNet-5 MNIST model].
    #[arg(long, conflicts_with = "weights")]
    pub run: Option<PathBuf>,
    /// PyTorch weights (.pt, .pth, .safetensors; torchvision names) for --model.
    #[arg(long, requires = "model")]
    pub weights: Option<PathBuf>,
    /// Zoo architecture of --weights, e.g. resnet18 (ImageNet: resize 256, crop 224, 1000 classes).
    #[arg(long, requires = "weights")]
    pub model: Option<String>,
    /// What a non-ImageNet --weights model was trained on: mnist, fashion-mnist or cifar10
    /// [default: mnist for LeNets, fashion-mnist for lenet-d2l, cifar10 otherwise].
    #[arg(long, requires = "weights")]
    pub dataset: Option<String>,
    /// Load what fits of --weights and keep the initial values of the rest (reported).
    #[arg(long, requires = "weights")]
    pub allow_partial: bool,
    /// How many classes to list per image.
    #[arg(long, default_value_t = 3)]
    pub top_k: usize,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Where the test data comes from, for `eval` and `samples`.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Run folder written by `train` [default: the embedded LeNet-5 MNIST model].
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Test set: mnist, fashion-mnist or cifar10 [default: the run's dataset].
    #[arg(long)]
    pub dataset: Option<String>,
    /// Root folder holding mnist/, fashion-mnist/, cifar-10/ [default: $CNN_DATA_DIR, the cache, a download].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Use only the first N test images.
    #[arg(long)]
    pub limit: Option<usize>,
}

/// Arguments of `infer eval`.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// Model and data.
    #[command(flatten)]
    pub data: DataArgs,
    /// Where to write the confusion-matrix heat map [default: RUN/confusion.png, or ./confusion.png].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `infer samples`.
#[derive(Debug, Clone, Args)]
pub struct SamplesArgs {
    /// Model and data.
    #[command(flatten)]
    pub data: DataArgs,
    /// Output PNG.
    #[arg(long)]
    pub out: PathBuf,
    /// Number of images.
    #[arg(long, default_value_t = 16)]
    pub n: usize,
    /// Seed of the random choice of test images.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Titles with the true class only (the tutorial's "Ground Truth" grid), no model needed.
    #[arg(long)]
    pub truth_only: bool,
}

/// Arguments of `infer summary`.
#[derive(Debug, Clone, Args)]
pub struct SummaryArgs {
    /// Zoo architecture, e.g. lenet5, vgg16, resnet18-cifar [default: lenet5, or the run's].
    #[arg(long)]
    pub model: Option<String>,
    /// A run folder whose model to tabulate.
    #[arg(long, conflicts_with = "model")]
    pub run: Option<PathBuf>,
    /// Number of classes [default: the architecture's].
    #[arg(long)]
    pub num_classes: Option<usize>,
    /// Input shape CxHxW, e.g. 3x224x224 [default: the architecture's].
    #[arg(long, value_parser = parse_shape)]
    pub input: Option<[usize; 3]>,
}

/// Parses `CxHxW` (e.g. `3x224x224`) into `[C, H, W]`.
pub fn parse_shape(text: &str) -> Result<[usize; 3], String> {
    let parts: Vec<&str> = text.split(['x', 'X']).collect();
    let dims: Vec<usize> = parts
        .iter()
        .filter_map(|p| p.trim().parse().ok())
        .filter(|&d| d > 0)
        .collect();
    <[usize; 3]>::try_from(dims)
        .ok()
        .filter(|_| parts.len() == 3)
        .ok_or_else(|| {
            format!("'{text}' is not a shape CxHxW of positive integers, e.g. 3x224x224")
        })
}
