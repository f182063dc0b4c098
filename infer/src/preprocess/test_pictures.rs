//! Test pictures drawn from rectangles, shared by the preprocessing tests.

use image::{DynamicImage, Rgb, RgbImage};

use super::{ImageStyle, to_dataset_style};

/// White paper.
pub const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
/// Black ink (or a black background).
pub const BLACK: Rgb<u8> = Rgb([0, 0, 0]);

/// A `w`×`h` picture of one colour.
pub fn canvas(w: u32, h: u32, colour: Rgb<u8>) -> RgbImage {
    RgbImage::from_pixel(w, h, colour)
}

/// Fills columns `x0..x1`, rows `y0..y1`.
pub fn fill(img: &mut RgbImage, (x0, y0, x1, y1): (u32, u32, u32, u32), colour: Rgb<u8>) {
    for y in y0..y1 {
        for x in x0..x1 {
            img.put_pixel(x, y, colour);
        }
    }
}

/// `img` in the Digit style, checked to be a 28x28 field.
pub fn digit_of(img: RgbImage) -> Vec<u8> {
    let (out, shape) = to_dataset_style(&DynamicImage::ImageRgb8(img), ImageStyle::Digit);
    assert_eq!(shape, [1, 28, 28]);
    assert_eq!(out.len(), 28 * 28);
    out
}
