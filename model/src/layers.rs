//! Small shared pieces: the activation and pooling choices of the LeNet family, and a
//! conv builder with PyTorch's symmetric padding.

use burn::nn::BatchNorm;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::AvgPool2dConfig;
use burn::prelude::*;
use burn::tensor::activation;
use kernels::max_pool::max_pool2d;

use crate::trace::Trace;
use kernels::batch_norm::BatchNormForward;

/// Element-wise non-linearity: ReLU (modern), tanh (LeCun 1998), sigmoid (d2l's LeNet).
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `max(0, x)`.
    Relu,
    /// `tanh(x)`.
    Tanh,
    /// `1 / (1 + exp(-x))`.
    Sigmoid,
}

impl Activation {
    /// Applies the activation to a tensor of any shape.
    pub fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Relu => activation::relu(x),
            Activation::Tanh => activation::tanh(x),
            Activation::Sigmoid => activation::sigmoid(x),
        }
    }

    /// Applies the activation and records it as layer `name`.
    pub fn traced<const D: usize>(
        self,
        name: impl std::fmt::Display,
        x: Tensor<D>,
        trace: &mut Trace,
    ) -> Tensor<D> {
        let kind = match self {
            Activation::Relu => "ReLU",
            Activation::Tanh => "Tanh",
            Activation::Sigmoid => "Sigmoid",
        };
        trace.record(name, kind, self.apply(x))
    }
}

/// Batch norm then ReLU, recorded as two layers (`bn_name`, a `BatchNorm`, and `relu_name`, a
/// `ReLU`) but computed in one pass where our kernels apply
/// ([`BatchNormForward::forward_relu_with_kernels`]): `x [N, C, ...]` → `[N, C, ...]`.
pub fn batch_norm_relu<const D: usize>(
    bn: &BatchNorm,
    x: Tensor<D>,
    (bn_name, relu_name): (impl std::fmt::Display, impl std::fmt::Display),
    trace: &mut Trace,
) -> Tensor<D> {
    let y = trace.record(bn_name, "BatchNorm", bn.forward_relu_with_kernels(x));
    trace.record(relu_name, "ReLU", y)
}

/// Sub-sampling layer of the LeNet family: max-pool (modern) or average-pool (LeCun's S2/S4).
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// Max over each window.
    Max,
    /// Mean over each window.
    Avg,
}

impl Pooling {
    /// Non-overlapping `size`x`size` pooling of `[N, C, H, W]` (stride = size), recorded as `name`.
    pub fn traced(
        self,
        name: impl std::fmt::Display,
        size: usize,
        x: Tensor<4>,
        trace: &mut Trace,
    ) -> Tensor<4> {
        match self {
            Pooling::Max => {
                let y = max_pool2d(x, [size, size], [size, size], [0, 0]);
                trace.record(name, "MaxPool2d", y)
            }
            Pooling::Avg => {
                let y = AvgPool2dConfig::new([size, size]).init().forward(x);
                trace.record(name, "AvgPool2d", y)
            }
        }
    }
}

/// A `k`x`k` convolution `c_in -> c_out` with PyTorch's `stride` and symmetric `padding`.
pub fn conv(
    c_in: usize,
    c_out: usize,
    k: usize,
    stride: usize,
    padding: usize,
    bias: bool,
    device: &Device,
) -> Conv2d {
    Conv2dConfig::new([c_in, c_out], [k, k])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(
            padding, padding, padding, padding,
        ))
        .with_bias(bias)
        .init(device)
}

/// Flattens `[N, C, H, W]` to `[N, C*H*W]`, recorded as `name`.
pub fn flatten(name: impl std::fmt::Display, x: Tensor<4>, trace: &mut Trace) -> Tensor<2> {
    trace.record(name, "Flatten", x.flatten(1, 3))
}
