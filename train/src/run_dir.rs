//! The run folder: where a run writes its files (`runs/<name>-<UTC timestamp>/` or `--out`),
//! and the one way files are written there — to a temporary name, then renamed, so that a
//! crash never leaves a half-written file where a good one was.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// File names inside a run folder.
pub mod files {
    /// Everything needed to rebuild the model and its data pipeline.
    pub const CONFIG: &str = "config.json";
    /// Final weights (burnpack).
    pub const MODEL: &str = "model.bpk";
    /// Per-epoch losses, accuracies and times.
    pub const HISTORY: &str = "history.csv";
    /// The model's layer table.
    pub const SUMMARY: &str = "summary.txt";
    /// burn's per-epoch checkpoints (model, optimizer, scheduler).
    pub const CHECKPOINTS: &str = "checkpoint";
}

/// Writes `bytes` to `path` through a temporary file in the same folder, flushed to disk
/// and then renamed over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The temporary sibling `path` is written to before the rename: `.<name>.tmp`.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// `YYYYMMDDTHHMMSSZ` for the current UTC time (for run folder names).
pub fn utc_timestamp() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// The default run folder for a run called `name`: `runs/<name>-<UTC timestamp>`.
pub fn default_run_dir(name: &str) -> PathBuf {
    PathBuf::from("runs").join(format!("{name}-{}", utc_timestamp()))
}

/// The highest epoch with a complete checkpoint (model, optimizer and scheduler files) in
/// `run_dir`, if any.
pub fn last_checkpoint(run_dir: &Path) -> Option<usize> {
    let dir = run_dir.join(files::CHECKPOINTS);
    let entries = std::fs::read_dir(&dir).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("model-")?
                .strip_suffix(".bpk")?
                .parse::<usize>()
                .ok()
        })
        .filter(|epoch| {
            ["optim", "scheduler"]
                .iter()
                .all(|kind| dir.join(format!("{kind}-{epoch}.bpk")).is_file())
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_shape() {
        let ts = utc_timestamp();
        assert_eq!(ts.len(), 16, "{ts}");
        assert!(
            ts.starts_with("20") && ts.ends_with('Z') && &ts[8..9] == "T",
            "{ts}"
        );
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("run-dir-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert!(!temp_path(&path).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
