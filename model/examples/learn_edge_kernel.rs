//! d2l 7.2.4 "Learning a Kernel": recover the edge detector `[1, -1]` from an image and its
//! edges by gradient descent, printing the loss every 5 steps.
//!
//! `cargo run -p model --example learn_edge_kernel [-- SEED]`

use burn::prelude::*;
use model::ops::{corr2d, edge_image, edge_kernel, learn_edge_kernel};

fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let device = Device::flex();
    print_matrix("X", edge_image(&device));
    print_matrix(
        "Y = corr2d(X, [[1, -1]])",
        corr2d(edge_image(&device), edge_kernel(&device)),
    );
    let (kernel, losses) = learn_edge_kernel(&device, seed, 50, 0.01);
    for (step, loss) in losses.iter().enumerate().filter(|(i, _)| (i + 1) % 5 == 0) {
        println!("epoch {}, loss {loss:.3}", step + 1);
    }
    let k: Vec<f32> = kernel.try_into_vec().expect("f32 kernel");
    println!(
        "learned kernel: [{:.4}, {:.4}] (target [1, -1])",
        k[0], k[1]
    );
}

/// Prints a `[H, W]` tensor row by row.
fn print_matrix(name: &str, m: Tensor<2>) {
    let [_, w] = m.dims();
    let values: Vec<f32> = m.into_data().try_into_vec().expect("f32 matrix");
    println!("{name} =");
    for row in values.chunks(w) {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:>3}")).collect();
        println!("  [{}]", cells.join(" "));
    }
}
