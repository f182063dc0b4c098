//! PyTorch checkpoints wherever `infer` takes a model: a LeNet-5 trained in PyTorch scores, in
//! `infer eval`, exactly the accuracy PyTorch computed for it; `--pretrained` takes
//! torchvision's file from torch's cache (no request made) for predictions, `eval` and
//! `samples` on a folder of photos, and `export`; a missing file that cannot be downloaded is
//! one line with the URL and the path to put it at.

use std::path::{Path, PathBuf};

mod common;
use common::scratch;

/// `infer ARGS...` with torch's cache under `torch_home`.
fn infer(args: &[&str], torch_home: &Path) -> (i32, String, String) {
    common::infer_with_env(args, &[("TORCH_HOME", torch_home)])
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// A URL where nothing listens: any download attempt fails at once.
fn refused_mirror() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!(
        "http://127.0.0.1:{}/",
        listener.local_addr().unwrap().port()
    )
}

#[test]
fn a_lenet5_trained_in_pytorch_scores_pytorchs_accuracy_in_infer_eval() {
    let dir = scratch("lenet");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("lenet5-mnist-pytorch.json")).unwrap(),
    )
    .unwrap();
    let weights = fixture("lenet5-mnist-pytorch.pth");
    let heat_map = dir.join("confusion.png");
    let (code, stdout, stderr) = infer(
        &[
            "eval",
            "--weights",
            weights.to_str().unwrap(),
            "--model",
            "lenet5",
            "--json",
            "--out",
            heat_map.to_str().unwrap(),
        ],
        &dir,
    );
    assert_eq!(code, 0, "{stderr}");
    let got: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    // The tutorial's preprocessing (Resize(32) bilinear as Pillow, Normalize(0.1307, 0.3081)).
    assert_eq!(got["total"], 10_000);
    assert_eq!(
        got["correct"], expected["correct"],
        "PyTorch: {}",
        expected["test_accuracy"]
    );
    let confusion = got["confusion"].as_array().unwrap();
    for (digit, row) in confusion.iter().enumerate() {
        let row: Vec<u64> = row
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let wrong = row.iter().sum::<u64>() - row[digit];
        assert_eq!(
            serde_json::json!(wrong),
            expected["misclassified_per_class"][digit.to_string()],
            "digit {digit}"
        );
    }
    assert!(heat_map.is_file());

    let grid = dir.join("grid.png");
    let (code, stdout, stderr) = infer(
        &[
            "samples",
            "--weights",
            weights.to_str().unwrap(),
            "--model",
            "lenet5",
            "--out",
            grid.to_str().unwrap(),
            "--n",
            "9",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("9 images") && grid.is_file(), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A ResNet-18 with random weights, saved in torch's cache under torchvision's file name
/// (as safetensors: the reader goes by content, and torch trusts its cache without a check).
fn cached_resnet18(torch_home: &Path) {
    let cache = torch_home.join("hub/checkpoints");
    std::fs::create_dir_all(&cache).unwrap();
    let net = model::ModelConfig::new("resnet18".into())
        .init(&burn::prelude::Device::flex())
        .unwrap();
    interop::export_safetensors(&net, &cache.join("resnet18-f37072fd.pth")).unwrap();
}

#[test]
fn pretrained_weights_come_from_torchs_cache_without_a_request() {
    let home = scratch("cached");
    cached_resnet18(&home);
    let mirror = refused_mirror();
    let image = sample("digit-7-paper.png");
    let base = [
        "--pretrained",
        "--model",
        "resnet18",
        "--weights-mirror",
        mirror.as_str(),
    ];

    let mut args = vec![image.to_str().unwrap(), "--json"];
    args.extend(base);
    let (code, stdout, stderr) = infer(&args, &home);
    assert_eq!(code, 0, "{stderr}");
    let prediction: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let label = prediction["label"].as_u64().unwrap() as usize;
    assert_eq!(prediction["class"], infer::imagenet::class_names()[label]);

    // A folder of photos named by synset id or class name: tench (0) and goldfish (1).
    let photos = home.join("photos");
    for (class, file) in [
        ("n01440764", "digit-0-paper.png"),
        ("goldfish", "digit-3-paper.png"),
    ] {
        std::fs::create_dir_all(photos.join(class)).unwrap();
        std::fs::copy(sample(file), photos.join(class).join(file)).unwrap();
    }
    std::fs::copy(
        sample("digit-9-dark.png"),
        photos.join("goldfish/digit-9-dark.png"),
    )
    .unwrap();
    let mut args = vec!["eval", "--dataset", photos.to_str().unwrap(), "--json"];
    args.extend(base);
    let (code, stdout, stderr) = infer(&args, &home);
    assert_eq!(code, 0, "{stderr}");
    let evaluation: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(evaluation["total"], 3);
    let per_class = evaluation["per_class"].as_array().unwrap();
    assert_eq!(per_class.len(), 2);
    assert_eq!(
        (&per_class[0]["label"], &per_class[0]["class"]),
        (&0.into(), &"tench".into())
    );
    assert_eq!(
        (&per_class[1]["label"], &per_class[1]["photos"]),
        (&1.into(), &2.into())
    );
    let top1 = evaluation["accuracy"].as_f64().unwrap();
    assert!(top1 <= evaluation["top5"].as_f64().unwrap());

    let grid = home.join("grid.png");
    let mut args = vec![
        "samples",
        "--dataset",
        photos.to_str().unwrap(),
        "--out",
        grid.to_str().unwrap(),
    ];
    args.extend(base);
    let (code, stdout, stderr) = infer(&args, &home);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("3 images") && grid.is_file(), "{stdout}");

    let exported = home.join("resnet18.safetensors");
    let mut args = vec!["export", "--out", exported.to_str().unwrap()];
    args.extend(base);
    let (code, stdout, stderr) = infer(&args, &home);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("resnet18 (1000 classes)"), "{stdout}");

    // An unreadable photo is one error line naming it; the others are still scored (exit 1).
    std::fs::write(photos.join("goldfish/broken.png"), b"not a png").unwrap();
    let mut args = vec!["eval", "--dataset", photos.to_str().unwrap(), "--json"];
    args.extend(base);
    let (code, stdout, stderr) = infer(&args, &home);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("broken.png"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let evaluation: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(evaluation["total"], 3);

    // A class folder that is no ImageNet class is named in one line.
    std::fs::create_dir_all(photos.join("not-a-class")).unwrap();
    let mut args = vec!["eval", "--dataset", photos.to_str().unwrap()];
    args.extend(base);
    let (code, _, stderr) = infer(&args, &home);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("not-a-class") && stderr.lines().count() == 1,
        "{stderr}"
    );
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn pretrained_weights_that_cannot_be_had_are_one_line_with_the_url_and_the_path() {
    let home = scratch("offline");
    let mirror = refused_mirror();
    let image = sample("digit-7-paper.png");
    let (code, _, stderr) = infer(
        &[
            image.to_str().unwrap(),
            "--pretrained",
            "--model",
            "resnet34",
            "--weights-mirror",
            &mirror,
        ],
        &home,
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let cached = home.join("hub/checkpoints/resnet34-b627a593.pth");
    assert!(
        stderr.contains(&format!("{mirror}resnet34-b627a593.pth")),
        "{stderr}"
    );
    assert!(stderr.contains(&cached.display().to_string()), "{stderr}");
    assert!(!cached.exists());

    // An architecture torchvision has no weights for; --pretrained without --model.
    let (code, _, stderr) = infer(
        &[image.to_str().unwrap(), "--pretrained", "--model", "lenet5"],
        &home,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("lenet5") && stderr.contains("resnet18"),
        "{stderr}"
    );
    let (code, _, stderr) = infer(&[image.to_str().unwrap(), "--pretrained"], &home);
    assert_eq!(code, 2, "{stderr}");
    std::fs::remove_dir_all(&home).unwrap();
}
