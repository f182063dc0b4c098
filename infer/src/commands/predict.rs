//! `infer IMAGE...` (no subcommand): the top classes of each image, as text or JSON lines.

use std::path::{Path, PathBuf};

use burn::prelude::Device;

use crate::cli::PredictArgs;
use crate::loaded_model::LoadedModel;
use crate::{CliError, predict};

/// `infer IMAGE...`: prints each prediction; errors of single files go to stderr.
pub fn predict_command(args: &PredictArgs, device: &Device) -> Result<bool, CliError> {
    if args.top_k == 0 {
        return Err(CliError::Usage("--top-k must be at least 1".into()));
    }
    let model = LoadedModel::from_args(&args.model, args.dataset.as_deref(), device)?;
    let images: Vec<PathBuf> = if args.images.is_empty() {
        let samples = predict::shipped_samples();
        if samples.is_empty() {
            return Err(CliError::Usage(
                "no images given (and no shipped samples found): infer IMAGE...".into(),
            ));
        }
        if !args.json {
            println!(
                "No images given: classifying the shipped samples with the {}.",
                model.source()
            );
        }
        // Shown relative to the current folder when they are under it.
        let cwd = std::env::current_dir().unwrap_or_default();
        samples
            .into_iter()
            .map(|p| p.strip_prefix(&cwd).map(Path::to_path_buf).unwrap_or(p))
            .collect()
    } else {
        args.images.clone()
    };
    let mut all_ok = true;
    for result in predict::predict_files(&model, &images, args.top_k) {
        match result {
            Ok(prediction) if args.json => println!("{}", prediction.to_json()),
            Ok(prediction) => println!("{}", prediction.to_text()),
            Err(message) => {
                eprintln!("error: {message}");
                all_ok = false;
            }
        }
    }
    Ok(all_ok)
}
