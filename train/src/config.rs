//! A run's full configuration, saved as `config.json` in the run folder: the model, the
//! dataset and its preprocessing, and the optimization recipe. `infer` rebuilds the model and
//! the preprocessing from it.

use burn::prelude::*;
use data::{DatasetSource, Pipeline};
use model::ModelConfig;

/// The optimizer.
#[derive(Config, Debug, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OptimizerKind {
    /// SGD with (optional) momentum, PyTorch semantics (no dampening).
    Sgd,
    /// Adam (Kingma & Ba 2015).
    Adam,
    /// Adam with decoupled weight decay (Loshchilov & Hutter 2019).
    Adamw,
}

/// How the learning rate changes over the run (per iteration).
#[derive(Config, Debug, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchedulerKind {
    /// The same learning rate throughout.
    Constant,
    /// Divided by 10 at 50 % and again at 75 % of the run.
    Step,
    /// Cosine annealing from `lr` to 0.
    Cosine,
    /// One-cycle: linear warm-up from lr/25 to lr over 30 % of the run, then cosine to 0.
    Onecycle,
}

/// Everything a run needs; `train` fills it from a preset and the command-line overrides.
#[derive(Config, Debug)]
pub struct TrainConfig {
    /// Preset the run started from.
    pub preset: String,
    /// Architecture (zoo name, classes, channels).
    pub model: ModelConfig,
    /// Dataset: a course dataset (`"mnist"`) or an image folder.
    pub dataset: DatasetSource,
    /// Preprocessing of every image (resize, normalize, augmentation).
    pub pipeline: Pipeline,
    /// Epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Optimizer.
    pub optimizer: OptimizerKind,
    /// Peak learning rate.
    pub lr: f64,
    /// SGD momentum (0 = plain SGD).
    #[config(default = 0.0)]
    pub momentum: f64,
    /// Nesterov momentum (SGD only).
    #[config(default = false)]
    pub nesterov: bool,
    /// L2 weight decay (decoupled for AdamW).
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Learning-rate schedule.
    #[config(default = "SchedulerKind::Constant")]
    pub scheduler: SchedulerKind,
    /// Seed of weight initialization, shuffling and augmentation.
    #[config(default = 42)]
    pub seed: u64,
    /// Train on the first N training images only.
    #[config(default = "None")]
    pub limit_train: Option<usize>,
    /// Evaluate on the first N test images only.
    #[config(default = "None")]
    pub limit_test: Option<usize>,
}

impl TrainConfig {
    /// Checks the values a user can get wrong; the message names the flag.
    pub fn validate(&self) -> Result<(), String> {
        if self.epochs == 0 {
            return Err("--epochs must be at least 1".into());
        }
        if self.batch_size == 0 {
            return Err("--batch-size must be at least 1".into());
        }
        if !(self.lr.is_finite() && self.lr > 0.0 && self.lr <= 1.0) {
            return Err(format!("--lr must be in (0, 1], got {}", self.lr));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(format!(
                "--momentum must be in [0, 1), got {}",
                self.momentum
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(format!(
                "--weight-decay must be >= 0, got {}",
                self.weight_decay
            ));
        }
        if self.limit_train == Some(0) || self.limit_test == Some(0) {
            return Err("--limit-train and --limit-test must be at least 1".into());
        }
        self.model.entry().map_err(|e| e.to_string())?;
        Ok(())
    }

    /// A short name for run folders: the preset, or `model-dataset` when flags changed the
    /// preset's model or dataset.
    pub fn run_name(&self) -> String {
        let base = crate::preset::preset(&self.preset).map(|p| p.config());
        match base {
            Ok(base) if base.model.name == self.model.name && base.dataset == self.dataset => {
                self.preset.clone()
            }
            _ => format!("{}-{}", self.model.name, self.dataset.short_name()),
        }
    }
}
