//! The zoo network as burn's Learner sees it: a classifier trained with cross-entropy whose
//! steps produce `ClassificationOutput` (loss, logits, targets) for the Loss and Accuracy
//! metrics.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::train::{ClassificationOutput, InferenceStep, TrainOutput, TrainStep};
use data::ClassificationBatch;
use model::Network;

/// A zoo [`Network`] trained as a classifier.
#[derive(Module, Debug)]
pub struct Classifier {
    /// The network; saved alone as the run's `model.bpk`.
    pub net: Network,
}

impl Classifier {
    /// Logits, cross-entropy loss and targets of one batch.
    pub fn forward_classification(&self, batch: ClassificationBatch) -> ClassificationOutput {
        let logits = self.net.forward(batch.images);
        let loss = CrossEntropyLossConfig::new()
            .init(&logits.device())
            .forward(logits.clone(), batch.targets.clone());
        ClassificationOutput::new(loss, logits, batch.targets)
    }
}

impl TrainStep for Classifier {
    type Input = ClassificationBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: ClassificationBatch) -> TrainOutput<ClassificationOutput> {
        let item = self.forward_classification(batch);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl InferenceStep for Classifier {
    type Input = ClassificationBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: ClassificationBatch) -> ClassificationOutput {
        self.forward_classification(batch)
    }
}
