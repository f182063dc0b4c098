//! The Inception module of GoogLeNet (Szegedy et al. 2015, "Going Deeper with Convolutions"):
//! four parallel branches over the same input — 1x1; 1x1 -> 3x3; 1x1 -> 5x5 (3x3 in
//! torchvision, the default here); 3x3 max-pool -> 1x1 — concatenated on channels. Every
//! convolution is torchvision's `BasicConv2d`: conv (no bias) + batch norm (ε = 0.001) + ReLU.

use burn::nn::conv::Conv2d;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::prelude::*;

use crate::layers::{batch_norm_relu, conv};
use crate::trace::Trace;
use kernels::conv::Conv2dForward;
use kernels::max_pool::MaxPool2dForward;

/// Conv (no bias) + batch norm + ReLU: `[N, c_in, H, W]` -> `[N, c_out, H', W']`.
#[derive(Module, Debug)]
pub struct BasicConv2d {
    /// The convolution (bias-free: the batch norm's β plays its part).
    pub conv: Conv2d,
    /// Batch norm with ε = 0.001 (torchvision's GoogLeNet).
    pub bn: BatchNorm,
}

impl BasicConv2d {
    /// A `k`x`k` conv-bn-relu unit.
    pub fn new(
        c_in: usize,
        c_out: usize,
        k: usize,
        stride: usize,
        padding: usize,
        device: &Device,
    ) -> Self {
        Self {
            conv: conv(c_in, c_out, k, stride, padding, false, device),
            bn: BatchNormConfig::new(c_out).with_epsilon(1e-3).init(device),
        }
    }

    /// Conv, batch norm, ReLU; recorded as `conv`, `bn`, `relu` under the current scope.
    pub fn forward(&self, x: Tensor<4>, t: &mut Trace) -> Tensor<4> {
        let x = t.record("conv", "Conv2d", self.conv.forward_with_kernels(x));
        batch_norm_relu(&self.bn, x, ("bn", "relu"), t)
    }
}

/// Branch widths of one Inception module, named as in the paper's Table 1.
#[derive(Config, Debug, Copy)]
pub struct InceptionConfig {
    /// Input channels.
    pub in_channels: usize,
    /// Branch 1: 1x1 output channels ("#1x1").
    pub ch1x1: usize,
    /// Branch 2: 1x1 reduction ("#3x3 reduce").
    pub ch3x3_reduce: usize,
    /// Branch 2: 3x3 output channels ("#3x3").
    pub ch3x3: usize,
    /// Branch 3: 1x1 reduction ("#5x5 reduce").
    pub ch5x5_reduce: usize,
    /// Branch 3: output channels ("#5x5").
    pub ch5x5: usize,
    /// Branch 4: 1x1 after the max-pool ("pool proj").
    pub pool_proj: usize,
    /// Kernel of branch 3's second convolution: 5 in the paper, 3 in torchvision.
    #[config(default = 3)]
    pub branch3_kernel: usize,
}

/// One Inception module: `[N, in, H, W]` -> `[N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W]`.
#[derive(Module, Debug)]
pub struct Inception {
    /// 1x1.
    pub branch1: BasicConv2d,
    /// 1x1 reduce, 3x3.
    pub branch2: Vec<BasicConv2d>,
    /// 1x1 reduce, 3x3 (or 5x5).
    pub branch3: Vec<BasicConv2d>,
    /// 3x3 max-pool stride 1, then this 1x1 projection.
    pub branch4: BasicConv2d,
    /// Branch 4's 3x3 stride-1 max-pool (padding 1).
    pub pool: MaxPool2d,
}

impl InceptionConfig {
    /// Output channels: the four branches concatenated.
    pub fn out_channels(&self) -> usize {
        self.ch1x1 + self.ch3x3 + self.ch5x5 + self.pool_proj
    }

    /// Builds the module on `device`.
    pub fn init(&self, device: &Device) -> Inception {
        let k3 = self.branch3_kernel;
        Inception {
            branch1: BasicConv2d::new(self.in_channels, self.ch1x1, 1, 1, 0, device),
            branch2: vec![
                BasicConv2d::new(self.in_channels, self.ch3x3_reduce, 1, 1, 0, device),
                BasicConv2d::new(self.ch3x3_reduce, self.ch3x3, 3, 1, 1, device),
            ],
            branch3: vec![
                BasicConv2d::new(self.in_channels, self.ch5x5_reduce, 1, 1, 0, device),
                BasicConv2d::new(self.ch5x5_reduce, self.ch5x5, k3, 1, k3 / 2, device),
            ],
            branch4: BasicConv2d::new(self.in_channels, self.pool_proj, 1, 1, 0, device),
            pool: MaxPool2dConfig::new([3, 3])
                .with_strides([1, 1])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(),
        }
    }
}

impl Inception {
    /// The four branches on `x`, concatenated on channels.
    pub fn forward(&self, x: Tensor<4>, t: &mut Trace) -> Tensor<4> {
        let b1 = t.scoped("branch1", |t| self.branch1.forward(x.clone(), t));
        let chain = |convs: &[BasicConv2d], name: &str, t: &mut Trace| {
            convs.iter().enumerate().fold(x.clone(), |y, (i, unit)| {
                t.scoped(format_args!("{name}.{i}"), |t| unit.forward(y, t))
            })
        };
        let b2 = chain(&self.branch2, "branch2", t);
        let b3 = chain(&self.branch3, "branch3", t);
        let pooled = t.record("pool", "MaxPool2d", self.pool.forward_with_kernels(x));
        let b4 = t.scoped("branch4", |t| self.branch4.forward(pooled, t));
        t.record("concat", "Concat", Tensor::cat(vec![b1, b2, b3, b4], 1))
    }
}
