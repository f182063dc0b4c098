//! A fully convolutional LeNet: LeNet-5 whose fully connected head is replaced by
//! convolutions (16 -> 120 5x5, 120 -> 84 1x1, 84 -> classes 1x1), as in the course's
//! "FC layers are 1x1 convolutions" exercise (cf. Long et al. 2015, "Fully Convolutional
//! Networks"). On a 3x32x32 input it is LeNet-5 with a `[N, classes, 1, 1]` output; on larger
//! inputs it slides over the image and returns a class map: `[1, 10, 9, 9]` at 64x64.
//! 62,006 parameters with 3 input channels.

use burn::nn::conv::Conv2d;
use burn::prelude::*;

use crate::layers::{Activation, Pooling, conv};
use crate::trace::{Trace, TracedForward};
use kernels::conv::Conv2dForward;

/// Configuration of a [`LeNetFullyConv`].
#[derive(Config, Debug)]
pub struct LeNetFullyConvConfig {
    /// Input channels.
    #[config(default = 3)]
    pub in_channels: usize,
    /// Number of classes (channels of the class map).
    #[config(default = 10)]
    pub num_classes: usize,
    /// Non-linearity.
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    /// Sub-sampling kind.
    #[config(default = "Pooling::Max")]
    pub pooling: Pooling,
}

/// LeNet with a convolutional head: `[N, C, H, W]` (H, W >= 32) to a class map
/// `[N, classes, (H - 28) / 4, (W - 28) / 4]` (for H, W multiples of 4).
#[derive(Module, Debug)]
pub struct LeNetFullyConv {
    /// Conv 5x5, `in_channels` -> 6.
    pub c1: Conv2d,
    /// Conv 5x5, 6 -> 16.
    pub c3: Conv2d,
    /// Conv 5x5, 16 -> 120 (LeNet-5's first FC layer).
    pub c5: Conv2d,
    /// Conv 1x1, 120 -> 84 (second FC layer).
    pub f6: Conv2d,
    /// Conv 1x1, 84 -> classes (output layer).
    pub output: Conv2d,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    pooling: Pooling,
}

impl LeNetFullyConvConfig {
    /// Builds the network on `device`.
    pub fn init(&self, device: &Device) -> LeNetFullyConv {
        LeNetFullyConv {
            c1: conv(self.in_channels, 6, 5, 1, 0, true, device),
            c3: conv(6, 16, 5, 1, 0, true, device),
            c5: conv(16, 120, 5, 1, 0, true, device),
            f6: conv(120, 84, 1, 1, 0, true, device),
            output: conv(84, self.num_classes, 1, 1, 0, true, device),
            activation: self.activation,
            pooling: self.pooling,
        }
    }
}

impl LeNetFullyConv {
    /// Images `[N, C, H, W]` to the class map `[N, classes, h, w]` (`[N, classes, 1, 1]` at 32x32).
    pub fn forward(&self, images: Tensor<4>) -> Tensor<4> {
        self.forward_map(images, &mut Trace::disabled())
    }

    /// [`forward`](Self::forward), recording each layer in `trace`.
    pub fn forward_map(&self, images: Tensor<4>, trace: &mut Trace) -> Tensor<4> {
        let act = self.activation;
        let x = trace.record("c1", "Conv2d", self.c1.forward_with_kernels(images));
        let x = act.traced("act1", x, trace);
        let x = self.pooling.traced("s2", 2, x, trace);
        let x = trace.record("c3", "Conv2d", self.c3.forward_with_kernels(x));
        let x = act.traced("act3", x, trace);
        let x = self.pooling.traced("s4", 2, x, trace);
        let x = trace.record("c5", "Conv2d", self.c5.forward_with_kernels(x));
        let x = act.traced("act5", x, trace);
        let x = trace.record("f6", "Conv2d", self.f6.forward_with_kernels(x));
        let x = act.traced("act6", x, trace);
        trace.record("output", "Conv2d", self.output.forward_with_kernels(x))
    }
}

impl TracedForward for LeNetFullyConv {
    /// Logits `[N, classes]`: the class map averaged over its positions (at 32x32 the map is
    /// 1x1, so these are exactly LeNet-5's logits).
    fn forward_traced(&self, images: Tensor<4>, trace: &mut Trace) -> Tensor<2> {
        let map = self.forward_map(images, trace);
        let logits = map.mean_dim(3).mean_dim(2).flatten(1, 3);
        trace.record("mean", "GlobalAvgPool", logits)
    }
}
