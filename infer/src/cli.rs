//! Command-line arguments of `infer` (clap).

use clap::{Args, Parser, Subcommand};

use crate::backend::Backend;

/// Predictions, evaluation and model summaries for the CNN zoo.
#[derive(Debug, Parser)]
#[command(name = "infer", version, about)]
pub struct Cli {
    /// Backend to run on (default: a GPU backend if compiled in, else flex).
    #[arg(long, global = true, value_enum)]
    pub backend: Option<Backend>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the layer table of a zoo architecture: output shapes, parameters, memory.
    Summary(SummaryArgs),
}

/// Arguments of `infer summary`.
#[derive(Debug, Clone, Args)]
pub struct SummaryArgs {
    /// Zoo architecture, e.g. lenet5, vgg16, resnet18-cifar.
    #[arg(long, default_value = "lenet5")]
    pub model: String,
    /// Number of classes (default: the architecture's).
    #[arg(long)]
    pub num_classes: Option<usize>,
    /// Input shape CxHxW, e.g. 3x224x224 (default: the architecture's).
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
