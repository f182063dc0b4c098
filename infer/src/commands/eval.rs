//! `infer eval`: a model's accuracy on a test split (tables and a confusion heat map), or, for an
//! ImageNet model on a folder of photos, its top-1 / top-5 accuracy per class.

use std::path::Path;

use burn::prelude::Device;

use super::inputs::{imagenet_photos, test_set, write_atomic};
use crate::cli::EvalArgs;
use crate::loaded_model::{Labels, LoadedModel};
use crate::{CliError, draw, eval, imagenet_folder};

/// `infer eval`: accuracy tables and the confusion heat map, or, for an ImageNet model on a
/// folder of photos, top-1 / top-5 accuracy per class.
pub fn eval_command(args: &EvalArgs, device: &Device) -> Result<bool, CliError> {
    let model = LoadedModel::from_args(&args.data.model, args.data.dataset.as_deref(), device)?;
    if let Labels::ImageNet { .. } = model.labels {
        let photos = imagenet_photos(&args.data)?;
        let evaluation = imagenet_folder::evaluate(&model, &photos);
        for problem in &evaluation.unreadable {
            eprintln!("error: {problem}");
        }
        if args.json {
            println!("{}", evaluation.to_json());
        } else {
            println!("model: {}\n{}", model.source(), evaluation.to_text());
        }
        // Photos that could not be read make the exit code 1, as in `infer IMAGE...`.
        return Ok(evaluation.unreadable.is_empty());
    }
    let (_, test) = test_set(&model, &args.data)?;
    let evaluation = eval::evaluate(&model, &test);
    let out = args.out.clone().unwrap_or_else(|| {
        model
            .run_dir
            .as_deref()
            .filter(|dir| dir.is_dir())
            .unwrap_or(Path::new("."))
            .join("confusion.png")
    });
    let (png, _, _) = draw::confusion_png(
        "Confusion matrix",
        &evaluation.confusion,
        &evaluation.class_names,
    )
    .map_err(CliError::Failed)?;
    write_atomic(&out, &png)?;
    if args.json {
        println!("{}", evaluation.to_json());
    } else {
        println!(
            "model: {}\n{}confusion heat map: {}",
            model.source(),
            evaluation.to_text(),
            out.display()
        );
    }
    Ok(true)
}
