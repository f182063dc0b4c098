//! The model zoo: one registry from a name (`lenet5`, `vgg16`, `resnet18-cifar`, ...) to a
//! buildable [`Network`] with its default input shape and class count, so that command-line
//! tools can take `--model NAME`. Classes and input channels can be overridden.

use std::fmt;

use burn::prelude::*;

use crate::alexnet::{AlexNet, AlexNetConfig, AlexNetLayout};
use crate::googlenet::{GoogLeNet, GoogLeNetConfig};
use crate::lenet::{LeNet, LeNetConfig};
use crate::lenet_fullyconv::{LeNetFullyConv, LeNetFullyConvConfig};
use crate::lenet_res::{LeNetRes, LeNetResConfig};
use crate::resnet::{ResNet, ResNetConfig, Stem};
use crate::trace::{Trace, TracedForward};
use crate::vgg::{Vgg, VggConfig};

/// Any architecture of the zoo, as one module type (so training and loading code need not
/// know which one it holds).
#[derive(Module, Debug)]
pub enum Network {
    /// `lenet5`, `lenet5-classic`, `lenet-d2l`.
    LeNet(LeNet),
    /// `lenet-fullyconv` (logits = the class map averaged over positions).
    LeNetFullyConv(LeNetFullyConv),
    /// `lenet-res`.
    LeNetRes(LeNetRes),
    /// `alexnet`, `alexnet-torchvision`.
    AlexNet(AlexNet),
    /// `vgg11` ... `vgg19`.
    Vgg(Vgg),
    /// `googlenet`.
    GoogLeNet(GoogLeNet),
    /// `resnet18` ... `resnet152`, and their `-cifar` variants.
    ResNet(ResNet),
}

impl TracedForward for Network {
    fn forward_traced(&self, images: Tensor<4>, trace: &mut Trace) -> Tensor<2> {
        match self {
            Network::LeNet(m) => m.forward_traced(images, trace),
            Network::LeNetFullyConv(m) => m.forward_traced(images, trace),
            Network::LeNetRes(m) => m.forward_traced(images, trace),
            Network::AlexNet(m) => m.forward_traced(images, trace),
            Network::Vgg(m) => m.forward_traced(images, trace),
            Network::GoogLeNet(m) => m.forward_traced(images, trace),
            Network::ResNet(m) => m.forward_traced(images, trace),
        }
    }
}

impl Network {
    /// Images `[N, C, H, W]` to logits `[N, classes]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_traced(images, &mut Trace::disabled())
    }
}

/// Builds a network from (input channels, classes).
type Builder = fn(usize, usize, &Device) -> Network;

/// One registered architecture.
#[derive(Clone, Copy)]
pub struct ZooEntry {
    /// Registry name.
    pub name: &'static str,
    /// One line: what it is.
    pub description: &'static str,
    /// Default input `[C, H, W]`.
    pub input: [usize; 3],
    /// Default number of classes.
    pub num_classes: usize,
    build: Builder,
}

impl fmt::Debug for ZooEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZooEntry")
            .field("name", &self.name)
            .field("input", &self.input)
            .finish()
    }
}

fn resnet(depth: usize, stem: Stem, c: usize, k: usize, d: &Device) -> Network {
    Network::ResNet(
        ResNetConfig::new(depth)
            .with_stem(stem)
            .with_in_channels(c)
            .with_num_classes(k)
            .init(d),
    )
}

/// The CPU-sized ResNet: 10 layers, CIFAR stem, a quarter of the standard width.
fn resnet10_narrow(c: usize, k: usize, d: &Device) -> Network {
    Network::ResNet(
        ResNetConfig::new(10)
            .with_stem(Stem::Cifar)
            .with_base_width(16)
            .with_in_channels(c)
            .with_num_classes(k)
            .init(d),
    )
}

fn vgg(depth: usize, c: usize, k: usize, d: &Device) -> Network {
    Network::Vgg(
        VggConfig::new(depth)
            .with_in_channels(c)
            .with_num_classes(k)
            .init(d),
    )
}

macro_rules! entry {
    ($name:literal, $desc:literal, $input:expr, $classes:expr, $build:expr) => {
        ZooEntry {
            name: $name,
            description: $desc,
            input: $input,
            num_classes: $classes,
            build: $build,
        }
    };
}

/// Every architecture, in the order of the course.
pub const ZOO: &[ZooEntry] = &[
    entry!(
        "lenet5",
        "LeNet-5, ReLU + max-pool (PyTorch tutorial)",
        [1, 32, 32],
        10,
        |c, k, d| {
            Network::LeNet(
                LeNetConfig::lenet5()
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(d),
            )
        }
    ),
    entry!(
        "lenet5-classic",
        "LeNet-5 as LeCun 1998: tanh + avg-pool, C5 conv",
        [1, 32, 32],
        10,
        |c, k, d| {
            Network::LeNet(
                LeNetConfig::classic()
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(d),
            )
        }
    ),
    entry!(
        "lenet-d2l",
        "d2l's LeNet: sigmoid + max-pool on 28x28",
        [1, 28, 28],
        10,
        |c, k, d| {
            Network::LeNet(
                LeNetConfig::d2l()
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(d),
            )
        }
    ),
    entry!(
        "lenet-fullyconv",
        "LeNet with a convolutional head (class map)",
        [3, 32, 32],
        10,
        |c, k, d| {
            Network::LeNetFullyConv(
                LeNetFullyConvConfig::new()
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(d),
            )
        }
    ),
    entry!(
        "lenet-res",
        "LeNet-5 classic + batch norm + residual FC",
        [1, 32, 32],
        10,
        |c, k, d| {
            Network::LeNetRes(
                LeNetResConfig::new()
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(d),
            )
        }
    ),
    entry!(
        "alexnet",
        "AlexNet, 2012 paper layout with LRN",
        [3, 227, 227],
        1000,
        |c, k, d| {
            Network::AlexNet(
                AlexNetConfig::new()
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(d),
            )
        }
    ),
    entry!(
        "alexnet-torchvision",
        "AlexNet, torchvision layout (64-192-384-256-256, no LRN, adaptive 6x6 pool)",
        [3, 224, 224],
        1000,
        |c, k, d| {
            Network::AlexNet(
                AlexNetConfig::new()
                    .with_layout(AlexNetLayout::Torchvision)
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(d),
            )
        }
    ),
    entry!(
        "vgg11",
        "VGG-11 (configuration A)",
        [3, 224, 224],
        1000,
        |c, k, d| vgg(11, c, k, d)
    ),
    entry!(
        "vgg13",
        "VGG-13 (configuration B)",
        [3, 224, 224],
        1000,
        |c, k, d| vgg(13, c, k, d)
    ),
    entry!(
        "vgg16",
        "VGG-16 (configuration D)",
        [3, 224, 224],
        1000,
        |c, k, d| vgg(16, c, k, d)
    ),
    entry!(
        "vgg19",
        "VGG-19 (configuration E)",
        [3, 224, 224],
        1000,
        |c, k, d| vgg(19, c, k, d)
    ),
    entry!(
        "googlenet",
        "GoogLeNet / Inception v1 (torchvision layout)",
        [3, 224, 224],
        1000,
        |c, k, d| {
            Network::GoogLeNet(
                GoogLeNetConfig::new()
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(d),
            )
        }
    ),
    entry!(
        "resnet18",
        "ResNet-18, ImageNet stem",
        [3, 224, 224],
        1000,
        |c, k, d| resnet(18, Stem::ImageNet, c, k, d)
    ),
    entry!(
        "resnet34",
        "ResNet-34, ImageNet stem",
        [3, 224, 224],
        1000,
        |c, k, d| resnet(34, Stem::ImageNet, c, k, d)
    ),
    entry!(
        "resnet50",
        "ResNet-50, ImageNet stem",
        [3, 224, 224],
        1000,
        |c, k, d| resnet(50, Stem::ImageNet, c, k, d)
    ),
    entry!(
        "resnet101",
        "ResNet-101, ImageNet stem",
        [3, 224, 224],
        1000,
        |c, k, d| resnet(101, Stem::ImageNet, c, k, d)
    ),
    entry!(
        "resnet152",
        "ResNet-152, ImageNet stem",
        [3, 224, 224],
        1000,
        |c, k, d| resnet(152, Stem::ImageNet, c, k, d)
    ),
    entry!(
        "resnet10-narrow",
        "ResNet-10 (one basic block per stage), CIFAR stem, widths 16-32-64-128, 28x28 gray",
        [1, 28, 28],
        10,
        resnet10_narrow
    ),
    entry!(
        "resnet18-cifar",
        "ResNet-18, CIFAR stem (3x3 conv, no max-pool)",
        [3, 32, 32],
        10,
        |c, k, d| resnet(18, Stem::Cifar, c, k, d)
    ),
    entry!(
        "resnet34-cifar",
        "ResNet-34, CIFAR stem",
        [3, 32, 32],
        10,
        |c, k, d| resnet(34, Stem::Cifar, c, k, d)
    ),
    entry!(
        "resnet50-cifar",
        "ResNet-50, CIFAR stem",
        [3, 32, 32],
        10,
        |c, k, d| resnet(50, Stem::Cifar, c, k, d)
    ),
    entry!(
        "resnet101-cifar",
        "ResNet-101, CIFAR stem",
        [3, 32, 32],
        10,
        |c, k, d| resnet(101, Stem::Cifar, c, k, d)
    ),
    entry!(
        "resnet152-cifar",
        "ResNet-152, CIFAR stem",
        [3, 32, 32],
        10,
        |c, k, d| resnet(152, Stem::Cifar, c, k, d)
    ),
];

/// A name that is not in the zoo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownModel(pub String);

impl fmt::Display for UnknownModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = ZOO.iter().map(|e| e.name).collect();
        write!(
            f,
            "unknown model '{}'; known models: {}",
            self.0,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownModel {}

/// Finds the zoo entry called `name`.
pub fn lookup(name: &str) -> Result<&'static ZooEntry, UnknownModel> {
    ZOO.iter()
        .find(|e| e.name == name)
        .ok_or_else(|| UnknownModel(name.to_string()))
}

/// What a tool needs to rebuild a zoo model: its name and, optionally, other class and
/// input-channel counts than the entry's defaults. Serializable (saved in a run's `config.json`).
#[derive(Config, Debug, PartialEq, Eq)]
pub struct ModelConfig {
    /// Zoo name, e.g. `lenet5`.
    pub name: String,
    /// Classes, when not the entry's default.
    #[config(default = "None")]
    pub num_classes: Option<usize>,
    /// Input channels, when not the entry's default.
    #[config(default = "None")]
    pub in_channels: Option<usize>,
}

impl ModelConfig {
    /// The zoo entry this config names.
    pub fn entry(&self) -> Result<&'static ZooEntry, UnknownModel> {
        lookup(&self.name)
    }

    /// Number of classes the model outputs.
    pub fn classes(&self) -> Result<usize, UnknownModel> {
        Ok(self.num_classes.unwrap_or(self.entry()?.num_classes))
    }

    /// Input shape `[C, H, W]` the model expects.
    pub fn input_shape(&self) -> Result<[usize; 3], UnknownModel> {
        let [c, h, w] = self.entry()?.input;
        Ok([self.in_channels.unwrap_or(c), h, w])
    }

    /// Builds the model on `device`.
    pub fn init(&self, device: &Device) -> Result<Network, UnknownModel> {
        let entry = self.entry()?;
        let [c, _, _] = self.input_shape()?;
        Ok((entry.build)(c, self.classes()?, device))
    }
}
