//! One training run, start to finish: configuration ([`crate::cli_config`]), whether to
//! resume ([`crate::resume_policy`]), data, burn's `SupervisedTraining` with the Learner, then
//! the run folder — weights, history, plots, summary — and the closing line.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use burn::data::dataloader::DataLoaderBuilder;
use burn::module::Module;
use burn::prelude::*;
use burn::train::{Learner, SupervisedTraining};
use data::{PreparedDataset, Split};

use crate::classifier::Classifier;
use crate::cli::Cli;
use crate::cli_config::resolve_config;
use crate::config::TrainConfig;
use crate::epoch_log::EpochLog;
use crate::epoch_reporter::EpochReporter;
use crate::history;
use crate::history_writer::HistoryWriter;
use crate::loss_guard::LossGuard;
use crate::optim;
use crate::plots;
use crate::resume_loader::ResumedLoader;
use crate::resume_policy::resume_point;
use crate::run_dir::{self, files, write_atomic};
use crate::run_metrics::RunMetrics;
pub use crate::run_outcome::RunOutcome;
use common::CliError;

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
    let resume_from = resume_point(cli.resume, &run_dir, config.epochs)?;
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
