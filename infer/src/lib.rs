//! The `infer` command-line tool as a library: argument parsing ([`cli`]), the model to run
//! ([`loaded_model`]: a training run folder, PyTorch weights or the embedded LeNet-5), preparing
//! users' images ([`preprocess`]), and the subcommands ([`predict`], [`eval`], [`samples`],
//! [`summary_cmd`], the HTTP server [`serve`]), with their pictures ([`draw`]); [`run()`] runs one
//! command line. `main.rs` only parses and reports errors.

pub mod cli;
pub mod draw;
pub mod eval;
pub mod imagenet;
pub mod imagenet_folder;
pub mod loaded_model;
pub mod predict;
pub mod preprocess;
pub mod samples;
pub mod serve;
pub mod summary_cmd;

use std::path::{Path, PathBuf};

use burn::prelude::Device;
use data::{DatasetKind, DatasetSource, ImageDataset, PreparedDataset, Split};

pub use common::{Backend, CliError};

use crate::cli::{Command, DataArgs};
use crate::loaded_model::{Labels, LoadedModel};

/// Runs one parsed command line; `Ok(false)` when some inputs failed (exit code 1).
pub fn run(cli: cli::Cli) -> Result<bool, CliError> {
    let device = common::backend::device(cli.backend)?;
    match cli.command {
        None => predict_command(&cli.predict, &device),
        Some(Command::Export(args)) => {
            let model = LoadedModel::from_args(&args.model, None, &device)?;
            interop::export_safetensors(&model.net, &args.out).map_err(CliError::failed)?;
            println!(
                "{}: {} ({} classes) from {}, PyTorch key names",
                args.out.display(),
                model.model.name,
                model.class_names().len(),
                model.source()
            );
            Ok(true)
        }
        Some(Command::Serve(args)) => serve::serve(&args, &device).map(|()| true),
        Some(Command::Summary(args)) => {
            println!("{}", summary_cmd::summary(&args, &device)?);
            Ok(true)
        }
        Some(Command::Eval(args)) => eval_command(&args, &device),
        Some(Command::Samples(args)) => samples_command(&args, &device),
    }
}

/// `infer eval`: accuracy tables and the confusion heat map, or, for an ImageNet model on a
/// folder of photos, top-1 / top-5 accuracy per class.
fn eval_command(args: &cli::EvalArgs, device: &Device) -> Result<bool, CliError> {
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

/// `infer samples`: a grid PNG of random test images titled with prediction and truth.
fn samples_command(args: &cli::SamplesArgs, device: &Device) -> Result<bool, CliError> {
    if args.n == 0 {
        return Err(CliError::Usage("--n must be at least 1".into()));
    }
    let model = LoadedModel::from_args(&args.data.model, args.data.dataset.as_deref(), device)?;
    let tiles = if let Labels::ImageNet { .. } = model.labels {
        let photos = imagenet_photos(&args.data)?;
        let chosen: Vec<_> = samples::choose(photos.len(), args.n, args.seed)
            .into_iter()
            .map(|i| photos[i].clone())
            .collect();
        imagenet_folder::tiles(&model, &chosen, !args.truth_only)?
    } else {
        let (raw, prepared) = test_set(&model, &args.data)?;
        let indices = samples::choose(raw.len(), args.n, args.seed);
        samples::tiles(
            &raw,
            &prepared,
            &indices,
            (!args.truth_only).then_some(&model),
        )
    };
    let heading = if args.truth_only {
        "Ground Truth"
    } else {
        "Sample Test Predictions"
    };
    let columns = (tiles.len() as f64).sqrt().ceil() as usize;
    let (png, w, h) = draw::sample_grid_png(heading, &tiles, columns).map_err(CliError::Failed)?;
    write_atomic(&args.out, &png)?;
    let wrong = tiles.iter().filter(|t| t.wrong).count();
    println!(
        "{} ({w}x{h}): {} images, {wrong} misclassified",
        args.out.display(),
        tiles.len()
    );
    Ok(true)
}

/// The photos an ImageNet model is evaluated on: `--dataset DIR`, the first `--limit`.
fn imagenet_photos(args: &DataArgs) -> Result<Vec<imagenet_folder::LabelledPhoto>, CliError> {
    let dir = args.dataset.as_deref().ok_or_else(|| {
        CliError::Usage(
            "an ImageNet model is evaluated on a folder of photos: --dataset DIR (DIR/<class>/*.jpg, <class> a synset id or class name)".into(),
        )
    })?;
    let mut photos = imagenet_folder::photos(Path::new(dir))?;
    if let Some(n) = args.limit {
        photos.truncate(n);
    }
    Ok(photos)
}

/// `infer IMAGE...`: prints each prediction; errors of single files go to stderr.
fn predict_command(args: &cli::PredictArgs, device: &Device) -> Result<bool, CliError> {
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

/// The test split the model is evaluated on: raw images and the model's preprocessing of them.
fn test_set(
    model: &LoadedModel,
    args: &DataArgs,
) -> Result<(ImageDataset, PreparedDataset), CliError> {
    let Labels::Dataset(trained_on) = &model.labels else {
        return Err(CliError::Usage(
            "eval and samples need a model trained on mnist, fashion-mnist, cifar10 or an image folder".into(),
        ));
    };
    let kind: DatasetSource = match &args.dataset {
        Some(name) => name.parse::<DatasetKind>().map_err(CliError::usage)?.into(),
        None => trained_on.clone(),
    };
    let mut raw = kind
        .load(Split::Test, args.data_dir.as_deref())
        .map_err(CliError::failed)?;
    if let Some(n) = args.limit {
        raw = raw.limit(n);
    }
    let prepared = PreparedDataset::prepare(&raw, &model.pipeline);
    if prepared.shape() != model.input_shape() || raw.num_classes() != model.class_names().len() {
        return Err(CliError::Usage(format!(
            "{kind} ({} classes) does not fit the model {} trained on {}",
            raw.num_classes(),
            model.model.name,
            trained_on
        )));
    }
    Ok((raw, prepared))
}

/// Writes `bytes` to `path` through a temporary sibling file and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    data::files::write_atomic(path, bytes)
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))
}
