//! AlexNet as in Krizhevsky, Sutskever & Hinton 2012, "ImageNet Classification with Deep
//! Convolutional Neural Networks", on one device (no two-GPU channel groups): conv 96 11x11
//! stride 4, LRN, max-pool 3/2, conv 256 5x5 pad 2, LRN, max-pool, conv 384, 384, 256 (3x3
//! pad 1), max-pool, then dropout + FC 9216 -> 4096 -> 4096 -> classes. Input 3x227x227;
//! 62,378,344 parameters with 1000 classes. Feature maps: 96x55x55, 96x27x27, 256x27x27,
//! 256x13x13, 384x13x13, 384x13x13, 256x13x13, 256x6x6.
//!
//! [`AlexNetLayout::Torchvision`] is torchvision's `alexnet` (from the "one weird trick"
//! paper): widths 64-192-384-256-256, conv1 padded by 2, no LRN, and an adaptive average pool
//! to 6x6 before the classifier. Input 3x224x224; 61,100,840 parameters with 1000 classes.

use burn::nn::conv::Conv2d;
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    Dropout, DropoutConfig, Linear, LinearConfig, LocalResponseNorm, LocalResponseNormConfig,
};
use burn::prelude::*;

use crate::layers::{Activation, conv, flatten};
use crate::trace::{Trace, TracedForward};
use kernels::conv::Conv2dForward;
use kernels::max_pool::MaxPool2dForward;

/// Which AlexNet: the 2012 paper's or torchvision's.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum AlexNetLayout {
    /// Krizhevsky et al. 2012: 96-256-384-384-256 with LRN, 227x227 input.
    Paper,
    /// torchvision `alexnet`: 64-192-384-256-256, no LRN, adaptive 6x6 pool, 224x224 input.
    Torchvision,
}

impl AlexNetLayout {
    /// Output channels of conv1..conv5.
    pub fn widths(self) -> [usize; 5] {
        match self {
            AlexNetLayout::Paper => [96, 256, 384, 384, 256],
            AlexNetLayout::Torchvision => [64, 192, 384, 256, 256],
        }
    }
}

/// Configuration of an [`AlexNet`].
#[derive(Config, Debug)]
pub struct AlexNetConfig {
    /// Input channels.
    #[config(default = 3)]
    pub in_channels: usize,
    /// Number of classes.
    #[config(default = 1000)]
    pub num_classes: usize,
    /// Dropout probability before the two hidden FC layers (the paper's 0.5).
    #[config(default = 0.5)]
    pub dropout: f64,
    /// Paper or torchvision layout.
    #[config(default = "AlexNetLayout::Paper")]
    pub layout: AlexNetLayout,
}

/// AlexNet: `[N, C, 227, 227]` (paper) or `[N, C, 224, 224]` (torchvision) to `[N, classes]`.
#[derive(Module, Debug)]
pub struct AlexNet {
    /// Conv 11x11 stride 4, C -> 96 (torchvision: C -> 64, pad 2).
    pub conv1: Conv2d,
    /// Conv 5x5 pad 2, 96 -> 256 (64 -> 192).
    pub conv2: Conv2d,
    /// Conv 3x3 pad 1, 256 -> 384 (192 -> 384).
    pub conv3: Conv2d,
    /// Conv 3x3 pad 1, 384 -> 384 (384 -> 256).
    pub conv4: Conv2d,
    /// Conv 3x3 pad 1, 384 -> 256 (256 -> 256).
    pub conv5: Conv2d,
    /// Local response normalization (k = 2, n = 5, α = 1e-4, β = 0.75) after conv1 and conv2
    /// (paper layout only).
    pub lrn: Option<LocalResponseNorm>,
    /// Overlapping max-pool 3x3 stride 2.
    pub pool: MaxPool2d,
    /// Adaptive average pool to 6x6 (torchvision layout only).
    pub avgpool: Option<AdaptiveAvgPool2d>,
    /// Dropout before fc6 and fc7.
    pub dropout: Dropout,
    /// FC 256·6·6 = 9216 -> 4096.
    pub fc6: Linear,
    /// FC 4096 -> 4096.
    pub fc7: Linear,
    /// FC 4096 -> classes.
    pub fc8: Linear,
}

impl AlexNetConfig {
    /// Builds the network on `device`.
    pub fn init(&self, device: &Device) -> AlexNet {
        let [w1, w2, w3, w4, w5] = self.layout.widths();
        let paper = self.layout == AlexNetLayout::Paper;
        AlexNet {
            conv1: conv(
                self.in_channels,
                w1,
                11,
                4,
                if paper { 0 } else { 2 },
                true,
                device,
            ),
            conv2: conv(w1, w2, 5, 1, 2, true, device),
            conv3: conv(w2, w3, 3, 1, 1, true, device),
            conv4: conv(w3, w4, 3, 1, 1, true, device),
            conv5: conv(w4, w5, 3, 1, 1, true, device),
            lrn: paper.then(|| LocalResponseNormConfig::new(5).with_k(2.0).init()),
            pool: MaxPool2dConfig::new([3, 3]).with_strides([2, 2]).init(),
            avgpool: (!paper).then(|| AdaptiveAvgPool2dConfig::new([6, 6]).init()),
            dropout: DropoutConfig::new(self.dropout).init(),
            fc6: LinearConfig::new(w5 * 6 * 6, 4096).init(device),
            fc7: LinearConfig::new(4096, 4096).init(device),
            fc8: LinearConfig::new(4096, self.num_classes).init(device),
        }
    }
}

impl AlexNet {
    /// Images `[N, C, 227, 227]` (torchvision layout: any size, 224 usual) to logits `[N, classes]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_traced(images, &mut Trace::disabled())
    }
}

impl AlexNet {
    /// LRN where the layout has it, else the identity.
    fn normalize(&self, name: &str, x: Tensor<4>, t: &mut Trace) -> Tensor<4> {
        match &self.lrn {
            Some(lrn) => t.record(name, "LocalResponseNorm", lrn.forward(x)),
            None => x,
        }
    }
}

impl TracedForward for AlexNet {
    fn forward_traced(&self, images: Tensor<4>, t: &mut Trace) -> Tensor<2> {
        let relu = Activation::Relu;
        let x = t.record("conv1", "Conv2d", self.conv1.forward_with_kernels(images));
        let x = relu.traced("relu1", x, t);
        let x = self.normalize("lrn1", x, t);
        let x = t.record("pool1", "MaxPool2d", self.pool.forward_with_kernels(x));
        let x = t.record("conv2", "Conv2d", self.conv2.forward_with_kernels(x));
        let x = relu.traced("relu2", x, t);
        let x = self.normalize("lrn2", x, t);
        let x = t.record("pool2", "MaxPool2d", self.pool.forward_with_kernels(x));
        let x = t.record("conv3", "Conv2d", self.conv3.forward_with_kernels(x));
        let x = relu.traced("relu3", x, t);
        let x = t.record("conv4", "Conv2d", self.conv4.forward_with_kernels(x));
        let x = relu.traced("relu4", x, t);
        let x = t.record("conv5", "Conv2d", self.conv5.forward_with_kernels(x));
        let x = relu.traced("relu5", x, t);
        let x = t.record("pool5", "MaxPool2d", self.pool.forward_with_kernels(x));
        let x = match &self.avgpool {
            Some(avgpool) => t.record("avgpool", "AdaptiveAvgPool2d", avgpool.forward(x)),
            None => x,
        };
        let x = flatten("flatten", x, t);
        let x = t.record("dropout6", "Dropout", self.dropout.forward(x));
        let x = t.record("fc6", "Linear", self.fc6.forward(x));
        let x = relu.traced("relu6", x, t);
        let x = t.record("dropout7", "Dropout", self.dropout.forward(x));
        let x = t.record("fc7", "Linear", self.fc7.forward(x));
        let x = relu.traced("relu7", x, t);
        t.record("fc8", "Linear", self.fc8.forward(x))
    }
}
