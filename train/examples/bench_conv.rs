//! Per-operation convolution timings on the flex CPU backend: where a training step's time
//! goes, layer shape by layer shape. For each 3x3 convolution shape of the CPU-sized ResNets
//! (`resnet10-narrow` on 28x28, the tutorial ResNet-18 on 32x32: stages at 8x8 down to 1x1) it times, as medians of
//! repeated runs, the forward pass, the gradient of the input (`conv_transpose` in burn) and
//! the gradient of the weights (a convolution with batch and channels swapped in burn), and
//! prints one JSON line per shape:
//! `{"bench":"conv3x3","n":..,"c_in":..,"c_out":..,"hw":..,"stride":..,"forward_ms":..,
//!   "input_grad_ms":..,"weight_grad_ms":..}`.
//! The gradient times are (forward + backward) - forward. The convolution is the models' own
//! (`kernels::conv::conv2d`, our im2col + GEMM kernels on flex); `--burn-conv` times
//! burn's flex kernels instead (`"conv_kernels"` in the output says which).
//! `scripts/bench_conv.py` measures the same in PyTorch; `scripts/bench-conv-vs-pytorch.sh`
//! runs both and prints the ratios.
//!
//! `cargo run -p train --example bench_conv [-- --burn-conv]`

use std::time::Instant;

use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::ops::ConvOptions;
use kernels::conv::{conv2d, use_flex_kernels};

/// (batch, input channels, output channels, input side, stride): `resnet10-narrow`'s 3x3
/// convolutions on 28x28 inputs, then every 3x3 shape of the tutorial ResNet-18 on 32x32 inputs
/// (ImageNet stem: stages at 8x8, 4x4, 2x2 and 1x1).
const SHAPES: [(usize, usize, usize, usize, usize); 11] = [
    (128, 16, 16, 28, 1),
    (128, 16, 32, 28, 2),
    (128, 32, 32, 14, 1),
    (128, 64, 64, 7, 1),
    (128, 64, 64, 8, 1),
    (128, 64, 128, 8, 2),
    (128, 128, 128, 4, 1),
    (128, 128, 256, 4, 2),
    (128, 256, 256, 2, 1),
    (128, 256, 512, 2, 2),
    (128, 512, 512, 1, 1),
];

/// Median wall time of `runs` calls of `f`, in milliseconds (after one warm-up call).
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    // On rayon's threads, as `train` and `infer` run.
    kernels::on_compute_threads(run)
}

/// The whole bench, on the calling thread.
fn run() {
    let burn_conv = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--burn-conv") => true,
        Some(other) => {
            eprintln!("error: unknown argument {other:?} (usage: bench_conv [--burn-conv])");
            std::process::exit(2);
        }
    };
    use_flex_kernels(!burn_conv);
    let kernels = if burn_conv { "burn" } else { "ours" };
    let device = Device::flex();
    for (n, c_in, c_out, side, stride) in SHAPES {
        let options = || ConvOptions::new([stride, stride], [1, 1], [1, 1], 1);
        let x = Tensor::<4>::random([n, c_in, side, side], Distribution::Default, &device);
        let w = Tensor::<4>::random([c_out, c_in, 3, 3], Distribution::Default, &device);
        let runs = 5;
        let forward_ms = median_ms(runs, || {
            let y = conv2d(x.clone(), w.clone(), None, options());
            let _ = y.slice([0..1, 0..1, 0..1, 0..1]).into_scalar::<f32>();
        });
        // Forward + backward with the gradient of one operand only; the forward is subtracted.
        let backward_ms = |x_grad: bool, w_grad: bool| {
            let total = median_ms(runs, || {
                let xa = x.clone().autodiff();
                let wa = w.clone().autodiff();
                let xa = if x_grad { xa.require_grad() } else { xa };
                let wa = if w_grad { wa.require_grad() } else { wa };
                let grads = conv2d(xa.clone(), wa.clone(), None, options())
                    .sum()
                    .backward();
                let g = if x_grad {
                    xa.grad(&grads)
                } else {
                    wa.grad(&grads)
                };
                let _ = g
                    .expect("gradient")
                    .slice([0..1, 0..1, 0..1, 0..1])
                    .into_scalar::<f32>();
            });
            (total - forward_ms).max(0.0)
        };
        let input_grad_ms = backward_ms(true, false);
        let weight_grad_ms = backward_ms(false, true);
        println!(
            "{{\"bench\":\"conv3x3\",\"backend\":\"flex\",\"conv_kernels\":\"{kernels}\",\"n\":{n},\"c_in\":{c_in},\"c_out\":{c_out},\"hw\":{side},\"stride\":{stride},\"forward_ms\":{forward_ms:.3},\"input_grad_ms\":{input_grad_ms:.3},\"weight_grad_ms\":{weight_grad_ms:.3}}}"
        );
    }
}
