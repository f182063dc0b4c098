//! The model `infer` runs: a `train` run folder (`config.json` + `model.bpk`), PyTorch weights
//! for a zoo architecture (`--weights FILE --model NAME`, e.g. torchvision's pretrained
//! ImageNet models), or the small LeNet-5 trained on MNIST by this project that is built into
//! the binary ([`embedded`]).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::prelude::*;
use burn::store::ModuleRecord;
use data::{DatasetKind, DatasetSource, Pipeline};
use model::{ModelConfig, Network};

use crate::cli::ModelArgs;
use crate::imagenet::{IMAGENET_CROP, IMAGENET_MEAN, IMAGENET_RESIZE, IMAGENET_STD};
use crate::preprocess::{ImageStyle, InputPreparation};
use common::CliError;

/// The part of a run's `config.json` that inference needs (the rest is the training recipe).
#[derive(Config, Debug)]
pub struct RunInfo {
    /// Architecture (zoo name, classes, channels).
    pub model: ModelConfig,
    /// The dataset the model was trained on (a course dataset or an image folder): its classes
    /// and image style.
    pub dataset: DatasetSource,
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

/// What a network's outputs mean and how images are made ready for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Labels {
    /// Trained on one of our datasets or an image folder: its classes and image style.
    Dataset(DatasetSource),
    /// ImageNet's 1000 classes (torchvision's pretrained models): the shorter side resized to
    /// `resize` (256; 232 for torchvision's ResNet-50/101/152 `IMAGENET1K_V2`), centre crop 224.
    ImageNet {
        /// Shorter side before the crop.
        resize: usize,
    },
}

/// A network ready for inference with what it needs to prepare inputs and name outputs.
#[derive(Debug)]
pub struct LoadedModel {
    /// The network, on the inference device, in evaluation mode.
    pub net: Network,
    /// Architecture (zoo name, classes, channels).
    pub model: ModelConfig,
    /// What the outputs mean.
    pub labels: Labels,
    /// The preprocessing applied to every input (resize, normalize).
    pub pipeline: Pipeline,
    /// The run folder or weights file, or `None` for the embedded model.
    pub run_dir: Option<PathBuf>,
    /// The device the network lives on.
    pub device: Device,
}

impl LoadedModel {
    /// The model a command line asks for: torchvision's weights with `--pretrained --model`,
    /// `--weights` with `--model` (`dataset`: what they were trained on, for non-ImageNet
    /// models; a folder of photos says nothing of that), else `--run`, else the embedded model.
    pub fn from_args(
        args: &ModelArgs,
        dataset: Option<&str>,
        device: &Device,
    ) -> Result<Self, CliError> {
        let name = args.model.as_deref();
        match (&args.weights, name) {
            (_, Some(name)) if args.pretrained => Self::pretrained(name, args, device),
            (Some(weights), Some(name)) => {
                let trained_on = match dataset {
                    Some(d) if Path::new(d).is_dir() && d.parse::<DatasetKind>().is_err() => None,
                    Some(d) => Some(d.parse::<DatasetKind>().map_err(CliError::usage)?),
                    None => None,
                };
                Self::from_weights(weights, name, trained_on, args.allow_partial, device)
            }
            _ => Self::load(args.run.as_deref(), device),
        }
    }

    /// torchvision's pretrained ImageNet weights of zoo architecture `name`, from torch's
    /// cache or downloaded into it (see [`interop::pretrained`]).
    fn pretrained(name: &str, args: &ModelArgs, device: &Device) -> Result<Self, CliError> {
        let entry = interop::pretrained::lookup(name).map_err(CliError::usage)?;
        let path = interop::pretrained::fetch(
            entry,
            &interop::pretrained::cache_dir(),
            interop::pretrained::mirror(args.weights_mirror.as_deref()).as_deref(),
            std::io::stderr().is_terminal(),
        )
        .map_err(CliError::failed)?;
        let mut model = Self::from_weights(&path, name, None, false, device)?;
        model.labels = Labels::ImageNet {
            resize: entry.resize,
        };
        Ok(model)
    }

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
        Ok(Self::from_parts(net, info, Some(dir.to_path_buf()), device))
    }

    fn from_parts(net: Network, info: RunInfo, source: Option<PathBuf>, device: &Device) -> Self {
        Self {
            net,
            model: info.model,
            labels: Labels::Dataset(info.dataset),
            pipeline: info.pipeline,
            run_dir: source,
            device: device.clone(),
        }
    }

    /// PyTorch weights (`.pt`, `.pth`, `.safetensors`) for the zoo architecture `model`.
    ///
    /// 1000-class models take ImageNet images (resize 256, centre crop 224, ImageNet mean and
    /// std; for `googlenet` torchvision's `transform_input`, i.e. mean = std = 0.5). The others
    /// take `dataset` [default: the LeNets' tutorial dataset, CIFAR-10 for `-cifar` models]
    /// with that tutorial's preprocessing. `allow_partial` loads what fits (a warning lists
    /// the rest).
    pub fn from_weights(
        weights: &Path,
        model: &str,
        dataset: Option<DatasetKind>,
        allow_partial: bool,
        device: &Device,
    ) -> Result<Self, CliError> {
        let mut config = ModelConfig::new(model.into());
        let entry = config.entry().map_err(CliError::usage)?;
        let imagenet = entry.num_classes == 1000 && dataset.is_none();
        let (labels, pipeline) = if imagenet {
            let (mean, std) = if model == "googlenet" {
                (vec![0.5; 3], vec![0.5; 3])
            } else {
                (IMAGENET_MEAN.to_vec(), IMAGENET_STD.to_vec())
            };
            let pipeline = Pipeline::new().with_mean(mean).with_std(std);
            let labels = Labels::ImageNet {
                resize: IMAGENET_RESIZE,
            };
            (labels, pipeline)
        } else {
            let kind = dataset.unwrap_or(match model {
                "lenet-d2l" => DatasetKind::FashionMnist,
                m if m.starts_with("lenet") => DatasetKind::Mnist,
                _ => DatasetKind::Cifar10,
            });
            let mut pipeline = match model {
                "lenet-d2l" => Pipeline::fashion28(),
                _ => Pipeline::for_dataset(kind).with_augment(false),
            };
            let [channels, side, _] = kind.shape();
            // Images are resized to the size the architecture takes (as `train` does).
            let [_, input_side, _] = entry.input;
            pipeline.resize = (input_side != side).then_some(input_side);
            config.num_classes = Some(kind.num_classes());
            config.in_channels = Some(channels);
            (Labels::Dataset(kind.into()), pipeline)
        };
        let net = config.init(device).map_err(CliError::usage)?;
        let options = interop::LoadOptions {
            allow_partial,
            ..interop::LoadOptions::default()
        };
        let (net, report) =
            interop::load_weights(net, weights, options).map_err(CliError::failed)?;
        if !report.is_complete() {
            eprintln!("warning: {}: {report}", weights.display());
        }
        Ok(Self {
            net,
            model: config,
            labels,
            pipeline,
            run_dir: Some(weights.to_path_buf()),
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
        Ok(Self::from_parts(net, info, None, device))
    }

    /// Where the model comes from, for messages: the run folder or "embedded LeNet-5 (MNIST)".
    pub fn source(&self) -> String {
        match &self.run_dir {
            Some(dir) => dir.display().to_string(),
            None => "embedded LeNet-5 (MNIST)".into(),
        }
    }

    /// Names of the classes, index = label.
    pub fn class_names(&self) -> Vec<&str> {
        match &self.labels {
            Labels::Dataset(source) => source.class_names(),
            Labels::ImageNet { .. } => crate::imagenet::class_names().to_vec(),
        }
    }

    /// Shape `[C, H, W]` of one prepared input.
    pub fn input_shape(&self) -> [usize; 3] {
        match &self.labels {
            Labels::Dataset(source) => self.pipeline.output_shape(source.shape()),
            Labels::ImageNet { .. } => [3, self.imagenet_crop(), self.imagenet_crop()],
        }
    }

    /// Side of the ImageNet centre crop: 224, or the architecture's own input size (the
    /// paper AlexNet's 227).
    fn imagenet_crop(&self) -> usize {
        self.model
            .input_shape()
            .map_or(IMAGENET_CROP, |[_, side, _]| side)
    }

    /// How a user's photo is made to look like this dataset.
    pub fn style(&self) -> ImageStyle {
        let source = match &self.labels {
            Labels::Dataset(source) => source,
            &Labels::ImageNet { resize } => {
                return ImageStyle::CenterCrop {
                    resize,
                    crop: self.imagenet_crop(),
                };
            }
        };
        match source.builtin() {
            Some(DatasetKind::Mnist) => ImageStyle::Digit,
            Some(DatasetKind::FashionMnist) => ImageStyle::Fashion,
            Some(DatasetKind::Cifar10) | None => {
                let [channels, height, width] = source.shape();
                ImageStyle::Photo {
                    channels,
                    height,
                    width,
                }
            }
        }
    }

    /// How a decoded picture becomes this model's input.
    pub fn preparation(&self) -> InputPreparation {
        InputPreparation {
            style: self.style(),
            pipeline: self.pipeline.clone(),
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
