//! `train` as a user runs it: a real MNIST epoch, resume, bad flags, CIFAR end to end.

use std::path::Path;

use burn::prelude::*;
use model::ModelConfig;
use train::history;

mod common;
use common::{scratch, train_in as train};

/// `(width, height)` of a PNG file, decoding it fully.
fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    (info.width, info.height)
}

#[test]
fn one_epoch_of_lenet5_on_mnist_writes_a_complete_run() {
    let dir = scratch("full");
    let out = dir.join("run");
    let (code, stdout, stderr) = train(&dir, &["--epochs", "1", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("test_accuracy="), "{stdout}");
    let printed: f64 = last["test_accuracy=".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // PyTorch with the same recipe reaches 94.7-96.1 % after one epoch (torch_peer.py, seeds
    // 0 and 1); 97 % takes two to three epochs.
    assert!(printed >= 0.95, "1 epoch reached only {printed}");

    let records = history::read(&out.join("history.csv")).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        format!("{:.4}", records[0].test_acc),
        format!("{printed:.4}")
    );
    assert!(records[0].train_loss.is_finite() && records[0].train_acc > 0.8);
    for png in ["loss.png", "accuracy.png"] {
        assert_eq!(png_size(&out.join(png)), (800, 500), "{png}");
    }
    let summary = std::fs::read_to_string(out.join("summary.txt")).unwrap();
    assert!(
        summary.lines().any(|l| l == "Total params: 61,706"),
        "{summary}"
    );
    // config.json rebuilds the model, and model.bpk loads into it.
    let config = train::config::TrainConfig::load(out.join("config.json")).unwrap();
    assert_eq!(config.model, ModelConfig::new("lenet5".into()));
    let device = Device::flex();
    let net = config
        .model
        .init(&device)
        .unwrap()
        .try_load_file(out.join("model.bpk"))
        .unwrap();
    // The saved weights classify the test set as well as training reported.
    let test = config.dataset.load(data::Split::Test, None).unwrap();
    let prepared = data::PreparedDataset::prepare(&test, &config.pipeline).limit(2000);
    let items: Vec<_> = (0..prepared.len())
        .map(|i| burn::data::dataset::Dataset::get(&prepared, i).unwrap())
        .collect();
    let batch = burn::data::dataloader::batcher::Batcher::batch(
        &config.pipeline.batcher(test.shape(), data::Split::Test, 0),
        items,
        &device,
    );
    let predicted = net.forward(batch.images).argmax(1).flatten::<1>(0, 1);
    let correct: i64 = predicted.equal(batch.targets).int().sum().into_scalar();
    assert!(
        correct as f64 / 2000.0 > printed - 0.02,
        "{correct}/2000 vs {printed}"
    );
    assert!(out.join("checkpoint/model-1.bpk").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resume_continues_exactly_where_the_run_stopped() {
    let dir = scratch("resume");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let common = ["--limit-train", "2560", "--limit-test", "500"];
    let run = |out: &Path, extra: &[&str]| {
        let mut args = common.to_vec();
        args.extend(["--out", out.to_str().unwrap()]);
        args.extend(extra);
        let (code, _, stderr) = train(&dir, &args);
        assert_eq!(code, 0, "{stderr}");
    };
    run(&a, &["--epochs", "2"]);
    run(&b, &["--epochs", "1"]);
    let (code, stdout, stderr) = train(
        &dir,
        &["--resume", "--epochs", "2", "--out", b.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("epoch 2/2"), "{stdout}");
    let (ha, hb) = (
        history::read(&a.join("history.csv")).unwrap(),
        history::read(&b.join("history.csv")).unwrap(),
    );
    assert_eq!(ha.len(), 2);
    assert_eq!(hb.len(), 2);
    for (x, y) in ha.iter().zip(&hb) {
        assert_eq!(x.epoch, y.epoch);
        for (p, q) in [
            (x.train_loss, y.train_loss),
            (x.train_acc, y.train_acc),
            (x.test_loss, y.test_loss),
            (x.test_acc, y.test_acc),
        ] {
            assert!((p - q).abs() <= 1e-6, "epoch {}: {p} vs {q}", x.epoch);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_flags_exit_2_with_one_line_and_no_run_folder() {
    let dir = scratch("flags");
    let not_compiled = if cfg!(feature = "cuda") {
        "flex"
    } else {
        "cuda"
    };
    let cases: Vec<Vec<&str>> = vec![
        vec!["--epochs", "0"],
        vec!["--lr", "-1"],
        vec!["--model", "lenet6"],
        vec!["--dataset", "imagenet"],
        vec!["--preset", "nope"],
        vec!["--backend", not_compiled],
        vec!["--backend", "tpu"],
        vec!["--resume", "--out", "missing-run"],
        vec!["--resume"],
    ];
    for args in cases {
        let (code, stdout, stderr) = train(&dir, &args);
        assert_eq!(code, 2, "{args:?}: {stdout} {stderr}");
        assert!(stderr.starts_with("error"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "{args:?} left files behind"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes a small CIFAR-10 in the real binary format under `root/cifar-10/cifar-10-batches-bin`:
/// `per_batch` random records in each of the five training batches, `test` in the test batch.
fn write_cifar(root: &Path, per_batch: usize, test: usize) {
    let dir = root.join("cifar-10").join("cifar-10-batches-bin");
    std::fs::create_dir_all(&dir).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut byte = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 24) as u8
    };
    let mut batch = |name: &str, records: usize| {
        let mut bytes = Vec::with_capacity(records * 3073);
        for i in 0..records {
            bytes.push((i % 10) as u8);
            bytes.extend((0..3072).map(|_| byte()));
        }
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    for b in 1..=5 {
        batch(&format!("data_batch_{b}.bin"), per_batch);
    }
    batch("test_batch.bin", test);
}

#[test]
fn resnet18_cifar10_preset_runs_end_to_end_on_cifar_format_files() {
    let dir = scratch("cifar");
    write_cifar(&dir, 40, 64);
    let out = dir.join("run");
    let args = [
        "--preset",
        "resnet18-cifar10",
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--data-dir",
    ];
    let mut args = args.to_vec();
    args.extend([dir.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let (code, stdout, stderr) = train(&dir, &args);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.lines().last().unwrap().starts_with("test_accuracy="),
        "{stdout}"
    );
    let records = history::read(&out.join("history.csv")).unwrap();
    assert_eq!(records.len(), 1);
    assert!(
        records[0].train_loss.is_finite() && records[0].test_loss.is_finite(),
        "{records:?}"
    );
    let config = train::config::TrainConfig::load(out.join("config.json")).unwrap();
    assert!(config.pipeline.augment && config.nesterov);
    let summary = std::fs::read_to_string(out.join("summary.txt")).unwrap();
    assert!(
        summary.lines().any(|l| l == "Total params: 11,173,962"),
        "{summary}"
    );
    assert!(out.join("model.bpk").is_file() && out.join("accuracy.png").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}
