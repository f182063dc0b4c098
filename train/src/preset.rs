//! Named training recipes. The first ones reproduce the course's tutorials exactly; the
//! `*-best` ones are this project's best recipes for the 2-core CPU.

use data::{DatasetKind, Pipeline};
use model::ModelConfig;

use crate::config::{OptimizerKind, SchedulerKind, TrainConfig};

/// One preset: its name, what it reproduces, and its configuration.
pub struct Preset {
    /// `--preset` name.
    pub name: &'static str,
    /// One line for `--help` and the README.
    pub description: &'static str,
    build: fn() -> TrainConfig,
}

impl Preset {
    /// The preset's configuration.
    pub fn config(&self) -> TrainConfig {
        (self.build)()
    }
}

/// The optimization a recipe states alongside its model and data.
struct Optimization {
    /// The optimizer.
    optimizer: OptimizerKind,
    /// Peak learning rate.
    lr: f64,
    /// Mini-batch size.
    batch_size: usize,
    /// Epochs.
    epochs: usize,
}

/// The configuration of preset `preset`: `model` trained on `dataset` prepared by `pipeline`,
/// with `optimization`; the other fields keep [`TrainConfig`]'s defaults.
fn recipe(
    preset: &str,
    model: &str,
    dataset: DatasetKind,
    pipeline: Pipeline,
    optimization: Optimization,
) -> TrainConfig {
    let Optimization {
        optimizer,
        lr,
        batch_size,
        epochs,
    } = optimization;
    TrainConfig::new(
        preset.into(),
        ModelConfig::new(model.into()),
        dataset.into(),
        pipeline,
        epochs,
        batch_size,
        optimizer,
        lr,
    )
}

/// Every preset; the first is the default.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "lenet5-mnist",
        description: "tutorial 004: LeNet-5 on MNIST resized to 32x32, SGD 0.01 momentum 0.5, batch 64, 5 epochs",
        build: || {
            recipe(
                "lenet5-mnist",
                "lenet5",
                DatasetKind::Mnist,
                Pipeline::mnist_resized32(),
                Optimization {
                    optimizer: OptimizerKind::Sgd,
                    lr: 0.01,
                    batch_size: 64,
                    epochs: 5,
                },
            )
            .with_momentum(0.5)
        },
    },
    Preset {
        name: "lenet5-classic-mnist",
        description: "tutorial 000: LeCun's tanh/avg-pool LeNet-5 on MNIST 32x32, SGD 0.05 momentum 0.9, batch 64, 10 epochs",
        build: || {
            recipe(
                "lenet5-classic-mnist",
                "lenet5-classic",
                DatasetKind::Mnist,
                Pipeline::mnist_resized32(),
                Optimization {
                    optimizer: OptimizerKind::Sgd,
                    lr: 0.05,
                    batch_size: 64,
                    epochs: 10,
                },
            )
            .with_momentum(0.9)
            .with_scheduler(SchedulerKind::Cosine)
        },
    },
    Preset {
        name: "lenet-d2l-fashion",
        description: "tutorial 002: d2l's sigmoid LeNet (Xavier-uniform weights, d2l's init_cnn) on 28x28 Fashion-MNIST in [0, 1], Adam 1e-3, batch 256, 5 epochs",
        build: || {
            recipe(
                "lenet-d2l-fashion",
                "lenet-d2l",
                DatasetKind::FashionMnist,
                Pipeline::fashion28(),
                Optimization {
                    optimizer: OptimizerKind::Adam,
                    lr: 1e-3,
                    batch_size: 256,
                    epochs: 5,
                },
            )
        },
    },
    Preset {
        name: "mnist-best",
        description: "LeNet with batch norm and a residual FC layer, random shifts of up to 2 pixels, AdamW 3e-3 + one-cycle, batch 128, 15 epochs",
        build: || {
            let shifted = Pipeline::mnist_resized32()
                .with_augment(true)
                .with_crop_padding(Some(2))
                .with_flip(Some(false));
            recipe(
                "mnist-best",
                "lenet-res",
                DatasetKind::Mnist,
                shifted,
                Optimization {
                    optimizer: OptimizerKind::Adamw,
                    lr: 3e-3,
                    batch_size: 128,
                    epochs: 15,
                },
            )
            .with_weight_decay(1e-4)
            .with_scheduler(SchedulerKind::Onecycle)
        },
    },
    Preset {
        name: "fashion-best",
        description: "ResNet-10 (quarter width, CIFAR stem) on normalized 28x28 Fashion-MNIST, crops with 2-pixel padding + flips, SGD 0.1 nesterov momentum 0.9, wd 5e-4, one-cycle, batch 128, 20 epochs",
        build: || {
            let augmented = Pipeline::fashion28()
                .normalized_for(DatasetKind::FashionMnist)
                .with_augment(true)
                .with_crop_padding(Some(2))
                .with_flip(Some(true));
            recipe(
                "fashion-best",
                "resnet10-narrow",
                DatasetKind::FashionMnist,
                augmented,
                Optimization {
                    optimizer: OptimizerKind::Sgd,
                    lr: 0.1,
                    batch_size: 128,
                    epochs: 20,
                },
            )
            .with_momentum(0.9)
            .with_nesterov(true)
            .with_weight_decay(5e-4)
            .with_scheduler(SchedulerKind::Onecycle)
        },
    },
    Preset {
        name: "resnet18-cifar10",
        description: "tutorial 004 LAB: ResNet-18 (CIFAR stem), SGD 0.1 nesterov momentum 0.9, wd 5e-4, one-cycle, crop+flip, batch 128, 30 epochs",
        build: || {
            recipe(
                "resnet18-cifar10",
                "resnet18-cifar",
                DatasetKind::Cifar10,
                Pipeline::cifar10(true),
                Optimization {
                    optimizer: OptimizerKind::Sgd,
                    lr: 0.1,
                    batch_size: 128,
                    epochs: 30,
                },
            )
            .with_momentum(0.9)
            .with_nesterov(true)
            .with_weight_decay(5e-4)
            .with_scheduler(SchedulerKind::Onecycle)
        },
    },
];

/// The preset called `name`, or an error listing the known ones.
pub fn preset(name: &str) -> Result<&'static Preset, String> {
    PRESETS.iter().find(|p| p.name == name).ok_or_else(|| {
        let known: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
        format!(
            "unknown preset '{name}'; known presets: {}",
            known.join(", ")
        )
    })
}
