//! The real MNIST and Fashion-MNIST files, found the way the tools find them (`CNN_DATA_DIR`,
//! else the cache, else a download): sizes, label counts and pixel statistics everyone knows.

use burn::data::dataset::Dataset;
use data::{DatasetKind, Pipeline, PreparedDataset, Split, load};

use crate::common::data_root;

#[test]
fn mnist_has_the_published_sizes_label_counts_and_mean() {
    let root = data_root();
    let test = load(DatasetKind::Mnist, Split::Test, root.as_deref()).unwrap();
    assert_eq!(test.len(), 10_000);
    assert_eq!(test.shape(), [1, 28, 28]);
    assert_eq!(
        test.class_counts(),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    assert_eq!(test.class_names()[7], "7");

    let train = load(DatasetKind::Mnist, Split::Train, root.as_deref()).unwrap();
    assert_eq!(train.len(), 60_000);
    assert_eq!(train.class_counts().iter().sum::<usize>(), 60_000);
    let sum: u64 = train.pixels().iter().map(|&p| u64::from(p)).sum();
    let mean = sum as f64 / train.pixels().len() as f64 / 255.0;
    assert!((mean - 0.1307).abs() < 0.0005, "train pixel mean {mean}");

    let item = train.get(0).unwrap();
    assert_eq!(item.image.len(), 784);
    assert_eq!(item.label, 5, "the first MNIST training digit is a 5");
}

#[test]
fn fashion_mnist_test_has_1000_images_per_class() {
    let kind = DatasetKind::FashionMnist;
    let test = load(kind, Split::Test, data_root().as_deref()).unwrap();
    assert_eq!(test.len(), 10_000);
    assert_eq!(test.class_counts(), vec![1000; 10]);
    assert_eq!(test.class_names()[9], "Ankle boot");
    assert_eq!(test.num_classes(), kind.num_classes());
}

#[test]
fn prepared_real_digits_equal_the_single_image_pipeline_and_stay_near_plain_bilinear() {
    let test = load(DatasetKind::Mnist, Split::Test, data_root().as_deref()).unwrap();
    let small = test.limit(500);
    let pipeline = Pipeline::mnist_resized32();
    let prepared = PreparedDataset::prepare(&small, &pipeline);
    assert_eq!(prepared.shape(), [1, 32, 32]);
    assert_eq!(prepared.len(), 500);
    for i in [0, 1, 250, 499] {
        let item = prepared.get(i).unwrap();
        assert_eq!(item.image, pipeline.apply(small.image(i), [1, 28, 28]));
        assert_eq!(item.label, small.label(i));
    }
    // Pillow's two rounded passes stay within one grey level of exact bilinear interpolation.
    for i in 0..500 {
        let ours = prepared.image_bytes(i);
        let exact = crate::pipeline::float_bilinear(small.image(i), 28, 28, 32, 32);
        for (a, b) in ours.iter().zip(&exact) {
            assert!((f32::from(*a) - b).abs() <= 1.0, "image {i}: {a} vs {b}");
        }
    }
}
