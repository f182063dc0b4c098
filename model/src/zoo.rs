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

/// The architecture a zoo entry builds, with the settings that tell its variants apart.
#[derive(Clone, Copy, Debug)]
pub enum Arch {
    /// A LeNet from one of [`LeNetConfig`]'s constructors (`lenet5`, `classic`, `d2l`).
    LeNet(fn() -> LeNetConfig),
    /// [`LeNetFullyConv`].
    LeNetFullyConv,
    /// [`LeNetRes`].
    LeNetRes,
    /// [`AlexNet`] in the paper's or torchvision's layout.
    AlexNet(AlexNetLayout),
    /// [`Vgg`] of this depth (11, 13, 16, 19).
    Vgg(usize),
    /// [`GoogLeNet`].
    GoogLeNet,
    /// [`ResNet`] of this depth, stem and stem width (64 is the standard width).
    ResNet {
        /// 10, 18, 34, 50, 101 or 152.
        depth: usize,
        /// ImageNet or CIFAR stem.
        stem: Stem,
        /// Width of the stem and the first stage.
        base_width: usize,
    },
}

impl Arch {
    /// Builds this architecture for `in_channels` input channels and `classes` classes.
    pub fn build(self, in_channels: usize, classes: usize, device: &Device) -> Network {
        let (c, k) = (in_channels, classes);
        match self {
            Arch::LeNet(config) => Network::LeNet(
                config()
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(device),
            ),
            Arch::LeNetFullyConv => Network::LeNetFullyConv(
                LeNetFullyConvConfig::new()
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(device),
            ),
            Arch::LeNetRes => Network::LeNetRes(
                LeNetResConfig::new()
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(device),
            ),
            Arch::AlexNet(layout) => Network::AlexNet(
                AlexNetConfig::new()
                    .with_layout(layout)
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(device),
            ),
            Arch::Vgg(depth) => Network::Vgg(
                VggConfig::new(depth)
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(device),
            ),
            Arch::GoogLeNet => Network::GoogLeNet(
                GoogLeNetConfig::new()
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(device),
            ),
            Arch::ResNet {
                depth,
                stem,
                base_width,
            } => Network::ResNet(
                ResNetConfig::new(depth)
                    .with_stem(stem)
                    .with_base_width(base_width)
                    .with_in_channels(c)
                    .with_num_classes(k)
                    .init(device),
            ),
        }
    }
}

/// One registered architecture.
#[derive(Clone, Copy, Debug)]
pub struct ZooEntry {
    /// Registry name.
    pub name: &'static str,
    /// One line: what it is.
    pub description: &'static str,
    /// Default input `[C, H, W]`.
    pub input: [usize; 3],
    /// Default number of classes.
    pub num_classes: usize,
    /// What it builds.
    pub arch: Arch,
}

const fn entry(
    name: &'static str,
    description: &'static str,
    input: [usize; 3],
    num_classes: usize,
    arch: Arch,
) -> ZooEntry {
    ZooEntry {
        name,
        description,
        input,
        num_classes,
        arch,
    }
}

const fn resnet(depth: usize, stem: Stem) -> Arch {
    Arch::ResNet {
        depth,
        stem,
        base_width: 64,
    }
}

/// ImageNet's input, `[3, 224, 224]`.
const IMAGENET: [usize; 3] = [3, 224, 224];
/// CIFAR-10's input, `[3, 32, 32]`.
const CIFAR: [usize; 3] = [3, 32, 32];

/// Every architecture, in the order of the course: name, description, default input
/// `[C, H, W]`, default classes, architecture.
#[rustfmt::skip]
pub const ZOO: &[ZooEntry] = &[
    entry("lenet5", "LeNet-5, ReLU + max-pool (PyTorch tutorial)", [1, 32, 32], 10, Arch::LeNet(LeNetConfig::lenet5)),
    entry("lenet5-classic", "LeNet-5 as LeCun 1998: tanh + avg-pool, C5 conv", [1, 32, 32], 10, Arch::LeNet(LeNetConfig::classic)),
    entry("lenet-d2l", "d2l's LeNet: sigmoid + max-pool on 28x28", [1, 28, 28], 10, Arch::LeNet(LeNetConfig::d2l)),
    entry("lenet-fullyconv", "LeNet with a convolutional head (class map)", [3, 32, 32], 10, Arch::LeNetFullyConv),
    entry("lenet-res", "LeNet-5 classic + batch norm + residual FC", [1, 32, 32], 10, Arch::LeNetRes),
    entry("alexnet", "AlexNet, 2012 paper layout with LRN", [3, 227, 227], 1000, Arch::AlexNet(AlexNetLayout::Paper)),
    entry("alexnet-torchvision", "AlexNet, torchvision layout (64-192-384-256-256, no LRN, adaptive 6x6 pool)", IMAGENET, 1000, Arch::AlexNet(AlexNetLayout::Torchvision)),
    entry("vgg11", "VGG-11 (configuration A)", IMAGENET, 1000, Arch::Vgg(11)),
    entry("vgg13", "VGG-13 (configuration B)", IMAGENET, 1000, Arch::Vgg(13)),
    entry("vgg16", "VGG-16 (configuration D)", IMAGENET, 1000, Arch::Vgg(16)),
    entry("vgg19", "VGG-19 (configuration E)", IMAGENET, 1000, Arch::Vgg(19)),
    entry("googlenet", "GoogLeNet / Inception v1 (torchvision layout)", IMAGENET, 1000, Arch::GoogLeNet),
    entry("resnet18", "ResNet-18, ImageNet stem", IMAGENET, 1000, resnet(18, Stem::ImageNet)),
    entry("resnet34", "ResNet-34, ImageNet stem", IMAGENET, 1000, resnet(34, Stem::ImageNet)),
    entry("resnet50", "ResNet-50, ImageNet stem", IMAGENET, 1000, resnet(50, Stem::ImageNet)),
    entry("resnet101", "ResNet-101, ImageNet stem", IMAGENET, 1000, resnet(101, Stem::ImageNet)),
    entry("resnet152", "ResNet-152, ImageNet stem", IMAGENET, 1000, resnet(152, Stem::ImageNet)),
    entry("resnet10-narrow", "ResNet-10 (one basic block per stage), CIFAR stem, widths 16-32-64-128, 28x28 gray", [1, 28, 28], 10,
          Arch::ResNet { depth: 10, stem: Stem::Cifar, base_width: 16 }),
    entry("resnet18-cifar", "ResNet-18, CIFAR stem (3x3 conv, no max-pool)", CIFAR, 10, resnet(18, Stem::Cifar)),
    entry("resnet34-cifar", "ResNet-34, CIFAR stem", CIFAR, 10, resnet(34, Stem::Cifar)),
    entry("resnet50-cifar", "ResNet-50, CIFAR stem", CIFAR, 10, resnet(50, Stem::Cifar)),
    entry("resnet101-cifar", "ResNet-101, CIFAR stem", CIFAR, 10, resnet(101, Stem::Cifar)),
    entry("resnet152-cifar", "ResNet-152, CIFAR stem", CIFAR, 10, resnet(152, Stem::Cifar)),
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
        Ok(entry.arch.build(c, self.classes()?, device))
    }
}
