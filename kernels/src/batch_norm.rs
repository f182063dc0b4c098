//! The models' batch normalization on the flex CPU backend: our kernels, in training mode with
//! their own backward, in evaluation mode as one affine pass; on every other backend (wgpu,
//! CUDA, ndarray) burn's `BatchNorm::forward`.
//!
//! burn 0.22 runs a training batch norm on flex through its generic composition: the
//! statistics through `swap_dims` + `reshape` (a transposed copy of the activation for the mean
//! and another for the variance), the backward through a dozen broadcast element-wise
//! operations; in a ResNet-18 step that was about a seventh of the time. These kernels read the
//! NCHW planes where they are: one pass over the input for the statistics and one for the
//! output, two in the backward. A ReLU that follows (and a residual block's shortcut before it)
//! is folded into the output pass, its gradient mask into the backward. The result is burn's
//! (tested against it), running statistics included; the kernels plug in through burn's
//! backend-extension API like [`crate::conv`].

use burn::nn::BatchNorm;
use burn::prelude::*;

#[cfg(feature = "flex")]
use crate::im2col::PARALLEL_MIN_ELEMENTS;

/// [`BatchNorm::forward`] through our kernel where it applies: same output, same update of
/// the running statistics.
pub trait BatchNormForward {
    /// `x [N, C, ...]` → `[N, C, ...]`.
    fn forward_with_kernels<const D: usize>(&self, x: Tensor<D>) -> Tensor<D>;

    /// `relu(forward(x))` in one pass (the ReLU folded into the batch norm's output and its
    /// gradient into the batch norm's backward): `x [N, C, ...]` → `[N, C, ...]`.
    fn forward_relu_with_kernels<const D: usize>(&self, x: Tensor<D>) -> Tensor<D>;

    /// `relu(forward(x) + residual)` in one pass (a residual block's end): `x`, `residual`
    /// `[N, C, ...]` → `[N, C, ...]`.
    fn forward_add_relu_with_kernels<const D: usize>(
        &self,
        x: Tensor<D>,
        residual: Tensor<D>,
    ) -> Tensor<D>;
}

impl BatchNormForward for BatchNorm {
    fn forward_with_kernels<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        batch_norm(self, x, None, false)
    }

    fn forward_relu_with_kernels<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        batch_norm(self, x, None, true)
    }

    fn forward_add_relu_with_kernels<const D: usize>(
        &self,
        x: Tensor<D>,
        residual: Tensor<D>,
    ) -> Tensor<D> {
        batch_norm(self, x, Some(residual), true)
    }
}

/// `bn.forward(x)`, plus `residual` when given, then a ReLU when `relu`, through our kernels
/// where they apply.
fn batch_norm<const D: usize>(
    bn: &BatchNorm,
    x: Tensor<D>,
    residual: Option<Tensor<D>>,
    relu: bool,
) -> Tensor<D> {
    #[cfg(feature = "flex")]
    let fits = |x: &Tensor<D>| {
        D >= 2
            && crate::conv::takes_flex_path(x)
            && x.dims()[1] == bn.gamma.dims()[0]
            && residual.as_ref().is_none_or(|r| r.dims() == x.dims())
    };
    #[cfg(feature = "flex")]
    if fits(&x) && x.device().is_autodiff() && bn.training.is_enabled() {
        let (gamma, beta) = (bn.gamma.val(), bn.beta.val());
        let (output, mean, variance) =
            flex::batch_norm_train(x, [gamma, beta], residual, (bn.epsilon, relu));
        // As burn's `BatchNorm::forward_train`: running = (1 − m)·running + m·batch, with the
        // batch's biased variance.
        let device = output.device();
        let blend = |running: Tensor<1>, batch: Tensor<1>| {
            running
                .to_device(&device)
                .mul_scalar(1.0 - bn.momentum)
                .add(batch.detach().mul_scalar(bn.momentum))
                .detach()
        };
        bn.running_mean
            .update(blend(bn.running_mean.value_sync(), mean));
        bn.running_var
            .update(blend(bn.running_var.value_sync(), variance));
        return output;
    }
    #[cfg(feature = "flex")]
    if fits(&x) && !x.device().is_autodiff() && residual.is_none() {
        // Evaluation: x·scale + shift per channel, one pass, from the running statistics.
        let device = x.device();
        let mean = bn.running_mean.value().to_device(&device);
        let variance = bn.running_var.value().to_device(&device);
        let scale = bn.gamma.val() / variance.add_scalar(bn.epsilon).sqrt();
        let shift = bn.beta.val() - mean * scale.clone();
        return flex::batch_norm_affine(x, scale, shift, relu);
    }
    let mut y = bn.forward(x);
    if let Some(residual) = residual {
        y = y + residual;
    }
    if relu {
        burn::tensor::activation::relu(y)
    } else {
        y
    }
}

/// Training-mode batch norm on plain `f32` slices: `x [N, C, plane]` (plane = the product of
/// the trailing dimensions), `gamma`, `beta` `[C]` → the output `[N, C, plane]` (plus
/// `residual [N, C, plane]` when given, then through a ReLU when `relu`), the batch mean `[C]`
/// and the biased batch variance `[C]`.
///
/// The statistics take one pass: the sums of `x − K` and `(x − K)²` with `K` the channel's
/// first value (close enough to the mean that the difference of the two does not cancel).
#[cfg(feature = "flex")]
pub fn batch_norm_train_forward(
    x: &[f32],
    [gamma, beta]: [&[f32]; 2],
    residual: Option<&[f32]>,
    plane: usize,
    (epsilon, relu): (f64, bool),
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let channels = gamma.len();
    let count = (x.len() / channels.max(1)).max(1) as f64;
    let first_values: Vec<f32> = (0..channels)
        .map(|c| x.get(c * plane).copied().unwrap_or(0.0))
        .collect();
    let sums = channel_sums([x, x], [&first_values, &first_values], plane);
    let (mean, variance): (Vec<f32>, Vec<f32>) = sums
        .iter()
        .zip(&first_values)
        .map(|(&[sum, squares], &first)| {
            let shifted_mean = sum / count;
            let variance = (squares / count - shifted_mean * shifted_mean).max(0.0);
            ((first as f64 + shifted_mean) as f32, variance as f32)
        })
        .unzip();
    let (scale, shift) = scale_and_shift([gamma, beta], (&mean, &variance), epsilon);
    let map = if relu { Map::AffineRelu } else { Map::Affine };
    // x·scale + 1·residual + shift, or x·scale + 0·x + shift.
    let (other, other_scale) = match residual {
        Some(residual) => (residual, vec![1.0; channels]),
        None => (x, vec![0.0; channels]),
    };
    let out = per_channel_map(map, [x, other], [&scale, &other_scale, &shift], plane);
    (out, mean, variance)
}

/// Per channel, the `scale = γ / sqrt(σ² + ε)` and `shift = β − μ·scale` with which the batch
/// norm's output is `x·scale + shift`.
#[cfg(feature = "flex")]
fn scale_and_shift(
    [gamma, beta]: [&[f32]; 2],
    (mean, variance): (&[f32], &[f32]),
    epsilon: f64,
) -> (Vec<f32>, Vec<f32>) {
    (0..gamma.len())
        .map(|c| {
            let scale = gamma[c] / (variance[c] as f64 + epsilon).sqrt() as f32;
            (scale, beta[c] - mean[c] * scale)
        })
        .unzip()
}

/// The gradients of [`batch_norm_train_forward`] (without the ReLU: the caller passes the
/// gradient through it first) from the output gradient `grad [N, C, plane]`, given its `mean`
/// and `variance`: `(dx [N, C, plane], dgamma [C], dbeta [C])`.
#[cfg(feature = "flex")]
pub fn batch_norm_train_backward(
    x: &[f32],
    gamma: &[f32],
    (mean, variance): (&[f32], &[f32]),
    grad: &[f32],
    plane: usize,
    epsilon: f64,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let channels = gamma.len();
    let count = (x.len() / channels.max(1)).max(1) as f64;
    // Per channel: Σ grad and Σ grad·(x − mean).
    let zeros = vec![0.0f32; channels];
    let sums = channel_sums([grad, x], [&zeros, mean], plane);
    let inv_std: Vec<f64> = variance
        .iter()
        .map(|&v| 1.0 / (v as f64 + epsilon).sqrt())
        .collect();
    // dx = γ/σ · (g − Σg/M − x̂·Σg·x̂/M) with x̂ = (x − μ)/σ, as k_g·g + k_x·x + k_0.
    let mut coefficients = [
        vec![0.0f32; channels],
        vec![0.0; channels],
        vec![0.0; channels],
    ];
    for c in 0..channels {
        let a = gamma[c] as f64 * inv_std[c];
        let [sum_grad, sum_grad_centered] = sums[c];
        let k_x = -a * inv_std[c] * inv_std[c] * sum_grad_centered / count;
        coefficients[0][c] = a as f32;
        coefficients[1][c] = k_x as f32;
        coefficients[2][c] = (-a * sum_grad / count - k_x * mean[c] as f64) as f32;
    }
    let [k_g, k_x, k_0] = &coefficients;
    let dx = per_channel_map(Map::Affine, [grad, x], [k_g, k_x, k_0], plane);
    let dgamma = (0..channels)
        .map(|c| (sums[c][1] * inv_std[c]) as f32)
        .collect();
    let dbeta = sums.iter().map(|&[sum_grad, _]| sum_grad as f32).collect();
    (dx, dgamma, dbeta)
}

/// For each channel `c` of `a, b [N, C, plane]`: `[Σ (a − shift_a[c]), Σ (a − shift_a[c])·(b −
/// shift_b[c])]`, in `f64` across planes, in parallel over blocks of channels. Planes of one
/// value (1x1 maps) are summed across channels, which vectorizes.
#[cfg(feature = "flex")]
fn channel_sums(
    [a, b]: [&[f32]; 2],
    [shift_a, shift_b]: [&[f32]; 2],
    plane: usize,
) -> Vec<[f64; 2]> {
    let channels = shift_a.len();
    let mut sums = vec![[0.0f64; 2]; channels];
    if channels == 0 || plane == 0 {
        return sums;
    }
    let image_len = channels * plane;
    let block = channels.div_ceil(16);
    let sum_block = |first: usize, sums: &mut [[f64; 2]]| {
        let channel_range = first..first + sums.len();
        let (shift_a, shift_b) = (
            &shift_a[channel_range.clone()],
            &shift_b[channel_range.clone()],
        );
        let values = channel_range.start * plane..channel_range.end * plane;
        for (a, b) in a.chunks_exact(image_len).zip(b.chunks_exact(image_len)) {
            let (a, b) = (&a[values.clone()], &b[values.clone()]);
            image_sums(sums, [a, b], [shift_a, shift_b], plane);
        }
    };
    if a.len() >= PARALLEL_MIN_ELEMENTS {
        use rayon::prelude::*;
        sums.par_chunks_mut(block)
            .enumerate()
            .for_each(|(index, sums)| sum_block(index * block, sums));
    } else {
        sum_block(0, &mut sums);
    }
    sums
}

/// Lanes of [`plane_sums`]' partial sums (one AVX-256 register; ResNet's 4x4 maps fill two).
#[cfg(feature = "flex")]
const LANES: usize = 8;

#[cfg(feature = "flex")]
/// `[Σ (a − sa), Σ (a − sa)·(b − sb)]` over one plane, in [`LANES`] independent partial
/// sums over fixed-size chunks, the tail in a plain loop; inlined into [`image_sums`]. The two
/// sums are separate loops: fused, the compiler pairs each lane's two sums instead of
/// vectorizing across lanes.
#[inline(always)]
fn plane_sums(a: &[f32], b: &[f32], sa: f32, sb: f32) -> [f32; 2] {
    let (chunks_a, tail_a) = a.as_chunks::<LANES>();
    let (chunks_b, tail_b) = b.as_chunks::<LANES>();
    let mut sums = [0.0f32; LANES];
    for chunk_a in chunks_a {
        for lane in 0..LANES {
            sums[lane] += chunk_a[lane] - sa;
        }
    }
    let mut products = [0.0f32; LANES];
    for (chunk_a, chunk_b) in chunks_a.iter().zip(chunks_b) {
        for lane in 0..LANES {
            products[lane] += (chunk_a[lane] - sa) * (chunk_b[lane] - sb);
        }
    }
    let mut total = [sums.iter().sum::<f32>(), products.iter().sum::<f32>()];
    for (a, b) in tail_a.iter().zip(tail_b) {
        total[0] += a - sa;
        total[1] += (a - sa) * (b - sb);
    }
    total
}

/// What [`per_channel_map`] computes from `a`, `b` and per-channel coefficients `k_a`, `k_b`,
/// `k_0`.
#[cfg(feature = "flex")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Map {
    /// `k_a·a + k_b·b + k_0`.
    Affine,
    /// `max(k_a·a + k_b·b + k_0, 0)` (NaN stays NaN, as in burn's ReLU).
    AffineRelu,
}

/// `map` of every value of `a, b [N, C, plane]` with the coefficients of its channel, on
/// rayon's threads one image at a time.
#[cfg(feature = "flex")]
fn per_channel_map(
    map: Map,
    [a, b]: [&[f32]; 2],
    [k_a, k_b, k_0]: [&[f32]; 3],
    plane: usize,
) -> Vec<f32> {
    let channels = k_a.len();
    let mut out = vec![0.0f32; a.len()];
    let image_len = (channels * plane).max(1);
    crate::im2col::for_each_slice(&mut out, image_len, true, |image, out| {
        let at = image * image_len;
        let (a, b) = (&a[at..][..out.len()], &b[at..][..out.len()]);
        map_image(map, out, [a, b], [k_a, k_b, k_0], plane);
    });
    out
}

#[cfg(feature = "flex")]
crate::multiversion! {
    /// [`per_channel_map`] over one image's values `[C, plane]`.
    fn map_image(map: Map, out: &mut [f32], values: [&[f32]; 2], k: [&[f32]; 3], plane: usize) {
        let ([a, b], [k_a, k_b, k_0]) = (values, k);
        let value = |a: f32, b: f32, k_a: f32, k_b: f32, k_0: f32| match map {
            Map::Affine => k_a * a + k_b * b + k_0,
            Map::AffineRelu => {
                let y = k_a * a + k_b * b + k_0;
                if y < 0.0 { 0.0 } else { y }
            }
        };
        if plane == 1 {
            let coefficients = k_a.iter().zip(k_b).zip(k_0);
            let values = out.iter_mut().zip(a.iter().zip(b));
            for ((o, (&a, &b)), ((&k_a, &k_b), &k_0)) in values.zip(coefficients) {
                *o = value(a, b, k_a, k_b, k_0);
            }
            return;
        }
        let inputs = a.chunks_exact(plane).zip(b.chunks_exact(plane));
        for (c, (out, (a, b))) in out.chunks_exact_mut(plane).zip(inputs).enumerate() {
            let (k_a, k_b, k_0) = (k_a[c], k_b[c], k_0[c]);
            for (o, (&a, &b)) in out.iter_mut().zip(a.iter().zip(b)) {
                *o = value(a, b, k_a, k_b, k_0);
            }
        }
    }
}

#[cfg(feature = "flex")]
crate::multiversion! {
    /// [`channel_sums`] of one image's block of channels `a, b [C', plane]`: `sums[c] += [Σ
    /// (a − sa[c]), Σ (a − sa[c])·(b − sb[c])]`. Planes of one value (1x1 maps) are summed across
    /// the channels, which vectorizes.
    fn image_sums(sums: &mut [[f64; 2]], values: [&[f32]; 2], shifts: [&[f32]; 2], plane: usize) {
        let ([a, b], [sa, sb]) = (values, shifts);
        if plane == 1 {
            let terms = a.iter().zip(b).zip(sa.iter().zip(sb));
            for (s, ((a, b), (sa, sb))) in sums.iter_mut().zip(terms) {
                let d = (a - sa) as f64;
                s[0] += d;
                s[1] += d * (b - sb) as f64;
            }
            return;
        }
        let planes = a.chunks_exact(plane).zip(b.chunks_exact(plane));
        for (k, (a, b)) in planes.enumerate() {
            let [first, second] = plane_sums(a, b, sa[k], sb[k]);
            sums[k][0] += first as f64;
            sums[k][1] += second as f64;
        }
    }
}

#[cfg(feature = "flex")]
mod flex {
    use super::{Map, batch_norm_train_backward, batch_norm_train_forward, per_channel_map};
    use crate::conv::flex::{slice, tensor, values};
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
    use burn::backend::autodiff::{Autodiff, NodeId};
    use burn::backend::flex::FlexTensor;
    use burn::backend::{
        AutodiffBackend, Backend, Dispatch, Flex, TensorMetadata, backend_extension,
        tensor::FloatTensor,
    };
    use burn::prelude::*;

    /// `x [N, C, ...]` through [`BatchNormKernels`]: the output (plus `residual` when given,
    /// then through a ReLU when `relu`; a residual always comes with the ReLU), the batch mean
    /// and the biased batch variance (the last two detached).
    pub(super) fn batch_norm_train<const D: usize>(
        x: Tensor<D>,
        [gamma, beta]: [Tensor<1>; 2],
        residual: Option<Tensor<D>>,
        (epsilon, relu): (f64, bool),
    ) -> (Tensor<D>, Tensor<1>, Tensor<1>) {
        let (x, gamma, beta) = (
            x.into_dispatch(),
            gamma.into_dispatch(),
            beta.into_dispatch(),
        );
        let (output, mean, variance) = match residual {
            Some(residual) => <Dispatch as BatchNormKernels>::batch_norm_add_relu_train_fast(
                x,
                gamma,
                beta,
                residual.into_dispatch(),
                epsilon,
            ),
            None => {
                <Dispatch as BatchNormKernels>::batch_norm_train_fast(x, gamma, beta, epsilon, relu)
            }
        };
        (
            Tensor::from_dispatch(output),
            Tensor::from_dispatch(mean),
            Tensor::from_dispatch(variance),
        )
    }

    /// `x [N, C, ...]·scale[c] + shift[c]` (through a ReLU when `relu`) through
    /// [`AffineKernels::per_channel_affine_fast`].
    pub(super) fn batch_norm_affine<const D: usize>(
        x: Tensor<D>,
        scale: Tensor<1>,
        shift: Tensor<1>,
        relu: bool,
    ) -> Tensor<D> {
        Tensor::from_dispatch(<Dispatch as AffineKernels>::per_channel_affine_fast(
            x.into_dispatch(),
            scale.into_dispatch(),
            shift.into_dispatch(),
            relu,
        ))
    }

    /// Evaluation-mode batch norm as one per-channel affine map (flex only: never recorded
    /// for autodiff).
    #[backend_extension(Flex)]
    pub trait AffineKernels: Backend {
        /// `x [N, C, ...]`, `scale`, `shift` `[C]` → `x·scale[c] + shift[c]`, through a ReLU
        /// when `relu`.
        fn per_channel_affine_fast(
            x: FloatTensor<Self>,
            scale: FloatTensor<Self>,
            shift: FloatTensor<Self>,
            relu: bool,
        ) -> FloatTensor<Self>;
    }

    impl AffineKernels for Flex {
        fn per_channel_affine_fast(
            x: FlexTensor,
            scale: FlexTensor,
            shift: FlexTensor,
            relu: bool,
        ) -> FlexTensor {
            let shape = x.shape();
            let [x, scale, shift] = [&x, &scale, &shift].map(values);
            let zeros = vec![0.0f32; scale.shape().num_elements()];
            let map = if relu { Map::AffineRelu } else { Map::Affine };
            let out = per_channel_map(
                map,
                [slice(&x), slice(&x)],
                [slice(&scale), &zeros, slice(&shift)],
                plane(&x),
            );
            tensor(out, shape)
        }
    }

    /// Training-mode batch norm through our kernels (backend extension, flex and its autodiff).
    #[backend_extension(Flex, Autodiff)]
    pub trait BatchNormKernels: Backend {
        /// `x [N, C, ...]`, `gamma`, `beta` `[C]` → (output `[N, C, ...]`, through a ReLU when
        /// `relu`; mean `[C]`; biased variance `[C]`).
        fn batch_norm_train_fast(
            x: FloatTensor<Self>,
            gamma: FloatTensor<Self>,
            beta: FloatTensor<Self>,
            epsilon: f64,
            relu: bool,
        ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);

        /// `relu(bn(x) + residual)` for `x`, `residual [N, C, ...]`, `gamma`, `beta` `[C]` →
        /// (output `[N, C, ...]`, mean `[C]`, biased variance `[C]`).
        fn batch_norm_add_relu_train_fast(
            x: FloatTensor<Self>,
            gamma: FloatTensor<Self>,
            beta: FloatTensor<Self>,
            residual: FloatTensor<Self>,
            epsilon: f64,
        ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
    }

    /// The gradients of [`BatchNormKernels`]' batch norm (before any ReLU); called from its
    /// autodiff node only.
    pub trait BatchNormKernelsBackward: Backend {
        /// From the gradient of the batch norm's output: `[dx, dgamma, dbeta]`.
        fn batch_norm_train_fast_backward(
            x: FloatTensor<Self>,
            gamma: FloatTensor<Self>,
            stats: (FloatTensor<Self>, FloatTensor<Self>),
            grad: FloatTensor<Self>,
            epsilon: f64,
        ) -> [FloatTensor<Self>; 3];
    }

    /// Elements per (image, channel) plane of `x [N, C, ...]`.
    fn plane(x: &FlexTensor) -> usize {
        x.shape().iter().skip(2).product()
    }

    /// The flex forward pass: output, mean, variance.
    fn forward(
        x: FlexTensor,
        [gamma, beta]: [FlexTensor; 2],
        residual: Option<FlexTensor>,
        options: (f64, bool),
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let shape = x.shape();
        let [x, gamma, beta] = [&x, &gamma, &beta].map(values);
        let residual = residual.as_ref().map(values);
        let channels = gamma.shape().num_elements();
        let (out, mean, variance) = batch_norm_train_forward(
            slice(&x),
            [slice(&gamma), slice(&beta)],
            residual.as_ref().map(slice),
            plane(&x),
            options,
        );
        (
            tensor(out, shape),
            tensor(mean, [channels]),
            tensor(variance, [channels]),
        )
    }

    impl BatchNormKernels for Flex {
        fn batch_norm_train_fast(
            x: FlexTensor,
            gamma: FlexTensor,
            beta: FlexTensor,
            epsilon: f64,
            relu: bool,
        ) -> (FlexTensor, FlexTensor, FlexTensor) {
            forward(x, [gamma, beta], None, (epsilon, relu))
        }

        fn batch_norm_add_relu_train_fast(
            x: FlexTensor,
            gamma: FlexTensor,
            beta: FlexTensor,
            residual: FlexTensor,
            epsilon: f64,
        ) -> (FlexTensor, FlexTensor, FlexTensor) {
            forward(x, [gamma, beta], Some(residual), (epsilon, true))
        }
    }

    impl BatchNormKernelsBackward for Flex {
        fn batch_norm_train_fast_backward(
            x: FlexTensor,
            gamma: FlexTensor,
            (mean, variance): (FlexTensor, FlexTensor),
            grad: FlexTensor,
            epsilon: f64,
        ) -> [FlexTensor; 3] {
            let shape = x.shape();
            let channels = gamma.shape().num_elements();
            let [x, gamma, mean, variance, grad] =
                [&x, &gamma, &mean, &variance, &grad].map(values);
            let (dx, dgamma, dbeta) = batch_norm_train_backward(
                slice(&x),
                slice(&gamma),
                (slice(&mean), slice(&variance)),
                slice(&grad),
                plane(&x),
                epsilon,
            );
            [
                tensor(dx, shape),
                tensor(dgamma, [channels]),
                tensor(dbeta, [channels]),
            ]
        }
    }

    /// What the autodiff node keeps from the forward pass.
    #[derive(Clone, Debug)]
    struct BatchNormState<B: Backend> {
        /// Checkpoints of the input and gamma.
        inputs: [NodeId; 2],
        /// The batch mean and biased variance, as computed.
        stats: (FloatTensor<B>, FloatTensor<B>),
        epsilon: f64,
        /// The output, when a ReLU followed (its gradient is zero where the output is not
        /// positive).
        relu_output: Option<FloatTensor<B>>,
    }

    /// The autodiff node of [`BatchNormKernels`]' ops: parents `[x, gamma, beta]`, plus the
    /// residual (`PARENTS == 4`), whose gradient is the output's through the ReLU.
    #[derive(Debug)]
    struct BatchNormTrainBackward<const PARENTS: usize>;

    impl<B: BatchNormKernelsBackward, const PARENTS: usize> Backward<B, PARENTS>
        for BatchNormTrainBackward<PARENTS>
    {
        type State = BatchNormState<B>;

        fn backward(
            self,
            ops: Ops<Self::State, PARENTS>,
            grads: &mut Gradients,
            checkpointer: &mut Checkpointer,
        ) {
            let grad = grads.consume::<B>(&ops.node);
            let state = ops.state;
            let grad = match state.relu_output {
                Some(output) => B::relu_backward(output, grad),
                None => grad,
            };
            let [x, gamma] = state
                .inputs
                .map(|node| checkpointer.retrieve_node_output::<FloatTensor<B>>(node));
            let computed = B::batch_norm_train_fast_backward(
                x,
                gamma,
                state.stats,
                grad.clone(),
                state.epsilon,
            );
            let residual_grad = (PARENTS == 4).then_some(grad);
            for (parent, tensor) in ops
                .parents
                .iter()
                .zip(computed.into_iter().chain(residual_grad))
            {
                if let Some(node) = parent {
                    grads.register::<B>(node.id, tensor);
                }
            }
        }
    }

    /// A batch norm's output, batch mean and batch variance on backend `B`.
    type Outputs<B> = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>);

    /// Records the batch norm of `inputs = [x, gamma, beta]` or `[x, gamma, beta, residual]`
    /// on the autodiff graph, `forward` computing it on the inner backend.
    fn record<
        B: BatchNormKernels + BatchNormKernelsBackward,
        C: CheckpointStrategy,
        const PARENTS: usize,
    >(
        inputs: [FloatTensor<Autodiff<B, C>>; PARENTS],
        (epsilon, relu): (f64, bool),
        forward: impl FnOnce([FloatTensor<B>; PARENTS]) -> Outputs<B>,
    ) -> Outputs<Autodiff<B, C>> {
        let nodes = inputs.each_ref().map(|input| input.node());
        match BatchNormTrainBackward::<PARENTS>
            .prepare::<C>(nodes)
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let checkpoints = [prep.checkpoint(&inputs[0]), prep.checkpoint(&inputs[1])];
                let (output, mean, variance) = forward(inputs.map(|input| input.into_primitive()));
                let state = BatchNormState {
                    inputs: checkpoints,
                    stats: (mean.clone(), variance.clone()),
                    epsilon,
                    relu_output: relu.then(|| output.clone()),
                };
                (
                    prep.finish(state, output),
                    Autodiff::<B, C>::from_inner(mean),
                    Autodiff::<B, C>::from_inner(variance),
                )
            }
            OpsKind::UnTracked(prep) => {
                let (output, mean, variance) = forward(inputs.map(|input| input.into_primitive()));
                (
                    prep.finish(output),
                    Autodiff::<B, C>::from_inner(mean),
                    Autodiff::<B, C>::from_inner(variance),
                )
            }
        }
    }

    impl<B: BatchNormKernels + BatchNormKernelsBackward, C: CheckpointStrategy> BatchNormKernels
        for Autodiff<B, C>
    {
        fn batch_norm_train_fast(
            x: FloatTensor<Self>,
            gamma: FloatTensor<Self>,
            beta: FloatTensor<Self>,
            epsilon: f64,
            relu: bool,
        ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
            record::<B, C, 3>([x, gamma, beta], (epsilon, relu), |[x, gamma, beta]| {
                B::batch_norm_train_fast(x, gamma, beta, epsilon, relu)
            })
        }

        fn batch_norm_add_relu_train_fast(
            x: FloatTensor<Self>,
            gamma: FloatTensor<Self>,
            beta: FloatTensor<Self>,
            residual: FloatTensor<Self>,
            epsilon: f64,
        ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
            record::<B, C, 4>(
                [x, gamma, beta, residual],
                (epsilon, true),
                |[x, gamma, beta, residual]| {
                    B::batch_norm_add_relu_train_fast(x, gamma, beta, residual, epsilon)
                },
            )
        }
    }
}
