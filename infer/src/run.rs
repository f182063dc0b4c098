//! The model `infer` runs: a `train` run folder (`config.json` + `model.bpk`), or the small
//! LeNet-5 trained on MNIST by this project that is built into the binary ([`embedded`]).

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::prelude::*;
use burn::store::ModuleRecord;
use data::{DatasetKind, Pipeline};
use model::{ModelConfig, Network};

use crate::preprocess::ImageStyle;
use common::CliError;

/// The part of a run's `config.json` that inference needs (the rest is the training recipe).
#[derive(Config, Debug)]
pub struct RunInfo {
    /// Architecture (zoo name, classes, channels).
    pub model: ModelConfig,
    /// The dataset the model was trained on: its classes and image style.
    pub dataset: DatasetKind,
    /// The preprocessing of the training data (resize, normalize), applied to every input.
    pub pipeline: Pipeline,
}

/// The model built into the binary: `train --model lenet5 --lr 0.05 --momentum 0.9
/// --scheduler cosine --epochs 12` on MNIST (see `embedded/README.md`).
pub mod embedded {
    /// Its `config.json`.
    pub const CONFIG: &str = include_str!("../embedded/config.json");
    /// Its `model.bpk` (burnpack, 247 KB).
    pub const WEIGHTS: &[u8] = include_bytes!("../embedded/model.bpk");
}

/// A network ready for inference with what it needs to prepare inputs and name outputs.
#[derive(Debug)]
pub struct LoadedModel {
    /// The network, on the inference device, in evaluation mode.
    pub net: Network,
    /// Architecture, dataset and preprocessing.
    pub info: RunInfo,
    /// The run folder, or `None` for the embedded model.
    pub run_dir: Option<PathBuf>,
    /// The device the network lives on.
    pub device: Device,
}

impl LoadedModel {
    /// The run in `run`, or the embedded model when `None`.
    pub fn load(run: Option<&Path>, device: &Device) -> Result<Self, CliError> {
        match run {
            Some(dir) => Self::from_run(dir, device),
            None => Self::embedded(device),
        }
    }

    /// Loads the run folder `dir` written by `train`.
    pub fn from_run(dir: &Path, device: &Device) -> Result<Self, CliError> {
        let config_path = dir.join("config.json");
        if !dir.is_dir() {
            return Err(CliError::Usage(format!(
                "--run {}: no such run folder",
                dir.display()
            )));
        }
        let text = std::fs::read_to_string(&config_path)
            .map_err(|e| CliError::Failed(format!("{}: {e}", config_path.display())))?;
        let info = parse_info(&text)
            .map_err(|e| CliError::Failed(format!("{}: {e}", config_path.display())))?;
        let weights_path = dir.join("model.bpk");
        let record = ModuleRecord::load(&weights_path).map_err(|e| {
            CliError::Failed(format!(
                "{}: not a burnpack weights file ({e})",
                weights_path.display()
            ))
        })?;
        let net = build(&info, record, device)
            .map_err(|e| CliError::Failed(format!("{}: {e}", weights_path.display())))?;
        Ok(Self {
            net,
            info,
            run_dir: Some(dir.to_path_buf()),
            device: device.clone(),
        })
    }

    /// The LeNet-5 built into the binary.
    pub fn embedded(device: &Device) -> Result<Self, CliError> {
        let info = parse_info(embedded::CONFIG)
            .map_err(|e| CliError::Failed(format!("embedded config: {e}")))?;
        let bytes = burn::tensor::Bytes::from_bytes_vec(embedded::WEIGHTS.to_vec());
        let record = ModuleRecord::from_bytes(bytes)
            .map_err(|e| CliError::Failed(format!("embedded weights: {e}")))?;
        let net = build(&info, record, device)
            .map_err(|e| CliError::Failed(format!("embedded weights: {e}")))?;
        Ok(Self {
            net,
            info,
            run_dir: None,
            device: device.clone(),
        })
    }

    /// Where the model comes from, for messages: the run folder or "embedded LeNet-5 (MNIST)".
    pub fn source(&self) -> String {
        match &self.run_dir {
            Some(dir) => dir.display().to_string(),
            None => "embedded LeNet-5 (MNIST)".into(),
        }
    }

    /// Names of the classes, index = label.
    pub fn class_names(&self) -> &'static [&'static str] {
        self.info.dataset.class_names()
    }

    /// Shape `[C, H, W]` of one prepared input.
    pub fn input_shape(&self) -> [usize; 3] {
        self.info.pipeline.output_shape(self.info.dataset.shape())
    }

    /// How a user's photo is made to look like this dataset.
    pub fn style(&self) -> ImageStyle {
        match self.info.dataset {
            DatasetKind::Mnist => ImageStyle::Digit,
            DatasetKind::FashionMnist => ImageStyle::Fashion,
            DatasetKind::Cifar10 => {
                let [channels, height, width] = self.info.dataset.shape();
                ImageStyle::Photo {
                    channels,
                    height,
                    width,
                }
            }
        }
    }

    /// Class probabilities `[N][classes]` of `n` prepared images (`pixels` = N·C·H·W floats).
    pub fn probabilities(&self, pixels: Vec<f32>, n: usize) -> Vec<Vec<f32>> {
        let [c, h, w] = self.input_shape();
        let images = Tensor::<4>::from_data(TensorData::new(pixels, [n, c, h, w]), &self.device);
        let probs = burn::tensor::activation::softmax(self.net.forward(images), 1);
        let classes = probs.dims()[1];
        let flat: Vec<f32> = probs
            .into_data()
            .convert::<f32>()
            .try_into_vec()
            .unwrap_or_default();
        flat.chunks(classes).map(<[f32]>::to_vec).collect()
    }
}

/// Parses the inference part of a `config.json` (extra fields, the training recipe, are ignored).
fn parse_info(text: &str) -> Result<RunInfo, String> {
    let info = RunInfo::load_binary(text.as_bytes()).map_err(|e| e.to_string())?;
    info.model.entry().map_err(|e| e.to_string())?;
    Ok(info)
}

/// Builds the architecture of `info` and loads `record` into it, checking that the weights
/// belong to that architecture and class count.
fn build(info: &RunInfo, record: ModuleRecord, device: &Device) -> Result<Network, String> {
    let classes = info.model.classes().map_err(|e| e.to_string())?;
    if classes != info.dataset.num_classes() {
        return Err(format!(
            "config.json pairs {} ({classes} classes) with {} ({} classes)",
            info.model.name,
            info.dataset,
            info.dataset.num_classes()
        ));
    }
    let net = info.model.init(device).map_err(|e| e.to_string())?;
    net.try_load_record(record).map(|n| n.valid()).map_err(|e| {
        let detail = e.to_string();
        let detail = detail.lines().next().unwrap_or("").chars().take(300).collect::<String>();
        format!(
            "these weights are not those of {} with {classes} classes (the architecture in config.json): {detail}",
            info.model.name
        )
    })
}
