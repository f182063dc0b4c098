//! One module per `infer` subcommand: what it reads, prints and writes. Each takes its parsed
//! arguments and the device, and returns `Ok(false)` when some inputs failed (exit code 1).

pub mod eval;
pub mod export;
pub mod inputs;
pub mod predict;
pub mod samples;
pub mod summary;
