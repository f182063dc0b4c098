//! `infer summary`: the torchsummary-style table of a zoo architecture.

use burn::prelude::*;
use model::{ModelConfig, Summary, summarize};

use crate::InferError;
use crate::cli::SummaryArgs;

/// Builds the architecture named in `args` on `device` and tabulates it for its input shape.
pub fn summary(args: &SummaryArgs, device: &Device) -> Result<Summary, InferError> {
    let mut config = ModelConfig::new(args.model.clone()).with_num_classes(args.num_classes);
    if let Some([c, _, _]) = args.input {
        config = config.with_in_channels(Some(c));
    }
    let usage = |e: model::UnknownModel| InferError::Usage(e.to_string());
    let [c, h, w] = config.input_shape().map_err(usage)?;
    let input = args.input.unwrap_or([c, h, w]);
    let network = config.init(device).map_err(usage)?;
    // A too-small input makes a layer panic inside burn: catch it (silently) and say so.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        summarize(&network, input, device)
    }));
    std::panic::set_hook(hook);
    result.map_err(|_| {
        InferError::Usage(format!(
            "input {}x{}x{} does not fit {} (its input is {c}x{h}x{w})",
            input[0], input[1], input[2], args.model
        ))
    })
}
