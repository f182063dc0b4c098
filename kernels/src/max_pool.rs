//! The models' 2-D max pooling: our kernel on the flex CPU backend, burn's `max_pool2d`
//! everywhere else.
//!
//! burn's flex max pooling goes through a generic 3-D implementation that recomputes the valid
//! window of every output pixel; for LeNet's 2x2 pools it took about a tenth of a training
//! step. This one walks each `[H, W]` plane once per output row, keeps the argmax (within the
//! plane) for the backward pass, and plugs in through burn's backend-extension API for `Flex`
//! and `Autodiff<Flex>`, like [`crate::conv`]. Floor mode, no dilation; anything else
//! goes to burn.

use burn::nn::PaddingConfig2d;
use burn::nn::pool::MaxPool2d;
use burn::prelude::*;
use burn::tensor::module::max_pool2d as burn_max_pool2d;
use burn::tensor::ops::MaxPoolOptions;

/// Max pooling of `x [N, C, H, W]` with a `kernel` window moved by `stride` over the input
/// padded with `-inf` by `padding` on each side: `[N, C, OH, OW]` with
/// `OH = (H + 2·padding − kernel) / stride + 1` (floor), exactly as burn's / PyTorch's
/// `max_pool2d`.
pub fn max_pool2d(
    x: Tensor<4>,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
) -> Tensor<4> {
    #[cfg(feature = "flex")]
    if crate::conv::takes_flex_path(&x) && flex::fits(&x, kernel, stride, padding) {
        return flex::max_pool2d(x, kernel, stride, padding);
    }
    burn_max_pool2d(
        x,
        MaxPoolOptions::new(kernel)
            .with_stride(stride)
            .with_padding(padding),
    )
}

/// [`MaxPool2d::forward`] through [`max_pool2d`]: same options, same result. Dilation, ceil
/// mode, `Same` and asymmetric padding stay with burn.
pub trait MaxPool2dForward {
    /// `x [N, C, H, W]` → `[N, C, OH, OW]`.
    fn forward_with_kernels(&self, x: Tensor<4>) -> Tensor<4>;
}

impl MaxPool2dForward for MaxPool2d {
    fn forward_with_kernels(&self, x: Tensor<4>) -> Tensor<4> {
        let padding = match self.padding {
            PaddingConfig2d::Valid => Some([0, 0]),
            PaddingConfig2d::Explicit(top, left, bottom, right)
                if top == bottom && left == right =>
            {
                Some([top, left])
            }
            _ => None,
        };
        match padding {
            Some(padding) if self.dilation == [1, 1] && !self.ceil_mode => {
                max_pool2d(x, self.kernel_size, self.stride, padding)
            }
            _ => self.forward(x),
        }
    }
}

#[cfg(feature = "flex")]
use crate::im2col::{PARALLEL_MIN_ELEMENTS, for_each_slice};

#[cfg(feature = "flex")]
/// Sizes of one pooling: input planes `[planes = N·C, H, W]`, output `[planes, OH, OW]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeometry {
    /// `N·C`: pooled independently.
    pub planes: usize,
    /// Input height and width.
    pub input: [usize; 2],
    /// Window height and width.
    pub kernel: [usize; 2],
    /// Step between windows.
    pub stride: [usize; 2],
    /// `-inf` padding on each side.
    pub padding: [usize; 2],
    /// Output height and width.
    pub out: [usize; 2],
}

#[cfg(feature = "flex")]
impl PoolGeometry {
    /// `None` when the window does not fit the padded input, a stride is zero, or the padding
    /// is more than half the window (PyTorch's rule).
    pub fn new(
        planes: usize,
        input: [usize; 2],
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
    ) -> Option<Self> {
        let dim = |i: usize| {
            if stride[i] == 0 || kernel[i] == 0 || 2 * padding[i] > kernel[i] {
                return None;
            }
            (input[i] + 2 * padding[i])
                .checked_sub(kernel[i])
                .map(|room| room / stride[i] + 1)
        };
        Some(Self {
            planes,
            input,
            kernel,
            stride,
            padding,
            out: [dim(0)?, dim(1)?],
        })
    }

    /// Input rows (`axis` 0) or columns (1) `begin..end` of output position `out`'s window,
    /// clipped to the input: every window keeps some (padding ≤ kernel / 2).
    fn window(&self, out: usize, axis: usize) -> (usize, usize) {
        let start = (out * self.stride[axis]) as isize - self.padding[axis] as isize;
        let end = (start + self.kernel[axis] as isize).min(self.input[axis] as isize) as usize;
        (start.max(0) as usize, end)
    }

    /// Each output column's window ([`PoolGeometry::window`]), the same on every row.
    fn column_windows(&self) -> Vec<(usize, usize)> {
        (0..self.out[1]).map(|ox| self.window(ox, 1)).collect()
    }
}

#[cfg(feature = "flex")]
/// Forward pass on `x [planes, H, W]`: the maxima `[planes, OH, OW]` and, for each, the index
/// of its input pixel within the plane (`ih·W + iw`; the last NaN wins, as in PyTorch).
pub fn max_pool2d_forward(x: &[f32], g: &PoolGeometry) -> (Vec<f32>, Vec<u32>) {
    let ([h, w], [oh, ow]) = (g.input, g.out);
    let (in_plane, out_plane) = (h * w, oh * ow);
    assert_eq!(x.len(), g.planes * in_plane, "max_pool2d_forward: sizes");
    let mut out = vec![0.0f32; g.planes * out_plane];
    let mut indices = vec![0u32; g.planes * out_plane];
    let pool_plane = |plane: usize, out: &mut [f32], indices: &mut [u32]| {
        pool_plane(&x[plane * in_plane..][..in_plane], g, out, indices);
    };
    if out.len() >= PARALLEL_MIN_ELEMENTS {
        use rayon::prelude::*;
        out.par_chunks_mut(out_plane)
            .zip(indices.par_chunks_mut(out_plane))
            .enumerate()
            .for_each(|(plane, (out, indices))| pool_plane(plane, out, indices));
    } else {
        let planes = out.chunks_mut(out_plane).zip(indices.chunks_mut(out_plane));
        for (plane, (out, indices)) in planes.enumerate() {
            pool_plane(plane, out, indices);
        }
    }
    (out, indices)
}

#[cfg(feature = "flex")]
/// Pools one input plane `src [H, W]` into `out [OH, OW]`, with each maximum's index in
/// `indices`.
fn pool_plane(src: &[f32], g: &PoolGeometry, out: &mut [f32], indices: &mut [u32]) {
    let ([_, w], [_, ow]) = (g.input, g.out);
    let column_windows = g.column_windows();
    let halves = g.kernel == [2, 2] && g.stride == [2, 2] && g.padding == [0, 0];
    let rows = out.chunks_exact_mut(ow).zip(indices.chunks_exact_mut(ow));
    for (oy, (out_row, index_row)) in rows.enumerate() {
        let mut put = |ox: usize, index: usize| {
            out_row[ox] = src[index];
            index_row[ox] = index as u32;
        };
        if halves {
            // 2x2 windows, stride 2 (LeNet's): a tree of three independent picks.
            let (top, bottom) = (2 * oy * w, (2 * oy + 1) * w);
            for ox in 0..ow {
                let upper = pick(src, top + 2 * ox, top + 2 * ox + 1);
                let lower = pick(src, bottom + 2 * ox, bottom + 2 * ox + 1);
                put(ox, pick(src, upper, lower));
            }
            continue;
        }
        let (y0, y1) = g.window(oy, 0);
        for (ox, &(x0, x1)) in column_windows.iter().enumerate() {
            // The best of each window row, then of those: independent chains per row.
            let row_best = |iy: usize| {
                let row = iy * w;
                (row + x0 + 1..row + x1).fold(row + x0, |best, at| pick(src, best, at))
            };
            put(
                ox,
                (y0 + 1..y1).fold(row_best(y0), |best, iy| pick(src, best, row_best(iy))),
            );
        }
    }
}

#[cfg(feature = "flex")]
/// Forward pass without the argmax (evaluation mode: no backward pass will ask for it): the
/// maxima of `x [planes, H, W]`, `[planes, OH, OW]`, equal to [`max_pool2d_forward`]'s.
pub fn max_pool2d_values(x: &[f32], g: &PoolGeometry) -> Vec<f32> {
    let ([h, w], [oh, ow]) = (g.input, g.out);
    let (in_plane, out_plane) = (h * w, oh * ow);
    assert_eq!(x.len(), g.planes * in_plane, "max_pool2d_values: sizes");
    let mut out = vec![0.0f32; g.planes * out_plane];
    if out_plane == 0 {
        return out;
    }
    let halves = g.kernel == [2, 2] && g.stride == [2, 2] && g.padding == [0, 0];
    for_each_slice(&mut out, out_plane, true, |plane, out| {
        let src = &x[plane * in_plane..][..in_plane];
        if halves {
            pool_halves(src, w, out, ow);
        } else {
            pool_plane_values(src, g, out);
        }
    });
    out
}

#[cfg(feature = "flex")]
crate::multiversion! {
    /// 2x2 windows, stride 2, on one plane `src [H, W]` into `out [OH, OW]`: the larger of
    /// each row's pairs, then of the two rows, as [`pool_plane`] picks them.
    fn pool_halves(src: &[f32], w: usize, out: &mut [f32], ow: usize) {
        for (oy, out_row) in out.chunks_exact_mut(ow).enumerate() {
            let top = &src[2 * oy * w..][..2 * ow];
            let bottom = &src[(2 * oy + 1) * w..][..2 * ow];
            for ((out, top), bottom) in out_row
                .iter_mut()
                .zip(top.chunks_exact(2))
                .zip(bottom.chunks_exact(2))
            {
                *out = larger(larger(top[0], top[1]), larger(bottom[0], bottom[1]));
            }
        }
    }
}

#[cfg(feature = "flex")]
/// Any window on one plane `src [H, W]` into `out [OH, OW]`, values only.
fn pool_plane_values(src: &[f32], g: &PoolGeometry, out: &mut [f32]) {
    let ([_, w], [_, ow]) = (g.input, g.out);
    let column_windows = g.column_windows();
    for (oy, out_row) in out.chunks_exact_mut(ow).enumerate() {
        let (y0, y1) = g.window(oy, 0);
        for (out, &(x0, x1)) in out_row.iter_mut().zip(&column_windows) {
            let row_best = |iy: usize| {
                let row = &src[iy * w + x0..iy * w + x1];
                row[1..].iter().fold(row[0], |best, &v| larger(best, v))
            };
            *out = (y0 + 1..y1).fold(row_best(y0), |best, iy| larger(best, row_best(iy)));
        }
    }
}

#[cfg(feature = "flex")]
/// The value [`pick`] picks of `earlier` and `later`: `later` when larger or NaN.
#[inline(always)]
fn larger(earlier: f32, later: f32) -> f32 {
    if (later > earlier) | later.is_nan() {
        later
    } else {
        earlier
    }
}

/// Of two input pixels of `src` (indices, in scan order), the one with the larger value; on a
/// tie the earlier one, and NaN wins (the later NaN), so that NaN propagates as in PyTorch.
///
/// An integer select marked unpredictable (a conditional move): which pixel wins is
/// unpredictable, and a select of the float values themselves became a jump, whatever the
/// hints, which mispredicted on real activations (ResNet-18's stem pool took 11–12 ms on
/// normally distributed values, against 2–3 ms on patterned test data).
#[cfg(feature = "flex")]
#[inline]
fn pick(src: &[f32], earlier: usize, later: usize) -> usize {
    let (e, l) = (src[earlier], src[later]);
    std::hint::select_unpredictable((l > e) | l.is_nan(), later, earlier)
}

#[cfg(feature = "flex")]
/// Backward pass: each output gradient `grad [planes, OH, OW]` added to the input pixel that
/// won its window: `[planes, H, W]`.
pub fn max_pool2d_backward(grad: &[f32], indices: &[u32], g: &PoolGeometry) -> Vec<f32> {
    let (in_plane, out_plane) = (g.input[0] * g.input[1], g.out[0] * g.out[1]);
    assert_eq!(
        grad.len(),
        g.planes * out_plane,
        "max_pool2d_backward: sizes"
    );
    assert_eq!(indices.len(), grad.len(), "max_pool2d_backward: indices");
    let mut dx = vec![0.0f32; g.planes * in_plane];
    for_each_slice(&mut dx, in_plane, true, |plane, dx| {
        // Written before it is added to: a first read of freshly allocated zeros would map the
        // shared zero page and make the first add a copy-on-write fault.
        dx.fill(0.0);
        let range = plane * out_plane..(plane + 1) * out_plane;
        for (&index, &value) in indices[range.clone()].iter().zip(&grad[range]) {
            dx[index as usize] += value;
        }
    });
    dx
}

#[cfg(feature = "flex")]
pub use flex::PoolKernels;

#[cfg(feature = "flex")]
mod flex {
    use super::{PoolGeometry, max_pool2d_backward, max_pool2d_forward, max_pool2d_values};
    use burn::backend::autodiff::Autodiff;
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
    use burn::backend::flex::FlexTensor;
    use burn::backend::{
        Backend, Dispatch, Flex, TensorMetadata, backend_extension, tensor::FloatTensor,
    };
    use burn::prelude::*;
    use std::sync::Arc;

    /// Whether our kernel handles this window on `x` (floor mode, PyTorch's padding rule).
    pub(super) fn fits(
        x: &Tensor<4>,
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
    ) -> bool {
        let [n, c, h, w] = x.dims();
        PoolGeometry::new(n * c, [h, w], kernel, stride, padding).is_some()
    }

    pub(super) fn max_pool2d(
        x: Tensor<4>,
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
    ) -> Tensor<4> {
        let window = [
            kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
        ];
        Tensor::from_dispatch(<Dispatch as PoolKernels>::max_pool2d_flex(
            x.into_dispatch(),
            window,
        ))
    }

    /// Max pooling through our kernel (backend extension, flex and its autodiff).
    #[backend_extension(Flex, Autodiff)]
    pub trait PoolKernels: Backend {
        /// `x [N, C, H, W]` pooled with `window = [kernel h, kernel w, stride h, stride w,
        /// padding h, padding w]` → `[N, C, OH, OW]`.
        fn max_pool2d_flex(x: FloatTensor<Self>, window: [usize; 6]) -> FloatTensor<Self>;
    }

    /// Geometry and contiguous input of a flex max pooling.
    fn prepare(x: &FlexTensor, window: [usize; 6]) -> (PoolGeometry, FlexTensor) {
        let [n, c, h, w] = x.shape().dims::<4>();
        let [kh, kw, sh, sw, ph, pw] = window;
        let g = PoolGeometry::new(n * c, [h, w], [kh, kw], [sh, sw], [ph, pw])
            .expect("max_pool2d_flex: checked by `supported`");
        (g, x.to_contiguous())
    }

    /// Forward on flex: the output tensor and the argmax indices.
    fn forward(x: FlexTensor, window: [usize; 6]) -> (FlexTensor, Vec<u32>, PoolGeometry) {
        let [n, c, _, _] = x.shape().dims::<4>();
        let (g, x) = prepare(&x, window);
        let values = x.as_slice::<f32>().expect("contiguous float32");
        let (out, indices) = max_pool2d_forward(values, &g);
        let out = FlexTensor::from_data(TensorData::new(out, [n, c, g.out[0], g.out[1]]));
        (out, indices, g)
    }

    impl PoolKernels for Flex {
        /// Evaluation mode: the maxima only.
        fn max_pool2d_flex(x: FlexTensor, window: [usize; 6]) -> FlexTensor {
            let [n, c, _, _] = x.shape().dims::<4>();
            let (g, x) = prepare(&x, window);
            let values = x.as_slice::<f32>().expect("contiguous float32");
            let out = max_pool2d_values(values, &g);
            FlexTensor::from_data(TensorData::new(out, [n, c, g.out[0], g.out[1]]))
        }
    }

    /// The autodiff node: keeps the argmax indices of the forward pass.
    #[derive(Debug)]
    struct MaxPoolBackward;

    /// What the backward pass needs from the forward pass.
    #[derive(Clone, Debug)]
    struct MaxPoolState {
        indices: Arc<Vec<u32>>,
        geometry: PoolGeometry,
        shape: [usize; 4],
    }

    impl Backward<Flex, 1> for MaxPoolBackward {
        type State = MaxPoolState;

        fn backward(
            self,
            ops: Ops<Self::State, 1>,
            grads: &mut Gradients,
            _checkpointer: &mut Checkpointer,
        ) {
            let grad: FlexTensor = grads.consume::<Flex>(&ops.node).to_contiguous();
            let [Some(parent)] = &ops.parents else {
                return;
            };
            let state = ops.state;
            let values = grad.as_slice::<f32>().expect("contiguous float32");
            let dx = max_pool2d_backward(values, &state.indices, &state.geometry);
            let dx = FlexTensor::from_data(TensorData::new(dx, state.shape));
            grads.register::<Flex>(parent.id, dx);
        }
    }

    impl<C: CheckpointStrategy> PoolKernels for Autodiff<Flex, C> {
        fn max_pool2d_flex(x: FloatTensor<Self>, window: [usize; 6]) -> FloatTensor<Self> {
            let shape = x.primitive().shape().dims::<4>();
            match MaxPoolBackward
                .prepare::<C>([x.node()])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    let (out, indices, geometry) = forward(x.into_primitive(), window);
                    let state = MaxPoolState {
                        indices: Arc::new(indices),
                        geometry,
                        shape,
                    };
                    prep.finish(state, out)
                }
                OpsKind::UnTracked(prep) => prep.finish(forward(x.into_primitive(), window).0),
            }
        }
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;

    /// The evaluation-mode maxima are the training-mode ones bit for bit, NaN (propagated) and
    /// signed zeros (the earlier of equal values) included, on LeNet's 2x2 windows and others.
    #[test]
    fn values_only_pooling_equals_the_argmax_pooling() {
        let windows = [
            ([6, 28, 28], [2, 2], [2, 2], [0, 0]),
            ([3, 5, 7], [2, 2], [2, 2], [0, 0]),
            ([4, 16, 15], [3, 3], [2, 2], [1, 1]),
            ([2, 7, 9], [2, 3], [1, 2], [1, 0]),
        ];
        for ([planes, h, w], kernel, stride, padding) in windows {
            let g = PoolGeometry::new(planes, [h, w], kernel, stride, padding).unwrap();
            // Few distinct values (many ties), zeros of both signs, and a few NaNs.
            let x: Vec<f32> = (0..planes * h * w)
                .map(|i| match (i * 7919) % 23 {
                    0 => f32::NAN,
                    1 => -0.0,
                    2 => 0.0,
                    r => (r % 5) as f32 - 2.0,
                })
                .collect();
            let (with_indices, _) = max_pool2d_forward(&x, &g);
            let values = max_pool2d_values(&x, &g);
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&values), bits(&with_indices), "{g:?}");
        }
    }
}
