//! 2-D convolution of feature maps smaller than the kernel, as one dense matrix product per
//! pass: the last two stages of ResNet-18 on 32x32 inputs (3x3 kernels on 2x2 and 1x1 maps).
//!
//! When a map has fewer pixels than the kernel has taps (`H·W < KH·KW`), most of an unfolded
//! patch is zero padding: a 3x3 kernel on a 1x1 map sees one real pixel out of nine. Here the
//! convolution is written out as the linear map it is, a matrix `D [Co·OH·OW, C·H·W]` with
//! `D[(co, oh, ow), (c, ih, iw)] = W[co, c, kh, kw]` wherever tap `(kh, kw)` of output pixel
//! `(oh, ow)` lands on input pixel `(ih, iw)`, and zero elsewhere. NCHW tensors already are
//! the `[N, C·H·W]` and `[N, Co·OH·OW]` matrices it multiplies, so nothing is unfolded:
//!
//! - forward: `out[N, Co·OH·OW] = x[N, C·H·W] × Dᵀ`
//! - input gradient: `dx[N, C·H·W] = G[N, Co·OH·OW] × D`
//! - weight gradient: `dD[Co·OH·OW, C·H·W] = Gᵀ × x`, summed back onto the taps of `W`
//!
//! Each pass is one GEMM whose multiply-adds are `C·H·W` per output value instead of im2col's
//! `C·KH·KW` (9x fewer on a 1x1 map, 2.25x fewer on a 2x2 one), with the whole batch as one of
//! its dimensions. Building `D` costs one pass over its `Co·OH·OW·C·H·W` floats, which a
//! batch of [`DENSE_MIN_BATCH`] or more images pays back.

use crate::gemm::gemm;
use crate::im2col::{ConvGeometry, ConvGrads, for_each_slice, with_scratch};

/// Fewest images for which the dense form is used: below it, building `D` costs more than the
/// zero taps it saves (batch-1 inference stays on im2col).
pub const DENSE_MIN_BATCH: usize = 8;

/// Largest `D`, in floats (32 MiB).
const DENSE_MAX_LEN: usize = 1 << 23;

/// Whether [`conv2d_forward_dense`] and [`conv2d_backward_dense`] suit this convolution: the
/// input map has fewer pixels than the kernel has taps, the batch has at least
/// [`DENSE_MIN_BATCH`] images, and `D` fits in `DENSE_MAX_LEN` floats.
pub fn suits_dense(g: &ConvGeometry) -> bool {
    g.batch >= DENSE_MIN_BATCH && dense_shape(g)
}

/// Whether the dense form suits this convolution's shape, whatever the batch: the input map
/// has fewer pixels than the kernel has taps and `D` fits in `DENSE_MAX_LEN` floats. With `D`
/// built once ([`crate::prepared`]), any batch gains from it.
pub fn dense_shape(g: &ConvGeometry) -> bool {
    let dense_len = (g.channels_out * g.out_plane()).checked_mul(g.channels_in * g.in_plane());
    let [x_len, w_len, _] = g.lens();
    x_len > 0
        && w_len > 0
        && g.in_plane() < g.kernel[0] * g.kernel[1]
        && dense_len.is_some_and(|len| len <= DENSE_MAX_LEN)
}

/// One entry of `D` per input channel: output pixel `out` (`oh·OW + ow`), kernel tap `tap`
/// (`kh·KW + kw`) and the input pixel `input` (`ih·W + iw`) that tap sees.
#[derive(Clone, Copy, Debug)]
struct Link {
    out: usize,
    tap: usize,
    input: usize,
}

/// Every (output pixel, kernel tap) pair of `g` that lands inside the input, row-major.
fn links(g: &ConvGeometry) -> Vec<Link> {
    // (output index, tap, input index) along one dimension.
    let along = |dim: usize| -> Vec<(usize, usize, usize)> {
        let mut found = Vec::new();
        for out in 0..g.out[dim] {
            for tap in 0..g.kernel[dim] {
                let at = (out * g.stride[dim] + tap * g.dilation[dim]) as isize
                    - g.padding_begin[dim] as isize;
                if (0..g.input[dim] as isize).contains(&at) {
                    found.push((out, tap, at as usize));
                }
            }
        }
        found
    };
    let (rows, cols) = (along(0), along(1));
    let mut links = Vec::with_capacity(rows.len() * cols.len());
    for &(oh, kh, ih) in &rows {
        for &(ow, kw, iw) in &cols {
            links.push(Link {
                out: oh * g.out[1] + ow,
                tap: kh * g.kernel[1] + kw,
                input: ih * g.input[1] + iw,
            });
        }
    }
    links
}

/// `D [Co·OH·OW, C·H·W]` of `weight [Co, C, KH, KW]` (see the module documentation), or
/// its transpose `Dᵀ [C·H·W, Co·OH·OW]` when `transposed`: each product reads `D` row-major,
/// the layout in which the GEMM crate is fastest with a row-major destination (2.5x faster
/// than a column-major `D` for 128x1024x1024).
///
/// Built in a per-thread scratch buffer (no fresh pages to fault in on every call), zeroed
/// first only where some (output, input) pixel pair has no tap; `f` gets it.
fn with_dense_matrix<R>(
    weight: &[f32],
    g: &ConvGeometry,
    links: &[Link],
    transposed: bool,
    f: impl FnOnce(&[f32]) -> R,
) -> R {
    let (rows, cols) = (g.channels_out * g.out_plane(), g.channels_in * g.in_plane());
    with_scratch([rows * cols, 0], |dense, _| {
        if links.len() < g.out_plane() * g.in_plane() {
            dense.fill(0.0);
        }
        fill_dense_matrix(weight, g, links, transposed, dense);
        f(dense)
    })
}

/// Writes every tap's weight into `dense` (`D`, or `Dᵀ` when `transposed`).
fn fill_dense_matrix(
    weight: &[f32],
    g: &ConvGeometry,
    links: &[Link],
    transposed: bool,
    dense: &mut [f32],
) {
    let (channels, taps, in_plane) = (g.channels_in, g.kernel[0] * g.kernel[1], g.in_plane());
    let (rows, cols) = (g.channels_out * g.out_plane(), channels * in_plane);
    if transposed {
        // Blocks of input channels, each `[block·H·W, Co·OH·OW]` rows: every output channel's
        // weights for the block are read contiguously, and each row of the block is written
        // left to right as the output channels advance.
        let block = channels.min(16);
        for_each_slice(dense, block * in_plane * rows, true, |index, dense| {
            let first = index * block;
            let count = dense.len() / (in_plane * rows);
            for co in 0..g.channels_out {
                let w = &weight[(co * channels + first) * taps..][..count * taps];
                for (c, w) in w.chunks_exact(taps).enumerate() {
                    let rows_of_c = &mut dense[c * in_plane * rows..][..in_plane * rows];
                    for link in links {
                        rows_of_c[link.input * rows + co * g.out_plane() + link.out] = w[link.tap];
                    }
                }
            }
        });
    } else {
        // One block of output-channel rows `[OH·OW, C·H·W]` per task.
        for_each_slice(dense, g.out_plane() * cols, true, |co, block| {
            let w = &weight[co * channels * taps..][..channels * taps];
            for link in links {
                let row = &mut block[link.out * cols..][..cols];
                for c in 0..channels {
                    row[c * in_plane + link.input] = w[c * taps + link.tap];
                }
            }
        });
    }
}

/// Forward convolution: `x [N, C, H, W]`, `weight [Co, C, KH, KW]`, `bias [Co]` →
/// `[N, Co, OH, OW]`; the same result as [`crate::im2col::conv2d_forward`].
pub fn conv2d_forward_dense(
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    g: &ConvGeometry,
) -> Vec<f32> {
    let [x_len, w_len, _] = g.lens();
    assert_eq!(
        (x.len(), weight.len()),
        (x_len, w_len),
        "conv2d_forward_dense: sizes"
    );
    with_dense_matrix(weight, g, &links(g), true, |dense_t| {
        conv2d_forward_dense_transposed(x, dense_t, bias, g)
    })
}

/// `Dᵀ [C·H·W, Co·OH·OW]` of `weight [Co, C, KH, KW]` in a new buffer (the form that
/// [`conv2d_forward_dense_transposed`] reads).
pub fn dense_matrix_transposed(weight: &[f32], g: &ConvGeometry) -> Vec<f32> {
    let (rows, cols) = (g.channels_out * g.out_plane(), g.channels_in * g.in_plane());
    let mut dense_t = vec![0.0f32; rows * cols];
    fill_dense_matrix(weight, g, &links(g), true, &mut dense_t);
    dense_t
}

/// Fewest images for which the forward product runs with the batch as the GEMM's rows; below
/// it, `D`'s rows are the GEMM's and it reads `Dᵀ` in place, unpacked.
const DENSE_BATCH_ROWS: usize = 16;

/// [`conv2d_forward_dense`] from `dense_t`, the weights' `Dᵀ [C·H·W, Co·OH·OW]`
/// ([`dense_matrix_transposed`]).
pub fn conv2d_forward_dense_transposed(
    x: &[f32],
    dense_t: &[f32],
    bias: Option<&[f32]>,
    g: &ConvGeometry,
) -> Vec<f32> {
    let [x_len, _, out_len] = g.lens();
    let (rows, cols) = (g.channels_out * g.out_plane(), g.channels_in * g.in_plane());
    assert_eq!(
        (x.len(), dense_t.len()),
        (x_len, rows * cols),
        "conv2d_forward_dense_transposed: sizes"
    );
    let mut out = vec![0.0f32; out_len];
    if g.batch >= DENSE_BATCH_ROWS {
        // out[N, rows] = x[N, cols] × Dᵀ
        gemm(
            [g.batch, rows, cols],
            (&mut out, rows, 1),
            false,
            (x, cols, 1),
            (dense_t, rows, 1),
            true,
        );
    } else {
        // outᵀ[rows, N] = D[rows, cols] × xᵀ[cols, N], D read column-major from Dᵀ.
        gemm(
            [rows, g.batch, cols],
            (&mut out, 1, rows),
            false,
            (dense_t, 1, rows),
            (x, 1, cols),
            true,
        );
    }
    if let Some(bias) = bias {
        for_each_slice(&mut out, g.out_plane(), true, |index, plane| {
            let b = bias[index % g.channels_out];
            plane.iter_mut().for_each(|v| *v += b);
        });
    }
    out
}

/// Backward convolution: from the output gradient `grad [N, Co, OH, OW]`, the gradients of
/// `x`, `weight` and the bias, each only where `want = [x, weight, bias]` asks for it; the
/// same result as [`crate::im2col::conv2d_backward`].
pub fn conv2d_backward_dense(
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
        "conv2d_backward_dense: sizes"
    );
    let [want_x, want_w, want_b] = want;
    let (rows, cols) = (g.channels_out * g.out_plane(), g.channels_in * g.in_plane());
    let links = links(g);
    let dx = want_x.then(|| {
        let mut dx = vec![0.0f32; x_len];
        with_dense_matrix(weight, g, &links, false, |dense| {
            // dx[N, cols] = G[N, rows] × D
            gemm(
                [g.batch, cols, rows],
                (&mut dx, cols, 1),
                false,
                (grad, rows, 1),
                (dense, cols, 1),
                true,
            );
        });
        dx
    });
    let weight_grad = want_w.then(|| {
        let (channels, taps, in_plane) = (g.channels_in, g.kernel[0] * g.kernel[1], g.in_plane());
        let mut dw = vec![0.0f32; w_len];
        // dD in a per-thread scratch buffer, like D.
        with_scratch([rows * cols, 0], |dense_grad, _| {
            // dD[rows, cols] = G[N, rows]ᵀ × x[N, cols]
            gemm(
                [rows, cols, g.batch],
                (dense_grad, cols, 1),
                false,
                (grad, 1, rows),
                (x, cols, 1),
                true,
            );
            let dense_grad = &*dense_grad;
            for_each_slice(&mut dw, channels * taps, true, |co, dw| {
                // Written before it is added to: a first read of freshly allocated zeros would
                // map the shared zero page and make the first add a copy-on-write fault.
                dw.fill(0.0);
                let block = &dense_grad[co * g.out_plane() * cols..][..g.out_plane() * cols];
                for link in &links {
                    let row = &block[link.out * cols..][..cols];
                    for c in 0..channels {
                        dw[c * taps + link.tap] += row[c * in_plane + link.input];
                    }
                }
            });
        });
        dw
    });
    let bias = want_b.then(|| {
        let mut db = vec![0.0f32; g.channels_out];
        for (index, plane) in grad.chunks_exact(g.out_plane().max(1)).enumerate() {
            db[index % g.channels_out] += plane.iter().sum::<f32>();
        }
        db
    });
    ConvGrads {
        x: dx,
        weight: weight_grad,
        bias,
    }
}
