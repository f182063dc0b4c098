//! The matrix product of a convolution with few output columns (batch-1 inference: one
//! image's output pixels, 1 to 64 of them in ResNet-18's later stages), from weights laid out
//! once in panels ([`crate::prepared`]).
//!
//! `out [M, N] = A [M, K] × B [K, N]` with `A` (the weights, `M` output channels by `K` patch
//! taps) stored as [`PANEL`]-row panels, `[M/PANEL, K, PANEL]`: each panel is one contiguous
//! stream of `K·PANEL` floats, read once per [`COLUMNS`] output columns while the panel's
//! `PANEL x COLUMNS` sums stay in vector registers. The GEMM crate packs `A` into that form on
//! every call (a 512x4608 layer re-lays 9.4 MB to multiply it by one column), and its
//! microkernels waste most of their width on 1–4 columns: ResNet-18's 128@4x4 → 256@2x2
//! layer took 139–184 µs there.

use rayon::prelude::*;

/// Rows (output channels) per panel: two AVX2 vectors, one AVX-512 vector.
pub const PANEL: usize = 16;

/// Output columns computed together (the panel's sums: 2 vectors x 6 = 12 registers of 16).
const COLUMNS: usize = 6;

/// Smallest product (multiply-adds) whose panels are spread across rayon's threads.
const PARALLEL_OPS: usize = 1 << 18;

/// `weight [M, K]` (row-major) as panels `[⌈M/PANEL⌉, K, PANEL]`, the rows past `M` zero.
pub fn panels(weight: &[f32], m: usize) -> Vec<f32> {
    let k = weight.len().checked_div(m).unwrap_or(0);
    let mut out = vec![0.0f32; m.div_ceil(PANEL) * k * PANEL];
    for (row, w) in weight.chunks_exact(k.max(1)).take(m).enumerate() {
        let panel = &mut out[(row / PANEL) * k * PANEL..][..k * PANEL];
        for (tap, &v) in w.iter().enumerate() {
            panel[tap * PANEL + row % PANEL] = v;
        }
    }
    out
}

/// `out [M, N] = A × B`, with `a` the panels of `A [M, K]` ([`panels`]) and `b` `[K, N]`
/// row-major; `out` is overwritten.
pub fn panel_product(a: &[f32], b: &[f32], out: &mut [f32], [m, n, k]: [usize; 3]) {
    assert!(
        a.len() == m.div_ceil(PANEL) * k * PANEL && b.len() == k * n && out.len() == m * n,
        "panel_product: sizes"
    );
    if m == 0 || n == 0 {
        return;
    }
    let one_panel = |(index, out): (usize, &mut [f32])| {
        let panel = &a[index * k * PANEL..][..k * PANEL];
        panel_rows(panel, b, out, [n, k]);
    };
    if m * n * k >= PARALLEL_OPS {
        out.par_chunks_mut(PANEL * n)
            .enumerate()
            .for_each(one_panel);
    } else {
        out.chunks_mut(PANEL * n).enumerate().for_each(one_panel);
    }
}

/// One panel's rows of the product: `out [rows, N]` (`rows ≤ PANEL`), in blocks of up to
/// [`COLUMNS_AVX512`] columns with AVX-512, [`COLUMNS`] otherwise.
fn panel_rows(panel: &[f32], b: &[f32], out: &mut [f32], [n, k]: [usize; 2]) {
    let columns = if has_avx512() {
        COLUMNS_AVX512
    } else {
        COLUMNS
    };
    let mut first = 0;
    while first < n {
        let count = columns.min(n - first);
        let at = [n, k, first];
        match count {
            12 => block::<12>(panel, b, out, at),
            11 => block::<11>(panel, b, out, at),
            10 => block::<10>(panel, b, out, at),
            9 => block::<9>(panel, b, out, at),
            8 => block::<8>(panel, b, out, at),
            7 => block::<7>(panel, b, out, at),
            6 => block::<6>(panel, b, out, at),
            5 => block::<5>(panel, b, out, at),
            4 => block::<4>(panel, b, out, at),
            3 => block::<3>(panel, b, out, at),
            2 => block::<2>(panel, b, out, at),
            _ => block::<1>(panel, b, out, at),
        }
        first += count;
    }
}

/// Output columns computed together with AVX-512: the panel is one vector, its sums 12.
const COLUMNS_AVX512: usize = 12;

/// Whether this CPU runs AVX-512F (checked once; later calls read a cached flag).
#[inline]
fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Columns `first..first + C` of one panel's rows.
#[inline(always)]
fn block<const C: usize>(panel: &[f32], b: &[f32], out: &mut [f32], at: [usize; 3]) {
    let [n, k, first] = at;
    assert!(
        panel.len() >= k * PANEL && b.len() >= k * n && first + C <= n,
        "panel block: sizes"
    );
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU has AVX-512F, and the assert above keeps every read in bounds.
        let sums = unsafe { block_sums_avx512::<C>(panel, b, at) };
        return write_sums(&sums, out, n, first);
    }
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA, and the assert above keeps every read in bounds.
        let sums = unsafe { block_sums_avx2::<C>(panel, b, at) };
        return write_sums(&sums, out, n, first);
    }
    let mut sums = [[0.0f32; PANEL]; C];
    for (tap, a) in panel.chunks_exact(PANEL).take(k).enumerate() {
        for (sums, &bv) in sums.iter_mut().zip(&b[tap * n + first..][..C]) {
            for (s, &av) in sums.iter_mut().zip(a) {
                *s = av.mul_add(bv, *s);
            }
        }
    }
    write_sums(&sums, out, n, first);
}

/// The `PANEL x C` sums of [`block`] in vector registers: per tap, the panel's 16 weights (two
/// vectors) times each column's input broadcast.
///
/// # Safety
/// The CPU has AVX2 and FMA; `panel` holds `k·PANEL` floats and `b` `k·n`, with `first + C ≤ n`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn block_sums_avx2<const C: usize>(
    panel: &[f32],
    b: &[f32],
    [n, k, first]: [usize; 3],
) -> [[f32; PANEL]; C] {
    use std::arch::x86_64::*;
    let mut low = [_mm256_setzero_ps(); C];
    let mut high = [_mm256_setzero_ps(); C];
    let (a, b) = (panel.as_ptr(), b.as_ptr());
    for tap in 0..k {
        // SAFETY (all reads): tap < k, so `tap·PANEL + 16 ≤ panel.len()` and
        // `tap·n + first + C ≤ b.len()` (the caller's bounds).
        let (a_low, a_high) = unsafe {
            (
                _mm256_loadu_ps(a.add(tap * PANEL)),
                _mm256_loadu_ps(a.add(tap * PANEL + 8)),
            )
        };
        for column in 0..C {
            let bv = unsafe { _mm256_broadcast_ss(&*b.add(tap * n + first + column)) };
            low[column] = _mm256_fmadd_ps(a_low, bv, low[column]);
            high[column] = _mm256_fmadd_ps(a_high, bv, high[column]);
        }
    }
    let mut sums = [[0.0f32; PANEL]; C];
    for column in 0..C {
        // SAFETY: each store writes 8 floats inside a 16-float row.
        unsafe {
            _mm256_storeu_ps(sums[column].as_mut_ptr(), low[column]);
            _mm256_storeu_ps(sums[column].as_mut_ptr().add(8), high[column]);
        }
    }
    sums
}

/// [`block_sums_avx2`] with AVX-512: the panel's 16 weights are one vector.
///
/// # Safety
/// The CPU has AVX-512F; `panel` holds `k·PANEL` floats and `b` `k·n`, with `first + C ≤ n`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn block_sums_avx512<const C: usize>(
    panel: &[f32],
    b: &[f32],
    [n, k, first]: [usize; 3],
) -> [[f32; PANEL]; C] {
    use std::arch::x86_64::*;
    let mut sums = [_mm512_setzero_ps(); C];
    let (a, b) = (panel.as_ptr(), b.as_ptr());
    for tap in 0..k {
        // SAFETY (all reads): as in `block_sums_avx2`.
        let weights = unsafe { _mm512_loadu_ps(a.add(tap * PANEL)) };
        for (column, sum) in sums.iter_mut().enumerate() {
            let bv = _mm512_set1_ps(unsafe { *b.add(tap * n + first + column) });
            *sum = _mm512_fmadd_ps(weights, bv, *sum);
        }
    }
    let mut out = [[0.0f32; PANEL]; C];
    for (out, sum) in out.iter_mut().zip(&sums) {
        // SAFETY: one store of 16 floats into a 16-float row.
        unsafe { _mm512_storeu_ps(out.as_mut_ptr(), *sum) };
    }
    out
}

/// `out[row, first + column] = sums[column][row]` for the rows `out` has.
#[inline(always)]
fn write_sums<const C: usize>(sums: &[[f32; PANEL]; C], out: &mut [f32], n: usize, first: usize) {
    for (row, out) in out.chunks_exact_mut(n).enumerate() {
        for (column, sums) in sums.iter().enumerate() {
            out[first + column] = sums[row];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the plain triple loop, for sizes around the panel and block edges.
    #[test]
    fn panel_product_is_the_matrix_product() {
        for [m, n, k] in [
            [1, 1, 1],
            [16, 6, 5],
            [17, 7, 9],
            [40, 13, 33],
            [64, 1, 300],
        ] {
            let a: Vec<f32> = (0..m * k)
                .map(|i| ((i * 7 % 13) as f32 - 6.0) * 0.25)
                .collect();
            let b: Vec<f32> = (0..k * n)
                .map(|i| ((i * 5 % 11) as f32 - 5.0) * 0.5)
                .collect();
            let mut out = vec![f32::NAN; m * n];
            panel_product(&panels(&a, m), &b, &mut out, [m, n, k]);
            for row in 0..m {
                for col in 0..n {
                    let want: f32 = (0..k).map(|t| a[row * k + t] * b[t * n + col]).sum();
                    let got = out[row * n + col];
                    assert!(
                        (got - want).abs() <= 1e-4 * want.abs().max(1.0),
                        "{m}x{n}x{k}"
                    );
                }
            }
        }
    }

    /// Each vector kernel this CPU runs gives the portable loop's sums (fused multiply-adds in
    /// the same order), whichever one `panel_product` picks here.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn vector_kernels_match_the_portable_loop() {
        let (n, k) = (13, 37);
        let panel: Vec<f32> = (0..k * PANEL)
            .map(|i| ((i * 3 % 17) as f32 - 8.0) * 0.125)
            .collect();
        let b: Vec<f32> = (0..k * n)
            .map(|i| ((i * 11 % 7) as f32 - 3.0) * 0.5)
            .collect();
        let portable = |first: usize, columns: usize| -> Vec<f32> {
            let mut sums = vec![0.0f32; columns * PANEL];
            for c in 0..columns {
                for row in 0..PANEL {
                    sums[c * PANEL + row] = (0..k).fold(0.0f32, |s, t| {
                        panel[t * PANEL + row].mul_add(b[t * n + first + c], s)
                    });
                }
            }
            sums
        };
        if crate::simd::has_avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA; 1 + 6 ≤ n, sizes as required.
            let sums = unsafe { block_sums_avx2::<6>(&panel, &b, [n, k, 1]) };
            assert_eq!(sums.concat(), portable(1, 6));
        }
        if has_avx512() {
            // SAFETY: the CPU has AVX-512F; 1 + 12 ≤ n, sizes as required.
            let sums = unsafe { block_sums_avx512::<12>(&panel, &b, [n, k, 1]) };
            assert_eq!(sums.concat(), portable(1, 12));
        }
    }
}
