//! What the server knows of its model besides the network: the answer of `GET /model` and how
//! a request's image becomes an input.

use crate::loaded_model::LoadedModel;
use crate::preprocess::{ImageStyle, InputPreparation};

/// The served model's description, shared by the request handlers (the network itself lives
/// on the inference thread).
#[derive(Debug, Clone)]
pub struct ModelCard {
    /// Zoo name (`lenet5`, `resnet18`, ...).
    pub name: String,
    /// Where the weights come from: a run folder, a weights file, the embedded model.
    pub source: String,
    /// Class names, index = label.
    pub class_names: Vec<String>,
    /// One input `[C, H, W]`.
    pub input_shape: [usize; 3],
    /// Trainable parameters, counted as PyTorch does.
    pub parameters: usize,
    /// How a decoded image becomes one input `[C·H·W]`.
    pub preparation: InputPreparation,
}

impl ModelCard {
    /// The card of `model`.
    pub fn of(model: &LoadedModel) -> Self {
        Self {
            name: model.model.name.clone(),
            source: model.source(),
            class_names: model.class_names().iter().map(|s| s.to_string()).collect(),
            input_shape: model.input_shape(),
            parameters: model::params::trainable_params(&model.net),
            preparation: model.preparation(),
        }
    }

    /// Whether the page offers a canvas: the model reads handwritten digits (MNIST-style).
    pub fn drawable(&self) -> bool {
        self.preparation.style == ImageStyle::Digit
    }

    /// `GET /model`: `{"name", "source", "classes": [...], "num_classes", "input_shape": [C, H, W],
    /// "parameters", "drawable"}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "source": self.source,
            "classes": self.class_names,
            "num_classes": self.class_names.len(),
            "input_shape": self.input_shape,
            "parameters": self.parameters,
            "drawable": self.drawable(),
        })
    }
}
