//! Test support: `infer serve` started on a free loopback port, and a small HTTP client.

#![allow(dead_code)] // each test binary uses part of it

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};

/// A running `infer serve --addr 127.0.0.1:0 ARGS...`, killed when dropped.
pub struct Server {
    child: Child,
    stdout: BufReader<ChildStdout>,
    base: String,
}

impl Server {
    /// Starts the server and waits for the line with its URL.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_infer"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start infer serve");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in the server's first line: {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Self {
            child,
            stdout,
            base,
        }
    }

    /// The URL of `path` (starting with `/`) on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends SIGINT (Ctrl-C) and waits: the exit code and the rest of stdout.
    pub fn interrupt(&mut self) -> (Option<i32>, String) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        (self.child.wait().unwrap().code(), rest)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client that returns 4xx/5xx answers instead of errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// `GET url`: the status and the JSON body (`null` when not JSON).
pub fn get(agent: &ureq::Agent, url: &str) -> (u16, serde_json::Value) {
    answer(agent.get(url).call().expect(url))
}

/// `POST url` with `body`: the status and the JSON body (`null` when not JSON).
pub fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> (u16, serde_json::Value) {
    answer(agent.post(url).send(body).expect(url))
}

fn answer(mut response: ureq::http::Response<ureq::Body>) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}
