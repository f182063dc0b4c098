//! Image folders (`root/<class>/*.png|jpg`) and single image files.

use data::{read_image, read_image_folder};
use image::{GrayImage, Luma, Rgb, RgbImage};

use crate::common::TempDir;

#[test]
fn reads_classes_in_sorted_order_converting_and_resizing() {
    let root = TempDir::new("folder");
    std::fs::create_dir_all(root.join("dog")).unwrap();
    std::fs::create_dir_all(root.join("cat")).unwrap();
    // cat: a red 8x8 PNG and a gray 16x12 PNG; dog: a blue 4x4 BMP, a note that is skipped.
    RgbImage::from_pixel(8, 8, Rgb([255, 0, 0]))
        .save(root.join("cat/a.png"))
        .unwrap();
    GrayImage::from_pixel(16, 12, Luma([77]))
        .save(root.join("cat/b.PNG"))
        .unwrap();
    RgbImage::from_pixel(4, 4, Rgb([0, 0, 200]))
        .save(root.join("dog/c.bmp"))
        .unwrap();
    std::fs::write(root.join("dog/notes.txt"), "not an image").unwrap();

    let rgb = read_image_folder(root.path(), [3, 8, 8]).unwrap();
    assert_eq!(rgb.class_names(), ["cat", "dog"]);
    assert_eq!(rgb.labels(), [0, 0, 1]);
    let plane = 64;
    assert!(rgb.image(0)[..plane].iter().all(|&v| v == 255));
    assert!(rgb.image(0)[plane..].iter().all(|&v| v == 0));
    assert!(
        rgb.image(1).iter().all(|&v| v == 77),
        "gray -> RGB, resized"
    );
    assert!(rgb.image(2)[2 * plane..].iter().all(|&v| v == 200));

    let gray = read_image_folder(root.path(), [1, 6, 6]).unwrap();
    // PIL's L of pure red: 255 * 0.299 = 76.2 -> 76.
    assert!(
        gray.image(0).iter().all(|&v| v == 76),
        "{:?}",
        gray.image(0)
    );
    assert!(gray.image(1).iter().all(|&v| v == 77));

    let (bytes, shape) = read_image(&root.join("cat/b.PNG"), 1).unwrap();
    assert_eq!((shape, bytes.len()), ([1, 12, 16], 192));
}

#[test]
fn bad_images_and_empty_folders_are_errors() {
    let root = TempDir::new("folder-bad");
    let e = read_image_folder(root.path(), [1, 8, 8])
        .unwrap_err()
        .to_string();
    assert!(e.contains("no class folders"), "{e}");
    std::fs::create_dir_all(root.join("a")).unwrap();
    let e = read_image_folder(root.path(), [1, 8, 8])
        .unwrap_err()
        .to_string();
    assert!(e.contains("no images"), "{e}");
    let bad = root.join("a/broken.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let e = read_image_folder(root.path(), [1, 8, 8]).unwrap_err();
    assert_eq!(e.path(), Some(bad.as_path()));
    assert!(read_image(&root.join("missing.png"), 3).is_err());
    assert!(read_image(&root.join("a"), 3).is_err());
    assert!(read_image_folder(&root.join("nowhere"), [1, 8, 8]).is_err());
}
