//! What the `train` and `infer` binaries share: the burn backend chosen by `--backend`
//! ([`backend`]), their one error type and one-line argument errors ([`error`]), ending the
//! process ([`exit`]), and PNG encoding with the embedded DejaVu font ([`picture`]). Files are
//! written atomically through `data::files`.

pub mod backend;
pub mod error;
pub mod exit;
pub mod picture;

pub use backend::Backend;
pub use error::CliError;
