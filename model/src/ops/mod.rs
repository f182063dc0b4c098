//! The convolution course's operations written from scratch on burn tensors (any backend),
//! following Dive into Deep Learning chapter 7: cross-correlation, channels, 1x1
//! convolution, padding and stride, pooling, batch normalization, and the arithmetic of
//! output sizes and parameter counts. Each is checked in the tests against burn's own layer.
//!
//! These are for learning; the models run on the fast kernels of the [`kernels`] crate.

pub mod arithmetic;
pub mod batch_norm;
pub mod corr2d;
pub mod edge;
pub mod pool2d;

pub use arithmetic::{conv2d_params, linear_params, out_dim};
pub use batch_norm::{BatchNormState, batch_norm};
pub use corr2d::{
    ConvSpec, conv2d, corr2d, corr2d_multi_in, corr2d_multi_in_out, corr2d_multi_in_out_1x1,
    corr2d_with,
};
pub use edge::{edge_image, edge_kernel, learn_edge_kernel};
pub use pool2d::{PoolMode, pool2d, pool2d_nchw};
