//! Finding a dataset's files — and downloading them when they are nowhere — in the order the
//! tools document:
//!
//! 1. an explicit folder (the CLIs' `--data-dir ROOT`),
//! 2. the `CNN_DATA_DIR` environment variable,
//! 3. the user cache, `$XDG_CACHE_HOME/cnn-burn` or `~/.cache/cnn-burn`,
//! 4. system folders, `/usr/share/datasets` (Debian's `dataset-fashion-mnist` package installs
//!    `/usr/share/datasets/fashion-mnist`),
//! 5. a download into the user cache (`CNN_DATA_OFFLINE=1` forbids it, `CNN_DATA_MIRROR=URL`
//!    downloads from `URL/<folder>/<file>` instead of upstream).
//!
//! Each place is a *root* holding `mnist/`, `fashion-mnist/`, `cifar-10/` (or torchvision's
//! `MNIST/raw/`, `FashionMNIST/raw/`); a root that is itself the dataset's folder works too. MNIST/Fashion files may be gzip-compressed or raw;
//! CIFAR-10 may be the `.bin` batches (in the folder or its `cifar-10-batches-bin/`) or the
//! `cifar-10-binary.tar.gz` tarball. When nothing is found and the download fails, the error
//! lists every place looked at and the URLs to fetch by hand.

use std::path::{Path, PathBuf};

use crate::cifar;
use crate::dataset::ImageDataset;
use crate::download::fetch;
use crate::error::DataError;
use crate::idx;
use crate::kind::{DatasetKind, Split};
use crate::remote_files::{base_for, files_for};

/// Environment variable naming a data root.
pub const DATA_DIR_ENV: &str = "CNN_DATA_DIR";
/// Environment variable replacing the download URLs by `MIRROR/<folder>/<file>`.
pub const MIRROR_ENV: &str = "CNN_DATA_MIRROR";
/// Environment variable that, set to anything but `0` or empty, forbids downloads.
pub const OFFLINE_ENV: &str = "CNN_DATA_OFFLINE";
/// The folder under the user cache directory.
pub const CACHE_NAME: &str = "cnn-burn";
/// System-wide data roots.
pub const SYSTEM_ROOTS: [&str; 1] = ["/usr/share/datasets"];

/// Where to look for datasets and whether and from where to download them. [`Locator::from_env`]
/// is what [`crate::load`] and [`crate::locate()`] use; tests build their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locator {
    /// Data roots searched in order, each with a note on where it came from.
    pub roots: Vec<(PathBuf, String)>,
    /// Data root that downloads go to (searched after `roots`); `None` disables downloads.
    pub cache: Option<PathBuf>,
    /// Further roots searched after the cache (system folders).
    pub system_roots: Vec<PathBuf>,
    /// Download from `MIRROR/<folder>/<file>` instead of upstream.
    pub mirror: Option<String>,
    /// Whether a missing dataset is downloaded into `cache`.
    pub download: bool,
    /// Whether downloads show a progress bar on stderr.
    pub progress: bool,
}

impl Locator {
    /// The documented search order: `data_dir`, `CNN_DATA_DIR`, the user cache, the system
    /// folders; downloads into the user cache unless `CNN_DATA_OFFLINE` is set, from
    /// `CNN_DATA_MIRROR` if set.
    pub fn from_env(data_dir: Option<&Path>) -> Self {
        let mut roots = Vec::new();
        if let Some(dir) = data_dir {
            roots.push((dir.to_path_buf(), "--data-dir".to_string()));
        }
        if let Some(dir) = env_nonempty(DATA_DIR_ENV) {
            roots.push((PathBuf::from(dir), DATA_DIR_ENV.to_string()));
        }
        let offline = env_nonempty(OFFLINE_ENV).is_some_and(|v| v != "0");
        Self {
            roots,
            cache: user_cache(),
            system_roots: SYSTEM_ROOTS.iter().map(PathBuf::from).collect(),
            mirror: env_nonempty(MIRROR_ENV),
            download: !offline,
            progress: true,
        }
    }

    /// Searches only `roots` (in order), with no cache, no system folders and no download.
    pub fn only(roots: &[&Path]) -> Self {
        Self {
            roots: roots
                .iter()
                .map(|r| (r.to_path_buf(), "given".to_string()))
                .collect(),
            cache: None,
            system_roots: Vec::new(),
            mirror: None,
            download: false,
            progress: false,
        }
    }

    /// Uses `cache` as the download root (searched after the other roots) and turns downloads on.
    pub fn with_cache(mut self, cache: impl Into<PathBuf>) -> Self {
        self.cache = Some(cache.into());
        self.download = true;
        self
    }

    /// Downloads from `MIRROR/<folder>/<file>` (e.g. `http://127.0.0.1:8000`).
    pub fn with_mirror(mut self, mirror: impl Into<String>) -> Self {
        self.mirror = Some(mirror.into());
        self
    }

    /// Turns downloads on or off.
    pub fn with_download(mut self, download: bool) -> Self {
        self.download = download;
        self
    }

    /// Turns the download progress bar on or off.
    pub fn with_progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// Every folder that may hold `kind`, in search order, with where it came from.
    pub fn candidates(&self, kind: DatasetKind) -> Vec<(PathBuf, String)> {
        let mut out = Vec::new();
        for (root, note) in &self.roots {
            out.push((root.join(kind.folder_name()), note.clone()));
            if let Some(torchvision) = torchvision_folder(kind) {
                out.push((root.join(torchvision).join("raw"), note.clone()));
            }
            if is_folder_of(kind, root) {
                out.push((root.clone(), note.clone()));
            }
        }
        if let Some(cache) = &self.cache {
            out.push((cache.join(kind.folder_name()), "user cache".to_string()));
        }
        for root in &self.system_roots {
            out.push((root.join(kind.folder_name()), "system".to_string()));
        }
        out
    }

    /// The folder holding `kind` (both splits, or only `split`), downloading it into the cache
    /// if it is nowhere.
    pub fn locate(&self, kind: DatasetKind, split: Option<Split>) -> Result<PathBuf, DataError> {
        let candidates = self.candidates(kind);
        if let Some((dir, _)) = candidates.iter().find(|(d, _)| holds(kind, d, split)) {
            return Ok(dir.clone());
        }
        let failure = match (&self.cache, self.download) {
            (Some(cache), true) => {
                let dir = cache.join(kind.folder_name());
                match self.download_into(kind, split, &dir) {
                    Ok(()) => return Ok(dir),
                    Err(e) => format!("download failed: {e}"),
                }
            }
            (None, _) => "no user cache folder to download into (HOME is not set)".to_string(),
            (Some(_), false) => "downloads are off".to_string(),
        };
        Err(self.not_found(kind, split, &candidates, &failure))
    }

    /// Locates and reads one split of `kind`.
    pub fn load(&self, kind: DatasetKind, split: Split) -> Result<ImageDataset, DataError> {
        let dir = self.locate(kind, Some(split))?;
        read_split(kind, &dir, split)
    }

    /// Downloads the missing files of `kind` into `dir`.
    fn download_into(
        &self,
        kind: DatasetKind,
        split: Option<Split>,
        dir: &Path,
    ) -> Result<(), DataError> {
        let base = base_for(kind, self.mirror.as_deref());
        for file in files_for(kind, split) {
            let url = format!("{base}{}", file.name);
            if kind == DatasetKind::Cifar10 {
                // Fetch the tarball under a temporary name, extract the batches, drop the tarball.
                let tarball = crate::files::temp_path(&dir.join(file.name));
                let result = fetch(&url, &tarball, file.sha256, file.checksum, self.progress)
                    .and_then(|()| extract_cifar(&tarball, dir));
                let _ = std::fs::remove_file(&tarball);
                result?;
            } else if idx::find_file(dir, file.name.trim_end_matches(".gz")).is_none() {
                fetch(
                    &url,
                    &dir.join(file.name),
                    file.sha256,
                    file.checksum,
                    self.progress,
                )?;
            }
        }
        Ok(())
    }

    fn not_found(
        &self,
        kind: DatasetKind,
        split: Option<Split>,
        candidates: &[(PathBuf, String)],
        failure: &str,
    ) -> DataError {
        let looked: Vec<String> = candidates
            .iter()
            .map(|(d, note)| format!("{} ({note})", d.display()))
            .collect();
        let base = base_for(kind, self.mirror.as_deref());
        let urls: Vec<String> = files_for(kind, split)
            .iter()
            .map(|f| format!("{base}{}", f.name))
            .collect();
        let into = self.cache.as_ref().map_or_else(
            || format!("a folder `{}` under a data root", kind.folder_name()),
            |c| c.join(kind.folder_name()).display().to_string(),
        );
        let what = split.map_or(String::new(), |s| format!(" ({s} split)"));
        DataError::other(format!(
            "{}{what} not found; looked in: {}; {failure}. To provide it by hand, download {} \
             into {into} (or into ROOT/{} and pass --data-dir ROOT or set {DATA_DIR_ENV}=ROOT)",
            kind.title(),
            looked.join(", "),
            urls.join(" "),
            kind.folder_name(),
        ))
    }
}

/// Reads `split` of `kind` from its folder `dir`.
pub fn read_split(kind: DatasetKind, dir: &Path, split: Split) -> Result<ImageDataset, DataError> {
    match kind {
        DatasetKind::Mnist | DatasetKind::FashionMnist => {
            idx::read_split(dir, split, kind.class_names())
        }
        DatasetKind::Cifar10 => cifar::read_split(dir, split),
    }
}

/// True when `dir` is named like `kind`'s folder (`mnist`, `fashion-mnist`, `cifar-10`, also
/// `fashion_mnist`, `FashionMNIST`, `cifar10`, `cifar-10-batches-bin`, ...), so that a root that
/// is itself the dataset folder is accepted — but a folder of MNIST files is never taken for
/// Fashion-MNIST (same file names) or the reverse.
fn is_folder_of(kind: DatasetKind, dir: &Path) -> bool {
    let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    match kind {
        DatasetKind::Mnist => name == "mnist",
        DatasetKind::FashionMnist => name == "fashionmnist",
        DatasetKind::Cifar10 => {
            ["cifar10", "cifar10batchesbin", "cifar10binary"].contains(&name.as_str())
        }
    }
}

/// The folder torchvision's datasets use under their root (`MNIST/raw`, `FashionMNIST/raw`).
fn torchvision_folder(kind: DatasetKind) -> Option<&'static str> {
    match kind {
        DatasetKind::Mnist => Some("MNIST"),
        DatasetKind::FashionMnist => Some("FashionMNIST"),
        DatasetKind::Cifar10 => None,
    }
}

/// True when `dir` holds the files of `kind` (only `split`'s, if given).
pub fn holds(kind: DatasetKind, dir: &Path, split: Option<Split>) -> bool {
    let splits = split.map_or(vec![Split::Train, Split::Test], |s| vec![s]);
    splits.into_iter().all(|s| match kind {
        DatasetKind::Mnist | DatasetKind::FashionMnist => idx::has_split(dir, s),
        DatasetKind::Cifar10 => cifar::has_split(dir, s),
    })
}

/// Extracts a verified tarball into `dir/cifar-10-batches-bin` through a temporary folder, so
/// the final folder only ever appears complete.
fn extract_cifar(tarball: &Path, dir: &Path) -> Result<(), DataError> {
    let dest = dir.join(cifar::BATCHES_DIR);
    let temp = crate::files::temp_path(&dest);
    let result = cifar::extract(tarball, &temp).and_then(|()| {
        if dest.exists() {
            std::fs::remove_dir_all(&dest)
                .map_err(|e| DataError::io(&dest, "cannot replace incomplete folder", &e))?;
        }
        std::fs::rename(&temp, &dest).map_err(|e| DataError::io(&dest, "cannot create", &e))
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    result
}

/// The user cache root: `$XDG_CACHE_HOME/cnn-burn`, else `~/.cache/cnn-burn`
/// (`%LOCALAPPDATA%\cnn-burn` on Windows).
pub fn user_cache() -> Option<PathBuf> {
    if let Some(xdg) = env_nonempty("XDG_CACHE_HOME").filter(|p| Path::new(p).is_absolute()) {
        return Some(PathBuf::from(xdg).join(CACHE_NAME));
    }
    if cfg!(windows)
        && let Some(local) = env_nonempty("LOCALAPPDATA")
    {
        return Some(PathBuf::from(local).join(CACHE_NAME));
    }
    env_nonempty("HOME").map(|home| PathBuf::from(home).join(".cache").join(CACHE_NAME))
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The folder holding `kind` (both splits), searched as documented in this module, downloaded
/// into the user cache if it is nowhere. `data_dir` is the explicit root (`--data-dir`).
pub fn locate(kind: DatasetKind, data_dir: Option<&Path>) -> Result<PathBuf, DataError> {
    Locator::from_env(data_dir).locate(kind, None)
}

/// Locates (downloading if needed), reads and validates one split of `kind`. `data_dir` is the
/// explicit root (`--data-dir`).
pub fn load(
    kind: DatasetKind,
    split: Split,
    data_dir: Option<&Path>,
) -> Result<ImageDataset, DataError> {
    Locator::from_env(data_dir).load(kind, split)
}
