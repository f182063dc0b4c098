//! `infer eval` and `infer samples` for ImageNet models (torchvision's pretrained weights) on a
//! folder of photos laid out as torchvision's `ImageFolder` reads ImageNet's validation set:
//! `DIR/<class>/*.JPEG` (or `DIR/val/<class>/...`, `DIR/test/<class>/...`), where `<class>` is
//! an ImageNet synset id (`n01440764`) or a torchvision class name (`tench`). Each folder's
//! images are labelled with that class's ImageNet index, so a folder may hold any subset of
//! the 1000 classes. Every photo is prepared as torchvision's evaluation transform prepares it
//! (shorter side resized, centre crop, ImageNet mean and std) and classified in batches.

use std::path::{Path, PathBuf};

use crate::draw::Tile;
use crate::loaded_model::LoadedModel;
use crate::predict::{most_probable, probabilities_in_batches};
use crate::preprocess::{load_image, to_dataset_style};
use common::CliError;

/// ImageNet's synset ids in class-index order (sorted, as `ImageFolder` orders them).
const WNIDS: &str = include_str!("../imagenet_wnids.txt");

/// One photo and the ImageNet index of its folder's class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledPhoto {
    /// The image file.
    pub path: PathBuf,
    /// ImageNet class index, 0..1000.
    pub label: usize,
}

/// The ImageNet index of a class folder's name: a synset id or a class name (any case).
pub fn imagenet_label(folder: &str) -> Option<usize> {
    WNIDS.lines().position(|w| w == folder).or_else(|| {
        crate::imagenet::class_names()
            .iter()
            .position(|name| name.eq_ignore_ascii_case(folder))
    })
}

/// The photos of an ImageNet-style folder, sorted by class then file name.
pub fn photos(dir: &Path) -> Result<Vec<LabelledPhoto>, CliError> {
    if !dir.is_dir() {
        return Err(CliError::Usage(format!(
            "--dataset {}: no such folder (an ImageNet model is evaluated on a folder of photos, DIR/<class>/*.jpg)",
            dir.display()
        )));
    }
    let root = ["val", "test"]
        .iter()
        .map(|split| dir.join(split))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| dir.to_path_buf());
    let listing = |d: &Path| -> Result<Vec<PathBuf>, CliError> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(d)
            .map_err(|e| CliError::Failed(format!("cannot read {}: {e}", d.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        Ok(entries)
    };
    let mut photos = Vec::new();
    for class_dir in listing(&root)?.into_iter().filter(|p| p.is_dir()) {
        let name = class_dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let label = imagenet_label(&name).ok_or_else(|| {
            CliError::Usage(format!(
                "{}: '{name}' is neither an ImageNet synset id (n01440764) nor a class name (tench)",
                class_dir.display()
            ))
        })?;
        photos.extend(
            listing(&class_dir)?
                .into_iter()
                .filter(|p| has_image_extension(p))
                .map(|path| LabelledPhoto { path, label }),
        );
    }
    if photos.is_empty() {
        return Err(CliError::Usage(format!(
            "{}: no class folders with images (.jpg, .jpeg, .png, .bmp)",
            root.display()
        )));
    }
    Ok(photos)
}

/// Whether `path` ends in an image extension the data crate reads (any case).
fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| data::folder::EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// How one class's photos fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassScore {
    /// ImageNet class index.
    pub label: usize,
    /// Class name.
    pub name: String,
    /// Photos of the class that were classified.
    pub photos: usize,
    /// ... with the class first.
    pub top1: usize,
    /// ... with the class among the five most probable.
    pub top5: usize,
}

/// Top-1 and top-5 counts per class of an evaluation on photos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoEvaluation {
    /// Per class present, in label order.
    pub classes: Vec<ClassScore>,
    /// Photos that could not be read: one line each, naming the file.
    pub unreadable: Vec<String>,
}

impl PhotoEvaluation {
    /// Photos classified.
    pub fn total(&self) -> usize {
        self.classes.iter().map(|c| c.photos).sum()
    }

    /// Fraction with the true class first.
    pub fn top1(&self) -> f64 {
        self.classes.iter().map(|c| c.top1).sum::<usize>() as f64 / self.total().max(1) as f64
    }

    /// Fraction with the true class among the five most probable.
    pub fn top5(&self) -> f64 {
        self.classes.iter().map(|c| c.top5).sum::<usize>() as f64 / self.total().max(1) as f64
    }

    /// The accuracy lines and the per-class table.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "accuracy: {:.4} top-1, {:.4} top-5 ({} photos, {} classes)\n\nper class (top-1, top-5):\n",
            self.top1(),
            self.top5(),
            self.total(),
            self.classes.len()
        );
        for c in &self.classes {
            out.push_str(&format!(
                "  {:>4} {:<24} {:>7.2} % {:>7.2} %  ({} photos)\n",
                c.label,
                c.name,
                100.0 * c.top1 as f64 / c.photos as f64,
                100.0 * c.top5 as f64 / c.photos as f64,
                c.photos
            ));
        }
        out
    }

    /// One JSON object: `accuracy` (top-1), `top5`, `total`, `per_class`: [{label, class,
    /// photos, top1, top5}], `unreadable`.
    pub fn to_json(&self) -> String {
        let per_class: Vec<serde_json::Value> = self
            .classes
            .iter()
            .map(|c| {
                serde_json::json!({"label": c.label, "class": c.name, "photos": c.photos,
                    "top1": c.top1 as f64 / c.photos as f64, "top5": c.top5 as f64 / c.photos as f64})
            })
            .collect();
        serde_json::json!({
            "accuracy": self.top1(),
            "top5": self.top5(),
            "total": self.total(),
            "per_class": per_class,
            "unreadable": self.unreadable,
        })
        .to_string()
    }
}

/// The class probabilities `[1000]` of each photo, or why it could not be read.
fn classify(model: &LoadedModel, photos: &[LabelledPhoto]) -> Vec<Result<Vec<f32>, String>> {
    probabilities_in_batches(model, photos, |photo| load_image(&photo.path))
}

/// The rank (0 = best) of class `label` in `probabilities`.
fn rank_of(probabilities: &[f32], label: usize) -> usize {
    let p = probabilities
        .get(label)
        .copied()
        .unwrap_or(f32::NEG_INFINITY);
    probabilities.iter().filter(|&&q| q > p).count()
}

/// Top-1 and top-5 accuracy of `model` on `photos`.
pub fn evaluate(model: &LoadedModel, photos: &[LabelledPhoto]) -> PhotoEvaluation {
    let names = model.class_names();
    let mut classes: Vec<ClassScore> = Vec::new();
    let mut unreadable = Vec::new();
    for (photo, outcome) in photos.iter().zip(classify(model, photos)) {
        let probabilities = match outcome {
            Ok(p) => p,
            Err(problem) => {
                unreadable.push(problem);
                continue;
            }
        };
        let rank = rank_of(&probabilities, photo.label);
        let score = match classes.iter().position(|c| c.label == photo.label) {
            Some(i) => &mut classes[i],
            None => {
                classes.push(ClassScore {
                    label: photo.label,
                    name: names.get(photo.label).copied().unwrap_or("?").to_string(),
                    photos: 0,
                    top1: 0,
                    top5: 0,
                });
                classes.last_mut().expect("just pushed")
            }
        };
        score.photos += 1;
        score.top1 += usize::from(rank == 0);
        score.top5 += usize::from(rank < 5);
    }
    classes.sort_by_key(|c| c.label);
    PhotoEvaluation {
        classes,
        unreadable,
    }
}

/// Sample-grid tiles of `photos` (the centre crops the model sees), titled with the
/// prediction and the truth, or the truth alone without `model`.
pub fn tiles(
    model: &LoadedModel,
    photos: &[LabelledPhoto],
    with_predictions: bool,
) -> Result<Vec<Tile>, CliError> {
    let names = model.class_names();
    let style = model.style();
    let outcomes = if with_predictions {
        classify(model, photos)
    } else {
        vec![Ok(Vec::new()); photos.len()]
    };
    photos
        .iter()
        .zip(outcomes)
        .map(|(photo, outcome)| {
            let image = load_image(&photo.path).map_err(CliError::Failed)?;
            let (pixels, shape) = to_dataset_style(&image, style);
            let truth = names[photo.label];
            let (title, wrong) = match (with_predictions, outcome) {
                (true, Ok(probabilities)) => {
                    let best = most_probable(&probabilities);
                    (
                        format!("{} (truth {truth})", names[best]),
                        best != photo.label,
                    )
                }
                (true, Err(problem)) => return Err(CliError::Failed(problem)),
                (false, _) => (format!("Truth: {truth}"), false),
            };
            Ok(Tile {
                pixels,
                shape,
                title,
                wrong,
            })
        })
        .collect()
}
