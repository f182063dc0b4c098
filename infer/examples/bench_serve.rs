//! Load benchmark of `infer serve`: the server in this process on a free loopback port, and
//! 1, 8 and 32 concurrent clients (blocking HTTP/1 clients on their own threads) posting the
//! shipped sample digits to `POST /predict`, each level for a bounded time and number of
//! requests. One JSON line per level:
//! `{"bench":"serve","model","clients","requests","errors","seconds","requests_per_s",
//! "p50_ms","p99_ms","batches","mean_batch"}`.
//!
//! ```sh
//! cargo run -p infer --example bench_serve [-- --seconds 5 --clients 1,8,32 --run DIR]
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use infer::loaded_model::LoadedModel;
use infer::serve::{BatchPolicy, ServeOptions, serve_model};

/// Load benchmark of `infer serve` (loopback only).
#[derive(Parser)]
struct Args {
    /// Seconds per concurrency level.
    #[arg(long, default_value_t = 4.0)]
    seconds: f64,
    /// Requests per concurrency level at most.
    #[arg(long, default_value_t = 20_000)]
    max_requests: usize,
    /// Concurrency levels (comma-separated).
    #[arg(long, default_value = "1,8,32", value_delimiter = ',')]
    clients: Vec<usize>,
    /// A run folder to serve [default: the embedded LeNet-5].
    #[arg(long)]
    run: Option<PathBuf>,
    /// Most images in one forward pass.
    #[arg(long, default_value_t = 32)]
    max_batch: usize,
}

fn main() {
    let args = Args::parse();
    let device = common::backend::device(None).expect("a backend");
    let model = LoadedModel::load(args.run.as_deref(), &device).expect("the model");
    let name = model.model.name.clone();
    let images: Vec<Vec<u8>> = infer::predict::shipped_samples()
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = ServeOptions {
        max_body: 10 << 20,
        policy: BatchPolicy {
            max_batch: args.max_batch,
            max_wait: Duration::from_millis(2),
        },
    };
    let server = runtime.spawn(serve_model(listener, model, options, async {
        let _ = stopped.await;
    }));
    let health = |agent: &ureq::Agent| -> serde_json::Value {
        let text = agent
            .get(&format!("{url}health"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let counts = |h: &serde_json::Value| {
        (
            h["images"].as_u64().unwrap(),
            h["batches"].as_u64().unwrap(),
        )
    };
    let agent = ureq::Agent::new_with_defaults();
    // Warm-up: the first forward passes allocate.
    for image in images.iter().cycle().take(50) {
        agent
            .post(&format!("{url}predict"))
            .send(&image[..])
            .unwrap();
    }
    for &clients in &args.clients {
        let (images_before, batches_before) = counts(&health(&agent));
        let budget = Duration::from_secs_f64(args.seconds);
        let per_client = args.max_requests.div_ceil(clients);
        let start = Instant::now();
        let results: Vec<(Vec<f64>, usize)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..clients)
                .map(|client| {
                    let (images, url) = (&images, &url);
                    scope.spawn(move || {
                        let agent = ureq::Agent::new_with_defaults();
                        let (mut latencies, mut errors) = (Vec::new(), 0);
                        for i in 0..per_client {
                            if start.elapsed() >= budget {
                                break;
                            }
                            let body = &images[(client + i) % images.len()];
                            let sent = Instant::now();
                            let answered = agent
                                .post(&format!("{url}predict"))
                                .send(&body[..])
                                .and_then(|mut r| r.body_mut().read_to_string());
                            match answered {
                                Ok(_) => latencies.push(sent.elapsed().as_secs_f64() * 1e3),
                                Err(_) => errors += 1,
                            }
                        }
                        (latencies, errors)
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let seconds = start.elapsed().as_secs_f64();
        let errors: usize = results.iter().map(|r| r.1).sum();
        let mut latencies: Vec<f64> = results.into_iter().flat_map(|r| r.0).collect();
        latencies.sort_by(f64::total_cmp);
        let quantile = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
        let (images_after, batches_after) = counts(&health(&agent));
        let batches = batches_after - batches_before;
        println!(
            "{}",
            serde_json::json!({
                "bench": "serve",
                "model": name,
                "clients": clients,
                "requests": latencies.len(),
                "errors": errors,
                "seconds": (seconds * 1e3).round() / 1e3,
                "requests_per_s": (latencies.len() as f64 / seconds).round(),
                "p50_ms": (quantile(0.5) * 1e3).round() / 1e3,
                "p99_ms": (quantile(0.99) * 1e3).round() / 1e3,
                "batches": batches,
                "mean_batch": ((images_after - images_before) as f64 / batches.max(1) as f64 * 100.0).round() / 100.0,
            })
        );
    }
    let _ = stop.send(());
    runtime.block_on(server).unwrap().unwrap();
}
