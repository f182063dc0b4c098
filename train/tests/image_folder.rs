//! `train --dataset DIR`: a user's image folder (`DIR/train/<class>/`, `DIR/test/<class>/`)
//! trains like a course dataset, and `infer` reads the run back with the folder's class names.
//! The folder is written by the test: RGB PNGs of horizontal and vertical stripes of several
//! sizes, which LeNet-5 (1x32x32, so converted to gray and resized) must tell apart.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use burn::prelude::*;

mod common;
use common::{scratch, test_accuracy, train};

/// An RGB PNG of `width x height` with stripes of `period` pixels, across rows when
/// `horizontal`, in a colour that depends on `seed`.
fn write_stripes(path: &Path, width: u32, height: u32, horizontal: bool, period: u32, seed: u32) {
    let colour = [
        (60 + seed * 37) % 256,
        (200 + seed * 53) % 256,
        (90 + seed * 71) % 256,
    ];
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let along = if horizontal { y } else { x };
            let on = (along / period).is_multiple_of(2);
            for c in colour {
                pixels.push(if on { c as u8 } else { 255 - c as u8 });
            }
        }
    }
    let mut encoder = png::Encoder::new(BufWriter::new(File::create(path).unwrap()), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&pixels).unwrap();
}

/// `root/<split>/{horizontal,vertical}/` with `per_class` images each, of varying sizes.
fn write_split(root: &Path, split: &str, per_class: u32, offset: u32) {
    for (class, horizontal) in [("horizontal", true), ("vertical", false)] {
        let dir = root.join(split).join(class);
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..per_class {
            let seed = i + offset;
            let (w, h) = [(32, 32), (48, 40), (28, 36), (64, 64)][(seed % 4) as usize];
            let period = 3 + seed % 4;
            write_stripes(
                &dir.join(format!("{i}.png")),
                w,
                h,
                horizontal,
                period,
                seed,
            );
        }
    }
}

#[test]
fn an_image_folder_trains_and_infer_names_its_classes() {
    let root = scratch("stripes");
    let images = root.join("stripes");
    write_split(&images, "train", 24, 0);
    write_split(&images, "test", 8, 100);
    let out = root.join("run");
    let (code, stdout, stderr) = train(&[
        "--model",
        "lenet5",
        "--dataset",
        images.to_str().unwrap(),
        "--epochs",
        "12",
        "--batch-size",
        "8",
        "--optimizer",
        "adam",
        "--lr",
        "0.003",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let accuracy = test_accuracy(&stdout);
    assert!(accuracy >= 0.9, "{stdout}");

    // The run folder records the folder, its classes and the shape its images were read at.
    let config = std::fs::read_to_string(out.join("config.json")).unwrap();
    assert!(
        config.contains("\"classes\": [\n      \"horizontal\",\n      \"vertical\"\n    ]")
            || config.contains("\"classes\":[\"horizontal\",\"vertical\"]"),
        "{config}"
    );
    assert!(config.contains("\"num_classes\": 2"), "{config}");

    // infer rebuilds it: two classes named after the folders, a new image classified right.
    let device = Device::flex();
    let model = infer::loaded_model::LoadedModel::from_run(&out, &device).unwrap();
    assert_eq!(model.class_names(), ["horizontal", "vertical"]);
    let probe = root.join("probe.png");
    write_stripes(&probe, 50, 30, false, 4, 7);
    let prediction = infer::predict::predict_files(&model, &[probe], 1)
        .pop()
        .unwrap()
        .unwrap();
    assert_eq!(prediction.best().class, "vertical", "{prediction:?}");

    // The saved config (folder variant) reads back: the run resumes for one more epoch.
    let (code, stdout, stderr) =
        train(&["--resume", "--out", out.to_str().unwrap(), "--epochs", "13"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let history = std::fs::read_to_string(out.join("history.csv")).unwrap();
    assert_eq!(history.lines().count(), 1 + 13, "{history}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn bad_image_folders_are_refused_with_one_line_and_no_run_folder() {
    let root = scratch("bad");
    let no_test = root.join("no-test");
    write_split(&no_test, "train", 2, 0);
    let other_classes = root.join("other-classes");
    write_split(&other_classes, "train", 2, 0);
    write_split(&other_classes, "test", 2, 0);
    std::fs::rename(
        other_classes.join("test/vertical"),
        other_classes.join("test/diagonal"),
    )
    .unwrap();
    for (dir, expected, code) in [
        (root.join("missing"), "unknown dataset", 2),
        (no_test.clone(), "no test or val sub-folder", 2),
        (other_classes.clone(), "differ from the training classes", 1),
    ] {
        let out = root.join("run");
        let (got, stdout, stderr) = train(&[
            "--dataset",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(got, code, "{}: {stdout}\n{stderr}", dir.display());
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!out.exists(), "{} left a run folder", dir.display());
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn pretrained_imagenet_weights_are_fine_tuned_with_a_new_head_and_imagenet_normalization() {
    let root = scratch("pretrained");
    let images = root.join("stripes");
    write_split(&images, "train", 2, 0);
    write_split(&images, "test", 1, 100);
    // torchvision's resnet18 file in torch's cache (random weights here, as safetensors: the
    // reader goes by content); the mirror refuses connections, so no download can happen.
    let torch_home = root.join("torch");
    let cache = torch_home.join("hub/checkpoints");
    std::fs::create_dir_all(&cache).unwrap();
    let resnet = model::ModelConfig::new("resnet18".into())
        .init(&Device::flex())
        .unwrap();
    interop::export_safetensors(&resnet, &cache.join("resnet18-f37072fd.pth")).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = root.join("run");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_train"))
        .args(["--model", "resnet18", "--pretrained", "--dataset"])
        .arg(&images)
        .args(["--epochs", "1", "--batch-size", "2", "--weights-mirror"])
        .arg(format!("http://127.0.0.1:{closed}/"))
        .arg("--out")
        .arg(&out)
        .env("TORCH_HOME", &torch_home)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr),
    );
    assert!(run.status.success(), "{stderr}");
    // Everything but the 1000-class head: fc.weight [1000, 512] against a new [2, 512].
    assert!(
        stdout.contains("resnet18-f37072fd.pth")
            && stdout.contains("fc.weight: file [1000, 512] vs network [2, 512]"),
        "{stdout}"
    );
    let config = train::config::TrainConfig::load(out.join("config.json")).unwrap();
    assert_eq!(config.pipeline.mean, [0.485, 0.456, 0.406]);
    assert_eq!(config.model.num_classes, Some(2));
    // Not an architecture torchvision publishes.
    let (code, _, stderr) = train(&[
        "--model",
        "lenet5",
        "--pretrained",
        "--out",
        root.join("x").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("lenet5"), "{stderr}");
    std::fs::remove_dir_all(&root).unwrap();
}
