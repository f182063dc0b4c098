//! Initialization against torchvision's formulas (and d2l's for its LeNet), layer by layer:
//! the sample mean, standard deviation and share of values within one standard deviation of
//! every convolution and linear weight (a normal distribution has 68.3 % there, a uniform one
//! 57.7 %), zero biases where torchvision zeroes them, and batch norms at γ = 1, β = 0.

use burn::module::{ModuleVisitor, Param};
use burn::prelude::*;
use model::googlenet::GoogLeNetConfig;
use model::init::fans;
use model::resnet::ResNetConfig;
use model::vgg::VggConfig;

/// At most this many values of a parameter are read (the first ones, in memory order).
const SAMPLE: usize = 1 << 16;

/// One parameter: its path (`layer1.0.conv1.weight`), the layer type holding it (`Conv2d`,
/// `Linear`, `BatchNorm`), its full shape and (up to [`SAMPLE`]) values.
struct Parameter {
    path: String,
    layer: String,
    field: String,
    dims: Vec<usize>,
    values: Vec<f32>,
}

#[derive(Default)]
struct Collector {
    path: Vec<(String, String)>,
    parameters: Vec<Parameter>,
}

impl ModuleVisitor for Collector {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.push((name.into(), container_type.into()));
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let Some((field, container)) = self.path.last() else {
            return;
        };
        let tensor = param.val();
        let dims = tensor.dims().to_vec();
        let count = dims.iter().product::<usize>().min(SAMPLE);
        let values = tensor
            .flatten::<1>(0, D - 1)
            .slice(0..count)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        self.parameters.push(Parameter {
            path: self
                .path
                .iter()
                .map(|(name, _)| name.as_str())
                .filter(|name| !name.is_empty())
                .collect::<Vec<_>>()
                .join("."),
            layer: container.trim_start_matches("Struct:").into(),
            field: field.clone(),
            dims,
            values,
        });
    }
}

fn parameters<M: Module>(module: &M) -> Vec<Parameter> {
    let mut collector = Collector::default();
    module.visit(&mut collector);
    collector.parameters
}

fn device() -> Device {
    let device = Device::flex();
    device.seed(7);
    device
}

/// What a weight should look like.
enum Expected {
    /// N(0, std²).
    Normal { std: f64 },
    /// Uniform in ±bound (PyTorch's default for `Linear` and `Conv2d`).
    Uniform { bound: f64 },
}

/// Checks the sample statistics of `p` against `expected`, each within 5 standard errors.
fn check(p: &Parameter, expected: Expected) {
    let n = p.values.len() as f64;
    assert!(n >= 1000.0, "{}: too few values ({n}) to test", p.path);
    let mean = p.values.iter().map(|&v| v as f64).sum::<f64>() / n;
    let std = (p
        .values
        .iter()
        .map(|&v| (v as f64 - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let (target_std, within_one_std, bound) = match expected {
        Expected::Normal { std } => (std, 0.682_689, f64::INFINITY),
        Expected::Uniform { bound } => (bound / 3f64.sqrt(), 1.0 / 3f64.sqrt(), bound),
    };
    let share = p
        .values
        .iter()
        .filter(|&&v| (v as f64).abs() <= target_std)
        .count() as f64
        / n;
    let what = format!(
        "{} {:?}: mean {mean:.5}, std {std:.5} (want {target_std:.5}), {:.1} % within one std (want {:.1} %)",
        p.path,
        p.dims,
        100.0 * share,
        100.0 * within_one_std
    );
    assert!(mean.abs() < 5.0 * target_std / n.sqrt(), "{what}");
    // The standard error of a sample standard deviation is about std / √(2n).
    assert!(
        (std - target_std).abs() < 5.0 * target_std / (2.0 * n).sqrt(),
        "{what}"
    );
    let share_error = (within_one_std * (1.0 - within_one_std) / n).sqrt();
    assert!((share - within_one_std).abs() < 5.0 * share_error, "{what}");
    assert!(
        p.values.iter().all(|&v| (v as f64).abs() <= bound),
        "{what}: a value beyond ±{bound}"
    );
}

fn all_equal(p: &Parameter, value: f32) {
    assert!(
        p.values.iter().all(|&v| v == value),
        "{} should be all {value}",
        p.path
    );
}

/// Batch norms start at γ = 1, β = 0 (except where `zero_gamma` says γ = 0).
fn check_batch_norms(parameters: &[Parameter], zero_gamma: impl Fn(&str) -> bool) -> usize {
    let norms: Vec<_> = parameters
        .iter()
        .filter(|p| p.layer == "BatchNorm")
        .collect();
    for p in &norms {
        match p.field.as_str() {
            "gamma" => all_equal(p, if zero_gamma(&p.path) { 0.0 } else { 1.0 }),
            "beta" | "running_mean" => all_equal(p, 0.0),
            "running_var" => all_equal(p, 1.0),
            other => panic!("unexpected batch norm parameter {other}"),
        }
    }
    norms.len()
}

#[test]
fn resnet_convolutions_are_kaiming_normal_on_the_fan_out() {
    let net = ResNetConfig::new(18).init(&device());
    let parameters = parameters(&net);
    let mut convs = 0;
    for p in parameters.iter().filter(|p| p.layer == "Conv2d") {
        assert_eq!(p.field, "weight", "ResNet convolutions have no bias");
        let (_, fan_out) = fans(&p.dims);
        check(
            p,
            Expected::Normal {
                std: (2.0 / fan_out as f64).sqrt(),
            },
        );
        convs += 1;
    }
    assert_eq!(convs, 20, "stem + 16 block convolutions + 3 projections");
    // The classifier keeps PyTorch's default: uniform in ±1/√fan_in, bias too.
    let fc_weight = parameters.iter().find(|p| p.path == "fc.weight").unwrap();
    check(
        fc_weight,
        Expected::Uniform {
            bound: 1.0 / 512f64.sqrt(),
        },
    );
    assert_eq!(check_batch_norms(&parameters, |_| false), 4 * 20);
}

#[test]
fn zero_init_residual_zeroes_the_last_gamma_of_every_branch() {
    for (depth, last) in [(18, "bn2"), (50, "bn3")] {
        let net = ResNetConfig::new(depth)
            .with_zero_init_residual(true)
            .init(&device());
        let parameters = parameters(&net);
        let last_of_branch =
            |path: &str| path.starts_with("layer") && path.ends_with(&format!(".{last}.gamma"));
        let zeroed = parameters
            .iter()
            .filter(|p| last_of_branch(&p.path))
            .count();
        assert_eq!(zeroed, if depth == 18 { 8 } else { 16 }, "ResNet-{depth}");
        check_batch_norms(&parameters, last_of_branch);
    }
}

#[test]
fn vgg_is_kaiming_normal_with_zero_biases_and_a_normal_classifier() {
    let net = VggConfig::new(11).init(&device());
    let parameters = parameters(&net);
    let mut counts = [0; 3];
    for p in &parameters {
        match (p.layer.as_str(), p.field.as_str()) {
            ("Conv2d", "weight") => {
                let (_, fan_out) = fans(&p.dims);
                check(
                    p,
                    Expected::Normal {
                        std: (2.0 / fan_out as f64).sqrt(),
                    },
                );
                counts[0] += 1;
            }
            ("Linear", "weight") => {
                check(p, Expected::Normal { std: 0.01 });
                counts[1] += 1;
            }
            ("Conv2d" | "Linear", "bias") => {
                all_equal(p, 0.0);
                counts[2] += 1;
            }
            (layer, field) => panic!("unexpected {layer}.{field} at {}", p.path),
        }
    }
    assert_eq!(
        counts,
        [8, 3, 11],
        "VGG-11: 8 convolutions, 3 linear layers"
    );
}

#[test]
fn googlenet_weights_are_a_truncated_normal_of_std_0_01() {
    let net = GoogLeNetConfig::new().init(&device());
    let parameters = parameters(&net);
    let weights: Vec<_> = parameters
        .iter()
        .filter(|p| (p.layer == "Conv2d" || p.layer == "Linear") && p.field == "weight")
        .collect();
    for p in &weights {
        check(p, Expected::Normal { std: 0.01 });
        assert!(p.values.iter().all(|v| v.abs() <= 2.0));
    }
    assert_eq!(
        weights.len(),
        3 + 9 * 6 + 1,
        "stem, 9 inceptions, classifier"
    );
    // The classifier's bias keeps PyTorch's default (torchvision re-draws weights only).
    let fc_bias = parameters.iter().find(|p| p.path == "fc.bias").unwrap();
    assert!(fc_bias.values.iter().any(|&v| v != 0.0));
    assert!(
        fc_bias
            .values
            .iter()
            .all(|&v| v.abs() as f64 <= 1.0 / 1024f64.sqrt())
    );
    check_batch_norms(&parameters, |_| false);
}

#[test]
fn d2l_lenet_weights_are_xavier_uniform() {
    let net = model::lenet::LeNetConfig::d2l().init(&device());
    let parameters = parameters(&net);
    let mut checked = Vec::new();
    for p in parameters.iter().filter(|p| p.field == "weight") {
        let count: usize = p.dims.iter().product();
        if count < 1000 {
            continue; // c1 (150 values) and the output layer (840) are too small to test
        }
        let (fan_in, fan_out) = fans(&p.dims);
        check(
            p,
            Expected::Uniform {
                bound: (6.0 / (fan_in + fan_out) as f64).sqrt(),
            },
        );
        checked.push(p.path.clone());
    }
    assert_eq!(checked, ["c3.weight", "c5.Linear.weight", "f6.weight"]);
}
