//! Command-line arguments of `infer` (clap): predictions on image files by default, and the
//! `eval`, `samples`, `summary`, `export` and `serve` subcommands.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};

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
    /// An HTTP server: a draw-a-digit / upload page at /, JSON predictions at /predict.
    Serve(ServeArgs),
}

impl Cli {
    /// Whether this command line starts the HTTP server (which manages its own threads).
    pub fn is_server(&self) -> bool {
        matches!(self.command, Some(Command::Serve(_)))
    }
}

/// Which model to run: a run folder, PyTorch weights for a zoo architecture, torchvision's
/// pretrained weights, or (none of these) the embedded LeNet-5.
#[derive(Debug, Clone, Args)]
#[command(group = ArgGroup::new("weights_source").args(["weights", "pretrained"]))]
pub struct ModelArgs {
    /// Run folder written by `train` [default: the embedded LeNet-5 MNIST model].
    #[arg(long, conflicts_with = "weights_source")]
    pub run: Option<PathBuf>,
    /// PyTorch weights (.pt, .pth, .safetensors; torchvision names) for --model.
    #[arg(long, requires = "model")]
    pub weights: Option<PathBuf>,
    /// torchvision's ImageNet weights for --model (weights="DEFAULT"), downloaded once into
    /// torch's cache ($TORCH_HOME/hub/checkpoints, default ~/.cache/torch/hub/checkpoints).
    #[arg(long, requires = "model")]
    pub pretrained: bool,
    /// Zoo architecture of --weights or --pretrained, e.g. resnet18 (ImageNet: resize 256, crop 224, 1000 classes).
    #[arg(long, requires = "weights_source")]
    pub model: Option<String>,
    /// Load what fits of --weights and keep the initial values of the rest (reported).
    #[arg(long, requires = "weights")]
    pub allow_partial: bool,
    /// Base URL of a mirror of https://download.pytorch.org/models/ for --pretrained
    /// [default: $CNN_WEIGHTS_MIRROR, else upstream].
    #[arg(long, requires = "pretrained")]
    pub weights_mirror: Option<String>,
}

/// Arguments of `infer export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The model to write (or to convert, with --weights).
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output file, e.g. model.safetensors.
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `infer IMAGE...`.
#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// Image files (PNG, JPEG, BMP; any size, gray or colour) [default: the shipped samples].
    pub images: Vec<PathBuf>,
    /// The model.
    #[command(flatten)]
    pub model: ModelArgs,
    /// What a non-ImageNet --weights model was trained on: mnist, fashion-mnist or cifar10
    /// [default: mnist for LeNets, fashion-mnist for lenet-d2l, cifar10 otherwise].
    #[arg(long, requires = "weights")]
    pub dataset: Option<String>,
    /// How many classes to list per image.
    #[arg(long, default_value_t = 3)]
    pub top_k: usize,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The model and the test data, for `eval` and `samples`.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// The model.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Test set: mnist, fashion-mnist, cifar10, or an image folder DIR (DIR/test/<class>/...,
    /// or DIR/val/...; for ImageNet models also DIR/<class>/...) [default: the run's dataset;
    /// with --weights, also what the weights were trained on].
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

/// Arguments of `infer serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port; the URL is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The model.
    #[command(flatten)]
    pub model: ModelArgs,
    /// What a non-ImageNet --weights model was trained on: mnist, fashion-mnist or cifar10.
    #[arg(long, requires = "weights")]
    pub dataset: Option<String>,
    /// Largest request body, e.g. 10MB, 512KB or a number of bytes (larger: 413).
    #[arg(long, default_value = "10MB", value_parser = parse_size)]
    pub max_body: usize,
    /// Most images in one forward pass when requests arrive together.
    #[arg(long, default_value_t = 32)]
    pub max_batch: usize,
    /// How long a batch waits for requests still being decoded, in milliseconds.
    #[arg(long, default_value_t = 2)]
    pub batch_wait_ms: u64,
}

/// Parses a size in bytes: `10MB`, `512KB`, `1GB` (powers of 1024; `M`, `k`, `MiB` too) or a
/// plain number of bytes.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let lower = text.trim().to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(digits_end);
    let scale: usize = match unit.trim().trim_end_matches("ib").trim_end_matches('b') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => {
            return Err(format!(
                "'{text}' is not a size such as 10MB, 512KB or 1048576"
            ));
        }
    };
    number
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("'{text}' is not a positive size such as 10MB, 512KB or 1048576"))
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
