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

    /// The device of this backend (the first GPU, or the CPU); an error where the GPU asked for
    /// cannot be set up.
    #[allow(unreachable_code)]
    fn make_device(self) -> Result<Device, CliError> {
        match self {
            #[cfg(feature = "flex")]
            Backend::Flex => Ok(Device::flex()),
            // burn 0.22 deprecates ndarray in favour of flex; users still ask for it by name.
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            Backend::Ndarray => Ok(Device::ndarray()),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => wgpu_device(),
            #[cfg(feature = "cuda")]
            Backend::Cuda => Ok(Device::cuda(0)),
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
    backend.make_device()
}

/// The default wgpu device, its runtime set up now (once per process; later calls return the
/// same device), so that a machine without a usable GPU driver gets one error line instead of a
/// panic on a runtime thread at the first tensor. burn's `Device::wgpu_options().init()` makes
/// the setup burn would make on first use (Vulkan first, then DX12 or OpenGL; the default
/// options, `CUBECL_WGPU_MAX_TASKS` included).
#[cfg(feature = "wgpu")]
fn wgpu_device() -> Result<Device, CliError> {
    static DEVICE: std::sync::OnceLock<Result<Device, String>> = std::sync::OnceLock::new();
    DEVICE
        .get_or_init(|| init_wgpu(Device::wgpu_options()))
        .clone()
        .map_err(no_usable_gpu)
}

/// Sets up the wgpu runtime `options` select; the error as text.
#[cfg(feature = "wgpu")]
fn init_wgpu(options: burn::tensor::wgpu::WgpuOptions) -> Result<Device, String> {
    options.init().map_err(|err| err.to_string())
}

/// The error line for a wgpu runtime that could not be set up.
#[cfg(feature = "wgpu")]
fn no_usable_gpu(err: String) -> CliError {
    CliError::Failed(format!(
        "no usable GPU for --backend wgpu ({err}); install a Vulkan, Metal or DX12 driver, \
         or run on the CPU with --backend flex"
    ))
}

#[cfg(all(test, feature = "wgpu"))]
mod tests {
    use super::*;

    /// A machine without the GPU asked for gets an error line (exit code 1), not a panic; the
    /// 64th discrete GPU stands in for a missing one. Runs only with
    /// `cargo test -p common --features wgpu`.
    #[test]
    fn missing_gpu_is_an_error_not_a_panic() {
        let missing = Device::wgpu_options().device_kind(DeviceKind::DiscreteGpu(63));
        let err = init_wgpu(missing).map_err(no_usable_gpu).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        let message = err.to_string();
        assert!(
            message.starts_with("no usable GPU for --backend wgpu (No adapter available"),
            "{message}"
        );
        assert!(!message.contains('\n'), "one line: {message}");
    }
}
