//! 3x3 stride-1 convolution with padding 1 (ResNet's and VGG's) by Winograd's minimal filtering
//! F(2x2, 3x3): the forward pass, the input gradient (the same convolution of the output
//! gradient with each kernel turned 180° and the channels swapped) and the weight gradient.
//!
//! im2col multiplies 9 kernel taps per output pixel and channel pair. Winograd's algorithm
//! computes each 2x2 output tile from its 4x4 input window `d` with 16 multiplications instead
//! of 36, `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A`, and summed over the input channels each of the 16
//! positions `ξ` of the transformed tile is one GEMM:
//!
//! - input transform: `V[c, ξ, t] = (Bᵀ d B)[ξ]` for every tile `t` of every image and channel
//! - weight transform (once per call): `U[co, c, ξ] = (G g Gᵀ)[ξ]`
//! - `M[co, ξ, :] = U[ξ] [Co, C] × V[:, ξ, :] [C, tiles]`, one GEMM per `ξ`
//! - output transform: `Y = Aᵀ M A`, the 2x2 outputs of each tile
//!
//! The GEMMs do 2.25x fewer multiply-adds than im2col's. The transforms are additions done on 8
//! images at once (one AVX2 vector, images innermost), and cost per channel while the GEMMs cost
//! per channel pair, hence the size limits in [`suits_winograd`]. Results differ from direct
//! convolution by rounding only. ResNet-18's 64@8x8 layer (batch 128) runs its forward pass in
//! 2.7 ms instead of 3.5 ms, 128@4x4 in 2.1 instead of 3.3 ms.
//!
//! The weight gradient is the transposed algorithm, F(3x3, 2x2): `dW = Gᵀ [Σ (A g Aᵀ) ⊙ (Bᵀ d
//! B)] G` over the 2x2 tiles `g` of the output gradient, the same input transform `V`, and one
//! GEMM per position summing over tiles and images ([`conv2d_weight_grad_winograd`]); 64@8x8
//! forward + backward 10.0 → 8.6 ms, 128@4x4 8.9 → 7.6 ms.

use rayon::prelude::*;

use crate::gemm::gemm;
use crate::im2col::{ConvGeometry, for_each_slice, sum_parts, with_scratch};

/// Tile positions: the 4x4 transformed window.
const POSITIONS: usize = 16;

/// Transformed inputs per chunk of images, in floats (1 MiB): enough tiles for efficient GEMMs.
const WINOGRAD_BUDGET: usize = 1 << 18;

/// Largest map (`H·W` pixels) for Winograd. Forward + backward at batch 128 against im2col:
/// 128@8x8 29 against 38–67 ms, 64@16x16 36–39 against 42 ms, but 64@32x32 198–204 against
/// 193–198 ms.
const WINOGRAD_MAX_PLANE: usize = 256;

/// Fewest input and output channels for Winograd: its transforms cost per channel, its GEMMs
/// per channel pair. 32@8x8: 3.0–3.3 ms either way; 16@28x28: 15 against 11–13 ms.
const WINOGRAD_MIN_CHANNELS: usize = 64;

/// Fewest images for Winograd: its transforms and GEMMs work on whole blocks of [`LANES`]
/// images, so a smaller batch wastes most of them (ResNet-18 at batch 1 took 23–27 ms instead
/// of 3.4–4.1 ms); batch-1 inference stays on im2col.
const WINOGRAD_MIN_BATCH: usize = 2 * LANES;

/// Whether the Winograd kernels suit this convolution: 3x3, stride 1, dilation 1, padding 1 on
/// every side (so the output is the input's size), a map of at most `WINOGRAD_MAX_PLANE`
/// (256) pixels, at least `WINOGRAD_MIN_CHANNELS` (64) channels in and out, and a batch of at
/// least `WINOGRAD_MIN_BATCH` (16) images.
pub fn suits_winograd(g: &ConvGeometry) -> bool {
    let [x_len, w_len, _] = g.lens();
    x_len > 0
        && w_len > 0
        && g.batch >= WINOGRAD_MIN_BATCH
        && g.kernel == [3, 3]
        && g.stride == [1, 1]
        && g.dilation == [1, 1]
        && g.padding_begin == [1, 1]
        && g.out == g.input
        && g.in_plane() <= WINOGRAD_MAX_PLANE
        && g.channels_in.min(g.channels_out) >= WINOGRAD_MIN_CHANNELS
}

/// `G [g0, g1, g2]`: the kernel transform along one dimension.
#[inline(always)]
fn kernel_1d(g: [f32; 3]) -> [f32; 4] {
    [
        g[0],
        (g[0] + g[1] + g[2]) * 0.5,
        (g[0] - g[1] + g[2]) * 0.5,
        g[2],
    ]
}

/// `U [Co, C, 16]` of `weight [Co, C, 3, 3]`; of the input gradient's kernel (`[C, Co, 16]`,
/// each kernel turned 180°) when `for_input_grad`. `U[ξ]` is the `[Co, C]` matrix of stride 16.
fn transform_weights(weight: &[f32], g: &ConvGeometry, for_input_grad: bool) -> Vec<f32> {
    let (co, ci) = (g.channels_out, g.channels_in);
    let cols = if for_input_grad { co } else { ci };
    let mut u = vec![0.0f32; POSITIONS * co * ci];
    for_each_slice(&mut u, cols * POSITIONS, true, |row, u| {
        for (col, u) in u.chunks_exact_mut(POSITIONS).enumerate() {
            let (o, i) = if for_input_grad {
                (col, row)
            } else {
                (row, col)
            };
            let k = &weight[(o * ci + i) * 9..][..9];
            let tap = |kh: usize, kw: usize| {
                if for_input_grad {
                    k[(2 - kh) * 3 + (2 - kw)]
                } else {
                    k[kh * 3 + kw]
                }
            };
            // G g: 4 rows of 3, then each row times Gᵀ.
            let columns: [[f32; 4]; 3] =
                std::array::from_fn(|kw| kernel_1d([tap(0, kw), tap(1, kw), tap(2, kw)]));
            for a in 0..4 {
                let row = kernel_1d([columns[0][a], columns[1][a], columns[2][a]]);
                u[a * 4..][..4].copy_from_slice(&row);
            }
        }
    });
    u
}

/// Images transformed together, one per vector lane (AVX2: 8 floats).
const LANES: usize = 8;

/// One value of `LANES` images.
type Lanes = [f32; LANES];

#[inline(always)]
fn add(a: Lanes, b: Lanes) -> Lanes {
    std::array::from_fn(|i| a[i] + b[i])
}

#[inline(always)]
fn sub(a: Lanes, b: Lanes) -> Lanes {
    std::array::from_fn(|i| a[i] - b[i])
}

/// `Bᵀ [d0, d1, d2, d3]`, the input transform along one dimension, on lanes.
#[inline(always)]
fn input_1d_lanes(d: [Lanes; 4]) -> [Lanes; 4] {
    [
        sub(d[0], d[2]),
        add(d[1], d[2]),
        sub(d[2], d[1]),
        sub(d[1], d[3]),
    ]
}

/// `Aᵀ [m0, m1, m2, m3]`, the output transform along one dimension, on lanes.
#[inline(always)]
fn output_1d_lanes(m: [Lanes; 4]) -> [Lanes; 2] {
    [add(add(m[0], m[1]), m[2]), sub(sub(m[1], m[2]), m[3])]
}

/// Sizes of one [`convolve`] chunk: the map, its tiles, and the images (a multiple of
/// [`LANES`], the last lanes zero when the chunk has fewer images).
#[derive(Clone, Copy)]
struct Tiling {
    /// Output (= input) height and width.
    h: usize,
    w: usize,
    /// Tiles per column and per row.
    tiles_h: usize,
    tiles_w: usize,
    /// Images of the chunk, rounded up to a multiple of [`LANES`].
    images: usize,
}

impl Tiling {
    /// The tiling of an `h x w` map for a chunk of `count` images.
    fn new([h, w]: [usize; 2], count: usize) -> Self {
        Self {
            h,
            w,
            tiles_h: h.div_ceil(2),
            tiles_w: w.div_ceil(2),
            images: count.next_multiple_of(LANES),
        }
    }

    /// Tiles per image.
    fn tiles(&self) -> usize {
        self.tiles_h * self.tiles_w
    }

    /// Columns of each `ξ` matrix: tiles × images, image fastest.
    fn columns(&self) -> usize {
        self.tiles() * self.images
    }

    /// Row length of the zero-padded plane (room for whole tiles).
    fn padded_w(&self) -> usize {
        2 * self.tiles_w + 2
    }
}

crate::multiversion! {
    /// `V [16, columns]` of one channel from `padded [(2·tiles_h + 2)·padded_w]` planes of one
    /// lane block (images `block·LANES..`): column `tile·images + image`.
    fn input_transform(padded: &[Lanes], tiling: Tiling, block: usize, v: &mut [f32]) {
        let (pw, columns) = (tiling.padded_w(), tiling.columns());
        for ti in 0..tiling.tiles_h {
            for tj in 0..tiling.tiles_w {
                let window = |r: usize, col: usize| padded[(2 * ti + r) * pw + 2 * tj + col];
                let cols: [[Lanes; 4]; 4] = std::array::from_fn(|col| {
                    input_1d_lanes(std::array::from_fn(|r| window(r, col)))
                });
                let at = (ti * tiling.tiles_w + tj) * tiling.images + block * LANES;
                for a in 0..4 {
                    let row = input_1d_lanes(std::array::from_fn(|b| cols[b][a]));
                    for (b, lanes) in row.iter().enumerate() {
                        v[(a * 4 + b) * columns + at..][..LANES].copy_from_slice(lanes);
                    }
                }
            }
        }
    }
}

crate::multiversion! {
    /// The outputs `y [h·w, images]` of one output channel from its `M [16, columns]`, for
    /// the images of lane block `block`.
    fn output_transform(m: &[f32], tiling: Tiling, block: usize, y: &mut [f32]) {
        let (w, columns, images) = (tiling.w, tiling.columns(), tiling.images);
        for ti in 0..tiling.tiles_h {
            for tj in 0..tiling.tiles_w {
                let at = (ti * tiling.tiles_w + tj) * images + block * LANES;
                let lanes = |position: usize| -> Lanes {
                    let mut value = [0.0; LANES];
                    value.copy_from_slice(&m[position * columns + at..][..LANES]);
                    value
                };
                let cols: [[Lanes; 2]; 4] = std::array::from_fn(|col| {
                    output_1d_lanes(std::array::from_fn(|r| lanes(r * 4 + col)))
                });
                let rows: [[Lanes; 2]; 2] = std::array::from_fn(|a| {
                    output_1d_lanes(std::array::from_fn(|b| cols[b][a]))
                });
                for (a, row) in rows.iter().enumerate() {
                    let oh = 2 * ti + a;
                    for (b, lanes) in row.iter().enumerate() {
                        let ow = 2 * tj + b;
                        if oh < tiling.h && ow < w {
                            let to = (oh * w + ow) * images + block * LANES;
                            y[to..][..LANES].copy_from_slice(lanes);
                        }
                    }
                }
            }
        }
    }
}

/// How a batch of `n` images is cut: images per group (one group per thread when the batch
/// allows), whether each group's operations are themselves split across the threads (a single
/// group), and images per chunk (whole lane blocks, as many as [`WINOGRAD_BUDGET`] holds for
/// `channels` channels of `tiles` tiles).
fn batch_split(n: usize, channels: usize, tiles: usize) -> (usize, bool, usize) {
    let threads = rayon::current_num_threads();
    let (per_group, parallel) = if threads > 1 && n >= threads {
        (n.div_ceil(threads), false)
    } else {
        (n, true)
    };
    let per_block = channels * POSITIONS * tiles * LANES;
    let chunk = (WINOGRAD_BUDGET / per_block).max(1) * LANES;
    (
        per_group,
        parallel,
        chunk.min(per_group.next_multiple_of(LANES)),
    )
}

/// `V [C, 16, columns]` of images `first..first + count` of `x [N, C, H, W]`: one task per
/// channel, one lane block at a time. Lanes past `count` are zero.
fn transform_inputs(
    x: &[f32],
    [c, h, w]: [usize; 3],
    (first, count): (usize, usize),
    tiling: Tiling,
    v: &mut [f32],
    parallel: bool,
) {
    let (plane, columns, pw) = (h * w, tiling.columns(), tiling.padded_w());
    for_each_slice(v, POSITIONS * columns, parallel, |channel, v| {
        let mut padded = vec![[0.0f32; LANES]; (2 * tiling.tiles_h + 2) * pw];
        for block in 0..tiling.images / LANES {
            for lane in 0..LANES {
                let image = block * LANES + lane;
                let src =
                    (image < count).then(|| &x[((first + image) * c + channel) * plane..][..plane]);
                for row in 0..h {
                    let dst = &mut padded[(row + 1) * pw + 1..][..w];
                    for (col, d) in dst.iter_mut().enumerate() {
                        d[lane] = src.map_or(0.0, |src| src[row * w + col]);
                    }
                }
            }
            input_transform(&padded, tiling, block, v);
        }
    });
}

/// The 3x3 "same" convolution of `x [N, C, H, W]` with the transformed kernel `u [Co, C, 16]`,
/// plus `bias [Co]`: `[N, Co, H, W]`.
fn convolve(
    x: &[f32],
    [n, c, h, w]: [usize; 4],
    u: &[f32],
    co: usize,
    bias: Option<&[f32]>,
) -> Vec<f32> {
    let (plane, tiles_h, tiles_w) = (h * w, h.div_ceil(2), w.div_ceil(2));
    let mut out = vec![0.0f32; n * co * plane];
    if out.is_empty() {
        return out;
    }
    let tiles = tiles_h * tiles_w;
    let (per_group, parallel, chunk) = batch_split(n, c.max(co), tiles);
    let group = |(index, out): (usize, &mut [f32])| {
        let (first_image, images) = (index * per_group, out.len() / (co * plane));
        let longest = chunk * tiles * POSITIONS;
        with_scratch([c.max(co) * longest, co * longest], |v, m| {
            for start in (0..images).step_by(chunk) {
                let count = chunk.min(images - start);
                let tiling = Tiling::new([h, w], count);
                let columns = tiling.columns();
                let v_all = &mut v[..c * POSITIONS * columns];
                let first = first_image + start;
                transform_inputs(x, [c, h, w], (first, count), tiling, v_all, parallel);
                let v_all = &*v_all;
                // M [Co, 16, columns]: M[:, ξ, :] = U[ξ] [Co, C] × V[:, ξ, :].
                let m = &mut m[..co * POSITIONS * columns];
                for position in 0..POSITIONS {
                    gemm(
                        [co, columns, c],
                        (&mut m[position * columns..], POSITIONS * columns, 1),
                        false,
                        (&u[position..], c * POSITIONS, POSITIONS),
                        (&v_all[position * columns..], POSITIONS * columns, 1),
                        parallel,
                    );
                }
                let m = &*m;
                // Y [Co, h·w, images] (in V's buffer), then into [count, Co, h, w].
                let y = &mut v[..co * plane * tiling.images];
                for_each_slice(y, plane * tiling.images, parallel, |channel, y| {
                    let m = &m[channel * POSITIONS * columns..][..POSITIONS * columns];
                    for block in 0..tiling.images / LANES {
                        output_transform(m, tiling, block, y);
                    }
                });
                let y = &*y;
                let out = &mut out[start * co * plane..][..count * co * plane];
                for_each_slice(out, plane, parallel, |index, dst| {
                    let (image, channel) = (index / co, index % co);
                    let shift = bias.map_or(0.0, |bias| bias[channel]);
                    let y = &y[channel * plane * tiling.images..][..plane * tiling.images];
                    for (pixel, value) in dst.iter_mut().enumerate() {
                        *value = y[pixel * tiling.images + image] + shift;
                    }
                });
            }
        });
    };
    out.par_chunks_mut(per_group * co * plane)
        .enumerate()
        .for_each(group);
    out
}

/// Forward convolution: `x [N, C, H, W]`, `weight [Co, C, 3, 3]`, `bias [Co]` →
/// `[N, Co, H, W]`; the same result as [`crate::im2col::conv2d_forward`] up to rounding.
pub fn conv2d_forward_winograd(
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    g: &ConvGeometry,
) -> Vec<f32> {
    let [x_len, w_len, _] = g.lens();
    assert_eq!(
        (x.len(), weight.len()),
        (x_len, w_len),
        "conv2d_forward_winograd: sizes"
    );
    conv2d_forward_winograd_transformed(x, &winograd_weights(weight, g), bias, g)
}

/// `U [Co, C, 16]`, the transformed kernel of `weight [Co, C, 3, 3]` that
/// [`conv2d_forward_winograd_transformed`] reads.
pub fn winograd_weights(weight: &[f32], g: &ConvGeometry) -> Vec<f32> {
    transform_weights(weight, g, false)
}

/// [`conv2d_forward_winograd`] from the transformed kernel `u` ([`winograd_weights`]).
pub fn conv2d_forward_winograd_transformed(
    x: &[f32],
    u: &[f32],
    bias: Option<&[f32]>,
    g: &ConvGeometry,
) -> Vec<f32> {
    assert_eq!(
        (x.len(), u.len()),
        (g.lens()[0], POSITIONS * g.channels_out * g.channels_in),
        "conv2d_forward_winograd_transformed: sizes"
    );
    let [h, w] = g.input;
    convolve(x, [g.batch, g.channels_in, h, w], u, g.channels_out, bias)
}

/// Input gradient: from `grad [N, Co, H, W]` and `weight [Co, C, 3, 3]`, `dx [N, C, H, W]`
/// (the "same" convolution of `grad` with each kernel turned 180°, channels swapped).
pub fn conv2d_input_grad_winograd(grad: &[f32], weight: &[f32], g: &ConvGeometry) -> Vec<f32> {
    let [_, w_len, out_len] = g.lens();
    assert_eq!(
        (grad.len(), weight.len()),
        (out_len, w_len),
        "conv2d_input_grad_winograd: sizes"
    );
    let u = transform_weights(weight, g, true);
    let [h, w] = g.input;
    convolve(
        grad,
        [g.batch, g.channels_out, h, w],
        &u,
        g.channels_in,
        None,
    )
}

/// `Gᵀ [m0, m1, m2, m3]`, the weight gradient's output transform along one dimension.
#[inline(always)]
fn weight_grad_1d(m: [f32; 4]) -> [f32; 3] {
    let half_sum = (m[1] + m[2]) * 0.5;
    [m[0] + half_sum, (m[1] - m[2]) * 0.5, half_sum + m[3]]
}

/// Entry `b` of the output-gradient transform along one dimension, `A [g0, g1] = [g0, g0 + g1,
/// g0 − g1, −g1]`, written to `dst` for every channel of `g0`, `g1` (equal lengths).
#[inline(always)]
fn gradient_entry(b: usize, g0: &[f32], g1: &[f32], dst: &mut [f32]) {
    let pairs = dst.iter_mut().zip(g0.iter().zip(g1));
    match b {
        0 => dst.copy_from_slice(g0),
        1 => pairs.for_each(|(d, (x, y))| *d = x + y),
        2 => pairs.for_each(|(d, (x, y))| *d = x - y),
        _ => pairs.for_each(|(d, (_, y))| *d = -y),
    }
}

crate::multiversion! {
    /// `GT [16, columns, Co]` of lane block `block` from `pixels [count_block, h·w, Co]` (the
    /// block's images, pixel-major): each 2x2 output-gradient tile `g` as `A g Aᵀ`, with
    /// `A = [[1, 0], [1, 1], [1, −1], [0, −1]]`, on all `Co` channels at once.
    fn gradient_transform(pixels: &[f32], tiling: Tiling, block: usize, co: usize, gt: &mut [f32]) {
        let (h, w, columns) = (tiling.h, tiling.w, tiling.columns());
        let images = pixels.len() / (h * w * co).max(1);
        let zeros = vec![0.0f32; co];
        // `A g` down the tile's two columns: `columns_ag[col·4 + a]`, `Co` values each.
        let mut columns_ag = vec![0.0f32; 8 * co];
        for ti in 0..tiling.tiles_h {
            for tj in 0..tiling.tiles_w {
                for lane in 0..LANES {
                    let t = (ti * tiling.tiles_w + tj) * tiling.images + block * LANES + lane;
                    let at = |position: usize| position * columns * co + t * co;
                    if lane >= images {
                        for position in 0..POSITIONS {
                            gt[at(position)..][..co].fill(0.0);
                        }
                        continue;
                    }
                    let image = &pixels[lane * h * w * co..][..h * w * co];
                    let pixel = |r: usize, col: usize| {
                        let (oh, ow) = (2 * ti + r, 2 * tj + col);
                        if oh < h && ow < w {
                            &image[(oh * w + ow) * co..][..co]
                        } else {
                            &zeros[..]
                        }
                    };
                    for (entry, dst) in columns_ag.chunks_exact_mut(co).enumerate() {
                        let (col, a) = (entry / 4, entry % 4);
                        gradient_entry(a, pixel(0, col), pixel(1, col), dst);
                    }
                    // Then `(A g) Aᵀ` along each of the 4 rows.
                    for a in 0..4 {
                        let g0 = &columns_ag[a * co..][..co];
                        let g1 = &columns_ag[(4 + a) * co..][..co];
                        for b in 0..4 {
                            gradient_entry(b, g0, g1, &mut gt[at(a * 4 + b)..][..co]);
                        }
                    }
                }
            }
        }
    }
}

/// Weight gradient: from `x [N, C, H, W]` and `grad [N, Co, H, W]`, `dW [Co, C, 3, 3]` by
/// F(3x3, 2x2), the transpose of the forward's F(2x2, 3x3): `dW = Gᵀ [Σ (A g Aᵀ) ⊙ (Bᵀ d B)] G`
/// over every 2x2 tile `g` of the output gradient and its 4x4 input window `d`. The sum over
/// tiles and images is one GEMM per position `ξ`, `M[ξ] [Co, C] = GT[ξ] × V[:, ξ, :]ᵀ`, with
/// both operands laid out along the sum (column-major) as the GEMM crate reads them fastest.
pub fn conv2d_weight_grad_winograd(x: &[f32], grad: &[f32], g: &ConvGeometry) -> Vec<f32> {
    let [x_len, w_len, out_len] = g.lens();
    assert_eq!(
        (x.len(), grad.len()),
        (x_len, out_len),
        "conv2d_weight_grad_winograd: sizes"
    );
    let (n, c, co, [h, w]) = (g.batch, g.channels_in, g.channels_out, g.input);
    let (plane, tiles_h, tiles_w) = (h * w, h.div_ceil(2), w.div_ceil(2));
    let tiles = tiles_h * tiles_w;
    let (per_group, parallel, chunk) = batch_split(n, c.max(co), tiles);
    let groups = n.div_ceil(per_group);
    // Per group: M [16, C, Co] (each M[ξ] column-major [Co, C]), summed over its images.
    let mut sums = vec![0.0f32; groups * POSITIONS * co * c];
    let group = |(index, m): (usize, &mut [f32])| {
        let first_image = index * per_group;
        let images = per_group.min(n - first_image);
        let longest = chunk * tiles * POSITIONS;
        with_scratch([c * longest, co * longest], |v, gt| {
            let mut pixels = vec![0.0f32; LANES * plane * co];
            for start in (0..images).step_by(chunk) {
                let count = chunk.min(images - start);
                let tiling = Tiling::new([h, w], count);
                let columns = tiling.columns();
                let first = first_image + start;
                let v = &mut v[..c * POSITIONS * columns];
                transform_inputs(x, [c, h, w], (first, count), tiling, v, parallel);
                let gt = &mut gt[..co * POSITIONS * columns];
                for block in 0..tiling.images / LANES {
                    // The block's output gradient, pixel-major [image, pixel, Co].
                    let in_block = count.saturating_sub(block * LANES).min(LANES);
                    for lane in 0..in_block {
                        let image = first + block * LANES + lane;
                        let src = &grad[image * co * plane..][..co * plane];
                        let dst = &mut pixels[lane * plane * co..][..plane * co];
                        for (channel, src) in src.chunks_exact(plane).enumerate() {
                            for (pixel, &value) in src.iter().enumerate() {
                                dst[pixel * co + channel] = value;
                            }
                        }
                    }
                    let pixels = &pixels[..in_block * plane * co];
                    gradient_transform(pixels, tiling, block, co, gt);
                }
                let (v, gt) = (&*v, &*gt);
                for position in 0..POSITIONS {
                    // M[ξ] [Co, C] (+)= GT[ξ] [Co, columns] × V[:, ξ, :]ᵀ [columns, C]
                    gemm(
                        [co, c, columns],
                        (&mut m[position * co * c..][..co * c], 1, co),
                        start > 0,
                        (&gt[position * columns * co..], 1, co),
                        (&v[position * columns..], 1, POSITIONS * columns),
                        parallel,
                    );
                }
            }
        });
    };
    if groups > 1 {
        sums.par_chunks_mut(POSITIONS * co * c)
            .enumerate()
            .for_each(group);
    } else {
        group((0, &mut sums));
    }
    let m = sum_parts(sums, POSITIONS * co * c);
    // dW[co, c] = Gᵀ M G, from the 16 positions of M[:, c, co].
    let mut dw = vec![0.0f32; w_len];
    for_each_slice(&mut dw, 9, true, |pair, dw| {
        let (channel_out, channel_in) = (pair / c, pair % c);
        let at = |position: usize| m[position * co * c + channel_in * co + channel_out];
        let cols: [[f32; 3]; 4] =
            std::array::from_fn(|col| weight_grad_1d(std::array::from_fn(|r| at(r * 4 + col))));
        for kh in 0..3 {
            let row = weight_grad_1d(std::array::from_fn(|col| cols[col][kh]));
            dw[kh * 3..][..3].copy_from_slice(&row);
        }
    });
    dw
}
