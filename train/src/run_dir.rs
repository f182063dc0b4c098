//! The run folder: where a run writes its files (`runs/<name>-<UTC timestamp>/` or `--out`),
//! all of them through [`write_atomic`] (a temporary name, then a rename).

use std::path::{Path, PathBuf};

pub use data::files::write_atomic;
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
}
