//! `infer IMAGE...`: each image made to look like the training data (see [`crate::preprocess`]),
//! then the model's own preprocessing, a forward pass and softmax: the top-k classes.

use std::path::{Path, PathBuf};

use crate::preprocess::{load_image, to_dataset_style};
use crate::run::LoadedModel;

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
        let best = self.best();
        let top: Vec<serde_json::Value> = self
            .top_k
            .iter()
            .map(|r| serde_json::json!({"class": r.class, "label": r.label, "probability": r.probability}))
            .collect();
        serde_json::json!({
            "path": self.path.display().to_string(),
            "class": best.class,
            "label": best.label,
            "probability": best.probability,
            "top_k": top,
        })
        .to_string()
    }
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

/// Classifies every file of `paths`: a prediction, or the one-line error of that file.
/// Good images are batched together; a bad one does not stop the others.
pub fn predict_files(
    model: &LoadedModel,
    paths: &[PathBuf],
    top_k: usize,
) -> Vec<Result<Prediction, String>> {
    let style = model.style();
    let prepared: Vec<Result<Vec<f32>, String>> = paths
        .iter()
        .map(|path| {
            let image = load_image(path)?;
            let (pixels, shape) = to_dataset_style(&image, style);
            Ok(model.pipeline.apply(&pixels, shape))
        })
        .collect();
    let good: Vec<f32> = prepared
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .flatten()
        .copied()
        .collect();
    let n = prepared.iter().filter(|p| p.is_ok()).count();
    let mut probabilities = if n > 0 {
        model.probabilities(good, n)
    } else {
        Vec::new()
    }
    .into_iter();
    paths
        .iter()
        .zip(prepared)
        .map(|(path, prepared)| {
            prepared.map(|_| Prediction {
                path: path.clone(),
                top_k: rank(
                    &probabilities.next().unwrap_or_default(),
                    &model.class_names(),
                    top_k,
                ),
            })
        })
        .collect()
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
