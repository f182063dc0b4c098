//! Evaluation-mode convolution (flex without autodiff), whose weights the kernels keep in a
//! prepared form (`kernels::prepared`): the same result as burn's `conv2d` on the first call
//! and on later calls served from the cache, for each form (weight panels for few output
//! pixels, `Dᵀ` for 1x1 outputs, Winograd's `U`); a new weight tensor, even one made from the
//! old one by an op that could have reused its buffer, is never served the old form; and the
//! forms of dropped weights do not pile up.

use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::ops::ConvOptions;
use kernels::conv::conv2d;
use kernels::prepared::prepared_count;

/// `x [n, c, h, w]`, `co` output channels, kernel `k x k`, stride, padding (each side).
type Case = ([usize; 4], usize, usize, usize, usize);

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Panels (N·OH·OW ≤ 16): ResNet-18's batch-1 layers on 4x4 and 2x2 maps, output channels
    // that fill no whole panel (20, 24), a 1x1 shortcut, batch 2 on a 2x2 map.
    ([1, 64, 8, 8], 128, 3, 2, 1),
    ([1, 32, 4, 4], 24, 3, 1, 1),
    ([1, 16, 4, 4], 20, 3, 2, 1),
    ([1, 16, 4, 4], 32, 1, 2, 0),
    ([2, 12, 2, 2], 20, 3, 1, 1),
    // Dᵀ (a 1x1 output): 3x3 on 1x1, 3x3 stride 2 from 2x2, at batch 1, 3 and 20.
    ([1, 32, 1, 1], 40, 3, 1, 1),
    ([3, 16, 2, 2], 24, 3, 2, 1),
    ([20, 8, 1, 1], 16, 3, 1, 1),
    // Winograd's U (3x3 "same", 64 channels or more, 16 images or more).
    ([16, 64, 4, 4], 64, 3, 1, 1),
    // Neither (the GEMM crate, weights as they are): many output pixels.
    ([1, 3, 32, 32], 8, 7, 2, 3),
];

fn options(stride: usize, padding: usize) -> ConvOptions<2> {
    ConvOptions::new([stride; 2], [padding; 2], [1, 1], 1)
}

/// `ours` within 1e-4 of `burn`, relative to the larger of 1 and burn's largest value.
fn assert_close(what: &str, ours: Tensor<4>, burn: Tensor<4>) {
    assert_eq!(ours.dims(), burn.dims(), "{what}: shape");
    let scale = burn.clone().abs().max().into_scalar::<f32>().max(1.0);
    let diff = (ours - burn).abs().max().into_scalar::<f32>();
    assert!(diff <= 1e-4 * scale, "{what}: max |ours - burn| = {diff}");
}

#[test]
fn prepared_forms_match_burn_on_first_and_cached_calls() {
    let device = Device::flex();
    let normal = Distribution::Normal(0.0, 1.0);
    for (index, &(shape, co, k, stride, padding)) in CASES.iter().enumerate() {
        let w = Tensor::<4>::random([co, shape[1], k, k], normal, &device);
        let b = Tensor::<1>::random([co], normal, &device);
        for call in 0..3 {
            // A new input each call; the weights are the same tensor.
            let x = Tensor::<4>::random(shape, normal, &device);
            let bias = (call % 2 == 0).then(|| b.clone());
            let opts = options(stride, padding);
            let ours = conv2d(x.clone(), w.clone(), bias.clone(), opts.clone());
            let burn = burn::tensor::module::conv2d(x, w.clone(), bias, opts);
            assert_close(&format!("case {index}, call {call}"), ours, burn);
        }
    }
}

#[test]
fn new_weights_are_never_served_an_old_form() {
    let device = Device::flex();
    let normal = Distribution::Normal(0.0, 1.0);
    // Each geometry takes a different prepared form: panels, Dᵀ, Winograd's U.
    for (shape, co, k, stride, padding) in [
        ([1, 16, 4, 4], 32, 3, 1, 1),
        ([1, 16, 1, 1], 32, 3, 1, 1),
        ([16, 64, 4, 4], 64, 3, 1, 1),
    ] {
        let x = Tensor::<4>::random(shape, normal, &device);
        let mut w = Tensor::<4>::random([co, shape[1], k, k], normal, &device);
        for step in 0..3 {
            let ours = conv2d(x.clone(), w.clone(), None, options(stride, padding));
            let burn =
                burn::tensor::module::conv2d(x.clone(), w.clone(), None, options(stride, padding));
            assert_close(&format!("{shape:?}, step {step}"), ours, burn);
            // Consumed by an op that may write in place into a buffer it holds alone (as an
            // optimizer's update may): the result must be a buffer of its own.
            w = w.mul_scalar(-0.5).add_scalar(0.25);
        }
    }
}

#[test]
fn forms_of_dropped_weights_do_not_pile_up() {
    let device = Device::flex();
    let normal = Distribution::Normal(0.0, 1.0);
    let x = Tensor::<4>::random([1, 8, 2, 2], normal, &device);
    for _ in 0..100 {
        let w = Tensor::<4>::random([16, 8, 3, 3], normal, &device);
        let out = conv2d(x.clone(), w, None, options(1, 1));
        assert_eq!(out.dims(), [1, 16, 2, 2]);
    }
    // Each call kept one form, and dropped the forms whose weights are gone; other tests of
    // this binary, running meanwhile, keep at most a few dozen.
    let kept = prepared_count();
    assert!(
        kept < 40,
        "{kept} forms kept after 100 dropped weight tensors"
    );
}
