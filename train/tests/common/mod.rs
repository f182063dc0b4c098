//! Helpers shared by `train`'s integration tests: scratch folders, running the binary, and
//! reading its closing line. (Each test file uses some of them.)
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh, empty folder under the system temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("train-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the `train` binary in `cwd`; returns (exit code, stdout, stderr).
pub fn train_in(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_train"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("run train");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the `train` binary in the current folder.
pub fn train(args: &[&str]) -> (i32, String, String) {
    train_in(Path::new("."), args)
}

/// The `test_accuracy=` value of the closing line `test_accuracy=0.98 epochs=... run=...`.
pub fn test_accuracy(stdout: &str) -> f64 {
    let last = stdout.lines().last().unwrap_or_default();
    last.strip_prefix("test_accuracy=")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no test_accuracy on the last line: {last}"))
}
