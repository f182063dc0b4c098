//! Loading PyTorch weights (`.pt`/`.pth` state dicts and checkpoints, `.safetensors`) into a
//! zoo [`Network`], all or nothing.
//!
//! The file's keys are matched against the PyTorch names of the network's tensors
//! ([`crate::names`]), after stripping a checkpoint wrapper (`state_dict.`, `model.`,
//! `module.` from `DataParallel`). Every tensor must be there with PyTorch's shape, and
//! nothing else may be, unless the caller allows it ([`LoadOptions`]). The layout conversion
//! (Linear weights `[out, in]` -> `[in, out]`, batch norm `weight`/`bias` -> `gamma`/`beta`)
//! is burn-store's `PyTorchToBurnAdapter`; values are copied bit for bit.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use burn::store::{
    BurnToPyTorchAdapter, ModuleSnapshot, ModuleStore, PyTorchToBurnAdapter, PytorchStore,
    SafetensorsStore,
};
use model::Network;

use crate::error::InteropError;
use crate::names::{canonical_file_key, torch_key};

type PackTensor = burn::store::burn_pack::Tensor;

/// The tensors of a weights file by key, read lazily (data is loaded when applied).
pub type FileTensors = BTreeMap<String, PackTensor>;

/// How strict a load is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Accept missing, unexpected and mis-shaped tensors: the network keeps its initial
    /// values for what the file does not provide. Everything skipped is in the report.
    pub allow_partial: bool,
    /// Accept a classifier (the network's last layer) whose shape differs from the file's:
    /// fine-tuning to another number of classes. Everything else must match.
    pub new_head: bool,
}

/// What a load did, in PyTorch key names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Tensors loaded.
    pub loaded: usize,
    /// The checkpoint wrapper that was stripped (`state_dict.`, `module.`, ...), if any.
    pub prefix: String,
    /// Network tensors the file does not have.
    pub missing: Vec<String>,
    /// File tensors the network has no place for.
    pub unexpected: Vec<String>,
    /// `key: file [..] vs network [..]`.
    pub mismatched: Vec<String>,
    /// File keys left out by design: `num_batches_tracked`, GoogLeNet's auxiliary heads, and
    /// checkpoint entries outside the state dict.
    pub ignored: usize,
}

impl LoadReport {
    /// True when every network tensor was loaded and every file tensor used.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.mismatched.is_empty()
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} tensors loaded", self.loaded)?;
        if !self.prefix.is_empty() {
            write!(f, " from `{}`", self.prefix.trim_end_matches('.'))?;
        }
        for (what, keys) in [
            ("missing", &self.missing),
            ("unexpected", &self.unexpected),
            ("mismatched", &self.mismatched),
        ] {
            if !keys.is_empty() {
                write!(f, "; {what}: {}", list(keys))?;
            }
        }
        Ok(())
    }
}

/// Up to 8 items, then how many more.
pub(crate) fn list(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(8).map(String::as_str).collect();
    match items.len().saturating_sub(shown.len()) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// Checkpoint wrappers tried around a state dict, the first that fits best wins.
const WRAPPERS: [&str; 7] = [
    "",
    "state_dict.",
    "model_state_dict.",
    "model.",
    "module.",
    "state_dict.module.",
    "model.module.",
];

/// Whether the file starts as a safetensors file does: an 8-byte little-endian header length
/// that fits in the file, then the header's `{`. (`torch.save` files start with a ZIP or a
/// pickle signature.)
fn looks_like_safetensors(path: &Path) -> bool {
    let mut start = [0u8; 9];
    let read = std::fs::File::open(path).and_then(|mut f| {
        use std::io::Read;
        f.read_exact(&mut start)
    });
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    read.is_ok()
        && start[8] == b'{'
        && u64::from_le_bytes(start[..8].try_into().expect("8 bytes")) < size
}

/// Reads every tensor of a `.safetensors` file or a `torch.save` file (`.pt`, `.pth`, ...),
/// told apart by their content (a safetensors file under another name is read as one).
pub fn read_tensors(path: &Path) -> Result<FileTensors, InteropError> {
    let unreadable = |e: &dyn fmt::Display| InteropError::Unreadable {
        path: path.to_path_buf(),
        reason: crate::error::one_line(&e.to_string()),
    };
    if !path.is_file() {
        return Err(InteropError::Unreadable {
            path: path.to_path_buf(),
            reason: if path.exists() {
                "not a file".into()
            } else {
                "no such file".into()
            },
        });
    }
    let is_safetensors = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("safetensors"))
        || looks_like_safetensors(path);
    let tensors = if is_safetensors {
        let mut store = SafetensorsStore::from_file(path).map_indices_contiguous(false);
        store.get_all_tensors().map_err(|e| unreadable(&e))?.clone()
    } else {
        let mut store = PytorchStore::from_file(path).map_indices_contiguous(false);
        store.get_all_tensors().map_err(|e| unreadable(&e))?.clone()
    };
    if tensors.is_empty() {
        return Err(unreadable(&"it holds no tensors"));
    }
    Ok(tensors)
}

/// The network's tensors by PyTorch key: (burn path with PyTorch leaf names, PyTorch shape).
pub fn expected_tensors(network: &Network) -> BTreeMap<String, (String, Vec<usize>)> {
    network
        .collect(None, Some(Box::new(BurnToPyTorchAdapter)), true)
        .into_iter()
        .map(|t| {
            (
                torch_key(network, &t.name),
                (t.name.clone(), t.shape.to_vec()),
            )
        })
        .collect()
}

/// The PyTorch keys of the network's last layer (the classifier a fine-tune replaces).
fn head_keys(network: &Network) -> BTreeSet<String> {
    let tensors = network.collect(None, Some(Box::new(BurnToPyTorchAdapter)), true);
    let Some(last_weight) = tensors.iter().rev().find(|t| t.name.ends_with(".weight")) else {
        return BTreeSet::new();
    };
    let module = last_weight.name.trim_end_matches("weight");
    tensors
        .iter()
        .filter(|t| t.name.starts_with(module))
        .map(|t| torch_key(network, &t.name))
        .collect()
}

/// Loads the PyTorch weights in `path` into `network`.
///
/// # Errors
/// [`InteropError::Unreadable`] for a missing, truncated or foreign file;
/// [`InteropError::Mismatch`] (listing the keys) when the file does not fit the network and
/// `options` do not allow it.
pub fn load_weights(
    network: Network,
    path: &Path,
    options: LoadOptions,
) -> Result<(Network, LoadReport), InteropError> {
    let file = read_tensors(path)?;
    load_tensors(network, file, options, path)
}

/// [`load_weights`] on tensors already read; `source` names them in messages.
pub fn load_tensors(
    mut network: Network,
    file: FileTensors,
    options: LoadOptions,
    source: &Path,
) -> Result<(Network, LoadReport), InteropError> {
    let expected = expected_tensors(&network);

    // Pick the wrapper under which most keys fit the network.
    let fits = |prefix: &str| {
        file.keys()
            .filter_map(|k| k.strip_prefix(prefix))
            .filter_map(|k| canonical_file_key(&network, k))
            .filter(|k| expected.contains_key(k))
            .count()
    };
    let prefix = WRAPPERS
        .iter()
        .copied()
        .max_by_key(|p| (fits(p), std::cmp::Reverse(p.len())))
        .unwrap_or("");

    let mut report = LoadReport {
        prefix: prefix.to_string(),
        ..LoadReport::default()
    };
    let mut to_apply = Vec::new();
    let mut seen = BTreeSet::new();
    let mut mismatched_keys = Vec::new();
    for (key, tensor) in file {
        let Some(inner) = key.strip_prefix(prefix) else {
            report.ignored += 1; // another entry of a checkpoint (optimizer, epoch, ...)
            continue;
        };
        let Some(canonical) = canonical_file_key(&network, inner) else {
            report.ignored += 1;
            continue;
        };
        match expected.get(&canonical) {
            None => report.unexpected.push(key),
            Some((burn_path, shape)) => {
                seen.insert(canonical.clone());
                if tensor.shape.to_vec() != *shape {
                    mismatched_keys.push(canonical.clone());
                    report.mismatched.push(format!(
                        "{canonical}: file {:?} vs network {shape:?}",
                        tensor.shape.to_vec()
                    ));
                    continue;
                }
                let mut tensor = tensor;
                tensor.name = burn_path.clone();
                to_apply.push(tensor);
            }
        }
    }
    report.missing = expected
        .keys()
        .filter(|k| !seen.contains(*k))
        .cloned()
        .collect();

    if !options.allow_partial {
        let head = if options.new_head {
            head_keys(&network)
        } else {
            BTreeSet::new()
        };
        let mismatched_elsewhere = mismatched_keys.iter().any(|key| !head.contains(key));
        if !report.missing.is_empty() || !report.unexpected.is_empty() || mismatched_elsewhere {
            return Err(InteropError::Mismatch {
                path: source.to_path_buf(),
                report: Box::new(report),
            });
        }
    }

    let result = network.apply(to_apply, None, Some(Box::new(PyTorchToBurnAdapter)), true);
    if !result.errors.is_empty() {
        let errors: Vec<String> = result.errors.iter().map(|e| e.to_string()).collect();
        return Err(InteropError::Unreadable {
            path: source.to_path_buf(),
            reason: list(&errors),
        });
    }
    report.loaded = result.applied.len();
    Ok((network, report))
}
