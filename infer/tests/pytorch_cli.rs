//! `infer export` and `infer --weights`: the embedded model exported to PyTorch's format and
//! loaded back through the PyTorch path predicts exactly as before; bad weights are one line.

use std::path::Path;

mod common;
use common::{infer, scratch};

#[test]
fn an_export_loads_back_through_weights_with_the_same_predictions() {
    let dir = scratch("export");
    let exported = dir.join("lenet5.safetensors");
    let (code, stdout, stderr) = infer(&["export", "--out", exported.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("lenet5 (10 classes)"), "{stdout}");
    // PyTorch names and layouts: fc1 is [120, 400] (out, in), as nn.Linear stores it.
    let bytes = std::fs::read(&exported).unwrap();
    let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = tensors.names();
    names.sort();
    assert_eq!(
        names,
        [
            "conv1.bias",
            "conv1.weight",
            "conv2.bias",
            "conv2.weight",
            "fc1.bias",
            "fc1.weight",
            "fc2.bias",
            "fc2.weight",
            "fc3.bias",
            "fc3.weight"
        ]
    );
    assert_eq!(tensors.tensor("fc1.weight").unwrap().shape(), [120, 400]);

    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut images: Vec<String> = std::fs::read_dir(&samples)
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    images.sort();
    let mut args: Vec<&str> = images.iter().map(String::as_str).collect();
    let (code, embedded, stderr) = infer(&args);
    assert_eq!(code, 0, "{stderr}");
    args.extend(["--weights", exported.to_str().unwrap(), "--model", "lenet5"]);
    let (code, reloaded, stderr) = infer(&args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(reloaded, embedded);
    assert_eq!(reloaded.lines().count(), 6);

    // Weights of another architecture: one line naming the file and the mismatched keys.
    args.truncate(images.len());
    args.extend([
        "--weights",
        exported.to_str().unwrap(),
        "--model",
        "lenet-d2l",
    ]);
    let (code, _, stderr) = infer(&args);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("lenet5.safetensors") && stderr.contains("fc1.weight"),
        "{stderr}"
    );
    // --model without --weights is a usage error.
    let (code, _, stderr) = infer(&["--model", "lenet5"]);
    assert_eq!(code, 2, "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn imagenet_weights_classify_any_image_at_the_architectures_input_size() {
    // The paper AlexNet takes 227x227 (torchvision's models 224): the crop follows the model.
    let dir = std::env::temp_dir().join(format!("infer-alexnet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let device = burn::prelude::Device::flex();
    let alexnet = model::ModelConfig::new("alexnet".into())
        .init(&device)
        .unwrap();
    let weights = dir.join("alexnet.safetensors");
    interop::export_safetensors(&alexnet, &weights).unwrap();
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/digit-7-paper.png");
    let (code, stdout, stderr) = infer(&[
        image.to_str().unwrap(),
        "--weights",
        weights.to_str().unwrap(),
        "--model",
        "alexnet",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let prediction: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let label = prediction["label"].as_u64().unwrap() as usize;
    assert!(label < 1000);
    assert_eq!(
        prediction["class"].as_str().unwrap(),
        infer::imagenet::class_names()[label]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
