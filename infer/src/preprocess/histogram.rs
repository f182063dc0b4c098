//! Histograms of gray levels and the levels read from them: quantiles, the ink's robust
//! peak and Otsu's threshold.

/// Histogram of the outermost ring of pixels (2 wide, 1 wide on small images).
pub(super) fn border_histogram(px: &[u8], w: usize, h: usize) -> [usize; 256] {
    let ring = if w.min(h) >= 16 { 2 } else { 1 };
    let mut hist = [0usize; 256];
    for (y, row) in px.chunks_exact(w).enumerate() {
        if y < ring || y + ring >= h || w <= 2 * ring {
            row.iter().for_each(|&v| hist[usize::from(v)] += 1);
        } else {
            let (left, right) = (&row[..ring], &row[w - ring..]);
            left.iter()
                .chain(right)
                .for_each(|&v| hist[usize::from(v)] += 1);
        }
    }
    hist
}

/// Histogram of all pixel values.
pub(super) fn histogram(px: &[u8]) -> [usize; 256] {
    let mut hist = [0usize; 256];
    px.iter().for_each(|&v| hist[usize::from(v)] += 1);
    hist
}

/// The `q` quantile of the values from `from` up in a histogram; `from` when
/// there are none.
pub(super) fn quantile(hist: &[usize; 256], from: usize, q: f64) -> usize {
    let total: usize = hist[from.min(256)..].iter().sum();
    if total == 0 {
        return from.min(255);
    }
    let rank = ((total as f64 * q) as usize).min(total - 1);
    let mut seen = 0;
    for (v, &n) in hist.iter().enumerate().skip(from) {
        seen += n;
        if seen > rank {
            return v;
        }
    }
    255
}

/// The brightest level reached by at least `min_count` pixels, so that a few
/// hot pixels do not count as the ink's level.
pub(super) fn robust_peak(hist: &[usize; 256], min_count: usize) -> usize {
    let mut seen = 0;
    for (v, &n) in hist.iter().enumerate().rev() {
        seen += n;
        if seen >= min_count {
            return v;
        }
    }
    0
}

/// Otsu's threshold: values above it form the bright class. When several
/// thresholds separate the classes equally well, the middle one.
pub(super) fn otsu_threshold(hist: &[usize; 256]) -> usize {
    let total: f64 = hist.iter().map(|&n| n as f64).sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(v, &n)| v as f64 * n as f64)
        .sum();
    let (mut weight0, mut sum0) = (0.0f64, 0.0f64);
    let (mut best, mut first, mut last) = (-1.0f64, 0usize, 0usize);
    for (t, &n) in hist.iter().enumerate().take(255) {
        weight0 += n as f64;
        sum0 += t as f64 * n as f64;
        let weight1 = total - weight0;
        if weight0 == 0.0 || weight1 == 0.0 {
            continue;
        }
        let diff = sum0 / weight0 - (sum_all - sum0) / weight1;
        let between = weight0 * weight1 * diff * diff;
        if between > best * (1.0 + 1e-9) {
            (best, first, last) = (between, t, t);
        } else if between >= best * (1.0 - 1e-9) {
            last = t;
        }
    }
    (first + last) / 2
}
