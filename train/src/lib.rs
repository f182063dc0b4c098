//! The `train` command as a library: presets ([`preset`]) and configuration ([`config`],
//! [`cli_config`]); one run ([`training`]: [`resume_policy`], [`run_data`], [`init_from`],
//! [`learner_run`]); the burn Learner wiring ([`classifier`], [`optim`], [`sgd`],
//! [`resume_loader`]); what a run shows and keeps of each epoch ([`epoch_reporter`],
//! [`run_metrics`], [`epoch_log`], [`epoch_means`], [`loss_guard`], [`history_writer`]); and
//! the run folder ([`run_dir`], [`history`], [`plots`], [`run_outcome`]). `main.rs` only parses
//! and reports.

pub mod classifier;
pub mod cli;
pub mod cli_config;
pub mod config;
pub mod epoch_log;
pub mod epoch_means;
pub mod epoch_reporter;
pub mod history;
pub mod history_writer;
pub mod init_from;
pub mod learner_run;
pub mod loss_guard;
pub mod optim;
pub mod plots;
pub mod preset;
pub mod resume_loader;
pub mod resume_policy;
pub mod run_data;
pub mod run_dir;
pub mod run_metrics;
pub mod run_outcome;
pub mod sgd;
pub mod training;

pub use common::{Backend, CliError};
