//! Dynamic batching for the server: requests that arrive together run as one forward pass.
//!
//! The model lives on one inference thread (a thread of the compute pool, so that its CPU
//! kernels start without a hand-off). Request handlers decode and prepare their image on
//! their own threads, then [`BatchQueue::classify`] hands the prepared input `[C·H·W]` to the
//! inference thread and awaits its probabilities `[classes]`. The inference thread takes every
//! input already queued (up to a maximum batch) and, while other requests are still being
//! decoded, waits a few milliseconds for them too; then it runs one forward pass on the batch
//! `[N, C, H, W]` and answers each request. A lone request is never held back: with nothing
//! else in flight it runs at once, so batch-1 latency is the model's own.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::loaded_model::LoadedModel;

/// How the inference thread forms batches.
#[derive(Debug, Clone, Copy)]
pub struct BatchPolicy {
    /// Most images in one forward pass.
    pub max_batch: usize,
    /// Longest wait for requests that are still being decoded once a batch has started.
    pub max_wait: Duration,
}

/// One prepared input and where its probabilities go.
struct Job {
    /// `C·H·W` floats.
    input: Vec<f32>,
    /// The probabilities `[classes]`, or why the forward pass failed.
    reply: oneshot::Sender<Result<Vec<f32>, String>>,
}

/// What the inference thread has done so far (reported by `GET /health`).
#[derive(Debug, Default)]
pub struct BatchStats {
    /// Images classified.
    pub images: AtomicU64,
    /// Forward passes run.
    pub batches: AtomicU64,
    /// Images in the largest batch.
    pub largest_batch: AtomicU64,
}

/// The handlers' side of the inference thread: cheap to clone, one per request.
#[derive(Clone)]
pub struct BatchQueue {
    jobs: Sender<Job>,
    /// Requests between [`BatchQueue::announce`] and their [`BatchQueue::classify`] (being
    /// decoded): the inference thread waits for them.
    preparing: Arc<AtomicUsize>,
    /// Counts of images and batches.
    pub stats: Arc<BatchStats>,
}

/// A request being decoded, counted until it is queued or dropped.
pub struct Announced {
    preparing: Arc<AtomicUsize>,
}

impl Drop for Announced {
    fn drop(&mut self) {
        self.preparing.fetch_sub(1, Ordering::SeqCst);
    }
}

impl BatchQueue {
    /// Starts the inference thread with `model`. The thread ends when every `BatchQueue` clone
    /// is dropped; join the handle to wait for the batches in flight.
    pub fn start(model: LoadedModel, policy: BatchPolicy) -> (Self, JoinHandle<()>) {
        let (jobs, receiver) = mpsc::channel();
        let preparing = Arc::new(AtomicUsize::new(0));
        let stats = Arc::new(BatchStats::default());
        let (counter, counts) = (Arc::clone(&preparing), Arc::clone(&stats));
        let thread = std::thread::Builder::new()
            .name("inference".into())
            .spawn(move || {
                kernels::on_compute_threads(move || {
                    run_batches(&model, &receiver, &counter, &counts, policy)
                })
            })
            .expect("spawn the inference thread");
        let queue = Self {
            jobs,
            preparing,
            stats,
        };
        (queue, thread)
    }

    /// Tells the inference thread that a request is being decoded (so that a batch forming
    /// now waits for it); the count lasts as long as the returned guard.
    pub fn announce(&self) -> Announced {
        self.preparing.fetch_add(1, Ordering::SeqCst);
        Announced {
            preparing: Arc::clone(&self.preparing),
        }
    }

    /// The class probabilities `[classes]` of one prepared input `[C·H·W]`, computed in the
    /// next batch. `announced` (from [`BatchQueue::announce`]) is released once queued.
    pub async fn classify(
        &self,
        input: Vec<f32>,
        announced: Announced,
    ) -> Result<Vec<f32>, String> {
        let (reply, answer) = oneshot::channel();
        let sent = self.jobs.send(Job { input, reply });
        drop(announced);
        sent.map_err(|_| "the inference thread has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the inference thread has stopped".to_string())?
    }
}

/// The inference thread's loop: a batch, a forward pass, the answers; until the queue closes.
fn run_batches(
    model: &LoadedModel,
    jobs: &Receiver<Job>,
    preparing: &AtomicUsize,
    stats: &BatchStats,
    policy: BatchPolicy,
) {
    while let Ok(first) = jobs.recv() {
        let batch = gather(first, jobs, preparing, policy);
        let n = batch.len();
        stats.images.fetch_add(n as u64, Ordering::Relaxed);
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats.largest_batch.fetch_max(n as u64, Ordering::Relaxed);
        let inputs: Vec<f32> = batch.iter().flat_map(|job| &job.input).copied().collect();
        // A failing forward pass (a GPU error, say) answers its requests with the error and
        // leaves the server up for the next ones.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| model.probabilities(inputs, n)));
        match outcome {
            Ok(probabilities) => {
                for (job, probs) in batch.into_iter().zip(probabilities) {
                    let _ = job.reply.send(Ok(probs));
                }
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("unknown error");
                let message = format!("the forward pass failed: {message}");
                eprintln!("error: {message}");
                for job in batch {
                    let _ = job.reply.send(Err(message.clone()));
                }
            }
        }
    }
}

/// A batch starting with `first`: every job already queued, then, while requests are still
/// being decoded and the batch is not full, those that arrive within `policy.max_wait`.
fn gather(
    first: Job,
    jobs: &Receiver<Job>,
    preparing: &AtomicUsize,
    policy: BatchPolicy,
) -> Vec<Job> {
    let mut batch = vec![first];
    let deadline = Instant::now() + policy.max_wait;
    while batch.len() < policy.max_batch.max(1) {
        if let Ok(job) = jobs.try_recv() {
            batch.push(job);
            continue;
        }
        if preparing.load(Ordering::SeqCst) == 0 {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match jobs.recv_timeout(left) {
            Ok(job) => batch.push(job),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
        }
    }
    batch
}
