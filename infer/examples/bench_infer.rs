//! Inference benchmark: batch-1 latency and big-batch throughput of LeNet-5 (1x32x32, batch
//! 256), the tutorial's ResNet-18 (ImageNet stem, 10 classes, on 3x32x32 — the PyTorch peer's
//! model; batch 256) and ResNet-18 on ImageNet's 3x224x224 (1000 classes; batch 32), in
//! evaluation mode, on every backend compiled in (flex and ndarray on the CPU, wgpu on a GPU).
//! Prints one JSON line per (model, backend): `{bench, backend, batch: [1, N],
//! infer_images_per_s (batch N), latency_ms_p50 (batch 1)}`.
//!
//! `cargo run -p infer --example bench_infer [--features ndarray|wgpu] [-- --only BENCH,...]`
//! (`BENCH` = `lenet5`, `resnet18`, `resnet18-224`); `scripts/bench-infer-vs-pytorch.sh` and
//! `scripts/bench-vs-ort.sh` run it side by side with the PyTorch and ONNX Runtime references
//! and print the ratios.

use std::time::Instant;

use burn::module::Module;
use burn::prelude::*;
use model::ModelConfig;

/// Median of `samples` (seconds).
fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// One forward pass, waited for (the result is read back, as a user would).
fn forward(net: &model::Network, x: &Tensor<4>) -> f32 {
    net.forward(x.clone()).sum().into_scalar::<f32>()
}

/// One benchmark: a zoo model at an input size, and how long to run it.
struct Bench {
    /// Name in the JSON line (`<label>-infer`).
    label: &'static str,
    /// Zoo model.
    model: &'static str,
    /// Classes of the model.
    classes: usize,
    /// Input `[C, H, W]`.
    input: [usize; 3],
    /// Big batch.
    batch: usize,
    /// Timed batch-1 calls.
    iters_1: usize,
    /// Timed big-batch calls on the CPU.
    iters_big: usize,
}

/// Every benchmark, in the order run.
const BENCHES: [Bench; 3] = [
    Bench {
        label: "lenet5",
        model: "lenet5",
        classes: 10,
        input: [1, 32, 32],
        batch: 256,
        iters_1: 200,
        iters_big: 20,
    },
    Bench {
        label: "resnet18",
        model: "resnet18",
        classes: 10,
        input: [3, 32, 32],
        batch: 256,
        iters_1: 50,
        iters_big: 10,
    },
    Bench {
        label: "resnet18-224",
        model: "resnet18",
        classes: 1000,
        input: [3, 224, 224],
        batch: 32,
        iters_1: 20,
        iters_big: 4,
    },
];

/// Times `bench` on `device` and prints its line; `iters` = [batch-1 calls, big-batch warm-up
/// calls, timed big-batch calls].
fn bench(bench: &Bench, backend: &str, device: &Device, iters: [usize; 3]) {
    let (name, classes, [c, h, w], big) = (bench.label, bench.classes, bench.input, bench.batch);
    let [iters_1, warmup_big, iters_big] = iters;
    let config = ModelConfig::new(bench.model.into()).with_num_classes(Some(classes));
    device.seed(0);
    let net = config.init(device).expect("zoo model").valid();
    let one = Tensor::<4>::random(
        [1, c, h, w],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        device,
    );
    let many = Tensor::<4>::random(
        [big, c, h, w],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        device,
    );
    for _ in 0..10 {
        forward(&net, &one);
    }
    let latencies: Vec<f64> = (0..iters_1)
        .map(|_| {
            let t = Instant::now();
            forward(&net, &one);
            t.elapsed().as_secs_f64()
        })
        .collect();
    for _ in 0..warmup_big {
        forward(&net, &many);
    }
    let t = Instant::now();
    for _ in 0..iters_big {
        forward(&net, &many);
    }
    let per_s = (big * iters_big) as f64 / t.elapsed().as_secs_f64();
    println!(
        "{{\"bench\":\"{name}-infer\",\"backend\":\"{backend}\",\"batch\":[1,{big}],\"latency_ms_p50\":{:.4},\"infer_images_per_s\":{per_s:.1}}}",
        median(latencies) * 1e3
    );
}

fn main() {
    // On rayon's threads, as `train` and `infer` run.
    kernels::on_compute_threads(run)
}

/// The whole bench, on the calling thread.
fn run() {
    // `--only a,b`: just those benchmarks.
    let args: Vec<String> = std::env::args().collect();
    let only: Option<Vec<&str>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|list| list.split(',').collect());
    let mut backends: Vec<(&str, Device)> = Vec::new();
    #[cfg(feature = "flex")]
    backends.push(("flex", Device::flex()));
    #[cfg(feature = "ndarray")]
    #[allow(deprecated)]
    backends.push(("ndarray", Device::ndarray()));
    #[cfg(feature = "wgpu")]
    backends.push((
        "wgpu",
        Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
    ));
    for (backend, device) in &backends {
        // A GPU compiles and autotunes its kernels in the first calls (more warm-up), and runs
        // many more batches in the same time.
        let (warmup_big, scale) = if *backend == "wgpu" { (5, 5) } else { (1, 1) };
        for b in BENCHES
            .iter()
            .filter(|b| only.as_ref().is_none_or(|o| o.contains(&b.label)))
        {
            bench(
                b,
                backend,
                device,
                [b.iters_1, warmup_big, b.iters_big * scale],
            );
        }
    }
}
