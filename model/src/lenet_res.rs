//! LeNet-5 classic with two modern additions from the course: batch normalization after C1
//! and C3 (Ioffe & Szegedy 2015) and a residual fully connected layer 120 -> 120,
//! `act(x + fc(x))` (He et al. 2016), before F6 and the output. Input 1x32x32, 76,270
//! parameters (61,706 + 2·6 + 2·16 batch-norm γ/β + 14,520 for the residual layer).

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::prelude::*;

use crate::layers::{Activation, Pooling, conv, flatten};
use crate::trace::{Trace, TracedForward};
use kernels::batch_norm::BatchNormForward;
use kernels::conv::Conv2dForward;

/// Configuration of a [`LeNetRes`].
#[derive(Config, Debug)]
pub struct LeNetResConfig {
    /// Input channels.
    #[config(default = 1)]
    pub in_channels: usize,
    /// Number of classes.
    #[config(default = 10)]
    pub num_classes: usize,
    /// Non-linearity (LeCun's tanh by default).
    #[config(default = "Activation::Tanh")]
    pub activation: Activation,
    /// Sub-sampling kind (LeCun's average-pool by default).
    #[config(default = "Pooling::Avg")]
    pub pooling: Pooling,
}

/// LeNet-5 classic + batch norm + a residual FC layer: `[N, C, 32, 32]` to `[N, classes]`.
#[derive(Module, Debug)]
pub struct LeNetRes {
    /// Conv 5x5, `in_channels` -> 6.
    pub c1: Conv2d,
    /// Batch norm over C1's 6 maps.
    pub bn1: BatchNorm,
    /// Conv 5x5, 6 -> 16.
    pub c3: Conv2d,
    /// Batch norm over C3's 16 maps.
    pub bn3: BatchNorm,
    /// Conv 5x5, 16 -> 120.
    pub c5: Conv2d,
    /// Residual branch 120 -> 120: `act(x + res(x))`.
    pub res: Linear,
    /// FC 120 -> 84.
    pub f6: Linear,
    /// FC 84 -> classes.
    pub output: Linear,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    pooling: Pooling,
}

impl LeNetResConfig {
    /// Builds the network on `device`.
    pub fn init(&self, device: &Device) -> LeNetRes {
        LeNetRes {
            c1: conv(self.in_channels, 6, 5, 1, 0, true, device),
            bn1: BatchNormConfig::new(6).init(device),
            c3: conv(6, 16, 5, 1, 0, true, device),
            bn3: BatchNormConfig::new(16).init(device),
            c5: conv(16, 120, 5, 1, 0, true, device),
            res: LinearConfig::new(120, 120).init(device),
            f6: LinearConfig::new(120, 84).init(device),
            output: LinearConfig::new(84, self.num_classes).init(device),
            activation: self.activation,
            pooling: self.pooling,
        }
    }
}

impl LeNetRes {
    /// Images `[N, C, 32, 32]` to logits `[N, classes]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_traced(images, &mut Trace::disabled())
    }
}

impl TracedForward for LeNetRes {
    fn forward_traced(&self, images: Tensor<4>, trace: &mut Trace) -> Tensor<2> {
        let act = self.activation;
        let x = trace.record("c1", "Conv2d", self.c1.forward_with_kernels(images));
        let x = trace.record("bn1", "BatchNorm", self.bn1.forward_with_kernels(x));
        let x = act.traced("act1", x, trace);
        let x = self.pooling.traced("s2", 2, x, trace);
        let x = trace.record("c3", "Conv2d", self.c3.forward_with_kernels(x));
        let x = trace.record("bn3", "BatchNorm", self.bn3.forward_with_kernels(x));
        let x = act.traced("act3", x, trace);
        let x = self.pooling.traced("s4", 2, x, trace);
        let x = trace.record("c5", "Conv2d", self.c5.forward_with_kernels(x));
        let x = act.traced("act5", flatten("flatten", x, trace), trace);
        let r = trace.record("res", "Linear", self.res.forward(x.clone()));
        let x = act.traced("act_res", x + r, trace);
        let x = trace.record("f6", "Linear", self.f6.forward(x));
        let x = act.traced("act6", x, trace);
        trace.record("output", "Linear", self.output.forward(x))
    }
}
