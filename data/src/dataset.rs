//! [`ImageDataset`]: a whole split in memory as raw bytes (one contiguous `u8` buffer of CHW
//! images plus labels), as the file readers produce it, and a burn [`Dataset`] of
//! [`ImageItem`]s.

use std::sync::Arc;

use burn::data::dataset::Dataset;

use crate::error::DataError;

/// One raw image and its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageItem {
    /// `C*H*W` bytes, channel-major (CHW), 0 = black.
    pub image: Vec<u8>,
    /// Class index, `< num_classes`.
    pub label: usize,
}

/// A split of a dataset held in memory: `len` images of shape `[C, H, W]` as bytes, with labels
/// and class names. Cheap to clone (the buffers are shared).
#[derive(Clone, Debug)]
pub struct ImageDataset {
    pixels: Arc<[u8]>,
    labels: Arc<[u8]>,
    shape: [usize; 3],
    class_names: Arc<[String]>,
}

impl ImageDataset {
    /// Wraps `pixels` (`len * C*H*W` bytes, CHW per image) and `labels` (`len`, each
    /// `< class_names.len()`). Errors when the sizes do not agree or a label is out of range.
    pub fn new(
        pixels: Vec<u8>,
        labels: Vec<u8>,
        shape: [usize; 3],
        class_names: Vec<String>,
    ) -> Result<Self, DataError> {
        let size = shape.iter().product::<usize>();
        if size == 0 {
            return Err(DataError::other(format!(
                "image shape {shape:?} has a zero dimension"
            )));
        }
        if pixels.len() != labels.len() * size {
            return Err(DataError::other(format!(
                "{} pixel bytes for {} labels of shape {shape:?}, expected {}",
                pixels.len(),
                labels.len(),
                labels.len() * size
            )));
        }
        if let Some((i, &label)) = labels
            .iter()
            .enumerate()
            .find(|&(_, &l)| usize::from(l) >= class_names.len())
        {
            return Err(DataError::other(format!(
                "label {label} of image {i} is out of range for {} classes",
                class_names.len()
            )));
        }
        Ok(Self {
            pixels: pixels.into(),
            labels: labels.into(),
            shape,
            class_names: class_names.into(),
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Shape of one image, `[C, H, W]`.
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// Bytes per image, `C*H*W`.
    pub fn image_size(&self) -> usize {
        self.shape.iter().product()
    }

    /// The bytes of image `index` (`C*H*W`, CHW). Panics if `index >= len()`.
    pub fn image(&self, index: usize) -> &[u8] {
        let size = self.image_size();
        &self.pixels[index * size..(index + 1) * size]
    }

    /// The label of image `index`. Panics if `index >= len()`.
    pub fn label(&self, index: usize) -> usize {
        usize::from(self.labels[index])
    }

    /// All pixels, `[len, C, H, W]` row-major.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The shared pixel and label buffers (no copy), for datasets built on top of this one.
    pub(crate) fn buffers(&self) -> (Arc<[u8]>, Arc<[u8]>) {
        (self.pixels.clone(), self.labels.clone())
    }

    /// All labels, `[len]`.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Class names, indexed by label.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }

    /// How many images each class has, `[num_classes]`.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes()];
        for &label in self.labels.iter() {
            counts[usize::from(label)] += 1;
        }
        counts
    }

    /// The first `n` images (all of them if `n >= len()`).
    pub fn limit(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self {
            pixels: self.pixels[..n * self.image_size()].into(),
            labels: self.labels[..n].into(),
            shape: self.shape,
            class_names: self.class_names.clone(),
        }
    }
}

impl Dataset<ImageItem> for ImageDataset {
    /// Panics if `index >= len()`, as burn's `Dataset` contract asks.
    fn get(&self, index: usize) -> Result<ImageItem, burn::data::dataset::DatasetError> {
        assert!(
            index < self.len(),
            "index {index} out of range for a dataset of {} images",
            self.len()
        );
        Ok(ImageItem {
            image: self.image(index).to_vec(),
            label: self.label(index),
        })
    }

    fn len(&self) -> usize {
        self.labels.len()
    }
}
