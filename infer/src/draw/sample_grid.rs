//! The sample grid: test images scaled up in rows, each titled with its prediction and truth
//! (wrong ones in red), under a heading.

use plotters::prelude::*;

use common::picture::ensure_font;

use super::canvas::Canvas;
use super::text::{TextSpec, fit_text, put_text, widest};
use super::{HEADING_BAND, MARGIN, MAX_SIDE, check_size, put_heading, width_for_heading};

/// Colour of the title of a wrong prediction (matplotlib's "red").
const WRONG_RED: RGBColor = RGBColor(230, 0, 0);

/// Sample images are scaled up by an integer factor to about this many pixels.
const TARGET_IMAGE_SIDE: usize = 112;
/// Smallest width of a grid column, in pixels.
const MIN_COLUMN_WIDTH: u32 = 160;
/// Largest width a grid column grows to for long titles (unless the image is wider).
const MAX_COLUMN_WIDTH: u32 = 300;
/// Font size of the tile titles; long titles shrink down to [`MIN_TITLE_SIZE`].
const TITLE_SIZE: f64 = 14.0;
/// Smallest font size a tile title is shrunk to before it is shortened with "…".
const MIN_TITLE_SIZE: f64 = 10.0;
/// Height of the band above each image that holds its title.
const TITLE_BAND: u32 = 26;
/// Vertical gap between two rows of tiles.
const ROW_GAP: u32 = 12;

/// One tile of a sample grid: image bytes CHW (`shape` = [C, H, W], C = 1 gray or 3 RGB), a
/// title, and whether to draw the title in red (a wrong prediction).
pub struct Tile {
    /// The image, channel-major (CHW): `shape[0] * shape[1] * shape[2]` bytes.
    pub pixels: Vec<u8>,
    /// `[channels, height, width]`; channels is 1 (gray) or 3 (RGB).
    pub shape: [usize; 3],
    /// The title drawn above the image, e.g. "Prediction: 7 (truth 7)".
    pub title: String,
    /// Whether the prediction is wrong: the title is then drawn in red.
    pub wrong: bool,
}

/// A grid of tiles, `columns` per row, each image scaled up (nearest neighbour, integer factor
/// so a 28x28 or 32x32 image is ~112 px) with its title above it in black (red when wrong), on
/// white, with a heading (`heading`, e.g. "Sample Test Predictions" or "Ground Truth") at the
/// top. Returns PNG bytes and the image size (width, height).
///
/// Columns are at least 160 px wide and grow (up to 300 px) for long titles; a title that still
/// does not fit is drawn smaller, and as a last resort shortened with "…". Fails if there are no
/// tiles, `columns` is zero, a tile's shape is not 1 or 3 channels of a non-empty image, its
/// pixel count does not match its shape, or the picture would be too large.
pub fn sample_grid_png(
    heading: &str,
    tiles: &[Tile],
    columns: usize,
) -> Result<(Vec<u8>, u32, u32), String> {
    ensure_font()?;
    if tiles.is_empty() {
        return Err("sample grid: no tiles".to_string());
    }
    if columns == 0 {
        return Err("sample grid: zero columns".to_string());
    }
    for (i, tile) in tiles.iter().enumerate() {
        let [c, h, w] = tile.shape;
        if !(c == 1 || c == 3) || h == 0 || w == 0 {
            return Err(format!(
                "sample grid: tile {i} has shape {:?}, expected [1 or 3, H > 0, W > 0]",
                tile.shape
            ));
        }
        if c.checked_mul(h).and_then(|n| n.checked_mul(w)) != Some(tile.pixels.len()) {
            return Err(format!(
                "sample grid: tile {i} has {} bytes, its shape {:?} needs {}",
                tile.pixels.len(),
                tile.shape,
                c.saturating_mul(h).saturating_mul(w)
            ));
        }
    }

    let layout = GridLayout::new(heading, tiles, columns)?;
    let mut canvas = Canvas::new(layout.width, layout.height)?;
    for (i, tile) in tiles.iter().enumerate() {
        let (x, y) = layout.image_origin(i, tile);
        canvas.blit_scaled(tile, x, y, layout.scale);
    }
    canvas.draw(|area| {
        put_heading(area, heading, layout.width)?;
        for (i, tile) in tiles.iter().enumerate() {
            let (text, size) = &layout.titles[i];
            let (x, y) = layout.cell_origin(i);
            let color = if tile.wrong { WRONG_RED } else { BLACK };
            let baseline = (y + TITLE_BAND) as i32 - 8;
            let cx = (x + layout.column_width / 2) as i32;
            put_text(
                area,
                text,
                (cx, baseline),
                &TextSpec::new(*size).color(color),
            )?;
        }
        Ok(())
    })?;
    canvas.into_png()
}

/// Where everything of a sample grid goes, in pixels.
struct GridLayout {
    /// Integer factor every image is scaled up by.
    scale: usize,
    /// Width of one column (one tile).
    column_width: u32,
    /// Height of the largest scaled image: the image part of a row.
    image_height: u32,
    /// Number of columns actually used.
    columns: usize,
    /// Top of the first row: below the heading, or just the margin when there is none.
    top: u32,
    /// Each tile's title as drawn (possibly shortened) and its font size.
    titles: Vec<(String, f64)>,
    /// Width of the whole picture.
    width: u32,
    /// Height of the whole picture.
    height: u32,
}

impl GridLayout {
    /// Lays out `tiles` (validated, non-empty) in rows of `columns` (non-zero) under `heading`.
    fn new(heading: &str, tiles: &[Tile], columns: usize) -> Result<Self, String> {
        let max_side = tiles
            .iter()
            .map(|t| t.shape[1].max(t.shape[2]))
            .max()
            .unwrap_or(1);
        let scale = ((TARGET_IMAGE_SIDE + max_side / 2) / max_side).max(1);
        let max_w = tiles.iter().map(|t| t.shape[2]).max().unwrap_or(1) as u64 * scale as u64;
        let max_h = tiles.iter().map(|t| t.shape[1]).max().unwrap_or(1) as u64 * scale as u64;
        if max_w > MAX_SIDE || max_h > MAX_SIDE {
            return Err(format!(
                "sample grid: images of {max_w}x{max_h} px are too large"
            ));
        }
        let (max_w, max_h) = (max_w as u32, max_h as u32);

        let widest_title = widest(tiles.iter().map(|t| &t.title), TITLE_SIZE)?;
        let min_width = MIN_COLUMN_WIDTH.max(max_w + 16);
        let column_width = (widest_title + 16).clamp(min_width, MAX_COLUMN_WIDTH.max(min_width));
        let titles = tiles
            .iter()
            .map(|t| fit_text(&t.title, column_width - 8, TITLE_SIZE, MIN_TITLE_SIZE))
            .collect::<Result<Vec<_>, _>>()?;

        let columns = columns.min(tiles.len());
        let rows = tiles.len().div_ceil(columns);
        let width = (2 * u64::from(MARGIN) + columns as u64 * u64::from(column_width))
            .max(width_for_heading(heading)?);
        let top = if heading.trim().is_empty() {
            MARGIN
        } else {
            MARGIN + HEADING_BAND
        };
        let height = u64::from(top)
            + rows as u64 * u64::from(TITLE_BAND + max_h)
            + (rows as u64 - 1) * u64::from(ROW_GAP)
            + u64::from(MARGIN);
        check_size(width, height)?;
        Ok(Self {
            scale,
            column_width,
            image_height: max_h,
            columns,
            top,
            titles,
            width: width as u32,
            height: height as u32,
        })
    }

    /// Top left corner of tile `i`'s cell: the top of its title band.
    fn cell_origin(&self, i: usize) -> (u32, u32) {
        let grid_width = self.columns as u32 * self.column_width;
        let left = (self.width - grid_width) / 2;
        let (row, col) = ((i / self.columns) as u32, (i % self.columns) as u32);
        (
            left + col * self.column_width,
            self.top + row * (TITLE_BAND + self.image_height + ROW_GAP),
        )
    }

    /// Top left corner of tile `i`'s scaled image, centred horizontally in its cell.
    fn image_origin(&self, i: usize, tile: &Tile) -> (u32, u32) {
        let (x, y) = self.cell_origin(i);
        let w = (tile.shape[2] * self.scale) as u32;
        (x + (self.column_width - w) / 2, y + TITLE_BAND)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::test_png::{decode, keep, pixel};
    use crate::draw::text::text_width;
    use plotters::style::FontStyle;

    /// Whether the `w`×`h` rectangle at (`x`, `y`) holds a clearly red pixel.
    fn has_red(rgb: &[u8], width: u32, (x, y, w, h): (u32, u32, u32, u32)) -> bool {
        (y..y + h).any(|yy| {
            (x..x + w).any(|xx| {
                let (r, g, b) = pixel(rgb, width, xx, yy);
                r > 180 && g < 80 && b < 80
            })
        })
    }

    /// A 28x28 gray "digit": a ring whose radius depends on `k`, on black.
    fn gray_tile(k: usize, wrong: bool) -> Tile {
        let mut pixels = vec![0u8; 28 * 28];
        let r = 5.0 + (k % 6) as f64;
        for y in 0..28 {
            for x in 0..28 {
                let d = ((x as f64 - 13.5).powi(2) + (y as f64 - 13.5).powi(2)).sqrt();
                if (d - r).abs() < 2.0 {
                    pixels[y * 28 + x] = 255 - (d - r).abs() as u8 * 60;
                }
            }
        }
        let truth = k % 10;
        let predicted = if wrong { (k + 3) % 10 } else { truth };
        Tile {
            pixels,
            shape: [1, 28, 28],
            title: format!("Prediction: {predicted} (truth {truth})"),
            wrong,
        }
    }

    /// A 3x32x32 RGB tile: a red to blue gradient with a green square.
    fn rgb_tile(k: usize) -> Tile {
        let plane = 32 * 32;
        let mut pixels = vec![0u8; 3 * plane];
        for y in 0..32 {
            for x in 0..32 {
                let at = y * 32 + x;
                pixels[at] = (x * 8) as u8;
                pixels[2 * plane + at] = 255 - (x * 8) as u8;
                if (8..24).contains(&x) && (8..24).contains(&y) {
                    pixels[plane + at] = 200;
                }
            }
        }
        Tile {
            pixels,
            shape: [3, 32, 32],
            title: format!("Prediction: {} (truth cat)", ["cat", "dog"][k % 2]),
            wrong: k % 2 == 1,
        }
    }

    #[test]
    fn gray_grid_of_sixteen() {
        let wrong = [2, 7, 13];
        let tiles: Vec<Tile> = (0..16).map(|k| gray_tile(k, wrong.contains(&k))).collect();
        let (png, width, height) = sample_grid_png("Sample Test Predictions", &tiles, 4).unwrap();
        keep("grid_gray.png", &png);
        let rgb = decode(&png, width, height);
        assert!(rgb.iter().any(|&b| b < 128), "blank picture");

        let layout = GridLayout::new("Sample Test Predictions", &tiles, 4).unwrap();
        assert_eq!(layout.scale, 4);
        assert_eq!((layout.width, layout.height), (width, height));
        let title_region = |i: usize| {
            let (x, y) = layout.cell_origin(i);
            (x, y, layout.column_width, TITLE_BAND)
        };
        for k in 0..16 {
            assert_eq!(
                has_red(&rgb, width, title_region(k)),
                wrong.contains(&k),
                "tile {k}"
            );
        }
        // The ring of tile 0 (radius 5) is drawn gray-white, the centre black.
        let (x, y) = layout.image_origin(0, &tiles[0]);
        assert_eq!(pixel(&rgb, width, x + 4 * 14, y + 4 * 14), (0, 0, 0));
        assert_eq!(
            pixel(&rgb, width, x + 4 * 19 + 1, y + 4 * 14),
            (255, 255, 255)
        );
    }

    #[test]
    fn rgb_grid() {
        let tiles: Vec<Tile> = (0..6).map(rgb_tile).collect();
        let (png, width, height) = sample_grid_png("Ground Truth", &tiles, 3).unwrap();
        keep("grid_rgb.png", &png);
        let rgb = decode(&png, width, height);
        let layout = GridLayout::new("Ground Truth", &tiles, 3).unwrap();
        let (x, y) = layout.image_origin(0, &tiles[0]);
        let s = layout.scale as u32;
        // Pixel (x=16, y=16) of the image: red 128, green 200, blue 127.
        assert_eq!(pixel(&rgb, width, x + 16 * s, y + 16 * s), (128, 200, 127));
        let (cx, cy) = layout.cell_origin(1);
        assert!(has_red(
            &rgb,
            width,
            (cx, cy, layout.column_width, TITLE_BAND)
        ));
    }

    #[test]
    fn long_titles_and_odd_sizes_fit() {
        let mut tiles = vec![gray_tile(0, false), gray_tile(1, true)];
        tiles[0].title = "Prediction: Ankle boot (truth Ankle boot)".to_string();
        tiles[1].title = "x".repeat(200);
        tiles.push(Tile {
            pixels: vec![128; 3 * 5 * 40],
            shape: [3, 5, 40],
            title: String::new(),
            wrong: false,
        });
        let (png, width, height) = sample_grid_png("", &tiles, 10).unwrap();
        keep("grid_long.png", &png);
        decode(&png, width, height);
        let layout = GridLayout::new("", &tiles, 10).unwrap();
        assert_eq!(layout.columns, 3);
        for (text, size) in &layout.titles {
            assert!(text_width(text, *size, FontStyle::Normal).unwrap() <= layout.column_width);
        }
        assert!(layout.titles[1].0.ends_with('…'));
    }

    #[test]
    fn fashion_grid() {
        let classes = [
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Ankle boot",
            "Sneaker",
        ];
        let tiles: Vec<Tile> = (0..8)
            .map(|k| {
                let mut tile = gray_tile(k, k % 3 == 0);
                let predicted = classes[if tile.wrong { (k + 3) % 5 } else { k % 5 }];
                tile.title = format!("Prediction: {predicted} (truth {})", classes[k % 5]);
                tile
            })
            .collect();
        let (png, width, height) = sample_grid_png("Sample Test Predictions", &tiles, 4).unwrap();
        keep("grid_fashion.png", &png);
        decode(&png, width, height);
    }

    #[test]
    fn rejects_bad_tiles() {
        assert_eq!(
            sample_grid_png("h", &[], 4).unwrap_err(),
            "sample grid: no tiles"
        );
        assert_eq!(
            sample_grid_png("h", &[gray_tile(0, false)], 0).unwrap_err(),
            "sample grid: zero columns"
        );
        let mut bad = gray_tile(0, false);
        bad.pixels.pop();
        assert_eq!(
            sample_grid_png("h", &[bad], 4).unwrap_err(),
            "sample grid: tile 0 has 783 bytes, its shape [1, 28, 28] needs 784"
        );
        let mut bad = gray_tile(0, false);
        bad.shape = [2, 28, 14];
        assert_eq!(
            sample_grid_png("h", &[bad], 4).unwrap_err(),
            "sample grid: tile 0 has shape [2, 28, 14], expected [1 or 3, H > 0, W > 0]"
        );
        let mut bad = gray_tile(0, false);
        bad.shape = [1, 0, 28];
        bad.pixels.clear();
        assert_eq!(
            sample_grid_png("h", &[bad], 4).unwrap_err(),
            "sample grid: tile 0 has shape [1, 0, 28], expected [1 or 3, H > 0, W > 0]"
        );
        let huge = Tile {
            pixels: vec![0; 20_000],
            shape: [1, 1, 20_000],
            title: String::new(),
            wrong: false,
        };
        assert_eq!(
            sample_grid_png("h", &[huge], 1).unwrap_err(),
            "sample grid: images of 20000x1 px are too large"
        );
    }
}
