//! [`PreparedDataset`]: a split with the deterministic part of a [`Pipeline`] done once, up
//! front — resized and padded images kept as bytes (4x smaller than floats, and exactly what
//! torchvision's PIL resize produces), turned into normalized floats by a 256-entry table per
//! channel when an item is fetched. A burn [`Dataset`] of [`PreparedItem`]s.

use std::sync::Arc;

use burn::data::dataset::{Dataset, DatasetError};

use crate::dataset::ImageDataset;
use crate::pipeline::{Normalizer, Pipeline};

/// One preprocessed image and its label.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedItem {
    /// `C*H*W` normalized floats, CHW.
    pub image: Vec<f32>,
    /// Class index.
    pub label: usize,
}

/// A split with resize and padding applied to every image once; items are normalized floats.
/// Cheap to clone (buffers are shared).
#[derive(Clone, Debug)]
pub struct PreparedDataset {
    pixels: Arc<[u8]>,
    labels: Arc<[u8]>,
    shape: [usize; 3],
    len: usize,
    normalizer: Arc<Normalizer>,
    class_names: Arc<[String]>,
}

impl PreparedDataset {
    /// Applies the resize and padding of `pipeline` to every image of `dataset` (on all cores
    /// when there are many) and keeps its normalization for [`Dataset::get`].
    ///
    /// Panics if `pipeline` does not fit the dataset's channel count ([`Pipeline::validate`]).
    pub fn prepare(dataset: &ImageDataset, pipeline: &Pipeline) -> Self {
        let input = dataset.shape();
        let normalizer = pipeline.normalizer(input[0]);
        let geometry = pipeline.geometry(input);
        let shape = geometry.output_shape();
        let (source_pixels, labels) = dataset.buffers();
        let pixels: Arc<[u8]> = if shape == input {
            source_pixels
        } else {
            let (in_size, out_size) = (dataset.image_size(), shape.iter().product::<usize>());
            let mut out = vec![0u8; dataset.len() * out_size];
            let threads = std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(dataset.len().div_ceil(2048))
                .max(1);
            let per_thread = dataset.len().div_ceil(threads).max(1);
            std::thread::scope(|scope| {
                for (src, dst) in dataset
                    .pixels()
                    .chunks(per_thread * in_size)
                    .zip(out.chunks_mut(per_thread * out_size))
                {
                    let geometry = &geometry;
                    scope.spawn(move || {
                        for (s, d) in src
                            .chunks_exact(in_size)
                            .zip(dst.chunks_exact_mut(out_size))
                        {
                            d.copy_from_slice(&geometry.apply(s));
                        }
                    });
                }
            });
            out.into()
        };
        Self {
            pixels,
            labels,
            shape,
            len: dataset.len(),
            normalizer: Arc::new(normalizer),
            class_names: dataset.class_names().into(),
        }
    }

    /// Only the first `n` items (all if `n >= len`), e.g. for a quick run on a subset.
    pub fn limit(mut self, n: usize) -> Self {
        self.len = self.len.min(n);
        self
    }

    /// Shape `[C, H, W]` of every item.
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Class names, indexed by label.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// The resized, padded bytes of item `index` (`C*H*W`), before normalization.
    /// Panics if `index >= len()`.
    pub fn image_bytes(&self, index: usize) -> &[u8] {
        assert!(
            index < self.len,
            "index {index} out of range for a dataset of {} items",
            self.len
        );
        let size: usize = self.shape.iter().product();
        &self.pixels[index * size..(index + 1) * size]
    }

    /// Label of item `index`. Panics if `index >= len()`.
    pub fn label(&self, index: usize) -> usize {
        assert!(index < self.len, "index {index} out of range");
        usize::from(self.labels[index])
    }

    /// Writes the normalized floats of item `index` into `out` (`C*H*W` long).
    pub fn image_into(&self, index: usize, out: &mut [f32]) {
        self.normalizer.apply(self.image_bytes(index), out);
    }
}

impl Dataset<PreparedItem> for PreparedDataset {
    /// Panics if `index >= len()`, as burn's `Dataset` contract asks.
    fn get(&self, index: usize) -> Result<PreparedItem, DatasetError> {
        let mut image = vec![0.0; self.shape.iter().product()];
        self.image_into(index, &mut image);
        Ok(PreparedItem {
            image,
            label: self.label(index),
        })
    }

    fn len(&self) -> usize {
        self.len
    }
}
