//! Two-dimensional cross-correlation (what deep learning calls convolution), from scratch:
//! d2l's `corr2d`, its multi-input-channel and multi-output-channel forms, the 1x1
//! convolution as a matrix product, and a general batched [`conv2d`] with stride, padding and
//! dilation.
//!
//! d2l computes `Y[i, j] = (X[i:i+h, j:j+w] * K).sum()` with a loop over output pixels. The
//! same sum, taken in the other order, is `Y = Σ_{a,b} K[a, b] · X[a:a+oh, b:b+ow]`: one
//! shifted (and, with a stride, sub-sampled) view of `X` per kernel element. With channels,
//! each term becomes a 1x1 convolution — a `[O, C] x [C, oh·ow]` matrix product — so a k x k
//! convolution is k² shifted 1x1 convolutions. That is what [`conv2d`] does, on any backend
//! and with autodiff.

use burn::prelude::*;
use burn::tensor::Slice;

use super::arithmetic::out_dim;

/// Stride, zero padding and dilation of a convolution (PyTorch's meaning; all `[h, w]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvSpec {
    /// Step between windows.
    pub stride: [usize; 2],
    /// Zeros added on each side.
    pub padding: [usize; 2],
    /// Spacing between kernel elements.
    pub dilation: [usize; 2],
}

impl Default for ConvSpec {
    fn default() -> Self {
        Self {
            stride: [1, 1],
            padding: [0, 0],
            dilation: [1, 1],
        }
    }
}

impl ConvSpec {
    /// Same spec with this stride.
    pub fn with_stride(self, stride: [usize; 2]) -> Self {
        Self { stride, ..self }
    }
    /// Same spec with this padding.
    pub fn with_padding(self, padding: [usize; 2]) -> Self {
        Self { padding, ..self }
    }
    /// Same spec with this dilation.
    pub fn with_dilation(self, dilation: [usize; 2]) -> Self {
        Self { dilation, ..self }
    }

    /// Output `[oh, ow]` for an `[h, w]` input and a `[kh, kw]` kernel.
    pub fn out_size(&self, input: [usize; 2], kernel: [usize; 2]) -> [usize; 2] {
        [0, 1].map(|i| {
            out_dim(
                input[i],
                kernel[i],
                self.padding[i],
                self.stride[i],
                self.dilation[i],
            )
        })
    }
}

/// The `[N, C, oh, ow]` view of an already padded `[N, C, H, W]` input that kernel element
/// `(a, b)` multiplies.
pub(crate) fn shifted_view(
    x: Tensor<4>,
    a: usize,
    b: usize,
    out: [usize; 2],
    spec: &ConvSpec,
) -> Tensor<4> {
    let axis = |offset: usize, len: usize, i: usize| {
        let start = offset * spec.dilation[i];
        Slice {
            start: start as isize,
            end: Some((start + (len - 1) * spec.stride[i] + 1) as isize),
            step: spec.stride[i] as isize,
        }
    };
    x.slice([
        Slice::full(),
        Slice::full(),
        axis(a, out[0], 0),
        axis(b, out[1], 1),
    ])
}

/// Zero-pads the two spatial axes of `[N, C, H, W]`.
pub(crate) fn pad_spatial(x: Tensor<4>, padding: [usize; 2], value: f32) -> Tensor<4> {
    if padding == [0, 0] {
        return x;
    }
    let [ph, pw] = padding;
    x.pad(
        [(ph, ph), (pw, pw)],
        burn::tensor::ops::PadMode::Constant(value),
    )
}

/// Batched cross-correlation: `x [N, C, H, W]`, `weight [O, C, kh, kw]`, optional
/// `bias [O]` -> `[N, O, oh, ow]`, the same as `burn::nn::conv::Conv2d` (groups = 1).
///
/// # Panics
/// If the channel counts differ or the kernel does not fit in the padded input.
pub fn conv2d(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    spec: ConvSpec,
) -> Tensor<4> {
    let [n, c, h, w] = x.dims();
    let [o, c_k, kh, kw] = weight.dims();
    assert_eq!(c, c_k, "input has {c} channels, kernel expects {c_k}");
    let out = spec.out_size([h, w], [kh, kw]);
    assert!(
        out[0] > 0 && out[1] > 0,
        "kernel {kh}x{kw} does not fit in {h}x{w} with {spec:?}"
    );
    let x = pad_spatial(x, spec.padding, 0.0);
    let positions = out[0] * out[1];
    let mut acc = Tensor::<3>::zeros([n, o, positions], &x.device());
    for a in 0..kh {
        for b in 0..kw {
            // One 1x1 convolution per kernel element: [N, O, C] x [N, C, oh·ow].
            let view = shifted_view(x.clone(), a, b, out, &spec).reshape([n, c, positions]);
            let k_ab = weight
                .clone()
                .slice([0..o, 0..c, a..a + 1, b..b + 1])
                .reshape([1, o, c])
                .expand([n, o, c]);
            acc = acc + k_ab.matmul(view);
        }
    }
    let y = acc.reshape([n, o, out[0], out[1]]);
    match bias {
        Some(bias) => y + bias.reshape([1, o, 1, 1]),
        None => y,
    }
}

/// d2l's `corr2d`: `x [H, W]` ⋆ `k [kh, kw]` -> `[H − kh + 1, W − kw + 1]`.
pub fn corr2d(x: Tensor<2>, k: Tensor<2>) -> Tensor<2> {
    corr2d_with(x, k, ConvSpec::default())
}

/// [`corr2d`] with stride, padding and dilation: `[H, W]` ⋆ `[kh, kw]` -> `[oh, ow]`.
pub fn corr2d_with(x: Tensor<2>, k: Tensor<2>, spec: ConvSpec) -> Tensor<2> {
    let [h, w] = x.dims();
    let [kh, kw] = k.dims();
    let y = conv2d(
        x.reshape([1, 1, h, w]),
        k.reshape([1, 1, kh, kw]),
        None,
        spec,
    );
    let [_, _, oh, ow] = y.dims();
    y.reshape([oh, ow])
}

/// Multiple input channels: `x [C, H, W]`, `k [C, kh, kw]` -> `[oh, ow]`, the sum over
/// channels of the single-channel correlations (d2l's `corr2d_multi_in`).
pub fn corr2d_multi_in(x: Tensor<3>, k: Tensor<3>) -> Tensor<2> {
    let [c, _, _] = x.dims();
    (0..c)
        .map(|i| {
            corr2d(
                x.clone().slice_dim(0, i..i + 1).squeeze_dim(0),
                k.clone().slice_dim(0, i..i + 1).squeeze_dim(0),
            )
        })
        .reduce(|acc, y| acc + y)
        .expect("at least one channel")
}

/// Multiple input and output channels: `x [C, H, W]`, `k [O, C, kh, kw]` -> `[O, oh, ow]`,
/// one [`corr2d_multi_in`] per output kernel, stacked (d2l's `corr2d_multi_in_out`).
pub fn corr2d_multi_in_out(x: Tensor<3>, k: Tensor<4>) -> Tensor<3> {
    let [o, _, _, _] = k.dims();
    let maps = (0..o)
        .map(|i| corr2d_multi_in(x.clone(), k.clone().slice_dim(0, i..i + 1).squeeze_dim(0)))
        .collect();
    Tensor::stack(maps, 0)
}

/// A 1x1 convolution as a matrix product: `x [C, H, W]`, `k [O, C, 1, 1]` -> `[O, H, W]`
/// = `k[O, C] · x[C, H·W]` (d2l's `corr2d_multi_in_out_1x1`).
pub fn corr2d_multi_in_out_1x1(x: Tensor<3>, k: Tensor<4>) -> Tensor<3> {
    let [c, h, w] = x.dims();
    let [o, c_k, kh, kw] = k.dims();
    assert_eq!((c, kh, kw), (c_k, 1, 1), "expected a [O, {c}, 1, 1] kernel");
    k.reshape([o, c])
        .matmul(x.reshape([c, h * w]))
        .reshape([o, h, w])
}
