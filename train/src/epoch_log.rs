//! What a run keeps of each epoch while it trains, shared between burn's renderer (which
//! feeds it metric updates) and the training code (which reads it once the Learner is done):
//! the epoch's means per split, turned into an [`EpochRecord`] and appended to `history.csv`
//! when the epoch's evaluation ends, and why the run stopped, if it failed.

use std::time::Instant;

use crate::epoch_means::SplitMeans;
use crate::history::EpochRecord;
use crate::history_writer::HistoryWriter;
use crate::loss_guard::LossGuard;
use crate::run_metrics::TrackedMetric;

/// The two splits of an epoch: training, then evaluation on the test set (burn's "valid").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochSplit {
    /// The training split.
    Train,
    /// The evaluation split.
    Valid,
}

/// The epochs of a run so far, and the one in progress.
pub struct EpochLog {
    /// Finished epochs, kept in `history.csv`.
    history: HistoryWriter,
    /// Why the run stopped early (NaN loss, or failing to write the history).
    failure: Option<String>,
    /// Stops the run on a NaN or infinite training loss.
    loss_guard: LossGuard,
    /// The epoch in progress (1-based).
    epoch: usize,
    /// The split in progress.
    split: EpochSplit,
    /// Means of the epoch's training split.
    train: SplitMeans,
    /// Means of the epoch's evaluation split.
    valid: SplitMeans,
    /// When the epoch's training split started.
    started: Instant,
}

impl EpochLog {
    /// A log whose next epoch is `first_epoch`, appending to `history`.
    pub fn new(history: HistoryWriter, first_epoch: usize, loss_guard: LossGuard) -> Self {
        Self {
            history,
            failure: None,
            loss_guard,
            epoch: first_epoch,
            split: EpochSplit::Train,
            train: SplitMeans::default(),
            valid: SplitMeans::default(),
            started: Instant::now(),
        }
    }

    /// A split of the current epoch starts; the training split also starts the epoch's clock.
    pub fn start_split(&mut self, split: EpochSplit) {
        self.split = split;
        match split {
            EpochSplit::Train => {
                self.train = SplitMeans::default();
                self.started = Instant::now();
            }
            EpochSplit::Valid => self.valid = SplitMeans::default(),
        }
    }

    /// Adds one batch's value of `metric` on `split`, for a batch of `count` items; a training
    /// loss that is not finite stops the run.
    pub fn add(&mut self, split: EpochSplit, metric: TrackedMetric, value: f64, count: usize) {
        let means = match split {
            EpochSplit::Train => &mut self.train,
            EpochSplit::Valid => &mut self.valid,
        };
        means.add(metric, value, count);
        if split == EpochSplit::Train && metric == TrackedMetric::Loss && self.failure.is_none() {
            let step = self.train.steps();
            self.failure = self.loss_guard.check(value, self.epoch, step).err();
        }
    }

    /// The current split ends. After the evaluation split, the epoch's record is appended to
    /// the history and returned, and the next epoch begins; unless the run already failed.
    pub fn end_split(&mut self) -> Option<EpochRecord> {
        if self.split != EpochSplit::Valid || self.failure.is_some() {
            return None;
        }
        let record = EpochRecord {
            epoch: self.epoch,
            train_loss: self.train.loss(),
            train_acc: self.train.accuracy(),
            test_loss: self.valid.loss(),
            test_acc: self.valid.accuracy(),
            seconds: self.started.elapsed().as_secs_f64(),
        };
        self.epoch += 1;
        self.failure = self.history.append(record).err();
        Some(record)
    }

    /// Every epoch so far, or why the run failed.
    pub fn outcome(&self) -> Result<Vec<EpochRecord>, String> {
        match &self.failure {
            Some(failure) => Err(failure.clone()),
            None => Ok(self.history.records().to_vec()),
        }
    }
}
