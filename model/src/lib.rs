//! CNN architectures of the classic course — LeNet and its variants, AlexNet, VGG,
//! GoogLeNet/Inception, ResNet — as plain burn modules, plus the tutorial's operations written
//! from scratch ([`ops`]), a torchsummary-style [`summary`] and a name registry ([`zoo`]).
//!
//! burn 0.22 has no `Backend` type parameter: a model is one concrete type and the backend is
//! a runtime [`Device`](burn::prelude::Device). So every model here runs on every backend
//! compiled into the final binary (flex and ndarray on the CPU, wgpu and CUDA on GPUs).
//!
//! The `flex` feature (on by default) compiles burn's flex CPU backend and our own kernels for
//! it (the [`kernels`] crate, re-exported here): convolution, batch norm and max pooling,
//! forward and backward, plugged in through burn's backend-extension API. Every model calls
//! them (`forward_with_kernels`); on other backends they are burn's ops. With
//! `default-features = false` the crate depends on `burn` alone.
//!
//! ```
//! use burn::prelude::*;
//! use model::lenet::LeNetConfig;
//!
//! let device = Device::flex(); // or Device::wgpu(..), Device::cuda(0), ...
//! let lenet = LeNetConfig::lenet5().init(&device);
//! let logits = lenet.forward(Tensor::zeros([8, 1, 32, 32], &device));
//! assert_eq!(logits.dims(), [8, 10]);
//! ```
//!
//! Every architecture has a `#[derive(Config)]` configuration with `init(&device)` and a
//! `forward(images: Tensor<4> [N, C, H, W]) -> Tensor<2> [N, classes]` returning logits
//! ([`lenet_fullyconv::LeNetFullyConv`] returns a class map `[N, classes, h, w]`).
//! Parameter counts ([`params::trainable_params`]) match PyTorch's.

pub mod alexnet;
pub mod fc_residual_block;
pub mod googlenet;
pub mod inception;
pub mod init;
pub mod layers;
pub mod lenet;
pub mod lenet_fullyconv;
pub mod lenet_res;
pub mod ops;
pub mod params;
pub mod resnet;
pub mod resnet_block;
pub mod summary;
pub mod trace;
pub mod vgg;
pub mod zoo;

pub use kernels;
pub use params::trainable_params;
pub use summary::{Summary, summarize};
pub use trace::{Trace, TracedForward};
pub use zoo::{ModelConfig, Network, UnknownModel, ZOO};
