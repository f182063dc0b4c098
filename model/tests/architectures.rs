//! Every architecture against its reference numbers: PyTorch/torchvision parameter counts
//! (weights + biases + batch-norm γ/β) and output shapes.

use burn::prelude::*;
use model::alexnet::AlexNetConfig;
use model::fc_residual_block::FcResidualBlockConfig;
use model::lenet::LeNetConfig;
use model::lenet_fullyconv::LeNetFullyConvConfig;
use model::params::param_table;
use model::resnet::{ResNetConfig, Stem};
use model::resnet_block::{BlockKind, ResidualBlockConfig};
use model::summary::summarize;
use model::zoo::{ModelConfig, ZOO, lookup};
use model::{Network, trainable_params};

fn device() -> Device {
    Device::flex()
}

/// Parameter count of a zoo model with its default classes and channels (no tensor is
/// allocated: burn initializes parameters lazily).
fn zoo_params(name: &str) -> usize {
    trainable_params(&ModelConfig::new(name.into()).init(&device()).unwrap())
}

#[test]
fn parameter_counts_match_pytorch() {
    let expected = [
        ("lenet5", 61_706),
        ("lenet5-classic", 61_706),
        ("lenet-d2l", 44_426),
        ("lenet-fullyconv", 62_006),
        ("lenet-res", 76_270),
        ("alexnet", 62_378_344),
        ("alexnet-torchvision", 61_100_840),
        ("vgg11", 132_863_336),
        ("vgg13", 133_047_848),
        ("vgg16", 138_357_544),
        ("vgg19", 143_667_240),
        ("googlenet", 6_624_904),
        ("resnet18", 11_689_512),
        ("resnet34", 21_797_672),
        ("resnet50", 25_557_032),
        ("resnet101", 44_549_160),
        ("resnet152", 60_192_808),
    ];
    for (name, count) in expected {
        assert_eq!(zoo_params(name), count, "{name}");
    }
}

#[test]
fn resnet18_with_ten_classes_and_burns_own_count() {
    let net = ModelConfig::new("resnet18".into())
        .with_num_classes(Some(10))
        .init(&device())
        .unwrap();
    assert_eq!(trainable_params(&net), 11_181_642);
    // burn's num_params also counts the running mean and variance of the 20 batch norms.
    assert_eq!(net.num_params(), 11_191_242);
    let buffers: usize = param_table(&net)
        .iter()
        .filter(|e| !e.trainable)
        .map(|e| e.count)
        .sum();
    assert_eq!(buffers, 9_600);
    // The CIFAR stem swaps the 7x7 conv (9,408 weights) for a 3x3 one (1,728).
    let cifar = ResNetConfig::new(18)
        .with_stem(Stem::Cifar)
        .with_num_classes(10)
        .init(&device());
    assert_eq!(trainable_params(&cifar), 11_181_642 - 9_408 + 1_728);
    // A quarter of the width (16-32-64-128) on 1-channel input: 701,178, counted layer by
    // layer by hand (conv 3x3 weights, batch-norm γ/β, 1x1 shortcuts, FC 128 -> 10).
    let narrow = ResNetConfig::new(18)
        .with_stem(Stem::Cifar)
        .with_base_width(16)
        .with_in_channels(1)
        .with_num_classes(10)
        .init(&device());
    assert_eq!(trainable_params(&narrow), 701_178);
    // The zoo's `resnet10-narrow` (one block per stage, same widths): 308,538, which is also
    // what PyTorch counts for the same network.
    let resnet10 = ModelConfig::new("resnet10-narrow".into())
        .init(&device())
        .unwrap();
    assert_eq!(trainable_params(&resnet10), 308_538);
    assert_eq!(
        resnet10
            .forward(Tensor::zeros([2, 1, 28, 28], &device()))
            .dims(),
        [2, 10]
    );
}

#[test]
fn d2l_lenet_draws_xavier_uniform_weights_and_lenet5_pytorch_defaults() {
    let d = device();
    let max_abs = |w: Tensor<2>| w.abs().max().into_scalar::<f32>();
    // F6 is 120 -> 84: Xavier's bound sqrt(6 / 204) = 0.1715, PyTorch's default 1/sqrt(120) = 0.0913.
    let d2l = LeNetConfig::d2l().init(&d);
    let f6 = max_abs(d2l.f6.weight.val());
    assert!(f6 > 0.15 && f6 <= 0.1716, "d2l F6 max |w| = {f6}");
    // Biases keep the default U(±1/sqrt(fan_in)), as `xavier_uniform_` leaves them.
    let bias = d2l.f6.bias.unwrap().val().abs().max().into_scalar::<f32>();
    assert!(bias <= 0.0913 + 1e-6, "d2l F6 max |b| = {bias}");
    let lenet5 = LeNetConfig::lenet5().init(&d);
    let f6 = max_abs(lenet5.f6.weight.val());
    assert!(f6 <= 0.0913 + 1e-6, "LeNet-5 F6 max |w| = {f6}");
}

#[test]
fn lenet_forward_shapes() {
    let d = device();
    for (config, size) in [
        (LeNetConfig::lenet5(), 32),
        (LeNetConfig::classic(), 32),
        (LeNetConfig::d2l(), 28),
    ] {
        let net = config.init(&d);
        let logits = net.forward(Tensor::random(
            [4, 1, size, size],
            burn::tensor::Distribution::Default,
            &d,
        ));
        assert_eq!(logits.dims(), [4, 10]);
    }
}

#[test]
fn fully_convolutional_lenet_returns_a_class_map_for_any_size() {
    let d = device();
    let net = LeNetFullyConvConfig::new().init(&d);
    assert_eq!(
        net.forward(Tensor::zeros([1, 3, 32, 32], &d)).dims(),
        [1, 10, 1, 1]
    );
    assert_eq!(
        net.forward(Tensor::zeros([1, 3, 64, 64], &d)).dims(),
        [1, 10, 9, 9]
    );
    assert_eq!(
        net.forward(Tensor::zeros([2, 3, 40, 48], &d)).dims(),
        [2, 10, 3, 5]
    );
}

#[test]
fn alexnet_feature_maps_follow_the_paper() {
    let d = device();
    let summary = summarize(&AlexNetConfig::new().init(&d), [3, 227, 227], &d);
    let maps: Vec<Vec<usize>> = summary
        .rows
        .iter()
        .filter(|r| matches!(r.kind, "Conv2d" | "MaxPool2d"))
        .map(|r| r.shape[1..].to_vec())
        .collect();
    let expected: Vec<Vec<usize>> = [
        [96, 55, 55],
        [96, 27, 27],
        [256, 27, 27],
        [256, 13, 13],
        [384, 13, 13],
        [384, 13, 13],
        [256, 13, 13],
        [256, 6, 6],
    ]
    .iter()
    .map(|s| s.to_vec())
    .collect();
    assert_eq!(maps, expected);
    assert_eq!(summary.rows.last().unwrap().shape, vec![1, 1000]);
}

#[test]
fn imagenet_models_map_224_images_to_1000_logits() {
    let d = device();
    for name in ["vgg11", "googlenet", "resnet50"] {
        let net = ModelConfig::new(name.into()).init(&d).unwrap();
        let logits = net.forward(Tensor::zeros([1, 3, 224, 224], &d));
        assert_eq!(logits.dims(), [1, 1000], "{name}");
    }
}

#[test]
fn resnet_stages_halve_the_resolution() {
    let d = device();
    let summary = summarize(
        &ModelConfig::new("resnet18".into()).init(&d).unwrap(),
        [3, 224, 224],
        &d,
    );
    let shape_of = |path: &str| {
        summary
            .rows
            .iter()
            .find(|r| r.path == path)
            .unwrap()
            .shape
            .clone()
    };
    assert_eq!(shape_of("maxpool"), vec![1, 64, 56, 56]);
    assert_eq!(shape_of("layer2.0.relu"), vec![1, 128, 28, 28]);
    assert_eq!(shape_of("layer3.0.downsample.bn"), vec![1, 256, 14, 14]);
    assert_eq!(shape_of("layer4.1.relu"), vec![1, 512, 7, 7]);
    // The CIFAR stem keeps 32x32 through stage 1 and ends at 4x4.
    let cifar = summarize(
        &ModelConfig::new("resnet18-cifar".into()).init(&d).unwrap(),
        [3, 32, 32],
        &d,
    );
    let last_block = cifar
        .rows
        .iter()
        .rfind(|r| r.path == "layer4.1.relu")
        .unwrap();
    assert_eq!(last_block.shape, vec![1, 512, 4, 4]);
}

#[test]
fn basic_block_with_stride_two_projects_the_shortcut() {
    let d = device();
    let block = ResidualBlockConfig::new(BlockKind::Basic, 3, 64)
        .with_stride(2)
        .init(&d);
    let y = block.forward(Tensor::random(
        [1, 3, 224, 224],
        burn::tensor::Distribution::Default,
        &d,
    ));
    assert_eq!(y.dims(), [1, 64, 112, 112]);
    // conv1 3->64 3x3, bn1, conv2 64->64 3x3, bn2, projection 1x1 3->64 + bn.
    let expected = 64 * 3 * 9 + 128 + 64 * 64 * 9 + 128 + 64 * 3 + 128;
    assert_eq!(trainable_params(&block), expected);
    // Residual outputs pass through a final ReLU.
    assert!(y.min().into_scalar::<f32>() >= 0.0);
}

#[test]
fn every_cifar_resnet_depth_takes_32x32_images() {
    let d = device();
    for depth in [10, 18, 34, 50, 101, 152] {
        let net = ResNetConfig::new(depth)
            .with_stem(Stem::Cifar)
            .with_num_classes(10)
            .init(&d);
        assert_eq!(
            net.forward(Tensor::zeros([2, 3, 32, 32], &d)).dims(),
            [2, 10],
            "resnet{depth}"
        );
    }
}

#[test]
fn fully_connected_residual_block() {
    let d = device();
    for dim in [4, 20, 128] {
        let block = FcResidualBlockConfig::new(dim).init(&d);
        assert_eq!(trainable_params(&block), 2 * (dim * dim + dim));
    }
    // With zero weights and biases the block is relu(x + 0) = relu(x).
    let block = FcResidualBlockConfig::new(3).init(&d);
    let zero = |l: burn::nn::Linear| burn::nn::Linear {
        weight: l.weight.map(|w| w.zeros_like()),
        bias: l.bias.map(|b| b.map(|b| b.zeros_like())),
    };
    let block = model::fc_residual_block::FcResidualBlock {
        fc1: zero(block.fc1),
        fc2: zero(block.fc2),
    };
    let x = Tensor::<2>::from_data([[1.0, -2.0, 3.0]], &d);
    let y = block.forward(x);
    y.into_data()
        .assert_eq(&TensorData::from([[1.0f32, 0.0, 3.0]]), false);
}

#[test]
fn zoo_overrides_and_unknown_names() {
    let d = device();
    let config = ModelConfig::new("lenet5".into())
        .with_num_classes(Some(47))
        .with_in_channels(Some(3));
    assert_eq!(config.input_shape().unwrap(), [3, 32, 32]);
    let net = config.init(&d).unwrap();
    assert!(matches!(net, Network::LeNet(_)));
    assert_eq!(
        net.forward(Tensor::zeros([2, 3, 32, 32], &d)).dims(),
        [2, 47]
    );

    let err = lookup("resnet19").unwrap_err().to_string();
    assert!(err.contains("unknown model 'resnet19'"), "{err}");
    for entry in ZOO {
        assert!(err.contains(entry.name), "{err} lacks {}", entry.name);
    }
    // The config round-trips through JSON (it is stored in run folders).
    let json = burn::config::Config::save(&config, std::env::temp_dir().join("zoo-config.json"));
    assert!(json.is_ok());
    let back = ModelConfig::load(std::env::temp_dir().join("zoo-config.json")).unwrap();
    assert_eq!(back, config);
}
