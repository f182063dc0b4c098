//! A torchsummary-style table of any network: one row per layer with its output shape and
//! parameter count, then the totals and a memory estimate.
//!
//! ```text
//! Layer (type)                Output Shape         Param #
//! c1 (Conv2d)                 [1, 6, 28, 28]           156
//! ...
//! Total params: 61,706
//! ```
//! Parameter counts are PyTorch's (batch norm's running statistics are buffers, reported on
//! their own line). The shapes come from one forward pass on a zero input of batch size 1.

use std::fmt;

use burn::module::Module;
use burn::prelude::*;

use crate::params::param_table;
use crate::trace::{Trace, TracedForward};

/// One layer of a [`Summary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// Module path (`layer1.0.conv1`).
    pub path: String,
    /// Layer kind (`Conv2d`).
    pub kind: &'static str,
    /// Output shape for a batch of one.
    pub shape: Vec<usize>,
    /// Trainable parameters of this layer.
    pub params: usize,
}

/// The layer table of a network for one input shape.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Input shape `[1, C, H, W]`.
    pub input_shape: [usize; 4],
    /// Leaf layers in execution order.
    pub rows: Vec<SummaryRow>,
    /// Trainable parameters (weights, biases, batch-norm γ/β): PyTorch's count.
    pub trainable_params: usize,
    /// Non-trainable buffers (batch norm's running mean and variance).
    pub buffers: usize,
}

/// Float32 bytes to mebibytes.
fn mib(elements: usize) -> f64 {
    elements as f64 * 4.0 / (1024.0 * 1024.0)
}

impl Summary {
    /// Elements of every layer output for one image (what a forward pass keeps for backward).
    pub fn activation_elements(&self) -> usize {
        self.rows
            .iter()
            .map(|r| r.shape.iter().product::<usize>())
            .sum()
    }

    /// Estimated memory of one image's forward activations, in MiB (float32).
    pub fn activation_mib(&self) -> f64 {
        mib(self.activation_elements())
    }

    /// Memory of the parameters and buffers, in MiB (float32).
    pub fn params_mib(&self) -> f64 {
        mib(self.trainable_params + self.buffers)
    }
}

/// Runs `model` on a zero image of shape `[1, C, H, W]` (`input = [C, H, W]`) on `device` and
/// tabulates its layers. Use a device without autodiff, so that batch norm and dropout run in
/// evaluation mode.
pub fn summarize<M: Module + TracedForward>(
    model: &M,
    input: [usize; 3],
    device: &Device,
) -> Summary {
    let [c, h, w] = input;
    let mut trace = Trace::recording();
    let _ = model.forward_traced(Tensor::zeros([1, c, h, w], device), &mut trace);
    let entries = param_table(model);
    let rows = trace
        .into_rows()
        .into_iter()
        .map(|row| {
            let prefix = format!("{}.", row.path);
            let params = entries
                .iter()
                .filter(|e| e.trainable && e.path.starts_with(&prefix))
                .map(|e| e.count)
                .sum();
            SummaryRow {
                path: row.path,
                kind: row.kind,
                shape: row.shape,
                params,
            }
        })
        .collect();
    Summary {
        input_shape: [1, c, h, w],
        rows,
        trainable_params: entries
            .iter()
            .filter(|e| e.trainable)
            .map(|e| e.count)
            .sum(),
        buffers: entries
            .iter()
            .filter(|e| !e.trainable)
            .map(|e| e.count)
            .sum(),
    }
}

/// `1234567` -> `"1,234,567"`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels: Vec<String> = self
            .rows
            .iter()
            .map(|r| format!("{} ({})", r.path, r.kind))
            .collect();
        let shapes: Vec<String> = self.rows.iter().map(|r| format!("{:?}", r.shape)).collect();
        let w0 = labels.iter().map(String::len).max().unwrap_or(0).max(12);
        let w1 = shapes.iter().map(String::len).max().unwrap_or(0).max(12);
        let width = w0 + w1 + 16;
        let rule = "-".repeat(width);
        writeln!(f, "{rule}")?;
        writeln!(
            f,
            "{:<w0$}  {:<w1$}  {:>12}",
            "Layer (type)", "Output Shape", "Param #"
        )?;
        writeln!(f, "{}", "=".repeat(width))?;
        for ((label, shape), row) in labels.iter().zip(&shapes).zip(&self.rows) {
            writeln!(
                f,
                "{label:<w0$}  {shape:<w1$}  {:>12}",
                thousands(row.params)
            )?;
        }
        writeln!(f, "{}", "=".repeat(width))?;
        writeln!(f, "Total params: {}", thousands(self.trainable_params))?;
        writeln!(f, "Trainable params: {}", thousands(self.trainable_params))?;
        writeln!(f, "Non-trainable params: 0")?;
        writeln!(
            f,
            "Buffers (batch-norm running statistics): {}",
            thousands(self.buffers)
        )?;
        writeln!(f, "{rule}")?;
        let input = mib(self.input_shape.iter().product());
        writeln!(f, "Input size (MB): {input:.2}")?;
        writeln!(
            f,
            "Forward pass activations (MB): {:.2}",
            self.activation_mib()
        )?;
        writeln!(f, "Params size (MB): {:.2}", self.params_mib())?;
        writeln!(
            f,
            "Estimated total size (MB): {:.2}",
            input + self.activation_mib() + self.params_mib()
        )?;
        write!(f, "{rule}")
    }
}
