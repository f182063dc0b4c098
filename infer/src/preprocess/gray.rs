//! Gray levels of users' pictures: alpha composited over white (a transparent background
//! counts as paper), ITU-R 601 luma, and the reduced gray picture whose ink is analysed.

use image::{DynamicImage, GrayImage, RgbImage};

/// Longest side a gray image is reduced to (by area averaging) before its ink
/// is analysed; far more than the 20 or 28 pixels kept, and it bounds the work.
const WORK_SIDE: u32 = 1024;

/// Gray conversion used by Digit/Fashion: alpha composited over white first (a
/// transparent background counts as paper), then luma (ITU-R 601:
/// 0.299 R + 0.587 G + 0.114 B).
pub fn to_gray(img: &DynamicImage) -> GrayImage {
    let (w, h) = (img.width(), img.height());
    let gray = |raw: &[u8], channels: usize, f: fn(&[u8]) -> u8| {
        let data: Vec<u8> = raw.chunks_exact(channels).map(f).collect();
        GrayImage::from_raw(w, h, data).expect("one gray byte per pixel")
    };
    match img {
        DynamicImage::ImageLuma8(g) => g.clone(),
        DynamicImage::ImageLumaA8(la) => gray(la.as_raw(), 2, |p| over_white(p[0], p[1])),
        DynamicImage::ImageRgb8(rgb) => gray(rgb.as_raw(), 3, |p| luma(p[0], p[1], p[2])),
        DynamicImage::ImageRgba8(rgba) => gray(rgba.as_raw(), 4, |p| {
            over_white(luma(p[0], p[1], p[2]), p[3])
        }),
        other if other.color().has_alpha() => gray(other.to_rgba8().as_raw(), 4, |p| {
            over_white(luma(p[0], p[1], p[2]), p[3])
        }),
        other => gray(other.to_rgb8().as_raw(), 3, |p| luma(p[0], p[1], p[2])),
    }
}

/// ITU-R 601 luma of an RGB pixel, rounded.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8
}

/// A value with opacity `alpha` composited over white, rounded.
fn over_white(v: u8, alpha: u8) -> u8 {
    let (v, a) = (u32::from(v), u32::from(alpha));
    ((v * a + 255 * (255 - a) + 127) / 255) as u8
}

/// The image as 8-bit RGB, alpha composited over white.
pub(super) fn rgb_over_white(img: &DynamicImage) -> RgbImage {
    let rgba = img.to_rgba8();
    let mut data = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
    for p in rgba.as_raw().chunks_exact(4) {
        data.extend_from_slice(&[
            over_white(p[0], p[3]),
            over_white(p[1], p[3]),
            over_white(p[2], p[3]),
        ]);
    }
    RgbImage::from_raw(rgba.width(), rgba.height(), data).expect("three bytes per pixel")
}

/// The gray image (see [`to_gray`]), first reduced by area averaging when it is
/// larger than [`WORK_SIDE`]. Opaque images are reduced before the gray
/// conversion (both are linear); the reduction runs in the `image` crate.
pub(super) fn working_gray(img: &DynamicImage) -> GrayImage {
    let (w, h) = (img.width(), img.height());
    let longer = w.max(h);
    if longer <= WORK_SIDE {
        return to_gray(img);
    }
    let scale = f64::from(WORK_SIDE) / f64::from(longer);
    let tw = ((f64::from(w) * scale).round() as u32).max(1);
    let th = ((f64::from(h) * scale).round() as u32).max(1);
    if img.color().has_alpha() {
        DynamicImage::ImageLuma8(to_gray(img))
            .thumbnail_exact(tw, th)
            .into_luma8()
    } else {
        to_gray(&img.thumbnail_exact(tw, th))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgba, RgbaImage};

    #[test]
    fn gray_uses_itu_601_luma_over_white() {
        let img = RgbaImage::from_fn(5, 1, |x, _| match x {
            0 => Rgba([255, 0, 0, 255]),
            1 => Rgba([0, 255, 0, 255]),
            2 => Rgba([0, 0, 255, 255]),
            3 => Rgba([0, 0, 0, 0]),
            _ => Rgba([0, 0, 0, 128]),
        });
        let gray = to_gray(&DynamicImage::ImageRgba8(img));
        assert_eq!(gray.as_raw(), &vec![76, 150, 29, 255, 127]);
    }
}
