//! The course's fully connected residual block: `relu(x + fc2(relu(fc1(x))))` on `[N, dim]`,
//! with 2·(dim² + dim) parameters — the idea of ResNet (He et al. 2016) without convolutions.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// Configuration of a [`ResBlock`].
#[derive(Config, Debug)]
pub struct ResBlockConfig {
    /// Feature dimension (input = output).
    pub dim: usize,
}

/// Fully connected residual block: `[N, dim]` -> `[N, dim]`.
#[derive(Module, Debug)]
pub struct ResBlock {
    /// FC dim -> dim.
    pub fc1: Linear,
    /// FC dim -> dim.
    pub fc2: Linear,
}

impl ResBlockConfig {
    /// Builds the block on `device`.
    pub fn init(&self, device: &Device) -> ResBlock {
        ResBlock {
            fc1: LinearConfig::new(self.dim, self.dim).init(device),
            fc2: LinearConfig::new(self.dim, self.dim).init(device),
        }
    }
}

impl ResBlock {
    /// `relu(x + fc2(relu(fc1(x))))`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let y = self.fc2.forward(relu(self.fc1.forward(x.clone())));
        relu(x + y)
    }
}
