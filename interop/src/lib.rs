//! PyTorch interop for the [`model`] zoo: load `.pt`/`.pth` state dicts (plain or wrapped in a
//! training checkpoint) and `.safetensors` files written by PyTorch into any zoo network,
//! torchvision's key names included, and export a network as `.safetensors` that PyTorch's
//! strict `load_state_dict` accepts.
//!
//! ```no_run
//! use burn::prelude::*;
//! use interop::{LoadOptions, load_weights};
//! use model::ModelConfig;
//!
//! let device = Device::flex();
//! let resnet = ModelConfig::new("resnet18".into()).init(&device)?;
//! // e.g. torch.save(torchvision.models.resnet18(weights="DEFAULT").state_dict(), path)
//! let (resnet, report) =
//!     load_weights(resnet, "resnet18.pth".as_ref(), LoadOptions::default())?;
//! println!("{report}");
//! interop::export_safetensors(&resnet, "resnet18.safetensors".as_ref())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Files: [`names`] (burn paths -> PyTorch keys per architecture), [`load`](mod@load),
//! [`export`], [`pretrained`] (torchvision's ImageNet weights by name: table, cache, download),
//! [`error`].

pub mod error;
pub mod export;
pub mod load;
pub mod names;
pub mod pretrained;

pub use error::InteropError;
pub use export::{export_safetensors, safetensors_bytes};
pub use load::{FileTensors, LoadOptions, LoadReport, load_tensors, load_weights, read_tensors};
pub use pretrained::PretrainedWeights;
