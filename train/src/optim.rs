//! Optimizer and learning-rate schedule of a [`TrainConfig`]: SGD is ours ([`FusedSgd`], one
//! pass per parameter on flex), Adam/AdamW and the schedules are burn-optim's.
//!
//! Defaults follow PyTorch, so that the tutorials' recipes reproduce: SGD's momentum has no
//! dampening (burn's `MomentumConfig` defaults to 0.1) and Adam/AdamW take ε = 1e-8 (burn's
//! default is 1e-5, which matters for the small gradients of sigmoid networks).

use burn::optim::decay::WeightDecayConfig;
use burn::optim::lr_scheduler::LrSchedulerConfig;
use burn::optim::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::optim::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::optim::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::optim::lr_scheduler::sequential::SequentialLrSchedulerConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer};

use crate::config::{OptimizerKind, SchedulerKind, TrainConfig};
use crate::sgd::FusedSgd;

/// PyTorch's default ε of Adam and AdamW.
const PYTORCH_ADAM_EPSILON: f32 = 1e-8;

/// The optimizer of `config`.
pub fn optimizer(config: &TrainConfig) -> ModuleOptimizer {
    let decay =
        (config.weight_decay > 0.0).then(|| WeightDecayConfig::new(config.weight_decay as f32));
    match config.optimizer {
        OptimizerKind::Sgd => {
            FusedSgd::new(config.momentum, config.nesterov, config.weight_decay).into()
        }
        OptimizerKind::Adam => AdamConfig::new()
            .with_epsilon(PYTORCH_ADAM_EPSILON)
            .with_weight_decay(decay)
            .init(),
        OptimizerKind::Adamw => AdamWConfig::new()
            .with_epsilon(PYTORCH_ADAM_EPSILON)
            .with_weight_decay(config.weight_decay as f32)
            .init(),
    }
}

/// The learning-rate schedule of `config` over `iterations_per_epoch · epochs` steps.
pub fn scheduler(
    config: &TrainConfig,
    iterations_per_epoch: usize,
) -> Result<ModuleLrScheduler, String> {
    let total = (iterations_per_epoch * config.epochs).max(1);
    let lr = config.lr;
    match config.scheduler {
        SchedulerKind::Constant => Ok(lr.into()),
        SchedulerKind::Step => SequentialLrSchedulerConfig::new(
            vec![
                LrSchedulerConfig::Constant(lr),
                LrSchedulerConfig::Constant(lr / 10.0),
                LrSchedulerConfig::Constant(lr / 100.0),
            ],
            vec![(total / 2).max(1), (total * 3 / 4).max(2)],
        )
        .init(),
        SchedulerKind::Cosine => CosineAnnealingLrSchedulerConfig::new(lr, total).init(),
        SchedulerKind::Onecycle => {
            let warmup = (total * 3 / 10).max(1);
            if warmup >= total {
                return CosineAnnealingLrSchedulerConfig::new(lr, total).init();
            }
            SequentialLrSchedulerConfig::new(
                vec![
                    LrSchedulerConfig::Linear(LinearLrSchedulerConfig::new(lr / 25.0, lr, warmup)),
                    LrSchedulerConfig::Cosine(CosineAnnealingLrSchedulerConfig::new(
                        lr,
                        total - warmup,
                    )),
                ],
                vec![warmup],
            )
            .init()
        }
    }
}
