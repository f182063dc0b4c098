//! The Photo and CenterCrop styles: the whole picture resized to the dataset's size, or
//! torchvision's ImageNet resize and centre crop.

use std::borrow::Cow;

use image::DynamicImage;
use image::imageops::FilterType;

use super::gray::{rgb_over_white, to_gray};

/// Resize the shorter side to `resize` (aspect kept), then cut the centre `crop` square, as
/// torchvision's `Resize(resize)` + `CenterCrop(crop)`. RGB `[3, crop, crop]`.
pub(super) fn center_crop(img: &DynamicImage, resize: usize, crop: usize) -> (Vec<u8>, [usize; 3]) {
    let (w, h) = (img.width().max(1) as f64, img.height().max(1) as f64);
    // torchvision: the shorter side becomes `resize`, the longer int(resize * long / short).
    let (new_w, new_h) = if w <= h {
        (resize, (resize as f64 * h / w) as usize)
    } else {
        ((resize as f64 * w / h) as usize, resize)
    };
    let (new_w, new_h) = (new_w.max(crop), new_h.max(crop));
    let (resized, _) = photo(img, 3, new_h, new_w);
    // torchvision: top = round((H - crop) / 2), left = round((W - crop) / 2).
    let top = ((new_h - crop) as f64 / 2.0).round() as usize;
    let left = ((new_w - crop) as f64 / 2.0).round() as usize;
    let mut out = Vec::with_capacity(3 * crop * crop);
    for plane in resized.chunks_exact(new_h * new_w) {
        for y in top..top + crop {
            out.extend_from_slice(&plane[y * new_w + left..y * new_w + left + crop]);
        }
    }
    (out, [3, crop, crop])
}

/// The whole image resized (Triangle filter) to `width` x `height`, as CHW.
pub(super) fn photo(
    img: &DynamicImage,
    channels: usize,
    height: usize,
    width: usize,
) -> (Vec<u8>, [usize; 3]) {
    let c = if channels == 1 { 1 } else { 3 };
    let shape = [c, height, width];
    if height == 0 || width == 0 || img.width() == 0 || img.height() == 0 {
        return (vec![0; c * height * width], shape);
    }
    // Transparency is resolved over white first; the resizing itself runs in
    // the (optimized) `image` crate, at the image's own depth.
    let flat = match img {
        _ if !img.color().has_alpha() => Cow::Borrowed(img),
        _ if c == 1 => Cow::Owned(DynamicImage::ImageLuma8(to_gray(img))),
        _ => Cow::Owned(DynamicImage::ImageRgb8(rgb_over_white(img))),
    };
    let small = flat.resize_exact(width as u32, height as u32, FilterType::Triangle);
    if c == 1 {
        return (to_gray(&small).into_raw(), shape);
    }
    let rgb = small.to_rgb8();
    let mut chw = Vec::with_capacity(3 * height * width);
    for plane in 0..3 {
        chw.extend(rgb.pixels().map(|p| p.0[plane]));
    }
    (chw, shape)
}

#[cfg(test)]
mod tests {
    use crate::preprocess::test_pictures::canvas;
    use crate::preprocess::{ImageStyle, to_dataset_style};
    use image::{DynamicImage, Rgb, RgbImage};

    #[test]
    fn imagenet_centre_crop_keeps_the_middle_of_the_shorter_side_resized_to_256() {
        // 600x300: left half red, right half blue. Resized to 512x256, the centre 224 square
        // spans x = 144..368, so its first 112 columns are red and the rest blue.
        let img = RgbImage::from_fn(600, 300, |x, _| {
            if x < 300 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        });
        let style = ImageStyle::CenterCrop {
            resize: 256,
            crop: 224,
        };
        let (out, shape) = to_dataset_style(&DynamicImage::ImageRgb8(img), style);
        assert_eq!(shape, [3, 224, 224]);
        let at = |c: usize, y: usize, x: usize| out[(c * 224 + y) * 224 + x];
        for y in [0, 100, 223] {
            assert_eq!((at(0, y, 0), at(2, y, 0)), (255, 0));
            assert_eq!((at(0, y, 108), at(2, y, 108)), (255, 0));
            assert_eq!((at(0, y, 116), at(2, y, 116)), (0, 255));
            assert_eq!((at(0, y, 223), at(2, y, 223)), (0, 255));
        }
        // A tall or tiny image still gives 224x224.
        let tall = DynamicImage::ImageRgb8(RgbImage::new(10, 40));
        assert_eq!(to_dataset_style(&tall, style).1, [3, 224, 224]);
    }

    #[test]
    fn photo_is_chw_in_rgb_order() {
        let style = ImageStyle::Photo {
            channels: 3,
            height: 32,
            width: 32,
        };
        let red = DynamicImage::ImageRgb8(canvas(100, 60, Rgb([255, 0, 0])));
        let (out, shape) = to_dataset_style(&red, style);
        assert_eq!(shape, [3, 32, 32]);
        assert_eq!(out.len(), 3 * 32 * 32);
        assert!(out[..1024].iter().all(|&v| v == 255));
        assert!(out[1024..].iter().all(|&v| v == 0));

        let gray = ImageStyle::Photo {
            channels: 1,
            height: 28,
            width: 28,
        };
        let (out, shape) = to_dataset_style(&red, gray);
        assert_eq!(shape, [1, 28, 28]);
        assert!(out.iter().all(|&v| v == 76));
    }
}
