//! Resize against hand-computed values, the pipeline presets, prepared datasets, and the
//! batcher's tensors (plain and augmented) on the flex CPU backend.

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::prelude::*;
use data::resize::resize_bilinear;
use data::{
    ClassificationBatcher, DatasetKind, ImageDataset, Pipeline, PreparedDataset, PreparedItem,
    Split,
};

use crate::common::noise;

/// Exact (unrounded) bilinear interpolation with half-pixel centres and edge clamping: what
/// Pillow approximates when enlarging.
pub fn float_bilinear(image: &[u8], h: usize, w: usize, oh: usize, ow: usize) -> Vec<f32> {
    let coord = |i: usize, n: usize, on: usize| {
        let s = ((i as f64 + 0.5) * n as f64 / on as f64 - 0.5).clamp(0.0, (n - 1) as f64);
        let i0 = s.floor() as usize;
        (i0, (i0 + 1).min(n - 1), s - i0 as f64)
    };
    let mut out = Vec::with_capacity(oh * ow);
    for y in 0..oh {
        let (y0, y1, fy) = coord(y, h, oh);
        for x in 0..ow {
            let (x0, x1, fx) = coord(x, w, ow);
            let p = |yy: usize, xx: usize| f64::from(image[yy * w + xx]);
            let top = p(y0, x0) * (1.0 - fx) + p(y0, x1) * fx;
            let bottom = p(y1, x0) * (1.0 - fx) + p(y1, x1) * fx;
            out.push((top * (1.0 - fy) + bottom * fy) as f32);
        }
    }
    out
}

#[test]
fn resize_matches_hand_computed_pillow_values() {
    // 2x2 -> 4x4. Rows first: [0, 100] -> [0, 25, 75, 100] and [200, 40] -> [200, 160, 80, 40]
    // (output centres at 0.25, 0.75, 1.25, 1.75: ends replicate, middles mix 3:1); then columns,
    // rounding each pass: [25, 160] -> [25, 58.75 -> 59, 126.25 -> 126, 160].
    let out = resize_bilinear(&[0, 100, 200, 40], [1, 2, 2], 4, 4);
    #[rustfmt::skip]
    let expected = [
          0,  25, 75, 100,
         50,  59, 76,  85,
        150, 126, 79,  55,
        200, 160, 80,  40,
    ];
    assert_eq!(out, expected);

    // MNIST-sized enlargement 28 -> 32 stays within one grey level of exact bilinear.
    let image = noise(28 * 28, 11);
    let ours = resize_bilinear(&image, [1, 28, 28], 32, 32);
    let exact = float_bilinear(&image, 28, 28, 32, 32);
    let worst = ours
        .iter()
        .zip(&exact)
        .map(|(&a, &b)| (f32::from(a) - b).abs())
        .fold(0.0, f32::max);
    assert!(worst <= 1.0, "max difference {worst}");
    // A row 28 -> 32 of values 9x. Output x has centre (x + 0.5) * 28 / 32 and reads the two
    // input pixels whose centres (i + 0.5) are within 1, weighted 1 - distance:
    // x = 1: centre 1.3125, 0.1875 * 0 + 0.8125 * 9 = 7.31 -> 7;
    // x = 2: centre 2.1875, 0.3125 * 9 + 0.6875 * 18 = 15.19 -> 15;
    // x = 31: centre 27.5625, only pixel 27 is inside the image -> 243.
    let row: Vec<u8> = (0..28).map(|i| (i * 9) as u8).collect();
    let out = resize_bilinear(&row, [1, 1, 28], 1, 32);
    assert_eq!(&out[..3], &[0, 7, 15]);
    assert_eq!(out[31], 243);
}

#[test]
fn presets_have_the_documented_shapes_and_values() {
    let mnist = [1, 28, 28];
    assert_eq!(Pipeline::mnist_resized32().output_shape(mnist), [1, 32, 32]);
    assert_eq!(Pipeline::mnist_padded32().output_shape(mnist), [1, 32, 32]);
    assert_eq!(Pipeline::fashion28().output_shape(mnist), [1, 28, 28]);
    assert_eq!(
        Pipeline::cifar10(true).output_shape([3, 32, 32]),
        [3, 32, 32]
    );
    assert_eq!(
        Pipeline::for_dataset(DatasetKind::FashionMnist).normalized_for(DatasetKind::FashionMnist),
        Pipeline::new()
            .with_mean(vec![0.2860])
            .with_std(vec![0.3530])
    );
    assert!(Pipeline::for_dataset(DatasetKind::Cifar10).augment);

    // Black and white through ToTensor + Normalize(0.1307, 0.3081).
    let mut image = vec![0u8; 784];
    image[0] = 255;
    let out = Pipeline::mnist_padded32().apply(&image, mnist);
    let black = (0.0 - 0.1307f32) / 0.3081;
    let white = (1.0 - 0.1307f32) / 0.3081;
    assert_eq!(out.len(), 1024);
    assert_eq!(out[0], black, "padding is black");
    assert_eq!(out[2 * 32 + 2], white, "the image starts at (2, 2)");
    assert_eq!(out[2 * 32 + 3], black);
    assert_eq!(Pipeline::mnist_padded32().normalized_zero(1), vec![black]);

    // [0, 1] scaling only, and a per-channel normalization.
    let out = Pipeline::fashion28().apply(&[0, 51, 255, 102], [1, 2, 2]);
    assert_eq!(out, vec![0.0, 0.2, 1.0, 0.4]);
    let cifar = Pipeline::cifar10(false).apply(&[255, 0, 128], [3, 1, 1]);
    let expected = [
        (1.0 - 0.4914f32) / 0.2470,
        (0.0 - 0.4822f32) / 0.2435,
        (128.0 / 255.0 - 0.4465f32) / 0.2616,
    ];
    assert_eq!(cifar, expected);

    // Config round trip (saved in a run's config.json).
    let json = burn::config::config_to_json(&Pipeline::mnist_resized32());
    let back: Pipeline = serde_json_roundtrip(&json);
    assert_eq!(back, Pipeline::mnist_resized32());
    assert!(Pipeline::cifar10(false).validate(1).is_err());
    assert!(Pipeline::new().with_std(vec![0.0]).validate(1).is_err());
}

fn serde_json_roundtrip(json: &str) -> Pipeline {
    let dir = crate::common::TempDir::new("pipeline-json");
    let path = dir.join("p.json");
    std::fs::write(&path, json).unwrap();
    Pipeline::load(&path).unwrap()
}

fn tiny_dataset(n: usize, shape: [usize; 3]) -> ImageDataset {
    let size: usize = shape.iter().product();
    let labels = (0..n).map(|i| (i % 10) as u8).collect();
    let names = (0..10).map(|i| i.to_string()).collect();
    ImageDataset::new(noise(n * size, 5), labels, shape, names).unwrap()
}

#[test]
fn prepared_items_equal_the_single_image_pipeline() {
    let ds = tiny_dataset(5000, [1, 28, 28]);
    for pipeline in [
        Pipeline::mnist_resized32(),
        Pipeline::mnist_padded32(),
        Pipeline::fashion28(),
    ] {
        let prepared = PreparedDataset::prepare(&ds, &pipeline);
        assert_eq!(prepared.len(), 5000);
        for i in [0, 1, 2047, 2048, 4999] {
            let item = prepared.get(i).unwrap();
            assert_eq!(
                item.image,
                pipeline.apply(ds.image(i), ds.shape()),
                "{pipeline:?} {i}"
            );
            assert_eq!(item.label, i % 10);
        }
    }
    let limited = PreparedDataset::prepare(&ds, &Pipeline::fashion28()).limit(7);
    assert_eq!((limited.len(), limited.iter().count()), (7, 7));
    assert_eq!(ds.limit(3).len(), 3);
}

#[test]
fn batches_have_shape_n_c_h_w_and_the_item_values() {
    let device = Device::flex();
    let items: Vec<PreparedItem> = (0..3)
        .map(|i| PreparedItem {
            image: (0..12).map(|v| (i * 100 + v) as f32).collect(),
            label: 2 * i + 1,
        })
        .collect();
    let batch = ClassificationBatcher::new([3, 2, 2]).batch(items.clone(), &device);
    assert_eq!(batch.images.dims(), [3, 3, 2, 2]);
    assert_eq!(batch.targets.dims(), [3]);
    let values = batch.images.into_data().try_to_vec::<f32>().unwrap();
    let expected: Vec<f32> = items.iter().flat_map(|i| i.image.clone()).collect();
    assert_eq!(values, expected);
    let targets: Vec<i64> = batch
        .targets
        .into_data()
        .convert::<i64>()
        .try_to_vec()
        .unwrap();
    assert_eq!(targets, vec![1, 3, 5]);
}

#[test]
fn augmentation_is_seeded_crops_with_black_padding_and_flips() {
    let shape = [1, 8, 8];
    let image: Vec<f32> = (0..64).map(|v| v as f32).collect();
    let items = vec![
        PreparedItem {
            image: image.clone(),
            label: 0
        };
        200
    ];
    let run = |seed: u64| {
        let batcher = ClassificationBatcher::new(shape)
            .with_fill(vec![-1.0])
            .with_augment(seed);
        (
            batcher.fill_buffers(&items).0,
            batcher.fill_buffers(&items).0,
        )
    };
    let (a1, a2) = run(1);
    assert_eq!(run(1), (a1.clone(), a2.clone()), "same seed, same batches");
    assert_ne!(a1, a2, "each batch draws anew");
    assert_ne!(run(2).0, a1);

    // With no crop padding every image is the original or its mirror, both about half the time.
    let flips = ClassificationBatcher::new(shape).with_augment_padding(3, 0);
    let mirrored: Vec<f32> = (0..8)
        .flat_map(|y| (0..8).rev().map(move |x| (y * 8 + x) as f32))
        .collect();
    let out = flips.fill_buffers(&items).0;
    let n_flipped = out
        .chunks_exact(64)
        .map(|img| {
            assert!(img == &image[..] || img == &mirrored[..]);
            usize::from(img == &mirrored[..])
        })
        .sum::<usize>();
    assert!((70..130).contains(&n_flipped), "{n_flipped} of 200 flipped");

    // With padding 4, every image is a shifted copy: the non-padding values are consecutive
    // runs of the original rows, padding pixels are -1, and at most 4 rows/columns are padding.
    for img in a1.chunks_exact(64) {
        let pad_rows = (0..8)
            .filter(|y| img[y * 8..y * 8 + 8].iter().all(|&v| v == -1.0))
            .count();
        assert!(pad_rows <= 4);
        let kept = img.iter().filter(|&&v| v >= 0.0).count();
        assert!(kept >= 16, "at least a 4x4 window of the image survives");
    }

    // Pipelines give augmenting batchers only for training.
    let p = Pipeline::cifar10(true);
    assert!(p.batcher([3, 32, 32], Split::Train, 0).augments());
    assert!(!p.batcher([3, 32, 32], Split::Test, 0).augments());
    assert!(
        !Pipeline::cifar10(false)
            .batcher([3, 32, 32], Split::Train, 0)
            .augments()
    );
}

#[test]
fn a_burn_dataloader_runs_on_prepared_data() {
    let ds = tiny_dataset(300, [3, 32, 32]);
    let pipeline = Pipeline::cifar10(true);
    let prepared = PreparedDataset::prepare(&ds, &pipeline);
    let loader = DataLoaderBuilder::new(pipeline.batcher(ds.shape(), Split::Train, 7))
        .batch_size(128)
        .shuffle(7)
        .set_device(Device::flex())
        .build(prepared);
    let sizes: Vec<[usize; 4]> = loader.iter().map(|b| b.unwrap().images.dims()).collect();
    assert_eq!(
        sizes,
        vec![[128, 3, 32, 32], [128, 3, 32, 32], [44, 3, 32, 32]]
    );
}
