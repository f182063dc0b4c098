//! The Digit and Fashion styles: a picture's ink placed in a 28x28 black field as MNIST
//! (scaled into 20x20, centred by its centre of mass) and Fashion-MNIST (scaled to 28,
//! centred by its bounding box) were made.

use image::DynamicImage;

use super::ImageStyle;
use super::gray::working_gray;
use super::ink::extract_ink;
use super::resample::{fit_longer_side, resample};

/// Side of the MNIST / Fashion-MNIST field.
pub(super) const FIELD_SIDE: usize = 28;
/// Side of the box MNIST digits were scaled into before being centred.
const DIGIT_BOX: usize = 20;

/// MNIST's recipe: ink cropped, scaled into a 20x20 box, centre of mass at the
/// centre of a 28x28 field.
pub(super) fn digit(img: &DynamicImage) -> Vec<u8> {
    let mut field = vec![0u8; FIELD_SIDE * FIELD_SIDE];
    let Some(ink) = extract_ink(&working_gray(img), ImageStyle::Digit) else {
        return field;
    };
    let (gw, gh) = fit_longer_side(ink.width, ink.height, DIGIT_BOX);
    let scaled = resample(&ink, gw, gh);
    let max = scaled.iter().copied().fold(0.0f32, f32::max);
    if max <= 0.0 {
        return field;
    }
    // Stretch so that the digit's brightest pixel is 255, as in MNIST.
    let glyph: Vec<u8> = scaled
        .iter()
        .map(|&v| (v * 255.0 / max).round().clamp(0.0, 255.0) as u8)
        .collect();
    let (cx, cy) = centre_of_mass(&glyph, gw);
    let centre = FIELD_SIDE as f32 / 2.0;
    let ox = ((centre - cx).round().max(0.0) as usize).min(FIELD_SIDE - gw);
    let oy = ((centre - cy).round().max(0.0) as usize).min(FIELD_SIDE - gh);
    paste(&mut field, &glyph, gw, ox, oy);
    field
}

/// Fashion-MNIST's recipe: object cropped, longer side scaled to 28, centred by
/// its bounding box.
pub(super) fn fashion(img: &DynamicImage) -> Vec<u8> {
    let mut field = vec![0u8; FIELD_SIDE * FIELD_SIDE];
    let Some(object) = extract_ink(&working_gray(img), ImageStyle::Fashion) else {
        return field;
    };
    let (fw, fh) = fit_longer_side(object.width, object.height, FIELD_SIDE);
    let scaled: Vec<u8> = resample(&object, fw, fh)
        .iter()
        .map(|&v| v.round().clamp(0.0, 255.0) as u8)
        .collect();
    paste(
        &mut field,
        &scaled,
        fw,
        (FIELD_SIDE - fw) / 2,
        (FIELD_SIDE - fh) / 2,
    );
    field
}

/// Centre of mass (x, y) of the intensities, pixel `i` spanning `[i, i + 1)`.
fn centre_of_mass(px: &[u8], w: usize) -> (f32, f32) {
    let (mut total, mut sx, mut sy) = (0.0f64, 0.0f64, 0.0f64);
    for (y, row) in px.chunks_exact(w).enumerate() {
        for (x, &v) in row.iter().enumerate() {
            let v = f64::from(v);
            total += v;
            sx += v * (x as f64 + 0.5);
            sy += v * (y as f64 + 0.5);
        }
    }
    if total == 0.0 {
        return (w as f32 / 2.0, (px.len() / w) as f32 / 2.0);
    }
    ((sx / total) as f32, (sy / total) as f32)
}

/// Copies a `w`-wide plane into the 28x28 `field` with its top-left at (ox, oy).
fn paste(field: &mut [u8], src: &[u8], w: usize, ox: usize, oy: usize) {
    for (row, dst) in src
        .chunks_exact(w)
        .zip(field.chunks_exact_mut(FIELD_SIDE).skip(oy))
    {
        dst[ox..ox + w].copy_from_slice(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocess::ink::{Rect, bounding_box};
    use crate::preprocess::test_pictures::{BLACK, WHITE, canvas, digit_of, fill};
    use crate::preprocess::{to_dataset_style, to_gray};
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    /// A "7" made of rectangles in units of `u` pixels (5 by 10 units), its
    /// top-left at (x, y).
    fn seven(img: &mut RgbImage, u: u32, (x, y): (u32, u32), colour: Rgb<u8>) {
        fill(img, (x, y, x + 5 * u, y + 2 * u), colour);
        fill(img, (x + 3 * u, y + 2 * u, x + 5 * u, y + 10 * u), colour);
        fill(img, (x + 2 * u, y + 4 * u, x + 5 * u, y + 5 * u), colour);
    }

    /// Bounding box (x0, y0, x1, y1) of the non-zero pixels of a 28x28 field.
    fn ink_box(px: &[u8]) -> (usize, usize, usize, usize) {
        let whole = Rect {
            x0: 0,
            y0: 0,
            x1: 28,
            y1: 28,
        };
        let r = bounding_box(px, 28, whole, |v| v > 0).expect("some ink");
        (r.x0, r.y0, r.x1, r.y1)
    }

    /// The largest difference between two pictures' pixels.
    fn max_diff(a: &[u8], b: &[u8]) -> u8 {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap_or(0)
    }

    /// Checks that `out` is MNIST-like: black corners, brightest pixel 255, ink 20 pixels
    /// along its longer side, centre of mass at the centre.
    fn assert_mnist_like(out: &[u8]) {
        for corner in [0, 27, 27 * 28, 28 * 28 - 1] {
            assert_eq!(out[corner], 0, "corner {corner}");
        }
        assert_eq!(out.iter().copied().max(), Some(255));
        let (x0, y0, x1, y1) = ink_box(out);
        assert_eq!((x1 - x0).max(y1 - y0), 20, "longer side of the ink");
        let (cx, cy) = centre_of_mass(out, 28);
        assert!(
            (cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5,
            "{cx} {cy}"
        );
    }

    /// Black bar on white, off-centre near the top-left.
    fn light_bar() -> RgbImage {
        let mut img = canvas(280, 280, WHITE);
        fill(&mut img, (30, 20, 70, 220), BLACK);
        img
    }

    #[test]
    fn digit_on_light_paper_follows_mnist() {
        let out = digit_of(light_bar());
        assert_mnist_like(&out);
        let (x0, y0, x1, y1) = ink_box(&out);
        assert_eq!((x1 - x0, y1 - y0), (4, 20));
    }

    #[test]
    fn digit_ignores_background_colour_position_and_size() {
        let light = digit_of(light_bar());
        let mut dark = canvas(150, 170, BLACK);
        fill(&mut dark, (100, 60, 120, 160), WHITE);
        let dark = digit_of(dark);
        assert!(max_diff(&light, &dark) <= 3, "{light:?}\n{dark:?}");

        let mut big = canvas(300, 400, WHITE);
        seven(&mut big, 14, (20, 200), BLACK);
        let mut small = canvas(120, 100, BLACK);
        seven(&mut small, 9, (60, 5), WHITE);
        let (big, small) = (digit_of(big), digit_of(small));
        assert_mnist_like(&big);
        assert!(max_diff(&big, &small) <= 3, "{big:?}\n{small:?}");
    }

    #[test]
    fn digit_on_noisy_paper_matches_clean_one() {
        let mut clean = canvas(240, 200, WHITE);
        seven(&mut clean, 12, (70, 30), BLACK);
        // Gray paper with texture, dark-gray ink, both noisy.
        let mut state = 12345u32;
        let mut noisy = canvas(240, 200, WHITE);
        for (x, y, p) in noisy.enumerate_pixels_mut() {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let jitter = (state >> 24) as i32 % 41 - 20;
            let base = if clean.get_pixel(x, y)[0] == 0 {
                70
            } else {
                190
            };
            let v = (base + jitter).clamp(0, 255) as u8;
            *p = Rgb([v, v, v]);
        }
        let (clean, noisy) = (digit_of(clean), digit_of(noisy));
        assert_mnist_like(&noisy);
        let mean = clean
            .iter()
            .zip(&noisy)
            .map(|(a, b)| f64::from(a.abs_diff(*b)))
            .sum::<f64>()
            / 784.0;
        assert!(mean < 4.0, "mean difference {mean}");
        assert_eq!(ink_box(&clean), ink_box(&noisy));
    }

    #[test]
    fn transparent_background_counts_as_paper() {
        let mut rgba = RgbaImage::from_pixel(280, 280, Rgba([0, 0, 0, 0]));
        for y in 20..220 {
            for x in 30..70 {
                rgba.put_pixel(x, y, Rgba([0, 0, 0, 255]));
            }
        }
        let img = DynamicImage::ImageRgba8(rgba);
        assert_eq!(to_gray(&img).get_pixel(0, 0)[0], 255);
        let (out, _) = to_dataset_style(&img, ImageStyle::Digit);
        assert_eq!(out, digit_of(light_bar()));
    }

    #[test]
    fn fashion_fits_and_centres_by_bounding_box() {
        let mut img = canvas(300, 200, WHITE);
        fill(&mut img, (10, 20, 110, 70), Rgb([40, 40, 40]));
        let (out, shape) = to_dataset_style(&DynamicImage::ImageRgb8(img), ImageStyle::Fashion);
        assert_eq!(shape, [1, 28, 28]);
        assert_eq!(ink_box(&out), (0, 7, 28, 21));
        assert_eq!(out[14 * 28 + 14], 255);
        assert_eq!(out[0], 0);
    }
}
