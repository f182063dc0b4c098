//! Training-speed benchmark (autodiff) on the flex CPU backend, or on any backend compiled in
//! (`--backend wgpu` with `--features wgpu`); the counterpart of `infer/examples/bench_infer.rs`.
//! Prints one JSON line per result on stdout:
//! `{bench, backend, batch, train_images_per_s, infer_images_per_s, latency_ms_p50, ...}`
//! (`null` where a field does not apply; extra fields give the raw timings):
//!
//! - `lenet5-mnist-train-bare`: zoo `lenet5` on real MNIST (resized to 32x32, normalized, the
//!   `data` crate's pipeline and burn's `DataLoader`), batch 64, SGD lr 0.01 momentum 0.5
//!   dampening 0 (PyTorch's SGD), cross-entropy, in a minimal hand-written loop (no Learner).
//!   After 20 warm-up batches `--bare-epochs` full shuffled epochs (60,000 images each) are
//!   timed: `train_images_per_s` = 60,000 / the last epoch's seconds (`epoch_seconds` lists them
//!   all). A test pass (10,000 images, batch 256) is timed separately (`test_seconds`,
//!   `test_accuracy`), so that `train_plus_test_images_per_s` can be compared with the Learner's
//!   epoch time, which includes it. With `--bare-resident` the whole split is uploaded once and
//!   each batch is picked by index on the device, as the PyTorch peer's loop does
//!   (`lenet5-mnist-train-bare-resident`): the difference is what the `DataLoader` costs.
//! - `lenet5-mnist-train-learner`: the same recipe through the `train` library (preset
//!   `lenet5-mnist`, `--learner-epochs` epochs, burn's `SupervisedTraining` + `Learner`, metrics,
//!   checkpoints), run in a child process of this binary so that its progress output goes to
//!   stderr; `train_images_per_s` = 60,000 / the last epoch's seconds in the run's `history.csv`,
//!   which cover the training epoch **and** the test pass. `epoch_seconds` lists every epoch:
//!   the first has no warm-up, so on a GPU it holds the kernel compilation and autotuning (the
//!   cold start; a second run with the `persistence` cache shows what remains of it).
//! - `resnet18-cifar-train`: zoo `resnet18` (ImageNet stem, 10 classes — the PyTorch peer's
//!   "tutorial ResNet18") on random 3x32x32 tensors (4 batches, cycled), batch `--resnet-batch`
//!   (128), SGD lr 0.1 momentum 0.9 dampening 0, bare loop: `--resnet-warmup` (2) warm-up steps,
//!   then `--resnet-steps` (8) timed steps, waited for once at the end as the peer does (a GPU
//!   queues the steps). Each warm-up step is waited for and its time printed on stderr.
//!
//! MNIST is looked for as `train` does (`CNN_DATA_DIR`, the user cache, ...);
//! `scripts/bench-vs-pytorch.sh` points `CNN_DATA_DIR` at `../shared/data`, runs this side by
//! side with the PyTorch peer and prints the ratios; `scripts/gpu-bench.sh` does the same on a
//! GPU machine.
//!
//! `cargo run -p train --example bench_train [-- --only NAME --backend flex|wgpu ...]`
//! (`--help` lists the options).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::{Distribution, TensorData};
use clap::Parser;
use data::{ClassificationBatch, DatasetKind, Pipeline, PreparedDataset, Split};
use model::{ModelConfig, Network};
use train::sgd::FusedSgd;

const SEED: u64 = 42;
/// The bench names, in the order they run.
const BENCHES: [&str; 3] = [
    "lenet5-mnist-train-bare",
    "lenet5-mnist-train-learner",
    "resnet18-cifar-train",
];

/// Options; the defaults are the CPU comparison's recipe.
#[derive(Parser, Debug)]
#[command(about = "Training throughput of LeNet-5 (MNIST) and ResNet-18 (3x32x32), JSON lines")]
struct Args {
    /// Run only this bench.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(BENCHES))]
    only: Option<String>,
    /// The backend (flex unless given; wgpu / cuda need their cargo feature).
    #[arg(long, value_enum, default_value = "flex")]
    backend: common::Backend,
    /// Timed epochs of the bare LeNet-5 loop.
    #[arg(long, default_value_t = 1)]
    bare_epochs: usize,
    /// The bare loop with the whole training split on the device, batches picked by index there
    /// (the PyTorch peer's way), instead of burn's `DataLoader` and the batcher; its JSON line is
    /// named `lenet5-mnist-train-bare-resident`.
    #[arg(long)]
    bare_resident: bool,
    /// Epochs of the Learner run.
    #[arg(long, default_value_t = 1)]
    learner_epochs: usize,
    /// ResNet-18 batch size.
    #[arg(long, default_value_t = 128)]
    resnet_batch: usize,
    /// ResNet-18 warm-up steps (not timed).
    #[arg(long, default_value_t = 2)]
    resnet_warmup: usize,
    /// ResNet-18 timed steps.
    #[arg(long, default_value_t = 8)]
    resnet_steps: usize,
    /// Convolutions through burn's own flex kernels instead of ours (`kernels::conv`),
    /// for a side-by-side comparison.
    #[arg(long)]
    burn_conv: bool,
    /// Run on the main thread, which hands each parallel kernel to rayon's threads and waits,
    /// instead of on one of rayon's threads (`kernels::on_compute_threads`, as `train` does),
    /// for a side-by-side comparison.
    #[arg(long)]
    main_thread: bool,
    /// Internal: run as the Learner child, writing its run folder here.
    #[arg(long, hide = true)]
    learner_run: Option<String>,
}

/// Whose flex convolution kernels run (`--burn-conv` turns ours off): "ours" or "burn".
fn conv_kernels() -> &'static str {
    if kernels::conv::flex_kernels_enabled() {
        "ours"
    } else {
        "burn"
    }
}

/// Where the training loop runs (`--main-thread`): "pool" (a rayon thread) or "main".
fn threads() -> &'static str {
    if kernels::is_compute_thread() {
        "pool"
    } else {
        "main"
    }
}

/// A JSON number, or `null`.
fn num(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "null".into(), |v| format!("{v:.decimals$}"))
}

/// Prints one result line; `extra` is a list of already-encoded `"key":value` pairs.
fn emit(
    bench: &str,
    backend: &str,
    batch: usize,
    train_images_per_s: Option<f64>,
    extra: &[String],
) {
    let mut line = format!(
        "{{\"bench\":\"{bench}\",\"backend\":\"{backend}\",\"batch\":{batch},\"train_images_per_s\":{},\"infer_images_per_s\":null,\"latency_ms_p50\":null,\"conv_kernels\":\"{}\",\"threads\":\"{}\"",
        num(train_images_per_s, 1),
        conv_kernels(),
        threads(),
    );
    for field in extra {
        line.push(',');
        line.push_str(field);
    }
    line.push('}');
    println!("{line}");
}

/// `train`'s SGD (PyTorch's: momentum without dampening), one fused pass per parameter on flex.
fn sgd(momentum: f64) -> ModuleOptimizer {
    FusedSgd::new(momentum, false, 0.0).into()
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

/// A training split uploaded whole to the device, batches cut out of it by index on the device
/// (as the PyTorch peer's loop does): `images` `[N, C, H, W]`, `labels` `[N]`.
struct ResidentSplit {
    images: Tensor<4>,
    labels: Tensor<1, Int>,
}

impl ResidentSplit {
    fn upload(split: &PreparedDataset, device: &Device) -> Self {
        let [c, h, w] = split.shape();
        let (n, size) = (split.len(), c * h * w);
        let mut pixels = vec![0.0f32; n * size];
        for (i, out) in pixels.chunks_exact_mut(size).enumerate() {
            split.image_into(i, out);
        }
        let labels: Vec<i64> = (0..n).map(|i| split.label(i) as i64).collect();
        Self {
            images: Tensor::from_data(TensorData::new(pixels, [n, c, h, w]), device),
            labels: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }

    /// One shuffled epoch of `(images [B, C, H, W], targets [B])` batches (the last may be short).
    fn epoch(
        &self,
        rng: &mut data::augment::SplitMix64,
        batch: usize,
    ) -> impl Iterator<Item = (Tensor<4>, Tensor<1, Int>)> + '_ {
        let n = self.labels.dims()[0];
        let mut order: Vec<i64> = (0..n as i64).collect();
        for i in (1..n).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let order = Tensor::<1, Int>::from_data(TensorData::new(order, [n]), &self.labels.device());
        (0..n).step_by(batch).map(move |start| {
            let picked = order.clone().slice(start..(start + batch).min(n));
            (
                self.images.clone().select(0, picked.clone()),
                self.labels.clone().select(0, picked),
            )
        })
    }
}

/// One epoch of training batches, from `resident` when given, else from `loader`.
fn epoch_batches<'a>(
    resident: Option<&'a ResidentSplit>,
    loader: &'a dyn DataLoader<ClassificationBatch>,
    rng: &mut data::augment::SplitMix64,
    batch: usize,
) -> Box<dyn Iterator<Item = (Tensor<4>, Tensor<1, Int>)> + 'a> {
    match resident {
        Some(split) => Box::new(split.epoch(rng, batch)),
        None => Box::new(loader.iter().map(|batch| {
            let batch = batch.expect("batch");
            (batch.images, batch.targets)
        })),
    }
}

fn lenet5_bare(device: &Device, backend: &str, epochs: usize, resident: bool) {
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
        .build(train_set.clone());
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

    let resident = resident.then(|| ResidentSplit::upload(&train_set, &autodiff));
    let mut shuffle = data::augment::SplitMix64::new(SEED);
    let mut batches = || epoch_batches(resident.as_ref(), &*train_loader, &mut shuffle, BATCH);
    let mut last_loss = None;
    for (images, targets) in batches().take(WARMUP_BATCHES) {
        let (updated, loss) = train_step(net, &mut optim, lr, images, targets);
        net = updated;
        last_loss = Some(loss);
    }
    // Wait for the warm-up (a GPU queues its steps).
    if let Some(loss) = last_loss.take() {
        loss.into_scalar::<f32>();
    }
    let mut epoch_seconds = Vec::with_capacity(epochs);
    let mut last_loss_value = f32::NAN;
    for _ in 0..epochs {
        let mut images = 0;
        let start = Instant::now();
        for (batch_images, targets) in batches() {
            images += batch_images.dims()[0];
            let (updated, loss) = train_step(net, &mut optim, lr, batch_images, targets);
            net = updated;
            last_loss = Some(loss);
        }
        // Reading the last loss waits for the last step.
        if let Some(loss) = last_loss.take() {
            last_loss_value = loss.into_scalar::<f32>();
        }
        epoch_seconds.push(start.elapsed().as_secs_f64());
        assert_eq!(images, train_len);
    }
    let train_s = *epoch_seconds.last().expect("one epoch");

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
        if resident.is_some() {
            "lenet5-mnist-train-bare-resident"
        } else {
            "lenet5-mnist-train-bare"
        },
        backend,
        BATCH,
        Some(train_len as f64 / train_s),
        &[
            format!("\"train_seconds\":{train_s:.3}"),
            format!("\"epoch_seconds\":{}", json_list(&epoch_seconds)),
            format!("\"warmup_batches\":{WARMUP_BATCHES}"),
            format!("\"last_train_loss\":{last_loss_value:.4}"),
            format!("\"test_seconds\":{test_s:.3}"),
            format!("\"test_accuracy\":{:.4}", correct as f64 / test_len as f64),
            format!(
                "\"train_plus_test_images_per_s\":{:.1}",
                train_len as f64 / (train_s + test_s)
            ),
        ],
    );
}

/// A JSON list of seconds.
fn json_list(seconds: &[f64]) -> String {
    let items: Vec<String> = seconds.iter().map(|s| format!("{s:.3}")).collect();
    format!("[{}]", items.join(","))
}

/// The Learner child: `epochs` epochs of preset lenet5-mnist into `out`, through the train
/// library.
fn learner_child(out: &str, backend: &str, epochs: usize) {
    let epochs = epochs.to_string();
    let cli = train::cli::Cli::parse_from([
        "train",
        "--preset",
        "lenet5-mnist",
        "--epochs",
        &epochs,
        "--backend",
        backend,
        "--out",
        out,
    ]);
    match train::training::run(cli) {
        Ok(outcome) => {
            println!("{outcome}");
            common::exit::finish(0)
        }
        Err(err) => {
            eprintln!("error: {err}");
            common::exit::finish(err.exit_code())
        }
    }
}

fn lenet5_learner(backend: &str, epochs: usize) {
    let out = std::env::temp_dir().join(format!("bench-train-learner-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let result = run_learner_child(&out, backend, epochs);
    let _ = std::fs::remove_dir_all(&out);
    let (epoch_seconds, test_accuracy) = result.unwrap_or_else(|e| panic!("learner run: {e}"));
    let last = *epoch_seconds.last().expect("one epoch");
    emit(
        "lenet5-mnist-train-learner",
        backend,
        64,
        Some(DatasetKind::Mnist.num_images(Split::Train) as f64 / last),
        &[
            format!("\"epoch_seconds\":{}", json_list(&epoch_seconds)),
            format!("\"test_accuracy\":{test_accuracy:.4}"),
            "\"note\":\"train_images_per_s = 60000 / the last epoch's seconds in history.csv, which include the test pass (10000 images, batch 256); the first epoch has no warm-up\"".into(),
        ],
    );
}

/// Runs this binary as the Learner child (its stdout shown on our stderr) and reads the run's
/// history: (seconds of each epoch, last test accuracy).
fn run_learner_child(out: &Path, backend: &str, epochs: usize) -> Result<(Vec<f64>, f64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe);
    if conv_kernels() == "burn" {
        child.arg("--burn-conv");
    }
    if threads() == "main" {
        child.arg("--main-thread");
    }
    let output = child
        .arg("--backend")
        .arg(backend)
        .arg("--learner-epochs")
        .arg(epochs.to_string())
        .arg("--learner-run")
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
    let last = records
        .last()
        .ok_or_else(|| format!("{} holds no epoch", history.display()))?;
    Ok((records.iter().map(|r| r.seconds).collect(), last.test_acc))
}

fn resnet18_train(device: &Device, backend: &str, args: &Args) {
    let (batch, warmup, steps) = (args.resnet_batch, args.resnet_warmup, args.resnet_steps);
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
            let labels: Vec<i64> = (0..batch).map(|_| (rng.next_u64() % 10) as i64).collect();
            (
                Tensor::<4>::random(
                    [batch, 3, 32, 32],
                    Distribution::Normal(0.0, 1.0),
                    &autodiff,
                ),
                Tensor::<1, Int>::from_data(TensorData::new(labels, [batch]), &autodiff),
            )
        })
        .collect();
    let mut step = |net: Network, i: usize| {
        let (images, targets) = batches[i % batches.len()].clone();
        train_step(net, &mut optim, lr, images, targets)
    };
    // Each warm-up step is waited for and its time printed on stderr: on a GPU the first ones
    // compile and autotune the kernels (minutes with an empty cache), which shows it progress.
    for i in 0..warmup {
        let start = Instant::now();
        let (updated, loss) = step(net, i);
        net = updated;
        let loss = loss.into_scalar::<f32>();
        eprintln!(
            "resnet18 warm-up step {}/{warmup}: {:.3} s, loss {loss:.4}",
            i + 1,
            start.elapsed().as_secs_f64()
        );
    }
    let mut last_loss = None;
    let start = Instant::now();
    for i in 0..steps {
        let (updated, loss) = step(net, warmup + i);
        net = updated;
        last_loss = Some(loss);
    }
    let last_loss = last_loss.map_or(f32::NAN, |loss| loss.into_scalar::<f32>());
    let train_s = start.elapsed().as_secs_f64();
    emit(
        "resnet18-cifar-train",
        backend,
        batch,
        Some((batch * steps) as f64 / train_s),
        &[
            format!("\"train_seconds\":{train_s:.3}"),
            format!("\"warmup_steps\":{warmup}"),
            format!("\"timed_steps\":{steps}"),
            format!("\"last_train_loss\":{last_loss:.4}"),
        ],
    );
}

fn main() {
    let args = Args::parse();
    if args.main_thread {
        run(args)
    } else {
        kernels::on_compute_threads(|| run(args))
    }
}

/// The benches `args` selects, on the calling thread.
fn run(args: Args) {
    if args.bare_epochs == 0
        || args.learner_epochs == 0
        || args.resnet_batch == 0
        || args.resnet_steps == 0
    {
        eprintln!("error: epochs, batch size and timed steps must be at least 1");
        std::process::exit(2);
    }
    let backend = args.backend.name();
    kernels::conv::use_flex_kernels(!args.burn_conv);
    if let Some(out) = &args.learner_run {
        learner_child(out, &backend, args.learner_epochs);
        return;
    }
    let device = match common::backend::device(Some(args.backend)) {
        Ok(device) => device,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(i32::from(err.exit_code()));
        }
    };
    for name in BENCHES {
        if args.only.as_deref().is_some_and(|only| only != name) {
            continue;
        }
        match name {
            "lenet5-mnist-train-bare" => {
                lenet5_bare(&device, &backend, args.bare_epochs, args.bare_resident)
            }
            "lenet5-mnist-train-learner" => lenet5_learner(&backend, args.learner_epochs),
            _ => resnet18_train(&device, &backend, &args),
        }
    }
}
