//! One training run, start to finish, as the command line asks: the configuration, whether
//! to resume, the data and the initial weights — all settled before the run folder is
//! created — then the training into the folder, and the closing line's figures.

use std::time::Instant;

use crate::cli::Cli;
use crate::cli_config::resolve_config;
use crate::history;
use crate::init_from::InitFrom;
use crate::learner_run::LearnerRun;
use crate::resume_policy::resume_point;
use crate::run_data::RunData;
use crate::run_dir::{self, files};
pub use crate::run_outcome::RunOutcome;
use common::CliError;

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

    let data = RunData::load(&config, cli.data_dir.as_deref())?;
    // Initial weights are read before the run folder exists: a bad file leaves nothing behind.
    let init_from = InitFrom::read(&cli, &config)?;

    let created = !run_dir.exists();
    std::fs::create_dir_all(&run_dir)
        .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", run_dir.display())))?;
    let result = LearnerRun {
        config: &config,
        device: &device,
        run_dir: &run_dir,
        resume_from,
        init_from,
        data,
    }
    .train();
    // A fresh run that failed leaves no folder behind (a resumed one keeps its checkpoints).
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
