//! One training run, start to finish: configuration (preset + flags, or the run being
//! resumed), data, burn's `SupervisedTraining` with the Learner, then the run folder —
//! weights, history, plots, summary — and the closing line.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use burn::data::dataloader::DataLoaderBuilder;
use burn::module::Module;
use burn::prelude::*;
use burn::train::{Learner, SupervisedTraining};
use data::{DatasetKind, DatasetSource, ImageFolderSource, Pipeline, PreparedDataset, Split};

use crate::classifier::Classifier;
use crate::cli::Cli;
use crate::config::TrainConfig;
use crate::epoch_log::EpochLog;
use crate::epoch_reporter::EpochReporter;
use crate::history;
use crate::history_writer::HistoryWriter;
use crate::loss_guard::LossGuard;
use crate::optim;
use crate::plots;
use crate::preset::preset;
use crate::resume_loader::ResumedLoader;
use crate::run_dir::{self, files, write_atomic};
use crate::run_metrics::RunMetrics;
use common::CliError;

/// What a finished run reports on its last line.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Test accuracy after the last epoch, in [0, 1].
    pub test_accuracy: f64,
    /// Epochs in the run's history (all of them, for a resumed run).
    pub epochs: usize,
    /// Wall time of this invocation, in seconds.
    pub seconds: f64,
    /// The run folder.
    pub run_dir: PathBuf,
}

impl std::fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "test_accuracy={:.4} epochs={} seconds={:.1} run={}",
            self.test_accuracy,
            self.epochs,
            self.seconds,
            self.run_dir.display()
        )
    }
}

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
    let shape = model
        .input_shape()
        .map_err(|e| CliError::Usage(e.to_string()))?;
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
    let [_, input_side, _] = config
        .model
        .input_shape()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    // The dataset's usual normalization (for Fashion-MNIST 0.2860/0.3530, not d2l's [0, 1]).
    let mut pipeline = Pipeline::for_dataset(kind).normalized_for(kind);
    pipeline.resize = (input_side != side).then_some(input_side);
    pipeline.augment = config.pipeline.augment;
    config.pipeline = pipeline;
    Ok(())
}

/// torchvision's ImageNet weights of `model` (`--pretrained`): the file in torch's cache, or
/// downloaded into it.
fn pretrained_weights(model: &str, cli: &Cli) -> Result<PathBuf, CliError> {
    use std::io::IsTerminal;
    let entry = interop::pretrained::lookup(model).map_err(|e| CliError::Usage(e.to_string()))?;
    interop::pretrained::fetch(
        entry,
        &interop::pretrained::cache_dir(),
        interop::pretrained::mirror(cli.weights_mirror.as_deref()).as_deref(),
        std::io::stderr().is_terminal(),
    )
    .map_err(|e| CliError::Failed(e.to_string()))
}

/// Runs `train` as the command line asks.
pub fn run(cli: Cli) -> Result<RunOutcome, CliError> {
    let started = Instant::now();
    let config = resolve_config(&cli)?;
    let device = common::backend::device(cli.backend)?;

    // The run folder: checked before any data is read, created only once the data is there.
    let run_dir = cli
        .out
        .clone()
        .unwrap_or_else(|| run_dir::default_run_dir(&config.run_name()));
    let resume_from = if cli.resume {
        let epoch = run_dir::last_checkpoint(&run_dir).ok_or_else(|| {
            CliError::Usage(format!(
                "--resume: no checkpoint in {}",
                run_dir.join(files::CHECKPOINTS).display()
            ))
        })?;
        if epoch >= config.epochs {
            return Err(CliError::Usage(format!(
                "--resume: {} already trained {epoch} epochs; pass --epochs N with N > {epoch}",
                run_dir.display()
            )));
        }
        Some(epoch)
    } else {
        if run_dir::last_checkpoint(&run_dir).is_some() {
            return Err(CliError::Usage(format!(
                "{} already holds a run; use --resume to continue it or another --out",
                run_dir.display()
            )));
        }
        None
    };
    println!("device: {device:?}");
    println!(
        "preset {}: {} on {}, {} epochs, batch {}, {:?} lr {}",
        config.preset,
        config.model.name,
        config.dataset,
        config.epochs,
        config.batch_size,
        config.optimizer,
        config.lr
    );

    let failed = |e: data::DataError| CliError::Failed(e.to_string());
    let data_dir = cli.data_dir.as_deref();
    let train_raw = config
        .dataset
        .load(Split::Train, data_dir)
        .map_err(failed)?;
    let test_raw = config.dataset.load(Split::Test, data_dir).map_err(failed)?;
    let mut train_set = PreparedDataset::prepare(&train_raw, &config.pipeline);
    // Augmentation happens in the training batcher; preparation is the deterministic part.
    let mut test_set = PreparedDataset::prepare(&test_raw, &config.pipeline);
    if let Some(n) = config.limit_train {
        train_set = train_set.limit(n);
    }
    if let Some(n) = config.limit_test {
        test_set = test_set.limit(n);
    }
    check_shape(&config, train_set.shape())?;
    // Initial weights are read before the run folder exists: a bad file leaves nothing behind.
    let init_path = match &cli.init_from {
        Some(path) => Some(path.clone()),
        None if cli.pretrained => Some(pretrained_weights(&config.model.name, &cli)?),
        None => None,
    };
    let init_from = match init_path {
        Some(path) => {
            let tensors = interop::read_tensors(&path)
                .map_err(|e| CliError::Usage(format!("--init-from: {e}")))?;
            Some((path, cli.allow_partial, tensors))
        }
        None => None,
    };

    let created = !run_dir.exists();
    std::fs::create_dir_all(&run_dir)
        .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", run_dir.display())))?;
    let result = train_in(
        &config,
        &device,
        &run_dir,
        resume_from,
        init_from,
        train_set,
        test_set,
    );
    if result.is_err() && created && resume_from.is_none() {
        let _ = std::fs::remove_dir_all(&run_dir);
    }
    let epochs = result?;
    let records = history::read(&run_dir.join(files::HISTORY)).map_err(CliError::Failed)?;
    let last = records
        .last()
        .ok_or_else(|| CliError::Failed("no epoch finished".into()))?;
    Ok(RunOutcome {
        test_accuracy: last.test_acc,
        epochs: epochs.max(records.len()),
        seconds: started.elapsed().as_secs_f64(),
        run_dir,
    })
}

/// The prepared images must have the shape the model takes.
fn check_shape(config: &TrainConfig, shape: [usize; 3]) -> Result<(), CliError> {
    let expected = config
        .model
        .input_shape()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if shape != expected {
        return Err(CliError::Usage(format!(
            "{} takes {}x{}x{} images but the {} pipeline gives {}x{}x{}",
            config.model.name,
            expected[0],
            expected[1],
            expected[2],
            config.dataset,
            shape[0],
            shape[1],
            shape[2]
        )));
    }
    Ok(())
}

/// Trains into `run_dir` (which exists) and writes its files; returns the number of epochs.
fn train_in(
    config: &TrainConfig,
    device: &Device,
    run_dir: &Path,
    resume_from: Option<usize>,
    init_from: Option<(PathBuf, bool, interop::FileTensors)>,
    train_set: PreparedDataset,
    test_set: PreparedDataset,
) -> Result<usize, CliError> {
    let io = |path: &Path, e: std::io::Error| {
        CliError::Failed(format!("cannot write {}: {e}", path.display()))
    };
    let config_path = run_dir.join(files::CONFIG);
    write_atomic(&config_path, config.to_string().as_bytes()).map_err(|e| io(&config_path, e))?;

    // The batchers take the dataset's raw shape (before resize and padding).
    let shape = config.dataset.shape();
    let iterations_per_epoch = train_set.len().div_ceil(config.batch_size);
    // Random crop (padded with the normalized value of black) and flip only when training.
    let train_loader =
        DataLoaderBuilder::new(config.pipeline.batcher(shape, Split::Train, config.seed))
            .batch_size(config.batch_size)
            .shuffle(config.seed)
            .build(train_set);
    let test_loader =
        DataLoaderBuilder::new(config.pipeline.batcher(shape, Split::Test, config.seed))
            .batch_size(config.batch_size.max(256))
            .build(test_set);
    let train_loader = Arc::new(ResumedLoader::new(train_loader, resume_from.unwrap_or(0)));

    device.seed(config.seed);
    // The Learner trains the model on the device it lives on: the autodiff one.
    let net = config
        .model
        .init(&device.clone().autodiff())
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let net = match init_from {
        Some((path, allow_partial, tensors)) => {
            let options = interop::LoadOptions {
                new_head: true,
                allow_partial,
            };
            let (net, report) = interop::load_tensors(net, tensors, options, &path)
                .map_err(|e| CliError::Usage(format!("--init-from: {e}")))?;
            // e.g. "10 tensors loaded; mismatched: fc3.weight: file [5, 84] vs network [10, 84], ..."
            println!("init-from {}: {report}", path.display());
            net
        }
        None => net,
    };
    let learner = Learner::new(
        Classifier { net },
        optim::optimizer(config),
        optim::scheduler(config, iterations_per_epoch).map_err(CliError::Usage)?,
    );

    let history_path = run_dir.join(files::HISTORY);
    let history = match resume_from {
        Some(epoch) => HistoryWriter::resume(history_path, epoch).map_err(CliError::Failed)?,
        None => HistoryWriter::new(history_path),
    };
    let metrics = RunMetrics::new();
    let recognizer = metrics.recognizer();
    let mut training = SupervisedTraining::new(run_dir, train_loader, test_loader)
        .metrics((metrics.accuracy, metrics.loss))
        .with_default_checkpointers()
        .num_epochs(config.epochs);
    if let Some(epoch) = resume_from {
        training = training.checkpoint(epoch);
    }
    let log = EpochLog::new(
        history,
        resume_from.unwrap_or(0) + 1,
        LossGuard::new(training.interrupter()),
    );
    let (reporter, log) = EpochReporter::new(
        log,
        recognizer,
        config.epochs,
        training.interrupter(),
        resume_from,
    );
    let result = training.renderer(Box::new(reporter)).launch(learner);

    let records = log
        .lock()
        .map_err(|_| CliError::Failed("the training log was poisoned".into()))?
        .outcome()
        .map_err(CliError::Failed)?;

    // Final weights: the network alone (what infer loads), in burnpack, written atomically.
    let model_path = run_dir.join(files::MODEL);
    let model_bytes = result
        .model
        .net
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", model_path.display())))?;
    write_atomic(&model_path, &model_bytes).map_err(|e| io(&model_path, e))?;

    let title = format!("{} on {}", config.model.name, config.dataset.short_name());
    plots::write_training_curves(&records, run_dir, &title).map_err(CliError::Failed)?;
    let summary_path = run_dir.join(files::SUMMARY);
    let input = config
        .model
        .input_shape()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let summary = model::summarize(
        &result.model.net.valid(),
        input,
        &result.model.net.devices()[0],
    );
    write_atomic(&summary_path, format!("{summary}\n").as_bytes())
        .map_err(|e| io(&summary_path, e))?;
    Ok(records.len())
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
