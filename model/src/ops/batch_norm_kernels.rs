//! The models' batch normalization: in training mode on the flex CPU backend, our kernel with
//! its own backward; everywhere else (evaluation, wgpu, CUDA, ndarray) burn's
//! `BatchNorm::forward`.
//!
//! burn 0.22 runs a training batch norm on flex through its generic composition: the
//! statistics through `swap_dims` + `reshape` (a transposed copy of the activation for the mean
//! and another for the variance), the backward through a dozen broadcast element-wise
//! operations; in a ResNet-18 step that was about a seventh of the time. These kernels read the
//! NCHW planes where they are: two passes over the input for the statistics and one for the
//! output, two in the backward. The result is burn's (tested against it), running statistics
//! included; they plug in through burn's backend-extension API like [`super::conv_kernels`].

use burn::nn::BatchNorm;
use burn::prelude::*;

/// [`BatchNorm::forward`] through our kernel where it applies: same output, same update of
/// the running statistics.
pub trait BatchNormForward {
    /// `x [N, C, ...]` → `[N, C, ...]`.
    fn forward_fast<const D: usize>(&self, x: Tensor<D>) -> Tensor<D>;
}

impl BatchNormForward for BatchNorm {
    fn forward_fast<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        #[cfg(feature = "flex")]
        if D >= 2
            && x.device().is_autodiff()
            && self.training.is_enabled()
            && super::conv_kernels::takes_flex_path(&x)
            && x.dims()[1] == self.gamma.dims()[0]
        {
            let (output, mean, variance) =
                flex::batch_norm_train(x, self.gamma.val(), self.beta.val(), self.epsilon);
            // As burn's `BatchNorm::forward_train`: running = (1 − m)·running + m·batch, with
            // the batch's biased variance.
            let device = output.device();
            let blend = |running: Tensor<1>, batch: Tensor<1>| {
                running
                    .to_device(&device)
                    .mul_scalar(1.0 - self.momentum)
                    .add(batch.detach().mul_scalar(self.momentum))
                    .detach()
            };
            self.running_mean
                .update(blend(self.running_mean.value_sync(), mean));
            self.running_var
                .update(blend(self.running_var.value_sync(), variance));
            return output;
        }
        self.forward(x)
    }
}

/// Training-mode batch norm on plain `f32` slices: `x [N, C, plane]` (plane = the product of
/// the trailing dimensions), `gamma`, `beta` `[C]` → the output `[N, C, plane]`, the batch mean
/// `[C]` and the biased batch variance `[C]`.
#[cfg(feature = "flex")]
pub fn batch_norm_train_forward(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    plane: usize,
    epsilon: f64,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let channels = gamma.len();
    let (mean, variance) = channel_stats(x, channels, plane);
    let mut out = vec![0.0f32; x.len()];
    let (scale, shift): (Vec<f32>, Vec<f32>) = (0..channels)
        .map(|c| {
            let scale = gamma[c] / (variance[c] as f64 + epsilon).sqrt() as f32;
            (scale, beta[c] - mean[c] * scale)
        })
        .unzip();
    for_each_image(&mut out, channels * plane, |image, out| {
        let x = &x[image * channels * plane..][..channels * plane];
        for (c, (out, x)) in out
            .chunks_exact_mut(plane)
            .zip(x.chunks_exact(plane))
            .enumerate()
        {
            for (o, v) in out.iter_mut().zip(x) {
                *o = v * scale[c] + shift[c];
            }
        }
    });
    (out, mean, variance)
}

/// The gradients of [`batch_norm_train_forward`] from the output gradient `grad [N, C,
/// plane]`, given its `mean` and `variance`: `(dx [N, C, plane], dgamma [C], dbeta [C])`.
#[cfg(feature = "flex")]
pub fn batch_norm_train_backward(
    x: &[f32],
    gamma: &[f32],
    (mean, variance): (&[f32], &[f32]),
    grad: &[f32],
    plane: usize,
    epsilon: f64,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    use rayon::prelude::*;
    let channels = gamma.len();
    let count = (x.len() / channels.max(1)) as f64;
    // Per channel: Σ grad and Σ grad·(x − mean).
    let sums: Vec<(f64, f64)> = (0..channels)
        .into_par_iter()
        .map(|c| {
            let (mut sum_grad, mut sum_grad_centered) = (0.0f64, 0.0f64);
            for (x, g) in
                channel_planes(x, channels, plane, c).zip(channel_planes(grad, channels, plane, c))
            {
                sum_grad += sum(g) as f64;
                sum_grad_centered += dot_centered(g, x, mean[c]) as f64;
            }
            (sum_grad, sum_grad_centered)
        })
        .collect();
    // dx = γ/σ · (g − Σg/M − x̂·Σg·x̂/M) with x̂ = (x − μ)/σ, as k_g·g + k_x·x + k_0.
    let coefficients: Vec<[f32; 3]> = (0..channels)
        .map(|c| {
            let inv_std = 1.0 / (variance[c] as f64 + epsilon).sqrt();
            let a = gamma[c] as f64 * inv_std;
            let (sum_grad, sum_grad_centered) = sums[c];
            let k_x = -a * inv_std * inv_std * sum_grad_centered / count;
            let k_0 = -a * sum_grad / count - k_x * mean[c] as f64;
            [a as f32, k_x as f32, k_0 as f32]
        })
        .collect();
    let mut dx = vec![0.0f32; x.len()];
    for_each_image(&mut dx, channels * plane, |image, dx| {
        let at = image * channels * plane;
        let (x, grad) = (
            &x[at..][..channels * plane],
            &grad[at..][..channels * plane],
        );
        for (c, ((dx, x), g)) in dx
            .chunks_exact_mut(plane)
            .zip(x.chunks_exact(plane))
            .zip(grad.chunks_exact(plane))
            .enumerate()
        {
            let [k_g, k_x, k_0] = coefficients[c];
            for ((d, x), g) in dx.iter_mut().zip(x).zip(g) {
                *d = k_g * g + k_x * x + k_0;
            }
        }
    });
    let dgamma = (0..channels)
        .map(|c| {
            let inv_std = 1.0 / (variance[c] as f64 + epsilon).sqrt();
            (sums[c].1 * inv_std) as f32
        })
        .collect();
    let dbeta = sums.iter().map(|&(sum_grad, _)| sum_grad as f32).collect();
    (dx, dgamma, dbeta)
}

/// The planes of channel `c` in `data [N, C, plane]`, one per image.
#[cfg(feature = "flex")]
fn channel_planes(
    data: &[f32],
    channels: usize,
    plane: usize,
    c: usize,
) -> impl Iterator<Item = &[f32]> {
    data.chunks_exact(channels * plane)
        .map(move |image| &image[c * plane..][..plane])
}

/// Per-channel mean and biased variance of `x [N, C, plane]` (two passes, in parallel over
/// the channels, summed in `f64` across planes).
#[cfg(feature = "flex")]
fn channel_stats(x: &[f32], channels: usize, plane: usize) -> (Vec<f32>, Vec<f32>) {
    use rayon::prelude::*;
    let count = (x.len() / channels.max(1)).max(1) as f64;
    (0..channels)
        .into_par_iter()
        .map(|c| {
            let mean = channel_planes(x, channels, plane, c)
                .map(|p| sum(p) as f64)
                .sum::<f64>()
                / count;
            let mean = mean as f32;
            let squares = channel_planes(x, channels, plane, c)
                .map(|p| dot_centered(p, p, mean) as f64)
                .sum::<f64>();
            (mean, (squares / count) as f32)
        })
        .unzip()
}

/// Lanes of the vectorized sums below (one AVX-512 register).
#[cfg(feature = "flex")]
const LANES: usize = 16;

/// `Σ values`, in [`LANES`] independent partial sums so that it vectorizes.
#[cfg(feature = "flex")]
fn sum(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let chunks = values.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// `Σ a·(b − mean)` over equal-length slices, vectorized like [`sum`].
#[cfg(feature = "flex")]
fn dot_centered(a: &[f32], b: &[f32], mean: f32) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let (chunks_a, chunks_b) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(a, b)| a * (b - mean))
        .sum();
    for (chunk_a, chunk_b) in chunks_a.zip(chunks_b) {
        for ((lane, a), b) in lanes.iter_mut().zip(chunk_a).zip(chunk_b) {
            *lane += a * (b - mean);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Runs `body(image, chunk)` over the `image_len`-long chunks of `out`, on rayon's threads.
#[cfg(feature = "flex")]
fn for_each_image(
    out: &mut [f32],
    image_len: usize,
    body: impl Fn(usize, &mut [f32]) + Send + Sync,
) {
    super::im2col::for_each_slice(out, image_len.max(1), true, body);
}

#[cfg(feature = "flex")]
mod flex {
    use super::super::conv_kernels::flex::{slice, tensor, values};
    use super::{batch_norm_train_backward, batch_norm_train_forward};
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

    /// `x [N, C, ...]` through [`BatchNormKernels::batch_norm_train_fast`]: the output, the
    /// batch mean and the biased batch variance (the last two detached).
    pub(super) fn batch_norm_train<const D: usize>(
        x: Tensor<D>,
        gamma: Tensor<1>,
        beta: Tensor<1>,
        epsilon: f64,
    ) -> (Tensor<D>, Tensor<1>, Tensor<1>) {
        let (output, mean, variance) = <Dispatch as BatchNormKernels>::batch_norm_train_fast(
            x.into_dispatch(),
            gamma.into_dispatch(),
            beta.into_dispatch(),
            epsilon,
        );
        (
            Tensor::from_dispatch(output),
            Tensor::from_dispatch(mean),
            Tensor::from_dispatch(variance),
        )
    }

    /// Training-mode batch norm through our kernels (backend extension, flex and its autodiff).
    #[backend_extension(Flex, Autodiff)]
    pub trait BatchNormKernels: Backend {
        /// `x [N, C, ...]`, `gamma`, `beta` `[C]` → (output `[N, C, ...]`, mean `[C]`, biased
        /// variance `[C]`).
        fn batch_norm_train_fast(
            x: FloatTensor<Self>,
            gamma: FloatTensor<Self>,
            beta: FloatTensor<Self>,
            epsilon: f64,
        ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
    }

    /// The gradients of [`BatchNormKernels::batch_norm_train_fast`]; called from its autodiff
    /// node only.
    pub trait BatchNormKernelsBackward: Backend {
        /// From the output gradient: `[dx, dgamma, dbeta]`.
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

    impl BatchNormKernels for Flex {
        fn batch_norm_train_fast(
            x: FlexTensor,
            gamma: FlexTensor,
            beta: FlexTensor,
            epsilon: f64,
        ) -> (FlexTensor, FlexTensor, FlexTensor) {
            let shape = x.shape();
            let (x, gamma, beta) = (values(&x), values(&gamma), values(&beta));
            let channels = gamma.shape().num_elements();
            let (out, mean, variance) = batch_norm_train_forward(
                slice(&x),
                slice(&gamma),
                slice(&beta),
                plane(&x),
                epsilon,
            );
            (
                tensor(out, shape),
                tensor(mean, [channels]),
                tensor(variance, [channels]),
            )
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

    /// The autodiff node of [`BatchNormKernels::batch_norm_train_fast`]: parents `[x, gamma,
    /// beta]`; the input and gamma are checkpointed, the batch statistics kept as computed.
    #[derive(Debug)]
    struct BatchNormTrainBackward;

    impl<B: BatchNormKernelsBackward> Backward<B, 3> for BatchNormTrainBackward {
        type State = (NodeId, NodeId, FloatTensor<B>, FloatTensor<B>, f64);

        fn backward(
            self,
            ops: Ops<Self::State, 3>,
            grads: &mut Gradients,
            checkpointer: &mut Checkpointer,
        ) {
            let grad = grads.consume::<B>(&ops.node);
            let (x_state, gamma_state, mean, variance, epsilon) = ops.state;
            let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x_state);
            let gamma = checkpointer.retrieve_node_output::<FloatTensor<B>>(gamma_state);
            let computed =
                B::batch_norm_train_fast_backward(x, gamma, (mean, variance), grad, epsilon);
            for (parent, tensor) in ops.parents.iter().zip(computed) {
                if let Some(node) = parent {
                    grads.register::<B>(node.id, tensor);
                }
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
        ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
            let nodes = [x.node(), gamma.node(), beta.node()];
            match BatchNormTrainBackward
                .prepare::<C>(nodes)
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(mut prep) => {
                    let x_state = prep.checkpoint(&x);
                    let gamma_state = prep.checkpoint(&gamma);
                    let (output, mean, variance) = B::batch_norm_train_fast(
                        x.into_primitive(),
                        gamma.into_primitive(),
                        beta.into_primitive(),
                        epsilon,
                    );
                    let state = (
                        x_state,
                        gamma_state,
                        mean.clone(),
                        variance.clone(),
                        epsilon,
                    );
                    (
                        prep.finish(state, output),
                        Self::from_inner(mean),
                        Self::from_inner(variance),
                    )
                }
                OpsKind::UnTracked(prep) => {
                    let (output, mean, variance) = B::batch_norm_train_fast(
                        x.into_primitive(),
                        gamma.into_primitive(),
                        beta.into_primitive(),
                        epsilon,
                    );
                    (
                        prep.finish(output),
                        Self::from_inner(mean),
                        Self::from_inner(variance),
                    )
                }
            }
        }
    }
}
