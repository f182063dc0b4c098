//! [`Pipeline`]: the per-image preprocessing of torchvision's `transforms.Compose([Resize,
//! Pad, ToTensor, Normalize])`, plus whether training batches are augmented (random crop with
//! 4-pixel padding and horizontal flip, `RandomCrop(32, padding=4)` + `RandomHorizontalFlip()`).
//!
//! The deterministic part works in two steps, as torchvision on PIL images does: a geometric
//! step on bytes (bilinear resize rounded to `u8`, then zero padding), then a per-channel
//! lookup `byte -> (byte / 255 - mean) / std` in `f32`. [`crate::PreparedDataset`] runs the
//! geometric step once per dataset; the lookup is a table of 256 floats per channel.

use burn::prelude::*;

use crate::batcher::ClassificationBatcher;
use crate::kind::{DatasetKind, Split};
use crate::resize::Resizer;

/// Preprocessing of one image: optional resize to a square, zero padding, scaling to [0, 1],
/// per-channel normalization; `augment` turns on random crop + flip for training batches.
#[derive(Config, Debug, PartialEq)]
pub struct Pipeline {
    /// Resize to `side x side` (bilinear, as torchvision `Resize((side, side))` on a PIL image).
    #[config(default = "None")]
    pub resize: Option<usize>,
    /// Zero pixels added on each side after resizing (28 + 2*2 = 32).
    #[config(default = 0)]
    pub pad: usize,
    /// Per-channel mean subtracted after scaling to [0, 1] (one value applies to every channel).
    #[config(default = "vec![0.0]")]
    pub mean: Vec<f32>,
    /// Per-channel standard deviation divided by (one value applies to every channel).
    #[config(default = "vec![1.0]")]
    pub std: Vec<f32>,
    /// Random crop and horizontal flip of training batches.
    #[config(default = false)]
    pub augment: bool,
    /// Zero padding of the random crop, in pixels on each side [`None`: 4, torchvision's CIFAR
    /// recipe]. Optional so that `config.json` files written before it existed still load.
    #[config(default = "None")]
    pub crop_padding: Option<usize>,
    /// Whether augmentation also mirrors left-right [`None`: yes; digits want `Some(false)`].
    #[config(default = "None")]
    pub flip: Option<bool>,
}

/// Pixels added on each side before a random crop back to the original size.
pub const CROP_PADDING: usize = 4;

impl Pipeline {
    /// The PyTorch LeNet-5 tutorial's MNIST preprocessing: `Resize((32, 32))`, `ToTensor()`,
    /// `Normalize((0.1307,), (0.3081,))`. Output `[1, 32, 32]`.
    pub fn mnist_resized32() -> Self {
        Self::new()
            .with_resize(Some(32))
            .normalized_for(DatasetKind::Mnist)
    }

    /// MNIST zero-padded 28 -> 32 (LeCun's original input layout), normalized 0.1307/0.3081.
    /// Output `[1, 32, 32]`.
    pub fn mnist_padded32() -> Self {
        Self::new().with_pad(2).normalized_for(DatasetKind::Mnist)
    }

    /// Dive into Deep Learning's Fashion-MNIST input: 28x28 scaled to [0, 1], no normalization.
    /// Output `[1, 28, 28]`.
    pub fn fashion28() -> Self {
        Self::new()
    }

    /// CIFAR-10 normalized with its usual statistics (mean 0.4914, 0.4822, 0.4465; std 0.2470,
    /// 0.2435, 0.2616), with or without crop + flip augmentation. Output `[3, 32, 32]`.
    pub fn cifar10(augment: bool) -> Self {
        Self::new()
            .normalized_for(DatasetKind::Cifar10)
            .with_augment(augment)
    }

    /// The default for a dataset: [`Self::mnist_resized32`], [`Self::fashion28`],
    /// [`Self::cifar10`] with augmentation.
    pub fn for_dataset(kind: DatasetKind) -> Self {
        match kind {
            DatasetKind::Mnist => Self::mnist_resized32(),
            DatasetKind::FashionMnist => Self::fashion28(),
            DatasetKind::Cifar10 => Self::cifar10(true),
        }
    }

    /// The same pipeline normalized with `kind`'s usual mean and std
    /// ([`DatasetKind::mean`], [`DatasetKind::std`]).
    pub fn normalized_for(self, kind: DatasetKind) -> Self {
        self.with_mean(kind.mean().to_vec())
            .with_std(kind.std().to_vec())
    }

    /// Shape `[C, H, W]` of the output for an input of shape `input`.
    pub fn output_shape(&self, input: [usize; 3]) -> [usize; 3] {
        let [c, h, w] = input;
        let (h, w) = self.resize.map_or((h, w), |s| (s, s));
        [c, h + 2 * self.pad, w + 2 * self.pad]
    }

    /// Checks that mean and std fit `channels` (one value, or one per channel) and that every
    /// std is positive.
    pub fn validate(&self, channels: usize) -> Result<(), String> {
        for (name, values) in [("mean", &self.mean), ("std", &self.std)] {
            if values.len() != 1 && values.len() != channels {
                return Err(format!(
                    "{name} has {} values, expected 1 or {channels} (one per channel)",
                    values.len()
                ));
            }
        }
        if self.std.iter().any(|&s| s.is_nan() || s <= 0.0) {
            return Err(format!("std {:?} must be positive", self.std));
        }
        if self.resize == Some(0) {
            return Err("resize to 0 pixels".into());
        }
        Ok(())
    }

    /// The deterministic preprocessing of one image (`[C, H, W]` bytes, CHW): resize, pad, scale,
    /// normalize. Returns `output_shape(shape)` floats, CHW. This is what inference applies to a
    /// single image; training data goes through [`crate::PreparedDataset`], which gives the same
    /// values.
    ///
    /// Panics if `image.len()` does not match `shape` or [`Self::validate`] fails.
    pub fn apply(&self, image: &[u8], shape: [usize; 3]) -> Vec<f32> {
        let bytes = self.geometry(shape).apply(image);
        let mut out = vec![0.0; bytes.len()];
        self.normalizer(shape[0]).apply(&bytes, &mut out);
        out
    }

    /// The byte-level part of the pipeline (resize + pad) for inputs of shape `input`.
    pub(crate) fn geometry(&self, input: [usize; 3]) -> Geometry {
        Geometry {
            input,
            resizer: self
                .resize
                .filter(|&s| s != input[1] || s != input[2])
                .map(|s| Resizer::new(input, s, s)),
            pad: self.pad,
        }
    }

    /// The byte -> float lookup for `channels` channels.
    ///
    /// Panics if [`Self::validate`] fails.
    pub fn normalizer(&self, channels: usize) -> Normalizer {
        if let Err(e) = self.validate(channels) {
            panic!("invalid pipeline {self:?} for {channels} channels: {e}");
        }
        Normalizer::new(&self.mean, &self.std, channels)
    }

    /// The normalized value of a black (0) pixel per channel: `-mean / std`. Padding added by
    /// the random crop uses it, so that it is black like torchvision's padding before
    /// `Normalize`.
    pub fn normalized_zero(&self, channels: usize) -> Vec<f32> {
        let n = self.normalizer(channels);
        (0..channels).map(|c| n.value(c, 0)).collect()
    }

    /// A batcher for the output of this pipeline on raw inputs of shape `input` (the dataset's
    /// shape, before resize and padding; not [`crate::PreparedDataset::shape`]): for
    /// [`Split::Train`] with `augment` on, random crop + flip seeded with `seed` (padding filled
    /// with black); otherwise plain batching.
    pub fn batcher(&self, input: [usize; 3], split: Split, seed: u64) -> ClassificationBatcher {
        let shape = self.output_shape(input);
        let batcher = ClassificationBatcher::new(shape);
        if self.augment && split == Split::Train {
            batcher
                .with_fill(self.normalized_zero(shape[0]))
                .with_augment_options(
                    seed,
                    self.crop_padding.unwrap_or(CROP_PADDING),
                    self.flip.unwrap_or(true),
                )
        } else {
            batcher
        }
    }
}

/// Resize then zero-pad, on bytes.
#[derive(Clone, Debug)]
pub(crate) struct Geometry {
    input: [usize; 3],
    resizer: Option<Resizer>,
    pad: usize,
}

impl Geometry {
    /// Output shape `[C, H, W]`.
    pub fn output_shape(&self) -> [usize; 3] {
        let [c, h, w] = self
            .resizer
            .as_ref()
            .map_or(self.input, Resizer::output_shape);
        [c, h + 2 * self.pad, w + 2 * self.pad]
    }

    /// Applies it to one image.
    pub fn apply(&self, image: &[u8]) -> Vec<u8> {
        let size: usize = self.input.iter().product();
        assert_eq!(
            image.len(),
            size,
            "image of {} bytes does not have shape {:?}",
            image.len(),
            self.input
        );
        let resized = match &self.resizer {
            Some(r) => r.resize(image),
            None => image.to_vec(),
        };
        if self.pad == 0 {
            return resized;
        }
        let [_, oh, ow] = self.output_shape();
        let (h, w, p) = (oh - 2 * self.pad, ow - 2 * self.pad, self.pad);
        let mut out = vec![0u8; self.input[0] * oh * ow];
        for (src, dst) in resized
            .chunks_exact(h * w)
            .zip(out.chunks_exact_mut(oh * ow))
        {
            for y in 0..h {
                dst[(y + p) * ow + p..(y + p) * ow + p + w]
                    .copy_from_slice(&src[y * w..(y + 1) * w]);
            }
        }
        out
    }
}

/// Per-channel lookup from a byte to its normalized float, `(byte / 255 - mean) / std`,
/// computed in `f32` exactly as `ToTensor()` then `Normalize(mean, std)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Normalizer {
    /// `[channels, 256]`.
    table: Vec<f32>,
}

impl Normalizer {
    /// The table for `channels` channels; `mean` and `std` have one value or one per channel.
    fn new(mean: &[f32], std: &[f32], channels: usize) -> Self {
        let pick = |v: &[f32], c: usize| if v.len() == 1 { v[0] } else { v[c] };
        let table = (0..channels)
            .flat_map(|c| {
                let (m, s) = (pick(mean, c), pick(std, c));
                (0..=255u8).map(move |b| (f32::from(b) / 255.0 - m) / s)
            })
            .collect();
        Self { table }
    }

    /// Number of channels.
    pub fn channels(&self) -> usize {
        self.table.len() / 256
    }

    /// The normalized value of byte `byte` in channel `channel`.
    pub fn value(&self, channel: usize, byte: u8) -> f32 {
        self.table[channel * 256 + usize::from(byte)]
    }

    /// Maps a CHW image of bytes into `out` (same length; the plane size is `len / channels`).
    pub fn apply(&self, image: &[u8], out: &mut [f32]) {
        assert_eq!(image.len(), out.len(), "input and output lengths differ");
        let plane = image.len() / self.channels();
        for ((src, dst), table) in image
            .chunks_exact(plane)
            .zip(out.chunks_exact_mut(plane))
            .zip(self.table.chunks_exact(256))
        {
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = table[usize::from(s)];
            }
        }
    }
}
