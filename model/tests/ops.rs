//! The tutorial operations against the tutorials' numbers, and against burn's own layers on
//! random inputs (within 1e-5).

use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::{AvgPool2dConfig, MaxPool2dConfig};
use burn::nn::{BatchNormConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::{Distribution, Tolerance};
use model::ops::*;
use model::trainable_params;

fn device() -> Device {
    Device::flex()
}

fn arange<const D: usize>(n: usize, shape: [usize; D]) -> Tensor<D> {
    Tensor::<1, Int>::arange(0..n as i64, &device())
        .float()
        .reshape(shape)
}

fn assert_close<const D: usize>(actual: Tensor<D>, expected: Tensor<D>) {
    actual
        .into_data()
        .assert_approx_eq::<f32>(&expected.into_data(), Tolerance::absolute(1e-5));
}

fn k() -> Tensor<2> {
    Tensor::from_data([[0.0, 1.0], [2.0, 3.0]], &device())
}

#[test]
fn corr2d_of_the_tutorial() {
    let y = corr2d(arange(9, [3, 3]), k());
    y.into_data()
        .assert_eq(&TensorData::from([[19.0f32, 25.0], [37.0, 43.0]]), false);
}

#[test]
fn multiple_input_and_output_channels() {
    let d = device();
    let x = Tensor::<3>::from_data(
        [
            [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
            [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
        ],
        &d,
    );
    let kernel = Tensor::<3>::from_data([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]], &d);
    corr2d_multi_in(x.clone(), kernel.clone())
        .into_data()
        .assert_eq(&TensorData::from([[56.0f32, 72.0], [104.0, 120.0]]), false);

    let kernels = Tensor::stack::<4>(vec![kernel.clone(), kernel.clone() + 1.0, kernel + 2.0], 0);
    assert_eq!(kernels.dims(), [3, 2, 2, 2]);
    corr2d_multi_in_out(x, kernels).into_data().assert_eq(
        &TensorData::from([
            [[56.0f32, 72.0], [104.0, 120.0]],
            [[76.0, 100.0], [148.0, 172.0]],
            [[96.0, 128.0], [192.0, 224.0]],
        ]),
        false,
    );
}

#[test]
fn one_by_one_convolution_is_a_matrix_product() {
    let d = device();
    let x = Tensor::<3>::random([3, 3, 3], Distribution::Normal(0.0, 1.0), &d);
    let kernel = Tensor::<4>::random([2, 3, 1, 1], Distribution::Normal(0.0, 1.0), &d);
    assert_close(
        corr2d_multi_in_out_1x1(x.clone(), kernel.clone()),
        corr2d_multi_in_out(x, kernel),
    );
}

#[test]
fn stride_and_padding_of_the_tutorial() {
    let x = arange(16, [4, 4]);
    corr2d_with(x.clone(), k(), ConvSpec::default().with_stride([2, 2]))
        .into_data()
        .assert_eq(&TensorData::from([[24.0f32, 36.0], [72.0, 84.0]]), false);
    corr2d_with(x, k(), ConvSpec::default().with_padding([1, 1]))
        .into_data()
        .assert_eq(
            &TensorData::from([
                [0.0f32, 3.0, 8.0, 13.0, 6.0],
                [12.0, 24.0, 30.0, 36.0, 14.0],
                [28.0, 48.0, 54.0, 60.0, 22.0],
                [44.0, 72.0, 78.0, 84.0, 30.0],
                [12.0, 13.0, 14.0, 15.0, 0.0],
            ]),
            false,
        );
}

#[test]
fn pooling_of_the_tutorial() {
    let x = arange(9, [3, 3]);
    pool2d(x.clone(), [2, 2], PoolMode::Max)
        .into_data()
        .assert_eq(&TensorData::from([[4.0f32, 5.0], [7.0, 8.0]]), false);
    pool2d(x, [2, 2], PoolMode::Mean)
        .into_data()
        .assert_eq(&TensorData::from([[2.0f32, 3.0], [5.0, 6.0]]), false);
}

#[test]
fn conv_arithmetic_of_the_tutorial() {
    let d = device();
    // conv 3->10, 3x3, padding 1 on 3x32x32.
    assert_eq!(conv2d_params(3, 10, [3, 3], 1, true), 280);
    assert_eq!(out_dim(32, 3, 1, 1, 1), 32);
    let conv1 = Conv2dConfig::new([3, 10], [3, 3])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init(&d);
    assert_eq!(trainable_params(&conv1), 280);
    let y = conv1.forward(Tensor::zeros([1, 3, 32, 32], &d));
    assert_eq!(y.dims(), [1, 10, 32, 32]);
    // then 10->20, 6x6, stride 2: 7,220 parameters, 20x14x14.
    assert_eq!(conv2d_params(10, 20, [6, 6], 1, true), 7_220);
    assert_eq!(out_dim(32, 6, 0, 2, 1), 14);
    let conv2 = Conv2dConfig::new([10, 20], [6, 6])
        .with_stride([2, 2])
        .init(&d);
    assert_eq!(trainable_params(&conv2), 7_220);
    let y = conv2.forward(y);
    assert_eq!(y.dims(), [1, 20, 14, 14]);
    // max-pool 2 -> 20x7x7.
    assert_eq!(out_dim(14, 2, 0, 2, 1), 7);
    assert_eq!(
        MaxPool2dConfig::new([2, 2]).init().forward(y).dims(),
        [1, 20, 7, 7]
    );
    // 10 kernels 5x5 on 3 channels.
    assert_eq!(conv2d_params(3, 10, [5, 5], 1, true), 760);
    assert_eq!(linear_params(400, 120, true), 48_120);
    // A kernel larger than the input gives no output.
    assert_eq!(out_dim(3, 5, 0, 1, 1), 0);
}

#[test]
fn conv2d_equals_burns_conv2d() {
    let d = device();
    let cases = [
        // (c_in, c_out, kernel, stride, padding, dilation, bias)
        (1, 1, [2, 2], [1, 1], [0, 0], [1, 1], false),
        (3, 8, [3, 3], [1, 1], [1, 1], [1, 1], true),
        (4, 6, [5, 3], [2, 1], [2, 0], [1, 1], true),
        (2, 5, [3, 3], [2, 2], [1, 2], [2, 2], true),
        (6, 4, [1, 1], [3, 3], [0, 0], [1, 1], false),
    ];
    for (c_in, c_out, kernel, stride, padding, dilation, bias) in cases {
        let layer = Conv2dConfig::new([c_in, c_out], kernel)
            .with_stride(stride)
            .with_padding(PaddingConfig2d::Explicit(
                padding[0], padding[1], padding[0], padding[1],
            ))
            .with_dilation(dilation)
            .with_bias(bias)
            .init(&d);
        let x = Tensor::<4>::random([2, c_in, 11, 13], Distribution::Normal(0.0, 1.0), &d);
        let spec = ConvSpec {
            stride,
            padding,
            dilation,
        };
        let ours = conv2d(
            x.clone(),
            layer.weight.val(),
            layer.bias.as_ref().map(|b| b.val()),
            spec,
        );
        assert_close(ours, layer.forward(x));
    }
}

#[test]
fn pool2d_equals_burns_pools() {
    let d = device();
    let x = Tensor::<4>::random([2, 3, 9, 10], Distribution::Normal(0.0, 1.0), &d);
    for (window, stride, padding) in [
        ([2, 2], [2, 2], [0, 0]),
        ([3, 3], [2, 2], [1, 1]),
        ([3, 2], [1, 2], [1, 0]),
    ] {
        let spec = ConvSpec::default()
            .with_stride(stride)
            .with_padding(padding);
        let pad = PaddingConfig2d::Explicit(padding[0], padding[1], padding[0], padding[1]);
        let max = MaxPool2dConfig::new(window)
            .with_strides(stride)
            .with_padding(pad.clone())
            .init();
        assert_close(
            pool2d_nchw(x.clone(), window, spec, PoolMode::Max),
            max.forward(x.clone()),
        );
        let avg = AvgPool2dConfig::new(window)
            .with_strides(stride)
            .with_padding(pad)
            .init();
        assert_close(
            pool2d_nchw(x.clone(), window, spec, PoolMode::Mean),
            avg.forward(x.clone()),
        );
    }
}

#[test]
fn batch_norm_equals_burns_batch_norm_in_train_and_eval() {
    let plain = device();
    // burn's BatchNorm uses batch statistics only on an autodiff device (training).
    let train = plain.clone().autodiff();
    let layer = BatchNormConfig::new(4).init(&train);
    let gamma = Tensor::<1>::from_data([1.5, 0.5, 2.0, 1.0], &train);
    let beta = Tensor::<1>::from_data([0.1, -0.2, 0.0, 0.3], &train);
    let layer = burn::nn::BatchNorm {
        gamma: layer.gamma.map(|_| gamma.clone()),
        beta: layer.beta.map(|_| beta.clone()),
        ..layer
    };
    let mut state = BatchNormState::new(4, &train);
    for step in 0..3 {
        let x = Tensor::<4>::random([8, 4, 5, 5], Distribution::Normal(step as f64, 2.0), &train);
        let ours = batch_norm(x.clone(), gamma.clone(), beta.clone(), &mut state, true);
        assert_close(ours, layer.forward(x));
    }
    assert_close(state.running_mean.clone(), layer.running_mean.value_sync());
    assert_close(state.running_var.clone(), layer.running_var.value_sync());

    // Evaluation: the running statistics, on a plain device.
    let eval = layer.valid();
    let x = Tensor::<4>::random([3, 4, 6, 6], Distribution::Normal(1.0, 2.0), &plain);
    let mut state = BatchNormState {
        running_mean: state.running_mean.inner(),
        running_var: state.running_var.inner(),
        ..state
    };
    let ours = batch_norm(x.clone(), gamma.inner(), beta.inner(), &mut state, false);
    assert_close(ours, eval.forward(x));

    // Rank 2 (after a fully connected layer): statistics over the batch only.
    let x = Tensor::<2>::from_data([[1.0, 2.0], [3.0, 6.0]], &plain);
    let ones = Tensor::<1>::ones([2], &plain);
    let y = batch_norm(
        x,
        ones.clone(),
        ones.zeros_like(),
        &mut BatchNormState::new(2, &plain),
        true,
    );
    y.into_data().assert_approx_eq::<f32>(
        &TensorData::from([[-1.0f32, -1.0], [1.0, 1.0]]),
        Tolerance::absolute(1e-3),
    );
}

#[test]
fn edge_detector_kernel_is_learned_from_any_seed() {
    for seed in [0, 1, 7, 42, 1234] {
        let (kernel, losses) = learn_edge_kernel(&device(), seed, 50, 0.01);
        let kernel: Vec<f32> = kernel.try_into_vec::<f32>().unwrap();
        let err = ((kernel[0] - 1.0).powi(2) + (kernel[1] + 1.0).powi(2)).sqrt();
        assert!(
            err < 0.05,
            "seed {seed}: kernel {kernel:?}, |k - [1, -1]| = {err}"
        );
        assert!(
            losses.last().unwrap() < &losses[0],
            "seed {seed}: loss did not decrease"
        );
    }
}
