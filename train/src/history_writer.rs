//! Keeping `history.csv` up to date while a run trains: every epoch so far (those of the run
//! being resumed included), the file rewritten as soon as an epoch ends.

use std::path::PathBuf;

use crate::history::{self, EpochRecord};

/// The epochs of a run so far and the `history.csv` they are written to.
#[derive(Debug)]
pub struct HistoryWriter {
    /// The file.
    path: PathBuf,
    /// Every epoch so far, in order.
    records: Vec<EpochRecord>,
}

impl HistoryWriter {
    /// A history starting empty, written to `path`.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            records: Vec::new(),
        }
    }

    /// The history at `path` of a run resumed after epoch `last_epoch`: its records up to that
    /// epoch (later ones, written after the checkpoint, are trained again).
    pub fn resume(path: PathBuf, last_epoch: usize) -> Result<Self, String> {
        let mut records = history::read(&path)?;
        records.retain(|r| r.epoch <= last_epoch);
        Ok(Self { path, records })
    }

    /// Adds `record` (replacing that epoch and any later one) and rewrites the file.
    pub fn append(&mut self, record: EpochRecord) -> Result<(), String> {
        self.records.retain(|r| r.epoch < record.epoch);
        self.records.push(record);
        history::write(&self.path, &self.records)
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }

    /// Every epoch so far.
    pub fn records(&self) -> &[EpochRecord] {
        &self.records
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: usize, test_acc: f64) -> EpochRecord {
        EpochRecord {
            epoch,
            train_loss: 0.5,
            train_acc: 0.8,
            test_loss: 0.4,
            test_acc,
            seconds: 2.0,
        }
    }

    #[test]
    fn a_resumed_history_drops_epochs_after_the_checkpoint_and_rewrites_the_file() {
        let dir = std::env::temp_dir().join(format!("history-writer-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("history.csv");
        let mut writer = HistoryWriter::new(path.clone());
        for epoch in 1..=3 {
            writer.append(record(epoch, 0.9)).unwrap();
        }
        assert_eq!(history::read(&path).unwrap().len(), 3);

        let mut resumed = HistoryWriter::resume(path.clone(), 2).unwrap();
        assert_eq!(resumed.records(), &[record(1, 0.9), record(2, 0.9)]);
        resumed.append(record(3, 0.95)).unwrap();
        assert_eq!(
            history::read(&path).unwrap(),
            vec![record(1, 0.9), record(2, 0.9), record(3, 0.95)]
        );
        assert!(
            HistoryWriter::new(dir.join("missing").join("history.csv"))
                .append(record(1, 0.9))
                .unwrap_err()
                .starts_with("cannot write ")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
