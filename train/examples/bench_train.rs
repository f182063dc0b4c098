//! Training-speed benchmark on the flex CPU backend (autodiff), the counterpart of
//! `infer/examples/bench_infer.rs`. Prints one JSON line per result on stdout:
//! `{bench, backend, batch, train_images_per_s, infer_images_per_s, latency_ms_p50, ...}`
//! (`null` where a field does not apply; extra fields give the raw timings):
//!
//! - `lenet5-mnist-train-bare`: zoo `lenet5` on real MNIST (resized to 32x32, normalized, the
//!   `data` crate's pipeline and burn's `DataLoader`), batch 64, SGD lr 0.01 momentum 0.5
//!   dampening 0 (PyTorch's SGD), cross-entropy, in a minimal hand-written loop (no Learner).
//!   After 20 warm-up batches one full shuffled epoch (60,000 images) is timed:
//!   `train_images_per_s` = 60,000 / its seconds. A test pass (10,000 images, batch 256) is timed
//!   separately (`test_seconds`, `test_accuracy`), so that `train_plus_test_images_per_s` can be
//!   compared with the Learner's epoch time, which includes it.
//! - `lenet5-mnist-train-learner`: the same recipe through the `train` library (preset
//!   `lenet5-mnist`, 1 epoch, burn's `SupervisedTraining` + `Learner`, metrics, checkpoints),
//!   run in a child process of this binary so that its progress output goes to stderr;
//!   `train_images_per_s` = 60,000 / `epoch_seconds` of the run's `history.csv`, which covers the
//!   training epoch **and** the test pass (no warm-up: it is the run's first epoch).
//! - `resnet18-cifar-train`: zoo `resnet18` (ImageNet stem, 10 classes — the PyTorch peer's
//!   "tutorial ResNet18") on random 3x32x32 tensors (4 batches, cycled), batch 128, SGD lr 0.1
//!   momentum 0.9 dampening 0, bare loop: 2 warm-up steps, then 8 timed steps.
//!
//! MNIST is looked for as `train` does (`CNN_DATA_DIR`, the user cache, ...);
//! `scripts/bench-vs-pytorch.sh` points `CNN_DATA_DIR` at `../shared/data`, runs this side by
//! side with the PyTorch peer and prints the ratios.
//!
//! `cargo run -p train --example bench_train [-- --only NAME]` (NAME: one of the bench names).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use burn::data::dataloader::DataLoaderBuilder;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::prelude::*;
use burn::tensor::{Distribution, TensorData};
use clap::Parser;
use data::{DatasetKind, Pipeline, PreparedDataset, Split};
use model::{ModelConfig, Network};

const SEED: u64 = 42;
const BACKEND: &str = "flex";
/// The hidden argument that makes this binary the Learner child: `--learner-run DIR`.
const LEARNER_CHILD: &str = "--learner-run";

/// A JSON number, or `null`.
fn num(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "null".into(), |v| format!("{v:.decimals$}"))
}

/// Prints one result line; `extra` is a list of already-encoded `"key":value` pairs.
fn emit(bench: &str, batch: usize, train_images_per_s: Option<f64>, extra: &[String]) {
    let mut line = format!(
        "{{\"bench\":\"{bench}\",\"backend\":\"{BACKEND}\",\"batch\":{batch},\"train_images_per_s\":{},\"infer_images_per_s\":null,\"latency_ms_p50\":null",
        num(train_images_per_s, 1)
    );
    for field in extra {
        line.push(',');
        line.push_str(field);
    }
    line.push('}');
    println!("{line}");
}

/// PyTorch's SGD: momentum without dampening.
fn sgd(momentum: f64) -> ModuleOptimizer {
    SgdConfig::new()
        .with_momentum(Some(
            MomentumConfig::new()
                .with_momentum(momentum)
                .with_dampening(0.0),
        ))
        .init()
}

/// One optimizer step on a batch; returns the updated network and the batch's loss.
fn train_step(
    net: Network,
    optim: &mut ModuleOptimizer,
    lr: f64,
    images: Tensor<4>,
    targets: Tensor<1, Int>,
) -> (Network, Tensor<1>) {
    let logits = net.forward(images);
    let loss = CrossEntropyLossConfig::new()
        .init(&logits.device())
        .forward(logits, targets);
    let grads = GradientsParams::from_grads(loss.backward(), &net);
    (optim.step(lr, net, grads), loss)
}

fn lenet5_bare(device: &Device) {
    const BATCH: usize = 64;
    const WARMUP_BATCHES: usize = 20;
    let raw = data::load(DatasetKind::Mnist, Split::Train, None).expect("MNIST train split");
    let raw_test = data::load(DatasetKind::Mnist, Split::Test, None).expect("MNIST test split");
    let pipeline = Pipeline::mnist_resized32();
    let train_set = PreparedDataset::prepare(&raw, &pipeline);
    let test_set = PreparedDataset::prepare(&raw_test, &pipeline);
    let (train_len, test_len) = (train_set.len(), test_set.len());

    let autodiff = device.clone().autodiff();
    // The batcher takes the raw dataset's shape (before the resize).
    let train_loader = DataLoaderBuilder::new(pipeline.batcher(raw.shape(), Split::Train, SEED))
        .batch_size(BATCH)
        .shuffle(SEED)
        .set_device(autodiff.clone())
        .build(train_set);
    let test_loader = DataLoaderBuilder::new(pipeline.batcher(raw.shape(), Split::Test, SEED))
        .batch_size(256)
        .set_device(device.clone())
        .build(test_set);

    device.seed(SEED);
    let mut net = ModelConfig::new("lenet5".into())
        .init(&autodiff)
        .expect("zoo model");
    let mut optim = sgd(0.5);
    let lr = 0.01;

    for batch in train_loader.iter().take(WARMUP_BATCHES) {
        let batch = batch.expect("batch");
        (net, _) = train_step(net, &mut optim, lr, batch.images, batch.targets);
    }
    let mut last_loss = None;
    let mut images = 0;
    let start = Instant::now();
    for batch in train_loader.iter() {
        let batch = batch.expect("batch");
        images += batch.images.dims()[0];
        let (updated, loss) = train_step(net, &mut optim, lr, batch.images, batch.targets);
        net = updated;
        last_loss = Some(loss);
    }
    // Reading the last loss waits for the last step.
    let last_loss = last_loss.expect("one batch").into_scalar::<f32>();
    let train_s = start.elapsed().as_secs_f64();
    assert_eq!(images, train_len);

    let start = Instant::now();
    let valid = net.valid();
    let mut correct = 0i64;
    for batch in test_loader.iter() {
        let batch = batch.expect("batch");
        let n = batch.images.dims()[0];
        let predicted = valid.forward(batch.images).argmax(1).reshape([n]);
        correct += predicted
            .equal(batch.targets)
            .int()
            .sum()
            .into_scalar::<i64>();
    }
    let test_s = start.elapsed().as_secs_f64();

    emit(
        "lenet5-mnist-train-bare",
        BATCH,
        Some(train_len as f64 / train_s),
        &[
            format!("\"train_seconds\":{train_s:.3}"),
            format!("\"warmup_batches\":{WARMUP_BATCHES}"),
            format!("\"last_train_loss\":{last_loss:.4}"),
            format!("\"test_seconds\":{test_s:.3}"),
            format!("\"test_accuracy\":{:.4}", correct as f64 / test_len as f64),
            format!(
                "\"train_plus_test_images_per_s\":{:.1}",
                train_len as f64 / (train_s + test_s)
            ),
        ],
    );
}

/// The Learner child: one epoch of preset lenet5-mnist into `out`, through the train library.
fn learner_child(out: &str) {
    let cli = train::cli::Cli::parse_from([
        "train",
        "--preset",
        "lenet5-mnist",
        "--epochs",
        "1",
        "--backend",
        BACKEND,
        "--out",
        out,
    ]);
    match train::training::run(cli) {
        Ok(outcome) => println!("{outcome}"),
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(i32::from(err.exit_code()));
        }
    }
}

fn lenet5_learner() {
    let out = std::env::temp_dir().join(format!("bench-train-learner-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let result = run_learner_child(&out);
    let _ = std::fs::remove_dir_all(&out);
    let (epoch_seconds, test_accuracy) = result.unwrap_or_else(|e| panic!("learner run: {e}"));
    emit(
        "lenet5-mnist-train-learner",
        64,
        Some(DatasetKind::Mnist.num_images(Split::Train) as f64 / epoch_seconds),
        &[
            format!("\"epoch_seconds\":{epoch_seconds:.3}"),
            format!("\"test_accuracy\":{test_accuracy:.4}"),
            "\"note\":\"train_images_per_s = 60000 / epoch_seconds of history.csv, which includes the test pass (10000 images, batch 256); first epoch, no warm-up\"".into(),
        ],
    );
}

/// Runs this binary as the Learner child (its stdout shown on our stderr) and reads the run's
/// history: (epoch seconds, test accuracy) of its one epoch.
fn run_learner_child(out: &Path) -> Result<(f64, f64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe)
        .arg(LEARNER_CHILD)
        .arg(out)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    eprint!("{}", String::from_utf8_lossy(&output.stdout));
    if !output.status.success() {
        return Err(format!("child exited with {}", output.status));
    }
    let history = PathBuf::from(out).join(train::run_dir::files::HISTORY);
    let records = train::history::read(&history)?;
    let first = records
        .first()
        .ok_or_else(|| format!("{} holds no epoch", history.display()))?;
    Ok((first.seconds, first.test_acc))
}

fn resnet18_train(device: &Device) {
    const BATCH: usize = 128;
    const WARMUP: usize = 2;
    const STEPS: usize = 8;
    let autodiff = device.clone().autodiff();
    device.seed(SEED);
    let mut net = ModelConfig::new("resnet18".into())
        .with_num_classes(Some(10))
        .init(&autodiff)
        .expect("zoo model");
    let mut optim = sgd(0.9);
    let lr = 0.1;
    // A few distinct batches, cycled (their generation is not timed), as the PyTorch peer does.
    let mut rng = data::augment::SplitMix64::new(SEED);
    let batches: Vec<(Tensor<4>, Tensor<1, Int>)> = (0..4)
        .map(|_| {
            let labels: Vec<i64> = (0..BATCH).map(|_| (rng.next_u64() % 10) as i64).collect();
            (
                Tensor::<4>::random(
                    [BATCH, 3, 32, 32],
                    Distribution::Normal(0.0, 1.0),
                    &autodiff,
                ),
                Tensor::<1, Int>::from_data(TensorData::new(labels, [BATCH]), &autodiff),
            )
        })
        .collect();
    let mut step = |net: Network, i: usize| {
        let (images, targets) = batches[i % batches.len()].clone();
        train_step(net, &mut optim, lr, images, targets)
    };
    for i in 0..WARMUP {
        (net, _) = step(net, i);
    }
    let start = Instant::now();
    let mut step_seconds = Vec::with_capacity(STEPS);
    let mut last_loss = 0.0;
    for i in 0..STEPS {
        let t = Instant::now();
        let (updated, loss) = step(net, WARMUP + i);
        net = updated;
        // Read every step so that each step's time is complete.
        last_loss = loss.into_scalar::<f32>();
        step_seconds.push(t.elapsed().as_secs_f64());
    }
    let train_s = start.elapsed().as_secs_f64();
    step_seconds.sort_by(f64::total_cmp);
    emit(
        "resnet18-cifar-train",
        BATCH,
        Some((BATCH * STEPS) as f64 / train_s),
        &[
            format!("\"train_seconds\":{train_s:.3}"),
            format!("\"warmup_steps\":{WARMUP}"),
            format!("\"timed_steps\":{STEPS}"),
            format!(
                "\"step_seconds_median\":{:.3}",
                step_seconds[step_seconds.len() / 2]
            ),
            format!("\"last_train_loss\":{last_loss:.4}"),
        ],
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, out] = args.as_slice()
        && flag == LEARNER_CHILD
    {
        learner_child(out);
        return;
    }
    let only = match args.as_slice() {
        [] => None,
        [flag, name] if flag == "--only" => Some(name.as_str()),
        _ => {
            eprintln!(
                "usage: bench_train [--only lenet5-mnist-train-bare|lenet5-mnist-train-learner|resnet18-cifar-train]"
            );
            std::process::exit(2);
        }
    };
    let device = Device::flex();
    let benches: [(&str, &dyn Fn()); 3] = [
        ("lenet5-mnist-train-bare", &|| lenet5_bare(&device)),
        ("lenet5-mnist-train-learner", &lenet5_learner),
        ("resnet18-cifar-train", &|| resnet18_train(&device)),
    ];
    if let Some(name) = only
        && !benches.iter().any(|(bench, _)| *bench == name)
    {
        eprintln!("unknown bench '{name}'");
        std::process::exit(2);
    }
    for (name, run) in benches {
        if only.is_none_or(|o| o == name) {
            run();
        }
    }
}
