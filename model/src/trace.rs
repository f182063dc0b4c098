//! Layer-by-layer recording of a forward pass: which layer produced which output shape.
//!
//! burn has no forward hooks (PyTorch's `register_forward_hook`), so every architecture in
//! this crate threads a [`Trace`] through `forward_traced`. With [`Trace::disabled`] (what
//! the plain `forward` uses) recording costs one branch per layer; [`Trace::recording`]
//! collects one [`TraceRow`] per leaf layer, which [`crate::summary`] turns into a table.

use burn::prelude::*;

/// One recorded layer: its module path (`layer1.0.conv1`), its kind (`Conv2d`) and the
/// shape of its output (`[N, C, H, W]` for feature maps, `[N, F]` after flattening).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceRow {
    /// Dotted module path, the same as the parameter paths of the layer's weights.
    pub path: String,
    /// Layer kind, e.g. `Conv2d`, `BatchNorm`, `ReLU`, `MaxPool2d`, `Linear`.
    pub kind: &'static str,
    /// Output shape of the layer.
    pub shape: Vec<usize>,
}

/// Collects [`TraceRow`]s during a forward pass, or does nothing when disabled.
#[derive(Debug, Default)]
pub struct Trace {
    rows: Option<Vec<TraceRow>>,
    scope: Vec<String>,
}

impl Trace {
    /// A trace that records nothing: what `forward` passes.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// A trace that records every layer's output shape.
    pub fn recording() -> Self {
        Self {
            rows: Some(Vec::new()),
            scope: Vec::new(),
        }
    }

    /// Records `x` as the output of layer `name` (of kind `kind`) and hands it back.
    /// `name` is only formatted when recording, so `format_args!("convs.{i}")` costs nothing
    /// in a plain forward pass.
    pub fn record<const D: usize>(
        &mut self,
        name: impl std::fmt::Display,
        kind: &'static str,
        x: Tensor<D>,
    ) -> Tensor<D> {
        if let Some(rows) = self.rows.as_mut() {
            let mut path = self.scope.join(".");
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&name.to_string());
            rows.push(TraceRow {
                path,
                kind,
                shape: x.dims().to_vec(),
            });
        }
        x
    }

    /// Runs `f` with `name` appended to the module path of every layer it records
    /// (blocks use it so that their layers appear as `layer1.0.conv1`).
    pub fn scoped<R>(
        &mut self,
        name: impl std::fmt::Display,
        f: impl FnOnce(&mut Trace) -> R,
    ) -> R {
        if self.rows.is_none() {
            return f(self);
        }
        self.scope.push(name.to_string());
        let out = f(self);
        self.scope.pop();
        out
    }

    /// The rows recorded so far (empty for a disabled trace).
    pub fn into_rows(self) -> Vec<TraceRow> {
        self.rows.unwrap_or_default()
    }
}

/// A network that can report its layers' output shapes while computing its output.
///
/// Every architecture of this crate implements it; `forward(x)` is
/// `forward_traced(x, &mut Trace::disabled())`.
pub trait TracedForward {
    /// Images `[N, C, H, W]` to logits `[N, classes]`, recording each layer in `trace`.
    fn forward_traced(&self, images: Tensor<4>, trace: &mut Trace) -> Tensor<2>;
}
