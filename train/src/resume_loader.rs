//! Shuffling that survives `--resume`.
//!
//! burn's data loader reshuffles every epoch from one seeded RNG, and the Learner trains on
//! `loader.to_device(..)`, a copy whose RNG is forked from the original's. A resumed run must
//! see the same order for epoch k + 1 as an uninterrupted one, so [`ResumedLoader`] hands the
//! Learner a device copy whose RNG has already drawn the k epochs trained before.

use std::sync::Arc;

use burn::data::dataloader::{DataLoader, DataLoaderIterator};
use burn::prelude::*;

/// A data loader whose device copies skip the shuffles of `epochs_done` epochs.
pub struct ResumedLoader<O> {
    inner: Arc<dyn DataLoader<O>>,
    epochs_done: usize,
}

impl<O> ResumedLoader<O> {
    /// Wraps `inner`, for a run that already trained `epochs_done` epochs.
    pub fn new(inner: Arc<dyn DataLoader<O>>, epochs_done: usize) -> Self {
        Self { inner, epochs_done }
    }
}

impl<O: 'static> DataLoader<O> for ResumedLoader<O> {
    fn iter<'a>(&'a self) -> Box<dyn DataLoaderIterator<O> + 'a> {
        self.inner.iter()
    }

    fn num_items(&self) -> usize {
        self.inner.num_items()
    }

    fn to_device(&self, device: &Device) -> Arc<dyn DataLoader<O>> {
        let loader = self.inner.to_device(device);
        for _ in 0..self.epochs_done {
            // Creating the iterator draws the epoch's permutation; no batch is loaded.
            drop(loader.iter());
        }
        loader
    }

    fn slice(&self, start: usize, end: usize) -> Arc<dyn DataLoader<O>> {
        self.inner.slice(start, end)
    }
}
