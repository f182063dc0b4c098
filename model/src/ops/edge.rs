//! Learning a kernel from data (d2l 7.2.4): an image `X` (6x8 ones with a black vertical band
//! in columns 2..6) and its edges `Y = corr2d(X, [[1, −1]])` — +1 where white turns black,
//! −1 where black turns white. Starting from a random 1x2 kernel and bias, plain gradient
//! descent on the squared error recovers the edge detector `[1, −1]` (and a bias near 0).

use burn::prelude::*;
use burn::tensor::Distribution;

use super::corr2d::corr2d;

/// The tutorial's image: `[6, 8]` ones with columns 2, 3, 4, 5 set to zero.
pub fn edge_image(device: &Device) -> Tensor<2> {
    let row: Vec<f32> = (0..8)
        .map(|j| if (2..6).contains(&j) { 0.0 } else { 1.0 })
        .collect();
    let pixels: Vec<f32> = (0..6).flat_map(|_| row.clone()).collect();
    Tensor::from_data(TensorData::new(pixels, [6, 8]), device)
}

/// The hand-made edge detector `[[1, −1]]`.
pub fn edge_kernel(device: &Device) -> Tensor<2> {
    Tensor::from_data([[1.0, -1.0]], device)
}

/// Learns a 1x2 kernel and a bias by gradient descent (learning rate `lr`, `steps` steps)
/// on `loss = Σ (corr2d(X, K) + b − Y)²`, from a random start drawn with `seed` (uniform in
/// ±1/√2, PyTorch's default for a layer with fan-in 2). `device` must not be an autodiff
/// device; gradients are taken on its autodiff counterpart.
///
/// Returns the learned kernel `[1, 2]` and the loss before each step.
pub fn learn_edge_kernel(
    device: &Device,
    seed: u64,
    steps: usize,
    lr: f64,
) -> (TensorData, Vec<f32>) {
    device.seed(seed);
    let x = edge_image(device);
    let y = corr2d(x.clone(), edge_kernel(device));
    let bound = 1.0 / 2f64.sqrt();
    let mut kernel = Tensor::<2>::random([1, 2], Distribution::Uniform(-bound, bound), device);
    let mut bias = Tensor::<1>::random([1], Distribution::Uniform(-bound, bound), device);
    let mut losses = Vec::with_capacity(steps);
    for _ in 0..steps {
        let k = kernel.clone().autodiff().require_grad();
        let b = bias.clone().autodiff().require_grad();
        let y_hat = corr2d(x.clone().autodiff(), k.clone()) + b.clone().reshape([1, 1]);
        let loss = (y_hat - y.clone().autodiff()).powi_scalar(2).sum();
        losses.push(loss.clone().into_scalar::<f32>());
        let grads = loss.backward();
        let grad_k = k.grad(&grads).expect("kernel requires grad");
        let grad_b = b.grad(&grads).expect("bias requires grad");
        kernel = kernel - grad_k * lr;
        bias = bias - grad_b * lr;
    }
    (kernel.into_data(), losses)
}
