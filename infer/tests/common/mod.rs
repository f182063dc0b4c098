//! Test support shared by `infer`'s CLI tests: running the binary and scratch folders.

#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;

/// `infer ARGS...` run in `cwd`: (exit code, stdout, stderr).
pub fn infer_in(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    output(
        Command::new(env!("CARGO_BIN_EXE_infer"))
            .current_dir(cwd)
            .args(args),
    )
}

/// `infer ARGS...` run in the current folder with the extra environment `env`.
pub fn infer_with_env(args: &[&str], env: &[(&str, &Path)]) -> (i32, String, String) {
    output(
        Command::new(env!("CARGO_BIN_EXE_infer"))
            .args(args)
            .envs(env.iter().copied()),
    )
}

/// Runs `command`: (exit code, stdout, stderr).
fn output(command: &mut Command) -> (i32, String, String) {
    let out = command.output().expect("run infer");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `infer ARGS...` run in the current folder.
pub fn infer(args: &[&str]) -> (i32, String, String) {
    infer_in(Path::new("."), args)
}

/// A fresh, empty folder under the system temp dir, unique to this test process and `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("infer-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
