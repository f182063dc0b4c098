//! What the user sees while a run trains: [`EpochReporter`], a burn `MetricsRenderer`. On a
//! terminal it forwards everything to burn's TUI; otherwise (CI, pipes, logs) it prints one
//! plain line per epoch, never one per batch. Either way it feeds the loss and accuracy of
//! every batch to the run's [`EpochLog`], which keeps the epoch means and `history.csv`.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use burn::train::Interrupter;
use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
use burn::train::metric::store::Split;
use burn::train::metric::{MetricDefinition, NumericEntry};
use burn::train::renderer::tui::TuiMetricsRendererWrapper;
use burn::train::renderer::{
    EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation,
    MetricsRendererTraining,
};

use crate::epoch_log::{EpochLog, EpochSplit};
use crate::history::EpochRecord;
use crate::run_metrics::MetricRecognizer;

/// A burn renderer that keeps the per-epoch history (see the module docs).
pub struct EpochReporter {
    /// The run's epochs, shared with the training code.
    log: Arc<Mutex<EpochLog>>,
    /// Which updates are the loss and the accuracy.
    metrics: MetricRecognizer,
    /// Epochs of the whole run, for the plain lines.
    total_epochs: usize,
    /// burn's TUI, on a terminal; plain lines otherwise.
    tui: Option<Box<dyn MetricsRenderer>>,
}

impl EpochReporter {
    /// A reporter feeding `log` the updates `metrics` recognizes, for a run of `total_epochs`
    /// epochs resumed after epoch `checkpoint`, if any. Uses burn's TUI, stopping the run
    /// through `interrupter`, when stdout is a terminal. Returns the reporter (for the
    /// Learner) and the log (for the caller).
    pub fn new(
        log: EpochLog,
        metrics: MetricRecognizer,
        total_epochs: usize,
        interrupter: Interrupter,
        checkpoint: Option<usize>,
    ) -> (Self, Arc<Mutex<EpochLog>>) {
        let tui: Option<Box<dyn MetricsRenderer>> = if std::io::stdout().is_terminal() {
            Some(Box::new(TuiMetricsRendererWrapper::new(
                interrupter,
                checkpoint,
            )))
        } else {
            None
        };
        let log = Arc::new(Mutex::new(log));
        let reporter = Self {
            log: log.clone(),
            metrics,
            total_epochs,
            tui,
        };
        (reporter, log)
    }

    /// Runs `f` on the log, unless a panic poisoned it.
    fn with_log<R>(&self, f: impl FnOnce(&mut EpochLog) -> R) -> Option<R> {
        self.log.lock().ok().map(|mut log| f(&mut log))
    }

    /// Feeds the log a batch's value of a tracked metric on `split`.
    fn update(&self, split: EpochSplit, state: &MetricState) {
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
        if let Some(metric) = self.metrics.recognize(&entry.metric_id) {
            self.with_log(|log| log.add(split, metric, *aggregated_value, *count));
        }
    }

    /// The plain line of a finished epoch.
    fn epoch_line(&self, record: &EpochRecord) -> String {
        format!(
            "epoch {}/{}  train loss {:.4} acc {:.2}%  test loss {:.4} acc {:.2}%  {:.1} s",
            record.epoch,
            self.total_epochs,
            record.train_loss,
            record.train_acc * 100.0,
            record.test_loss,
            record.test_acc * 100.0,
            record.seconds
        )
    }
}

impl MetricsRendererTraining for EpochReporter {
    fn update_train(&mut self, state: MetricState) {
        self.update(EpochSplit::Train, &state);
        if let Some(tui) = self.tui.as_mut() {
            tui.update_train(state);
        }
    }

    fn update_valid(&mut self, state: MetricState) {
        self.update(EpochSplit::Valid, &state);
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
        let valid: &str = Split::Valid.into();
        let split_of_epoch = if split == valid {
            EpochSplit::Valid
        } else {
            EpochSplit::Train
        };
        self.with_log(|log| log.start_split(split_of_epoch));
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
        let finished = self.with_log(EpochLog::end_split).flatten();
        if let Some(record) = finished
            && self.tui.is_none()
        {
            println!("{}", self.epoch_line(&record));
        }
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
        self.metrics.register(&definition);
        if let Some(tui) = self.tui.as_mut() {
            tui.register_metric(definition);
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::train::metric::{Metric, MetricEntry, MetricId, SerializedEntry};

    use super::*;
    use crate::history_writer::HistoryWriter;
    use crate::loss_guard::LossGuard;
    use crate::run_metrics::RunMetrics;

    /// An update of `metric` as burn sends it: `value` over a batch of 64.
    fn update(metric: &impl Metric, value: f64) -> MetricState {
        let entry = MetricEntry::new(
            MetricId::new(metric.name()),
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

    /// A reporter of epochs 3 to 5, with the run's metrics registered as burn registers them,
    /// writing its history to `history_path`.
    fn reporter(
        metrics: &RunMetrics,
        history_path: &std::path::Path,
    ) -> (EpochReporter, Arc<Mutex<EpochLog>>, Interrupter) {
        let interrupter = Interrupter::new();
        let log = EpochLog::new(
            HistoryWriter::new(history_path.to_path_buf()),
            3,
            LossGuard::new(interrupter.clone()),
        );
        let (mut reporter, log) =
            EpochReporter::new(log, metrics.recognizer(), 5, interrupter.clone(), None);
        reporter.register_metric(MetricDefinition::new(
            MetricId::new(metrics.accuracy.name()),
            &metrics.accuracy,
        ));
        reporter.register_metric(MetricDefinition::new(
            MetricId::new(metrics.loss.name()),
            &metrics.loss,
        ));
        (reporter, log, interrupter)
    }

    /// A history file of this test process.
    fn history_path(test: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("progress-test-{}-{test}.csv", std::process::id()))
    }

    #[test]
    fn epoch_means_are_weighted_by_batch_size_and_written_when_the_epoch_ends() {
        let metrics = RunMetrics::new();
        let path = history_path("means");
        let (mut reporter, log, _) = reporter(&metrics, &path);
        reporter.start_split("train", 128);
        reporter.update_train(update(&metrics.loss, 1.0));
        reporter.update_train(update(&metrics.accuracy, 50.0));
        reporter.update_train(update(&metrics.loss, 3.0));
        reporter.update_train(update(&metrics.accuracy, 100.0));
        reporter.end_split();
        assert!(!path.exists(), "written before the evaluation");
        reporter.start_split("valid", 64);
        reporter.update_valid(update(&metrics.loss, 0.5));
        reporter.update_valid(update(&metrics.accuracy, 25.0));
        reporter.end_split();
        let records = log.lock().unwrap().outcome().unwrap();
        assert_eq!(records.len(), 1);
        let record = records[0];
        assert_eq!(
            (
                record.epoch,
                record.train_loss,
                record.train_acc,
                record.test_loss,
                record.test_acc
            ),
            (3, 2.0, 0.75, 0.5, 0.25)
        );
        let written = crate::history::read(&path).unwrap();
        assert_eq!(written.len(), 1);
        assert_eq!(written[0].test_acc, 0.25);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_nan_loss_stops_the_run_naming_epoch_and_step() {
        let metrics = RunMetrics::new();
        let (mut reporter, log, interrupter) = reporter(&metrics, &history_path("nan"));
        reporter.start_split("train", 256);
        reporter.update_train(update(&metrics.loss, 0.7));
        reporter.update_train(update(&metrics.loss, f64::NAN));
        assert!(interrupter.should_stop());
        let failure = log.lock().unwrap().outcome().unwrap_err();
        assert!(failure.contains("epoch 3, step 2"), "{failure}");
    }
}
