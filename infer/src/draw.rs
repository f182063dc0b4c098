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

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, FontTransform};

use common::picture::{FONT, encode_png, ensure_font, font_bytes};

/// Blank space around every picture, in pixels.
const MARGIN: u32 = 16;
/// Font size of the heading at the top of every picture.
const HEADING_SIZE: f64 = 20.0;
/// Height of the band the heading sits in (below the top margin).
const HEADING_BAND: u32 = 36;
/// Largest width or height of a picture, in pixels.
const MAX_SIDE: u64 = 16_384;
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

/// Font size of the counts in the confusion-matrix cells.
const COUNT_SIZE: f64 = 14.0;
/// Font size of the class names on the confusion-matrix axes.
const CLASS_SIZE: f64 = 14.0;
/// Font size of the axis titles ("Predicted", "True").
const AXIS_TITLE_SIZE: f64 = 16.0;
/// Font size of the colour-bar tick labels and description.
const BAR_SIZE: f64 = 12.0;
/// Smallest side of a confusion-matrix cell, in pixels.
const MIN_CELL: u32 = 46;
/// Length of the tick marks on the axes, in pixels.
const TICK: u32 = 4;
/// Width of the colour bar, in pixels.
const BAR_WIDTH: u32 = 18;
/// matplotlib's "Blues" colour map, from white-ish (0) to dark blue (1).
const BLUES: [(u8, u8, u8); 9] = [
    (247, 251, 255),
    (222, 235, 247),
    (198, 219, 239),
    (158, 202, 225),
    (107, 174, 214),
    (66, 146, 198),
    (33, 113, 181),
    (8, 81, 156),
    (8, 48, 107),
];
/// Colour of the counts on light cells (the dark end of the colour map, as scikit-learn does).
const DARK_TEXT: RGBColor = RGBColor(8, 48, 107);

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
        let center = (layout.width / 2) as i32;
        put_text(
            area,
            heading,
            (center, heading_baseline()),
            &TextSpec::new(HEADING_SIZE).bold(),
        )?;
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
    let png = encode_png(&canvas.rgb, layout.width, layout.height)?;
    Ok((png, layout.width, layout.height))
}

/// A confusion matrix heat map: rows = true class, columns = predicted class, cell colour by
/// row-normalized count (white -> dark blue), the count written in each cell (white text on
/// dark cells), class names on both axes (column labels may be rotated or abbreviated when long,
/// e.g. Fashion-MNIST "T-shirt/top", "Ankle boot"), axis titles "Predicted" and "True", and a
/// heading with the overall accuracy, e.g. "Confusion matrix — accuracy 98.91 %". Returns PNG
/// bytes and the image size.
///
/// The heading is `heading` followed by " — accuracy 98.91 %", the accuracy (trace over total)
/// being computed from `matrix`. Column labels are written horizontally when every class name
/// fits its column, else vertically (reading upwards, like matplotlib's `rotation="vertical"`).
/// A colour bar on the right gives the scale of the row fractions. Fails if `matrix` is empty,
/// not square, holds no counts at all, or `class_names` does not have one name per row.
pub fn confusion_png(
    heading: &str,
    matrix: &[Vec<usize>],
    class_names: &[String],
) -> Result<(Vec<u8>, u32, u32), String> {
    ensure_font()?;
    let n = matrix.len();
    if n == 0 {
        return Err("confusion matrix: empty matrix".to_string());
    }
    if let Some((i, row)) = matrix.iter().enumerate().find(|(_, row)| row.len() != n) {
        return Err(format!(
            "confusion matrix: row {i} has {} entries, expected {n} (a square matrix)",
            row.len()
        ));
    }
    if class_names.len() != n {
        return Err(format!(
            "confusion matrix: {} class names for a {n}x{n} matrix",
            class_names.len()
        ));
    }
    let row_sums: Vec<u128> = matrix
        .iter()
        .map(|row| row.iter().map(|&c| c as u128).sum())
        .collect();
    let total: u128 = row_sums.iter().sum();
    if total == 0 {
        return Err("confusion matrix: no counts".to_string());
    }
    let correct: u128 = (0..n).map(|i| matrix[i][i] as u128).sum();
    let accuracy = 100.0 * correct as f64 / total as f64;
    let heading = if heading.trim().is_empty() {
        format!("Accuracy {accuracy:.2} %")
    } else {
        format!("{heading} — accuracy {accuracy:.2} %")
    };
    let fraction = |i: usize, j: usize| -> f64 {
        if row_sums[i] == 0 {
            0.0
        } else {
            matrix[i][j] as f64 / row_sums[i] as f64
        }
    };

    let layout = ConfusionLayout::new(&heading, matrix, class_names)?;
    let l = &layout;
    let mut canvas = Canvas::new(l.width, l.height)?;

    // Cells, the frame and ticks of the matrix.
    for i in 0..n {
        for j in 0..n {
            let (x, y) = l.cell_origin(i, j);
            canvas.fill_rect(x, y, l.cell, l.cell, blues(fraction(i, j)));
        }
    }
    let side = l.cell * n as u32;
    canvas.frame(l.x0 - 1, l.y0 - 1, side + 2, side + 2, BLACK);
    for k in 0..n as u32 {
        let mid = k * l.cell + l.cell / 2;
        canvas.fill_rect(l.x0 - 1 - TICK, l.y0 + mid, TICK, 1, BLACK);
        canvas.fill_rect(l.x0 + mid, l.y0 + side + 1, 1, TICK, BLACK);
    }
    // Colour bar: 1 at the top, 0 at the bottom, ticks every 0.2.
    for dy in 0..side {
        let t = 1.0 - (dy as f64 + 0.5) / side as f64;
        canvas.fill_rect(l.bar_x, l.y0 + dy, BAR_WIDTH, 1, blues(t));
    }
    canvas.frame(l.bar_x - 1, l.y0 - 1, BAR_WIDTH + 2, side + 2, BLACK);
    for k in 0..=5u32 {
        let y = l.y0 + (side * (5 - k) / 5).min(side - 1);
        canvas.fill_rect(l.bar_x + BAR_WIDTH + 1, y, TICK, 1, BLACK);
    }

    canvas.draw(|area| {
        put_text(
            area,
            &heading,
            ((l.width / 2) as i32, heading_baseline()),
            &TextSpec::new(HEADING_SIZE).bold(),
        )?;
        // Counts: light text on dark cells, dark text on light ones.
        for (i, row) in matrix.iter().enumerate() {
            for (j, count) in row.iter().enumerate() {
                let (x, y) = l.cell_origin(i, j);
                let color = if fraction(i, j) > 0.5 {
                    WHITE
                } else {
                    DARK_TEXT
                };
                let center = ((x + l.cell / 2) as i32, (y + l.cell / 2) as i32);
                put_text(
                    area,
                    &count.to_string(),
                    (center.0, centered_baseline(center.1, COUNT_SIZE)),
                    &TextSpec::new(COUNT_SIZE).color(color),
                )?;
            }
        }
        // Class names: rows on the left, columns below.
        for (k, name) in class_names.iter().enumerate() {
            let mid = (k as u32 * l.cell + l.cell / 2) as i32;
            put_text(
                area,
                name,
                (
                    (l.x0 - TICK - 6) as i32,
                    centered_baseline(l.y0 as i32 + mid, CLASS_SIZE),
                ),
                &TextSpec::new(CLASS_SIZE).anchor(HPos::Right),
            )?;
            let label_top = (l.y0 + side + TICK + 6) as i32;
            if l.rotate_columns {
                put_text(
                    area,
                    name,
                    (centered_baseline(l.x0 as i32 + mid, CLASS_SIZE), label_top),
                    &TextSpec::new(CLASS_SIZE).anchor(HPos::Right).rotated(),
                )?;
            } else {
                put_text(
                    area,
                    name,
                    (l.x0 as i32 + mid, label_top + cap_height(CLASS_SIZE)),
                    &TextSpec::new(CLASS_SIZE),
                )?;
            }
        }
        // Axis titles.
        let matrix_mid = (l.x0 + side / 2) as i32;
        put_text(
            area,
            "Predicted",
            (matrix_mid, l.x_title_baseline as i32),
            &TextSpec::new(AXIS_TITLE_SIZE),
        )?;
        put_text(
            area,
            "True",
            (
                centered_baseline(l.y_title_x as i32, AXIS_TITLE_SIZE),
                (l.y0 + side / 2) as i32,
            ),
            &TextSpec::new(AXIS_TITLE_SIZE).rotated(),
        )?;
        // Colour-bar tick labels and description.
        for k in 0..=5u32 {
            let y = l.y0 + (side * (5 - k) / 5).min(side - 1);
            put_text(
                area,
                &format!("{:.1}", f64::from(k) / 5.0),
                (
                    (l.bar_x + BAR_WIDTH + TICK + 5) as i32,
                    centered_baseline(y as i32, BAR_SIZE),
                ),
                &TextSpec::new(BAR_SIZE).anchor(HPos::Left),
            )?;
        }
        put_text(
            area,
            BAR_DESCRIPTION,
            (
                centered_baseline(l.bar_title_x as i32, BAR_SIZE),
                (l.y0 + side / 2) as i32,
            ),
            &TextSpec::new(BAR_SIZE).rotated(),
        )?;
        Ok(())
    })?;
    let png = encode_png(&canvas.rgb, l.width, l.height)?;
    Ok((png, l.width, l.height))
}

/// The description of the confusion matrix's colour bar.
const BAR_DESCRIPTION: &str = "fraction of true class";

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
    /// Size of the whole picture.
    width: u32,
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
        let heading_width = u64::from(text_width(heading, HEADING_SIZE, FontStyle::Bold)?);
        let width = (2 * u64::from(MARGIN) + columns as u64 * u64::from(column_width))
            .max(heading_width + 2 * u64::from(MARGIN));
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

/// Where everything of a confusion matrix goes, in pixels.
struct ConfusionLayout {
    /// Side of one cell.
    cell: u32,
    /// Top left corner of the matrix.
    x0: u32,
    y0: u32,
    /// Whether the column labels are written vertically.
    rotate_columns: bool,
    /// Baseline of the "Predicted" axis title.
    x_title_baseline: u32,
    /// Centre line of the (vertical) "True" axis title.
    y_title_x: u32,
    /// Left edge of the colour bar.
    bar_x: u32,
    /// Centre line of the (vertical) colour-bar description.
    bar_title_x: u32,
    /// Size of the whole picture.
    width: u32,
    height: u32,
}

impl ConfusionLayout {
    /// Lays out a (validated) square `matrix` with one name per class under `heading`.
    fn new(heading: &str, matrix: &[Vec<usize>], class_names: &[String]) -> Result<Self, String> {
        let n = matrix.len() as u64;
        let widest_count = widest(matrix.iter().flatten().map(|c| c.to_string()), COUNT_SIZE)?;
        let widest_name = widest(class_names.iter(), CLASS_SIZE)?;
        let cell = MIN_CELL.max(widest_count + 14);
        let rotate_columns = widest_name + 6 > cell;

        let axis_title_height = cap_height(AXIS_TITLE_SIZE) as u32 + 6;
        let y_title_x = MARGIN + axis_title_height / 2;
        let x0 = MARGIN + axis_title_height + 10 + widest_name + 6 + TICK + 1;
        let y0 = MARGIN + HEADING_BAND + 8;
        let side = u64::from(cell) * n;
        let column_labels = if rotate_columns {
            widest_name
        } else {
            cap_height(CLASS_SIZE) as u32 + 5
        };
        let below = u64::from(TICK + 6 + column_labels + 14);
        let x_title_baseline =
            u64::from(y0) + side + 1 + below + cap_height(AXIS_TITLE_SIZE) as u64;
        let height = x_title_baseline + 6 + u64::from(MARGIN);

        let bar_x = u64::from(x0) + side + 1 + 24;
        let bar_labels = text_width("0.0", BAR_SIZE, FontStyle::Normal)?;
        let bar_title_x = bar_x
            + u64::from(BAR_WIDTH + 1 + TICK + 5 + bar_labels + 10)
            + cap_height(BAR_SIZE) as u64 / 2;
        let heading_width = u64::from(text_width(heading, HEADING_SIZE, FontStyle::Bold)?);
        let width = (bar_title_x + cap_height(BAR_SIZE) as u64 + u64::from(MARGIN))
            .max(heading_width + 2 * u64::from(MARGIN));
        check_size(width, height)?;
        Ok(Self {
            cell,
            x0,
            y0,
            rotate_columns,
            x_title_baseline: x_title_baseline as u32,
            y_title_x,
            bar_x: bar_x as u32,
            bar_title_x: bar_title_x as u32,
            width: width as u32,
            height: height as u32,
        })
    }

    /// Top left corner of the cell of true class `i`, predicted class `j`.
    fn cell_origin(&self, i: usize, j: usize) -> (u32, u32) {
        (
            self.x0 + j as u32 * self.cell,
            self.y0 + i as u32 * self.cell,
        )
    }
}

/// The width in pixels of the widest of `texts` at font size `size` (0 for none).
fn widest<S: AsRef<str>>(texts: impl Iterator<Item = S>, size: f64) -> Result<u32, String> {
    texts
        .map(|t| text_width(t.as_ref(), size, FontStyle::Normal))
        .try_fold(0, |m, w| w.map(|w| m.max(w)))
}

/// Fails if a `width`×`height` picture is empty or too large to draw.
fn check_size(width: u64, height: u64) -> Result<(), String> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!("picture of {width}x{height} px is too large"));
    }
    Ok(())
}

/// The colour of `t` (clamped to 0..=1) on matplotlib's "Blues" colour map.
fn blues(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (BLUES.len() - 1) as f64;
    let k = (pos.floor() as usize).min(BLUES.len() - 2);
    let f = pos - k as f64;
    let (a, b) = (BLUES[k], BLUES[k + 1]);
    let mix = |a: u8, b: u8| (f64::from(a) + f * (f64::from(b) - f64::from(a))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// An RGB picture being drawn: white to start with.
struct Canvas {
    rgb: Vec<u8>,
    width: u32,
    height: u32,
}

impl Canvas {
    /// A white `width`×`height` canvas (sizes already checked).
    fn new(width: u32, height: u32) -> Result<Self, String> {
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
    fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32, color: RGBColor) {
        for yy in y..y.saturating_add(h) {
            for xx in x..x.saturating_add(w) {
                self.put(xx, yy, color.rgb());
            }
        }
    }

    /// Draws the 1 px outline of the `w`×`h` rectangle with top left corner (`x`, `y`).
    fn frame(&mut self, x: u32, y: u32, w: u32, h: u32, color: RGBColor) {
        self.fill_rect(x, y, w, 1, color);
        self.fill_rect(x, y + h - 1, w, 1, color);
        self.fill_rect(x, y, 1, h, color);
        self.fill_rect(x + w - 1, y, 1, h, color);
    }

    /// Copies `tile`'s image (validated CHW, gray or RGB) scaled up `scale` times, nearest
    /// neighbour, with its top left corner at (`x`, `y`).
    fn blit_scaled(&mut self, tile: &Tile, x: u32, y: u32, scale: usize) {
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
    fn draw(
        &mut self,
        draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
    ) -> Result<(), String> {
        let root = BitMapBackend::with_buffer(&mut self.rgb, (self.width, self.height))
            .into_drawing_area();
        draw(&root)?;
        root.present().map_err(draw_err)
    }
}

/// How to draw one piece of text: size, weight, colour, horizontal anchor, and whether it is
/// turned a quarter turn counter-clockwise (reading upwards).
struct TextSpec {
    size: f64,
    style: FontStyle,
    color: RGBColor,
    anchor: HPos,
    rotated: bool,
}

impl TextSpec {
    /// Black, regular, centred, horizontal text of font size `size`.
    fn new(size: f64) -> Self {
        Self {
            size,
            style: FontStyle::Normal,
            color: BLACK,
            anchor: HPos::Center,
            rotated: false,
        }
    }

    fn bold(self) -> Self {
        Self {
            style: FontStyle::Bold,
            ..self
        }
    }

    fn color(self, color: RGBColor) -> Self {
        Self { color, ..self }
    }

    fn anchor(self, anchor: HPos) -> Self {
        Self { anchor, ..self }
    }

    fn rotated(self) -> Self {
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
fn put_text(
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
fn cap_height(size: f64) -> i32 {
    (size * 0.729 / 1.164).round() as i32
}

/// The baseline that vertically centres capitals and digits on `center`.
fn centered_baseline(center: i32, size: f64) -> i32 {
    center + cap_height(size) / 2
}

/// The baseline of the heading at the top of every picture.
fn heading_baseline() -> i32 {
    (MARGIN + HEADING_BAND / 2) as i32 + cap_height(HEADING_SIZE) / 2 - 2
}

/// Width in pixels of `text` in the embedded font at font size `size`, rounded up.
fn text_width(text: &str, size: f64, style: FontStyle) -> Result<u32, String> {
    layout_text(text, size, style).map(|(_, width)| width.ceil() as u32)
}

/// `text` at the largest font size from `size` down to `min_size` (in steps of 2, keeping sizes even) at which it
/// fits in `max_width` pixels; if even `min_size` is too wide, `text` is shortened with "…".
fn fit_text(text: &str, max_width: u32, size: f64, min_size: f64) -> Result<(String, f64), String> {
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

/// Formats a plotters drawing error.
fn draw_err(e: impl std::fmt::Display) -> String {
    format!("drawing picture: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `png`, checks its size is (`width`, `height`) and returns its RGB pixels.
    fn decode(png: &[u8], width: u32, height: u32) -> Vec<u8> {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png.to_vec()))
            .read_info()
            .expect("PNG decodes");
        let info = reader.info();
        assert_eq!((info.width, info.height), (width, height));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        buf.truncate(width as usize * height as usize * 3);
        buf
    }

    /// The pixel at (`x`, `y`) of a `width` px wide RGB buffer.
    fn pixel(rgb: &[u8], width: u32, x: u32, y: u32) -> (u8, u8, u8) {
        let at = (y as usize * width as usize + x as usize) * 3;
        (rgb[at], rgb[at + 1], rgb[at + 2])
    }

    /// Whether the `w`×`h` rectangle at (`x`, `y`) holds a clearly red pixel.
    fn has_red(rgb: &[u8], width: u32, (x, y, w, h): (u32, u32, u32, u32)) -> bool {
        (y..y + h).any(|yy| {
            (x..x + w).any(|xx| {
                let (r, g, b) = pixel(rgb, width, xx, yy);
                r > 180 && g < 80 && b < 80
            })
        })
    }

    /// Writes `png` to /tmp/drawwork/`name` when that folder exists, to look at.
    fn keep(name: &str, png: &[u8]) {
        let dir = std::path::Path::new("/tmp/drawwork");
        if dir.is_dir() {
            std::fs::write(dir.join(name), png).unwrap();
        }
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

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// A plausible 10-class confusion matrix with ~1000 samples per class.
    fn matrix10(errors: usize) -> Vec<Vec<usize>> {
        (0..10)
            .map(|i| {
                (0..10)
                    .map(|j| {
                        if i == j {
                            980 + i * 17 - errors * 40
                        } else if (i + j) % 4 == 1 {
                            errors * (i + 2 * j) % 60
                        } else {
                            0
                        }
                    })
                    .collect()
            })
            .collect()
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
    fn confusion_mnist() {
        let m = matrix10(1);
        let classes = names(&["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        let (png, width, height) = confusion_png("Confusion matrix", &m, &classes).unwrap();
        keep("confusion_mnist.png", &png);
        let rgb = decode(&png, width, height);
        assert!(rgb.iter().any(|&b| b < 128), "blank picture");
        let layout =
            ConfusionLayout::new("Confusion matrix — accuracy 98.91 %", &m, &classes).unwrap();
        assert!(!layout.rotate_columns);
        // A diagonal cell is dark blue at its corner, an empty one (almost) white.
        let (x, y) = layout.cell_origin(3, 3);
        let fraction = m[3][3] as f64 / m[3].iter().sum::<usize>() as f64;
        assert!(fraction > 0.95);
        assert_eq!(pixel(&rgb, width, x + 2, y + 2), blues(fraction).rgb());
        assert!(blues(fraction).rgb().2 < 120);
        let (x, y) = layout.cell_origin(3, 0);
        assert_eq!(pixel(&rgb, width, x + 2, y + 2), (247, 251, 255));
    }

    #[test]
    fn confusion_fashion_mnist() {
        let classes = names(data::DatasetKind::FashionMnist.class_names());
        let m = matrix10(5);
        let (png, width, height) = confusion_png("lenet5 on fashion-mnist", &m, &classes).unwrap();
        keep("confusion_fashion.png", &png);
        decode(&png, width, height);
        assert!(
            ConfusionLayout::new("", &m, &classes)
                .unwrap()
                .rotate_columns
        );

        let cifar = names(data::DatasetKind::Cifar10.class_names());
        let (png, width, height) = confusion_png("Confusion matrix", &m, &cifar).unwrap();
        keep("confusion_cifar.png", &png);
        decode(&png, width, height);
    }

    #[test]
    fn tiny_and_unbalanced_confusion() {
        let m = vec![vec![0, 0], vec![3, 123_456_789]];
        let (png, width, height) = confusion_png("x", &m, &names(&["a", "b"])).unwrap();
        keep("confusion_tiny.png", &png);
        decode(&png, width, height);
        let (png, width, height) = confusion_png("x", &[vec![5]], &names(&["only"])).unwrap();
        decode(&png, width, height);
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

    #[test]
    fn rejects_bad_input() {
        assert!(sample_grid_png("h", &[], 4).is_err());
        assert!(sample_grid_png("h", &[gray_tile(0, false)], 0).is_err());
        let mut bad = gray_tile(0, false);
        bad.pixels.pop();
        assert!(sample_grid_png("h", &[bad], 4).is_err());
        let mut bad = gray_tile(0, false);
        bad.shape = [2, 28, 14];
        assert!(sample_grid_png("h", &[bad], 4).is_err());
        let mut bad = gray_tile(0, false);
        bad.shape = [1, 0, 28];
        bad.pixels.clear();
        assert!(sample_grid_png("h", &[bad], 4).is_err());
        let huge = Tile {
            pixels: vec![0; 20_000],
            shape: [1, 1, 20_000],
            title: String::new(),
            wrong: false,
        };
        assert!(sample_grid_png("h", &[huge], 1).is_err());

        assert!(confusion_png("h", &[], &[]).is_err());
        let classes = names(&["a", "b"]);
        assert!(confusion_png("h", &[vec![1, 2], vec![3, 4]], &classes[..1]).is_err());
        assert!(confusion_png("h", &[vec![1, 2], vec![3]], &classes).is_err());
        assert!(confusion_png("h", &[vec![0, 0], vec![0, 0]], &classes).is_err());
    }
}
