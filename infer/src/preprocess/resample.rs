//! Resampling a gray plane: area averaging along an axis that shrinks, linear interpolation
//! along one that grows.

use super::ink::Plane;

/// Width and height scaled so that the longer side is `side` (aspect kept).
pub(super) fn fit_longer_side(w: usize, h: usize, side: usize) -> (usize, usize) {
    let longer = w.max(h) as f64;
    let scale = |n: usize| ((n as f64 * side as f64 / longer).round() as usize).clamp(1, side);
    (scale(w), scale(h))
}

/// The plane resampled to `nw` x `nh`: area averaging along an axis that
/// shrinks (thin strokes keep their weight), linear interpolation along one
/// that grows.
pub(super) fn resample(src: &Plane, nw: usize, nh: usize) -> Vec<f32> {
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
pub(super) fn axis_weights(n_in: usize, n_out: usize) -> Vec<(usize, Vec<f32>)> {
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
