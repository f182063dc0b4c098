//! Text in the embedded DejaVu Sans font: how to draw a piece of it ([`TextSpec`]), where each
//! glyph goes (from the font's advances, left side bearings and kerning, read with ab_glyph),
//! how wide a text is and how to make it fit.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, FontTransform};

use common::picture::{FONT, font_bytes};

use super::draw_err;

/// How to draw one piece of text: size, weight, colour, horizontal anchor, and whether it is
/// turned a quarter turn counter-clockwise (reading upwards).
pub(super) struct TextSpec {
    /// Font size (plotters': ascent plus descent, in pixels).
    size: f64,
    /// Regular or bold.
    style: FontStyle,
    /// Colour of the glyphs.
    color: RGBColor,
    /// Which point of the text is put at the given position: its left end, centre or right end.
    anchor: HPos,
    /// Whether the text reads upwards.
    rotated: bool,
}

impl TextSpec {
    /// Black, regular, centred, horizontal text of font size `size`.
    pub(super) fn new(size: f64) -> Self {
        Self {
            size,
            style: FontStyle::Normal,
            color: BLACK,
            anchor: HPos::Center,
            rotated: false,
        }
    }

    /// The same text in bold.
    pub(super) fn bold(self) -> Self {
        Self {
            style: FontStyle::Bold,
            ..self
        }
    }

    /// The same text in `color`.
    pub(super) fn color(self, color: RGBColor) -> Self {
        Self { color, ..self }
    }

    /// The same text anchored at its `anchor` point.
    pub(super) fn anchor(self, anchor: HPos) -> Self {
        Self { anchor, ..self }
    }

    /// The same text turned a quarter turn counter-clockwise (reading upwards).
    pub(super) fn rotated(self) -> Self {
        Self {
            rotated: true,
            ..self
        }
    }
}

/// Draws `text` with its baseline through `at` and anchored there along the baseline as `spec`
/// says (left end, centre or right end). For rotated text (reading upwards) the baseline is the
/// vertical line x = `at.0`, the glyphs lie left of it, and "right end" is the upper end.
///
/// Glyphs are placed one by one from the font's own metrics (see [`layout_text`]), since
/// plotters' ab_glyph text drops each glyph's left side bearing and so spaces letters unevenly.
pub(super) fn put_text(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    text: &str,
    at: (i32, i32),
    spec: &TextSpec,
) -> Result<(), String> {
    let mut font = (FONT, spec.size, spec.style).into_font();
    if spec.rotated {
        font = font.transform(FontTransform::Rotate270);
    }
    let style = font.color(&spec.color).pos(Pos::new(HPos::Left, VPos::Top));
    // plotters' ab_glyph text puts the baseline half a font size below the top of its box.
    let drop = (spec.size / 2.0) as i32;
    let (glyphs, width) = layout_text(text, spec.size, spec.style)?;
    let width = width.round() as i32;
    let offset = match spec.anchor {
        HPos::Left => 0,
        HPos::Center => -width / 2,
        HPos::Right => -width,
    };
    for (c, x) in glyphs {
        if c.is_whitespace() {
            continue;
        }
        let pos = if spec.rotated {
            (at.0 - drop, at.1 - offset - x)
        } else {
            (at.0 + offset + x, at.1 - drop)
        };
        area.draw_text(c.encode_utf8(&mut [0; 4]), &style, pos)
            .map_err(draw_err)?;
    }
    Ok(())
}

/// Each character of `text` with the x (relative to the start of the text) at which plotters
/// must draw it, and the width of the whole text, at font size `size`.
fn layout_text(text: &str, size: f64, style: FontStyle) -> Result<(Vec<(char, i32)>, f64), String> {
    let font = embedded_font(style)?;
    // plotters' ab_glyph text scales ascent minus descent to the font size.
    let scale = size / f64::from(font.height_unscaled());
    let mut pen = 0.0;
    let mut prev = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let glyph = font.glyph_id(c);
        if let Some(p) = prev {
            pen += f64::from(font.kern_unscaled(p, glyph)) * scale;
        }
        let bearing = f64::from(font.h_side_bearing_unscaled(glyph));
        // ab_glyph draws a glyph from the pixel its outline starts in.
        let x = pen.round() + (bearing * scale).floor();
        glyphs.push((c, x as i32));
        pen += f64::from(font.h_advance_unscaled(glyph)) * scale;
        prev = Some(glyph);
    }
    Ok((glyphs, pen))
}

/// The embedded font of `style` (bold, or else regular) as ab_glyph reads it, for its glyphs'
/// advances, left side bearings and kerning; parsed once per process.
fn embedded_font(style: FontStyle) -> Result<&'static FontRef<'static>, String> {
    static REGULAR: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    static BOLD: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    let parse = |style| FontRef::try_from_slice(font_bytes(style)).ok();
    match style {
        FontStyle::Bold => BOLD.get_or_init(|| parse(FontStyle::Bold)),
        _ => REGULAR.get_or_init(|| parse(FontStyle::Normal)),
    }
    .as_ref()
    .ok_or_else(|| "embedded DejaVu Sans font is invalid".to_string())
}

/// The height of a capital letter at font size `size` (DejaVu Sans: 0.729 em, and plotters'
/// size is ascent + descent = 1.164 em), rounded.
pub(super) fn cap_height(size: f64) -> i32 {
    (size * 0.729 / 1.164).round() as i32
}

/// The baseline that vertically centres capitals and digits on `center`.
pub(super) fn centered_baseline(center: i32, size: f64) -> i32 {
    center + cap_height(size) / 2
}

/// Width in pixels of `text` in the embedded font at font size `size`, rounded up.
pub(super) fn text_width(text: &str, size: f64, style: FontStyle) -> Result<u32, String> {
    layout_text(text, size, style).map(|(_, width)| width.ceil() as u32)
}

/// `text` at the largest font size from `size` down to `min_size` (in steps of 2, keeping sizes even) at which it
/// fits in `max_width` pixels; if even `min_size` is too wide, `text` is shortened with "…".
pub(super) fn fit_text(
    text: &str,
    max_width: u32,
    size: f64,
    min_size: f64,
) -> Result<(String, f64), String> {
    let mut s = size;
    while s >= min_size {
        if text_width(text, s, FontStyle::Normal)? <= max_width {
            return Ok((text.to_string(), s));
        }
        s -= 2.0;
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let short = format!("{}…", chars.iter().collect::<String>().trim_end());
        if text_width(&short, min_size, FontStyle::Normal)? <= max_width {
            return Ok((short, min_size));
        }
    }
    Ok((String::new(), min_size))
}

/// The width in pixels of the widest of `texts` at font size `size` (0 for none).
pub(super) fn widest<S: AsRef<str>>(
    texts: impl Iterator<Item = S>,
    size: f64,
) -> Result<u32, String> {
    texts
        .map(|t| text_width(t.as_ref(), size, FontStyle::Normal))
        .try_fold(0, |m, w| w.map(|w| m.max(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Width in pixels of `text` as plotters lays it out at font size `size`.
    fn text_width_plotters(text: &str, size: f64, style: FontStyle) -> Result<u32, String> {
        (FONT, size, style)
            .into_font()
            .box_size(text)
            .map(|(w, _)| w)
            .map_err(draw_err)
    }

    #[test]
    fn layout_matches_plotters() {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            let font = embedded_font(style).expect("the embedded font parses");
            assert_ne!(font.glyph_id('é').0, 0);
            assert_ne!(font.glyph_id('—').0, 0);
            assert_eq!(font.glyph_id('\u{10FFFF}').0, 0);
            assert_ne!(
                font.kern_unscaled(font.glyph_id('T'), font.glyph_id('o')),
                0.0
            );
            for text in [
                "Prediction: 7 (truth 7)",
                "T-shirt/top",
                "Trouser 92.10 %",
                "AVAWAY",
            ] {
                let ours = layout_text(text, 14.0, style).unwrap().1;
                let theirs = f64::from(text_width_plotters(text, 14.0, style).unwrap());
                assert!((ours - theirs).abs() <= 1.0, "{text}: {ours} vs {theirs}");
            }
        }
    }

    #[test]
    fn glyph_positions_are_those_of_the_font_metrics() {
        // Where each glyph of a kerned text goes and how wide the text is, at two sizes and
        // weights: pinned, so that reading the font's tables otherwise cannot move a letter.
        let (glyphs, width) = layout_text("To AVA: 7é", 14.0, FontStyle::Normal).unwrap();
        let xs: Vec<i32> = glyphs.iter().map(|&(_, x)| x).collect();
        assert_eq!(
            (xs, (width * 1e6).round()),
            (vec![-1, 5, 13, 16, 24, 31, 40, 43, 47, 55], 62342282.0)
        );
        let (glyphs, width) = layout_text("Tw — 98.91 %", 20.0, FontStyle::Bold).unwrap();
        let xs: Vec<i32> = glyphs.iter().map(|&(_, x)| x).collect();
        assert_eq!(
            (xs, (width * 1e6).round()),
            (
                vec![0, 10, 26, 32, 49, 55, 68, 80, 85, 98, 109, 115],
                132390940.0
            )
        );
    }
}
