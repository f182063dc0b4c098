//! AlexNet as in Krizhevsky, Sutskever & Hinton 2012, "ImageNet Classification with Deep
//! Convolutional Neural Networks", on one device (no two-GPU channel groups): conv 96 11x11
//! stride 4, LRN, max-pool 3/2, conv 256 5x5 pad 2, LRN, max-pool, conv 384, 384, 256 (3x3
//! pad 1), max-pool, then dropout + FC 9216 -> 4096 -> 4096 -> classes. Input 3x227x227;
//! 62,378,344 parameters with 1000 classes. Feature maps: 96x55x55, 96x27x27, 256x27x27,
//! 256x13x13, 384x13x13, 384x13x13, 256x13x13, 256x6x6.

use burn::nn::conv::Conv2d;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    Dropout, DropoutConfig, Linear, LinearConfig, LocalResponseNorm, LocalResponseNormConfig,
};
use burn::prelude::*;

use crate::layers::{Activation, conv, flatten};
use crate::trace::{Trace, TracedForward};

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
}

/// AlexNet (2012 paper layout): `[N, C, 227, 227]` to `[N, classes]`.
#[derive(Module, Debug)]
pub struct AlexNet {
    /// Conv 11x11 stride 4, C -> 96.
    pub conv1: Conv2d,
    /// Conv 5x5 pad 2, 96 -> 256.
    pub conv2: Conv2d,
    /// Conv 3x3 pad 1, 256 -> 384.
    pub conv3: Conv2d,
    /// Conv 3x3 pad 1, 384 -> 384.
    pub conv4: Conv2d,
    /// Conv 3x3 pad 1, 384 -> 256.
    pub conv5: Conv2d,
    /// Local response normalization (k = 2, n = 5, α = 1e-4, β = 0.75) after conv1 and conv2.
    pub lrn: LocalResponseNorm,
    /// Overlapping max-pool 3x3 stride 2.
    pub pool: MaxPool2d,
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
        AlexNet {
            conv1: conv(self.in_channels, 96, 11, 4, 0, true, device),
            conv2: conv(96, 256, 5, 1, 2, true, device),
            conv3: conv(256, 384, 3, 1, 1, true, device),
            conv4: conv(384, 384, 3, 1, 1, true, device),
            conv5: conv(384, 256, 3, 1, 1, true, device),
            lrn: LocalResponseNormConfig::new(5).with_k(2.0).init(),
            pool: MaxPool2dConfig::new([3, 3]).with_strides([2, 2]).init(),
            dropout: DropoutConfig::new(self.dropout).init(),
            fc6: LinearConfig::new(256 * 6 * 6, 4096).init(device),
            fc7: LinearConfig::new(4096, 4096).init(device),
            fc8: LinearConfig::new(4096, self.num_classes).init(device),
        }
    }
}

impl AlexNet {
    /// Images `[N, C, 227, 227]` to logits `[N, classes]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_traced(images, &mut Trace::disabled())
    }
}

impl TracedForward for AlexNet {
    fn forward_traced(&self, images: Tensor<4>, t: &mut Trace) -> Tensor<2> {
        let relu = Activation::Relu;
        let x = t.record("conv1", "Conv2d", self.conv1.forward(images));
        let x = relu.traced("relu1", x, t);
        let x = t.record("lrn1", "LocalResponseNorm", self.lrn.forward(x));
        let x = t.record("pool1", "MaxPool2d", self.pool.forward(x));
        let x = t.record("conv2", "Conv2d", self.conv2.forward(x));
        let x = relu.traced("relu2", x, t);
        let x = t.record("lrn2", "LocalResponseNorm", self.lrn.forward(x));
        let x = t.record("pool2", "MaxPool2d", self.pool.forward(x));
        let x = t.record("conv3", "Conv2d", self.conv3.forward(x));
        let x = relu.traced("relu3", x, t);
        let x = t.record("conv4", "Conv2d", self.conv4.forward(x));
        let x = relu.traced("relu4", x, t);
        let x = t.record("conv5", "Conv2d", self.conv5.forward(x));
        let x = relu.traced("relu5", x, t);
        let x = t.record("pool5", "MaxPool2d", self.pool.forward(x));
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
