//! Stopping a run whose training loss is no longer a number: once the loss is NaN or
//! infinite every later step is wasted, so the Learner is asked to stop at once, with a
//! message naming the epoch and step.

use burn::train::Interrupter;

/// Stops the Learner at a training step whose loss is NaN or infinite.
#[derive(Clone)]
pub struct LossGuard {
    /// The Learner's interrupter.
    interrupter: Interrupter,
}

impl LossGuard {
    /// A guard that stops the Learner through `interrupter`.
    pub fn new(interrupter: Interrupter) -> Self {
        Self { interrupter }
    }

    /// Checks the loss of training step `step` of epoch `epoch`. When it is NaN or infinite,
    /// asks the Learner to stop and returns why.
    pub fn check(&self, loss: f64, epoch: usize, step: usize) -> Result<(), String> {
        if loss.is_finite() {
            return Ok(());
        }
        let message = format!(
            "training loss is {loss} at epoch {epoch}, step {step}; lower --lr or check the data"
        );
        self.interrupter.stop(Some(&message));
        Err(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finite_loss_passes_and_an_infinite_one_stops_the_learner() {
        let interrupter = Interrupter::new();
        let guard = LossGuard::new(interrupter.clone());
        assert_eq!(guard.check(0.7, 2, 5), Ok(()));
        assert!(!interrupter.should_stop());
        assert_eq!(
            guard.check(f64::INFINITY, 2, 6),
            Err("training loss is inf at epoch 2, step 6; lower --lr or check the data".into())
        );
        assert!(interrupter.should_stop());
    }
}
