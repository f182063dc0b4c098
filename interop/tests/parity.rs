//! Logit parity with PyTorch: the same weights and inputs give the same logits (max abs
//! difference ≤ 1e-4, eval mode, flex backend; for the deepest ResNets, where float32 itself
//! strays further, no further from the float64 logits than twice PyTorch's float32 error). Fixtures come from
//! `scripts/parity/make_fixtures.py`: the LeNets' are committed under `tests/fixtures/`; the
//! ImageNet models' are generated on demand and checked by the ignored test at the bottom
//! (`PARITY_DIR=target/parity cargo test -p interop --test parity -- --ignored`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::bridge;
use interop::{InteropError, LoadOptions, load_weights, read_tensors, safetensors_bytes};
use model::{ModelConfig, Network};

const TOLERANCE: f64 = 1e-4;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn network(name: &str, device: &Device) -> Network {
    ModelConfig::new(name.into()).init(device).unwrap()
}

/// The fixture: input `[N, C, H, W]`, PyTorch's float32 logits and the same network's logits
/// in float64 (flat, row-major).
fn fixture_io(dir: &Path, name: &str, device: &Device) -> (Tensor<4>, Vec<f32>, Vec<f64>) {
    let io = read_tensors(&dir.join(format!("{name}.io.safetensors"))).unwrap();
    let data = |key: &str| bridge::to_data(&io[key]).unwrap();
    (
        Tensor::from_data(data("input"), device),
        data("logits").try_to_vec::<f32>().unwrap(),
        data("logits_f64").try_to_vec::<f64>().unwrap(),
    )
}

/// How far our logits are from PyTorch's.
#[derive(Debug)]
struct Parity {
    /// max |ours - PyTorch float32|.
    difference: f64,
    /// max |ours - float64|: our own rounding error.
    our_error: f64,
    /// max |PyTorch float32 - float64|: PyTorch's rounding error.
    pytorch_error: f64,
    /// max |logit|.
    scale: f64,
}

impl Parity {
    /// Within 1e-4 of PyTorch, or (deep networks, where float32 itself strays further) no
    /// further from the exact logits than twice PyTorch's own float32 error.
    fn holds(&self) -> bool {
        self.difference <= TOLERANCE || self.our_error <= 2.0 * self.pytorch_error
    }
}

/// Our logits against the fixture's, with `weights` loaded into `name`.
fn parity(dir: &Path, name: &str, weights: &str) -> Parity {
    let device = Device::flex();
    let (net, report) = load_weights(
        network(name, &device),
        &dir.join(weights),
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{name} from {weights}: {e}"));
    assert!(report.is_complete(), "{name}: {report}");
    let (input, pytorch, exact) = fixture_io(dir, name, &device);
    let ours = net.forward(input).into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(ours.len(), pytorch.len());
    let max = |values: Vec<f64>| values.into_iter().fold(0.0, f64::max);
    Parity {
        difference: max(ours
            .iter()
            .zip(&pytorch)
            .map(|(a, b)| f64::from(a - b).abs())
            .collect()),
        our_error: max(ours
            .iter()
            .zip(&exact)
            .map(|(a, b)| (f64::from(*a) - b).abs())
            .collect()),
        pytorch_error: max(pytorch
            .iter()
            .zip(&exact)
            .map(|(a, b)| (f64::from(*a) - b).abs())
            .collect()),
        scale: max(exact.iter().map(|x| x.abs()).collect()),
    }
}

#[test]
fn lenets_give_pytorchs_logits_from_pth_and_safetensors() {
    for name in ["lenet5", "lenet5-classic", "lenet-d2l"] {
        for weights in [format!("{name}.pth"), format!("{name}.safetensors")] {
            let parity = parity(&fixtures(), name, &weights);
            assert!(
                parity.difference <= TOLERANCE,
                "{name} from {weights}: {parity:?}"
            );
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
    let parity = parity(&fixtures(), "lenet5", "lenet5-checkpoint.pth");
    assert!(parity.difference <= TOLERANCE, "{parity:?}");
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
    assert_eq!(report.loaded, 9, "{report}");
    assert_eq!(report.mismatched.len(), 1, "{report}");
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
    // Relative to the workspace root, where the README's commands run.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = workspace.join(std::env::var("PARITY_DIR").expect("PARITY_DIR"));
    // PARITY_MODELS=resnet18,vgg11 checks only those.
    let only = std::env::var("PARITY_MODELS").ok();
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
        if only
            .as_ref()
            .is_some_and(|o| !o.split(',').any(|m| m == name))
        {
            continue;
        }
        if !dir.join(format!("{name}.pth")).exists() {
            failures.push(format!("{name}: no fixture"));
            continue;
        }
        let started = std::time::Instant::now();
        let parity = parity(&dir, name, &format!("{name}.pth"));
        println!(
            "{name}: max |ours - PyTorch| {:.2e}; vs float64: ours {:.2e}, PyTorch {:.2e}; max |logit| {:.2} ({:.1} s)",
            parity.difference,
            parity.our_error,
            parity.pytorch_error,
            parity.scale,
            started.elapsed().as_secs_f64()
        );
        if !parity.holds() {
            failures.push(format!("{name}: {parity:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}
