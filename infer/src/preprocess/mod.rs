//! Turning users' images into dataset-like images before classification.
//!
//! Users hand `infer` real pictures: any size, gray, RGB or RGBA, PNG, JPEG or
//! BMP, dark ink on light paper or light on dark. The models were trained on
//! MNIST, Fashion-MNIST and CIFAR-10, so each picture is first made to look like
//! those data sets; the model's own resize and normalization come afterwards.
//!
//! Digits follow how MNIST was made (LeCun et al.): the ink is cropped to its
//! bounding box, scaled with antialiasing (area averaging) so that the longer
//! side is 20 pixels with the aspect ratio kept, and placed in a 28x28 black
//! field so that the centre of mass of the pixel intensities is at the centre.
//! Fashion items follow Fashion-MNIST: cropped, longer side scaled to 28 and
//! centred by their bounding box. Photos are plainly resized.
//!
//! One file per step: `decode` reads image files, `gray` turns pictures gray (alpha over
//! white), `ink` finds the ink (background level, thresholds, crop) from the levels
//! `histogram` reads, `resample` scales the ink, `mnist_like` makes the Digit and Fashion
//! fields, and `photo` the Photo and CenterCrop images.

mod decode;
mod gray;
mod histogram;
mod ink;
mod mnist_like;
mod photo;
mod resample;
#[cfg(test)]
mod test_pictures;

use data::Pipeline;
use image::DynamicImage;

pub use decode::{MAX_PIXELS, decode_image, load_image};
pub use gray::to_gray;

use mnist_like::FIELD_SIDE;

/// How to turn a photo into a dataset-like image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageStyle {
    /// MNIST-like: 28x28 gray, white object on black, as MNIST was built.
    Digit,
    /// Fashion-MNIST-like: 28x28 gray, object light on black, object scaled to
    /// fit 28x28 (aspect kept), centred by bounding box.
    Fashion,
    /// Plain resize (bilinear) of the whole image to the dataset's HxW, in the
    /// dataset's channels (CIFAR-10: 3x32x32).
    Photo {
        /// 1 for gray; any other value gives RGB (3 planes).
        channels: usize,
        /// Height in pixels.
        height: usize,
        /// Width in pixels.
        width: usize,
    },
    /// torchvision's ImageNet evaluation: RGB, the shorter side resized (bilinear) to
    /// `resize`, then the centre `crop` x `crop` square.
    CenterCrop {
        /// Shorter side after resizing (256).
        resize: usize,
        /// Side of the crop (224).
        crop: usize,
    },
}

/// Everything that turns a decoded picture into one input of a model: the dataset style
/// ([`to_dataset_style`]), then the model's own preprocessing (resize, normalize).
#[derive(Debug, Clone)]
pub struct InputPreparation {
    /// How the picture is made to look like the training data.
    pub style: ImageStyle,
    /// The model's preprocessing of a dataset image.
    pub pipeline: Pipeline,
}

impl InputPreparation {
    /// The model's input for `image`: `C·H·W` floats, row-major.
    pub fn apply(&self, image: &DynamicImage) -> Vec<f32> {
        let (pixels, shape) = to_dataset_style(image, self.style);
        self.pipeline.apply(&pixels, shape)
    }
}

/// The dataset-like image as CHW bytes and its shape [C, H, W] ([1, 28, 28] for
/// Digit and Fashion).
///
/// A picture without ink (blank paper, a uniform colour) gives an all-black
/// field for Digit and Fashion.
pub fn to_dataset_style(img: &DynamicImage, style: ImageStyle) -> (Vec<u8>, [usize; 3]) {
    match style {
        ImageStyle::Digit => (mnist_like::digit(img), [1, FIELD_SIDE, FIELD_SIDE]),
        ImageStyle::Fashion => (mnist_like::fashion(img), [1, FIELD_SIDE, FIELD_SIDE]),
        ImageStyle::Photo {
            channels,
            height,
            width,
        } => photo::photo(img, channels, height, width),
        ImageStyle::CenterCrop { resize, crop } => photo::center_crop(img, resize, crop),
    }
}

#[cfg(test)]
mod tests {
    use super::test_pictures::{BLACK, WHITE, canvas, digit_of, fill};
    use super::*;
    use image::{Rgb, RgbImage};

    #[test]
    fn blank_pictures_give_black_fields() {
        for colour in [WHITE, BLACK, Rgb([128, 128, 128])] {
            for style in [ImageStyle::Digit, ImageStyle::Fashion] {
                let img = DynamicImage::ImageRgb8(canvas(200, 150, colour));
                let (out, shape) = to_dataset_style(&img, style);
                assert_eq!(shape, [1, 28, 28]);
                assert!(out.iter().all(|&v| v == 0), "{colour:?} {style:?}");
            }
        }
        // Paper texture alone is not ink.
        let mut state = 7u32;
        let paper = RgbImage::from_fn(300, 200, |_, _| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let v = 200 + (state >> 24) as u8 % 21 - 10;
            Rgb([v, v, v])
        });
        assert!(digit_of(paper).iter().all(|&v| v == 0));
    }

    #[test]
    fn odd_sizes_do_not_panic() {
        let mut sizes: Vec<RgbImage> = vec![
            canvas(1, 1, WHITE),
            canvas(1, 1, BLACK),
            canvas(2, 1, WHITE),
            canvas(5000, 20, WHITE),
            canvas(20, 5000, BLACK),
        ];
        let mut one_dark = canvas(1, 1, BLACK);
        one_dark.put_pixel(0, 0, Rgb([10, 10, 10]));
        sizes.push(one_dark);
        let mut stroke = canvas(5000, 20, WHITE);
        fill(&mut stroke, (100, 8, 4900, 12), BLACK);
        sizes.push(stroke);
        let mut dot = canvas(3, 3, WHITE);
        dot.put_pixel(1, 1, BLACK);
        sizes.push(dot);
        let mut tall = canvas(3, 2000, BLACK);
        fill(&mut tall, (1, 0, 2, 2000), WHITE);
        sizes.push(tall);
        let photo = ImageStyle::Photo {
            channels: 3,
            height: 32,
            width: 32,
        };
        for img in sizes {
            let img = DynamicImage::ImageRgb8(img);
            for style in [ImageStyle::Digit, ImageStyle::Fashion, photo] {
                let (out, shape) = to_dataset_style(&img, style);
                assert_eq!(out.len(), shape.iter().product::<usize>());
            }
        }
        let mut dot = canvas(3, 3, WHITE);
        dot.put_pixel(1, 1, BLACK);
        let out = digit_of(dot);
        assert_eq!(out.iter().filter(|&&v| v > 0).count(), 400);
    }
}
