//! Weights prepared once for inference: the layouts of a convolution's weights that its
//! kernels read ([`Form`]), computed on a weight tensor's first use in evaluation mode and kept
//! while the tensor lives.
//!
//! A GEMM packs (re-lays) its operands before multiplying. In training the weights change on
//! every step, so the convolutions pack them on every call; in evaluation mode (flex without
//! autodiff) they are the model's parameters, the same tensor on every call, and a batch-1
//! forward pass spent more time re-laying them than multiplying (ResNet-18 on 3x32x32: 30 %
//! of its time in the GEMM's packing). There the kernels ask [`prepared`] for the form they
//! read instead:
//!
//! - [`Form::Panels`]: `weight [Co, C·KH·KW]` in panels of 16 output channels, which
//!   [`crate::panels`] streams through when a product has few columns (batch-1 inference);
//! - [`Form::Winograd`]: the transformed kernel `U [Co, C, 16]` of the Winograd kernels;
//! - [`Form::DenseTransposed`]: `Dᵀ [C·H·W, Co·OH·OW]` of [`crate::dense_conv`], for one input
//!   size (its padding taps left out: 1/9 of the weights on a 1x1 map).
//!
//! **Why an entry can never be stale.** An entry is keyed by the address of the tensor's
//! shared buffer (flex's `Arc<Bytes>`) and holds a reference to that buffer. While it does, the
//! buffer cannot be freed, so the address names no other tensor, nor changed in place: flex
//! writes in place only into a buffer it holds alone, and copies it otherwise (so does our
//! SGD step, which also writes new parameters to a new buffer). An entry whose buffer only
//! the cache still holds (its model was dropped, or trained on into new tensors) is dropped
//! at the next insertion.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::tensor::DType;

use crate::im2col::ConvGeometry;

/// A layout of a convolution's weights (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Form {
    /// Panels of `weight [Co, C·KH·KW]` ([`crate::panels`]).
    Panels,
    /// `U [Co, C, 16]`.
    Winograd,
    /// `Dᵀ [C·H·W, Co·OH·OW]` for this geometry (its batch set to 0).
    DenseTransposed(ConvGeometry),
}

/// Most floats kept (1 GiB); past it the cache starts over.
const MAX_FLOATS: usize = 1 << 28;

/// One prepared form, and the weight buffer it was made from.
struct Entry {
    /// Keeps the buffer alive and read-only while the entry exists.
    source: FlexTensor,
    /// The prepared form.
    values: Arc<[f32]>,
}

/// Every entry, by (buffer address, form).
#[derive(Default)]
struct Cache {
    entries: HashMap<(usize, Form), Entry>,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Mutex::default);

/// The `form` of `weight`, from the cache or made by `prepare` from the weight's elements
/// (row-major) and kept. `None` when `weight` is not a float32 tensor whose elements are its
/// whole buffer in order (a view into a larger buffer is not cached); the caller then works
/// from the weights as they are.
pub(crate) fn prepared(
    weight: &FlexTensor,
    form: Form,
    prepare: impl FnOnce(&[f32]) -> Vec<f32>,
) -> Option<Arc<[f32]>> {
    let len = weight.shape().num_elements();
    let whole_buffer = weight.dtype() == DType::F32
        && weight.layout().contiguous_offsets() == Some((0, len))
        && weight.bytes().len() == len * size_of::<f32>();
    if !whole_buffer {
        return None;
    }
    let key = (weight.bytes().as_ptr() as usize, form);
    if let Some(entry) = lock().entries.get(&key) {
        return Some(Arc::clone(&entry.values));
    }
    // Made outside the lock: another thread may make the same form meanwhile; either is right.
    let values: Arc<[f32]> = prepare(weight.as_slice::<f32>()?).into();
    let mut cache = lock();
    cache.entries.retain(|_, entry| !entry.source.is_unique());
    let kept: usize = cache.entries.values().map(|e| e.values.len()).sum();
    if kept + values.len() > MAX_FLOATS {
        cache.entries.clear();
    }
    cache.entries.insert(
        key,
        Entry {
            source: weight.clone(),
            values: Arc::clone(&values),
        },
    );
    Some(values)
}

/// Forms currently kept (for tests).
pub fn prepared_count() -> usize {
    lock().entries.len()
}

/// The cache, even after a panic elsewhere while it was held (its state is always whole).
fn lock() -> std::sync::MutexGuard<'static, Cache> {
    CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
