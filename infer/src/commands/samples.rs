//! `infer samples`: a grid of random test images titled with the model's prediction and the
//! truth (wrong ones in red), or with the truth alone.

use burn::prelude::Device;

use super::inputs::{imagenet_photos, test_set, write_atomic};
use crate::cli::SamplesArgs;
use crate::loaded_model::{Labels, LoadedModel};
use crate::{CliError, draw, imagenet_folder, samples};

/// `infer samples`: a grid PNG of random test images titled with prediction and truth.
pub fn samples_command(args: &SamplesArgs, device: &Device) -> Result<bool, CliError> {
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
