//! The LeNet family on one skeleton (LeCun et al. 1998, "Gradient-based learning applied to
//! document recognition"): C1 conv 5x5 -> 6 maps, S2 pool, C3 conv 5x5 -> 16 maps, S4 pool,
//! C5 (a 5x5 conv to 120 maps, or flatten + FC to 120), F6 FC 120 -> 84, output FC 84 -> classes.
//!
//! Three presets differ only in configuration, not in code:
//! - [`LeNetConfig::lenet5`] — the PyTorch tutorial's LeNet-5: ReLU, max-pool, flatten 400 -> 120; 1x32x32; 61,706 parameters.
//! - [`LeNetConfig::classic`] — LeCun 1998: tanh, average-pool, C5 as a 16 -> 120 5x5 conv; 1x32x32; 61,706 parameters.
//! - [`LeNetConfig::d2l`] — Dive into Deep Learning's LeNet: sigmoid, max-pool, on 28x28, flatten 256 -> 120; 44,426 parameters;
//!   d2l's `init_cnn` (Xavier-uniform weights).

use burn::nn::conv::Conv2d;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;

use crate::init;
use crate::layers::{Activation, Pooling, conv, flatten};
use crate::trace::{Trace, TracedForward};
use kernels::conv::Conv2dForward;

/// Configuration of a [`LeNet`].
#[derive(Config, Debug)]
pub struct LeNetConfig {
    /// Input channels (1 for MNIST).
    #[config(default = 1)]
    pub in_channels: usize,
    /// Number of classes.
    #[config(default = 10)]
    pub num_classes: usize,
    /// Side of the square input the FC layers are sized for (32 for LeNet-5, 28 for d2l).
    #[config(default = 32)]
    pub input_size: usize,
    /// Non-linearity after every layer but the output.
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    /// Kind of the S2/S4 sub-sampling layers (2x2, stride 2).
    #[config(default = "Pooling::Max")]
    pub pooling: Pooling,
    /// LeCun's C5: a 5x5 convolution to 120 maps instead of flatten + fully connected.
    #[config(default = false)]
    pub conv_c5: bool,
    /// d2l's `init_cnn`: every weight drawn by `nn.init.xavier_uniform_`, i.e. from
    /// U(±sqrt(6 / (fan_in + fan_out))); biases keep the default init. Otherwise PyTorch's
    /// default (Kaiming-uniform, bound 1/sqrt(fan_in)).
    #[config(default = false)]
    pub xavier_init: bool,
}

/// The C5 layer: a convolution (classic) or a fully connected layer after flattening.
#[derive(Module, Debug)]
pub enum C5 {
    /// 16 -> 120 maps, 5x5 kernel, applied to the 16x5x5 S4 output.
    Conv(Conv2d),
    /// Flattened S4 output -> 120.
    Linear(Linear),
}

/// A LeNet: images `[N, C, S, S]` (S = `input_size`) to logits `[N, classes]`.
#[derive(Module, Debug)]
pub struct LeNet {
    /// C1: conv 5x5, `in_channels` -> 6.
    pub c1: Conv2d,
    /// C3: conv 5x5, 6 -> 16.
    pub c3: Conv2d,
    /// C5: 120 features.
    pub c5: C5,
    /// F6: 120 -> 84.
    pub f6: Linear,
    /// Output: 84 -> classes.
    pub output: Linear,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    pooling: Pooling,
}

impl LeNetConfig {
    /// The PyTorch tutorial's LeNet-5 (ReLU, max-pool, 1x32x32): 61,706 parameters.
    pub fn lenet5() -> Self {
        Self::new()
    }

    /// LeCun 1998 (tanh, average-pool, C5 as a convolution, 1x32x32): 61,706 parameters.
    pub fn classic() -> Self {
        Self::new()
            .with_activation(Activation::Tanh)
            .with_pooling(Pooling::Avg)
            .with_conv_c5(true)
    }

    /// d2l's LeNet (sigmoid, max-pool, 1x28x28, no padding, Xavier-uniform weights): 44,426
    /// parameters.
    pub fn d2l() -> Self {
        Self::new()
            .with_activation(Activation::Sigmoid)
            .with_input_size(28)
            .with_xavier_init(true)
    }

    /// Side of the S4 output maps for this input size: `((S - 4) / 2 - 4) / 2` (5 at 32, 4 at 28).
    pub fn s4_size(&self) -> usize {
        (self.input_size.saturating_sub(4) / 2).saturating_sub(4) / 2
    }

    /// Builds the network on `device`.
    ///
    /// # Panics
    /// If `input_size` is too small for two 5x5 convolutions and two poolings (or, with
    /// `conv_c5`, not exactly 32, where C5 sees 5x5 maps).
    pub fn init(&self, device: &Device) -> LeNet {
        let s4 = self.s4_size();
        assert!(
            s4 >= 1,
            "LeNet needs inputs of at least 16x16, got {}",
            self.input_size
        );
        let c5 = if self.conv_c5 {
            assert_eq!(s4, 5, "LeNet with a convolutional C5 needs 32x32 inputs");
            C5::Conv(conv(16, 120, 5, 1, 0, true, device))
        } else {
            C5::Linear(LinearConfig::new(16 * s4 * s4, 120).init(device))
        };
        let net = LeNet {
            c1: conv(self.in_channels, 6, 5, 1, 0, true, device),
            c3: conv(6, 16, 5, 1, 0, true, device),
            c5,
            f6: LinearConfig::new(120, 84).init(device),
            output: LinearConfig::new(84, self.num_classes).init(device),
            activation: self.activation,
            pooling: self.pooling,
        };
        if self.xavier_init {
            init::D2L_CNN.apply(net)
        } else {
            net
        }
    }
}

impl LeNet {
    /// Images `[N, C, S, S]` to logits `[N, classes]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_traced(images, &mut Trace::disabled())
    }
}

impl TracedForward for LeNet {
    fn forward_traced(&self, images: Tensor<4>, trace: &mut Trace) -> Tensor<2> {
        let act = self.activation;
        let x = trace.record("c1", "Conv2d", self.c1.forward_with_kernels(images));
        let x = act.traced("act1", x, trace);
        let x = self.pooling.traced("s2", 2, x, trace);
        let x = trace.record("c3", "Conv2d", self.c3.forward_with_kernels(x));
        let x = act.traced("act3", x, trace);
        let x = self.pooling.traced("s4", 2, x, trace);
        let x = match &self.c5 {
            C5::Conv(c5) => {
                let x = trace.record("c5", "Conv2d", c5.forward_with_kernels(x));
                flatten("flatten", x, trace)
            }
            C5::Linear(c5) => {
                let x = flatten("flatten", x, trace);
                trace.record("c5", "Linear", c5.forward(x))
            }
        };
        let x = act.traced("act5", x, trace);
        let x = trace.record("f6", "Linear", self.f6.forward(x));
        let x = act.traced("act6", x, trace);
        trace.record("output", "Linear", self.output.forward(x))
    }
}
