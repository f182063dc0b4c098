//! The course's fully connected residual block: `relu(x + fc2(relu(fc1(x))))` on `[N, dim]`,
//! with 2·(dim² + dim) parameters — the idea of ResNet (He et al. 2016) without convolutions.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// Configuration of a [`FcResidualBlock`].
#[derive(Config, Debug)]
pub struct FcResidualBlockConfig {
    /// Feature dimension (input = output).
    pub dim: usize,
}

/// Fully connected residual block: `[N, dim]` -> `[N, dim]`.
#[derive(Module, Debug)]
pub struct FcResidualBlock {
    /// FC dim -> dim.
    pub fc1: Linear,
    /// FC dim -> dim.
    pub fc2: Linear,
}

impl FcResidualBlockConfig {
    /// Builds the block on `device`.
    pub fn init(&self, device: &Device) -> FcResidualBlock {
        FcResidualBlock {
            fc1: LinearConfig::new(self.dim, self.dim).init(device),
            fc2: LinearConfig::new(self.dim, self.dim).init(device),
        }
    }
}

impl FcResidualBlock {
    /// `relu(x + fc2(relu(fc1(x))))`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let y = self.fc2.forward(relu(self.fc1.forward(x.clone())));
        relu(x + y)
    }
}
