//! The search order for dataset folders and the "not found" error.

use data::locate::{holds, user_cache};
use data::{DatasetKind, Locator, Split};

use crate::common::{TempDir, write_idx_split};

#[test]
fn roots_are_searched_in_order_and_dataset_folders_are_accepted() {
    let first = TempDir::new("root-first");
    let second = TempDir::new("root-second");
    write_idx_split(&second.join("mnist"), Split::Test, 3, 0);
    let locator = Locator::only(&[first.path(), second.path()]);
    assert_eq!(
        locator
            .locate(DatasetKind::Mnist, Some(Split::Test))
            .unwrap(),
        second.join("mnist")
    );
    // Only the test split is there.
    assert!(locator.locate(DatasetKind::Mnist, None).is_err());
    assert!(!holds(
        DatasetKind::Mnist,
        &second.join("mnist"),
        Some(Split::Train)
    ));

    // An earlier root wins.
    write_idx_split(&first.join("mnist"), Split::Test, 5, 0);
    let ds = locator.load(DatasetKind::Mnist, Split::Test).unwrap();
    assert_eq!(ds.len(), 5);

    // A root that is the dataset folder itself.
    let only = Locator::only(&[&second.join("mnist")]);
    assert_eq!(only.load(DatasetKind::Mnist, Split::Test).unwrap().len(), 3);
    // ... but a folder of MNIST files is never taken for Fashion-MNIST.
    assert!(
        only.locate(DatasetKind::FashionMnist, Some(Split::Test))
            .is_err()
    );

    // torchvision's layout, ROOT/FashionMNIST/raw.
    let tv = TempDir::new("root-torchvision");
    write_idx_split(&tv.join("FashionMNIST/raw"), Split::Train, 4, 0);
    let ds = Locator::only(&[tv.path()])
        .load(DatasetKind::FashionMnist, Split::Train)
        .unwrap();
    assert_eq!((ds.len(), ds.class_names()[0].as_str()), (4, "T-shirt/top"));
}

#[test]
fn not_found_lists_every_place_and_the_urls_in_one_line() {
    let empty = TempDir::new("root-empty");
    let cache = TempDir::new("cache-offline");
    let locator = Locator::only(&[empty.path()])
        .with_cache(cache.path())
        .with_download(false);
    let e = locator.locate(DatasetKind::FashionMnist, None).unwrap_err();
    let line = e.to_string();
    assert!(!line.contains('\n'), "{line}");
    assert!(line.starts_with("Fashion-MNIST not found"), "{line}");
    for place in [empty.join("fashion-mnist"), cache.join("fashion-mnist")] {
        assert!(line.contains(&place.display().to_string()), "{line}");
    }
    assert!(line.contains("downloads are off"), "{line}");
    assert!(line.contains(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"
    ));
    assert!(line.contains("t10k-labels-idx1-ubyte.gz"), "{line}");

    let e = Locator::only(&[])
        .with_cache(cache.path())
        .with_download(false)
        .locate(DatasetKind::Cifar10, Some(Split::Test))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
        "{e}"
    );
    let e = Locator::only(&[])
        .with_download(false)
        .locate(DatasetKind::Mnist, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz"),
        "{e}"
    );
}

#[test]
fn the_environment_locator_follows_the_documented_order() {
    let explicit = TempDir::new("root-explicit");
    let locator = Locator::from_env(Some(explicit.path()));
    let places: Vec<_> = locator
        .candidates(DatasetKind::FashionMnist)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(places[0], explicit.join("fashion-mnist"));
    assert_eq!(
        places.last().unwrap(),
        &std::path::PathBuf::from("/usr/share/datasets/fashion-mnist")
    );
    if let Some(cache) = user_cache() {
        assert!(cache.ends_with("cnn-burn"));
        assert!(places.contains(&cache.join("fashion-mnist")));
    }
}
