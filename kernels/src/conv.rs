//! The models' 2-D convolution: our GEMM kernels on the flex CPU backend (im2col,
//! [`crate::im2col`], or for maps smaller than the kernel one dense product,
//! [`crate::dense_conv`]), burn's own `conv2d` everywhere else (wgpu, CUDA, ndarray).
//!
//! burn's flex backend has a fast forward convolution, but its backward pass is burn's generic
//! one: the weight gradient is a convolution whose kernel is the whole output map, the input
//! gradient a transposed convolution. Both are slow for the small layers of these networks
//! (LeNet's 6→16 channels at 10x10, ResNet's 64–512 at 4x4–32x32). The kernels here plug in
//! through burn's backend-extension API: a [`ConvKernels`] trait implemented for `Flex`, and for
//! `Autodiff<Flex>` with a hand-written backward node, so training on flex gets both halves.
//!
//! Every model calls [`conv2d`] or [`Conv2dForward::forward_with_kernels`] instead of burn's
//! `Conv2d::forward`; the result is the same (tested against burn's op) on every backend.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::ops::ConvOptions;
use std::sync::atomic::{AtomicBool, Ordering};

/// `x [N, C, H, W]` convolved with `weight [Co, C/groups, KH, KW]` plus `bias [Co]`:
/// `[N, Co, OH, OW]`, exactly as `burn::tensor::module::conv2d`, through our kernels when the
/// tensors live on the flex backend (with or without autodiff).
pub fn conv2d(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    options: ConvOptions<2>,
) -> Tensor<4> {
    #[cfg(feature = "flex")]
    if options.groups == 1 && takes_flex_path(&x) {
        return flex::conv2d(x, weight, bias, options);
    }
    burn::tensor::module::conv2d(x, weight, bias, options)
}

/// [`Conv2d::forward`] through [`conv2d`]: same padding rules, same result.
pub trait Conv2dForward {
    /// `x [N, C, H, W]` → `[N, Co, OH, OW]`.
    fn forward_with_kernels(&self, x: Tensor<4>) -> Tensor<4>;
}

impl Conv2dForward for Conv2d {
    fn forward_with_kernels(&self, x: Tensor<4>) -> Tensor<4> {
        // `Same` padding depends on the input size by burn-internal rules: leave it to burn.
        let (top, left, bottom, right) = match self.padding {
            PaddingConfig2d::Valid => (0, 0, 0, 0),
            PaddingConfig2d::Explicit(top, left, bottom, right) => (top, left, bottom, right),
            PaddingConfig2d::Same => return self.forward(x),
        };
        let options = ConvOptions::new_with_padding(
            self.stride,
            [(top, bottom), (left, right)],
            self.dilation,
            self.groups,
        );
        conv2d(
            x,
            self.weight.val(),
            self.bias.as_ref().map(|bias| bias.val()),
            options,
        )
    }
}

#[cfg(feature = "flex")]
pub use flex::{ConvKernels, ConvKernelsBackward};

/// Whether [`conv2d`] may use our flex kernels; see [`use_flex_kernels`].
static FLEX_KERNELS: AtomicBool = AtomicBool::new(true);

/// Turns our flex kernels on (the default) or off, process-wide; off, [`conv2d`] is burn's.
/// For side-by-side benchmarks. Without the `flex` feature there is nothing to turn on.
pub fn use_flex_kernels(enabled: bool) {
    FLEX_KERNELS.store(enabled, Ordering::Relaxed);
}

/// Whether our flex kernels are on ([`use_flex_kernels`]).
pub fn flex_kernels_enabled() -> bool {
    FLEX_KERNELS.load(Ordering::Relaxed)
}

/// Whether an op on `x` goes to our flex kernels: they are on, and `x` is a float32 tensor on
/// the flex backend (with or without autodiff). Each op adds its own shape conditions.
#[cfg(feature = "flex")]
pub(crate) fn takes_flex_path<const D: usize>(x: &Tensor<D>) -> bool {
    use burn::backend::DispatchDevice;
    flex_kernels_enabled()
        && x.dtype() == burn::tensor::DType::F32
        && matches!(
            x.device().as_dispatch().clone().inner(),
            DispatchDevice::Flex(_)
        )
}

#[cfg(feature = "flex")]
pub(super) mod flex {
    use crate::dense_conv::{
        conv2d_backward_dense, conv2d_forward_dense, conv2d_forward_dense_transposed,
        dense_matrix_transposed, dense_shape, suits_dense,
    };
    use crate::im2col::{ConvGeometry, conv2d_backward, conv2d_forward, conv2d_forward_panels};
    use crate::panels::panels;
    use crate::prepared::{Form, prepared};

    /// Most output pixels in all (`N·OH·OW`) for which the forward pass multiplies from the
    /// weights' panels; past it the GEMM crate is faster, its packing paid back.
    const PANEL_MAX_COLUMNS: usize = 16;
    use crate::winograd::{
        conv2d_forward_winograd, conv2d_forward_winograd_transformed, conv2d_input_grad_winograd,
        conv2d_weight_grad_winograd, suits_winograd, winograd_weights,
    };
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
    use burn::backend::autodiff::{Autodiff, NodeId};
    use burn::backend::flex::FlexTensor;
    use burn::backend::ops::ModuleOps;
    use burn::backend::{
        Backend, Dispatch, Flex, TensorMetadata, backend_extension, tensor::FloatTensor,
    };
    use burn::prelude::*;
    use burn::tensor::DType;
    use burn::tensor::ops::ConvOptions;

    pub(super) fn conv2d(
        x: Tensor<4>,
        weight: Tensor<4>,
        bias: Option<Tensor<1>>,
        options: ConvOptions<2>,
    ) -> Tensor<4> {
        let (x, weight) = (x.into_dispatch(), weight.into_dispatch());
        Tensor::from_dispatch(match bias {
            Some(bias) => <Dispatch as ConvKernels>::conv2d_im2col_bias(
                x,
                weight,
                bias.into_dispatch(),
                options,
            ),
            None => <Dispatch as ConvKernels>::conv2d_im2col(x, weight, options),
        })
    }

    /// Forward convolution through our kernels (backend extension, flex and its autodiff).
    #[backend_extension(Flex, Autodiff)]
    pub trait ConvKernels: Backend {
        /// `x [N, C, H, W]`, `weight [Co, C, KH, KW]` → `[N, Co, OH, OW]`.
        fn conv2d_im2col(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            options: ConvOptions<2>,
        ) -> FloatTensor<Self>;

        /// `x [N, C, H, W]`, `weight [Co, C, KH, KW]`, `bias [Co]` → `[N, Co, OH, OW]`.
        fn conv2d_im2col_bias(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            bias: FloatTensor<Self>,
            options: ConvOptions<2>,
        ) -> FloatTensor<Self>;
    }

    /// What the autodiff implementation of [`ConvKernels`] runs on the inner backend: the
    /// forward pass with weights that change between calls, and the gradients.
    pub trait ConvKernelsBackward: Backend {
        /// `x [N, C, H, W]`, `weight [Co, C, KH, KW]`, `bias [Co]` → `[N, Co, OH, OW]`, with
        /// the weights read as they are (training: never kept in [`crate::prepared`]).
        fn conv2d_im2col_training(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            bias: Option<FloatTensor<Self>>,
            options: ConvOptions<2>,
        ) -> FloatTensor<Self>;

        /// From `grad [N, Co, OH, OW]`: the gradients of `x`, `weight` and the bias, each only
        /// where `want = [x, weight, bias]` asks.
        #[allow(clippy::type_complexity)]
        fn conv2d_im2col_backward(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            grad: FloatTensor<Self>,
            options: ConvOptions<2>,
            want: [bool; 3],
        ) -> [Option<FloatTensor<Self>>; 3];
    }

    /// The geometry of a convolution our kernels handle: float32, ungrouped, consistent shapes.
    fn geometry(
        x: &FlexTensor,
        weight: &FlexTensor,
        options: &ConvOptions<2>,
    ) -> Option<ConvGeometry> {
        if options.groups != 1 || x.dtype() != DType::F32 || weight.dtype() != DType::F32 {
            return None;
        }
        let dims = |t: &FlexTensor| (t.shape().num_dims() == 4).then(|| t.shape().dims::<4>());
        ConvGeometry::new(
            dims(x)?,
            dims(weight)?,
            options.stride,
            options.padding,
            options.dilation,
        )
    }

    /// The tensor's elements in row-major order (copied only when it is a strided view).
    pub(crate) fn values(t: &FlexTensor) -> FlexTensor {
        t.to_contiguous()
    }

    /// The elements of a contiguous float32 tensor ([`values`]).
    pub(crate) fn slice(t: &FlexTensor) -> &[f32] {
        t.as_slice::<f32>()
            .expect("flex kernels: contiguous float32 tensor")
    }

    /// A flex tensor of `values` in row-major order.
    pub(crate) fn tensor(values: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
        FlexTensor::from_data(TensorData::new(values, shape))
    }

    /// Where a forward pass's weights come from.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Weights {
        /// Evaluation mode: the model's parameters, the same on every call, read in the form
        /// each kernel prefers, prepared once ([`crate::prepared`]).
        Constant,
        /// Training: new on every step, read as they are.
        Varying,
    }

    /// Forward pass on flex: our kernel, or burn's for what it does not handle.
    fn flex_forward(
        x: FlexTensor,
        weight: FlexTensor,
        bias: Option<FlexTensor>,
        options: ConvOptions<2>,
        weights: Weights,
    ) -> FlexTensor {
        let Some(g) = geometry(&x, &weight, &options) else {
            return Flex::conv2d(x, weight, bias, options);
        };
        let x = values(&x);
        let bias = bias.as_ref().map(values);
        let shape = [g.batch, g.channels_out, g.out[0], g.out[1]];
        if weights == Weights::Constant
            && let Some(out) = forward_prepared(slice(&x), &weight, bias.as_ref().map(slice), &g)
        {
            return tensor(out, shape);
        }
        let weight = values(&weight);
        let forward = if suits_dense(&g) {
            conv2d_forward_dense
        } else if suits_winograd(&g) {
            conv2d_forward_winograd
        } else {
            conv2d_forward
        };
        let out = forward(slice(&x), slice(&weight), bias.as_ref().map(slice), &g);
        tensor(out, shape)
    }

    /// The forward pass from the weights' prepared form: `Dᵀ` for maps smaller than the
    /// kernel, Winograd's `U` where Winograd suits, the weights' panels for few output pixels.
    /// `None` otherwise (the GEMM crate's packing pays back) and when the weights cannot be
    /// kept (a view into a larger buffer).
    fn forward_prepared(
        x: &[f32],
        weight: &FlexTensor,
        bias: Option<&[f32]>,
        g: &ConvGeometry,
    ) -> Option<Vec<f32>> {
        // Dᵀ where it holds fewer floats than the weights (a 1x1 output), the panels of the
        // weights otherwise.
        let dense_smaller = g.out_plane() * g.in_plane() < g.kernel[0] * g.kernel[1];
        Some(if dense_shape(g) && dense_smaller {
            let form = Form::DenseTransposed(ConvGeometry { batch: 0, ..*g });
            let dense_t = prepared(weight, form, |w| dense_matrix_transposed(w, g))?;
            conv2d_forward_dense_transposed(x, &dense_t, bias, g)
        } else if suits_winograd(g) {
            let u = prepared(weight, Form::Winograd, |w| winograd_weights(w, g))?;
            conv2d_forward_winograd_transformed(x, &u, bias, g)
        } else if g.batch * g.out_plane() <= PANEL_MAX_COLUMNS {
            let co = g.channels_out;
            let weight_panels = prepared(weight, Form::Panels, |w| panels(w, co))?;
            conv2d_forward_panels(x, &weight_panels, bias, g)
        } else {
            return None;
        })
    }

    impl ConvKernels for Flex {
        fn conv2d_im2col(x: FlexTensor, weight: FlexTensor, options: ConvOptions<2>) -> FlexTensor {
            flex_forward(x, weight, None, options, Weights::Constant)
        }

        fn conv2d_im2col_bias(
            x: FlexTensor,
            weight: FlexTensor,
            bias: FlexTensor,
            options: ConvOptions<2>,
        ) -> FlexTensor {
            flex_forward(x, weight, Some(bias), options, Weights::Constant)
        }
    }

    impl ConvKernelsBackward for Flex {
        fn conv2d_im2col_training(
            x: FlexTensor,
            weight: FlexTensor,
            bias: Option<FlexTensor>,
            options: ConvOptions<2>,
        ) -> FlexTensor {
            flex_forward(x, weight, bias, options, Weights::Varying)
        }

        fn conv2d_im2col_backward(
            x: FlexTensor,
            weight: FlexTensor,
            grad: FlexTensor,
            options: ConvOptions<2>,
            want: [bool; 3],
        ) -> [Option<FlexTensor>; 3] {
            let Some(g) = geometry(&x, &weight, &options) else {
                let [want_x, want_w, want_b] = want;
                return [
                    want_x.then(|| {
                        Flex::conv2d_x_backward(
                            x.clone(),
                            weight.clone(),
                            grad.clone(),
                            options.clone(),
                        )
                    }),
                    want_w.then(|| {
                        Flex::conv2d_weight_backward(
                            x.clone(),
                            weight.clone(),
                            grad.clone(),
                            options.clone(),
                        )
                    }),
                    want_b.then(|| {
                        let channels = weight.shape().dims::<4>()[0];
                        let bias = FlexTensor::zeros([channels].into(), DType::F32);
                        Flex::conv2d_bias_backward(x.clone(), bias, grad.clone())
                    }),
                ];
            };
            let (x, weight, grad) = (values(&x), values(&weight), values(&grad));
            let (x, weight, grad) = (slice(&x), slice(&weight), slice(&grad));
            let grads = if suits_dense(&g) {
                conv2d_backward_dense(x, weight, grad, &g, want)
            } else if suits_winograd(&g) {
                // The input and weight gradients by Winograd, the bias gradient by im2col's
                // kernel (a sum over the output gradient).
                let [want_x, want_w, want_b] = want;
                let mut grads = conv2d_backward(x, weight, grad, &g, [false, false, want_b]);
                grads.x = want_x.then(|| conv2d_input_grad_winograd(grad, weight, &g));
                grads.weight = want_w.then(|| conv2d_weight_grad_winograd(x, grad, &g));
                grads
            } else {
                conv2d_backward(x, weight, grad, &g, want)
            };
            let [kh, kw] = g.kernel;
            let [h, w] = g.input;
            [
                grads.x.map(|v| tensor(v, [g.batch, g.channels_in, h, w])),
                grads
                    .weight
                    .map(|v| tensor(v, [g.channels_out, g.channels_in, kh, kw])),
                grads.bias.map(|v| tensor(v, [g.channels_out])),
            ]
        }
    }

    /// The autodiff node of [`ConvKernels::conv2d_im2col`]; `PARENTS` is 3 with a bias, 2
    /// without.
    #[derive(Debug)]
    struct ConvIm2colBackward<const PARENTS: usize>;

    impl<B: ConvKernelsBackward, const PARENTS: usize> Backward<B, PARENTS>
        for ConvIm2colBackward<PARENTS>
    {
        type State = (NodeId, NodeId, ConvOptions<2>);

        fn backward(
            self,
            ops: Ops<Self::State, PARENTS>,
            grads: &mut Gradients,
            checkpointer: &mut Checkpointer,
        ) {
            let grad = grads.consume::<B>(&ops.node);
            let (x_state, weight_state, options) = ops.state;
            let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x_state);
            let weight = checkpointer.retrieve_node_output::<FloatTensor<B>>(weight_state);
            let want = core::array::from_fn(|i| ops.parents.get(i).is_some_and(Option::is_some));
            let computed = B::conv2d_im2col_backward(x, weight, grad, options, want);
            for (parent, tensor) in ops.parents.iter().zip(computed) {
                if let (Some(node), Some(tensor)) = (parent, tensor) {
                    grads.register::<B>(node.id, tensor);
                }
            }
        }
    }

    /// Records a convolution of `inputs = [x, weight]` or `[x, weight, bias]` on the autodiff
    /// graph, with `forward` computing it on the inner backend.
    fn record<B: ConvKernelsBackward, C: CheckpointStrategy, const PARENTS: usize>(
        inputs: [FloatTensor<Autodiff<B, C>>; PARENTS],
        options: ConvOptions<2>,
        forward: impl FnOnce([FloatTensor<B>; PARENTS]) -> FloatTensor<B>,
    ) -> FloatTensor<Autodiff<B, C>> {
        let nodes = inputs.each_ref().map(|input| input.node());
        match ConvIm2colBackward::<PARENTS>
            .prepare::<C>(nodes)
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let state = (
                    prep.checkpoint(&inputs[0]),
                    prep.checkpoint(&inputs[1]),
                    options,
                );
                prep.finish(state, forward(inputs.map(|input| input.into_primitive())))
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(forward(inputs.map(|input| input.into_primitive())))
            }
        }
    }

    impl<B: ConvKernels + ConvKernelsBackward, C: CheckpointStrategy> ConvKernels for Autodiff<B, C> {
        fn conv2d_im2col(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            options: ConvOptions<2>,
        ) -> FloatTensor<Self> {
            record::<B, C, 2>([x, weight], options.clone(), |[x, weight]| {
                B::conv2d_im2col_training(x, weight, None, options)
            })
        }

        fn conv2d_im2col_bias(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            bias: FloatTensor<Self>,
            options: ConvOptions<2>,
        ) -> FloatTensor<Self> {
            record::<B, C, 3>([x, weight, bias], options.clone(), |[x, weight, bias]| {
                B::conv2d_im2col_training(x, weight, Some(bias), options)
            })
        }
    }
}
