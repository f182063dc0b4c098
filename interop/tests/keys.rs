//! Our PyTorch names and shapes equal torchvision's state dicts, for every ImageNet model.
//! The key lists in `fixtures/keys/` are written by `scripts/parity/list_keys.py`.

use std::path::PathBuf;

use burn::prelude::*;
use interop::names::canonical_file_key;
use model::ModelConfig;

fn torchvision_keys(name: &str) -> Vec<(String, Vec<usize>)> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/keys/{name}.txt"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|line| {
            let (key, dims) = line.split_once(' ').unwrap_or((line, ""));
            let shape = dims
                .split(',')
                .filter(|d| !d.is_empty())
                .map(|d| d.parse().unwrap())
                .collect();
            (key.to_string(), shape)
        })
        .collect()
}

#[test]
fn every_imagenet_model_has_torchvisions_keys_and_shapes() {
    let device = Device::flex();
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
        let network = ModelConfig::new(name.into()).init(&device).unwrap();
        let ours: Vec<(String, Vec<usize>)> = interop::load::expected_tensors(&network)
            .into_iter()
            .map(|(key, (_, shape))| (key, shape))
            .collect();
        let mut theirs: Vec<(String, Vec<usize>)> = torchvision_keys(name)
            .into_iter()
            .filter(|(key, _)| canonical_file_key(&network, key).is_some())
            .collect();
        theirs.sort();
        assert_eq!(ours.len(), theirs.len(), "{name}: number of tensors");
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(a, b, "{name}");
        }
    }
}
