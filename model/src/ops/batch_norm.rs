//! Batch normalization from its formula (Ioffe & Szegedy 2015; d2l's `batch_norm`):
//! `y = γ · (x − μ) / sqrt(σ² + ε) + β`, per channel (dimension 1), with μ and σ² the batch
//! statistics in training — which also update the running statistics,
//! `running = (1 − momentum) · running + momentum · batch` — and the running statistics in
//! evaluation. σ² is the biased (population) variance in both places, as in d2l and in burn's
//! `BatchNorm` (PyTorch keeps the unbiased variance in `running_var`).

use burn::prelude::*;

/// Running statistics and hyper-parameters of one batch-norm layer.
#[derive(Debug, Clone)]
pub struct BatchNormState {
    /// Per-channel running mean `[C]` (starts at 0).
    pub running_mean: Tensor<1>,
    /// Per-channel running variance `[C]` (starts at 1).
    pub running_var: Tensor<1>,
    /// Weight of the new batch in the running average (PyTorch's and burn's 0.1).
    pub momentum: f64,
    /// Added to the variance for numerical stability (1e-5).
    pub epsilon: f64,
}

impl BatchNormState {
    /// Fresh statistics for `channels` channels: mean 0, variance 1, momentum 0.1, ε 1e-5.
    pub fn new(channels: usize, device: &Device) -> Self {
        Self {
            running_mean: Tensor::zeros([channels], device),
            running_var: Tensor::ones([channels], device),
            momentum: 0.1,
            epsilon: 1e-5,
        }
    }
}

/// Batch norm of `x [N, C, ...]` (rank ≥ 2) with scale `gamma [C]` and shift `beta [C]`.
/// `training`: normalize with the batch statistics and update `state`; otherwise normalize
/// with `state`'s running statistics.
pub fn batch_norm<const D: usize>(
    x: Tensor<D>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    state: &mut BatchNormState,
    training: bool,
) -> Tensor<D> {
    let dims = x.dims();
    let channels = dims[1];
    // Shape that broadcasts a per-channel vector over x: [1, C, 1, ...].
    let mut per_channel = [1usize; D];
    per_channel[1] = channels;
    let (mean, var) = if training {
        // Statistics over every axis but the channel axis.
        let by_channel = x.clone().swap_dims(0, 1).reshape([channels as i64, -1]);
        let mean = by_channel.clone().mean_dim(1).reshape([channels]);
        let centered = by_channel - mean.clone().reshape([channels, 1]);
        let var = centered.powi_scalar(2).mean_dim(1).reshape([channels]);
        let m = state.momentum;
        state.running_mean = state.running_mean.clone() * (1.0 - m) + mean.clone().detach() * m;
        state.running_var = state.running_var.clone() * (1.0 - m) + var.clone().detach() * m;
        (mean, var)
    } else {
        (state.running_mean.clone(), state.running_var.clone())
    };
    let x_hat = (x - mean.reshape(per_channel)) / (var.reshape(per_channel) + state.epsilon).sqrt();
    x_hat * gamma.reshape(per_channel) + beta.reshape(per_channel)
}
