//! `infer eval`: the model on a whole test set — accuracy, per-class accuracy and the confusion
//! matrix (rows: true class, columns: predicted class), as tables, JSON and a heat map.

use std::fmt::Write as _;

use burn::data::dataset::Dataset;
use data::PreparedDataset;

use crate::loaded_model::LoadedModel;
use crate::predict::most_probable;

/// Counts of (true class, predicted class) over a test set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Class names, index = label.
    pub class_names: Vec<String>,
    /// `confusion[truth][predicted]` = number of images.
    pub confusion: Vec<Vec<usize>>,
}

impl Evaluation {
    /// Number of images.
    pub fn total(&self) -> usize {
        self.confusion.iter().flatten().sum()
    }

    /// Correctly classified images (the diagonal).
    pub fn correct(&self) -> usize {
        (0..self.confusion.len())
            .map(|i| self.confusion[i][i])
            .sum()
    }

    /// Fraction correct, in [0, 1].
    pub fn accuracy(&self) -> f64 {
        self.correct() as f64 / self.total().max(1) as f64
    }

    /// Per true class: fraction correct (NaN for a class with no image).
    pub fn per_class(&self) -> Vec<f64> {
        self.confusion
            .iter()
            .enumerate()
            .map(|(i, row)| row[i] as f64 / row.iter().sum::<usize>() as f64)
            .collect()
    }

    /// The accuracy line, the per-class table and the confusion matrix as text.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "accuracy: {:.4} ({} / {})\n\nper class:\n",
            self.accuracy(),
            self.correct(),
            self.total()
        );
        let width = self
            .class_names
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(1)
            .max(5);
        for ((name, acc), row) in self
            .class_names
            .iter()
            .zip(self.per_class())
            .zip(&self.confusion)
        {
            let _ = writeln!(
                out,
                "  {name:<width$}  {:>7.2} %  ({} images)",
                acc * 100.0,
                row.iter().sum::<usize>()
            );
        }
        let _ = writeln!(
            out,
            "\nconfusion matrix (rows: true class, columns: predicted):"
        );
        let cell = self
            .confusion
            .iter()
            .flatten()
            .max()
            .map_or(1, |m| m.to_string().len())
            .max(4);
        let _ = write!(out, "  {:<width$} ", "");
        for j in 0..self.class_names.len() {
            let _ = write!(out, " {j:>cell$}");
        }
        out.push('\n');
        for (i, row) in self.confusion.iter().enumerate() {
            let name = &self.class_names[i];
            let label = if *name == i.to_string() {
                name.clone()
            } else {
                format!("{i} {name}")
            };
            let _ = write!(
                out,
                "  {:<width$} ",
                label.chars().take(width).collect::<String>()
            );
            for count in row {
                let _ = write!(out, " {count:>cell$}");
            }
            out.push('\n');
        }
        out
    }

    /// One JSON object: accuracy, per-class accuracy, confusion matrix, class names.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "accuracy": self.accuracy(),
            "correct": self.correct(),
            "total": self.total(),
            "per_class": self.per_class(),
            "confusion": self.confusion,
            "class_names": self.class_names,
        })
        .to_string()
    }
}

/// Runs `model` over every image of `test` (already prepared with the model's pipeline).
pub fn evaluate(model: &LoadedModel, test: &PreparedDataset) -> Evaluation {
    let classes = model.class_names().len();
    let mut confusion = vec![vec![0usize; classes]; classes];
    let [c, h, w] = test.shape();
    let batch = 500;
    for start in (0..test.len()).step_by(batch) {
        let end = (start + batch).min(test.len());
        let mut pixels = Vec::with_capacity((end - start) * c * h * w);
        let mut labels = Vec::with_capacity(end - start);
        for i in start..end {
            if let Ok(item) = test.get(i) {
                pixels.extend_from_slice(&item.image);
                labels.push(item.label);
            }
        }
        let probabilities = model.probabilities(pixels, labels.len());
        for (probs, truth) in probabilities.iter().zip(labels) {
            confusion[truth][most_probable(probs)] += 1;
        }
    }
    Evaluation {
        class_names: model.class_names().iter().map(|s| s.to_string()).collect(),
        confusion,
    }
}
