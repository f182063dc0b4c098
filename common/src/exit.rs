//! Ending the process once the work is done: [`finish`] flushes the standard streams and exits
//! with the given code.
//!
//! With a GPU backend compiled in (the `gpu` feature), it exits without running the C library's
//! exit handlers (`_exit`). NVIDIA's Vulkan driver tears itself down in those handlers, and
//! when a worker thread still holds the device at that moment (burn's Learner leaves such
//! threads behind), the process dies with SIGSEGV after a successful run — seen on an H100
//! (driver 580) at the end of every `train --backend wgpu` run, and reported upstream as
//! gfx-rs/wgpu#8365. Everything this workspace writes is complete before `finish` is called
//! (files are written to a temporary name and renamed), so skipping the handlers loses nothing.

use std::io::Write;

/// Flushes stdout and stderr, then ends the process with `code`.
pub fn finish(code: u8) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(all(feature = "gpu", unix))]
    // SAFETY: `_exit` only ends the process; the streams are flushed above and no file of ours
    // is left half-written.
    unsafe {
        libc::_exit(i32::from(code))
    }
    #[allow(unreachable_code)]
    std::process::exit(i32::from(code))
}
