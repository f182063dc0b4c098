//! The RGB buffer a picture is drawn into: rectangles, frames and scaled images written
//! straight into it, text drawn on it with plotters.

use plotters::coord::Shift;
use plotters::prelude::*;

use common::picture::encode_png;

use super::sample_grid::Tile;
use super::{check_size, draw_err};

/// An RGB picture being drawn: white to start with.
pub(super) struct Canvas {
    /// The pixels, row after row, 3 bytes (R, G, B) each.
    rgb: Vec<u8>,
    /// Width in pixels.
    width: u32,
    /// Height in pixels.
    height: u32,
}

impl Canvas {
    /// A white `width`×`height` canvas (sizes already checked).
    pub(super) fn new(width: u32, height: u32) -> Result<Self, String> {
        check_size(u64::from(width), u64::from(height))?;
        Ok(Self {
            rgb: vec![255; width as usize * height as usize * 3],
            width,
            height,
        })
    }

    /// Sets one pixel; pixels outside the canvas are ignored.
    fn put(&mut self, x: u32, y: u32, (r, g, b): (u8, u8, u8)) {
        if x < self.width && y < self.height {
            let at = (y as usize * self.width as usize + x as usize) * 3;
            self.rgb[at..at + 3].copy_from_slice(&[r, g, b]);
        }
    }

    /// Fills the `w`×`h` rectangle with top left corner (`x`, `y`).
    pub(super) fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32, color: RGBColor) {
        for yy in y..y.saturating_add(h) {
            for xx in x..x.saturating_add(w) {
                self.put(xx, yy, color.rgb());
            }
        }
    }

    /// Draws the 1 px outline of the `w`×`h` rectangle with top left corner (`x`, `y`).
    pub(super) fn frame(&mut self, x: u32, y: u32, w: u32, h: u32, color: RGBColor) {
        self.fill_rect(x, y, w, 1, color);
        self.fill_rect(x, y + h - 1, w, 1, color);
        self.fill_rect(x, y, 1, h, color);
        self.fill_rect(x + w - 1, y, 1, h, color);
    }

    /// Copies `tile`'s image (validated CHW, gray or RGB) scaled up `scale` times, nearest
    /// neighbour, with its top left corner at (`x`, `y`).
    pub(super) fn blit_scaled(&mut self, tile: &Tile, x: u32, y: u32, scale: usize) {
        let [c, h, w] = tile.shape;
        let plane = h * w;
        for oy in 0..h * scale {
            for ox in 0..w * scale {
                let at = (oy / scale) * w + ox / scale;
                let p = &tile.pixels;
                let rgb = if c == 1 {
                    (p[at], p[at], p[at])
                } else {
                    (p[at], p[plane + at], p[2 * plane + at])
                };
                self.put(x + ox as u32, y + oy as u32, rgb);
            }
        }
    }

    /// Lets `draw` draw (text) on the canvas with plotters.
    pub(super) fn draw(
        &mut self,
        draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
    ) -> Result<(), String> {
        let root = BitMapBackend::with_buffer(&mut self.rgb, (self.width, self.height))
            .into_drawing_area();
        draw(&root)?;
        root.present().map_err(draw_err)
    }

    /// The finished picture: its PNG bytes, width and height.
    pub(super) fn into_png(self) -> Result<(Vec<u8>, u32, u32), String> {
        Ok((
            encode_png(&self.rgb, self.width, self.height)?,
            self.width,
            self.height,
        ))
    }
}
