//! Loader throughput, as JSON lines on stdout: images per second through burn's `DataLoader`
//! (one thread, no workers) on the flex CPU backend, for
//! - MNIST -> 32x32 normalized (the LeNet-5 tutorial's input), batches of 64, and
//! - CIFAR-10 with random crop + flip, batches of 128 (synthetic data in the CIFAR format),
//!
//! plus the one-off cost of preparing each split. Real MNIST is used when it can be found
//! without downloading (`CNN_DATA_DIR`, the cache, ...), else synthetic digits of the same size.
//!
//! `cargo run -p data --example bench_loader [-- EPOCHS]`

use std::time::Instant;

use burn::data::dataloader::DataLoaderBuilder;
use burn::prelude::*;
use data::{DatasetKind, ImageDataset, Locator, Pipeline, PreparedDataset, Split};

fn main() {
    // One core for the measured loop: burn's CPU backend must not spread work over rayon.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // SAFETY: set before any other thread exists.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    }
    let epochs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2);
    let device = Device::flex();

    let (mnist, source) = match Locator::from_env(None)
        .with_download(false)
        .load(DatasetKind::Mnist, Split::Train)
    {
        Ok(ds) => (ds, "real"),
        Err(_) => (synthetic(60_000, [1, 28, 28]), "synthetic"),
    };
    bench(
        &format!("mnist-resized32-b64 ({source})"),
        &mnist,
        &Pipeline::mnist_resized32(),
        64,
        epochs,
        &device,
    );
    bench(
        "cifar10-crop-flip-b128 (synthetic)",
        &synthetic(50_000, [3, 32, 32]),
        &Pipeline::cifar10(true),
        128,
        epochs,
        &device,
    );
}

/// Prepares `dataset`, then runs `epochs` shuffled epochs of training batches.
fn bench(
    name: &str,
    dataset: &ImageDataset,
    pipeline: &Pipeline,
    batch_size: usize,
    epochs: usize,
    device: &Device,
) {
    let start = Instant::now();
    let prepared = PreparedDataset::prepare(dataset, pipeline);
    let prepare_s = start.elapsed().as_secs_f64();
    let loader = DataLoaderBuilder::new(pipeline.batcher(dataset.shape(), Split::Train, 1))
        .batch_size(batch_size)
        .shuffle(1)
        .set_device(device.clone())
        .build(prepared);
    let start = Instant::now();
    let mut images = 0;
    let mut checksum = 0.0f64;
    for _ in 0..epochs {
        for batch in loader.iter() {
            let batch = batch.expect("batch");
            images += batch.images.dims()[0];
            // Touch one value so the batch is really materialized.
            checksum += f64::from(
                batch
                    .images
                    .slice([0..1, 0..1, 0..1, 0..1])
                    .into_scalar::<f32>(),
            );
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"bench\":\"{name}\",\"images\":{images},\"seconds\":{secs:.3},\"images_per_second\":{:.0},\"prepare_seconds\":{prepare_s:.3},\"checksum\":{checksum:.3}}}",
        images as f64 / secs
    );
}

/// `n` random images of `shape` with labels `i % 10`.
fn synthetic(n: usize, shape: [usize; 3]) -> ImageDataset {
    let size: usize = shape.iter().product();
    let mut rng = data::augment::SplitMix64::new(42);
    let pixels = (0..n * size).map(|_| rng.next_u64() as u8).collect();
    let labels = (0..n).map(|i| (i % 10) as u8).collect();
    let names = (0..10).map(|i| i.to_string()).collect();
    ImageDataset::new(pixels, labels, shape, names).expect("valid synthetic dataset")
}
