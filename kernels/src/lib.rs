//! Our CPU kernels for burn's flex backend, and the process set-up they run best under.
//!
//! The models (crate `model`) call these entry points instead of burn's layers; each is the
//! same operation as burn's (tested against it in `tests/against_burn.rs`), through our kernels
//! when the tensors live on flex (with or without autodiff) and burn's own op on every other
//! backend (wgpu, CUDA, ndarray):
//!
//! - [`conv`]: 2-D convolution, forward and backward, as im2col + GEMM ([`im2col`]), Winograd
//!   F(2x2, 3x3) for ResNet's and VGG's 3x3 layers ([`winograd`]), or one dense product for
//!   maps smaller than the kernel ([`dense_conv`]);
//! - [`batch_norm`]: batch normalization with a following ReLU (and residual add) folded in;
//! - [`max_pool`]: 2-D max pooling;
//! - [`sgd`]: one SGD step (weight decay, momentum, Nesterov) as one pass per parameter, used by
//!   `train`'s optimizer;
//! - [`threads`] and [`allocator`]: running a program's CPU work on rayon's pool and keeping
//!   freed tensor memory in the process ([`on_compute_threads`] does both; `train` and `infer`
//!   wrap their work in it).
//!
//! The kernels plug in through burn's backend-extension API. The `flex` feature (on by default)
//! compiles them; without it every entry point is burn's op and the crate depends on `burn`
//! alone.

pub mod allocator;
pub mod batch_norm;
pub mod conv;
#[cfg(feature = "flex")]
pub mod dense_conv;
#[cfg(feature = "flex")]
mod gemm;
#[cfg(feature = "flex")]
pub mod im2col;
pub mod max_pool;
#[cfg(feature = "flex")]
pub mod panels;
#[cfg(feature = "flex")]
pub mod prepared;
pub mod sgd;
#[cfg(feature = "flex")]
#[macro_use]
mod simd;
pub mod threads;
#[cfg(feature = "flex")]
pub mod winograd;

pub use threads::{is_compute_thread, on_compute_threads};
