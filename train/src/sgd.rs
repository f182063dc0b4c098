//! SGD (weight decay, momentum, Nesterov) as a burn optimizer whose step is
//! [`kernels::sgd::sgd_step`]: one fused pass per parameter on the flex CPU backend, burn's
//! tensor ops elsewhere. The values are burn's `Sgd`'s (and PyTorch's `torch.optim.SGD`'s).
//!
//! Its per-parameter state is the velocity, recorded under the same names as burn's
//! `SgdState` (`{param}.momentum.velocity`), so checkpoints of either optimizer resume with
//! the other.

use burn::optim::{Optimizer, RecordState, StateSink, StateSource, join_path};
use burn::prelude::*;
use kernels::sgd::{MomentumCoefficients, SgdCoefficients, sgd_step};

/// The optimizer: its [`SgdCoefficients`]; the learning rate comes with each step.
#[derive(Clone, Debug)]
pub struct FusedSgd {
    /// Weight decay and momentum.
    pub coefficients: SgdCoefficients,
}

/// The state of one parameter `[same shape as the parameter]`: its velocity, with momentum.
#[derive(Clone, Debug)]
pub struct FusedSgdState<const D: usize> {
    /// The velocity after the last step; `None` without momentum.
    pub velocity: Option<Tensor<D>>,
}

impl FusedSgd {
    /// PyTorch's `torch.optim.SGD(momentum, nesterov, weight_decay)`, without dampening; a
    /// momentum or weight decay of 0 turns it off.
    pub fn new(momentum: f64, nesterov: bool, weight_decay: f64) -> Self {
        let coefficients = SgdCoefficients {
            weight_decay: (weight_decay > 0.0).then_some(weight_decay as f32),
            momentum: (momentum > 0.0).then_some(MomentumCoefficients {
                momentum: momentum as f32,
                dampening: 0.0,
                nesterov,
            }),
        };
        Self { coefficients }
    }
}

/// The record field of burn's `SgdState` that holds its `MomentumState`.
const MOMENTUM: &str = "momentum";
/// The tensor of burn's `MomentumState` that holds the velocity.
const VELOCITY: &str = "velocity";

impl<const D: usize> RecordState for FusedSgdState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        if let Some(velocity) = &self.velocity {
            let path = join_path(prefix, MOMENTUM);
            out.push_tensor(&path, VELOCITY, velocity.clone().into_data());
        }
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        let path = join_path(prefix, MOMENTUM);
        let velocity = src
            .take_tensor(&path, VELOCITY)
            .map(|data| Tensor::from_data(data, device));
        Some(Self { velocity })
    }
}

impl Optimizer for FusedSgd {
    type State<const D: usize> = FusedSgdState<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let velocity = state.and_then(|state| state.velocity);
        let (tensor, velocity) = sgd_step(&self.coefficients, lr, tensor, grad, velocity);
        (tensor, Some(FusedSgdState { velocity }))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        FusedSgdState {
            velocity: state.velocity.map(|velocity| velocity.to_device(device)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::momentum::MomentumConfig;
    use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
    use kernels::sgd::MomentumCoefficients;

    /// The layer's weight and bias, as plain values.
    fn values(layer: &Linear) -> Vec<f32> {
        let weight = layer
            .weight
            .val()
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        let bias = layer.bias.as_ref().unwrap().val().into_data();
        [weight, bias.try_into_vec::<f32>().unwrap()].concat()
    }

    /// `steps` SGD steps of `layer` on a fixed random regression, through `optim`.
    fn train(
        mut layer: Linear,
        optim: &mut ModuleOptimizer,
        steps: usize,
        device: &Device,
    ) -> Linear {
        for step in 0..steps {
            let x: Vec<f32> = (0..8 * 40)
                .map(|i| ((i * 7 + step * 13) as f32 * 0.37).sin())
                .collect();
            let x = Tensor::<2>::from_data(TensorData::new(x, [8, 40]), device);
            let loss = layer.forward(x).powi_scalar(2).mean();
            let grads = GradientsParams::from_grads(loss.backward(), &layer);
            layer = optim.step(0.05, layer, grads);
        }
        layer
    }

    /// burn's `Sgd` with the same settings as `coefficients`.
    fn burn_sgd(coefficients: &SgdCoefficients) -> ModuleOptimizer {
        let momentum = coefficients.momentum.map(|m| {
            MomentumConfig::new()
                .with_momentum(m.momentum as f64)
                .with_dampening(m.dampening)
                .with_nesterov(m.nesterov)
        });
        let decay = coefficients
            .weight_decay
            .map(burn::optim::decay::WeightDecayConfig::new);
        SgdConfig::new()
            .with_momentum(momentum)
            .with_weight_decay(decay)
            .init()
    }

    #[test]
    fn same_parameters_and_checkpoints_as_burns_sgd() {
        let device = Device::flex().autodiff();
        let coefficients = SgdCoefficients {
            weight_decay: Some(1e-3),
            momentum: Some(MomentumCoefficients {
                momentum: 0.9,
                dampening: 0.0,
                nesterov: true,
            }),
        };
        let start = LinearConfig::new(40, 3).init(&device);
        let mut ours: ModuleOptimizer = FusedSgd { coefficients }.into();
        let mut burns = burn_sgd(&coefficients);
        let (a, b) = (
            train(start.clone(), &mut ours, 3, &device),
            train(start.clone(), &mut burns, 3, &device),
        );
        assert_eq!(values(&a), values(&b), "after 3 steps");
        assert_ne!(values(&a), values(&start), "the steps moved nothing");

        // Each optimizer resumes from the other's state (the velocity, under the same names).
        let ours_from_burns: ModuleOptimizer = FusedSgd { coefficients }.into();
        let mut ours_from_burns = ours_from_burns.load_record(burns.to_record());
        let mut burns_from_ours = burn_sgd(&coefficients).load_record(ours.to_record());
        let reference = train(b.clone(), &mut burns, 2, &device);
        assert_eq!(
            values(&train(b.clone(), &mut ours_from_burns, 2, &device)),
            values(&reference),
            "ours, resumed from burn's state"
        );
        assert_eq!(
            values(&train(a, &mut burns_from_ours, 2, &device)),
            values(&reference),
            "burn's, resumed from ours"
        );
    }
}
