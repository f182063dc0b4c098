//! The per-epoch record of a run — `history.csv`: `epoch,train_loss,train_acc,test_loss,
//! test_acc,epoch_seconds`, accuracies as fractions in [0, 1] (burn reports percent).

use std::fmt::Write as _;
use std::path::Path;

use crate::run_dir::write_atomic;

/// One epoch of training: mean loss and accuracy on the train and test splits, and wall time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean cross-entropy over the training split.
    pub train_loss: f64,
    /// Accuracy on the training split, in [0, 1].
    pub train_acc: f64,
    /// Mean cross-entropy over the test split.
    pub test_loss: f64,
    /// Accuracy on the test split, in [0, 1].
    pub test_acc: f64,
    /// Wall time of the epoch (training + evaluation), in seconds.
    pub seconds: f64,
}

/// The CSV header line.
pub const HEADER: &str = "epoch,train_loss,train_acc,test_loss,test_acc,epoch_seconds";

/// Renders records as `history.csv` text.
pub fn to_csv(records: &[EpochRecord]) -> String {
    let mut out = format!("{HEADER}\n");
    for r in records {
        let _ = writeln!(
            out,
            "{},{:.6},{:.6},{:.6},{:.6},{:.3}",
            r.epoch, r.train_loss, r.train_acc, r.test_loss, r.test_acc, r.seconds
        );
    }
    out
}

/// Parses `history.csv` text.
pub fn from_csv(text: &str) -> Result<Vec<EpochRecord>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(format!("history does not start with '{HEADER}'"));
    }
    lines
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let fields: Vec<&str> = line.split(',').collect();
            let bad = || format!("history line {}: '{line}' is not 6 numbers", i + 2);
            if fields.len() != 6 {
                return Err(bad());
            }
            let num = |j: usize| fields[j].trim().parse::<f64>().map_err(|_| bad());
            Ok(EpochRecord {
                epoch: fields[0].trim().parse().map_err(|_| bad())?,
                train_loss: num(1)?,
                train_acc: num(2)?,
                test_loss: num(3)?,
                test_acc: num(4)?,
                seconds: num(5)?,
            })
        })
        .collect()
}

/// Reads `history.csv`, or an empty history when the file does not exist.
pub fn read(path: &Path) -> Result<Vec<EpochRecord>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => from_csv(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Writes `history.csv` (to a temporary name, then renamed).
pub fn write(path: &Path, records: &[EpochRecord]) -> std::io::Result<()> {
    write_atomic(path, to_csv(records).as_bytes())
}
