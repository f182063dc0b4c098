//! Datasets for the CNN course — MNIST, Fashion-MNIST, CIFAR-10 and users' own image folders —
//! from files on disk (or a verified download) to burn batches `{ images: [N, C, H, W], targets:
//! [N] }`, with torchvision's preprocessing reproduced exactly.
//!
//! ```no_run
//! use burn::data::dataloader::DataLoaderBuilder;
//! use data::{DatasetKind, Pipeline, PreparedDataset, Split};
//!
//! let kind = DatasetKind::Mnist;
//! let train = data::load(kind, Split::Train, None)?; // finds or downloads, then validates
//! let pipeline = Pipeline::for_dataset(kind); // LeNet-5 tutorial: resize 32, normalize
//! let prepared = PreparedDataset::prepare(&train, &pipeline); // resize once, up front
//! let batcher = pipeline.batcher(train.shape(), Split::Train, 42);
//! let loader = DataLoaderBuilder::new(batcher).batch_size(64).shuffle(42).build(prepared);
//! # Ok::<(), data::DataError>(())
//! ```
//!
//! Files: [`idx`] (MNIST, Fashion-MNIST), [`cifar`] (CIFAR-10 binary batches or tarball),
//! [`folder`] (PNG/JPEG/BMP folders). Where they are looked for and how they are downloaded:
//! [`locate`](mod@locate) and [`download`]. Preprocessing: [`Pipeline`] (resize, pad, scale,
//! normalize; [`resize`] is bit-exact with Pillow), [`PreparedDataset`] (done once per split),
//! [`ClassificationBatcher`] (random crop + flip for training, [`augment`]). Every bad file or
//! missing dataset is a [`DataError`] — one line naming the file and the problem — never a panic.

pub mod augment;
pub mod batcher;
pub mod cifar;
pub mod dataset;
pub mod dataset_source;
pub mod download;
pub mod error;
pub mod files;
pub mod folder;
pub mod idx;
pub mod kind;
pub mod locate;
pub mod pipeline;
pub mod prepared;
pub mod progress;
pub mod read;
pub mod remote_files;
pub mod resize;

pub use batcher::{ClassificationBatch, ClassificationBatcher};
pub use dataset::{ImageDataset, ImageItem};
pub use dataset_source::{DatasetSource, ImageFolderSource};
pub use error::DataError;
pub use folder::{read_image, read_image_folder};
pub use kind::{DatasetKind, Split};
pub use locate::{Locator, load, locate};
pub use pipeline::{Normalizer, Pipeline};
pub use prepared::{PreparedDataset, PreparedItem};
