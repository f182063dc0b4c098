//! The one matrix product behind our convolution kernels: `gemm`'s f32 kernel (AVX-512 or
//! AVX2, chosen at run time) on strided operands, on the calling thread or on rayon's.

/// Smallest GEMM (m·n·k multiply-adds) that is split across threads; smaller ones run on the
/// calling thread, where the rayon hand-off would cost more than it saves.
pub(crate) const PARALLEL_GEMM_OPS: usize = 1 << 20;

/// `dst [m, n] = (accumulate ? dst : 0) + lhs [m, k] × rhs [k, n]`, where each operand is
/// `(data, row stride, column stride)`, so transposes cost nothing.
///
/// Large products run on rayon's threads when `may_split`.
pub(crate) fn gemm(
    [m, n, k]: [usize; 3],
    (dst, dst_rs, dst_cs): (&mut [f32], usize, usize),
    accumulate: bool,
    (lhs, lhs_rs, lhs_cs): (&[f32], usize, usize),
    (rhs, rhs_rs, rhs_cs): (&[f32], usize, usize),
    may_split: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for row in 0..m {
                for col in 0..n {
                    dst[row * dst_rs + col * dst_cs] = 0.0;
                }
            }
        }
        return;
    }
    let parallelism = if may_split && m * n * k >= PARALLEL_GEMM_OPS {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    // The last index each operand's strides reach (all sizes are at least 1 here).
    let last = |rows: usize, cols: usize, rs: usize, cs: usize| (rows - 1) * rs + (cols - 1) * cs;
    assert!(
        dst.len() > last(m, n, dst_rs, dst_cs),
        "gemm: dst too small"
    );
    assert!(
        lhs.len() > last(m, k, lhs_rs, lhs_cs),
        "gemm: lhs too small"
    );
    assert!(
        rhs.len() > last(k, n, rhs_rs, rhs_cs),
        "gemm: rhs too small"
    );
    // SAFETY: the asserts above keep every index the strides can reach inside the slices,
    // and `dst` is borrowed mutably, so it aliases neither operand.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            dst_cs as isize,
            dst_rs as isize,
            accumulate,
            lhs.as_ptr(),
            lhs_cs as isize,
            lhs_rs as isize,
            rhs.as_ptr(),
            rhs_cs as isize,
            rhs_rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}
