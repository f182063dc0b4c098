//! ResNet-10/18/34/50/101/152 (He et al. 2016) from one builder and a depth table, as
//! torchvision's `models/resnet.py`: a stem, four stages of residual blocks (widths 64, 128,
//! 256, 512; stages 2-4 start with stride 2), global average pool, FC. Two stems:
//! - ImageNet (3x224x224): conv 7x7/2 + BN + ReLU + max-pool 3x3/2.
//!   11,689,512 / 21,797,672 / 25,557,032 / 44,549,160 / 60,192,808 parameters (1000 classes).
//! - CIFAR (3x32x32): conv 3x3/1 + BN + ReLU, no max-pool (the course's ResNet-18 for CIFAR-10).

use burn::nn::conv::Conv2d;
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;

use crate::init;
use crate::layers::{batch_norm_relu, conv, flatten};
use crate::resnet_block::{BlockKind, ResidualBlock, ResidualBlockConfig};
use crate::trace::{Trace, TracedForward};
use kernels::conv::Conv2dForward;
use kernels::max_pool::MaxPool2dForward;

/// Blocks per stage for each depth: (depth, block kind, [blocks in stage 1..4]).
/// ResNet-10 (one basic block per stage) is not in the paper or torchvision; it is the
/// smallest member of the family, used for small images on the CPU.
pub const RESNET_DEPTHS: [(usize, BlockKind, [usize; 4]); 6] = [
    (10, BlockKind::Basic, [1, 1, 1, 1]),
    (18, BlockKind::Basic, [2, 2, 2, 2]),
    (34, BlockKind::Basic, [3, 4, 6, 3]),
    (50, BlockKind::Bottleneck, [3, 4, 6, 3]),
    (101, BlockKind::Bottleneck, [3, 4, 23, 3]),
    (152, BlockKind::Bottleneck, [3, 8, 36, 3]),
];

/// Stage widths relative to the stem width (before the bottleneck's expansion): with the
/// standard `base_width` 64 they are 64, 128, 256, 512.
const STAGE_MULTIPLIERS: [usize; 4] = [1, 2, 4, 8];

/// The first layers, which set the input resolution the network is made for.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum Stem {
    /// 7x7/2 conv + 3x3/2 max-pool: for 224x224 images.
    ImageNet,
    /// 3x3/1 conv, no pooling: for 32x32 images (CIFAR).
    Cifar,
}

/// Configuration of a [`ResNet`].
#[derive(Config, Debug)]
pub struct ResNetConfig {
    /// 10, 18, 34, 50, 101 or 152.
    pub depth: usize,
    /// Input channels.
    #[config(default = 3)]
    pub in_channels: usize,
    /// Number of classes.
    #[config(default = 1000)]
    pub num_classes: usize,
    /// ImageNet or CIFAR stem.
    #[config(default = "Stem::ImageNet")]
    pub stem: Stem,
    /// Stem and stage-1 width; stages 2-4 double it each time. 64 in the paper and
    /// torchvision; a narrower network (16 or 32) trains far faster on small images.
    #[config(default = 64)]
    pub base_width: usize,
    /// Start the last batch norm of every residual branch with γ = 0, so that each block
    /// begins as the identity (torchvision's `zero_init_residual`; off by default there too).
    #[config(default = false)]
    pub zero_init_residual: bool,
}

/// ResNet: `[N, C, H, W]` (224x224 with the ImageNet stem, 32x32 with the CIFAR stem) to `[N, classes]`.
#[derive(Module, Debug)]
pub struct ResNet {
    /// Stem convolution (7x7/2 or 3x3/1), no bias.
    pub conv1: Conv2d,
    /// Stem batch norm.
    pub bn1: BatchNorm,
    /// Stem max-pool (ImageNet stem only).
    pub maxpool: Option<MaxPool2d>,
    /// Stage 1 (width 64, stride 1).
    pub layer1: Vec<ResidualBlock>,
    /// Stage 2 (width 128, stride 2).
    pub layer2: Vec<ResidualBlock>,
    /// Stage 3 (width 256, stride 2).
    pub layer3: Vec<ResidualBlock>,
    /// Stage 4 (width 512, stride 2).
    pub layer4: Vec<ResidualBlock>,
    /// Global average pool.
    pub avgpool: AdaptiveAvgPool2d,
    /// FC 512·expansion -> classes.
    pub fc: Linear,
}

impl ResNetConfig {
    /// The (block kind, blocks per stage) of this depth, or `None` for a depth not in the table.
    pub fn layout(&self) -> Option<(BlockKind, [usize; 4])> {
        RESNET_DEPTHS
            .iter()
            .find(|(depth, _, _)| *depth == self.depth)
            .map(|(_, kind, blocks)| (*kind, *blocks))
    }

    /// Builds the network on `device`, initialized as torchvision's ResNet ([`init::RESNET`]).
    ///
    /// # Panics
    /// If `depth` is not 10, 18, 34, 50, 101 or 152.
    pub fn init(&self, device: &Device) -> ResNet {
        let (kind, blocks) = self.layout().unwrap_or_else(|| {
            panic!(
                "ResNet depth must be 10, 18, 34, 50, 101 or 152, got {}",
                self.depth
            )
        });
        let (conv1, maxpool) = match self.stem {
            Stem::ImageNet => (
                conv(self.in_channels, self.base_width, 7, 2, 3, false, device),
                Some(
                    MaxPool2dConfig::new([3, 3])
                        .with_strides([2, 2])
                        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                        .init(),
                ),
            ),
            Stem::Cifar => (
                conv(self.in_channels, self.base_width, 3, 1, 1, false, device),
                None,
            ),
        };
        let mut in_channels = self.base_width;
        // `from_fn` builds the stages in order, so channels flow from one stage to the next.
        let stages: [Vec<ResidualBlock>; 4] = std::array::from_fn(|stage| {
            let width = self.base_width * STAGE_MULTIPLIERS[stage];
            // Stages 2-4 halve the resolution in their first block (stage 1 follows the stem).
            let first_stride = if stage == 0 { 1 } else { 2 };
            (0..blocks[stage])
                .map(|b| {
                    let stride = if b == 0 { first_stride } else { 1 };
                    let config = ResidualBlockConfig::new(kind, in_channels, width)
                        .with_stride(stride)
                        .with_zero_init_residual(self.zero_init_residual);
                    in_channels = config.out_channels();
                    config.init(device)
                })
                .collect::<Vec<_>>()
        });
        let [layer1, layer2, layer3, layer4] = stages;
        init::RESNET.apply(ResNet {
            conv1,
            bn1: BatchNormConfig::new(self.base_width).init(device),
            maxpool,
            layer1,
            layer2,
            layer3,
            layer4,
            avgpool: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            fc: LinearConfig::new(in_channels, self.num_classes).init(device),
        })
    }
}

impl ResNet {
    /// Images `[N, C, H, W]` to logits `[N, classes]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_traced(images, &mut Trace::disabled())
    }

    /// The four stages with their names.
    fn stages(&self) -> [(&'static str, &Vec<ResidualBlock>); 4] {
        [
            ("layer1", &self.layer1),
            ("layer2", &self.layer2),
            ("layer3", &self.layer3),
            ("layer4", &self.layer4),
        ]
    }
}

impl TracedForward for ResNet {
    fn forward_traced(&self, images: Tensor<4>, t: &mut Trace) -> Tensor<2> {
        let x = t.record("conv1", "Conv2d", self.conv1.forward_with_kernels(images));
        let mut x = batch_norm_relu(&self.bn1, x, ("bn1", "relu"), t);
        if let Some(pool) = &self.maxpool {
            x = t.record("maxpool", "MaxPool2d", pool.forward_with_kernels(x));
        }
        for (name, blocks) in self.stages() {
            for (i, block) in blocks.iter().enumerate() {
                x = t.scoped(format_args!("{name}.{i}"), |t| block.forward_traced(x, t));
            }
        }
        let x = t.record("avgpool", "AdaptiveAvgPool2d", self.avgpool.forward(x));
        let x = flatten("flatten", x, t);
        t.record("fc", "Linear", self.fc.forward(x))
    }
}
