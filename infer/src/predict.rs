//! `infer IMAGE...`: each image made to look like the training data (see [`crate::preprocess`]),
//! then the model's own preprocessing, a forward pass and softmax: the top-k classes.

use std::path::{Path, PathBuf};

use image::DynamicImage;

use crate::loaded_model::LoadedModel;
use crate::preprocess::load_image;

/// One class with its probability.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Class index.
    pub label: usize,
    /// Class name.
    pub class: String,
    /// Softmax probability.
    pub probability: f32,
}

/// The prediction for one image: its best `top_k` classes, most probable first.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The image file.
    pub path: PathBuf,
    /// Best classes, most probable first (at least one).
    pub top_k: Vec<Ranked>,
}

impl Prediction {
    /// The most probable class.
    pub fn best(&self) -> &Ranked {
        &self.top_k[0]
    }

    /// One line of text: `digit.png: 7 (99.87 %)  top-3: 7 99.87 %, 3 0.08 %, 9 0.03 %`.
    pub fn to_text(&self) -> String {
        let best = self.best();
        let ranked: Vec<String> = self
            .top_k
            .iter()
            .map(|r| format!("{} {:.2} %", r.class, r.probability * 100.0))
            .collect();
        format!(
            "{}: {} ({:.2} %)  top-{}: {}",
            self.path.display(),
            best.class,
            best.probability * 100.0,
            self.top_k.len(),
            ranked.join(", ")
        )
    }

    /// One JSON object: `{"path", "class", "label", "probability", "top_k": [{"class", "label", "probability"}]}`.
    pub fn to_json(&self) -> String {
        let mut json = ranked_json(&self.top_k);
        json["path"] = self.path.display().to_string().into();
        json.to_string()
    }
}

/// Ranked classes as JSON: `{"class", "label", "probability"}` of the best (`class` = name,
/// `label` = index) and `"top_k": [{"class", "label", "probability"}]`, most probable first.
pub fn ranked_json(top_k: &[Ranked]) -> serde_json::Value {
    let entry = |r: &Ranked| serde_json::json!({"class": r.class, "label": r.label, "probability": r.probability});
    let mut json = entry(&top_k[0]);
    json["top_k"] = top_k.iter().map(entry).collect();
    json
}

/// The `k` most probable classes of `probabilities`, most probable first.
pub fn rank(probabilities: &[f32], class_names: &[&str], k: usize) -> Vec<Ranked> {
    let mut order: Vec<usize> = (0..probabilities.len()).collect();
    order.sort_by(|&a, &b| probabilities[b].total_cmp(&probabilities[a]));
    order
        .into_iter()
        .take(k.max(1))
        .map(|label| Ranked {
            label,
            class: class_names
                .get(label)
                .map_or_else(|| label.to_string(), |s| s.to_string()),
            probability: probabilities[label],
        })
        .collect()
}

/// The index of the most probable class of `probabilities` (the last of equal ones; 0 for
/// none): the prediction `eval` and `samples` count and show.
pub fn most_probable(probabilities: &[f32]) -> usize {
    probabilities
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i)
}

/// Images per forward pass when `infer` classifies many files: a folder of pictures runs at
/// the batch speed, with the memory of one batch.
pub const BATCH_SIZE: usize = 64;

/// Classifies every file of `paths`: a prediction, or the one-line error of that file.
/// Good images go through the model [`BATCH_SIZE`] at a time; a bad one does not stop the
/// others.
pub fn predict_files(
    model: &LoadedModel,
    paths: &[PathBuf],
    top_k: usize,
) -> Vec<Result<Prediction, String>> {
    let class_names = model.class_names();
    paths
        .iter()
        .zip(probabilities_in_batches(model, paths, |path| {
            load_image(path)
        }))
        .map(|(path, probabilities)| {
            probabilities.map(|p| Prediction {
                path: path.clone(),
                top_k: rank(&p, &class_names, top_k),
            })
        })
        .collect()
}

/// The class probabilities `[classes]` of each of `items`, whose images `load` decodes, or
/// the error of `load`. Images are prepared for `model` and go through it [`BATCH_SIZE`] at a
/// time, so that many files run at the batch speed with the memory of one batch.
pub fn probabilities_in_batches<T>(
    model: &LoadedModel,
    items: &[T],
    load: impl Fn(&T) -> Result<DynamicImage, String>,
) -> Vec<Result<Vec<f32>, String>> {
    let preparation = model.preparation();
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(BATCH_SIZE) {
        let inputs: Vec<Result<Vec<f32>, String>> = chunk
            .iter()
            .map(|item| Ok(preparation.apply(&load(item)?)))
            .collect();
        let good: Vec<f32> = inputs.iter().flatten().flatten().copied().collect();
        let n = inputs.iter().filter(|i| i.is_ok()).count();
        let mut probabilities = if n > 0 {
            model.probabilities(good, n)
        } else {
            Vec::new()
        }
        .into_iter();
        out.extend(
            inputs
                .into_iter()
                .map(|input| input.map(|_| probabilities.next().unwrap_or_default())),
        );
    }
    out
}

/// The sample images shipped in `infer/samples/` (for `infer` without arguments), sorted.
pub fn shipped_samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_probable_is_the_last_of_the_highest() {
        assert_eq!(most_probable(&[0.1, 0.7, 0.2]), 1);
        assert_eq!(most_probable(&[0.4, 0.2, 0.4]), 2);
        assert_eq!(most_probable(&[]), 0);
        // `rank`, whose order `infer IMAGE` prints, puts the first of equal ones first.
        let ranked = rank(&[0.4, 0.2, 0.4], &["a", "b", "c"], 3);
        let labels: Vec<usize> = ranked.iter().map(|r| r.label).collect();
        assert_eq!(labels, [0, 2, 1]);
        assert_eq!(ranked[0].class, "a");
    }
}
