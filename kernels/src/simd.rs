//! Our kernels' element-wise loops with the CPU's vector instructions.
//!
//! The crate is compiled for the baseline x86-64 (SSE2), so that the same binary runs on any
//! x86-64 CPU; loops compiled that way process 4 floats at a time at best, and the compiler
//! often falls back to scalar code. [`multiversion!`](crate::multiversion) defines a function
//! twice, as is and compiled with AVX2 + FMA, and picks the second at run time where the CPU
//! has them, as burn's own kernels and the GEMM crate do.

/// Whether this CPU runs AVX2 and FMA (checked once; later calls read a cached flag).
#[inline]
pub(crate) fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `fn name(args) -> R { body }`, compiled twice (baseline, and AVX2 + FMA), the AVX2 one
/// called where [`has_avx2_fma`] holds. Arguments are plain `name: Type` pairs.
#[macro_export]
#[doc(hidden)]
macro_rules! multiversion {
    (
        $(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
        $body:block
    ) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn portable($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            fn avx2($($arg: $ty),*) $(-> $ret)? {
                portable($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            if $crate::simd::has_avx2_fma() {
                // SAFETY: the CPU supports the features `avx2` is compiled for.
                return unsafe { avx2($($arg),*) };
            }
            portable($($arg),*)
        }
    };
}
