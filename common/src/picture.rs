//! PNG pictures drawn with plotters: the embedded DejaVu Sans font (registered once, no system
//! fonts needed) and encoding an RGB buffer as PNG in memory.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

/// The font family name the pictures use; [`ensure_font`] registers DejaVu Sans under it.
pub const FONT: &str = "sans-serif";

/// The embedded DejaVu Sans font file (TrueType) of `style`: bold, or regular for any other.
pub fn font_bytes(style: FontStyle) -> &'static [u8] {
    match style {
        FontStyle::Bold => dejavu::sans::bold(),
        _ => dejavu::sans::regular(),
    }
}

/// Registers the embedded DejaVu Sans (regular and bold) with plotters, once per process.
pub fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FONT, FontStyle::Normal, font_bytes(FontStyle::Normal))
                .and_then(|()| register_font(FONT, FontStyle::Bold, font_bytes(FontStyle::Bold)))
                .map_err(|_| "embedded DejaVu Sans font is invalid".to_string())
        })
        .clone()
}

/// Encodes an 8-bit RGB buffer of `width`×`height` pixels as PNG.
pub fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| format!("encoding PNG: {e}"))?;
    writer
        .write_image_data(rgb)
        .map_err(|e| format!("encoding PNG: {e}"))?;
    writer.finish().map_err(|e| format!("encoding PNG: {e}"))?;
    Ok(out)
}
