//! What `eval` and `samples` read and write: the test split of the model's dataset (or the
//! photos of an ImageNet folder), and their pictures, written atomically.

use std::path::Path;

use data::{DatasetKind, DatasetSource, ImageDataset, PreparedDataset, Split};

use crate::cli::DataArgs;
use crate::loaded_model::{Labels, LoadedModel};
use crate::{CliError, imagenet_folder};

/// The photos an ImageNet model is evaluated on: `--dataset DIR`, the first `--limit`.
pub fn imagenet_photos(args: &DataArgs) -> Result<Vec<imagenet_folder::LabelledPhoto>, CliError> {
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

/// The test split the model is evaluated on: raw images and the model's preprocessing of them.
pub fn test_set(
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
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    data::files::write_atomic(path, bytes)
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))
}
