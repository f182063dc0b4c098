//! Our flex kernels against burn's own ops. Convolution (`kernels::conv`) against
//! `conv2d`: outputs and the gradients of input, weight and bias, over strides, paddings (also
//! asymmetric), dilations and kernel sizes, including batches split into several chunks and
//! maps smaller than the kernel (the dense form), small enough for masked copies, or 3x3 "same"
//! ones by Winograd. Max
//! pooling against `max_pool2d`, training-mode batch norm against burn's `BatchNorm` (output,
//! gradients, running statistics), and the fused SGD step against burn's tensor ops, bit for
//! bit.

use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::ops::ConvOptions;
use kernels::conv::conv2d;

/// One convolution case: input `[n, c, h, w]`, `co` output channels, kernel `k`, options.
struct Case {
    x: [usize; 4],
    co: usize,
    k: [usize; 2],
    stride: [usize; 2],
    padding: [(usize, usize); 2],
    dilation: [usize; 2],
    bias: bool,
}

/// `(input, Co, kernel, stride, padding, dilation, bias)` as a [`Case`].
const fn case(
    x: [usize; 4],
    co: usize,
    k: [usize; 2],
    stride: [usize; 2],
    padding: [(usize, usize); 2],
    dilation: [usize; 2],
    bias: bool,
) -> Case {
    Case {
        x,
        co,
        k,
        stride,
        padding,
        dilation,
        bias,
    }
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // LeNet-5's two layers; at batch 16 the first one is split into one group of images per
    // thread, each unfolded in several chunks, with per-group weight-gradient sums.
    case([16, 1, 32, 32], 6, [5, 5], [1, 1], [(0, 0); 2], [1, 1], true),
    case([8, 6, 14, 14], 16, [5, 5], [1, 1], [(0, 0); 2], [1, 1], true),
    // ResNet: 3x3 pad 1, 3x3 stride 2, 1x1 stride 2 shortcut, 7x7 stride 2 pad 3 stem.
    case([4, 8, 9, 9], 8, [3, 3], [1, 1], [(1, 1); 2], [1, 1], false),
    case([4, 8, 9, 10], 16, [3, 3], [2, 2], [(1, 1); 2], [1, 1], false),
    case([4, 8, 9, 9], 16, [1, 1], [2, 2], [(0, 0); 2], [1, 1], false),
    case([2, 3, 23, 21], 4, [7, 7], [2, 2], [(3, 3); 2], [1, 1], true),
    // Asymmetric padding, non-square kernel and stride, dilation, padding wider than the kernel.
    case([3, 2, 7, 11], 5, [2, 3], [1, 2], [(0, 1), (2, 1)], [1, 1], true),
    case([3, 4, 12, 12], 3, [3, 3], [1, 1], [(2, 2); 2], [2, 2], true),
    case([2, 2, 5, 5], 2, [3, 3], [3, 3], [(4, 4); 2], [1, 1], true),
    // Few input channels with padding: symmetric, asymmetric, wider than the kernel.
    case([4, 1, 12, 12], 3, [3, 3], [1, 1], [(1, 1); 2], [1, 1], true),
    case([3, 3, 9, 11], 4, [5, 3], [1, 1], [(2, 1), (0, 2)], [1, 1], false),
    case([2, 2, 4, 5], 3, [3, 3], [1, 1], [(3, 0), (1, 4)], [1, 1], true),
    // Maps smaller than the kernel, batch >= 8: the dense form (kernels::dense_conv). ResNet-18's
    // 3x3 on 2x2, 3x3 stride 2 from 2x2 to 1x1, 3x3 on 1x1; then asymmetric padding with a
    // non-square kernel and stride, dilation, and padding so wide that some outputs see nothing.
    case([8, 16, 2, 2], 24, [3, 3], [1, 1], [(1, 1); 2], [1, 1], true),
    case([9, 8, 2, 2], 16, [3, 3], [2, 2], [(1, 1); 2], [1, 1], false),
    case([10, 32, 1, 1], 16, [3, 3], [1, 1], [(1, 1); 2], [1, 1], true),
    case([8, 3, 3, 4], 5, [5, 3], [1, 2], [(2, 1), (0, 2)], [1, 1], true),
    case([8, 2, 2, 3], 3, [3, 3], [1, 1], [(2, 2); 2], [2, 2], false),
    case([8, 2, 2, 2], 3, [3, 3], [1, 1], [(3, 3); 2], [1, 1], true),
    // Small "same" maps, by masked shifted copies: ResNet-18's 3x3 on 8x8 and 4x4 (also at
    // batch 1), then asymmetric padding with a non-square kernel, padding that adds output rows,
    // dilation.
    case([4, 8, 8, 8], 8, [3, 3], [1, 1], [(1, 1); 2], [1, 1], true),
    case([8, 16, 4, 4], 12, [3, 3], [1, 1], [(1, 1); 2], [1, 1], false),
    case([1, 8, 4, 4], 8, [3, 3], [1, 1], [(1, 1); 2], [1, 1], true),
    case([3, 4, 5, 6], 5, [3, 5], [1, 1], [(2, 0), (2, 2)], [1, 1], true),
    // 3x3 "same" with 64 channels or more and 16 images or more by Winograd (kernels::winograd):
    // odd sizes (partial tiles), a group that fills only part of its last block of vector
    // lanes, and several chunks per thread, the last one with fewer images than lanes.
    case([16, 64, 7, 5], 64, [3, 3], [1, 1], [(1, 1); 2], [1, 1], true),
    case([17, 64, 4, 4], 72, [3, 3], [1, 1], [(1, 1); 2], [1, 1], false),
    case([36, 64, 8, 8], 64, [3, 3], [1, 1], [(1, 1); 2], [1, 1], false),
    // ... and below Winograd's batch: im2col.
    case([3, 64, 4, 4], 64, [3, 3], [1, 1], [(1, 1); 2], [1, 1], true),
    // Big enough to be split into several chunks of images (more than 16 MiB of patches).
    case([9, 64, 32, 32], 8, [3, 3], [1, 1], [(1, 1); 2], [1, 1], true),
];

/// The case's random input, weight, bias and output-gradient probe, as plain data.
fn inputs(case: &Case) -> [Option<TensorData>; 4] {
    let device = Device::flex();
    let [n, c, _, _] = case.x;
    let normal = Distribution::Normal(0.0, 1.0);
    let weight = Tensor::<4>::random([case.co, c, case.k[0], case.k[1]], normal, &device);
    let options = ConvOptions::new_with_padding(case.stride, case.padding, case.dilation, 1);
    let x = Tensor::<4>::random(case.x, normal, &device);
    let out_dims = burn::tensor::module::conv2d(x.clone(), weight.clone(), None, options).dims();
    assert_eq!(out_dims[0], n);
    [
        Some(x.into_data()),
        Some(weight.into_data()),
        case.bias
            .then(|| Tensor::<1>::random([case.co], normal, &device).into_data()),
        Some(Tensor::<4>::random(out_dims, normal, &device).into_data()),
    ]
}

/// Output and `[x, weight]`, bias gradients of `Σ out ⊙ probe`, with our kernels or burn's.
fn run(
    case: &Case,
    data: &[Option<TensorData>; 4],
    ours: bool,
) -> (Tensor<4>, [Tensor<4>; 2], Option<Tensor<1>>) {
    let device = Device::flex().autodiff();
    let [x, weight, bias, probe] = data;
    let x = Tensor::<4>::from_data(x.clone().unwrap(), &device).require_grad();
    let weight = Tensor::<4>::from_data(weight.clone().unwrap(), &device).require_grad();
    let bias = bias
        .clone()
        .map(|b| Tensor::<1>::from_data(b, &device).require_grad());
    let probe = Tensor::<4>::from_data(probe.clone().unwrap(), &device);
    let options = ConvOptions::new_with_padding(case.stride, case.padding, case.dilation, 1);
    let out = if ours {
        conv2d(x.clone(), weight.clone(), bias.clone(), options)
    } else {
        burn::tensor::module::conv2d(x.clone(), weight.clone(), bias.clone(), options)
    };
    let grads = (out.clone() * probe).sum().backward();
    let grad_x = x.grad(&grads).expect("x gradient");
    let grad_w = weight.grad(&grads).expect("weight gradient");
    let grad_b = bias.map(|b| b.grad(&grads).expect("bias gradient"));
    (out.inner(), [grad_x, grad_w], grad_b)
}

fn assert_close<const D: usize>(what: &str, ours: Tensor<D>, burn: Tensor<D>) {
    assert_close_within(what, ours, burn, 1e-4);
}

/// `ours` and `burn` agree within `tolerance` times the larger of 1 and burn's largest value.
fn assert_close_within<const D: usize>(
    what: &str,
    ours: Tensor<D>,
    burn: Tensor<D>,
    tolerance: f32,
) {
    assert_eq!(ours.dims(), burn.dims(), "{what}: shape");
    let scale = burn.clone().abs().max().into_scalar::<f32>().max(1.0);
    let diff = (ours - burn).abs().max().into_scalar::<f32>();
    assert!(
        diff <= tolerance * scale,
        "{what}: max |ours - burn| = {diff} (scale {scale})"
    );
}

#[test]
fn forward_and_gradients_match_burn() {
    for (index, case) in CASES.iter().enumerate() {
        let data = inputs(case);
        let (out, [gx, gw], gb) = run(case, &data, true);
        let (out_ref, [gx_ref, gw_ref], gb_ref) = run(case, &data, false);
        assert_close(&format!("case {index} output"), out, out_ref);
        assert_close(&format!("case {index} input grad"), gx, gx_ref);
        assert_close(&format!("case {index} weight grad"), gw, gw_ref);
        if let (Some(gb), Some(gb_ref)) = (gb, gb_ref) {
            assert_close(&format!("case {index} bias grad"), gb, gb_ref);
        }
    }
}

#[test]
fn inference_without_autodiff_matches_burn() {
    let device = Device::flex();
    let x = Tensor::<4>::random([3, 4, 10, 10], Distribution::Normal(0.0, 1.0), &device);
    let w = Tensor::<4>::random([5, 4, 3, 3], Distribution::Normal(0.0, 1.0), &device);
    let b = Tensor::<1>::random([5], Distribution::Normal(0.0, 1.0), &device);
    let options = ConvOptions::new([2, 1], [1, 0], [1, 1], 1);
    let ours = conv2d(x.clone(), w.clone(), Some(b.clone()), options.clone());
    let burn = burn::tensor::module::conv2d(x, w, Some(b), options);
    assert_close("no-autodiff output", ours, burn);
}

#[test]
fn grouped_convolution_falls_back_to_burn() {
    let device = Device::flex();
    let x = Tensor::<4>::random([2, 4, 6, 6], Distribution::Normal(0.0, 1.0), &device);
    let w = Tensor::<4>::random([6, 2, 3, 3], Distribution::Normal(0.0, 1.0), &device);
    let options = ConvOptions::new([1, 1], [1, 1], [1, 1], 2);
    let ours = conv2d(x.clone(), w.clone(), None, options.clone());
    let burn = burn::tensor::module::conv2d(x, w, None, options);
    assert_close("grouped output", ours, burn);
}

/// Our max pooling (`kernels::max_pool`) against burn's: output and input gradient.
#[test]
fn max_pool_matches_burn() {
    use burn::tensor::module::max_pool2d as burn_max_pool2d;
    use burn::tensor::ops::MaxPoolOptions;
    use kernels::max_pool::max_pool2d;
    // (input, kernel, stride, padding): LeNet's 2x2 (also on odd sizes), ResNet's 3x3/2 pad 1,
    // others.
    type Window = [usize; 2];
    let cases: [([usize; 4], Window, Window, Window); 5] = [
        ([4, 6, 28, 28], [2, 2], [2, 2], [0, 0]),
        ([2, 3, 5, 7], [2, 2], [2, 2], [0, 0]),
        ([2, 8, 16, 15], [3, 3], [2, 2], [1, 1]),
        ([3, 2, 7, 9], [2, 3], [1, 2], [1, 0]),
        ([1, 3, 5, 5], [5, 5], [5, 5], [2, 2]),
    ];
    for (index, (shape, kernel, stride, padding)) in cases.into_iter().enumerate() {
        let device = Device::flex().autodiff();
        let data = Tensor::<4>::random(shape, Distribution::Normal(0.0, 1.0), &device).into_data();
        let grads_of = |ours: bool| {
            let x = Tensor::<4>::from_data(data.clone(), &device).require_grad();
            let out = if ours {
                max_pool2d(x.clone(), kernel, stride, padding)
            } else {
                let options = MaxPoolOptions::new(kernel)
                    .with_stride(stride)
                    .with_padding(padding);
                burn_max_pool2d(x.clone(), options)
            };
            // A probe that differs per output pixel, so that misrouted gradients show.
            let probe = Tensor::<1, Int>::arange(0..out.shape().num_elements() as i64, &device)
                .float()
                .reshape(out.dims());
            let grads = (out.clone() * probe).sum().backward();
            (out.inner(), x.grad(&grads).expect("input gradient"))
        };
        let (out, grad) = grads_of(true);
        let (out_ref, grad_ref) = grads_of(false);
        assert_close(&format!("pool case {index} output"), out, out_ref);
        assert_close(&format!("pool case {index} input grad"), grad, grad_ref);
    }
}

#[test]
fn max_pool_module_forward_with_kernels_matches_forward() {
    use burn::nn::PaddingConfig2d;
    use burn::nn::pool::MaxPool2dConfig;
    use kernels::max_pool::MaxPool2dForward;
    let device = Device::flex();
    let x = Tensor::<4>::random([2, 3, 9, 8], Distribution::Normal(0.0, 1.0), &device);
    // ResNet's stem pool (our kernel), then ceil mode and asymmetric padding (burn's).
    let pools = [
        MaxPool2dConfig::new([3, 3])
            .with_strides([2, 2])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)),
        MaxPool2dConfig::new([2, 2]).with_ceil_mode(true),
        MaxPool2dConfig::new([3, 2]).with_padding(PaddingConfig2d::Explicit(1, 0, 0, 1)),
    ];
    for (index, config) in pools.into_iter().enumerate() {
        let pool = config.init();
        let ours = pool.forward_with_kernels(x.clone());
        assert_eq!(ours.dims(), pool.forward(x.clone()).dims());
        assert_close(
            &format!("pool module {index}"),
            ours,
            pool.forward(x.clone()),
        );
    }
}

#[test]
fn batch_norm_training_matches_burn() {
    use burn::module::Param;
    use burn::nn::{BatchNorm, BatchNormConfig};
    use burn::tensor::activation::relu;
    use kernels::batch_norm::BatchNormForward;
    /// What follows the batch norm: nothing, a ReLU (`forward_relu_with_kernels`), or a residual and a
    /// ReLU (`forward_add_relu_with_kernels`), each against burn's `BatchNorm` and ops.
    #[derive(Clone, Copy, Debug)]
    enum Then {
        Nothing,
        Relu,
        AddRelu,
    }
    let device = Device::flex().autodiff();
    // 4-D maps, 1x1 maps (ResNet's last stage), a 3-D sequence batch, values far from zero.
    fn check<const D: usize>(shape: [usize; D], mean: f64, then: Then, device: &Device) {
        let channels = shape[1];
        let x_data =
            Tensor::<D>::random(shape, Distribution::Normal(mean, 2.0), device).into_data();
        let residual_data =
            Tensor::<D>::random(shape, Distribution::Normal(0.0, 1.0), device).into_data();
        let probe = Tensor::<D>::random(shape, Distribution::Normal(0.0, 1.0), device);
        let gamma = Tensor::<1>::random([channels], Distribution::Normal(1.0, 0.5), device);
        let beta = Tensor::<1>::random([channels], Distribution::Normal(0.0, 0.5), device);
        let layer = || {
            let mut bn: BatchNorm = BatchNormConfig::new(channels).init(device);
            bn.gamma = Param::from_tensor(gamma.clone().detach().require_grad());
            bn.beta = Param::from_tensor(beta.clone().detach().require_grad());
            bn
        };
        // The two sides round differently, so a ReLU may pass a value within rounding of zero on
        // one side and stop it on the other. The probe is zero there: no gradient flows from
        // such values on either side (far from zero, x itself is only exact to about 3e-5).
        let probe = {
            let x = Tensor::<D>::from_data(x_data.clone(), device);
            let r = Tensor::<D>::from_data(residual_data.clone(), device);
            let pre = match then {
                Then::AddRelu => layer().forward(x) + r,
                _ => layer().forward(x),
            };
            probe * pre.abs().greater_elem(1e-3).float()
        };
        let (ours, burns) = (layer(), layer());
        // Two steps, so that the running statistics are blended twice.
        for step in 0..2 {
            let what = |name: &str| format!("batch norm {shape:?} {then:?} step {step} {name}");
            let run = |bn: &BatchNorm, fast: bool| {
                let x = Tensor::<D>::from_data(x_data.clone(), device).require_grad();
                let r = Tensor::<D>::from_data(residual_data.clone(), device).require_grad();
                let y = match (then, fast) {
                    (Then::Nothing, true) => bn.forward_with_kernels(x.clone()),
                    (Then::Nothing, false) => bn.forward(x.clone()),
                    (Then::Relu, true) => bn.forward_relu_with_kernels(x.clone()),
                    (Then::Relu, false) => relu(bn.forward(x.clone())),
                    (Then::AddRelu, true) => bn.forward_add_relu_with_kernels(x.clone(), r.clone()),
                    (Then::AddRelu, false) => relu(bn.forward(x.clone()) + r.clone()),
                };
                let grads = (y.clone() * probe.clone()).sum().backward();
                let grad = |t: Tensor<1>| t.grad(&grads).expect("parameter gradient");
                let residual_grad = r.grad(&grads);
                (
                    [y.inner(), x.grad(&grads).expect("x gradient")],
                    [grad(bn.gamma.val()), grad(bn.beta.val())],
                    residual_grad,
                )
            };
            let ([y, gx], [gg, gb], gr) = run(&ours, true);
            let ([y_ref, gx_ref], [gg_ref, gb_ref], gr_ref) = run(&burns, false);
            assert_close(&what("output"), y, y_ref);
            assert_close(&what("input grad"), gx, gx_ref);
            // γ's gradient sums x̂ over a channel. Far from zero, x̂ is only exact to about
            // 1.5e-5 on either side (the rounding of x itself), and that error adds up.
            let gamma_tolerance = if mean.abs() > 100.0 { 1e-3 } else { 1e-4 };
            assert_close_within(&what("gamma grad"), gg, gg_ref, gamma_tolerance);
            assert_close(&what("beta grad"), gb, gb_ref);
            assert_eq!(gr.is_some(), gr_ref.is_some(), "{}", what("residual grad"));
            if let (Some(gr), Some(gr_ref)) = (gr, gr_ref) {
                assert_close(&what("residual grad"), gr, gr_ref);
            }
            let mean = |bn: &BatchNorm| bn.running_mean.value().inner();
            let var = |bn: &BatchNorm| bn.running_var.value().inner();
            assert_close(&what("running mean"), mean(&ours), mean(&burns));
            assert_close(&what("running var"), var(&ours), var(&burns));
        }
    }
    for then in [Then::Nothing, Then::Relu, Then::AddRelu] {
        check([8, 6, 5, 4], 0.5, then, &device);
        check([16, 12, 1, 1], 0.5, then, &device);
        check([4, 3, 7], 0.5, then, &device);
        // Far from zero: the variance must not cancel.
        check([8, 4, 6, 6], 500.0, then, &device);
    }
}

#[test]
fn batch_norm_evaluation_matches_burn() {
    use burn::module::{Param, RunningState};
    use burn::nn::{BatchNorm, BatchNormConfig};
    use kernels::batch_norm::BatchNormForward;
    let device = Device::flex();
    for shape in [[6, 5, 4, 3], [9, 7, 1, 1]] {
        let channels = shape[1];
        let positive = Distribution::Uniform(0.5, 2.0);
        let mut bn: BatchNorm = BatchNormConfig::new(channels).init(&device);
        bn.gamma = Param::from_tensor(Tensor::random([channels], positive, &device));
        bn.beta = Param::from_tensor(Tensor::random([channels], Distribution::Default, &device));
        bn.running_mean =
            RunningState::new(Tensor::random([channels], Distribution::Default, &device));
        bn.running_var = RunningState::new(Tensor::random([channels], positive, &device));
        let x = Tensor::<4>::random(shape, Distribution::Normal(0.0, 2.0), &device);
        let ours = bn.forward_with_kernels(x.clone());
        let reference = bn.forward(x.clone());
        assert_close(&format!("evaluation batch norm {shape:?}"), ours, reference);
        let ours = bn.forward_relu_with_kernels(x.clone());
        let reference = burn::tensor::activation::relu(bn.forward(x));
        assert_close(
            &format!("evaluation batch norm + ReLU {shape:?}"),
            ours,
            reference,
        );
    }
}

#[test]
fn sgd_step_matches_burns_tensor_ops() {
    use kernels::sgd::sgd_step_reference;
    use kernels::sgd::{MomentumCoefficients, SgdCoefficients, sgd_step};
    let device = Device::flex();
    let momentum = |momentum, dampening, nesterov| {
        Some(MomentumCoefficients {
            momentum,
            dampening,
            nesterov,
        })
    };
    let settings = [
        (None, None),
        (Some(0.01), None),
        (None, momentum(0.9, 0.0, false)),
        (Some(5e-4), momentum(0.9, 0.1, false)),
        (Some(5e-4), momentum(0.8, 0.0, true)),
        (Some(5e-4), momentum(0.8, 0.3, true)),
    ];
    // Small (one thread); large, split into uneven chunks; a transposed (strided) view.
    let params: [(Tensor<2>, &str); 3] = [
        (
            Tensor::random([3, 5], Distribution::Default, &device),
            "3x5",
        ),
        (
            Tensor::random([7, 10_001], Distribution::Default, &device),
            "7x10001",
        ),
        (
            Tensor::random([40, 30], Distribution::Default, &device).transpose(),
            "transposed 30x40",
        ),
    ];
    for (weight_decay, momentum) in settings {
        let coefficients = SgdCoefficients {
            weight_decay,
            momentum,
        };
        for (param, name) in &params {
            let (mut ours, mut reference) = ((param.clone(), None), (param.clone(), None));
            for step in 0..3 {
                let grad = Tensor::random(param.shape(), Distribution::Default, &device);
                let lr = 0.1 / (step + 1) as f64;
                ours = sgd_step(&coefficients, lr, ours.0, grad.clone(), ours.1);
                reference = sgd_step_reference(&coefficients, lr, reference.0, grad, reference.1);
                let what = format!("{coefficients:?}, {name}, step {step}");
                let bits = |t: &Tensor<2>| t.to_data().try_into_vec::<f32>().unwrap();
                assert_eq!(bits(&ours.0), bits(&reference.0), "parameter: {what}");
                assert_eq!(
                    ours.1.as_ref().map(bits),
                    reference.1.as_ref().map(bits),
                    "velocity: {what}"
                );
                assert_ne!(bits(&ours.0), bits(param), "the step moved nothing: {what}");
            }
        }
    }
}

#[test]
fn winograd_applies_to_wide_small_same_convolutions_of_batches_only() {
    use kernels::im2col::ConvGeometry;
    use kernels::winograd::suits_winograd;
    let geometry = |x: [usize; 4], co: usize, k: usize, stride: usize, padding: usize| {
        let padding = [(padding, padding); 2];
        ConvGeometry::new(x, [co, x[1], k, k], [stride; 2], padding, [1, 1]).unwrap()
    };
    // ResNet-18 on 32x32: the 3x3 "same" layers on 8x8 and 4x4 maps.
    assert!(suits_winograd(&geometry([128, 64, 8, 8], 64, 3, 1, 1)));
    assert!(suits_winograd(&geometry([128, 128, 4, 4], 128, 3, 1, 1)));
    // Few channels, large maps, stride 2, other kernels and paddings.
    assert!(!suits_winograd(&geometry([128, 32, 8, 8], 32, 3, 1, 1)));
    assert!(!suits_winograd(&geometry([128, 64, 32, 32], 64, 3, 1, 1)));
    assert!(!suits_winograd(&geometry([128, 64, 8, 8], 128, 3, 2, 1)));
    assert!(!suits_winograd(&geometry([128, 64, 8, 8], 64, 5, 1, 2)));
    assert!(!suits_winograd(&geometry([128, 64, 8, 8], 64, 3, 1, 0)));
    // Batch-1 inference and batches that fill few vector lanes.
    assert!(!suits_winograd(&geometry([1, 64, 8, 8], 64, 3, 1, 1)));
    assert!(!suits_winograd(&geometry([8, 64, 8, 8], 64, 3, 1, 1)));
}
