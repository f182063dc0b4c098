//! Bilinear resizing of 8-bit images exactly as Pillow does it — and therefore as torchvision's
//! `transforms.Resize` does on the PIL images its datasets return (the PyTorch LeNet-5 tutorial
//! resizes MNIST 28x28 to 32x32 this way).
//!
//! Pillow (`libImaging/Resample.c`) resamples separably, horizontal pass first, each pass
//! rounding to `u8`. Output pixel `i` is centred on input coordinate `c = (i + 0.5) * in / out`;
//! the triangle filter is widened by `in / out` when shrinking (antialiasing) and kept at radius
//! 1 when enlarging; weights are normalized to sum to 1 (so edges replicate), turned into
//! 22-bit fixed point, and the sum is rounded and clamped. This module follows those steps,
//! integer for integer, so results are bit-identical to Pillow's.

/// Pillow's fixed-point precision for 8-bit images: `32 - 8 - 2` bits.
const PRECISION_BITS: u32 = 22;

/// Resampling weights from an input axis of `in_size` pixels to `out_size`: for each output
/// pixel the first input index and fixed-point weights of the taps.
#[derive(Clone, Debug)]
struct Taps {
    /// `(first input index, offset into weights, number of taps)` per output pixel.
    spans: Vec<(usize, usize, usize)>,
    weights: Vec<i32>,
}

impl Taps {
    /// Pillow's `precompute_coeffs` with the bilinear filter, then `normalize_coeffs_8bpc`.
    fn bilinear(in_size: usize, out_size: usize) -> Self {
        let scale = in_size as f64 / out_size as f64;
        let filter_scale = scale.max(1.0);
        let support = filter_scale; // the triangle filter's support is 1
        let mut spans = Vec::with_capacity(out_size);
        let mut weights = Vec::new();
        let mut taps = Vec::new();
        for i in 0..out_size {
            let center = (i as f64 + 0.5) * scale;
            // C's `(int)` truncates towards zero, then the bound is clamped to the image.
            let min = ((center - support + 0.5) as i64).max(0) as usize;
            let max = ((center + support + 0.5) as i64).min(in_size as i64) as usize;
            taps.clear();
            let mut total = 0.0;
            for x in min..max {
                let w = triangle((x as f64 - center + 0.5) / filter_scale);
                taps.push(w);
                total += w;
            }
            let offset = weights.len();
            for &w in &taps {
                let w = if total != 0.0 { w / total } else { w };
                weights.push(fixed_point(w));
            }
            spans.push((min, offset, max - min));
        }
        Self { spans, weights }
    }

    /// Resamples one line: `out[i] = sum_k src[first_i + k] * w_ik`, rounded and clamped.
    fn line(&self, src: &[u8], out: &mut [u8]) {
        for (o, &(first, offset, count)) in out.iter_mut().zip(&self.spans) {
            let mut sum: i32 = 1 << (PRECISION_BITS - 1);
            for (&p, &w) in src[first..first + count]
                .iter()
                .zip(&self.weights[offset..offset + count])
            {
                sum += i32::from(p) * w;
            }
            *o = clip8(sum);
        }
    }

    /// Resamples columns: output row `i` is the weighted sum of input rows `first_i + k` (each
    /// `width` long), rounded and clamped; `acc` is scratch of `width` values.
    fn columns(&self, src: &[u8], width: usize, out: &mut [u8], acc: &mut [i32]) {
        for (row, &(first, offset, count)) in out.chunks_exact_mut(width).zip(&self.spans) {
            acc.fill(1 << (PRECISION_BITS - 1));
            for (k, &w) in self.weights[offset..offset + count].iter().enumerate() {
                let input = &src[(first + k) * width..(first + k + 1) * width];
                for (a, &p) in acc.iter_mut().zip(input) {
                    *a += i32::from(p) * w;
                }
            }
            for (o, &a) in row.iter_mut().zip(acc.iter()) {
                *o = clip8(a);
            }
        }
    }
}

/// The bilinear (triangle) filter.
fn triangle(x: f64) -> f64 {
    let x = x.abs();
    if x < 1.0 { 1.0 - x } else { 0.0 }
}

/// A weight in Pillow's 22-bit fixed point, rounded half away from zero.
fn fixed_point(w: f64) -> i32 {
    let scaled = w * f64::from(1u32 << PRECISION_BITS);
    if w < 0.0 {
        (scaled - 0.5) as i32
    } else {
        (scaled + 0.5) as i32
    }
}

/// A fixed-point sum back to a byte, clamped to 0..=255.
fn clip8(sum: i32) -> u8 {
    (sum >> PRECISION_BITS).clamp(0, 255) as u8
}

/// Resizes `image` (`[C, H, W]` bytes, CHW) to `[C, out_h, out_w]` with Pillow's bilinear
/// filter (antialiased when shrinking). Each channel is resized on its own, as Pillow does.
///
/// Panics if `image.len() != C*H*W` or a dimension is zero.
pub fn resize_bilinear(image: &[u8], shape: [usize; 3], out_h: usize, out_w: usize) -> Vec<u8> {
    Resizer::new(shape, out_h, out_w).resize(image)
}

/// A bilinear resize from one shape to another with its weights computed once, for resizing
/// many images of the same size (a whole dataset).
#[derive(Clone, Debug)]
pub struct Resizer {
    shape: [usize; 3],
    out_h: usize,
    out_w: usize,
    horizontal: Option<Taps>,
    vertical: Option<Taps>,
}

impl Resizer {
    /// Weights for resizing `[C, H, W]` images to `[C, out_h, out_w]`.
    ///
    /// Panics if a dimension is zero.
    pub fn new(shape: [usize; 3], out_h: usize, out_w: usize) -> Self {
        let [c, h, w] = shape;
        assert!(
            c > 0 && h > 0 && w > 0 && out_h > 0 && out_w > 0,
            "cannot resize {shape:?} to {out_h}x{out_w}: zero dimension"
        );
        Self {
            shape,
            out_h,
            out_w,
            horizontal: (w != out_w).then(|| Taps::bilinear(w, out_w)),
            vertical: (h != out_h).then(|| Taps::bilinear(h, out_h)),
        }
    }

    /// The output shape `[C, out_h, out_w]`.
    pub fn output_shape(&self) -> [usize; 3] {
        [self.shape[0], self.out_h, self.out_w]
    }

    /// Resizes one image (`[C, H, W]` bytes) to `[C, out_h, out_w]` bytes.
    pub fn resize(&self, image: &[u8]) -> Vec<u8> {
        let [c, h, w] = self.shape;
        let (oh, ow) = (self.out_h, self.out_w);
        assert_eq!(
            image.len(),
            c * h * w,
            "image of {} bytes does not have shape {:?}",
            image.len(),
            self.shape
        );
        let mut out = vec![0u8; c * oh * ow];
        let mut row_pass = vec![0u8; h * ow];
        let mut acc = vec![0i32; ow];
        for (plane, dst) in image.chunks_exact(h * w).zip(out.chunks_exact_mut(oh * ow)) {
            // Horizontal pass: [h, w] -> [h, ow], rounded to bytes.
            let rows: &[u8] = match &self.horizontal {
                Some(taps) => {
                    for (src, line) in plane.chunks_exact(w).zip(row_pass.chunks_exact_mut(ow)) {
                        taps.line(src, line);
                    }
                    &row_pass
                }
                None => plane,
            };
            // Vertical pass: [h, ow] -> [oh, ow].
            match &self.vertical {
                Some(taps) => taps.columns(rows, ow, dst, &mut acc),
                None => dst.copy_from_slice(rows),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enlarging_two_pixels_to_four_weighs_three_to_one() {
        // Centres at 0.25, 0.75, 1.25, 1.75: the ends replicate, the middle mixes 3:1.
        let out = resize_bilinear(&[0, 200], [1, 1, 2], 1, 4);
        assert_eq!(out, vec![0, 50, 150, 200]);
        // 0.75 * 255 = 191.25 -> 191; 0.25 * 255 = 63.75 -> 64.
        assert_eq!(
            resize_bilinear(&[0, 255], [1, 1, 2], 1, 4),
            vec![0, 64, 191, 255]
        );
    }

    #[test]
    fn shrinking_averages_with_a_widened_filter() {
        // 4 -> 2: centre 1.0 with support 2 -> taps 0..=2 weighted 0.5/1.5 ... normalized:
        // weights of x = 0, 1, 2 are tri(-0.25), tri(0.25), tri(0.75) = 0.75, 0.75, 0.25 (/1.75).
        let out = resize_bilinear(&[0, 70, 140, 210], [1, 1, 4], 1, 2);
        // (0*0.75 + 70*0.75 + 140*0.25) / 1.75 = 50; mirrored: (210*.75 + 140*.75 + 70*.25)/1.75 = 160.
        assert_eq!(out, vec![50, 160]);
    }

    #[test]
    fn same_size_is_a_copy_and_channels_are_independent() {
        let image: Vec<u8> = (0..2 * 3 * 3).map(|v| (v * 13) as u8).collect();
        assert_eq!(resize_bilinear(&image, [2, 3, 3], 3, 3), image);
        let red = resize_bilinear(&image[..9], [1, 3, 3], 5, 4);
        let both = resize_bilinear(&image, [2, 3, 3], 5, 4);
        assert_eq!(&both[..20], &red[..]);
    }
}
