//! Users' own images: single PNG/JPEG/BMP files, and folders laid out like torchvision's
//! `ImageFolder` (`root/<class>/*.png|jpg|jpeg|bmp`, classes = sub-folder names in sorted
//! order, labels = their index).
//!
//! Images are decoded with the `image` crate and converted the way PIL's `convert` does: gray
//! as `L = (299 R + 587 G + 114 B) / 1000` (ITU-R 601-2), colour as RGB without alpha; a folder's
//! images are then resized to one shape with the Pillow-exact bilinear filter of
//! [`crate::resize`]. (burn's `ImageFolderDataset` needs burn's heavy `vision` feature; this
//! reader needs only the decoders.)

use std::path::{Path, PathBuf};

use image::DynamicImage;

use crate::dataset::ImageDataset;
use crate::error::DataError;
use crate::resize::resize_bilinear;

/// File extensions read from image folders (case-insensitive).
pub const EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "bmp"];

/// Decodes an image file into `channels` (1 = gray, 3 = RGB) planes: CHW bytes and their shape
/// `[channels, H, W]` at the file's own size.
pub fn read_image(path: &Path, channels: usize) -> Result<(Vec<u8>, [usize; 3]), DataError> {
    if path.is_dir() {
        return Err(DataError::file(
            path,
            "is a directory, expected an image file",
        ));
    }
    let image = image::ImageReader::open(path)
        .map_err(|e| DataError::io(path, "cannot open", &e))?
        .with_guessed_format()
        .map_err(|e| DataError::io(path, "cannot read", &e))?
        .decode()
        .map_err(|e| DataError::file(path, format!("not a readable image: {e}")))?;
    to_chw(&image, channels).map_err(|e| DataError::file(path, e))
}

/// A decoded image as CHW bytes with `channels` planes (1: PIL-style luma, 3: RGB).
pub fn to_chw(image: &DynamicImage, channels: usize) -> Result<(Vec<u8>, [usize; 3]), String> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    match channels {
        1 => {
            let gray = match image {
                DynamicImage::ImageLuma8(g) => g.as_raw().clone(),
                other => other.to_rgb8().pixels().map(|p| luma(p.0)).collect(),
            };
            Ok((gray, [1, h, w]))
        }
        3 => {
            let rgb = image.to_rgb8();
            let mut chw = vec![0u8; 3 * h * w];
            for (i, p) in rgb.pixels().enumerate() {
                for c in 0..3 {
                    chw[c * h * w + i] = p.0[c];
                }
            }
            Ok((chw, [3, h, w]))
        }
        n => Err(format!(
            "cannot convert to {n} channels, only 1 (gray) or 3 (RGB)"
        )),
    }
}

/// PIL's RGB -> L conversion: `(R*19595 + G*38470 + B*7471 + 0x8000) >> 16`.
pub fn luma([r, g, b]: [u8; 3]) -> u8 {
    ((u32::from(r) * 19595 + u32::from(g) * 38470 + u32::from(b) * 7471 + 0x8000) >> 16) as u8
}

/// Reads `root/<class>/<image>` into one dataset of shape `shape` (`[C, H, W]`; C is 1 or 3):
/// every image converted to C channels and resized to `H x W`. Classes are the sub-folders in
/// sorted order (at most 256); files with other extensions are skipped. Errors on an unreadable
/// image (naming it), no class folder, or no image at all.
pub fn read_image_folder(root: &Path, shape: [usize; 3]) -> Result<ImageDataset, DataError> {
    let [c, h, w] = shape;
    let classes = sorted_entries(root, |p| p.is_dir())?;
    if classes.is_empty() {
        return Err(DataError::file(
            root,
            "no class folders (expected ROOT/<class>/<image>.png)",
        ));
    }
    if classes.len() > 256 {
        return Err(DataError::file(
            root,
            format!("{} class folders, at most 256 are supported", classes.len()),
        ));
    }
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for (label, class_dir) in classes.iter().enumerate() {
        let files = sorted_entries(class_dir, |p| p.is_file() && has_image_extension(p))?;
        for file in files {
            let (image, native) = read_image(&file, c)?;
            if native == shape {
                pixels.extend_from_slice(&image);
            } else {
                pixels.extend_from_slice(&resize_bilinear(&image, native, h, w));
            }
            labels.push(label as u8);
        }
    }
    if labels.is_empty() {
        return Err(DataError::file(
            root,
            format!(
                "no images (.{}) in its class folders",
                EXTENSIONS.join(", .")
            ),
        ));
    }
    let names = classes
        .iter()
        .map(|d| {
            d.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    ImageDataset::new(pixels, labels, shape, names)
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The entries of `dir` that pass `keep`, sorted by name.
pub(crate) fn sorted_entries(
    dir: &Path,
    keep: impl Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, DataError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DataError::io(dir, "cannot list", &e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| DataError::io(dir, "cannot list", &e))?
            .path();
        if keep(&path) {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}
