//! `infer serve`: the model behind an HTTP server (axum on tokio), with a page to draw a digit
//! or upload a photo, and JSON predictions at `POST /predict` ([`routes`]). Requests that
//! arrive together are classified in one forward pass ([`batcher`]). Ctrl-C (or SIGTERM) stops
//! accepting connections, lets the requests in flight finish, and exits with status 0.

pub mod batcher;
pub mod card;
pub mod routes;

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use burn::prelude::Device;
use tokio::net::TcpListener;

use crate::cli::ServeArgs;
use crate::loaded_model::LoadedModel;
pub use batcher::{BatchPolicy, BatchQueue};
use card::ModelCard;
use common::CliError;
use routes::AppState;

/// How the server treats requests.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// Largest request body in bytes (larger: 413).
    pub max_body: usize,
    /// How requests are batched.
    pub policy: BatchPolicy,
}

/// Loads the model of `args`, then serves it until Ctrl-C or SIGTERM.
pub fn serve(args: &ServeArgs, device: &Device) -> Result<(), CliError> {
    if args.max_batch == 0 {
        return Err(CliError::Usage("--max-batch must be at least 1".into()));
    }
    let model = LoadedModel::from_args(&args.model, args.dataset.as_deref(), device)?;
    let options = ServeOptions {
        max_body: args.max_body,
        policy: BatchPolicy {
            max_batch: args.max_batch,
            max_wait: Duration::from_millis(args.batch_wait_ms),
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(async {
        let cannot_listen =
            |e: std::io::Error| CliError::Failed(format!("cannot listen on {}: {e}", args.addr));
        let listener = TcpListener::bind(args.addr).await.map_err(cannot_listen)?;
        let addr = listener.local_addr().map_err(cannot_listen)?;
        println!(
            "serving {} ({}) at http://{addr}/ — Ctrl-C to stop",
            model.model.name,
            model.source()
        );
        let _ = std::io::stdout().flush();
        serve_model(listener, model, options, shutdown_signal()).await
    })?;
    println!("stopped");
    Ok(())
}

/// Serves `model` on `listener` until `shutdown` resolves, then lets the requests in flight
/// finish and stops the inference thread.
pub async fn serve_model(
    listener: TcpListener,
    model: LoadedModel,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), CliError> {
    let card = Arc::new(ModelCard::of(&model));
    let (queue, inference) = BatchQueue::start(model, options.policy);
    let app = routes::router(AppState {
        card,
        queue,
        max_body: options.max_body,
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| CliError::Failed(format!("server error: {e}")))?;
    // The router, and with it every handle on the queue, is gone: the inference thread
    // finishes its batch and ends.
    let _ = tokio::task::spawn_blocking(move || inference.join()).await;
    Ok(())
}

/// Resolves at Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    println!("shutting down: finishing the requests in flight");
    let _ = std::io::stdout().flush();
}
