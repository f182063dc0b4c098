//! What the user sees while a run trains, and what the run folder keeps of each epoch.
//!
//! [`EpochReporter`] is a burn `MetricsRenderer`. On a terminal it forwards everything to
//! burn's TUI; otherwise (CI, pipes, logs) it prints one plain line per epoch, never one per
//! batch. Either way it computes each epoch's mean loss and accuracy per split (weighted by
//! batch size), appends them to `history.csv` as soon as the epoch ends, and stops the run
//! with a message naming the epoch and step when the training loss becomes NaN or infinite.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use burn::train::Interrupter;
use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};
use burn::train::renderer::{
    EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation,
    MetricsRendererTraining,
};

use crate::history::{self, EpochRecord};

/// Running, batch-size-weighted mean of one metric over one split of one epoch.
#[derive(Debug, Default, Clone, Copy)]
struct Mean {
    sum: f64,
    count: usize,
}

impl Mean {
    fn add(&mut self, value: f64, count: usize) {
        self.sum += value * count as f64;
        self.count += count;
    }

    fn value(&self) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.sum / self.count as f64
        }
    }
}

/// Loss and accuracy (percent, as burn reports it) of one split.
#[derive(Debug, Default, Clone, Copy)]
struct SplitStats {
    loss: Mean,
    accuracy: Mean,
    steps: usize,
}

/// The shared state: read by the training code after (or while) the run goes.
#[derive(Debug)]
pub struct EpochLog {
    history_path: PathBuf,
    /// Every epoch so far, including those of the run being resumed.
    pub records: Vec<EpochRecord>,
    /// Why the run stopped early (NaN loss, or failing to write the history).
    pub failure: Option<String>,
    next_epoch: usize,
    total_epochs: usize,
    names: HashMap<MetricId, String>,
    in_valid: bool,
    train: SplitStats,
    valid: SplitStats,
    started: Instant,
    print_lines: bool,
}

impl EpochLog {
    fn update(&mut self, valid: bool, state: &MetricState, interrupter: &Interrupter) {
        let MetricState::Numeric(
            entry,
            Some(NumericEntry::Aggregated {
                aggregated_value,
                count,
            }),
        ) = state
        else {
            return;
        };
        let name = self
            .names
            .get(&entry.metric_id)
            .map(String::as_str)
            .unwrap_or("");
        let stats = if valid {
            &mut self.valid
        } else {
            &mut self.train
        };
        match name {
            "Loss" => {
                stats.loss.add(*aggregated_value, *count);
                stats.steps += 1;
                if !valid && !aggregated_value.is_finite() && self.failure.is_none() {
                    let message = format!(
                        "training loss is {aggregated_value} at epoch {}, step {}; lower --lr or check the data",
                        self.next_epoch, stats.steps
                    );
                    interrupter.stop(Some(&message));
                    self.failure = Some(message);
                }
            }
            "Accuracy" => stats.accuracy.add(*aggregated_value, *count),
            _ => {}
        }
    }

    fn start_split(&mut self, split: &str) {
        self.in_valid = split == "valid";
        if self.in_valid {
            self.valid = SplitStats::default();
        } else {
            self.train = SplitStats::default();
            self.started = Instant::now();
        }
    }

    fn end_split(&mut self) {
        if !self.in_valid || self.failure.is_some() {
            return;
        }
        let record = EpochRecord {
            epoch: self.next_epoch,
            train_loss: self.train.loss.value(),
            train_acc: self.train.accuracy.value() / 100.0,
            test_loss: self.valid.loss.value(),
            test_acc: self.valid.accuracy.value() / 100.0,
            seconds: self.started.elapsed().as_secs_f64(),
        };
        self.records.retain(|r| r.epoch < record.epoch);
        self.records.push(record);
        self.next_epoch += 1;
        if self.print_lines {
            println!(
                "epoch {}/{}  train loss {:.4} acc {:.2}%  test loss {:.4} acc {:.2}%  {:.1} s",
                record.epoch,
                self.total_epochs,
                record.train_loss,
                record.train_acc * 100.0,
                record.test_loss,
                record.test_acc * 100.0,
                record.seconds
            );
        }
        if let Err(e) = history::write(&self.history_path, &self.records) {
            self.failure = Some(format!("cannot write {}: {e}", self.history_path.display()));
        }
    }
}

/// A burn renderer that keeps the per-epoch history (see the module docs).
pub struct EpochReporter {
    log: Arc<Mutex<EpochLog>>,
    interrupter: Interrupter,
    tui: Option<Box<dyn MetricsRenderer>>,
}

impl EpochReporter {
    /// A reporter for epochs `first_epoch..=total_epochs`, continuing `previous` records
    /// (those of a resumed run), writing `history_path`. Uses burn's TUI when stdout is a
    /// terminal. Returns the reporter (for the Learner) and the log (for the caller).
    pub fn new(
        history_path: PathBuf,
        previous: Vec<EpochRecord>,
        first_epoch: usize,
        total_epochs: usize,
        interrupter: Interrupter,
        checkpoint: Option<usize>,
    ) -> (Self, Arc<Mutex<EpochLog>>) {
        let terminal = std::io::stdout().is_terminal();
        let tui: Option<Box<dyn MetricsRenderer>> = if terminal {
            Some(Box::new(
                burn::train::renderer::tui::TuiMetricsRendererWrapper::new(
                    interrupter.clone(),
                    checkpoint,
                ),
            ))
        } else {
            None
        };
        let log = Arc::new(Mutex::new(EpochLog {
            history_path,
            records: previous,
            failure: None,
            next_epoch: first_epoch,
            total_epochs,
            names: HashMap::new(),
            in_valid: false,
            train: SplitStats::default(),
            valid: SplitStats::default(),
            started: Instant::now(),
            print_lines: !terminal,
        }));
        (
            Self {
                log: log.clone(),
                interrupter,
                tui,
            },
            log,
        )
    }

    fn with_log(&self, f: impl FnOnce(&mut EpochLog)) {
        if let Ok(mut log) = self.log.lock() {
            f(&mut log);
        }
    }
}

impl MetricsRendererTraining for EpochReporter {
    fn update_train(&mut self, state: MetricState) {
        let interrupter = self.interrupter.clone();
        self.with_log(|log| log.update(false, &state, &interrupter));
        if let Some(tui) = self.tui.as_mut() {
            tui.update_train(state);
        }
    }

    fn update_valid(&mut self, state: MetricState) {
        let interrupter = self.interrupter.clone();
        self.with_log(|log| log.update(true, &state, &interrupter));
        if let Some(tui) = self.tui.as_mut() {
            tui.update_valid(state);
        }
    }

    fn on_train_end(
        &mut self,
        summary: Option<burn::train::LearnerSummary>,
    ) -> Result<(), Box<dyn std::error::Error>> {
        match self.tui.as_mut() {
            Some(tui) => tui.on_train_end(summary),
            None => Ok(()),
        }
    }
}

impl MetricsRendererEvaluation for EpochReporter {
    fn update_test(&mut self, name: EvaluationName, state: MetricState) {
        if let Some(tui) = self.tui.as_mut() {
            tui.update_test(name, state);
        }
    }
}

impl TrainingProgressLogger for EpochReporter {
    fn start(
        &mut self,
        total_epochs: usize,
        starting_epoch: usize,
        total_items: Option<usize>,
        label: Option<&str>,
    ) {
        if let Some(tui) = self.tui.as_mut() {
            tui.start(total_epochs, starting_epoch, total_items, label);
        }
    }

    fn update_epoch(&mut self, epoch: usize) {
        if let Some(tui) = self.tui.as_mut() {
            tui.update_epoch(epoch);
        }
    }

    fn start_split(&mut self, split: &str, total_items: usize) {
        self.with_log(|log| log.start_split(split));
        if let Some(tui) = self.tui.as_mut() {
            tui.start_split(split, total_items);
        }
    }

    fn update_split(&mut self, items_processed: usize) {
        if let Some(tui) = self.tui.as_mut() {
            tui.update_split(items_processed);
        }
    }

    fn end_split(&mut self) {
        self.with_log(EpochLog::end_split);
        if let Some(tui) = self.tui.as_mut() {
            tui.end_split();
        }
    }

    fn end(&mut self) {
        if let Some(tui) = self.tui.as_mut() {
            tui.end();
        }
    }

    fn log_event_training(&mut self, event: String) {
        if let Some(tui) = self.tui.as_mut() {
            tui.log_event_training(event);
        }
    }
}

impl EvaluationProgressLogger for EpochReporter {
    fn start_global_progress(&mut self, total_tests: usize) {
        if let Some(tui) = self.tui.as_mut() {
            tui.start_global_progress(total_tests);
        }
    }

    fn start_test(&mut self, name: &str, total_items: usize) {
        if let Some(tui) = self.tui.as_mut() {
            tui.start_test(name, total_items);
        }
    }

    fn update_test_progress(&mut self, items_processed: usize) {
        if let Some(tui) = self.tui.as_mut() {
            tui.update_test_progress(items_processed);
        }
    }

    fn end_test(&mut self) {
        if let Some(tui) = self.tui.as_mut() {
            tui.end_test();
        }
    }

    fn end_global_progress(&mut self) {
        if let Some(tui) = self.tui.as_mut() {
            tui.end_global_progress();
        }
    }

    fn log_event_evaluation(&mut self, event: String) {
        if let Some(tui) = self.tui.as_mut() {
            tui.log_event_evaluation(event);
        }
    }
}

impl MetricsRenderer for EpochReporter {
    fn manual_close(&mut self) {
        if let Some(tui) = self.tui.as_mut() {
            tui.manual_close();
        }
    }

    fn register_metric(&mut self, definition: MetricDefinition) {
        self.with_log(|log| {
            log.names
                .insert(definition.metric_id.clone(), definition.name.to_string());
        });
        if let Some(tui) = self.tui.as_mut() {
            tui.register_metric(definition);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::train::metric::{LossMetric, MetricEntry, SerializedEntry};

    fn loss_update(value: f64) -> MetricState {
        let id = MetricId::new(Arc::new("Loss".to_string()));
        let entry = MetricEntry::new(
            id,
            SerializedEntry {
                formatted: String::new(),
                serialized: String::new(),
            },
        );
        MetricState::Numeric(
            entry,
            Some(NumericEntry::Aggregated {
                aggregated_value: value,
                count: 64,
            }),
        )
    }

    fn reporter() -> (EpochReporter, Arc<Mutex<EpochLog>>, Interrupter) {
        let interrupter = Interrupter::new();
        let path = std::env::temp_dir().join(format!("progress-test-{}.csv", std::process::id()));
        let (mut reporter, log) =
            EpochReporter::new(path, Vec::new(), 3, 5, interrupter.clone(), None);
        let id = MetricId::new(Arc::new("Loss".to_string()));
        reporter.register_metric(MetricDefinition::new(id, &LossMetric::new()));
        (reporter, log, interrupter)
    }

    #[test]
    fn epoch_means_are_weighted_by_batch_size() {
        let (mut reporter, log, _) = reporter();
        reporter.start_split("train", 128);
        reporter.update_train(loss_update(1.0));
        reporter.update_train(loss_update(3.0));
        reporter.end_split();
        reporter.start_split("valid", 64);
        reporter.update_valid(loss_update(0.5));
        reporter.end_split();
        let log = log.lock().unwrap();
        assert_eq!(log.records.len(), 1);
        assert_eq!(log.records[0].epoch, 3);
        assert_eq!(log.records[0].train_loss, 2.0);
        assert_eq!(log.records[0].test_loss, 0.5);
        let _ = std::fs::remove_file(&log.history_path);
    }

    #[test]
    fn a_nan_loss_stops_the_run_naming_epoch_and_step() {
        let (mut reporter, log, interrupter) = reporter();
        reporter.start_split("train", 256);
        reporter.update_train(loss_update(0.7));
        reporter.update_train(loss_update(f64::NAN));
        assert!(interrupter.should_stop());
        let failure = log.lock().unwrap().failure.clone().unwrap();
        assert!(failure.contains("epoch 3, step 2"), "{failure}");
    }
}
