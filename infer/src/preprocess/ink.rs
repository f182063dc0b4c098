//! Finding the ink (or object) of a gray picture: the background level from the border,
//! inversion of dark ink on light paper, thresholding, and the crop to the ink's bounding box.

use image::GrayImage;

use super::ImageStyle;
use super::histogram::{border_histogram, histogram, otsu_threshold, quantile, robust_peak};

/// Least difference between the ink and the background for there to be ink at
/// all; below it the picture counts as empty (blank paper, noise).
const MIN_CONTRAST: usize = 32;
/// Least margin above the background level under which a pixel is background.
const MIN_NOISE_MARGIN: usize = 8;
/// Pixels the solid-ink bounding box is widened by to keep antialiased edges.
const EDGE_MARGIN: usize = 2;

/// A gray plane, row-major.
pub(super) struct Plane {
    /// Pixels per row.
    pub(super) width: usize,
    /// Number of rows.
    pub(super) height: usize,
    /// `width * height` gray levels, row after row.
    pub(super) data: Vec<u8>,
}

/// A rectangle of pixels: columns `x0..x1`, rows `y0..y1`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rect {
    /// First column.
    pub(super) x0: usize,
    /// First row.
    pub(super) y0: usize,
    /// Column after the last.
    pub(super) x1: usize,
    /// Row after the last.
    pub(super) y1: usize,
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
pub(super) fn extract_ink(gray: &GrayImage, style: ImageStyle) -> Option<Plane> {
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

/// The bounding box of the pixels within `within` that satisfy `ink`.
pub(super) fn bounding_box(
    px: &[u8],
    w: usize,
    within: Rect,
    ink: impl Fn(u8) -> bool,
) -> Option<Rect> {
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
