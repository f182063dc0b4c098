//! Whether a run starts afresh or continues, decided before any data is read: `--resume`
//! continues the run folder's last complete checkpoint, which must leave epochs to train;
//! without it, the folder must not hold a run already (it is never trained over).

use std::path::Path;

use crate::run_dir::{self, files};
use common::CliError;

/// The epoch a run in `run_dir` of `epochs` epochs continues after: with `resume`, its last
/// complete checkpoint; without, `None`. A usage error when there is no checkpoint to resume,
/// when the run already trained `epochs` epochs, or when a fresh run would overwrite one.
pub fn resume_point(
    resume: bool,
    run_dir: &Path,
    epochs: usize,
) -> Result<Option<usize>, CliError> {
    let checkpoint = run_dir::last_checkpoint(run_dir);
    if !resume {
        return match checkpoint {
            Some(_) => Err(CliError::Usage(format!(
                "{} already holds a run; use --resume to continue it or another --out",
                run_dir.display()
            ))),
            None => Ok(None),
        };
    }
    let epoch = checkpoint.ok_or_else(|| {
        CliError::Usage(format!(
            "--resume: no checkpoint in {}",
            run_dir.join(files::CHECKPOINTS).display()
        ))
    })?;
    if epoch >= epochs {
        return Err(CliError::Usage(format!(
            "--resume: {} already trained {epoch} epochs; pass --epochs N with N > {epoch}",
            run_dir.display()
        )));
    }
    Ok(Some(epoch))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run folder whose checkpoints are complete up to epoch `epochs`.
    fn run_with_checkpoints(name: &str, epochs: usize) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("resume-policy-{}-{name}", std::process::id()));
        let checkpoints = dir.join(files::CHECKPOINTS);
        std::fs::create_dir_all(&checkpoints).unwrap();
        for epoch in 1..=epochs {
            for kind in ["model", "optim", "scheduler"] {
                std::fs::write(checkpoints.join(format!("{kind}-{epoch}.bpk")), b"").unwrap();
            }
        }
        dir
    }

    fn usage_message(result: Result<Option<usize>, CliError>) -> String {
        match result {
            Err(CliError::Usage(message)) => message,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn resume_continues_the_last_checkpoint_and_a_fresh_run_never_overwrites_one() {
        let empty = run_with_checkpoints("empty", 0);
        assert_eq!(resume_point(false, &empty, 5).unwrap(), None);
        assert!(
            usage_message(resume_point(true, &empty, 5)).starts_with("--resume: no checkpoint in ")
        );

        let two = run_with_checkpoints("two", 2);
        assert_eq!(resume_point(true, &two, 3).unwrap(), Some(2));
        assert!(
            usage_message(resume_point(true, &two, 2))
                .ends_with("already trained 2 epochs; pass --epochs N with N > 2")
        );
        assert!(
            usage_message(resume_point(false, &two, 3))
                .ends_with("already holds a run; use --resume to continue it or another --out")
        );
        for dir in [empty, two] {
            std::fs::remove_dir_all(dir).unwrap();
        }
    }
}
