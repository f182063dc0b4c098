//! Inference benchmark: batch-1 latency and batch-256 throughput of LeNet-5 (1x32x32) and the
//! tutorial's ResNet-18 (ImageNet stem, 10 classes, on 3x32x32 — the PyTorch peer's model), in
//! evaluation mode, on every backend compiled in (flex and ndarray on the CPU, wgpu on a GPU). Prints one
//! JSON line per (model, backend): `{bench, backend, batch, infer_images_per_s, latency_ms_p50}`.
//!
//! `cargo run -p infer --example bench_infer [--features ndarray|wgpu]`; `scripts/bench-infer-vs-pytorch.sh`
//! runs it side by side with the PyTorch reference and prints the ratios.

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

/// Times model `name` on `device` and prints its line; `iters` = [batch-1 calls, batch-256
/// warm-up calls, timed batch-256 calls].
fn bench(
    name: &str,
    classes: usize,
    [c, h, w]: [usize; 3],
    backend: &str,
    device: &Device,
    iters: [usize; 3],
) {
    let [iters_1, warmup_256, iters_256] = iters;
    let config = ModelConfig::new(name.into()).with_num_classes(Some(classes));
    device.seed(0);
    let net = config.init(device).expect("zoo model").valid();
    let one = Tensor::<4>::random(
        [1, c, h, w],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        device,
    );
    let many = Tensor::<4>::random(
        [256, c, h, w],
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
    for _ in 0..warmup_256 {
        forward(&net, &many);
    }
    let t = Instant::now();
    for _ in 0..iters_256 {
        forward(&net, &many);
    }
    let per_s = (256 * iters_256) as f64 / t.elapsed().as_secs_f64();
    println!(
        "{{\"bench\":\"{name}-infer\",\"backend\":\"{backend}\",\"batch\":[1,256],\"latency_ms_p50\":{:.4},\"infer_images_per_s\":{per_s:.1}}}",
        median(latencies) * 1e3
    );
}

fn main() {
    // On rayon's threads, as `train` and `infer` run.
    kernels::on_compute_threads(run)
}

/// The whole bench, on the calling thread.
fn run() {
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
        let (warmup_256, scale) = if *backend == "wgpu" { (5, 5) } else { (1, 1) };
        // (model, input shape, batch-1 iterations, batch-256 iterations on the CPU)
        for (model, shape, iters_1, iters_256) in [
            ("lenet5", [1, 32, 32], 200, 20),
            ("resnet18", [3, 32, 32], 50, 10),
        ] {
            bench(
                model,
                10,
                shape,
                backend,
                device,
                [iters_1, warmup_256, iters_256 * scale],
            );
        }
    }
}
