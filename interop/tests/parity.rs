//! Logit parity with PyTorch: the same weights and inputs give the same logits (max abs
//! difference ≤ 1e-4, eval mode, flex backend). Fixtures come from
//! `scripts/parity/make_fixtures.py`: the LeNets' are committed under `tests/fixtures/`; the
//! ImageNet models' are generated on demand and checked by the ignored test at the bottom
//! (`PARITY_DIR=target/parity cargo test -p interop --test parity -- --ignored`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::bridge;
use interop::{InteropError, LoadOptions, load_weights, read_tensors, safetensors_bytes};
use model::{ModelConfig, Network};

const TOLERANCE: f32 = 1e-4;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn network(name: &str, device: &Device) -> Network {
    ModelConfig::new(name.into()).init(device).unwrap()
}

/// The fixture's input `[N, C, H, W]` and PyTorch's logits (flat, row-major).
fn fixture_io(dir: &Path, name: &str, device: &Device) -> (Tensor<4>, Vec<f32>) {
    let io = read_tensors(&dir.join(format!("{name}.io.safetensors"))).unwrap();
    let input = bridge::to_data(&io["input"]).unwrap();
    let logits = bridge::to_data(&io["logits"]).unwrap();
    (
        Tensor::from_data(input, device),
        logits.try_to_vec::<f32>().unwrap(),
    )
}

/// Max |ours - PyTorch| over the fixture's logits, with `weights` loaded into `name`.
fn max_logit_difference(dir: &Path, name: &str, weights: &str) -> f32 {
    let device = Device::flex();
    let (net, report) = load_weights(
        network(name, &device),
        &dir.join(weights),
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{name} from {weights}: {e}"));
    assert!(report.is_complete(), "{name}: {report}");
    let (input, expected) = fixture_io(dir, name, &device);
    let ours = net.forward(input).into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(ours.len(), expected.len());
    ours.iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

#[test]
fn lenets_give_pytorchs_logits_from_pth_and_safetensors() {
    for name in ["lenet5", "lenet5-classic", "lenet-d2l"] {
        for weights in [format!("{name}.pth"), format!("{name}.safetensors")] {
            let diff = max_logit_difference(&fixtures(), name, &weights);
            assert!(diff <= TOLERANCE, "{name} from {weights}: {diff}");
        }
    }
}

#[test]
fn a_training_checkpoint_loads_from_its_state_dict() {
    let device = Device::flex();
    let (_, report) = load_weights(
        network("lenet5", &device),
        &fixtures().join("lenet5-checkpoint.pth"),
        LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(report.prefix, "state_dict.");
    assert_eq!(report.loaded, 10);
    let diff = max_logit_difference(&fixtures(), "lenet5", "lenet5-checkpoint.pth");
    assert!(diff <= TOLERANCE, "{diff}");
}

/// Every tensor of a safetensors file: key -> (dtype, shape, bytes).
fn raw_tensors(bytes: &[u8]) -> BTreeMap<String, (String, Vec<usize>, Vec<u8>)> {
    safetensors::SafeTensors::deserialize(bytes)
        .unwrap()
        .tensors()
        .into_iter()
        .map(|(key, view)| {
            let dtype = format!("{:?}", view.dtype());
            (key, (dtype, view.shape().to_vec(), view.data().to_vec()))
        })
        .collect()
}

#[test]
fn pytorch_weights_come_back_byte_identical_from_an_export() {
    let device = Device::flex();
    for name in ["lenet5", "lenet5-classic", "lenet-d2l"] {
        let (net, _) = load_weights(
            network(name, &device),
            &fixtures().join(format!("{name}.pth")),
            LoadOptions::default(),
        )
        .unwrap();
        let exported = raw_tensors(&safetensors_bytes(&net).unwrap());
        let original =
            raw_tensors(&std::fs::read(fixtures().join(format!("{name}.safetensors"))).unwrap());
        assert_eq!(
            exported.keys().collect::<Vec<_>>(),
            original.keys().collect::<Vec<_>>(),
            "{name}: keys"
        );
        for (key, tensor) in &original {
            assert!(exported[key] == *tensor, "{name}: {key} differs");
        }
    }
}

#[test]
fn an_exported_model_loads_back_into_the_same_logits() {
    let device = Device::flex();
    let dir = std::env::temp_dir().join(format!("interop-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A batch-norm model: running statistics and num_batches_tracked go through the file.
    let original = network("lenet-res", &device);
    let path = dir.join("lenet-res.safetensors");
    interop::export_safetensors(&original, &path).unwrap();
    let (reloaded, report) =
        load_weights(network("lenet-res", &device), &path, LoadOptions::default()).unwrap();
    assert!(report.is_complete(), "{report}");
    // 1 num_batches_tracked per batch norm, ignored on the way in.
    assert_eq!(report.ignored, 2);
    let input = Tensor::<4>::random([2, 1, 32, 32], burn::tensor::Distribution::Default, &device);
    let a = original.forward(input.clone()).into_data();
    let b = reloaded.forward(input).into_data();
    assert_eq!(a, b);
    std::fs::remove_dir_all(dir).unwrap();
}

fn load_error(name: &str, classes: Option<usize>, weights: &Path, options: LoadOptions) -> String {
    let device = Device::flex();
    let mut config = ModelConfig::new(name.into());
    config.num_classes = classes;
    match load_weights(config.init(&device).unwrap(), weights, options) {
        Ok((_, report)) => panic!("{name} loaded {}: {report}", weights.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn weights_of_another_architecture_are_refused_with_the_keys() {
    let lenet5 = fixtures().join("lenet5.pth");
    let message = load_error("lenet-d2l", None, &lenet5, LoadOptions::default());
    assert!(
        message.contains("mismatched")
            && message.contains("fc1.weight: file [120, 400] vs network [120, 256]"),
        "{message}"
    );
    let message = load_error("resnet18", None, &lenet5, LoadOptions::default());
    assert!(
        message.contains("missing") && message.contains("unexpected"),
        "{message}"
    );
    assert!(!message.contains('\n'));
    // A new number of classes needs `new_head`; then only the head keeps its initial values.
    let message = load_error("lenet5", Some(5), &lenet5, LoadOptions::default());
    assert!(message.contains("fc3.weight"), "{message}");
    let device = Device::flex();
    let mut config = ModelConfig::new("lenet5".into());
    config.num_classes = Some(5);
    let options = LoadOptions {
        new_head: true,
        ..LoadOptions::default()
    };
    let (_, report) = load_weights(config.init(&device).unwrap(), &lenet5, options).unwrap();
    assert_eq!(report.loaded, 8);
    assert_eq!(report.mismatched.len(), 2, "{report}");
    // allow_partial loads what fits anywhere.
    let partial = LoadOptions {
        allow_partial: true,
        ..LoadOptions::default()
    };
    let (_, report) = load_weights(network("lenet-d2l", &device), &lenet5, partial).unwrap();
    assert_eq!(report.loaded, 8, "{report}");
}

#[test]
fn damaged_files_are_refused_in_one_line() {
    let dir = std::env::temp_dir().join(format!("interop-damaged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pth = std::fs::read(fixtures().join("lenet5.pth")).unwrap();
    let st = std::fs::read(fixtures().join("lenet5.safetensors")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated.pth", pth[..pth.len() / 2].to_vec()),
        ("truncated.safetensors", st[..st.len() / 2].to_vec()),
        ("text.pth", b"not a checkpoint\n".to_vec()),
        ("empty.safetensors", Vec::new()),
    ];
    for (file, bytes) in cases {
        let path = dir.join(file);
        std::fs::write(&path, bytes).unwrap();
        let message = load_error("lenet5", None, &path, LoadOptions::default());
        assert!(
            message.starts_with("cannot read weights from") && message.contains(file),
            "{file}: {message}"
        );
        assert!(!message.contains('\n'), "{message}");
    }
    let missing = load_error(
        "lenet5",
        None,
        &dir.join("absent.pth"),
        LoadOptions::default(),
    );
    assert!(missing.ends_with("no such file"), "{missing}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn mismatch_errors_are_typed() {
    let device = Device::flex();
    let result = load_weights(
        network("lenet-d2l", &device),
        &fixtures().join("lenet5.safetensors"),
        LoadOptions::default(),
    );
    match result {
        Err(InteropError::Mismatch { report, .. }) => {
            assert_eq!(report.mismatched.len(), 1, "{report}")
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

/// The ImageNet models against PyTorch, on fixtures generated by
/// `python scripts/parity/make_fixtures.py --out target/parity` (several GB of RAM, minutes).
#[test]
#[ignore = "needs PyTorch-generated fixtures: set PARITY_DIR (see scripts/parity/README.md)"]
fn imagenet_models_give_pytorchs_logits() {
    let dir = PathBuf::from(std::env::var("PARITY_DIR").expect("PARITY_DIR"));
    let mut failures = Vec::new();
    for name in [
        "alexnet-torchvision",
        "vgg11",
        "vgg13",
        "vgg16",
        "vgg19",
        "googlenet",
        "resnet18",
        "resnet34",
        "resnet50",
        "resnet101",
        "resnet152",
    ] {
        if !dir.join(format!("{name}.pth")).exists() {
            failures.push(format!("{name}: no fixture"));
            continue;
        }
        let diff = max_logit_difference(&dir, name, &format!("{name}.pth"));
        println!("{name}: max |logit difference| = {diff:.3e}");
        if diff > TOLERANCE {
            failures.push(format!("{name}: {diff}"));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}
