//! `train --init-from`: fine-tuning from PyTorch-format weights, a new classifier when the
//! class count differs, and bad files refused before a run folder exists.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use model::ModelConfig;

mod common;
use common::{scratch, test_accuracy, train};

/// The embedded 99.2 % LeNet-5 exported as PyTorch would save it.
fn pretrained(dir: &Path) -> PathBuf {
    let device = Device::flex();
    let model = infer::loaded_model::LoadedModel::embedded(&device).unwrap();
    let path = dir.join("lenet5.safetensors");
    interop::export_safetensors(&model.net, &path).unwrap();
    path
}

#[test]
fn fine_tuning_starts_from_the_given_weights() {
    let dir = scratch("tune");
    let weights = pretrained(&dir);
    let common = [
        "--model",
        "lenet5",
        "--epochs",
        "1",
        "--limit-train",
        "128",
        "--limit-test",
        "2000",
        "--lr",
        "0.001",
    ];
    let out = dir.join("tuned");
    let mut args = common.to_vec();
    args.extend([
        "--init-from",
        weights.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let (code, stdout, stderr) = train(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("10 tensors loaded"), "{stdout}");
    let tuned = test_accuracy(&stdout);
    // From scratch, two batches of 64 images leave LeNet-5 near chance.
    let mut args = common.to_vec();
    let scratch_out = dir.join("scratch");
    args.extend(["--out", scratch_out.to_str().unwrap()]);
    let (code, stdout, stderr) = train(&args);
    assert_eq!(code, 0, "{stderr}");
    let from_scratch = test_accuracy(&stdout);
    assert!(tuned >= 0.98, "fine-tuned: {tuned}");
    assert!(from_scratch < 0.5, "from scratch: {from_scratch}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn another_class_count_gets_a_new_classifier_and_bad_files_leave_no_run() {
    let dir = scratch("head");
    let device = Device::flex();
    let five_classes = ModelConfig::new("lenet5".into())
        .with_num_classes(Some(5))
        .init(&device)
        .unwrap();
    let weights = dir.join("five.safetensors");
    interop::export_safetensors(&five_classes, &weights).unwrap();
    let out = dir.join("run");
    let (code, stdout, stderr) = train(&[
        "--model",
        "lenet5",
        "--epochs",
        "1",
        "--limit-train",
        "64",
        "--limit-test",
        "64",
        "--init-from",
        weights.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("8 tensors loaded")
            && stdout.contains("fc3.weight: file [5, 84] vs network [10, 84]"),
        "{stdout}"
    );

    let bad = dir.join("bad.pth");
    std::fs::write(&bad, b"not a checkpoint").unwrap();
    let out = dir.join("never");
    let (code, _, stderr) = train(&[
        "--init-from",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("bad.pth"), "{stderr}");
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
