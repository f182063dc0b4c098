//! Exporting a zoo [`Network`] to `.safetensors` with PyTorch key names and layouts, so that
//! `model.load_state_dict(safetensors.torch.load_file(path))` (strict) accepts it.
//!
//! Linear weights are transposed back to `[out, in]`, batch norm's `gamma`/`beta` become
//! `weight`/`bias`, and each batch norm gets the `num_batches_tracked` buffer PyTorch's
//! strict loading requires (an int64 scalar 0: burn does not count steps). Values are copied
//! bit for bit, so PyTorch -> [`crate::load_weights`] -> export gives back the same tensors.

use std::path::Path;

use burn::store::{BurnToPyTorchAdapter, ModuleSnapshot, bridge};
use model::Network;
use safetensors::Dtype;
use safetensors::tensor::TensorView;

use crate::error::InteropError;
use crate::names::torch_key;

/// The network as the bytes of a `.safetensors` file with PyTorch key names.
pub fn safetensors_bytes(network: &Network) -> Result<Vec<u8>, InteropError> {
    let failed = |reason: String| InteropError::Write {
        path: "<memory>".into(),
        reason,
    };
    let mut entries: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for tensor in network.collect(None, Some(Box::new(BurnToPyTorchAdapter)), true) {
        let key = torch_key(network, &tensor.name);
        let data = bridge::to_data(&tensor).map_err(|e| failed(format!("{key}: {e}")))?;
        let dtype = match data.dtype() {
            burn::tensor::DType::F32 => Dtype::F32,
            burn::tensor::DType::F64 => Dtype::F64,
            burn::tensor::DType::F16 => Dtype::F16,
            burn::tensor::DType::BF16 => Dtype::BF16,
            other => return Err(failed(format!("{key}: unsupported dtype {other:?}"))),
        };
        if let Some(norm) = key.strip_suffix(".running_var") {
            entries.push((
                format!("{norm}.num_batches_tracked"),
                Dtype::I64,
                vec![],
                0i64.to_le_bytes().to_vec(),
            ));
        }
        entries.push((key, dtype, data.shape().to_vec(), data.as_bytes().to_vec()));
    }
    let views = entries
        .iter()
        .map(|(key, dtype, shape, bytes)| {
            TensorView::new(*dtype, shape.clone(), bytes)
                .map(|view| (key.clone(), view))
                .map_err(|e| failed(format!("{key}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    safetensors::serialize(views, None).map_err(|e| failed(e.to_string()))
}

/// Writes the network to `path` as `.safetensors` (to a temporary name, then renamed).
pub fn export_safetensors(network: &Network, path: &Path) -> Result<(), InteropError> {
    let bytes = safetensors_bytes(network).map_err(|e| match e {
        InteropError::Write { reason, .. } => InteropError::Write {
            path: path.to_path_buf(),
            reason,
        },
        other => other,
    })?;
    data::files::write_atomic(path, &bytes).map_err(|e| InteropError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}
