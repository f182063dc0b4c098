//! GoogLeNet / Inception v1 (Szegedy et al. 2015) in torchvision's layout: batch norm in every
//! convolution, 3x3 instead of 5x5 in the third branch, no auxiliary classifiers. Stem
//! conv 7x7/2 -> max-pool -> conv 1x1 -> conv 3x3 -> max-pool, nine Inception modules
//! (3a-b, 4a-e, 5a-b) with max-pools between groups, global average pool, dropout 0.2,
//! FC 1024 -> classes. Input 3x224x224; 6,624,904 parameters with 1000 classes.

use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;

use crate::inception::{BasicConv2d, Inception, InceptionConfig};
use crate::init;
use crate::layers::flatten;
use crate::trace::{Trace, TracedForward};
use kernels::max_pool::MaxPool2dForward;

/// The nine Inception modules: name and the paper's Table 1 widths
/// (`#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj`); a max-pool follows 3b and 4e.
pub const INCEPTION_TABLE: [(&str, [usize; 6]); 9] = [
    ("inception3a", [64, 96, 128, 16, 32, 32]),
    ("inception3b", [128, 128, 192, 32, 96, 64]),
    ("inception4a", [192, 96, 208, 16, 48, 64]),
    ("inception4b", [160, 112, 224, 24, 64, 64]),
    ("inception4c", [128, 128, 256, 24, 64, 64]),
    ("inception4d", [112, 144, 288, 32, 64, 64]),
    ("inception4e", [256, 160, 320, 32, 128, 128]),
    ("inception5a", [256, 160, 320, 32, 128, 128]),
    ("inception5b", [384, 192, 384, 48, 128, 128]),
];

/// Configuration of a [`GoogLeNet`].
#[derive(Config, Debug)]
pub struct GoogLeNetConfig {
    /// Input channels.
    #[config(default = 3)]
    pub in_channels: usize,
    /// Number of classes.
    #[config(default = 1000)]
    pub num_classes: usize,
    /// Dropout before the classifier.
    #[config(default = 0.2)]
    pub dropout: f64,
    /// Kernel of each Inception module's third branch: 3 (torchvision) or 5 (paper).
    #[config(default = 3)]
    pub branch3_kernel: usize,
}

/// GoogLeNet: `[N, C, 224, 224]` to `[N, classes]`.
#[derive(Module, Debug)]
pub struct GoogLeNet {
    /// Conv 7x7 stride 2, C -> 64.
    pub conv1: BasicConv2d,
    /// Conv 1x1, 64 -> 64.
    pub conv2: BasicConv2d,
    /// Conv 3x3, 64 -> 192.
    pub conv3: BasicConv2d,
    /// Inception 3a ... 5b, in order.
    pub inceptions: Vec<Inception>,
    /// Max-pool 3x3 stride 2 (ceil mode), used after conv1, conv3 and inception 3b.
    pub pool: MaxPool2d,
    /// Max-pool 2x2 stride 2 (ceil mode) after inception 4e.
    pub pool4: MaxPool2d,
    /// Global average pool.
    pub avgpool: AdaptiveAvgPool2d,
    /// Dropout before the classifier.
    pub dropout: Dropout,
    /// FC 1024 -> classes.
    pub fc: Linear,
}

impl GoogLeNetConfig {
    /// Builds the network on `device`, initialized as torchvision's GoogLeNet ([`init::GOOGLENET`]).
    pub fn init(&self, device: &Device) -> GoogLeNet {
        let mut in_channels = 192;
        let inceptions = INCEPTION_TABLE
            .iter()
            .map(|(_, [c1, c3r, c3, c5r, c5, pp])| {
                let config = InceptionConfig::new(in_channels, *c1, *c3r, *c3, *c5r, *c5, *pp)
                    .with_branch3_kernel(self.branch3_kernel);
                in_channels = config.out_channels();
                config.init(device)
            })
            .collect();
        init::GOOGLENET.apply(GoogLeNet {
            conv1: BasicConv2d::new(self.in_channels, 64, 7, 2, 3, device),
            conv2: BasicConv2d::new(64, 64, 1, 1, 0, device),
            conv3: BasicConv2d::new(64, 192, 3, 1, 1, device),
            inceptions,
            pool: MaxPool2dConfig::new([3, 3])
                .with_strides([2, 2])
                .with_ceil_mode(true)
                .init(),
            pool4: MaxPool2dConfig::new([2, 2]).with_ceil_mode(true).init(),
            avgpool: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            dropout: DropoutConfig::new(self.dropout).init(),
            fc: LinearConfig::new(in_channels, self.num_classes).init(device),
        })
    }
}

impl GoogLeNet {
    /// Images `[N, C, 224, 224]` to logits `[N, classes]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_traced(images, &mut Trace::disabled())
    }
}

impl TracedForward for GoogLeNet {
    fn forward_traced(&self, images: Tensor<4>, t: &mut Trace) -> Tensor<2> {
        let x = t.scoped("conv1", |t| self.conv1.forward(images, t));
        let x = t.record("maxpool1", "MaxPool2d", self.pool.forward_with_kernels(x));
        let x = t.scoped("conv2", |t| self.conv2.forward(x, t));
        let x = t.scoped("conv3", |t| self.conv3.forward(x, t));
        let mut x = t.record("maxpool2", "MaxPool2d", self.pool.forward_with_kernels(x));
        for (i, ((name, _), inception)) in INCEPTION_TABLE.iter().zip(&self.inceptions).enumerate()
        {
            x = t.scoped(format_args!("inceptions.{i}"), |t| inception.forward(x, t));
            match *name {
                "inception3b" => {
                    x = t.record("maxpool3", "MaxPool2d", self.pool.forward_with_kernels(x))
                }
                "inception4e" => {
                    x = t.record("maxpool4", "MaxPool2d", self.pool4.forward_with_kernels(x))
                }
                _ => {}
            }
        }
        let x = t.record("avgpool", "AdaptiveAvgPool2d", self.avgpool.forward(x));
        let x = flatten("flatten", x, t);
        let x = t.record("dropout", "Dropout", self.dropout.forward(x));
        t.record("fc", "Linear", self.fc.forward(x))
    }
}
