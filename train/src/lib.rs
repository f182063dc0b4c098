//! The `train` command as a library: presets ([`preset`]), configuration ([`config`]), the
//! burn Learner wiring ([`training`], [`classifier`], [`optim`], [`progress`]) and the run
//! folder ([`run_dir`], [`history`], [`plots`]). `main.rs` only parses and reports.

pub mod classifier;
pub mod cli;
pub mod config;
pub mod history;
pub mod optim;
pub mod plots;
pub mod preset;
pub mod progress;
pub mod resume_loader;
pub mod run_dir;
pub mod sgd;
pub mod training;

pub use common::{Backend, CliError};
