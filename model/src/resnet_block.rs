//! The residual blocks of ResNet (He et al. 2016, "Deep Residual Learning for Image
//! Recognition"): the basic block (two 3x3 convolutions, expansion 1; ResNet-18/34) and the
//! bottleneck block (1x1 reduce, 3x3, 1x1 expand by 4; ResNet-50/101/152, stride on the 3x3
//! as torchvision's "v1.5"). When the block changes the shape (stride ≠ 1 or channels differ)
//! the shortcut is a projection: 1x1 conv (stride) + batch norm. Output: `relu(F(x) + shortcut(x))`.

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, BatchNormConfig};
use burn::prelude::*;

use crate::layers::{batch_norm_relu, conv};
use crate::trace::Trace;
use kernels::batch_norm::BatchNormForward;
use kernels::conv::Conv2dForward;

/// Which residual block a ResNet stacks.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// Two 3x3 convolutions; output channels = width.
    Basic,
    /// 1x1, 3x3, 1x1; output channels = 4 · width.
    Bottleneck,
}

impl BlockKind {
    /// Output channels per unit of width: 1 (basic) or 4 (bottleneck).
    pub fn expansion(self) -> usize {
        match self {
            BlockKind::Basic => 1,
            BlockKind::Bottleneck => 4,
        }
    }
}

/// The projection shortcut: 1x1 conv with the block's stride, then batch norm.
#[derive(Module, Debug)]
pub struct Downsample {
    /// 1x1 convolution, no bias.
    pub conv: Conv2d,
    /// Batch norm.
    pub bn: BatchNorm,
}

/// Basic block: `[N, c_in, H, W]` -> `[N, width, H/stride, W/stride]`.
#[derive(Module, Debug)]
pub struct BasicBlock {
    /// 3x3 conv with the block's stride.
    pub conv1: Conv2d,
    /// Batch norm after conv1.
    pub bn1: BatchNorm,
    /// 3x3 conv.
    pub conv2: Conv2d,
    /// Batch norm after conv2.
    pub bn2: BatchNorm,
    /// Projection shortcut, when the shape changes.
    pub downsample: Option<Downsample>,
}

/// Bottleneck block: `[N, c_in, H, W]` -> `[N, 4·width, H/stride, W/stride]`.
#[derive(Module, Debug)]
pub struct Bottleneck {
    /// 1x1 conv to `width`.
    pub conv1: Conv2d,
    /// Batch norm after conv1.
    pub bn1: BatchNorm,
    /// 3x3 conv with the block's stride.
    pub conv2: Conv2d,
    /// Batch norm after conv2.
    pub bn2: BatchNorm,
    /// 1x1 conv to `4·width`.
    pub conv3: Conv2d,
    /// Batch norm after conv3.
    pub bn3: BatchNorm,
    /// Projection shortcut, when the shape changes.
    pub downsample: Option<Downsample>,
}

/// A residual block of either kind.
// Built once per model, never moved in a hot loop; burn's Module derive does not take boxes.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum ResidualBlock {
    /// See [`BasicBlock`].
    Basic(BasicBlock),
    /// See [`Bottleneck`].
    Bottleneck(Bottleneck),
}

fn bn(channels: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(channels).init(device)
}

/// Shape of one residual block.
#[derive(Config, Debug, Copy)]
pub struct ResidualBlockConfig {
    /// Basic or bottleneck.
    pub kind: BlockKind,
    /// Input channels.
    pub in_channels: usize,
    /// Width (output channels = width · expansion).
    pub width: usize,
    /// Stride of the block's spatial convolution (and of its shortcut).
    #[config(default = 1)]
    pub stride: usize,
    /// Start the branch's last batch norm (`bn2`, or `bn3` in a bottleneck) with γ = 0, so
    /// that the block begins as its shortcut (torchvision's `zero_init_residual`).
    #[config(default = false)]
    pub zero_init_residual: bool,
}

impl ResidualBlockConfig {
    /// Output channels: `width · expansion`.
    pub fn out_channels(&self) -> usize {
        self.width * self.kind.expansion()
    }

    /// The batch norm that ends the residual branch: γ = 0 with `zero_init_residual`.
    fn last_bn(&self, channels: usize, device: &Device) -> BatchNorm {
        let mut norm = bn(channels, device);
        if self.zero_init_residual {
            norm.gamma = norm.gamma.init_mapper(|gamma| gamma.zeros_like());
        }
        norm
    }

    /// Builds the block on `device`, with a projection shortcut when the shape changes.
    pub fn init(&self, device: &Device) -> ResidualBlock {
        let (c_in, w, s, out) = (
            self.in_channels,
            self.width,
            self.stride,
            self.out_channels(),
        );
        let downsample = (s != 1 || c_in != out).then(|| Downsample {
            conv: conv(c_in, out, 1, s, 0, false, device),
            bn: bn(out, device),
        });
        match self.kind {
            BlockKind::Basic => ResidualBlock::Basic(BasicBlock {
                conv1: conv(c_in, w, 3, s, 1, false, device),
                bn1: bn(w, device),
                conv2: conv(w, w, 3, 1, 1, false, device),
                bn2: self.last_bn(w, device),
                downsample,
            }),
            BlockKind::Bottleneck => ResidualBlock::Bottleneck(Bottleneck {
                conv1: conv(c_in, w, 1, 1, 0, false, device),
                bn1: bn(w, device),
                conv2: conv(w, w, 3, s, 1, false, device),
                bn2: bn(w, device),
                conv3: conv(w, out, 1, 1, 0, false, device),
                bn3: self.last_bn(out, device),
                downsample,
            }),
        }
    }
}

fn shortcut(downsample: &Option<Downsample>, x: Tensor<4>, t: &mut Trace) -> Tensor<4> {
    match downsample {
        Some(d) => {
            let x = t.record("downsample.conv", "Conv2d", d.conv.forward_with_kernels(x));
            t.record("downsample.bn", "BatchNorm", d.bn.forward_with_kernels(x))
        }
        None => x,
    }
}

impl ResidualBlock {
    /// `relu(F(x) + shortcut(x))`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.forward_traced(x, &mut Trace::disabled())
    }

    /// [`forward`](Self::forward), recording each layer in `t`.
    pub fn forward_traced(&self, x: Tensor<4>, t: &mut Trace) -> Tensor<4> {
        // The last batch norm, the addition of the shortcut and the ReLU run as one op
        // (`forward_add_relu_with_kernels`); the batch norm's trace row (its output shape, the same
        // as its input's) is recorded before the shortcut's rows, in the layers' order.
        let (last_bn, y, downsample) = match self {
            ResidualBlock::Basic(b) => {
                let y = t.record("conv1", "Conv2d", b.conv1.forward_with_kernels(x.clone()));
                let y = batch_norm_relu(&b.bn1, y, ("bn1", "relu1"), t);
                let y = t.record("conv2", "Conv2d", b.conv2.forward_with_kernels(y));
                (&b.bn2, t.record("bn2", "BatchNorm", y), &b.downsample)
            }
            ResidualBlock::Bottleneck(b) => {
                let y = t.record("conv1", "Conv2d", b.conv1.forward_with_kernels(x.clone()));
                let y = batch_norm_relu(&b.bn1, y, ("bn1", "relu1"), t);
                let y = t.record("conv2", "Conv2d", b.conv2.forward_with_kernels(y));
                let y = batch_norm_relu(&b.bn2, y, ("bn2", "relu2"), t);
                let y = t.record("conv3", "Conv2d", b.conv3.forward_with_kernels(y));
                (&b.bn3, t.record("bn3", "BatchNorm", y), &b.downsample)
            }
        };
        let identity = shortcut(downsample, x, t);
        t.record(
            "relu",
            "ReLU",
            last_bn.forward_add_relu_with_kernels(y, identity),
        )
    }
}
