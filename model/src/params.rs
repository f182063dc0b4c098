//! Counting trainable parameters the way PyTorch does.
//!
//! burn's `Module::num_params` also counts batch norm's running mean and variance, which are
//! buffers in PyTorch, not parameters (ResNet-18 with 10 classes: burn says 11,191,242,
//! PyTorch 11,181,642). [`trainable_params`] leaves them out; [`param_table`] gives the count
//! of every parameter tensor with its module path, which [`crate::summary`] groups by layer.

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;

/// One parameter tensor: its dotted path (`layer1.0.bn1.gamma`), the kind of the module that
/// owns it (`BatchNorm`), its element count and whether it is trained (false for running
/// statistics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamEntry {
    /// Dotted path of the tensor.
    pub path: String,
    /// Type name of the owning module (`Conv2d`, `Linear`, `BatchNorm`, ...).
    pub owner: String,
    /// Number of elements.
    pub count: usize,
    /// False for buffers such as batch norm's `running_mean` / `running_var`.
    pub trainable: bool,
}

/// Fields that burn stores as module state but PyTorch registers as buffers.
const BUFFER_FIELDS: [&str; 2] = ["running_mean", "running_var"];

#[derive(Default)]
struct Collector {
    /// One entry per entered module; `None` for enum variants, which are left out of paths
    /// (as burn-store's `skip_enum_variants` does), so `layer1.0.Basic.conv1` reads `layer1.0.conv1`.
    path: Vec<Option<String>>,
    owners: Vec<String>,
    entries: Vec<ParamEntry>,
}

impl ModuleVisitor for Collector {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        let is_variant = container_type.starts_with("Enum:");
        self.path.push((!is_variant).then(|| name.to_string()));
        self.owners.push(container_type.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
        self.owners.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let field = self.path.last().cloned().flatten().unwrap_or_default();
        // The owner is the innermost struct around the field (containers like Vec are skipped).
        let owner = self
            .owners
            .iter()
            .rev()
            .find_map(|t| t.strip_prefix("Struct:"))
            .unwrap_or("")
            .to_string();
        self.entries.push(ParamEntry {
            path: self
                .path
                .iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join("."),
            trainable: !(owner == "BatchNorm" && BUFFER_FIELDS.contains(&field.as_str())),
            owner,
            count: param.lazy_shape().num_elements(),
        });
    }
}

/// Every float tensor of `module` with its path, owner and size, in declaration order.
pub fn param_table<M: Module>(module: &M) -> Vec<ParamEntry> {
    let mut collector = Collector::default();
    module.visit(&mut collector);
    collector.entries
}

/// Trainable parameters: weights, biases and batch norm's γ/β, not running statistics.
/// This is the number PyTorch's `sum(p.numel() for p in model.parameters())` prints.
pub fn trainable_params<M: Module>(module: &M) -> usize {
    param_table(module)
        .iter()
        .filter(|e| e.trainable)
        .map(|e| e.count)
        .sum()
}
