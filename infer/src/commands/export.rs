//! `infer export`: a model's weights as `.safetensors` with PyTorch's key names.

use burn::prelude::Device;

use crate::CliError;
use crate::cli::ExportArgs;
use crate::loaded_model::LoadedModel;

/// Loads the model `args` names and writes its weights to `args.out`.
pub fn export_command(args: &ExportArgs, device: &Device) -> Result<bool, CliError> {
    let model = LoadedModel::from_args(&args.model, None, device)?;
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
