//! PyTorch key names for the tensors of a zoo [`Network`].
//!
//! burn names a tensor by its field path (`layer1.0.downsample.conv.weight`); PyTorch by its
//! attribute path, where `nn.Sequential` members are numbered by position, ReLUs and pools
//! included (`features.3.weight`). This file translates the first into the second, per
//! architecture, following the PyTorch definitions users have:
//!
//! | model | PyTorch definition | examples |
//! | --- | --- | --- |
//! | `lenet5`, `lenet-d2l` | the tutorials' `LeNet5` / `LeNetSigmoid` | `conv1`, `conv2`, `fc1`..`fc3` |
//! | `lenet5-classic` | the same, C5 a conv | `conv1`..`conv3`, `fc1`, `fc2` |
//! | `alexnet`, `alexnet-torchvision` | torchvision `AlexNet` (paper: LRN after conv 1, 2) | `features.0`, `classifier.1` |
//! | `vgg11`..`vgg19` | torchvision `VGG` (`_bn` variants too) | `features.0`, `classifier.6` |
//! | `googlenet` | torchvision `GoogLeNet` | `inception3a.branch4.1.conv` |
//! | `resnet*` | torchvision `ResNet` | `layer1.0.downsample.0` |
//!
//! Everything else keeps burn's path, which is what a PyTorch module with the same attribute
//! names would use. Leaf names are PyTorch's already (`weight`/`bias` for batch norm): the
//! caller collects with burn-store's `BurnToPyTorchAdapter`.

use model::Network;
use model::lenet::C5;

/// torchvision's names of GoogLeNet's nine Inception blocks, in order.
const INCEPTION_NAMES: [&str; 9] = [
    "inception3a",
    "inception3b",
    "inception4a",
    "inception4b",
    "inception4c",
    "inception4d",
    "inception4e",
    "inception5a",
    "inception5b",
];

/// The PyTorch key of the tensor at `path` (burn module path, PyTorch leaf name) in `network`.
pub fn torch_key(network: &Network, path: &str) -> String {
    let segments: Vec<&str> = path.split('.').collect();
    let renamed: Vec<String> = match network {
        Network::LeNet(lenet) => {
            let c5_is_conv = matches!(lenet.c5, C5::Conv(_));
            let first = match (segments[0], c5_is_conv) {
                ("c1", _) => "conv1",
                ("c3", _) => "conv2",
                ("c5", true) => "conv3",
                ("c5", false) | ("f6", true) => "fc1",
                ("f6", false) | ("output", true) => "fc2",
                ("output", false) => "fc3",
                (other, _) => other,
            };
            replace_head(&segments, 1, [first.to_string()])
        }
        Network::AlexNet(alexnet) => {
            // features: conv, ReLU, [LRN,] pool, conv, ReLU, [LRN,] pool, conv, ReLU, conv,
            // ReLU, conv, ReLU, pool. classifier: Dropout, Linear, ReLU, Dropout, Linear, ReLU,
            // Linear.
            let conv_index = if alexnet.lrn.is_some() {
                [0, 4, 8, 10, 12]
            } else {
                [0, 3, 6, 8, 10]
            };
            let mapped = match segments[0] {
                "conv1" => Some(("features", conv_index[0])),
                "conv2" => Some(("features", conv_index[1])),
                "conv3" => Some(("features", conv_index[2])),
                "conv4" => Some(("features", conv_index[3])),
                "conv5" => Some(("features", conv_index[4])),
                "fc6" => Some(("classifier", 1)),
                "fc7" => Some(("classifier", 4)),
                "fc8" => Some(("classifier", 6)),
                _ => None,
            };
            match mapped {
                Some((seq, i)) => replace_head(&segments, 1, [seq.to_string(), i.to_string()]),
                None => owned(&segments),
            }
        }
        Network::Vgg(vgg) => {
            // features: per conv `Conv2d, [BatchNorm2d,] ReLU`, a MaxPool after each stage.
            // classifier: Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear.
            let per_conv = if vgg.norms.is_empty() { 2 } else { 3 };
            let feature_index = |conv: usize| {
                let mut pools_before = 0;
                let mut convs_seen = 0;
                for len in vgg.stage_lengths() {
                    if conv < convs_seen + len {
                        break;
                    }
                    convs_seen += len;
                    pools_before += 1;
                }
                conv * per_conv + pools_before
            };
            let index = segments.get(1).and_then(|s| s.parse::<usize>().ok());
            match (segments[0], index) {
                ("convs", Some(k)) => replace_head(
                    &segments,
                    2,
                    ["features".into(), feature_index(k).to_string()],
                ),
                ("norms", Some(k)) => replace_head(
                    &segments,
                    2,
                    ["features".into(), (feature_index(k) + 1).to_string()],
                ),
                ("fc1", _) => replace_head(&segments, 1, ["classifier".into(), "0".into()]),
                ("fc2", _) => replace_head(&segments, 1, ["classifier".into(), "3".into()]),
                ("fc3", _) => replace_head(&segments, 1, ["classifier".into(), "6".into()]),
                _ => owned(&segments),
            }
        }
        Network::GoogLeNet(_) => {
            let index = segments.get(1).and_then(|s| s.parse::<usize>().ok());
            match (segments[0], index) {
                ("inceptions", Some(i)) if i < INCEPTION_NAMES.len() => {
                    let mut out = vec![INCEPTION_NAMES[i].to_string()];
                    // torchvision's branch4 is Sequential(MaxPool2d, BasicConv2d).
                    for (j, s) in segments[2..].iter().enumerate() {
                        out.push(s.to_string());
                        if j == 0 && *s == "branch4" {
                            out.push("1".into());
                        }
                    }
                    out
                }
                _ => owned(&segments),
            }
        }
        Network::ResNet(_) => segments
            .iter()
            .enumerate()
            .map(
                |(i, s)| match (*s, i > 0 && segments[i - 1] == "downsample") {
                    ("conv", true) => "0".to_string(),
                    ("bn", true) => "1".to_string(),
                    _ => s.to_string(),
                },
            )
            .collect(),
        _ => owned(&segments),
    };
    renamed.join(".")
}

/// Key spellings other PyTorch definitions use, rewritten to the ones [`torch_key`] gives;
/// `None` for keys that have no counterpart by design (PyTorch's batch-norm step counter,
/// GoogLeNet's auxiliary classifiers).
pub fn canonical_file_key(network: &Network, key: &str) -> Option<String> {
    if key.ends_with(".num_batches_tracked") || key == "num_batches_tracked" {
        return None;
    }
    match network {
        Network::GoogLeNet(_) if key.starts_with("aux1.") || key.starts_with("aux2.") => None,
        // The course's ResNet-18 calls the projection shortcut `shortcut`.
        Network::ResNet(_) => Some(key.replace(".shortcut.", ".downsample.")),
        _ => Some(key.to_string()),
    }
}

fn owned(segments: &[&str]) -> Vec<String> {
    segments.iter().map(|s| s.to_string()).collect()
}

/// `head` in place of the first `n` segments.
fn replace_head<const K: usize>(segments: &[&str], n: usize, head: [String; K]) -> Vec<String> {
    head.into_iter()
        .chain(
            segments[n.min(segments.len())..]
                .iter()
                .map(|s| s.to_string()),
        )
        .collect()
}
