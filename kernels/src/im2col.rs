//! 2-D convolution on plain `f32` slices in NCHW layout, as im2col + one GEMM per chunk of
//! images: the forward pass, and the input, weight and bias gradients of the backward pass.
//!
//! These are the kernels behind [`crate::conv`] on the flex CPU backend. burn's
//! generic backward computes the weight gradient as a convolution whose "kernel" is the whole
//! output map and the input gradient as a transposed convolution; here both are single GEMMs
//! over the unfolded patches, as PyTorch's CPU path does:
//!
//! - forward: `out[Co, n·OH·OW] = W[Co, C·KH·KW] × cols[C·KH·KW, n·OH·OW]`
//! - weight gradient: `dW[Co, C·KH·KW] = G[Co, n·OH·OW] × colsᵀ`
//! - input gradient: `dcols = Wᵀ × G`, folded back onto the input (col2im)
//!
//! A training batch is cut into one group of images per thread; each thread unfolds its
//! images a few at a time (patches that stay in its L2 cache) and runs its own GEMMs, so the
//! threads meet once per convolution instead of once per operation, and the weight and bias
//! gradients are per-group sums added at the end. Small batches (batch-1 inference) instead
//! split each operation across the threads, in chunks of up to [`COLS_BUDGET`] floats.
//! Patches are unfolded tap by tap: on small maps as one masked shifted copy per tap
//! (`FlatTaps`, stride 1 and "same" width) or through a table of input-pixel indices
//! (`TapTable`, strided), elsewhere as runs of whole rows (`TapSpan`).
//! Only `groups == 1` (ungrouped convolution) is handled here; callers fall back to burn for
//! grouped convolutions.

use std::cell::RefCell;

use rayon::prelude::*;

use crate::gemm::{PARALLEL_GEMM_OPS, gemm};
use crate::panels::{PANEL, panel_product};

/// Largest unfolded-patch buffer, in floats (16 MiB), before a batch is split into chunks.
pub const COLS_BUDGET: usize = 1 << 22;

/// Fewest elements worth splitting across threads: below this, handing work to rayon costs
/// more than it saves (a batch-1 LeNet-5 convolution touches a few thousand).
pub(crate) const PARALLEL_MIN_ELEMENTS: usize = 1 << 15;

/// Unfolded patches per chunk (in floats, 512 KiB) when each thread convolves its own group
/// of images: small enough to stay in the thread's L2 cache between the unfolding and the
/// GEMM that reads them.
const CACHE_COLS_BUDGET: usize = 1 << 17;

/// Fewest output channels for which a chunk's output gradient is copied pixel-major, `[L,
/// Co]`, and the weight gradient computed as a column-major `dWᵀ [C·KH·KW, Co]` (then
/// transposed): the GEMM crate then tiles along the channels, 4–6x faster for 8 to 64
/// channels (e.g. 64x576x7168: 2.5 against 15.3 ms). With fewer channels (LeNet-5's first
/// layer has 6) tiling along the patch is faster (0.21 against 0.61 ms for 6x25x50176).
const PIXEL_MAJOR_MIN_CHANNELS: usize = 8;

/// Sizes of one convolution: input `[batch, channels_in, height, width]`, weight
/// `[channels_out, channels_in, kernel[0], kernel[1]]`, output `[batch, channels_out,
/// out[0], out[1]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConvGeometry {
    /// Images in the batch (N).
    pub batch: usize,
    /// Input channels (C).
    pub channels_in: usize,
    /// Input height and width (H, W).
    pub input: [usize; 2],
    /// Output channels (Co).
    pub channels_out: usize,
    /// Kernel height and width (KH, KW).
    pub kernel: [usize; 2],
    /// Stride along height and width.
    pub stride: [usize; 2],
    /// Zero padding before the first row and column (top, left); the padding after them only
    /// shows in [`ConvGeometry::out`].
    pub padding_begin: [usize; 2],
    /// Spacing between kernel taps.
    pub dilation: [usize; 2],
    /// Output height and width (OH, OW).
    pub out: [usize; 2],
}

impl ConvGeometry {
    /// The geometry of `x [N, C, H, W]` convolved with `w [Co, C, KH, KW]`, with padding given
    /// as `(begin, end)` per spatial dimension (burn's `ConvOptions`). `None` when the channel
    /// counts disagree or the kernel does not fit in the padded input.
    pub fn new(
        x: [usize; 4],
        w: [usize; 4],
        stride: [usize; 2],
        padding: [(usize, usize); 2],
        dilation: [usize; 2],
    ) -> Option<Self> {
        let [batch, channels_in, height, width] = x;
        let [channels_out, w_channels, kh, kw] = w;
        if w_channels != channels_in || stride.contains(&0) || dilation.contains(&0) {
            return None;
        }
        let out_dim = |size: usize, (begin, end): (usize, usize), k: usize, s: usize, d: usize| {
            let span = d * (k - 1) + 1;
            (size + begin + end)
                .checked_sub(span)
                .map(|room| room / s + 1)
        };
        let oh = out_dim(height, padding[0], kh, stride[0], dilation[0])?;
        let ow = out_dim(width, padding[1], kw, stride[1], dilation[1])?;
        Some(Self {
            batch,
            channels_in,
            input: [height, width],
            channels_out,
            kernel: [kh, kw],
            stride,
            padding_begin: [padding[0].0, padding[1].0],
            dilation,
            out: [oh, ow],
        })
    }

    /// Length of one unfolded patch, `C·KH·KW` (the GEMM's inner dimension).
    pub fn patch_len(&self) -> usize {
        self.channels_in * self.kernel[0] * self.kernel[1]
    }

    /// Output pixels per image and channel, `OH·OW`.
    pub fn out_plane(&self) -> usize {
        self.out[0] * self.out[1]
    }

    /// Input pixels per image and channel, `H·W`.
    pub fn in_plane(&self) -> usize {
        self.input[0] * self.input[1]
    }

    /// Elements of the input, weight and output tensors.
    pub fn lens(&self) -> [usize; 3] {
        [
            self.batch * self.channels_in * self.in_plane(),
            self.channels_out * self.patch_len(),
            self.batch * self.channels_out * self.out_plane(),
        ]
    }

    /// Images unfolded at once: as many as fit in [`COLS_BUDGET`], at least one.
    fn images_per_chunk(&self) -> usize {
        let per_image = (self.patch_len() * self.out_plane()).max(1);
        (COLS_BUDGET / per_image).clamp(1, self.batch.max(1))
    }

    /// The output columns `[lo, hi)` of a kernel tap whose input column is
    /// `o·stride + offset`, that land inside `0..size`.
    fn valid_range(offset: isize, stride: usize, size: usize, outs: usize) -> (usize, usize) {
        let s = stride as isize;
        let lo = if offset < 0 { (-offset + s - 1) / s } else { 0 };
        let room = size as isize - offset;
        let hi = if room > 0 { (room + s - 1) / s } else { 0 };
        let lo = (lo.max(0) as usize).min(outs);
        (lo, (hi.max(0) as usize).clamp(lo, outs))
    }
}

/// Gradients of one convolution; `None` where it was not asked for.
#[derive(Debug, Default)]
pub struct ConvGrads {
    /// Input gradient `[N, C, H, W]`.
    pub x: Option<Vec<f32>>,
    /// Weight gradient `[Co, C, KH, KW]`.
    pub weight: Option<Vec<f32>>,
    /// Bias gradient `[Co]`.
    pub bias: Option<Vec<f32>>,
}

/// How a convolution's batch is spread over rayon's threads.
#[derive(Clone, Copy, Debug)]
struct Split {
    /// Groups of consecutive images, one per thread, each processed on its own.
    groups: usize,
    /// Images per group (the last one may have fewer).
    per_group: usize,
    /// Images unfolded at once within a group.
    chunk: usize,
    /// Whether each operation (unfolding, GEMM, folding) is itself split across threads:
    /// only when the batch is not (one group).
    parallel_ops: bool,
}

impl Split {
    /// With at least one image per thread and enough work, one group of images per thread,
    /// unfolded a few at a time so that each thread's patches stay in its L2 cache
    /// ([`CACHE_COLS_BUDGET`]); every operation then runs on its thread alone, without
    /// handing work over. Otherwise (batch-1 inference, tiny layers) one group whose
    /// operations are split across the threads, in chunks of up to [`COLS_BUDGET`].
    fn of(g: &ConvGeometry) -> Self {
        let threads = rayon::current_num_threads();
        let per_image = g.patch_len() * g.out_plane();
        let multiply_adds = g.batch * per_image * g.channels_out;
        if threads > 1 && g.batch >= threads && multiply_adds >= PARALLEL_GEMM_OPS {
            let per_group = g.batch.div_ceil(threads);
            Self {
                groups: g.batch.div_ceil(per_group),
                per_group,
                chunk: (CACHE_COLS_BUDGET / per_image).clamp(1, per_group),
                parallel_ops: false,
            }
        } else {
            Self {
                groups: 1,
                per_group: g.batch,
                chunk: g.images_per_chunk(),
                parallel_ops: true,
            }
        }
    }

    /// Runs `body(part, first_image, count)` for each group, in parallel when there are
    /// several, where `part` is the group's entry of `parts` (its own output slices) and
    /// `first_image..first_image + count` its images.
    fn for_each_group<P: Send>(
        &self,
        batch: usize,
        parts: Vec<P>,
        body: impl Fn(P, usize, usize) + Send + Sync,
    ) {
        let run = |(group, part): (usize, P)| {
            let first = group * self.per_group;
            body(part, first, self.per_group.min(batch - first));
        };
        if self.groups > 1 {
            parts.into_par_iter().enumerate().for_each(run);
        } else {
            parts.into_iter().enumerate().for_each(run);
        }
    }

    /// Calls `step(first, count, cols, per_channel)` for each chunk of `count` images from
    /// `first` within images `first_image..first_image + images`, with scratch buffers of
    /// exactly `cols [C·KH·KW, count·OH·OW]` and `per_channel [Co, count·OH·OW]` floats (stale
    /// contents: `step` overwrites them).
    fn for_each_chunk(
        &self,
        g: &ConvGeometry,
        first_image: usize,
        images: usize,
        mut step: impl FnMut(usize, usize, &mut [f32], &mut [f32]),
    ) {
        let (co, plane, patch) = (g.channels_out, g.out_plane(), g.patch_len());
        let chunk = self.chunk;
        with_scratch(
            [patch * chunk * plane, co * chunk * plane],
            |cols, per_channel| {
                for first in (first_image..first_image + images).step_by(chunk) {
                    let count = chunk.min(first_image + images - first);
                    let row_len = count * plane;
                    step(
                        first,
                        count,
                        &mut cols[..patch * row_len],
                        &mut per_channel[..co * row_len],
                    );
                }
            },
        );
    }
}

/// `data` cut into `groups` parts of `per_group` items of `item_len` floats (the last one
/// shorter); `groups` `None`s when there is no `data`.
fn group_parts(
    data: Option<&mut [f32]>,
    groups: usize,
    per_group: usize,
    item_len: usize,
) -> Vec<Option<&mut [f32]>> {
    match data {
        Some(data) if groups > 1 => data.chunks_mut(per_group * item_len).map(Some).collect(),
        Some(data) => vec![Some(data)],
        None => (0..groups).map(|_| None).collect(),
    }
}

/// Forward convolution: `x [N, C, H, W]`, `weight [Co, C, KH, KW]`, `bias [Co]` →
/// `[N, Co, OH, OW]`.
pub fn conv2d_forward(
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    g: &ConvGeometry,
) -> Vec<f32> {
    forward(x, Weights::RowMajor(weight), bias, g)
}

/// [`conv2d_forward`] from the weights laid out in panels ([`crate::panels::panels`] of
/// `weight [Co, C·KH·KW]`), for few output pixels in all (`N·OH·OW`, batch-1 inference):
/// the product runs on [`crate::panels::panel_product`] instead of the GEMM crate.
pub fn conv2d_forward_panels(
    x: &[f32],
    weight_panels: &[f32],
    bias: Option<&[f32]>,
    g: &ConvGeometry,
) -> Vec<f32> {
    forward(x, Weights::Panels(weight_panels), bias, g)
}

/// A forward pass's weights, as the product reads them.
#[derive(Clone, Copy)]
enum Weights<'a> {
    /// `[Co, C·KH·KW]`, row-major: the GEMM crate's left operand.
    RowMajor(&'a [f32]),
    /// Panels of `[Co, C·KH·KW]` ([`crate::panels`]).
    Panels(&'a [f32]),
}

/// The forward pass, from the weights in either layout.
fn forward(x: &[f32], weight: Weights, bias: Option<&[f32]>, g: &ConvGeometry) -> Vec<f32> {
    let [x_len, w_len, out_len] = g.lens();
    let (weight_len, want_len) = match weight {
        Weights::RowMajor(w) => (w.len(), w_len),
        Weights::Panels(w) => (
            w.len(),
            g.channels_out.div_ceil(PANEL) * PANEL * g.patch_len(),
        ),
    };
    assert_eq!(
        (x.len(), weight_len),
        (x_len, want_len),
        "conv2d_forward: sizes"
    );
    let mut out = vec![0.0f32; out_len];
    let split = Split::of(g);
    let per_image = g.channels_out * g.out_plane();
    let parts = group_parts(Some(&mut out), split.groups, split.per_group, per_image);
    split.for_each_group(g.batch, parts, |out_group, first_image, images| {
        let out_group = out_group.expect("forward output");
        split.for_each_chunk(g, first_image, images, |first, count, cols, out_cm| {
            let out_chunk =
                &mut out_group[(first - first_image) * per_image..][..count * per_image];
            forward_chunk(
                (x, weight, bias),
                g,
                (first, count),
                (cols, out_cm),
                out_chunk,
                split.parallel_ops,
            );
        });
    });
    out
}

/// The forward pass of images `first..first + count`, unfolded into `cols`, their output
/// channel-major in `out_cm`, then written to `out [count, Co, OH, OW]` with the bias.
fn forward_chunk(
    (x, weight, bias): (&[f32], Weights, Option<&[f32]>),
    g: &ConvGeometry,
    (first, count): (usize, usize),
    (cols, out_cm): (&mut [f32], &mut [f32]),
    out: &mut [f32],
    parallel: bool,
) {
    let (co, plane, patch) = (g.channels_out, g.out_plane(), g.patch_len());
    let row_len = count * plane;
    // Few output pixels (the panels' case): the unfolding and the copy out are too small to
    // hand to another thread.
    let parallel = parallel && matches!(weight, Weights::RowMajor(_));
    im2col(x, g, first, count, cols, parallel);
    match weight {
        Weights::RowMajor(weight) => gemm(
            [co, row_len, patch],
            (out_cm, row_len, 1),
            false,
            (weight, patch, 1),
            (cols, row_len, 1),
            parallel,
        ),
        Weights::Panels(weight) => {
            let (cols, out_cm) = (&cols[..patch * row_len], &mut out_cm[..co * row_len]);
            panel_product(weight, cols, out_cm, [co, row_len, patch]);
        }
    }
    // [Co, n·OH·OW] → [n, Co, OH·OW], adding the bias.
    for_each_slice(out, plane, parallel, |index, dst| {
        let (image, channel) = (index / co, index % co);
        let src = &out_cm[channel * row_len + image * plane..][..plane];
        let b = bias.map_or(0.0, |b| b[channel]);
        for (d, s) in dst.iter_mut().zip(src) {
            *d = s + b;
        }
    });
}

/// Backward convolution: from the output gradient `grad [N, Co, OH, OW]`, the gradients of
/// `x`, `weight` and the bias, each only where `want = [x, weight, bias]` asks for it.
///
/// With one group of images per thread (`Split`), each group sums its own weight and bias
/// gradients, added up at the end.
pub fn conv2d_backward(
    x: &[f32],
    weight: &[f32],
    grad: &[f32],
    g: &ConvGeometry,
    want: [bool; 3],
) -> ConvGrads {
    let [x_len, w_len, out_len] = g.lens();
    assert_eq!(
        (x.len(), weight.len(), grad.len()),
        (x_len, w_len, out_len),
        "conv2d_backward: sizes"
    );
    let (co, plane, patch) = (g.channels_out, g.out_plane(), g.patch_len());
    let [want_x, want_w, want_b] = want;
    let split = Split::of(g);
    // The layout of each chunk's output gradient, and with it which way round the weight
    // gradient's GEMM runs: see [`PIXEL_MAJOR_MIN_CHANNELS`]. Pixel-major, each group sums
    // dWᵀ [patch, Co] (written column-major by the GEMM), else dW [Co, patch].
    let pixel_major = co >= PIXEL_MAJOR_MIN_CHANNELS;
    let mut dx = want_x.then(|| vec![0.0f32; x_len]);
    let mut dw_sums = want_w.then(|| vec![0.0f32; split.groups * w_len]);
    let mut bias_sums = want_b.then(|| vec![0.0f32; split.groups * co]);
    let per_image_x = g.channels_in * g.in_plane();
    let parts: Vec<_> = group_parts(
        dx.as_deref_mut(),
        split.groups,
        split.per_group,
        per_image_x,
    )
    .into_iter()
    .zip(group_parts(dw_sums.as_deref_mut(), split.groups, 1, w_len))
    .zip(group_parts(bias_sums.as_deref_mut(), split.groups, 1, co))
    .collect();
    split.for_each_group(
        g.batch,
        parts,
        |((mut dx, mut dw), mut db), first_image, images| {
            split.for_each_chunk(g, first_image, images, |first, count, cols, grad_chunk| {
                let row_len = count * plane;
                let grad_images = &grad[first * co * plane..(first + count) * co * plane];
                if let Some(db) = db.as_deref_mut() {
                    for (index, values) in grad_images.chunks_exact(plane).enumerate() {
                        db[index % co] += values.iter().sum::<f32>();
                    }
                }
                if dx.is_none() && dw.is_none() {
                    return;
                }
                // G: [Co, L] or, pixel-major, [L, Co], where L = count·OH·OW; (row, column)
                // strides of G as a [Co, L] matrix.
                let g_strides = if pixel_major {
                    for_each_slice(grad_chunk, co * plane, split.parallel_ops, |image, dst| {
                        let src = &grad_images[image * co * plane..][..co * plane];
                        for (channel, src_plane) in src.chunks_exact(plane).enumerate() {
                            for (pixel, value) in src_plane.iter().enumerate() {
                                dst[pixel * co + channel] = *value;
                            }
                        }
                    });
                    (1, co)
                } else {
                    for_each_slice(grad_chunk, plane, split.parallel_ops, |index, dst| {
                        let (channel, image) = (index / count, index % count);
                        dst.copy_from_slice(
                            &grad_images[(image * co + channel) * plane..][..plane],
                        );
                    });
                    (row_len, 1)
                };
                let grad_chunk = &*grad_chunk;
                if let Some(dw) = dw.as_deref_mut() {
                    im2col(x, g, first, count, cols, split.parallel_ops);
                    // dW[Co, patch] += G[Co, L] × cols[patch, L]ᵀ, into dWᵀ when pixel-major
                    let dst = if pixel_major {
                        (dw, 1, co)
                    } else {
                        (dw, patch, 1)
                    };
                    gemm(
                        [co, patch, row_len],
                        dst,
                        first > first_image,
                        (grad_chunk, g_strides.0, g_strides.1),
                        (cols, 1, row_len),
                        split.parallel_ops,
                    );
                }
                if let Some(dx) = dx.as_deref_mut() {
                    // dcols[patch, L] = W[Co, patch]ᵀ × G[Co, L]
                    gemm(
                        [patch, row_len, co],
                        (cols, row_len, 1),
                        false,
                        (weight, 1, patch),
                        (grad_chunk, g_strides.0, g_strides.1),
                        split.parallel_ops,
                    );
                    let dx_chunk =
                        &mut dx[(first - first_image) * per_image_x..][..count * per_image_x];
                    col2im(cols, g, count, dx_chunk, split.parallel_ops);
                }
            });
        },
    );
    let weight = dw_sums.map(|sums| {
        let total = sum_parts(sums, w_len);
        if !pixel_major {
            return total;
        }
        let mut dw = vec![0.0f32; w_len];
        for (channel, row) in dw.chunks_exact_mut(patch).enumerate() {
            for (tap, value) in row.iter_mut().enumerate() {
                *value = total[tap * co + channel];
            }
        }
        dw
    });
    ConvGrads {
        x: dx,
        weight,
        bias: bias_sums.map(|sums| sum_parts(sums, co)),
    }
}

/// The element-wise sum of the `len`-long parts of `parts` (the first part, added to).
pub(crate) fn sum_parts(mut parts: Vec<f32>, len: usize) -> Vec<f32> {
    if len > 0 {
        let (total, rest) = parts.split_at_mut(len);
        for part in rest.chunks_exact(len) {
            for (t, p) in total.iter_mut().zip(part) {
                *t += p;
            }
        }
    }
    parts.truncate(len);
    parts
}

/// Calls `body(index, chunk)` for each `chunk_len`-long chunk of `data`, on rayon's threads
/// when `parallel` and `data` is large enough to be worth it.
pub(crate) fn for_each_slice<T: Send>(
    data: &mut [T],
    chunk_len: usize,
    parallel: bool,
    body: impl Fn(usize, &mut [T]) + Send + Sync,
) {
    if parallel && data.len() >= PARALLEL_MIN_ELEMENTS {
        data.par_chunks_mut(chunk_len)
            .enumerate()
            .for_each(|(index, chunk)| body(index, chunk));
    } else {
        data.chunks_mut(chunk_len)
            .enumerate()
            .for_each(|(index, chunk)| body(index, chunk));
    }
}

/// Runs `f` on two scratch buffers of the given lengths, kept per thread between calls so
/// that the unfolded patches are neither reallocated nor zeroed on every convolution. Their
/// contents are stale: every caller overwrites what it reads.
pub(crate) fn with_scratch<R>(lens: [usize; 2], f: impl FnOnce(&mut [f32], &mut [f32]) -> R) -> R {
    thread_local! {
        static SCRATCH: RefCell<[Vec<f32>; 2]> = RefCell::default();
    }
    // Taken out of the cell (not borrowed) so that a nested call gets buffers of its own.
    let mut buffers = SCRATCH.with(RefCell::take);
    for (buffer, &len) in buffers.iter_mut().zip(&lens) {
        if buffer.len() < len {
            buffer.resize(len, 0.0);
        }
    }
    let [a, b] = &mut buffers;
    let result = f(&mut a[..lens[0]], &mut b[..lens[1]]);
    SCRATCH.with(|cell| cell.replace(buffers));
    result
}

/// Unfolds images `first..first + count` of `x` into `cols [C·KH·KW, count·OH·OW]`: row
/// `(c, kh, kw)` holds, for every output pixel, the input pixel that kernel tap sees (zero in
/// the padding).
fn im2col(
    x: &[f32],
    g: &ConvGeometry,
    first: usize,
    count: usize,
    cols: &mut [f32],
    parallel: bool,
) {
    let [kh, kw] = g.kernel;
    let (plane, in_plane) = (g.out_plane(), g.in_plane());
    let row_len = count * plane;
    if FlatTaps::suits(g) {
        let (flat, taps) = (FlatTaps::new(g), kh * kw);
        // One task per input channel: its `KH·KW` rows.
        let rows = &mut cols[..g.patch_len() * row_len];
        for_each_slice(rows, taps * row_len, parallel, |c, rows| {
            let mut shifted = vec![0.0f32; flat.buffer_len];
            for image in 0..count {
                let src = &x[((first + image) * g.channels_in + c) * in_plane..][..in_plane];
                shifted[flat.before..][..in_plane].copy_from_slice(src);
                for tap in 0..taps {
                    let dst = &mut rows[tap * row_len + image * plane..][..plane];
                    masked_copy(dst, &shifted[flat.start(tap)..][..plane], flat.mask(tap));
                }
            }
        });
        return;
    }
    if TapTable::suits(g) {
        let (table, taps) = (TapTable::new(g), kh * kw);
        // One task per input channel: its `KH·KW` rows.
        let rows = &mut cols[..g.patch_len() * row_len];
        for_each_slice(rows, taps * row_len, parallel, |c, rows| {
            let mut padded = [0.0f32; TABLE_MAX_IN_PLANE + 1];
            for image in 0..count {
                let src = &x[((first + image) * g.channels_in + c) * in_plane..][..in_plane];
                padded[..in_plane].copy_from_slice(src);
                for tap in 0..taps {
                    let dst = &mut rows[tap * row_len + image * plane..][..plane];
                    gather_by_index(dst, &padded, table.of_tap(tap));
                }
            }
        });
        return;
    }
    let spans = TapSpan::all(g);
    for_each_slice(
        &mut cols[..g.patch_len() * row_len],
        row_len,
        parallel,
        |row, dst| {
            let (c, span) = (row / (kh * kw), spans[row % (kh * kw)]);
            for (image, dst) in dst.chunks_exact_mut(plane).enumerate() {
                let src = &x[((first + image) * g.channels_in + c) * in_plane..][..in_plane];
                span.unfold(g, src, dst);
            }
        },
    );
}

/// Where one kernel tap reads an input plane: output rows `rows.0..rows.1` and columns
/// `cols.0..cols.1` land inside it, output pixel `(oh, ow)` on input pixel
/// `(oh·stride[0] + offset[0], ow·stride[1] + offset[1])`.
#[derive(Clone, Copy, Debug)]
struct TapSpan {
    rows: (usize, usize),
    cols: (usize, usize),
    offset: [isize; 2],
}

impl TapSpan {
    /// The span of kernel tap `(kh, kw)`.
    fn of(g: &ConvGeometry, tap: [usize; 2]) -> Self {
        let offset: [isize; 2] = std::array::from_fn(|dim| {
            (tap[dim] * g.dilation[dim]) as isize - g.padding_begin[dim] as isize
        });
        let range = |dim: usize| {
            ConvGeometry::valid_range(offset[dim], g.stride[dim], g.input[dim], g.out[dim])
        };
        Self {
            rows: range(0),
            cols: range(1),
            offset,
        }
    }

    /// Whether output pixel `(row, col)` lands inside the input through this tap.
    fn covers(&self, row: usize, col: usize) -> bool {
        (self.rows.0..self.rows.1).contains(&row) && (self.cols.0..self.cols.1).contains(&col)
    }

    /// The spans of all `KH·KW` taps, row-major (`kh·KW + kw`).
    fn all(g: &ConvGeometry) -> Vec<Self> {
        let [kh, kw] = g.kernel;
        (0..kh * kw)
            .map(|tap| Self::of(g, [tap / kw, tap % kw]))
            .collect()
    }

    /// Writes this tap's view of the input plane `src [H, W]` into `dst [OH, OW]`, zeros
    /// where it falls in the padding.
    fn unfold(&self, g: &ConvGeometry, src: &[f32], dst: &mut [f32]) {
        let ([_, w], [_, ow], [sh, sw]) = (g.input, g.out, g.stride);
        let ((row_lo, row_hi), (col_lo, col_hi)) = (self.rows, self.cols);
        if row_lo == row_hi || col_lo == col_hi {
            dst.fill(0.0);
            return;
        }
        dst[..row_lo * ow].fill(0.0);
        dst[row_hi * ow..].fill(0.0);
        if Self::is_flat(g) {
            // "Same" convolution, stride 1: the valid rows are the input shifted by a constant,
            // one copy from the first valid pixel to the last; the columns that wrapped
            // around a row edge are then zeroed (one or two per row for a 3x3 kernel).
            let shift = self.offset[0] * w as isize + self.offset[1];
            let (start, end) = (row_lo * ow + col_lo, (row_hi - 1) * ow + col_hi);
            let from = (start as isize + shift) as usize;
            dst[start..end].copy_from_slice(&src[from..from + end - start]);
            self.zero_wrapped_columns(g, dst);
            return;
        }
        let first_col = ((col_lo * sw) as isize + self.offset[1]) as usize;
        for out_row in row_lo..row_hi {
            let ih = ((out_row * sh) as isize + self.offset[0]) as usize;
            let src_row = &src[ih * w + first_col..(ih + 1) * w];
            let dst_row = &mut dst[out_row * ow..][..ow];
            dst_row[..col_lo].fill(0.0);
            dst_row[col_hi..].fill(0.0);
            let dst_row = &mut dst_row[col_lo..col_hi];
            if sw == 1 {
                dst_row.copy_from_slice(&src_row[..dst_row.len()]);
            } else {
                gather(src_row, dst_row, sw);
            }
        }
    }

    /// Whether this geometry's taps read the input as whole shifted runs ([`TapSpan::unfold`]
    /// and [`TapSpan::fold`]): stride 1 and output rows as long as the input's ("same" width).
    fn is_flat(g: &ConvGeometry) -> bool {
        g.stride == [1, 1] && g.out[1] == g.input[1]
    }

    /// Zeroes, in this tap's valid output rows of `plane [OH, OW]`, the columns that fall in
    /// the padding: column by column, down the rows, as strided stores (which the compiler does
    /// not turn into one `memset` call per row, as it does for a loop along a row).
    fn zero_wrapped_columns(&self, g: &ConvGeometry, plane: &mut [f32]) {
        let ow = g.out[1];
        let valid_rows = &mut plane[self.rows.0 * ow..self.rows.1 * ow];
        for col in (0..self.cols.0).chain(self.cols.1..ow) {
            for v in valid_rows[col..].iter_mut().step_by(ow) {
                *v = 0.0;
            }
        }
    }

    /// Adds this tap's output-pixel values `src [OH, OW]` onto the input pixels they came from
    /// in `dst [H, W]` (the adjoint of [`TapSpan::unfold`]). With [`TapSpan::is_flat`], `src`'s
    /// padding columns must be zero ([`TapSpan::zero_wrapped_columns`]): its valid rows are
    /// added as one shifted run.
    fn fold(&self, g: &ConvGeometry, src: &[f32], dst: &mut [f32]) {
        let ([_, w], [_, ow], [sh, sw]) = (g.input, g.out, g.stride);
        let ((row_lo, row_hi), (col_lo, col_hi)) = (self.rows, self.cols);
        if row_lo == row_hi || col_lo == col_hi {
            return;
        }
        if Self::is_flat(g) {
            let shift = self.offset[0] * w as isize + self.offset[1];
            let (start, end) = (row_lo * ow + col_lo, (row_hi - 1) * ow + col_hi);
            let to = (start as isize + shift) as usize;
            add_assign(&mut dst[to..to + end - start], &src[start..end]);
            return;
        }
        let first_col = ((col_lo * sw) as isize + self.offset[1]) as usize;
        for out_row in row_lo..row_hi {
            let ih = ((out_row * sh) as isize + self.offset[0]) as usize;
            let dst_row = &mut dst[ih * w + first_col..(ih + 1) * w];
            let src_row = &src[out_row * ow + col_lo..out_row * ow + col_hi];
            if sw == 1 {
                add_assign(&mut dst_row[..src_row.len()], src_row);
            } else {
                for (k, s) in src_row.iter().enumerate() {
                    dst_row[k * sw] += s;
                }
            }
        }
    }
}

/// Largest output map (`OH·OW` pixels) unfolded and folded by [`FlatTaps`]. Measured
/// (forward + backward, batch 128): 64@8x8 11.3 → 10.8 ms and 128@4x4 11.9 → 10.7 ms, even
/// at 32@14x14 (9.4 ms), slower at 16@28x28 (11.0 → 12.8 ms).
const FLAT_MASK_MAX_PLANE: usize = 64;

/// For small "same" stride-1 convolutions ([`FlatTaps::suits`]): each kernel tap reads the input
/// plane shifted by a constant, `out[p] = in[p + shift]`, except where the tap lands in the
/// padding (rows above or below, or a column that wrapped around a row's edge). The plane is
/// copied into a buffer with room for every shift on both sides, so that each tap is one
/// contiguous masked copy (unfolding) or masked add (folding), without per-row work.
struct FlatTaps {
    /// Per tap, where its view of the output plane starts in the buffer.
    starts: Vec<usize>,
    /// `[KH·KW, OH·OW]`: all ones where the tap lands inside the input, zero in the padding.
    masks: Vec<u32>,
    /// Where the plane sits in the buffer (room for the most negative shift).
    before: usize,
    /// Buffer length: every tap's view fits.
    buffer_len: usize,
    /// `OH·OW`.
    plane: usize,
}

impl FlatTaps {
    /// Whether `g` takes masked taps: [`TapSpan::is_flat`] with at most
    /// [`FLAT_MASK_MAX_PLANE`] output pixels. On larger maps the per-row work is a small share
    /// and [`TapSpan`]'s long runs copy faster.
    fn suits(g: &ConvGeometry) -> bool {
        TapSpan::is_flat(g) && g.out_plane() <= FLAT_MASK_MAX_PLANE
    }

    /// The shifts and masks of `g`'s taps (from [`TapSpan::all`]).
    fn new(g: &ConvGeometry) -> Self {
        let ([_, w], [oh, ow]) = (g.input, g.out);
        let spans = TapSpan::all(g);
        let shifts: Vec<isize> = spans
            .iter()
            .map(|span| span.offset[0] * w as isize + span.offset[1])
            .collect();
        let before = shifts.iter().map(|&s| (-s).max(0)).max().unwrap_or(0) as usize;
        let plane = oh * ow;
        let after = shifts.iter().map(|&s| s.max(0)).max().unwrap_or(0) as usize;
        let mut masks = Vec::with_capacity(spans.len() * plane);
        for span in &spans {
            for row in 0..oh {
                for col in 0..ow {
                    masks.push(if span.covers(row, col) { u32::MAX } else { 0 });
                }
            }
        }
        Self {
            starts: shifts
                .iter()
                .map(|&s| (before as isize + s) as usize)
                .collect(),
            masks,
            before,
            buffer_len: before + g.in_plane().max(plane) + after,
            plane,
        }
    }

    fn start(&self, tap: usize) -> usize {
        self.starts[tap]
    }

    fn mask(&self, tap: usize) -> &[u32] {
        &self.masks[tap * self.plane..][..self.plane]
    }
}

crate::multiversion! {
    /// `dst[k] = src[k]` where `mask[k]` is all ones, `0.0` where it is zero (bitwise, so a
    /// masked-out infinity or NaN leaves no trace). Equal lengths.
    fn masked_copy(dst: &mut [f32], src: &[f32], mask: &[u32]) {
        for ((d, s), m) in dst.iter_mut().zip(src).zip(mask) {
            *d = f32::from_bits(s.to_bits() & m);
        }
    }
}

crate::multiversion! {
    /// `dst[k] += src[k]` where `mask[k]` is all ones; nothing where it is zero. Equal lengths.
    fn masked_add(dst: &mut [f32], src: &[f32], mask: &[u32]) {
        for ((d, s), m) in dst.iter_mut().zip(src).zip(mask) {
            *d += f32::from_bits(s.to_bits() & m);
        }
    }
}

/// Largest output map (`OH·OW` pixels) unfolded and folded through a [`TapTable`].
const TABLE_MAX_PLANE: usize = 64;

/// Largest input map (`H·W` pixels) for a [`TapTable`]: the plane is copied onto the stack.
const TABLE_MAX_IN_PLANE: usize = 256;

/// For small strided maps, where the per-row work of [`TapSpan`] (spans, gathers and copies
/// of a few floats, zeroed columns) costs more than the values it moves: for
/// every kernel tap and output pixel, the input pixel it reads, or `H·W` (a zero slot after
/// the plane) where it reads padding. Unfolding is then one indexed load per value, folding
/// one indexed add, with no zeroing of the unfolded patches.
struct TapTable {
    /// `[KH·KW, OH·OW]` input-pixel indices.
    index: Vec<u32>,
    /// `OH·OW`.
    plane: usize,
}

impl TapTable {
    /// Whether `g` takes a table: small maps that [`TapSpan::is_flat`] does not copy as whole
    /// runs (strided convolutions, such as ResNet-18's downsampling 3x3 and 1x1 layers). With
    /// stride 1 and "same" padding the runs are faster from 8x8 up and on par at 4x4 (ResNet-18
    /// 64@8x8 forward + backward: 11.1 ms by runs, 12.8 ms by table).
    fn suits(g: &ConvGeometry) -> bool {
        !TapSpan::is_flat(g)
            && g.out_plane() <= TABLE_MAX_PLANE
            && g.in_plane() <= TABLE_MAX_IN_PLANE
    }

    /// The table of `g` (one [`TapSpan`] per tap, written out pixel by pixel).
    fn new(g: &ConvGeometry) -> Self {
        let ([_, w], [oh, ow], [sh, sw]) = (g.input, g.out, g.stride);
        let padding = g.in_plane() as u32;
        let mut index = Vec::with_capacity(g.kernel[0] * g.kernel[1] * oh * ow);
        for span in TapSpan::all(g) {
            for row in 0..oh {
                for col in 0..ow {
                    index.push(if span.covers(row, col) {
                        let ih = ((row * sh) as isize + span.offset[0]) as usize;
                        let iw = ((col * sw) as isize + span.offset[1]) as usize;
                        (ih * w + iw) as u32
                    } else {
                        padding
                    });
                }
            }
        }
        Self {
            index,
            plane: oh * ow,
        }
    }

    /// Tap `tap`'s indices, one per output pixel.
    fn of_tap(&self, tap: usize) -> &[u32] {
        &self.index[tap * self.plane..][..self.plane]
    }
}

crate::multiversion! {
    /// `dst[k] = src[index[k]]` for every `k` (equal lengths of `dst` and `index`).
    fn gather_by_index(dst: &mut [f32], src: &[f32], index: &[u32]) {
        for (d, &i) in dst.iter_mut().zip(index) {
            *d = src[i as usize];
        }
    }
}

crate::multiversion! {
    /// `dst[index[k]] += src[k]` for every `k` (equal lengths of `src` and `index`).
    fn scatter_add_by_index(dst: &mut [f32], src: &[f32], index: &[u32]) {
        for (s, &i) in src.iter().zip(index) {
            dst[i as usize] += s;
        }
    }
}

crate::multiversion! {
    /// `dst[k] = src[k·stride]` for every `k` (`src` holds at least `(len − 1)·stride + 1`
    /// values), written so that stride 2 vectorizes. Unit strides are plain copies at the call
    /// site.
    fn gather(src: &[f32], dst: &mut [f32], stride: usize) {
        match stride {
            2 => {
                // Whole pairs first; the last value may lack its partner at the end of `src`.
                let pairs = (src.len() / 2).min(dst.len());
                for (d, pair) in dst[..pairs].iter_mut().zip(src.chunks_exact(2)) {
                    *d = pair[0];
                }
                if pairs < dst.len() {
                    dst[pairs] = src[2 * pairs];
                }
            }
            _ => {
                for (k, d) in dst.iter_mut().enumerate() {
                    *d = src[k * stride];
                }
            }
        }
    }
}

crate::multiversion! {
    /// `dst[k] += src[k]` for every `k` of the equal-length slices.
    fn add_assign(dst: &mut [f32], src: &[f32]) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d += s;
        }
    }
}

/// Folds `cols [C·KH·KW, count·OH·OW]` back onto `dx [count, C, H, W]`, adding up the
/// contributions of overlapping patches (the adjoint of [`im2col`]); `dx`'s old contents are
/// overwritten, and `cols`' padding columns zeroed on the way ([`TapSpan::is_flat`]).
fn col2im(cols: &mut [f32], g: &ConvGeometry, count: usize, dx: &mut [f32], parallel: bool) {
    let [kh, kw] = g.kernel;
    let plane = g.out_plane();
    let row_len = count * plane;
    if FlatTaps::suits(g) {
        let (flat, taps, in_plane) = (FlatTaps::new(g), kh * kw, g.in_plane());
        let cols = &*cols;
        for_each_slice(dx, in_plane, parallel, |index, dst| {
            let (image, c) = (index / g.channels_in, index % g.channels_in);
            let mut shifted = vec![0.0f32; flat.buffer_len];
            for tap in 0..taps {
                let src = &cols[(c * taps + tap) * row_len + image * plane..][..plane];
                let dst = &mut shifted[flat.start(tap)..][..plane];
                masked_add(dst, src, flat.mask(tap));
            }
            dst.copy_from_slice(&shifted[flat.before..][..in_plane]);
        });
        return;
    }
    if TapTable::suits(g) {
        let (table, taps, in_plane) = (TapTable::new(g), kh * kw, g.in_plane());
        let cols = &*cols;
        for_each_slice(dx, in_plane, parallel, |index, dst| {
            let (image, c) = (index / g.channels_in, index % g.channels_in);
            let mut padded = [0.0f32; TABLE_MAX_IN_PLANE + 1];
            for tap in 0..taps {
                let src = &cols[(c * taps + tap) * row_len + image * plane..][..plane];
                scatter_add_by_index(&mut padded, src, table.of_tap(tap));
            }
            dst.copy_from_slice(&padded[..in_plane]);
        });
        return;
    }
    let spans = TapSpan::all(g);
    if TapSpan::is_flat(g) {
        for_each_slice(
            &mut cols[..g.patch_len() * row_len],
            row_len,
            parallel,
            |row, planes| {
                for plane in planes.chunks_exact_mut(plane) {
                    spans[row % (kh * kw)].zero_wrapped_columns(g, plane);
                }
            },
        );
    }
    let cols = &*cols;
    for_each_slice(dx, g.in_plane(), parallel, |index, dst| {
        let (image, c) = (index / g.channels_in, index % g.channels_in);
        // Written before it is added to: a first read of freshly allocated zeros would map the
        // shared zero page and make the first add a copy-on-write fault.
        dst.fill(0.0);
        for (tap, span) in spans.iter().enumerate() {
            let row = c * kh * kw + tap;
            span.fold(g, &cols[row * row_len + image * plane..][..plane], dst);
        }
    });
}
