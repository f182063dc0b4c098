//! The initial weights of a fine-tuning run: a PyTorch-format file (`--init-from`) or
//! torchvision's ImageNet weights (`--pretrained`), read before the run folder exists so that
//! a bad file leaves nothing behind, and loaded into the fresh network with a new classifier
//! when the class counts differ.

use std::path::PathBuf;

use model::Network;

use crate::cli::Cli;
use crate::config::TrainConfig;
use common::CliError;

/// Weights to start training from, already read.
pub struct InitFrom {
    /// The file they were read from.
    pub path: PathBuf,
    /// `--allow-partial`: load what fits and keep the initial values of the rest, instead of
    /// refusing a file that does not match the network.
    pub allow_partial: bool,
    /// The file's tensors.
    pub tensors: interop::FileTensors,
}

impl InitFrom {
    /// The weights the command line asks to start from, if any: `--init-from`'s file, or with
    /// `--pretrained` torchvision's weights of `config`'s model (downloaded into torch's cache
    /// once). A file that cannot be read is a usage error.
    pub fn read(cli: &Cli, config: &TrainConfig) -> Result<Option<Self>, CliError> {
        let path = match &cli.init_from {
            Some(path) => path.clone(),
            None if cli.pretrained => pretrained_weights(&config.model.name, cli)?,
            None => return Ok(None),
        };
        let tensors = interop::read_tensors(&path)
            .map_err(|e| CliError::Usage(format!("--init-from: {e}")))?;
        Ok(Some(Self {
            path,
            allow_partial: cli.allow_partial,
            tensors,
        }))
    }

    /// `net` with these weights loaded (a classifier of another shape is kept as initialized);
    /// prints what was loaded.
    pub fn load_into(self, net: Network) -> Result<Network, CliError> {
        let options = interop::LoadOptions {
            new_head: true,
            allow_partial: self.allow_partial,
        };
        let (net, report) = interop::load_tensors(net, self.tensors, options, &self.path)
            .map_err(|e| CliError::Usage(format!("--init-from: {e}")))?;
        // e.g. "10 tensors loaded; mismatched: fc3.weight: file [5, 84] vs network [10, 84], ..."
        println!("init-from {}: {report}", self.path.display());
        Ok(net)
    }
}

/// torchvision's ImageNet weights of `model` (`--pretrained`): the file in torch's cache, or
/// downloaded into it.
fn pretrained_weights(model: &str, cli: &Cli) -> Result<PathBuf, CliError> {
    use std::io::IsTerminal;
    let entry = interop::pretrained::lookup(model).map_err(CliError::usage)?;
    interop::pretrained::fetch(
        entry,
        &interop::pretrained::cache_dir(),
        interop::pretrained::mirror(cli.weights_mirror.as_deref()).as_deref(),
        std::io::stderr().is_terminal(),
    )
    .map_err(CliError::failed)
}
