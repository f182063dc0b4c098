//! Where the CPU work runs: on rayon's pool, whose threads our flex kernels (and gemm, and
//! burn's flex backend) split their work across.
//!
//! A parallel operation called from a thread outside the pool (a program's main thread) is
//! handed to the pool and the caller sleeps until it is done: a wake-up and a hand-back for
//! every convolution, GEMM and pooling, a few dozen per LeNet-5 training step. Run from a pool
//! thread instead, the caller takes one half of each operation itself and only the other half
//! moves: on 2 cores, a LeNet-5 training loop ran 10–19 % faster.

/// The stack of each of rayon's threads when we configure the pool: a program's main thread
/// gets 8 MiB from Linux, rayon's threads 2 MiB from Rust, and [`on_compute_threads`] moves a
/// whole program onto one of them.
#[cfg(feature = "flex")]
const POOL_STACK_BYTES: usize = 8 << 20;

/// Runs `work` on one of rayon's threads and returns its result; the calling thread waits.
///
/// Wrap a program's whole CPU job in it (`train` and `infer` wrap their `run`): every
/// parallel kernel then starts without a thread hand-off. It configures rayon's global pool
/// first (one thread per core, 8 MiB stacks) unless something has already started it, and
/// glibc's allocator to keep freed tensors' memory ([`crate::allocator::keep_freed_memory`]).
/// Nothing else changes: without the `flex` feature, or on a GPU backend, `work` simply runs.
pub fn on_compute_threads<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    #[cfg(feature = "flex")]
    {
        crate::allocator::keep_freed_memory();
        // Fails only when the pool already exists, which is as good.
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(POOL_STACK_BYTES)
            .build_global();
        rayon::scope(|_| work())
    }
    #[cfg(not(feature = "flex"))]
    work()
}

/// Whether the calling thread is one of rayon's (inside [`on_compute_threads`]); always false
/// without the `flex` feature.
pub fn is_compute_thread() -> bool {
    #[cfg(feature = "flex")]
    return rayon::current_thread_index().is_some();
    #[cfg(not(feature = "flex"))]
    false
}
