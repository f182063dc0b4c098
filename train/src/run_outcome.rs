//! What a finished run reports on its last line:
//! `test_accuracy=0.9842 epochs=5 seconds=123.4 run=runs/...`.

use std::path::PathBuf;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closing_line_rounds_accuracy_to_four_places_and_seconds_to_one() {
        let outcome = RunOutcome {
            test_accuracy: 0.98416,
            epochs: 5,
            seconds: 123.44,
            run_dir: PathBuf::from("runs/lenet5-mnist-20250101T000000Z"),
        };
        assert_eq!(
            outcome.to_string(),
            "test_accuracy=0.9842 epochs=5 seconds=123.4 run=runs/lenet5-mnist-20250101T000000Z"
        );
    }
}
