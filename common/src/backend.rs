//! Which burn backend runs the model: the CPU backends `flex` and `ndarray`, or the GPU
//! backends `wgpu` and `cuda`, each available when its cargo feature is compiled in.

use burn::prelude::*;
use clap::ValueEnum;

use crate::CliError;

/// A burn backend, selectable with `--backend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// burn's pure-Rust CPU backend (the default).
    Flex,
    /// The ndarray CPU backend (deprecated by burn 0.22, kept for users who ask for it).
    Ndarray,
    /// GPUs through Vulkan, Metal or DX12.
    Wgpu,
    /// NVIDIA GPUs through CUDA.
    Cuda,
}

impl Backend {
    /// Whether this binary was built with the backend's cargo feature.
    pub fn compiled_in(self) -> bool {
        match self {
            Backend::Flex => cfg!(feature = "flex"),
            Backend::Ndarray => cfg!(feature = "ndarray"),
            Backend::Wgpu => cfg!(feature = "wgpu"),
            Backend::Cuda => cfg!(feature = "cuda"),
        }
    }

    /// The backend's `--backend` name (`flex`, `wgpu`, ...).
    pub fn name(self) -> String {
        format!("{self:?}").to_lowercase()
    }

    /// The backend used without `--backend`: a GPU when one is compiled in, else flex, else ndarray.
    pub fn default_compiled() -> Option<Backend> {
        [
            Backend::Cuda,
            Backend::Wgpu,
            Backend::Flex,
            Backend::Ndarray,
        ]
        .into_iter()
        .find(|b| b.compiled_in())
    }

    /// The device of this backend (the first GPU, or the CPU).
    #[allow(unreachable_code)]
    fn make_device(self) -> Device {
        match self {
            #[cfg(feature = "flex")]
            Backend::Flex => Device::flex(),
            // burn 0.22 deprecates ndarray in favour of flex; users still ask for it by name.
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            Backend::Ndarray => Device::ndarray(),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
            #[cfg(feature = "cuda")]
            Backend::Cuda => Device::cuda(0),
            #[allow(unreachable_patterns)]
            _ => unreachable!("backend {self:?} is not compiled in"),
        }
    }
}

/// The device for `--backend` (or the default), or a usage error naming the backends this
/// binary has when the requested one was not compiled in.
pub fn device(requested: Option<Backend>) -> Result<Device, CliError> {
    let backend = match requested.or_else(Backend::default_compiled) {
        Some(b) if b.compiled_in() => b,
        other => {
            let compiled: Vec<String> = Backend::value_variants()
                .iter()
                .filter(|b| b.compiled_in())
                .map(|b| b.name())
                .collect();
            let name = other.map(Backend::name).unwrap_or_default();
            return Err(CliError::Usage(format!(
                "backend '{name}' is not compiled into this binary (compiled in: {}); rebuild with `--features {name}`",
                if compiled.is_empty() {
                    "none".to_string()
                } else {
                    compiled.join(", ")
                }
            )));
        }
    };
    Ok(backend.make_device())
}
