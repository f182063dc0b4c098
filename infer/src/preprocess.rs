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

use std::borrow::Cow;
use std::io::{Cursor, ErrorKind};
use std::path::Path;

use data::Pipeline;
use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, ImageError, ImageFormat, ImageReader, RgbImage};

/// Side of the MNIST / Fashion-MNIST field.
const CANVAS: usize = 28;
/// Side of the box MNIST digits were scaled into before being centred.
const DIGIT_BOX: usize = 20;
/// Longest side a gray image is reduced to (by area averaging) before its ink
/// is analysed; far more than the 20 or 28 pixels kept, and it bounds the work.
const WORK_SIDE: u32 = 1024;
/// Least difference between the ink and the background for there to be ink at
/// all; below it the picture counts as empty (blank paper, noise).
const MIN_CONTRAST: usize = 32;
/// Least margin above the background level under which a pixel is background.
const MIN_NOISE_MARGIN: usize = 8;
/// Pixels the solid-ink bounding box is widened by to keep antialiased edges.
const EDGE_MARGIN: usize = 2;

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

/// The dataset-like image as CHW bytes and its shape [C, H, W] ([1, 28, 28] for
/// Digit and Fashion).
///
/// A picture without ink (blank paper, a uniform colour) gives an all-black
/// field for Digit and Fashion.
pub fn to_dataset_style(img: &DynamicImage, style: ImageStyle) -> (Vec<u8>, [usize; 3]) {
    match style {
        ImageStyle::Digit => (digit(img), [1, CANVAS, CANVAS]),
        ImageStyle::Fashion => (fashion(img), [1, CANVAS, CANVAS]),
        ImageStyle::Photo {
            channels,
            height,
            width,
        } => photo(img, channels, height, width),
        ImageStyle::CenterCrop { resize, crop } => center_crop(img, resize, crop),
    }
}

/// Resize the shorter side to `resize` (aspect kept), then cut the centre `crop` square, as
/// torchvision's `Resize(resize)` + `CenterCrop(crop)`. RGB `[3, crop, crop]`.
fn center_crop(img: &DynamicImage, resize: usize, crop: usize) -> (Vec<u8>, [usize; 3]) {
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

/// A gray plane, row-major.
struct Plane {
    width: usize,
    height: usize,
    data: Vec<u8>,
}

/// A rectangle of pixels: columns `x0..x1`, rows `y0..y1`.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

/// MNIST's recipe: ink cropped, scaled into a 20x20 box, centre of mass at the
/// centre of a 28x28 field.
fn digit(img: &DynamicImage) -> Vec<u8> {
    let mut canvas = vec![0u8; CANVAS * CANVAS];
    let Some(ink) = extract_ink(&working_gray(img), ImageStyle::Digit) else {
        return canvas;
    };
    let (gw, gh) = fit_longer_side(ink.width, ink.height, DIGIT_BOX);
    let scaled = resample(&ink, gw, gh);
    let max = scaled.iter().copied().fold(0.0f32, f32::max);
    if max <= 0.0 {
        return canvas;
    }
    // Stretch so that the digit's brightest pixel is 255, as in MNIST.
    let glyph: Vec<u8> = scaled
        .iter()
        .map(|&v| (v * 255.0 / max).round().clamp(0.0, 255.0) as u8)
        .collect();
    let (cx, cy) = centre_of_mass(&glyph, gw);
    let centre = CANVAS as f32 / 2.0;
    let ox = ((centre - cx).round().max(0.0) as usize).min(CANVAS - gw);
    let oy = ((centre - cy).round().max(0.0) as usize).min(CANVAS - gh);
    paste(&mut canvas, &glyph, gw, ox, oy);
    canvas
}

/// Fashion-MNIST's recipe: object cropped, longer side scaled to 28, centred by
/// its bounding box.
fn fashion(img: &DynamicImage) -> Vec<u8> {
    let mut canvas = vec![0u8; CANVAS * CANVAS];
    let Some(object) = extract_ink(&working_gray(img), ImageStyle::Fashion) else {
        return canvas;
    };
    let (fw, fh) = fit_longer_side(object.width, object.height, CANVAS);
    let scaled: Vec<u8> = resample(&object, fw, fh)
        .iter()
        .map(|&v| v.round().clamp(0.0, 255.0) as u8)
        .collect();
    paste(
        &mut canvas,
        &scaled,
        fw,
        (CANVAS - fw) / 2,
        (CANVAS - fh) / 2,
    );
    canvas
}

/// The whole image resized (Triangle filter) to `width` x `height`, as CHW.
fn photo(
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

/// The image as 8-bit RGB, alpha composited over white.
fn rgb_over_white(img: &DynamicImage) -> RgbImage {
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
fn working_gray(img: &DynamicImage) -> GrayImage {
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

/// The ink (or object) of a gray picture, light on black, cropped to its
/// bounding box; `None` when there is none.
///
/// The background is the median of the outer ring; a light one means dark ink
/// on paper, and the picture is inverted. Pixels not clearly above the
/// background (its level plus its noise, or a quarter of the way to Otsu's
/// threshold) become 0, and the rest is stretched linearly: up to the typical
/// solid-ink level for digits (saturated strokes, as in MNIST), up to the
/// brightest level for fashion items (their texture kept).
fn extract_ink(gray: &GrayImage, style: ImageStyle) -> Option<Plane> {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    if w == 0 || h == 0 {
        return None;
    }
    let mut px = gray.as_raw().clone();
    let mut border = border_histogram(&px, w, h);
    if quantile(&border, 0, 0.5) > 127 {
        px.iter_mut().for_each(|v| *v = 255 - *v);
        border.reverse();
    }
    let hist = histogram(&px);
    let bg = quantile(&border, 0, 0.5);
    let border_high = quantile(&border, 0, 0.9);
    let peak = robust_peak(&hist, (px.len() / 20_000).max(1));
    if peak < bg + MIN_CONTRAST {
        return None;
    }
    let otsu = otsu_threshold(&hist).clamp(bg, peak - 1);
    let noise = (2 * (border_high - bg))
        .max(MIN_NOISE_MARGIN)
        .min((peak - bg) / 2);
    let lo = bg + noise.max((otsu - bg) / 4);
    let solid = otsu.max(lo);
    let hi = match style {
        ImageStyle::Digit => quantile(&hist, solid + 1, 0.5),
        _ => peak,
    }
    .max(lo + 1);
    let lut: Vec<u8> = (0..256)
        .map(|v| {
            if v <= lo {
                0
            } else {
                (((v - lo) * 255 + (hi - lo) / 2) / (hi - lo)).min(255) as u8
            }
        })
        .collect();
    let whole = Rect {
        x0: 0,
        y0: 0,
        x1: w,
        y1: h,
    };
    let rect = match style {
        ImageStyle::Digit => {
            // Solid ink decides where the digit is (faint shadows and specks do
            // not), widened a little to keep its antialiased edges.
            let s = bounding_box(&px, w, whole, |v| usize::from(v) > solid)?;
            let near = Rect {
                x0: s.x0.saturating_sub(EDGE_MARGIN),
                y0: s.y0.saturating_sub(EDGE_MARGIN),
                x1: (s.x1 + EDGE_MARGIN).min(w),
                y1: (s.y1 + EDGE_MARGIN).min(h),
            };
            bounding_box(&px, w, near, |v| usize::from(v) > lo)?
        }
        _ => bounding_box(&px, w, whole, |v| usize::from(v) > lo)?,
    };
    let (cw, ch) = (rect.x1 - rect.x0, rect.y1 - rect.y0);
    let mut data = Vec::with_capacity(cw * ch);
    for row in px.chunks_exact(w).skip(rect.y0).take(ch) {
        data.extend(row[rect.x0..rect.x1].iter().map(|&v| lut[usize::from(v)]));
    }
    Some(Plane {
        width: cw,
        height: ch,
        data,
    })
}

/// Histogram of the outermost ring of pixels (2 wide, 1 wide on small images).
fn border_histogram(px: &[u8], w: usize, h: usize) -> [usize; 256] {
    let ring = if w.min(h) >= 16 { 2 } else { 1 };
    let mut hist = [0usize; 256];
    for (y, row) in px.chunks_exact(w).enumerate() {
        if y < ring || y + ring >= h || w <= 2 * ring {
            row.iter().for_each(|&v| hist[usize::from(v)] += 1);
        } else {
            let (left, right) = (&row[..ring], &row[w - ring..]);
            left.iter()
                .chain(right)
                .for_each(|&v| hist[usize::from(v)] += 1);
        }
    }
    hist
}

/// Histogram of all pixel values.
fn histogram(px: &[u8]) -> [usize; 256] {
    let mut hist = [0usize; 256];
    px.iter().for_each(|&v| hist[usize::from(v)] += 1);
    hist
}

/// The `q` quantile of the values from `from` up in a histogram; `from` when
/// there are none.
fn quantile(hist: &[usize; 256], from: usize, q: f64) -> usize {
    let total: usize = hist[from.min(256)..].iter().sum();
    if total == 0 {
        return from.min(255);
    }
    let rank = ((total as f64 * q) as usize).min(total - 1);
    let mut seen = 0;
    for (v, &n) in hist.iter().enumerate().skip(from) {
        seen += n;
        if seen > rank {
            return v;
        }
    }
    255
}

/// The brightest level reached by at least `min_count` pixels, so that a few
/// hot pixels do not count as the ink's level.
fn robust_peak(hist: &[usize; 256], min_count: usize) -> usize {
    let mut seen = 0;
    for (v, &n) in hist.iter().enumerate().rev() {
        seen += n;
        if seen >= min_count {
            return v;
        }
    }
    0
}

/// Otsu's threshold: values above it form the bright class. When several
/// thresholds separate the classes equally well, the middle one.
fn otsu_threshold(hist: &[usize; 256]) -> usize {
    let total: f64 = hist.iter().map(|&n| n as f64).sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(v, &n)| v as f64 * n as f64)
        .sum();
    let (mut weight0, mut sum0) = (0.0f64, 0.0f64);
    let (mut best, mut first, mut last) = (-1.0f64, 0usize, 0usize);
    for (t, &n) in hist.iter().enumerate().take(255) {
        weight0 += n as f64;
        sum0 += t as f64 * n as f64;
        let weight1 = total - weight0;
        if weight0 == 0.0 || weight1 == 0.0 {
            continue;
        }
        let diff = sum0 / weight0 - (sum_all - sum0) / weight1;
        let between = weight0 * weight1 * diff * diff;
        if between > best * (1.0 + 1e-9) {
            (best, first, last) = (between, t, t);
        } else if between >= best * (1.0 - 1e-9) {
            last = t;
        }
    }
    (first + last) / 2
}

/// The bounding box of the pixels within `within` that satisfy `ink`.
fn bounding_box(px: &[u8], w: usize, within: Rect, ink: impl Fn(u8) -> bool) -> Option<Rect> {
    let mut found: Option<Rect> = None;
    let rows = px.chunks_exact(w).enumerate();
    for (y, row) in rows.skip(within.y0).take(within.y1 - within.y0) {
        let part = &row[within.x0..within.x1];
        let Some(first) = part.iter().position(|&v| ink(v)) else {
            continue;
        };
        let last = part.iter().rposition(|&v| ink(v)).unwrap_or(first);
        let (x0, x1) = (within.x0 + first, within.x0 + last + 1);
        found = Some(match found {
            None => Rect {
                x0,
                y0: y,
                x1,
                y1: y + 1,
            },
            Some(r) => Rect {
                x0: r.x0.min(x0),
                y0: r.y0,
                x1: r.x1.max(x1),
                y1: y + 1,
            },
        });
    }
    found
}

/// Width and height scaled so that the longer side is `side` (aspect kept).
fn fit_longer_side(w: usize, h: usize, side: usize) -> (usize, usize) {
    let longer = w.max(h) as f64;
    let scale = |n: usize| ((n as f64 * side as f64 / longer).round() as usize).clamp(1, side);
    (scale(w), scale(h))
}

/// The plane resampled to `nw` x `nh`: area averaging along an axis that
/// shrinks (thin strokes keep their weight), linear interpolation along one
/// that grows.
fn resample(src: &Plane, nw: usize, nh: usize) -> Vec<f32> {
    let xw = axis_weights(src.width, nw);
    let yw = axis_weights(src.height, nh);
    let mut rows = Vec::with_capacity(nw * src.height);
    for row in src.data.chunks_exact(src.width) {
        rows.extend(xw.iter().map(|(start, ws)| {
            ws.iter()
                .zip(&row[*start..])
                .map(|(wt, &v)| wt * f32::from(v))
                .sum::<f32>()
        }));
    }
    let mut out = vec![0.0f32; nw * nh];
    for ((start, ws), out_row) in yw.iter().zip(out.chunks_exact_mut(nw)) {
        for (wt, in_row) in ws.iter().zip(rows.chunks_exact(nw).skip(*start)) {
            out_row
                .iter_mut()
                .zip(in_row)
                .for_each(|(o, &v)| *o += wt * v);
        }
    }
    out
}

/// For each output sample, its first input sample and the weights of the
/// input samples from there on.
fn axis_weights(n_in: usize, n_out: usize) -> Vec<(usize, Vec<f32>)> {
    let ratio = n_in as f64 / n_out as f64;
    (0..n_out)
        .map(|i| {
            if n_out <= n_in {
                let (a, b) = (i as f64 * ratio, (i + 1) as f64 * ratio);
                let start = a.floor() as usize;
                let end = (b.ceil() as usize).min(n_in);
                let ws = (start..end)
                    .map(|j| ((b.min(j as f64 + 1.0) - a.max(j as f64)).max(0.0) / ratio) as f32)
                    .collect();
                (start, ws)
            } else {
                let x = ((i as f64 + 0.5) * ratio - 0.5).clamp(0.0, (n_in - 1) as f64);
                let start = x.floor() as usize;
                let t = (x - start as f64) as f32;
                if start + 1 < n_in {
                    (start, vec![1.0 - t, t])
                } else {
                    (start, vec![1.0])
                }
            }
        })
        .collect()
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

/// Copies a `w`-wide plane into the 28x28 canvas with its top-left at (ox, oy).
fn paste(canvas: &mut [u8], src: &[u8], w: usize, ox: usize, oy: usize) {
    for (row, dst) in src
        .chunks_exact(w)
        .zip(canvas.chunks_exact_mut(CANVAS).skip(oy))
    {
        dst[ox..ox + w].copy_from_slice(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, Rgba, RgbaImage};

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
    use std::path::PathBuf;

    const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
    const BLACK: Rgb<u8> = Rgb([0, 0, 0]);

    fn canvas(w: u32, h: u32, colour: Rgb<u8>) -> RgbImage {
        RgbImage::from_pixel(w, h, colour)
    }

    /// Fills columns `x0..x1`, rows `y0..y1`.
    fn fill(img: &mut RgbImage, (x0, y0, x1, y1): (u32, u32, u32, u32), colour: Rgb<u8>) {
        for y in y0..y1 {
            for x in x0..x1 {
                img.put_pixel(x, y, colour);
            }
        }
    }

    /// A "7" made of rectangles in units of `u` pixels (5 by 10 units), its
    /// top-left at (x, y).
    fn seven(img: &mut RgbImage, u: u32, (x, y): (u32, u32), colour: Rgb<u8>) {
        fill(img, (x, y, x + 5 * u, y + 2 * u), colour);
        fill(img, (x + 3 * u, y + 2 * u, x + 5 * u, y + 10 * u), colour);
        fill(img, (x + 2 * u, y + 4 * u, x + 5 * u, y + 5 * u), colour);
    }

    fn digit_of(img: RgbImage) -> Vec<u8> {
        let (out, shape) = to_dataset_style(&DynamicImage::ImageRgb8(img), ImageStyle::Digit);
        assert_eq!(shape, [1, 28, 28]);
        assert_eq!(out.len(), 28 * 28);
        out
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

    fn max_diff(a: &[u8], b: &[u8]) -> u8 {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap_or(0)
    }

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

    /// A fresh directory for one test's files.
    fn temp_dir(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("preprocess-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

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
