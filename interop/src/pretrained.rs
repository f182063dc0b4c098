//! torchvision's pretrained ImageNet weights by zoo name, as `torchvision.models.<arch>(weights="DEFAULT")`
//! gets them: torchvision's own files at torchvision's URLs, cached where torch caches them
//! (`$TORCH_HOME/hub/checkpoints/`, default `~/.cache/torch/hub/checkpoints/`), so that a file
//! downloaded by torchvision is used as it is and one downloaded here serves torchvision too.
//!
//! As torch's `load_state_dict_from_url(check_hash=True)`: a download is checked against the
//! hash prefix in the file's name (`resnet18-f37072fd.pth`: the sha256 of the file begins with
//! `f37072fd`), written under a temporary name and renamed; a file already in the cache is used
//! without a request. `--weights-mirror URL` or `$CNN_WEIGHTS_MIRROR` replaces
//! `https://download.pytorch.org/models/` for machines behind a mirror.
//!
//! The table ([`PRETRAINED`]) is torchvision 0.29's `DEFAULT` entry of each architecture the
//! zoo has (`IMAGENET1K_V2` for ResNet-50/101/152, which torchvision evaluates with a shorter
//! side of 232 instead of 256; `IMAGENET1K_V1` elsewhere). torchvision's VGG with batch norm
//! (`vgg11_bn` ...) has no zoo architecture here.

use std::path::{Path, PathBuf};

use crate::error::InteropError;

/// Environment variable naming a mirror of `https://download.pytorch.org/models/`.
pub const MIRROR_ENV: &str = "CNN_WEIGHTS_MIRROR";

/// torchvision's download folder.
pub const UPSTREAM: &str = "https://download.pytorch.org/models/";

/// Per-channel mean (RGB) of torchvision's ImageNet evaluation transform.
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// Per-channel standard deviation (RGB) of the same transform.
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// One pretrained checkpoint of torchvision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PretrainedWeights {
    /// Zoo name (`resnet18`, `alexnet-torchvision`, ...).
    pub model: &'static str,
    /// torchvision's weights enum (`ResNet18_Weights.IMAGENET1K_V1`).
    pub weights: &'static str,
    /// torchvision's file name, `<arch>-<sha256 prefix>.pth`.
    pub file_name: &'static str,
    /// The first hex digits of the file's sha256 (the hash in its name).
    pub sha256_prefix: &'static str,
    /// Trainable parameters, as torchvision's `num_params`.
    pub params: usize,
    /// torchvision's published ImageNet-1K top-1 accuracy, in percent.
    pub top1: f64,
    /// ... and top-5.
    pub top5: f64,
    /// Shorter side of an image before the centre crop (torchvision's `resize_size`).
    pub resize: usize,
    /// Side of the centre crop (`crop_size`).
    pub crop: usize,
}

/// Shorthand for the table.
#[allow(clippy::too_many_arguments)]
const fn entry(
    model: &'static str,
    weights: &'static str,
    file_name: &'static str,
    sha256_prefix: &'static str,
    params: usize,
    top1: f64,
    top5: f64,
    resize: usize,
) -> PretrainedWeights {
    PretrainedWeights {
        model,
        weights,
        file_name,
        sha256_prefix,
        params,
        top1,
        top5,
        resize,
        crop: 224,
    }
}

/// Every zoo architecture with torchvision weights (torchvision 0.29, `weights="DEFAULT"`).
#[rustfmt::skip]
pub const PRETRAINED: [PretrainedWeights; 11] = [
    entry("alexnet-torchvision", "AlexNet_Weights.IMAGENET1K_V1", "alexnet-owt-7be5be79.pth", "7be5be79", 61_100_840, 56.522, 79.066, 256),
    entry("vgg11", "VGG11_Weights.IMAGENET1K_V1", "vgg11-8a719046.pth", "8a719046", 132_863_336, 69.020, 88.628, 256),
    entry("vgg13", "VGG13_Weights.IMAGENET1K_V1", "vgg13-19584684.pth", "19584684", 133_047_848, 69.928, 89.246, 256),
    entry("vgg16", "VGG16_Weights.IMAGENET1K_V1", "vgg16-397923af.pth", "397923af", 138_357_544, 71.592, 90.382, 256),
    entry("vgg19", "VGG19_Weights.IMAGENET1K_V1", "vgg19-dcbb9e9d.pth", "dcbb9e9d", 143_667_240, 72.376, 90.876, 256),
    entry("googlenet", "GoogLeNet_Weights.IMAGENET1K_V1", "googlenet-1378be20.pth", "1378be20", 6_624_904, 69.778, 89.530, 256),
    entry("resnet18", "ResNet18_Weights.IMAGENET1K_V1", "resnet18-f37072fd.pth", "f37072fd", 11_689_512, 69.758, 89.078, 256),
    entry("resnet34", "ResNet34_Weights.IMAGENET1K_V1", "resnet34-b627a593.pth", "b627a593", 21_797_672, 73.314, 91.420, 256),
    entry("resnet50", "ResNet50_Weights.IMAGENET1K_V2", "resnet50-11ad3fa6.pth", "11ad3fa6", 25_557_032, 80.858, 95.434, 232),
    entry("resnet101", "ResNet101_Weights.IMAGENET1K_V2", "resnet101-cd907fc2.pth", "cd907fc2", 44_549_160, 81.886, 95.780, 232),
    entry("resnet152", "ResNet152_Weights.IMAGENET1K_V2", "resnet152-f82ba261.pth", "f82ba261", 60_192_808, 82.284, 96.002, 232),
];

impl PretrainedWeights {
    /// The URL of the file upstream, or under `mirror` (a base URL).
    pub fn url(&self, mirror: Option<&str>) -> String {
        let base = mirror.unwrap_or(UPSTREAM).trim_end_matches('/');
        format!("{base}/{}", self.file_name)
    }

    /// Where torch keeps the file: `cache/<file name>`.
    pub fn cached_path(&self, cache: &Path) -> PathBuf {
        cache.join(self.file_name)
    }
}

/// The hash torch's `check_hash` reads from a file name: the hex digits after the first `-`
/// that they follow up to a `.` (torch's regex `-([a-f0-9]*)\.`), e.g. `f37072fd` of
/// `resnet18-f37072fd.pth` and `7be5be79` of `alexnet-owt-7be5be79.pth`.
pub fn hash_in_file_name(name: &str) -> Option<&str> {
    name.match_indices('-').find_map(|(i, _)| {
        let rest = &name[i + 1..];
        let digits = rest
            .find(|c: char| !matches!(c, '0'..='9' | 'a'..='f'))
            .unwrap_or(rest.len());
        rest[digits..].starts_with('.').then(|| &rest[..digits])
    })
}

/// The table entry of zoo architecture `model`, or an error listing the architectures that
/// have one.
pub fn lookup(model: &str) -> Result<&'static PretrainedWeights, InteropError> {
    PRETRAINED.iter().find(|w| w.model == model).ok_or_else(|| {
        let names: Vec<&str> = PRETRAINED.iter().map(|w| w.model).collect();
        InteropError::Pretrained(format!(
            "torchvision has no pretrained weights for '{model}'; --pretrained takes {}",
            names.join(", ")
        ))
    })
}

/// The mirror to download from: `flag` (`--weights-mirror`), else `$CNN_WEIGHTS_MIRROR`, else
/// none (upstream).
pub fn mirror(flag: Option<&str>) -> Option<String> {
    flag.map(str::to_string)
        .or_else(|| std::env::var(MIRROR_ENV).ok().filter(|m| !m.is_empty()))
}

/// torch's checkpoint cache: `$TORCH_HOME/hub/checkpoints`, where `TORCH_HOME` defaults to
/// `$XDG_CACHE_HOME/torch`, then `~/.cache/torch`.
pub fn cache_dir() -> PathBuf {
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let torch_home = var("TORCH_HOME").unwrap_or_else(|| {
        var("XDG_CACHE_HOME")
            .or_else(|| var("HOME").map(|home| home.join(".cache")))
            .unwrap_or_else(|| PathBuf::from(".cache"))
            .join("torch")
    });
    torch_home.join("hub").join("checkpoints")
}

/// The local file of `weights`: the one in `cache` if there is one (no request made), else
/// downloaded from `mirror` (or upstream) with a progress bar when `progress`, checked against
/// the hash prefix and renamed into `cache`. Failure is one line with the URL and where to put
/// the file by hand.
pub fn fetch(
    weights: &PretrainedWeights,
    cache: &Path,
    mirror: Option<&str>,
    progress: bool,
) -> Result<PathBuf, InteropError> {
    let path = weights.cached_path(cache);
    if path.is_file() {
        return Ok(path);
    }
    let url = weights.url(mirror);
    data::download::fetch(
        &url,
        &path,
        weights.sha256_prefix,
        data::remote_files::Checksum::Download,
        progress,
    )
    .map_err(|e| {
        InteropError::Pretrained(format!(
            "cannot get {}'s pretrained weights ({e}); download {url} and put it at {}, or \
             point --weights-mirror / ${MIRROR_ENV} at a copy of {UPSTREAM}",
            weights.model,
            path.display()
        ))
    })?;
    Ok(path)
}
