//! The confusion-matrix heat map: cells coloured by the row fraction on matplotlib's "Blues"
//! with the counts written in them, class names on both axes, axis titles, a colour bar and a
//! heading with the accuracy.

use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::HPos;

use common::picture::ensure_font;

use super::canvas::Canvas;
use super::text::{TextSpec, cap_height, centered_baseline, put_text, text_width, widest};
use super::{HEADING_BAND, MARGIN, check_size, put_heading, width_for_heading};

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

/// The description of the confusion matrix's colour bar.
const BAR_DESCRIPTION: &str = "fraction of true class";

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
        put_heading(area, &heading, l.width)?;
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
    canvas.into_png()
}

/// Where everything of a confusion matrix goes, in pixels.
struct ConfusionLayout {
    /// Side of one cell.
    cell: u32,
    /// Left edge of the matrix.
    x0: u32,
    /// Top edge of the matrix.
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
    /// Width of the whole picture.
    width: u32,
    /// Height of the whole picture.
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
        let width = (bar_title_x + cap_height(BAR_SIZE) as u64 + u64::from(MARGIN))
            .max(width_for_heading(heading)?);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::test_png::{decode, keep, pixel};

    /// `list` as owned strings.
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
    fn rejects_bad_matrices() {
        assert_eq!(
            confusion_png("h", &[], &[]).unwrap_err(),
            "confusion matrix: empty matrix"
        );
        let classes = names(&["a", "b"]);
        assert_eq!(
            confusion_png("h", &[vec![1, 2], vec![3, 4]], &classes[..1]).unwrap_err(),
            "confusion matrix: 1 class names for a 2x2 matrix"
        );
        assert_eq!(
            confusion_png("h", &[vec![1, 2], vec![3]], &classes).unwrap_err(),
            "confusion matrix: row 1 has 1 entries, expected 2 (a square matrix)"
        );
        assert_eq!(
            confusion_png("h", &[vec![0, 0], vec![0, 0]], &classes).unwrap_err(),
            "confusion matrix: no counts"
        );
    }
}
