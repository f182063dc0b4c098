//! Pictures for `infer`, drawn in the style of the PyTorch tutorial's matplotlib figures: a grid
//! of sample images with their predictions as titles (wrong ones in red), and a confusion-matrix
//! heat map with the counts written in the cells.
//!
//! Rendering is pure Rust: the images and cells are written straight into an in-memory RGB
//! buffer, plotters draws the text on top with the DejaVu Sans font embedded from the `dejavu`
//! crate (no system fonts), and the `png` crate encodes the result. Every function returns the
//! PNG bytes; writing them to disk is up to the caller.
//!
//! All font sizes are even: plotters then puts the baseline of every glyph on the same pixel row.
//!
//! The two pictures are `sample_grid` and `confusion`; both draw into a `canvas` and place their
//! text with `text`. What they share (margins, the heading, the size limit) is here.

mod canvas;
mod confusion;
mod sample_grid;
#[cfg(test)]
mod test_png;
mod text;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

pub use confusion::confusion_png;
pub use sample_grid::{Tile, sample_grid_png};

use text::{TextSpec, cap_height, put_text, text_width};

/// Blank space around every picture, in pixels.
const MARGIN: u32 = 16;
/// Font size of the heading at the top of every picture.
const HEADING_SIZE: f64 = 20.0;
/// Height of the band the heading sits in (below the top margin).
const HEADING_BAND: u32 = 36;
/// Largest width or height of a picture, in pixels.
const MAX_SIDE: u64 = 16_384;

/// The least width of a picture headed `heading`: the heading's and a margin on each side.
fn width_for_heading(heading: &str) -> Result<u64, String> {
    let heading_width = u64::from(text_width(heading, HEADING_SIZE, FontStyle::Bold)?);
    Ok(heading_width + 2 * u64::from(MARGIN))
}

/// Draws `heading` in bold at the top of a picture `width` pixels wide, centred.
fn put_heading(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    heading: &str,
    width: u32,
) -> Result<(), String> {
    let baseline = (MARGIN + HEADING_BAND / 2) as i32 + cap_height(HEADING_SIZE) / 2 - 2;
    put_text(
        area,
        heading,
        ((width / 2) as i32, baseline),
        &TextSpec::new(HEADING_SIZE).bold(),
    )
}

/// Fails if a `width`×`height` picture is empty or too large to draw.
fn check_size(width: u64, height: u64) -> Result<(), String> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!("picture of {width}x{height} px is too large"));
    }
    Ok(())
}

/// Formats a plotters drawing error.
fn draw_err(e: impl std::fmt::Display) -> String {
    format!("drawing picture: {e}")
}
