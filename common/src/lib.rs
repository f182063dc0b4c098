//! What the `train` and `infer` binaries share: the burn backend chosen by `--backend`
//! ([`backend`]), their one error type and one-line argument errors ([`error`]), writing files
//! atomically ([`files`]), ending the process ([`exit`]), and PNG encoding with the embedded DejaVu font ([`picture`]).

pub mod backend;
pub mod error;
pub mod exit;
pub mod files;
pub mod picture;

pub use backend::Backend;
pub use error::CliError;
