//! `infer serve` over HTTP on the loopback address: the same answers as `infer --json`, the
//! model card, every kind of bad request (the server stays up), 32 concurrent clients with
//! zero errors and requests batched together, and a clean stop on SIGINT.

mod server;

use std::path::{Path, PathBuf};
use std::process::Command;

use server::{Server, agent, get, post};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn samples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sample(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// The digit a sample shows, from its name (`digit-7-paper.png`).
fn digit_of(sample: &Path) -> String {
    let name = sample.file_name().unwrap().to_string_lossy();
    name.split('-').nth(1).unwrap().to_string()
}

/// `infer --json --top-k 5 FILE...`: one JSON object per file.
fn cli_predictions(files: &[PathBuf]) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_infer"))
        .args(["--json", "--top-k", "5"])
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A PNG claiming `width` x `height` gray pixels: signature, IHDR, a tiny IDAT (an empty zlib
/// stream), IEND, every CRC valid. Decoding it whole would need width x height bytes.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]); // 8-bit gray, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (&b"IHDR"[..], &ihdr[..]),
        (b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        (b"IEND", &[]),
    ] {
        let chunk = [kind, data].concat();
        png.extend((data.len() as u32).to_be_bytes());
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

#[test]
fn predictions_are_those_of_infer_json() {
    let server = Server::start(&[]);
    let files = samples();
    let expected = cli_predictions(&files);
    assert_eq!(expected.len(), 6);
    let agent = agent();
    for (file, want) in files.iter().zip(&expected) {
        let (status, got) = post(
            &agent,
            &server.url("/predict"),
            &std::fs::read(file).unwrap(),
        );
        assert_eq!(status, 200, "{}: {got}", file.display());
        assert_eq!(got["class"], want["class"], "{}", file.display());
        assert_eq!(got["label"], want["label"]);
        let (got_top, want_top) = (
            got["top_k"].as_array().unwrap(),
            want["top_k"].as_array().unwrap(),
        );
        assert_eq!(got_top.len(), 5);
        for (g, w) in got_top.iter().zip(want_top) {
            assert_eq!(g["class"], w["class"]);
            assert_eq!(g["label"], w["label"]);
            let (g, w) = (
                g["probability"].as_f64().unwrap(),
                w["probability"].as_f64().unwrap(),
            );
            assert!((g - w).abs() < 1e-6, "{}: {g} vs {w}", file.display());
        }
        assert_eq!(got["class"], digit_of(file));
    }
    // ?top_k=N, capped at the number of classes.
    let bytes = std::fs::read(sample("digit-7-paper.png")).unwrap();
    let (status, got) = post(&agent, &server.url("/predict?top_k=2"), &bytes);
    assert_eq!((status, got["top_k"].as_array().unwrap().len()), (200, 2));
    let (status, got) = post(&agent, &server.url("/predict?top_k=50"), &bytes);
    assert_eq!((status, got["top_k"].as_array().unwrap().len()), (200, 10));
}

#[test]
fn the_page_health_and_model_card() {
    let server = Server::start(&[]);
    let agent = agent();
    let (status, card) = get(&agent, &server.url("/model"));
    assert_eq!(status, 200);
    assert_eq!(card["name"], "lenet5");
    assert_eq!(card["num_classes"], 10);
    assert_eq!(card["classes"][7], "7");
    assert_eq!(card["input_shape"], serde_json::json!([1, 32, 32]));
    assert_eq!(card["parameters"], 61_706);
    assert_eq!(card["drawable"], true);
    let (status, health) = get(&agent, &server.url("/health"));
    assert_eq!((status, &health["status"]), (200, &serde_json::json!("ok")));

    let mut page = agent.get(&server.url("/")).call().unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let content_type = page.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = page.body_mut().read_to_string().unwrap();
    assert!(html.contains("<canvas id=\"canvas\"") && html.contains("id=\"file\""));
    // Self-contained: nothing loaded from another host.
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("src=\"//"));
}

#[test]
fn bad_requests_are_answered_with_an_error_and_the_server_stays_up() {
    let server = Server::start(&["--max-body", "1MB"]);
    let agent = agent();
    let predict = server.url("/predict");
    let good = std::fs::read(sample("digit-3-paper.png")).unwrap();
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("empty body", Vec::new(), 400, "empty body"),
        (
            "text",
            b"hello, not an image".to_vec(),
            400,
            "not a PNG, JPEG or BMP",
        ),
        (
            "GIF",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(),
            400,
            "GIF",
        ),
        (
            "truncated PNG",
            good[..good.len() / 2].to_vec(),
            400,
            "truncated or corrupt PNG",
        ),
        ("huge PNG", png_header(100_000, 100_000), 400, "too large"),
        ("body over --max-body", vec![0u8; 2 << 20], 413, "too large"),
    ];
    for (what, body, status, message) in cases {
        let (got, json) = post(&agent, &predict, &body);
        assert_eq!(got, status, "{what}: {json}");
        let error = json["error"].as_str().unwrap_or_default();
        assert!(error.contains(message), "{what}: {error}");
    }
    for (url, status) in [
        (server.url("/predict?top_k=0"), 400),
        (server.url("/predict?top_k=many"), 400),
    ] {
        let (got, json) = post(&agent, &url, &good);
        assert_eq!(got, status, "{url}: {json}");
        assert!(json["error"].is_string());
    }
    for (url, status) in [(server.url("/predict"), 405), (server.url("/nowhere"), 404)] {
        let (got, json) = get(&agent, &url);
        assert_eq!(got, status, "{url}: {json}");
        assert!(json["error"].is_string());
    }
    let (status, json) = post(&agent, &predict, &good);
    assert_eq!((status, &json["class"]), (200, &serde_json::json!("3")));
}

#[test]
fn thirty_two_concurrent_clients_get_every_answer_in_shared_batches() {
    let server = Server::start(&[]);
    let files: Vec<(Vec<u8>, String)> = samples()
        .iter()
        .map(|f| (std::fs::read(f).unwrap(), digit_of(f)))
        .collect();
    let url = server.url("/predict");
    let failures: usize = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..32)
            .map(|client| {
                let (files, url) = (&files, &url);
                scope.spawn(move || {
                    let agent = agent();
                    (0..20)
                        .filter(|request| {
                            let (bytes, digit) = &files[(client + request) % files.len()];
                            let (status, json) = post(&agent, url, bytes);
                            status != 200 || json["class"] != digit.as_str()
                        })
                        .count()
                })
            })
            .collect();
        clients.into_iter().map(|c| c.join().unwrap()).sum()
    });
    assert_eq!(failures, 0);
    let (_, health) = get(&agent(), &server.url("/health"));
    let images = health["images"].as_u64().unwrap();
    let batches = health["batches"].as_u64().unwrap();
    assert_eq!(images, 32 * 20);
    // Requests that arrived together shared forward passes.
    assert!(batches < images, "{batches} batches for {images} images");
    assert!(health["largest_batch"].as_u64().unwrap() > 1, "{health}");
}

#[test]
fn pytorch_weights_are_served_and_sigint_stops_the_server_cleanly() {
    let weights =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop/tests/fixtures/lenet5.pth");
    let mut server = Server::start(&["--weights", weights.to_str().unwrap(), "--model", "lenet5"]);
    let (status, card) = get(&agent(), &server.url("/model"));
    assert_eq!(status, 200);
    assert_eq!(card["name"], "lenet5");
    assert!(
        card["source"].as_str().unwrap().ends_with("lenet5.pth"),
        "{card}"
    );
    let (code, stdout) = server.interrupt();
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("stopped"), "{stdout}");
}

#[test]
fn a_port_in_use_or_a_bad_flag_is_one_line_and_a_nonzero_exit() {
    let server = Server::start(&[]);
    let taken = server
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_infer"))
            .arg("serve")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&["--addr", &taken]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot listen on") && stderr.contains(&taken),
        "{stderr}"
    );
    let (code, stderr) = run(&["--max-body", "lots"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("lots"), "{stderr}");
}
