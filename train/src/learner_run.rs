//! The training itself, into a run folder that exists: `config.json`, burn's
//! `SupervisedTraining` with the Learner (checkpoints, the per-epoch history), then the final
//! weights `model.bpk`, the training curves and `summary.txt`.

use std::path::Path;
use std::sync::Arc;

use burn::data::dataloader::DataLoaderBuilder;
use burn::module::Module;
use burn::prelude::*;
use burn::train::{Learner, SupervisedTraining};
use data::Split;
use model::Network;

use crate::classifier::Classifier;
use crate::config::TrainConfig;
use crate::epoch_log::EpochLog;
use crate::epoch_reporter::EpochReporter;
use crate::history_writer::HistoryWriter;
use crate::init_from::InitFrom;
use crate::loss_guard::LossGuard;
use crate::optim;
use crate::plots;
use crate::resume_loader::ResumedLoader;
use crate::run_data::RunData;
use crate::run_dir::{files, write_atomic};
use crate::run_metrics::RunMetrics;
use common::CliError;

/// One training, decided and loaded before its run folder is written to.
pub struct LearnerRun<'a> {
    /// The run's configuration.
    pub config: &'a TrainConfig,
    /// The device to train on.
    pub device: &'a Device,
    /// The run folder, which exists.
    pub run_dir: &'a Path,
    /// The checkpoint (epoch) a resumed run continues after; `None` for a fresh run.
    pub resume_from: Option<usize>,
    /// Weights to start from instead of the random initialization.
    pub init_from: Option<InitFrom>,
    /// The images.
    pub data: RunData,
}

impl LearnerRun<'_> {
    /// Trains and writes the run folder's files; returns the number of epochs in the history.
    pub fn train(self) -> Result<usize, CliError> {
        let Self {
            config,
            device,
            run_dir,
            resume_from,
            init_from,
            data,
        } = self;
        let config_path = run_dir.join(files::CONFIG);
        write_atomic(&config_path, config.to_string().as_bytes())
            .map_err(|e| cannot_write(&config_path, e))?;

        // The batchers take the dataset's raw shape (before resize and padding).
        let shape = config.dataset.shape();
        let iterations_per_epoch = data.train.len().div_ceil(config.batch_size);
        // Random crop (padded with the normalized value of black) and flip only when training.
        let train_loader =
            DataLoaderBuilder::new(config.pipeline.batcher(shape, Split::Train, config.seed))
                .batch_size(config.batch_size)
                .shuffle(config.seed)
                .build(data.train);
        let test_loader =
            DataLoaderBuilder::new(config.pipeline.batcher(shape, Split::Test, config.seed))
                .batch_size(config.batch_size.max(256))
                .build(data.test);
        let train_loader = Arc::new(ResumedLoader::new(train_loader, resume_from.unwrap_or(0)));

        device.seed(config.seed);
        // The Learner trains the model on the device it lives on: the autodiff one.
        let net = config
            .model
            .init(&device.clone().autodiff())
            .map_err(CliError::usage)?;
        let net = match init_from {
            Some(init_from) => init_from.load_into(net)?,
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

        let net = result.model.net;
        save_model(&net, &run_dir.join(files::MODEL))?;
        let title = format!("{} on {}", config.model.name, config.dataset.short_name());
        plots::write_training_curves(&records, run_dir, &title).map_err(CliError::Failed)?;
        write_summary(&net, config, &run_dir.join(files::SUMMARY))?;
        Ok(records.len())
    }
}

/// The final weights: the network alone (what infer loads), in burnpack, written atomically.
fn save_model(net: &Network, path: &Path) -> Result<(), CliError> {
    let bytes = net
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))?;
    write_atomic(path, &bytes).map_err(|e| cannot_write(path, e))
}

/// The network's layer table, at the model's input shape.
fn write_summary(net: &Network, config: &TrainConfig, path: &Path) -> Result<(), CliError> {
    let input = config.model.input_shape().map_err(CliError::usage)?;
    let summary = model::summarize(&net.valid(), input, &net.devices()[0]);
    write_atomic(path, format!("{summary}\n").as_bytes()).map_err(|e| cannot_write(path, e))
}

/// The failure to write `path`.
fn cannot_write(path: &Path, e: std::io::Error) -> CliError {
    CliError::Failed(format!("cannot write {}: {e}", path.display()))
}
