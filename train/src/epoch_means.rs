//! The means of one split over one epoch: burn reports each metric per batch, `history.csv`
//! keeps the epoch's mean, each batch weighted by its size (a last, smaller batch counts less).

use crate::run_metrics::TrackedMetric;

/// Running, batch-size-weighted mean of one metric.
#[derive(Debug, Default, Clone, Copy)]
struct Mean {
    /// Sum of the values, each times its batch size.
    sum: f64,
    /// Sum of the batch sizes.
    count: usize,
}

impl Mean {
    /// Adds the value of a batch of `count` items.
    fn add(&mut self, value: f64, count: usize) {
        self.sum += value * count as f64;
        self.count += count;
    }

    /// The mean so far; NaN before any batch.
    fn value(&self) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.sum / self.count as f64
        }
    }
}

/// The loss and accuracy means of one split of one epoch, and how many steps it took.
#[derive(Debug, Default, Clone, Copy)]
pub struct SplitMeans {
    /// Mean loss.
    loss: Mean,
    /// Mean accuracy, in percent (as burn reports it).
    accuracy: Mean,
    /// Batches seen so far (loss updates).
    steps: usize,
}

impl SplitMeans {
    /// Adds one batch's value of `metric` for a batch of `count` items; a loss value also
    /// counts a step.
    pub fn add(&mut self, metric: TrackedMetric, value: f64, count: usize) {
        match metric {
            TrackedMetric::Loss => {
                self.loss.add(value, count);
                self.steps += 1;
            }
            TrackedMetric::Accuracy => self.accuracy.add(value, count),
        }
    }

    /// Mean loss.
    pub fn loss(&self) -> f64 {
        self.loss.value()
    }

    /// Mean accuracy as a fraction in [0, 1].
    pub fn accuracy(&self) -> f64 {
        self.accuracy.value() / 100.0
    }

    /// Steps so far, 1-based once a batch was seen.
    pub fn steps(&self) -> usize {
        self.steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_weigh_by_their_size_and_losses_count_steps() {
        let mut means = SplitMeans::default();
        assert!(means.loss().is_nan() && means.accuracy().is_nan());
        means.add(TrackedMetric::Loss, 1.0, 64);
        means.add(TrackedMetric::Accuracy, 90.0, 64);
        means.add(TrackedMetric::Loss, 4.0, 32);
        means.add(TrackedMetric::Accuracy, 60.0, 32);
        assert_eq!(means.loss(), 2.0);
        assert_eq!(means.accuracy(), 0.8);
        assert_eq!(means.steps(), 2);
    }
}
