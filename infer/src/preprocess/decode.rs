//! Reading and decoding users' image files (PNG, JPEG or BMP, recognised from the content),
//! with every failure told in one line.

use std::io::{Cursor, ErrorKind};
use std::path::Path;

use image::{DynamicImage, ImageError, ImageFormat, ImageReader};

/// Reads and decodes an image file. Errors are ONE line naming the file and the
/// problem, e.g. "digit.png: no such file", "samples/: is a directory, not an
/// image", "x.png: empty file (0 bytes)", "notes.txt: not a PNG, JPEG or BMP
/// image", `cut.png: truncated or corrupt PNG (<decoder message>)`.
///
/// The format is recognised from the file's content, not its name.
pub fn load_image(path: &Path) -> Result<DynamicImage, String> {
    let name = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{name}: {}", io_problem(&e)))?;
    if meta.is_dir() {
        return Err(format!("{name}: is a directory, not an image"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {}", io_problem(&e)))?;
    decode_image(&bytes).map_err(|problem| format!("{name}: {problem}"))
}

/// The most pixels an image may have (width x height): 64 megapixels, twice a 48-megapixel
/// phone photo. Larger images are refused from their header, before anything is decoded.
pub const MAX_PIXELS: u64 = 64 << 20;

/// Decodes an image file's bytes (PNG, JPEG or BMP, recognised from the content). The error
/// is the problem in a few words, without the file's name: "empty file (0 bytes)", "not a
/// PNG, JPEG or BMP image (it looks like GIF)", "truncated or corrupt PNG (...)", "PNG image
/// of 100000x100000 pixels is too large (at most 67108864 pixels)".
pub fn decode_image(bytes: &[u8]) -> Result<DynamicImage, String> {
    if bytes.is_empty() {
        return Err("empty file (0 bytes)".into());
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Bmp)) => f,
        Ok(other) => {
            let kind = other.extensions_str().first().copied().unwrap_or("other");
            return Err(format!(
                "not a PNG, JPEG or BMP image (it looks like {})",
                kind.to_uppercase()
            ));
        }
        Err(_) => return Err("not a PNG, JPEG or BMP image".into()),
    };
    let reader = |bytes| ImageReader::with_format(Cursor::new(bytes), format);
    let (width, height) = reader(bytes)
        .into_dimensions()
        .map_err(|e| decode_problem(&e, format))?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!(
            "{} image of {width}x{height} pixels is too large (at most {MAX_PIXELS} pixels)",
            format_name(format)
        ));
    }
    reader(bytes)
        .decode()
        .map_err(|e| decode_problem(&e, format))
}

/// The problem an I/O error stands for, in words.
fn io_problem(e: &std::io::Error) -> String {
    match e.kind() {
        ErrorKind::NotFound => "no such file".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        ErrorKind::NotADirectory => "not a directory".to_string(),
        _ => single_line(&e.to_string()),
    }
}

/// "PNG", "JPEG" or "BMP".
fn format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "PNG",
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Bmp => "BMP",
        _ => "image",
    }
}

/// The problem a decoding error stands for, in words.
fn decode_problem(e: &ImageError, format: ImageFormat) -> String {
    let kind = format_name(format);
    let detail = single_line(&e.to_string());
    match e {
        ImageError::Limits(_) => format!("{kind} image too large to decode ({detail})"),
        ImageError::Unsupported(_) => format!("unsupported kind of {kind} ({detail})"),
        _ => format!("truncated or corrupt {kind} ({detail})"),
    }
}

/// `text` on a single line: each run of white space, line breaks included, becomes one space.
fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocess::test_pictures::{BLACK, WHITE, canvas, fill};
    use image::{Rgb, RgbImage};
    use std::path::PathBuf;

    /// A fresh directory for one test's files.
    fn temp_dir(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("preprocess-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    /// Checks that loading `path` fails with one line naming the file and `problem`.
    fn load_error(path: &Path, problem: &str) {
        let err = load_image(path).expect_err("should fail");
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(err.contains(name.as_ref()), "{err}");
        assert!(err.contains(problem), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn load_image_explains_failures_in_one_line() {
        let dir = temp_dir("errors");
        load_error(&dir.join("missing.png"), "no such file");
        let sub = dir.join("samples");
        std::fs::create_dir(&sub).unwrap();
        load_error(&sub, "is a directory, not an image");
        let empty = dir.join("empty.png");
        std::fs::write(&empty, b"").unwrap();
        load_error(&empty, "empty file (0 bytes)");
        let text = dir.join("notes.txt");
        std::fs::write(&text, "not a picture\n").unwrap();
        load_error(&text, "not a PNG, JPEG or BMP image");

        let png = dir.join("whole.png");
        let noise = RgbImage::from_fn(64, 64, |x, y| {
            let v = (x * 7919 + y * 104_729) as u8;
            Rgb([v, v.wrapping_mul(3), v ^ 0x5a])
        });
        noise.save(&png).unwrap();
        let bytes = std::fs::read(&png).unwrap();
        let cut = dir.join("cut.png");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        load_error(&cut, "truncated or corrupt PNG (");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn load_image_reads_png_jpeg_and_bmp_by_content() {
        let dir = temp_dir("formats");
        let mut img = canvas(40, 30, WHITE);
        fill(&mut img, (5, 5, 15, 25), BLACK);
        for (name, format) in [
            ("a.png", ImageFormat::Png),
            ("b.jpg", ImageFormat::Jpeg),
            ("c.bmp", ImageFormat::Bmp),
        ] {
            let path = dir.join(name);
            img.save_with_format(&path, format).unwrap();
            // A misleading extension does not matter.
            let renamed = dir.join(format!("{name}.png"));
            std::fs::rename(&path, &renamed).unwrap();
            let loaded = load_image(&renamed).unwrap();
            assert_eq!((loaded.width(), loaded.height()), (40, 30));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
