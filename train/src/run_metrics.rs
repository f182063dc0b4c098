//! The metrics the Learner computes on both splits — loss and accuracy — and how the epoch
//! reporter tells their updates apart.
//!
//! burn hands a renderer each metric's [`MetricDefinition`] once (its id and the name the
//! metric type reports), then updates that carry only the id. [`MetricRecognizer`] matches a
//! definition against the names of the very metric instances [`RunMetrics`] gives the
//! Learner, so no display string ("Loss", "Accuracy") is written out in this crate: a metric
//! burn renames is still recognized, and one the run does not track is ignored.

use std::collections::HashMap;

use burn::train::metric::{
    AccuracyMetric, LossMetric, Metric, MetricDefinition, MetricId, MetricName,
};

/// A metric whose epoch mean goes into `history.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackedMetric {
    /// Cross-entropy loss of the batch.
    Loss,
    /// Accuracy of the batch, in percent (as burn reports it).
    Accuracy,
}

/// The metric instances a run registers with burn's `SupervisedTraining`.
#[derive(Clone, Default)]
pub struct RunMetrics {
    /// Accuracy, in percent.
    pub accuracy: AccuracyMetric,
    /// Loss.
    pub loss: LossMetric,
}

impl RunMetrics {
    /// burn's accuracy and loss metrics.
    pub fn new() -> Self {
        Self::default()
    }

    /// A recognizer of these metrics' updates.
    pub fn recognizer(&self) -> MetricRecognizer {
        MetricRecognizer {
            loss_name: self.loss.name(),
            accuracy_name: self.accuracy.name(),
            registered: HashMap::new(),
        }
    }
}

/// Tells which [`TrackedMetric`], if any, a metric update of burn's is about.
#[derive(Debug, Clone)]
pub struct MetricRecognizer {
    /// The name [`LossMetric`] reports.
    loss_name: MetricName,
    /// The name [`AccuracyMetric`] reports.
    accuracy_name: MetricName,
    /// The tracked metrics registered so far, by the id burn gave them.
    registered: HashMap<MetricId, TrackedMetric>,
}

impl MetricRecognizer {
    /// Notes the id of a metric burn registers, when it is one of the tracked ones.
    pub fn register(&mut self, definition: &MetricDefinition) {
        let metric = if definition.name == self.loss_name {
            TrackedMetric::Loss
        } else if definition.name == self.accuracy_name {
            TrackedMetric::Accuracy
        } else {
            return;
        };
        self.registered.insert(definition.metric_id.clone(), metric);
    }

    /// The tracked metric registered under `id`, if any.
    pub fn recognize(&self, id: &MetricId) -> Option<TrackedMetric> {
        self.registered.get(id).copied()
    }
}

#[cfg(test)]
mod tests {
    use burn::train::metric::LearningRateMetric;

    use super::*;

    /// The definition burn registers for `metric` (its id is its name, as in burn's processor).
    fn definition(metric: &impl Metric) -> MetricDefinition {
        MetricDefinition::new(MetricId::new(metric.name()), metric)
    }

    #[test]
    fn recognizes_the_registered_run_metrics_by_id_and_ignores_others() {
        let metrics = RunMetrics::new();
        let mut recognizer = metrics.recognizer();
        let (loss, accuracy) = (definition(&metrics.loss), definition(&metrics.accuracy));
        assert_eq!(
            recognizer.recognize(&loss.metric_id),
            None,
            "not yet registered"
        );
        let learning_rate = definition(&LearningRateMetric::new());
        for registered in [&loss, &accuracy, &learning_rate] {
            recognizer.register(registered);
        }
        assert_eq!(
            recognizer.recognize(&loss.metric_id),
            Some(TrackedMetric::Loss)
        );
        assert_eq!(
            recognizer.recognize(&accuracy.metric_id),
            Some(TrackedMetric::Accuracy)
        );
        assert_eq!(recognizer.recognize(&learning_rate.metric_id), None);
    }
}
