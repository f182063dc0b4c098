//! The configuration the command line asks for: the preset with the flags applied (a new
//! model or dataset refits the pipeline and the model's classes and channels), or, with
//! `--resume`, the run's saved configuration, where only `--epochs` may change.

use std::path::Path;

use burn::config::Config;
use data::{DatasetKind, DatasetSource, ImageFolderSource, Pipeline};

use crate::cli::Cli;
use crate::config::TrainConfig;
use crate::preset::preset;
use crate::run_dir::files;
use common::CliError;

/// The configuration the command line asks for: the preset with the flags applied, or, with
/// `--resume`, the run's saved configuration (where only `--epochs` may change).
pub fn resolve_config(cli: &Cli) -> Result<TrainConfig, CliError> {
    let usage = CliError::Usage;
    let mut config = if cli.resume {
        let out = cli
            .out
            .as_ref()
            .ok_or_else(|| usage("--resume needs --out DIR, the run to continue".into()))?;
        let path = out.join(files::CONFIG);
        TrainConfig::load(&path)
            .map_err(|e| usage(format!("--resume: cannot read {}: {e}", path.display())))?
    } else {
        preset(&cli.preset).map_err(usage)?.config()
    };
    if !cli.resume {
        let mut pipeline_changed = false;
        if let Some(name) = &cli.model {
            config.model = model::ModelConfig::new(name.clone());
            config.model.entry().map_err(|e| usage(e.to_string()))?;
            pipeline_changed = true;
        }
        if let Some(name) = &cli.dataset {
            config.dataset = parse_dataset(name, &config.model)?;
            pipeline_changed = true;
        }
        if pipeline_changed {
            fit_to_dataset(&mut config)?;
        }
        if cli.pretrained {
            interop::pretrained::lookup(&config.model.name).map_err(|e| usage(e.to_string()))?;
            // torchvision's weights expect ImageNet's normalization (GoogLeNet's
            // `transform_input` makes it mean = std = 0.5, a folder's default already).
            if matches!(config.dataset, DatasetSource::Folder(_))
                && config.model.name != "googlenet"
            {
                config.pipeline.mean = interop::pretrained::IMAGENET_MEAN.to_vec();
                config.pipeline.std = interop::pretrained::IMAGENET_STD.to_vec();
            }
        }
        macro_rules! set {
            ($($field:ident),*) => { $(if let Some(v) = cli.$field { config.$field = v; })* };
        }
        set!(
            batch_size,
            optimizer,
            lr,
            momentum,
            weight_decay,
            scheduler,
            seed
        );
        if cli.limit_train.is_some() {
            config.limit_train = cli.limit_train;
        }
        if cli.limit_test.is_some() {
            config.limit_test = cli.limit_test;
        }
        if cli.augment {
            config.pipeline.augment = true;
        }
    }
    if let Some(epochs) = cli.epochs {
        config.epochs = epochs;
    }
    config.validate().map_err(usage)?;
    Ok(config)
}

/// `--dataset`: a course dataset's name, or a folder with `train/` and `test/` (or `val/`)
/// class sub-folders, whose images are read at `model`'s input shape. A name always means the
/// course dataset (`./mnist` names a folder called `mnist`).
fn parse_dataset(arg: &str, model: &model::ModelConfig) -> Result<DatasetSource, CliError> {
    let usage = |e: data::DataError| CliError::Usage(format!("--dataset: {e}"));
    let path = Path::new(arg);
    if let Ok(kind) = arg.parse::<DatasetKind>() {
        return Ok(kind.into());
    }
    if !path.exists() {
        return Err(CliError::Usage(format!(
            "--dataset: unknown dataset '{arg}', expected mnist, fashion-mnist, cifar10 or an image folder with train/ and test/"
        )));
    }
    let shape = model.input_shape().map_err(CliError::usage)?;
    Ok(DatasetSource::Folder(
        ImageFolderSource::open(path, shape).map_err(usage)?,
    ))
}

/// After `--model` or `--dataset` changed: the dataset's mean/std normalization, resized to the
/// model's input side, and the model's classes and channels set from the dataset. Image
/// folders are read at the model's input size and normalized with mean = std = 0.5 per channel
/// (torchvision tutorials' `Normalize((0.5,), (0.5,))`, pixels to [-1, 1]).
fn fit_to_dataset(config: &mut TrainConfig) -> Result<(), CliError> {
    let [channels, side, _] = config.dataset.shape();
    config.model.num_classes = Some(config.dataset.num_classes());
    config.model.in_channels = Some(channels);
    let kind = match &config.dataset {
        DatasetSource::Builtin(kind) => *kind,
        DatasetSource::Folder(_) => {
            config.pipeline = Pipeline::new()
                .with_mean(vec![0.5; channels])
                .with_std(vec![0.5; channels])
                .with_augment(config.pipeline.augment);
            return Ok(());
        }
    };
    let [_, input_side, _] = config.model.input_shape().map_err(CliError::usage)?;
    // The dataset's usual normalization (for Fashion-MNIST 0.2860/0.3530, not d2l's [0, 1]).
    let mut pipeline = Pipeline::for_dataset(kind).normalized_for(kind);
    pipeline.resize = (input_side != side).then_some(input_side);
    pipeline.augment = config.pipeline.augment;
    config.pipeline = pipeline;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn config(args: &[&str]) -> TrainConfig {
        let cli = Cli::parse_from(std::iter::once("train").chain(args.iter().copied()));
        resolve_config(&cli).unwrap()
    }

    #[test]
    fn changing_the_model_or_dataset_refits_the_pipeline() {
        let d2l_on_mnist = config(&["--model", "lenet-d2l"]);
        assert_eq!(
            d2l_on_mnist
                .pipeline
                .output_shape(DatasetKind::Mnist.shape()),
            [1, 28, 28]
        );
        assert_eq!(d2l_on_mnist.run_name(), "lenet-d2l-mnist");
        let lenet5_on_fashion = config(&["--dataset", "fashion-mnist"]);
        assert_eq!(
            lenet5_on_fashion
                .pipeline
                .output_shape(DatasetKind::FashionMnist.shape()),
            [1, 32, 32]
        );
        assert_eq!(
            lenet5_on_fashion.pipeline.mean,
            vec![DatasetKind::FashionMnist.mean()[0]]
        );
        let resnet_on_mnist = config(&["--model", "resnet18-cifar", "--dataset", "mnist"]);
        assert_eq!(resnet_on_mnist.model.in_channels, Some(1));
        assert_eq!(resnet_on_mnist.model.input_shape().unwrap(), [1, 32, 32]);
        assert_eq!(config(&[]).run_name(), "lenet5-mnist");
        // Flags override preset fields.
        let tuned = config(&[
            "--lr",
            "0.05",
            "--batch-size",
            "32",
            "--epochs",
            "3",
            "--augment",
        ]);
        assert_eq!(
            (
                tuned.lr,
                tuned.batch_size,
                tuned.epochs,
                tuned.pipeline.augment
            ),
            (0.05, 32, 3, true)
        );
    }
}
