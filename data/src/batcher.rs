//! [`ClassificationBatcher`]: burn's `Batcher` from [`PreparedItem`]s to a
//! [`ClassificationBatch`] `{ images: [N, C, H, W], targets: [N] }`, optionally augmenting
//! (random crop + horizontal flip, seeded). The batch is filled into one `Vec<f32>` and turned
//! into a tensor once: one allocation and one upload per batch, whatever the backend.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;
use burn::tensor::TensorData;

use crate::augment::{CropFlip, SplitMix64};
use crate::pipeline::CROP_PADDING;
use crate::prepared::PreparedItem;

/// A batch of images and their class indices.
#[derive(Clone, Debug)]
pub struct ClassificationBatch {
    /// Images, `[N, C, H, W]`, `f32`.
    pub images: Tensor<4>,
    /// Class indices, `[N]`.
    pub targets: Tensor<1, Int>,
}

/// Stacks items of shape `[C, H, W]` into a [`ClassificationBatch`] on the device it is given.
/// With [`Self::with_augment`], every image is randomly cropped (padding 4, filled with
/// [`Self::with_fill`]'s values) and flipped left-right with probability 1/2.
///
/// Augmentation is deterministic given the seed: batch `k` (counted over the batcher and its
/// clones, across epochs) draws from a generator seeded by `(seed, k)`. With one loader worker
/// the whole run is reproducible.
#[derive(Clone, Debug)]
pub struct ClassificationBatcher {
    shape: [usize; 3],
    fill: Vec<f32>,
    augment: Option<Augment>,
}

#[derive(Clone, Debug)]
struct Augment {
    seed: u64,
    padding: usize,
    flip: bool,
    batches: Arc<AtomicU64>,
}

impl ClassificationBatcher {
    /// A plain batcher for items of shape `[C, H, W]`.
    pub fn new(shape: [usize; 3]) -> Self {
        Self {
            shape,
            fill: vec![0.0; shape[0]],
            augment: None,
        }
    }

    /// Turns on random crop (4-pixel padding) + horizontal flip, seeded with `seed`.
    pub fn with_augment(self, seed: u64) -> Self {
        self.with_augment_padding(seed, CROP_PADDING)
    }

    /// Random crop with `padding` pixels on each side + horizontal flip, seeded with `seed`.
    pub fn with_augment_padding(self, seed: u64, padding: usize) -> Self {
        self.with_augment_options(seed, padding, true)
    }

    /// Random crop with `padding` pixels on each side, and a horizontal flip when `flip`,
    /// seeded with `seed`.
    pub fn with_augment_options(mut self, seed: u64, padding: usize, flip: bool) -> Self {
        self.augment = Some(Augment {
            seed,
            padding,
            flip,
            batches: Arc::new(AtomicU64::new(0)),
        });
        self
    }

    /// The per-channel value of padding pixels: the normalized value of black,
    /// [`crate::Pipeline::normalized_zero`] (default 0.0). One value applies to every channel.
    pub fn with_fill(mut self, fill: Vec<f32>) -> Self {
        self.fill = if fill.len() == 1 {
            vec![fill[0]; self.shape[0]]
        } else {
            assert_eq!(fill.len(), self.shape[0], "one fill value per channel");
            fill
        };
        self
    }

    /// Shape `[C, H, W]` of the items (and of each image of a batch).
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// True when batches are augmented.
    pub fn augments(&self) -> bool {
        self.augment.is_some()
    }

    /// Fills `items` into one `[N * C*H*W]` buffer (augmented if on) and their labels.
    ///
    /// Panics if an item does not have `C*H*W` values.
    pub fn fill_buffers(&self, items: &[PreparedItem]) -> (Vec<f32>, Vec<i64>) {
        let size: usize = self.shape.iter().product();
        let mut images = vec![0.0f32; items.len() * size];
        let mut rng = self.augment.as_ref().map(|a| {
            let k = a.batches.fetch_add(1, Ordering::Relaxed);
            let mut mix = SplitMix64::new(a.seed ^ k.wrapping_mul(0xd6e8_feb8_6659_fd93));
            (SplitMix64::new(mix.next_u64()), a.padding, a.flip)
        });
        for (item, out) in items.iter().zip(images.chunks_exact_mut(size)) {
            assert_eq!(
                item.image.len(),
                size,
                "item of {} values in a batcher for shape {:?}",
                item.image.len(),
                self.shape
            );
            match &mut rng {
                Some((rng, padding, flip)) => CropFlip::random_with(rng, *padding, *flip).apply(
                    &item.image,
                    self.shape,
                    &self.fill,
                    out,
                ),
                None => out.copy_from_slice(&item.image),
            }
        }
        let targets = items.iter().map(|i| i.label as i64).collect();
        (images, targets)
    }
}

impl Batcher<PreparedItem, ClassificationBatch> for ClassificationBatcher {
    fn batch(&self, items: Vec<PreparedItem>, device: &Device) -> ClassificationBatch {
        let n = items.len();
        let [c, h, w] = self.shape;
        let (images, targets) = self.fill_buffers(&items);
        ClassificationBatch {
            images: Tensor::from_data(TensorData::new(images, [n, c, h, w]), device),
            targets: Tensor::from_data(TensorData::new(targets, [n]), device),
        }
    }
}
