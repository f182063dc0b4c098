//! Keeping freed memory in the process between training steps (glibc on Linux).
//!
//! A training step allocates and frees the same large tensors every time (a ResNet-18 step at
//! batch 128: activations and gradients of up to 8 MiB each). glibc's `malloc` hands blocks of
//! a few MiB back to the kernel when they are freed (its dynamic mmap threshold and its trim
//! threshold), so the next step's allocations fault fresh zeroed pages back in: a third of a
//! second of kernel time in a 3-second run, 5–10 % of the step. [`keep_freed_memory`] sets
//! both thresholds so that blocks of up to 32 MiB stay in the process for reuse (the memory a
//! step needs is held at its peak, which is what the next step needs again). Elsewhere (other
//! C libraries, other systems) it does nothing.

/// Largest block that glibc's allocator serves from its heap instead of a fresh mapping: its
/// maximum (32 MiB on 64-bit).
#[cfg(all(feature = "flex", target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD_BYTES: libc::c_int = 32 << 20;

/// Tells glibc's allocator to keep freed blocks of up to 32 MiB for reuse instead of returning
/// them to the kernel (see the module documentation). Process-wide and idempotent;
/// [`crate::on_compute_threads`] calls it.
pub fn keep_freed_memory() {
    #[cfg(all(feature = "flex", target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes the allocator's tuning parameters; both are valid values.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
        libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX);
    }
}
