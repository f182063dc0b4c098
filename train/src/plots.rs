//! Training-curve plots of a run — `loss.png` and `accuracy.png`, drawn in the style of the
//! PyTorch tutorial's matplotlib figures: one line with point markers per split ("train",
//! "test") against the epoch, a title, labelled axes and a legend on a white background.
//!
//! Rendering is pure Rust: plotters draws into an in-memory RGB buffer with the DejaVu Sans
//! font embedded from the `dejavu` crate (no system fonts), the `png` crate encodes it, and
//! the file is written atomically.

use std::path::Path;

use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::history::EpochRecord;
use common::picture::{FONT, encode_png, ensure_font};
use data::files::write_atomic;

/// Width of every plot, in pixels.
const WIDTH: u32 = 800;
/// Height of every plot, in pixels.
const HEIGHT: u32 = 500;
/// Font size of the tick labels, in pixels.
const TICK_FONT_SIZE: u32 = 15;
/// Maximum number of tick labels on the y axis.
const Y_TICKS: usize = 8;
/// Maximum number of tick labels on the x axis.
const X_TICKS: usize = 10;
/// Line colours, matplotlib's default cycle (tab:blue, tab:orange, tab:green, …).
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Writes `loss.png` and `accuracy.png` for `history` into `dir`; `title` (e.g. "lenet5 on
/// mnist") heads both plots.
///
/// Loss is plotted as is, accuracy (stored as a fraction) as a percentage. Fails if `history`
/// is empty, holds a non-finite value, or a file cannot be written.
pub fn write_training_curves(
    history: &[EpochRecord],
    dir: &Path,
    title: &str,
) -> Result<(), String> {
    if history.is_empty() {
        return Err("no epochs to plot".to_string());
    }
    let series = |f: fn(&EpochRecord) -> f64| -> Vec<(f64, f64)> {
        history.iter().map(|r| (r.epoch as f64, f(r))).collect()
    };

    let loss = line_plot_png(
        &format!("{title} — loss"),
        "Loss",
        &[
            ("train", series(|r| r.train_loss)),
            ("test", series(|r| r.test_loss)),
        ],
    )?;
    let accuracy = line_plot_png(
        &format!("{title} — accuracy"),
        "Accuracy (%)",
        &[
            ("train", series(|r| 100.0 * r.train_acc)),
            ("test", series(|r| 100.0 * r.test_acc)),
        ],
    )?;

    for (name, bytes) in [("loss.png", loss), ("accuracy.png", accuracy)] {
        let path = dir.join(name);
        write_atomic(&path, &bytes).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Renders one plot as PNG bytes: `series` = (label, points (x=epoch, y)); used by
/// [`write_training_curves`].
///
/// The x axis is labelled "Epoch", the y axis `y_label`; each series gets a line with a marker
/// at every point and an entry in the legend. Axis ranges are padded so a single point (or a
/// constant series) still gets a proper, non-degenerate range. Fails if there are no points
/// or a coordinate is not finite.
pub fn line_plot_png(
    title: &str,
    y_label: &str,
    series: &[(&str, Vec<(f64, f64)>)],
) -> Result<Vec<u8>, String> {
    ensure_font()?;

    let points = || series.iter().flat_map(|(_, pts)| pts.iter().copied());
    if points().next().is_none() {
        return Err(format!("plot \"{title}\": no points"));
    }
    if let Some((x, y)) = points().find(|(x, y)| !x.is_finite() || !y.is_finite()) {
        return Err(format!("plot \"{title}\": non-finite point ({x}, {y})"));
    }

    let (x_min, x_max) = bounds(points().map(|p| p.0));
    let (y_min, y_max) = bounds(points().map(|p| p.1));
    let x_range = padded(x_min, x_max);
    let y_range = padded(y_min, y_max);
    for r in [&x_range, &y_range] {
        if !(r.start.is_finite() && r.end.is_finite() && r.start < r.end) {
            return Err(format!("plot \"{title}\": values too large to plot"));
        }
    }

    // With integral x (epochs), ask for at most one tick per integer so ticks land on epochs.
    let integral_x = points().all(|(x, _)| x.fract() == 0.0);
    let x_ticks = if integral_x {
        ((x_max - x_min) as usize + 1).clamp(1, X_TICKS)
    } else {
        X_TICKS
    };
    let x_fmt = tick_formatter(x_range.clone(), x_ticks);
    let y_fmt = tick_formatter(y_range.clone(), Y_TICKS);
    // Room for the widest y tick label, the tick marks and the rotated axis description.
    let y_label_width = RangedCoordf64::from(y_range.clone())
        .key_points(Y_TICKS)
        .iter()
        .filter_map(|v| (FONT, TICK_FONT_SIZE).into_font().box_size(&y_fmt(v)).ok())
        .map(|(w, _)| w)
        .max()
        .unwrap_or(0);

    let legend_pos = legend_position(series, &x_range, &y_range);

    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;

        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(y_label_width + 45)
            .build_cartesian_2d(x_range, y_range)
            .map_err(draw_err)?;

        chart
            .configure_mesh()
            .x_desc("Epoch")
            .y_desc(y_label)
            .x_labels(x_ticks)
            .y_labels(Y_TICKS)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style((FONT, TICK_FONT_SIZE))
            .axis_desc_style((FONT, 17))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .axis_style(BLACK)
            .draw()
            .map_err(draw_err)?;

        // Close the frame on the top and right like matplotlib's axes box.
        let (w, h) = chart.plotting_area().dim_in_pixel();
        chart
            .plotting_area()
            .strip_coord_spec()
            .draw(&Rectangle::new(
                [(0, 0), (w as i32 - 1, h as i32 - 1)],
                BLACK.stroke_width(1),
            ))
            .map_err(draw_err)?;

        for (i, (label, pts)) in series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
                .map_err(draw_err)?
                .label(*label)
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (24, 0)], color.stroke_width(2))
                        + Circle::new((12, 0), 4, color.filled())
                });
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))
                .map_err(draw_err)?;
        }

        chart
            .configure_series_labels()
            .position(legend_pos)
            .margin(12)
            .legend_area_size(34)
            .label_font((FONT, 16))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(190, 190, 190))
            .draw()
            .map_err(draw_err)?;

        root.present().map_err(draw_err)?;
    }

    encode_png(&rgb, WIDTH, HEIGHT)
}

/// Smallest and largest of `values` (which must be non-empty and finite).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// `lo..hi` widened by 5% each side like matplotlib; a zero-width range is widened to ±0.5
/// around zero or a smallish integer (such as a single epoch), else to ±5% of the magnitude.
fn padded(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let span = hi - lo;
    let pad = if span > 0.0 {
        0.05 * span
    } else if lo == 0.0 || (lo.fract() == 0.0 && lo.abs() < 1e6) {
        0.5
    } else {
        0.05 * lo.abs()
    };
    (lo - pad)..(hi + pad)
}

/// Formats the tick values plotters picks for `range` with at most `ticks` labels. Every label
/// on an axis gets the same precision, just enough to tell neighbouring ticks apart; very small
/// steps or very large values switch to scientific notation ("1.5e-7"), and values that round
/// to zero print as zero, never "-0".
fn tick_formatter(range: std::ops::Range<f64>, ticks: usize) -> impl Fn(&f64) -> String {
    let span = range.end - range.start;
    let points = RangedCoordf64::from(range).key_points(ticks);
    // Plotters' tick steps are 1, 2 or 5 times a power of ten.
    let step = match points.as_slice() {
        [a, b, ..] => b - a,
        _ => span,
    };
    let step_exp = (step.log10() + 1e-9).floor() as i32;
    let max_abs = points.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let scientific = step_exp < -4 || max_abs >= 1e6;
    let precision = if scientific {
        let max_exp = if max_abs > 0.0 {
            (max_abs.log10() + 1e-9).floor() as i32
        } else {
            step_exp
        };
        (max_exp - step_exp).clamp(0, 6) as usize
    } else {
        (-step_exp).max(0) as usize
    };
    move |&v: &f64| {
        let v = if v.abs() < 0.5 * step { 0.0 } else { v };
        if scientific {
            format!("{v:.precision$e}")
        } else {
            format!("{v:.precision$}")
        }
    }
}

/// Puts the legend in the upper right unless the curves end high on the right (rising
/// accuracy), in which case it goes to the lower right.
fn legend_position(
    series: &[(&str, Vec<(f64, f64)>)],
    x_range: &std::ops::Range<f64>,
    y_range: &std::ops::Range<f64>,
) -> SeriesLabelPosition {
    let x_cut = x_range.start + 0.6 * (x_range.end - x_range.start);
    let y_mid = 0.5 * (y_range.start + y_range.end);
    let (mut high, mut low) = (0usize, 0usize);
    for &(x, y) in series.iter().flat_map(|(_, pts)| pts) {
        if x >= x_cut {
            if y > y_mid {
                high += 1;
            } else {
                low += 1;
            }
        }
    }
    if high > low {
        SeriesLabelPosition::LowerRight
    } else {
        SeriesLabelPosition::UpperRight
    }
}

/// Formats a plotters drawing error.
fn draw_err(e: impl std::fmt::Display) -> String {
    format!("drawing plot: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        epoch: usize,
        train_loss: f64,
        train_acc: f64,
        test_loss: f64,
        test_acc: f64,
    ) -> EpochRecord {
        EpochRecord {
            epoch,
            train_loss,
            train_acc,
            test_loss,
            test_acc,
            seconds: 1.5,
        }
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("plots-test-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn assert_png(path: &Path) {
        let bytes = std::fs::read(path).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display()));
        let info = reader.info();
        assert_eq!(
            (info.width, info.height),
            (WIDTH, HEIGHT),
            "{}",
            path.display()
        );
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        // Mostly white background, but something was drawn.
        assert!(buf.iter().any(|&b| b < 128), "{} is blank", path.display());
    }

    fn render(name: &str, history: &[EpochRecord]) {
        let dir = temp_dir(name);
        write_training_curves(history, &dir, "lenet5 on mnist").unwrap();
        assert_png(&dir.join("loss.png"));
        assert_png(&dir.join("accuracy.png"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn renders_three_epochs() {
        render(
            "three",
            &[
                record(1, 0.62, 0.81, 0.31, 0.91),
                record(2, 0.24, 0.93, 0.18, 0.95),
                record(3, 0.15, 0.955, 0.14, 0.96),
            ],
        );
    }

    #[test]
    fn renders_one_epoch() {
        render("one", &[record(1, 0.4, 0.88, 0.3, 0.9)]);
    }

    #[test]
    fn handles_constant_tiny_and_huge_values() {
        for pts in [
            vec![(1.0, 0.0), (2.0, 0.0)],
            vec![(1.0, -5.5)],
            vec![(1.0, 1e17)],
            vec![(1.0, 1.5e-7), (2.0, 1.2e-7)],
            vec![(0.5, -3e4), (1.7, 1e300)],
        ] {
            let png = line_plot_png("t", "y", &[("a", pts.clone())])
                .unwrap_or_else(|e| panic!("{pts:?}: {e}"));
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        }
    }

    #[test]
    fn rejects_empty_and_non_finite() {
        let dir = temp_dir("bad");
        assert!(write_training_curves(&[], &dir, "t").is_err());
        assert!(line_plot_png("t", "y", &[("a", vec![(1.0, f64::INFINITY)])]).is_err());
        assert!(line_plot_png("t", "y", &[("a", vec![])]).is_err());
        assert!(line_plot_png("t", "y", &[("a", vec![(1.0, -1e308), (2.0, 1e308)])]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
