//! Max and average pooling from scratch (d2l's `pool2d`), and a batched form with stride and
//! padding that matches burn's `MaxPool2d` / `AvgPool2d` (padding counted in the average, as
//! their default `count_include_pad = true`). Like [`super::conv2d`], a k x k pooling is a
//! reduction over k² shifted views of the input.

use burn::prelude::*;

use super::corr2d::{ConvSpec, pad_spatial, shifted_view};

/// What a pooling window computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolMode {
    /// The largest value of the window.
    Max,
    /// The mean of the window.
    Mean,
}

/// d2l's `pool2d`: `x [H, W]` pooled by `[ph, pw]` windows at stride 1 -> `[H − ph + 1, W − pw + 1]`.
pub fn pool2d(x: Tensor<2>, window: [usize; 2], mode: PoolMode) -> Tensor<2> {
    let [h, w] = x.dims();
    let y = pool2d_nchw(x.reshape([1, 1, h, w]), window, ConvSpec::default(), mode);
    let [_, _, oh, ow] = y.dims();
    y.reshape([oh, ow])
}

/// Batched pooling of `[N, C, H, W]` with `window`, stride, padding and dilation from `spec`
/// -> `[N, C, oh, ow]`. Max-pooling pads with −∞, mean-pooling with zeros that count.
pub fn pool2d_nchw(x: Tensor<4>, window: [usize; 2], spec: ConvSpec, mode: PoolMode) -> Tensor<4> {
    let [_, _, h, w] = x.dims();
    let out = spec.out_size([h, w], window);
    assert!(
        out[0] > 0 && out[1] > 0,
        "window {window:?} does not fit in {h}x{w}"
    );
    let fill = match mode {
        PoolMode::Max => f32::NEG_INFINITY,
        PoolMode::Mean => 0.0,
    };
    let x = pad_spatial(x, spec.padding, fill);
    let views = (0..window[0]).flat_map(|a| (0..window[1]).map(move |b| (a, b)));
    let reduced = views
        .map(|(a, b)| shifted_view(x.clone(), a, b, out, &spec))
        .reduce(|acc, v| match mode {
            PoolMode::Max => acc.max_pair(v),
            PoolMode::Mean => acc + v,
        })
        .expect("window has at least one element");
    match mode {
        PoolMode::Max => reduced,
        PoolMode::Mean => reduced / (window[0] * window[1]) as f32,
    }
}
