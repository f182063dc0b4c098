//! `infer` as a user runs it: predictions on real images, bad inputs, eval and sample grids
//! with the embedded model, a run folder with the wrong weights.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use data::{PreparedDataset, Split};
use infer::loaded_model::LoadedModel;

mod common;
use common::{infer_in, scratch};

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    (info.width, info.height)
}

#[test]
fn embedded_model_reaches_99_percent_on_the_mnist_test_set() {
    let device = Device::flex();
    let model = LoadedModel::embedded(&device).unwrap();
    let raw = data::load(data::DatasetKind::Mnist, Split::Test, None).unwrap();
    let test = PreparedDataset::prepare(&raw, &model.pipeline);
    let evaluation = infer::eval::evaluate(&model, &test);
    assert_eq!(evaluation.total(), 10_000);
    assert!(
        evaluation.accuracy() >= 0.99,
        "embedded LeNet-5: {}",
        evaluation.accuracy()
    );
    // Small enough to ship in the binary.
    assert!(
        infer::loaded_model::embedded::WEIGHTS.len() + infer::loaded_model::embedded::CONFIG.len()
            < 300 * 1024
    );
}

#[test]
fn mnist_digits_drawn_black_on_white_at_280px_are_recognized() {
    let dir = scratch("paper");
    let raw = data::load(data::DatasetKind::Mnist, Split::Test, None).unwrap();
    let n = 300;
    let paths: Vec<PathBuf> = (0..n)
        .map(|i| {
            let gray = image::GrayImage::from_raw(28, 28, raw.image(i).to_vec()).unwrap();
            let big =
                image::imageops::resize(&gray, 280, 280, image::imageops::FilterType::Triangle);
            let paper = image::RgbImage::from_fn(280, 280, |x, y| {
                let v = 255 - big.get_pixel(x, y)[0];
                image::Rgb([v, v, v])
            });
            let path = dir.join(format!("{i}.png"));
            paper.save(&path).unwrap();
            path
        })
        .collect();
    let model = LoadedModel::embedded(&Device::flex()).unwrap();
    let predictions = infer::predict::predict_files(&model, &paths, 1);
    let correct = predictions
        .iter()
        .enumerate()
        .filter(|(i, p)| p.as_ref().unwrap().best().label == raw.label(*i))
        .count();
    assert!(correct as f64 / n as f64 >= 0.97, "{correct}/{n}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn without_arguments_the_shipped_samples_are_classified() {
    let (code, stdout, stderr) = infer_in(Path::new(env!("CARGO_MANIFEST_DIR")), &[]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains("top-3")).collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    for line in lines {
        // samples/digit-7-paper.png: 7 (99.99 %) ...
        let name = line.split(':').next().unwrap();
        let digit = name.split('-').nth(1).unwrap();
        let predicted = line.split(": ").nth(1).unwrap().split(' ').next().unwrap();
        assert_eq!(predicted, digit, "{line}");
    }
}

#[test]
fn bad_images_are_reported_and_the_others_still_classified() {
    let dir = scratch("bad");
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/digit-7-paper.png");
    std::fs::write(dir.join("empty.png"), b"").unwrap();
    std::fs::write(dir.join("notes.txt"), b"not an image").unwrap();
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(dir.join("cut.png"), &bytes[..bytes.len() / 2]).unwrap();
    std::fs::create_dir_all(dir.join("folder.png")).unwrap();
    let args = [
        good.to_str().unwrap(),
        "missing.png",
        "empty.png",
        "notes.txt",
        "cut.png",
        "folder.png",
        "--json",
    ];
    let (code, stdout, stderr) = infer_in(&dir, &args);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(json["class"], "7");
    assert_eq!(json["top_k"].as_array().unwrap().len(), 3);
    let errors: Vec<&str> = stderr.lines().collect();
    assert_eq!(errors.len(), 5, "{stderr}");
    for (line, file) in errors.iter().zip([
        "missing.png",
        "empty.png",
        "notes.txt",
        "cut.png",
        "folder.png",
    ]) {
        assert!(line.starts_with("error: ") && line.contains(file), "{line}");
        assert!(!line.contains("panicked"), "{line}");
    }
}

#[test]
fn eval_and_sample_grids_write_pngs_of_the_right_size() {
    let dir = scratch("pictures");
    let (code, stdout, stderr) = infer_in(
        &dir,
        &["eval", "--limit", "500", "--out", "confusion.png", "--json"],
    );
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(json["total"], 500);
    assert!(json["accuracy"].as_f64().unwrap() > 0.97);
    assert_eq!(json["confusion"].as_array().unwrap().len(), 10);
    assert_eq!(png_size(&dir.join("confusion.png")), (629, 591));

    let (code, stdout, stderr) = infer_in(
        &dir,
        &["samples", "--out", "grid.png", "--n", "16", "--seed", "3"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("16 images"), "{stdout}");
    assert_eq!(png_size(&dir.join("grid.png")), (672, 656));
    let (code, _, stderr) = infer_in(
        &dir,
        &["samples", "--out", "truth.png", "--n", "9", "--truth-only"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(png_size(&dir.join("truth.png")).0 > 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn weights_of_another_architecture_are_a_clear_error() {
    let dir = scratch("wrong");
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    // A LeNet-5's weights under a config that says LeNet-5 classic (same count, other layers).
    let config = infer::loaded_model::embedded::CONFIG.replace("\"lenet5\"", "\"lenet5-classic\"");
    std::fs::write(run.join("config.json"), config).unwrap();
    std::fs::write(
        run.join("model.bpk"),
        infer::loaded_model::embedded::WEIGHTS,
    )
    .unwrap();
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/digit-7-paper.png");
    let (code, _, stderr) = infer_in(&dir, &[good.to_str().unwrap(), "--run", "run"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("model.bpk") && stderr.contains("lenet5-classic"),
        "{stderr}"
    );

    std::fs::write(run.join("model.bpk"), b"garbage").unwrap();
    let (code, _, stderr) = infer_in(&dir, &[good.to_str().unwrap(), "--run", "run"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("model.bpk") && !stderr.contains("panicked"),
        "{stderr}"
    );

    let (code, _, stderr) = infer_in(&dir, &[good.to_str().unwrap(), "--run", "nowhere"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nowhere"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
