//! torchvision's weight initialization, architecture by architecture.
//!
//! burn's layers start as PyTorch's do (`Conv2d` and `Linear`: weights and biases uniform in
//! ±1/√fan_in; `BatchNorm`: γ = 1, β = 0), and so do the LeNets and AlexNet here, as
//! torchvision's AlexNet does. torchvision re-draws the weights of three families after
//! building them, with a loop over `self.modules()`; [`InitScheme::apply`] is that loop:
//!
//! | family | convolution weight | convolution bias | linear weight | linear bias |
//! | --- | --- | --- | --- | --- |
//! | ResNet ([`RESNET`]) | Kaiming normal, fan-out, ReLU gain: N(0, 2/fan_out) | (none) | PyTorch's default | PyTorch's default |
//! | VGG ([`VGG`]) | Kaiming normal, fan-out, ReLU gain | 0 | N(0, 0.01²) | 0 |
//! | GoogLeNet ([`GOOGLENET`]) | N(0, 0.01²) truncated to ±2 | (none) | N(0, 0.01²) truncated to ±2 | PyTorch's default |
//! | d2l's LeNet ([`D2L_CNN`], d2l's `init_cnn`) | Xavier uniform | PyTorch's default | Xavier uniform | PyTorch's default |
//!
//! Batch norms keep γ = 1, β = 0 everywhere (torchvision sets the same). `fan_out` is PyTorch's:
//! output channels × kernel height × kernel width. ResNet's optional zero γ on the last batch
//! norm of each residual branch (torchvision's `zero_init_residual`) is
//! [`crate::resnet::ResNetConfig::zero_init_residual`].

use burn::module::{ModuleMapper, Param};
use burn::nn::Initializer;
use burn::prelude::*;

/// How one kind of parameter is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Draw {
    /// Left as the layer made it (PyTorch's default).
    Default,
    /// Kaiming (He) normal with ReLU's gain on the fan-out: N(0, 2 / fan_out).
    KaimingNormalFanOutRelu,
    /// N(0, std²) truncated to ±`bound` (values beyond are clamped; with torchvision's std 0.01
    /// and bound 2 that is 200 standard deviations, so no value ever is).
    TruncatedNormal {
        /// Standard deviation.
        std: f64,
        /// Largest magnitude.
        bound: f64,
    },
    /// N(0, std²).
    Normal {
        /// Standard deviation.
        std: f64,
    },
    /// Xavier (Glorot) uniform, gain 1: U(±√(6 / (fan_in + fan_out))).
    XavierUniform,
    /// All zeros.
    Zeros,
}

/// The draws of one architecture family, by layer kind and parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InitScheme {
    /// `Conv2d` weights `[Co, C, KH, KW]`.
    pub conv_weight: Draw,
    /// `Conv2d` biases `[Co]`.
    pub conv_bias: Draw,
    /// `Linear` weights (burn's layout `[in, out]`).
    pub linear_weight: Draw,
    /// `Linear` biases `[out]`.
    pub linear_bias: Draw,
}

/// torchvision's `ResNet.__init__`.
pub const RESNET: InitScheme = InitScheme {
    conv_weight: Draw::KaimingNormalFanOutRelu,
    conv_bias: Draw::Default,
    linear_weight: Draw::Default,
    linear_bias: Draw::Default,
};

/// torchvision's `VGG.__init__`.
pub const VGG: InitScheme = InitScheme {
    conv_weight: Draw::KaimingNormalFanOutRelu,
    conv_bias: Draw::Zeros,
    linear_weight: Draw::Normal { std: 0.01 },
    linear_bias: Draw::Zeros,
};

/// torchvision's `GoogLeNet.__init__` (`init_weights=True`).
pub const GOOGLENET: InitScheme = InitScheme {
    conv_weight: Draw::TruncatedNormal {
        std: 0.01,
        bound: 2.0,
    },
    conv_bias: Draw::Default,
    linear_weight: Draw::TruncatedNormal {
        std: 0.01,
        bound: 2.0,
    },
    linear_bias: Draw::Default,
};

/// d2l's `init_cnn` (`nn.init.xavier_uniform_` on every convolution and linear weight), which
/// d2l's LeNet trains with.
pub const D2L_CNN: InitScheme = InitScheme {
    conv_weight: Draw::XavierUniform,
    conv_bias: Draw::Default,
    linear_weight: Draw::XavierUniform,
    linear_bias: Draw::Default,
};

impl InitScheme {
    /// Re-draws every `Conv2d` and `Linear` parameter of `module` by this scheme (lazily: a
    /// parameter not yet materialized is drawn once, when first used) and returns the module.
    pub fn apply<M: Module>(&self, module: M) -> M {
        module.map(&mut SchemeMapper {
            scheme: *self,
            path: Vec::new(),
        })
    }

    fn draw_for(&self, field: &str, container: &str) -> Draw {
        match (container, field) {
            ("Struct:Conv2d", "weight") => self.conv_weight,
            ("Struct:Conv2d", "bias") => self.conv_bias,
            ("Struct:Linear", "weight") => self.linear_weight,
            ("Struct:Linear", "bias") => self.linear_bias,
            _ => Draw::Default,
        }
    }
}

/// PyTorch's fans of a weight of this shape: `(fan_in, fan_out)`. A convolution's
/// `[Co, C, KH, KW]` gives `(C·KH·KW, Co·KH·KW)`; burn's linear `[in, out]` gives `(in, out)`.
pub fn fans(dims: &[usize]) -> (usize, usize) {
    match dims {
        [co, c, rest @ ..] if !rest.is_empty() => {
            let receptive: usize = rest.iter().product();
            (c * receptive, co * receptive)
        }
        [d_in, d_out] => (*d_in, *d_out),
        [n] => (*n, *n),
        _ => (1, 1),
    }
}

/// Walks a module as torchvision's loop over `self.modules()` does: burn announces each
/// parameter as a field (`weight`, `bias`) of its layer type (`Struct:Conv2d`, ...).
struct SchemeMapper {
    scheme: InitScheme,
    path: Vec<(String, String)>,
}

impl ModuleMapper for SchemeMapper {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path
            .push((name.to_string(), container_type.to_string()));
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let draw = match self.path.last() {
            Some((field, container)) => self.scheme.draw_for(field, container),
            None => Draw::Default,
        };
        let initializer = match draw {
            Draw::Default => return param,
            Draw::KaimingNormalFanOutRelu => Initializer::KaimingNormal {
                gain: 2f64.sqrt(),
                fan_out_only: true,
            },
            Draw::Normal { std } | Draw::TruncatedNormal { std, .. } => {
                Initializer::Normal { mean: 0.0, std }
            }
            Draw::XavierUniform => Initializer::XavierUniform { gain: 1.0 },
            Draw::Zeros => Initializer::Zeros,
        };
        let shape = param.lazy_shape();
        let (fan_in, fan_out) = fans(shape.as_slice());
        let mut drawn: Param<Tensor<D>> =
            initializer.init_with(shape, Some(fan_in), Some(fan_out), &param.lazy_device());
        if let Draw::TruncatedNormal { bound, .. } = draw {
            drawn = drawn.init_mapper(move |t| t.clamp(-bound, bound));
        }
        drawn.id = param.id;
        drawn
    }
}
