//! The images a run trains and evaluates on: the configured dataset's train and test splits,
//! prepared by its pipeline, cut to `--limit-train` / `--limit-test`, and checked against the
//! model's input shape.

use std::path::Path;

use data::{PreparedDataset, Split};

use crate::config::TrainConfig;
use common::CliError;

/// The prepared train and test splits of a run.
pub struct RunData {
    /// The images trained on.
    pub train: PreparedDataset,
    /// The images evaluated on after each epoch.
    pub test: PreparedDataset,
}

impl RunData {
    /// Reads `config`'s dataset (from `data_dir`, else the default places) and prepares it.
    /// A dataset that cannot be read is a failure; images of another shape than the model's
    /// input are a usage error.
    pub fn load(config: &TrainConfig, data_dir: Option<&Path>) -> Result<Self, CliError> {
        let train_raw = config
            .dataset
            .load(Split::Train, data_dir)
            .map_err(CliError::failed)?;
        let test_raw = config
            .dataset
            .load(Split::Test, data_dir)
            .map_err(CliError::failed)?;
        // Augmentation happens in the training batcher; preparation is the deterministic part.
        let mut train = PreparedDataset::prepare(&train_raw, &config.pipeline);
        let mut test = PreparedDataset::prepare(&test_raw, &config.pipeline);
        if let Some(n) = config.limit_train {
            train = train.limit(n);
        }
        if let Some(n) = config.limit_test {
            test = test.limit(n);
        }
        check_shape(config, train.shape())?;
        Ok(Self { train, test })
    }
}

/// The prepared images must have the shape the model takes.
fn check_shape(config: &TrainConfig, shape: [usize; 3]) -> Result<(), CliError> {
    let expected = config.model.input_shape().map_err(CliError::usage)?;
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
