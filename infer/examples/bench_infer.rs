//! Inference benchmark: batch-1 latency and batch-256 throughput of LeNet-5 (1x32x32) and the
//! CIFAR ResNet-18 (3x32x32), in evaluation mode, on every CPU backend compiled in. Prints one
//! JSON line per (model, backend): `{bench, backend, batch, infer_images_per_s, latency_ms_p50}`.
//!
//! `cargo run -p infer --example bench_infer [--features ndarray]`; `scripts/bench-infer-vs-pytorch.sh`
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

fn bench(name: &str, backend: &str, device: &Device, iters_1: usize, iters_256: usize) {
    let config = ModelConfig::new(name.into());
    let [c, h, w] = config.input_shape().expect("zoo model");
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
    forward(&net, &many);
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
    let mut backends: Vec<(&str, Device)> = Vec::new();
    #[cfg(feature = "flex")]
    backends.push(("flex", Device::flex()));
    #[cfg(feature = "ndarray")]
    #[allow(deprecated)]
    backends.push(("ndarray", Device::ndarray()));
    for (backend, device) in &backends {
        bench("lenet5", backend, device, 200, 20);
        bench("resnet18-cifar", backend, device, 20, 3);
    }
}
