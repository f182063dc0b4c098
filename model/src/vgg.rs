//! VGG (Simonyan & Zisserman 2015, "Very Deep Convolutional Networks for Large-Scale Image
//! Recognition"), configurations A, B, D, E = VGG-11, 13, 16, 19 from one table, in
//! torchvision's layout: 3x3 convolutions (pad 1) + ReLU, 2x2 max-pools, adaptive average
//! pool to 7x7, then FC 25088 -> 4096 -> 4096 -> classes with dropout. Input 3x224x224;
//! 132,863,336 / 133,047,848 / 138,357,544 / 143,667,240 parameters with 1000 classes.
//! `batch_norm = true` gives the `_bn` variants (batch norm after every convolution).

use burn::nn::conv::Conv2d;
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;

use crate::init;
use crate::layers::{Activation, batch_norm_relu, conv, flatten};
use crate::trace::{Trace, TracedForward};
use kernels::conv::Conv2dForward;

/// The convolution widths of each stage (a max-pool follows every stage), per depth:
/// the paper's Table 1, columns A (11), B (13), D (16) and E (19).
pub const VGG_STAGES: [(usize, [&[usize]; 5]); 4] = [
    (11, [&[64], &[128], &[256, 256], &[512, 512], &[512, 512]]),
    (
        13,
        [
            &[64, 64],
            &[128, 128],
            &[256, 256],
            &[512, 512],
            &[512, 512],
        ],
    ),
    (
        16,
        [
            &[64, 64],
            &[128, 128],
            &[256, 256, 256],
            &[512, 512, 512],
            &[512, 512, 512],
        ],
    ),
    (
        19,
        [
            &[64, 64],
            &[128, 128],
            &[256, 256, 256, 256],
            &[512, 512, 512, 512],
            &[512, 512, 512, 512],
        ],
    ),
];

/// Configuration of a [`Vgg`].
#[derive(Config, Debug)]
pub struct VggConfig {
    /// 11, 13, 16 or 19.
    pub depth: usize,
    /// Input channels.
    #[config(default = 3)]
    pub in_channels: usize,
    /// Number of classes.
    #[config(default = 1000)]
    pub num_classes: usize,
    /// Batch norm after every convolution (torchvision's `vgg16_bn`).
    #[config(default = false)]
    pub batch_norm: bool,
    /// Dropout probability in the classifier.
    #[config(default = 0.5)]
    pub dropout: f64,
}

/// VGG: `[N, C, H, W]` (224x224 in the paper; any size >= 32) to `[N, classes]`.
#[derive(Module, Debug)]
pub struct Vgg {
    /// All 3x3 convolutions in order (`depth - 3` of them).
    pub convs: Vec<Conv2d>,
    /// One batch norm per convolution, or none.
    pub norms: Vec<BatchNorm>,
    /// 2x2 max-pool after each stage.
    pub pool: MaxPool2d,
    /// Adaptive average pool to 7x7 (identity at 224x224).
    pub avgpool: AdaptiveAvgPool2d,
    /// FC 512·7·7 -> 4096.
    pub fc1: Linear,
    /// FC 4096 -> 4096.
    pub fc2: Linear,
    /// FC 4096 -> classes.
    pub fc3: Linear,
    /// Dropout before fc2 and fc3 (after each hidden FC layer, as torchvision).
    pub dropout: Dropout,
    /// Number of convolutions in each of the 5 stages.
    #[module(skip)]
    stage_lengths: [usize; 5],
}

impl VggConfig {
    /// The stage widths for this depth, or `None` for a depth not in the table.
    pub fn stages(&self) -> Option<[&'static [usize]; 5]> {
        VGG_STAGES
            .iter()
            .find(|(depth, _)| *depth == self.depth)
            .map(|(_, stages)| *stages)
    }

    /// Builds the network on `device`, initialized as torchvision's VGG ([`init::VGG`]).
    ///
    /// # Panics
    /// If `depth` is not 11, 13, 16 or 19.
    pub fn init(&self, device: &Device) -> Vgg {
        let stages = self
            .stages()
            .unwrap_or_else(|| panic!("VGG depth must be 11, 13, 16 or 19, got {}", self.depth));
        let mut convs = Vec::new();
        let mut norms = Vec::new();
        let mut c_in = self.in_channels;
        for &width in stages.iter().flat_map(|s| s.iter()) {
            convs.push(conv(c_in, width, 3, 1, 1, true, device));
            if self.batch_norm {
                norms.push(BatchNormConfig::new(width).init(device));
            }
            c_in = width;
        }
        init::VGG.apply(Vgg {
            convs,
            norms,
            pool: MaxPool2dConfig::new([2, 2]).init(),
            avgpool: AdaptiveAvgPool2dConfig::new([7, 7]).init(),
            fc1: LinearConfig::new(512 * 7 * 7, 4096).init(device),
            fc2: LinearConfig::new(4096, 4096).init(device),
            fc3: LinearConfig::new(4096, self.num_classes).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            stage_lengths: stages.map(|s| s.len()),
        })
    }
}

impl Vgg {
    /// Number of convolutions in each of the 5 stages (each stage ends in a max-pool).
    pub fn stage_lengths(&self) -> [usize; 5] {
        self.stage_lengths
    }

    /// Images `[N, C, H, W]` to logits `[N, classes]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_traced(images, &mut Trace::disabled())
    }
}

impl TracedForward for Vgg {
    fn forward_traced(&self, images: Tensor<4>, t: &mut Trace) -> Tensor<2> {
        let relu = Activation::Relu;
        let mut x = images;
        let mut index = 0;
        for (stage, &len) in self.stage_lengths.iter().enumerate() {
            for _ in 0..len {
                x = t.record(
                    format_args!("convs.{index}"),
                    "Conv2d",
                    self.convs[index].forward_with_kernels(x),
                );
                x = match self.norms.get(index) {
                    Some(norm) => {
                        let names = (format_args!("norms.{index}"), format_args!("relu.{index}"));
                        batch_norm_relu(norm, x, names, t)
                    }
                    None => relu.traced(format_args!("relu.{index}"), x, t),
                };
                index += 1;
            }
            x = t.record(
                format_args!("pool.{stage}"),
                "MaxPool2d",
                self.pool.forward(x),
            );
        }
        let x = t.record("avgpool", "AdaptiveAvgPool2d", self.avgpool.forward(x));
        let x = flatten("flatten", x, t);
        let x = t.record("fc1", "Linear", self.fc1.forward(x));
        let x = relu.traced("relu_fc1", x, t);
        let x = t.record("dropout1", "Dropout", self.dropout.forward(x));
        let x = t.record("fc2", "Linear", self.fc2.forward(x));
        let x = relu.traced("relu_fc2", x, t);
        let x = t.record("dropout2", "Dropout", self.dropout.forward(x));
        t.record("fc3", "Linear", self.fc3.forward(x))
    }
}
