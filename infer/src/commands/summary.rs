//! `infer summary`: the torchsummary-style table of a zoo architecture or of a run's model.

use burn::prelude::*;
use model::{ModelConfig, Network, Summary, summarize};

use crate::cli::SummaryArgs;
use crate::loaded_model::LoadedModel;
use common::CliError;

/// Tabulates the run's model (`--run`) or the architecture named by `--model` on `device`,
/// for its input shape or `--input`.
pub fn summary(args: &SummaryArgs, device: &Device) -> Result<Summary, CliError> {
    let (network, config) = match &args.run {
        Some(dir) => {
            let loaded = LoadedModel::from_run(dir, device)?;
            (loaded.net, loaded.model)
        }
        None => {
            let name = args.model.clone().unwrap_or_else(|| "lenet5".into());
            let mut config = ModelConfig::new(name).with_num_classes(args.num_classes);
            if let Some([c, _, _]) = args.input {
                config = config.with_in_channels(Some(c));
            }
            (config.init(device).map_err(CliError::usage)?, config)
        }
    };
    let [c, h, w] = config.input_shape().map_err(CliError::usage)?;
    let input = args.input.unwrap_or([c, h, w]);
    tabulate(&network, &config.name, input, [c, h, w], device)
}

/// The table for `input`; a shape the network cannot take is a usage error, not a panic.
fn tabulate(
    network: &Network,
    name: &str,
    input: [usize; 3],
    default: [usize; 3],
    device: &Device,
) -> Result<Summary, CliError> {
    // A too-small input makes a layer panic inside burn: catch it (silently) and say so.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        summarize(network, input, device)
    }));
    std::panic::set_hook(hook);
    result.map_err(|_| {
        let [c, h, w] = default;
        CliError::Usage(format!(
            "input {}x{}x{} does not fit {name} (its input is {c}x{h}x{w})",
            input[0], input[1], input[2]
        ))
    })
}
