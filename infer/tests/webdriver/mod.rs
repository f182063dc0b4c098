//! Test support: a headless Chromium driven through ChromeDriver with the W3C WebDriver
//! protocol (JSON over HTTP on 127.0.0.1, sent with `ureq`, which the workspace already builds).
//! Only the commands the page's test needs: open a page, find elements, read text, click, type
//! into a file input, run a script, perform pointer actions, take a screenshot.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The key under which WebDriver returns an element's id.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// ChromeDriver on a free loopback port with one headless Chromium session; both end when
/// dropped.
pub struct Browser {
    driver: Child,
    /// ChromeDriver's URL, then (once the session exists) the session's: `.../session/ID`.
    prefix: String,
    profile: PathBuf,
    agent: ureq::Agent,
}

/// An element of the page, by its WebDriver id.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts `chromedriver` (`$CHROMEDRIVER`, default `/usr/bin/chromedriver`) and a headless
    /// `chromium` (`$CHROME`, default `/usr/bin/chromium`) with a fresh profile and no network
    /// chatter beyond the pages it is sent to.
    pub fn start() -> Self {
        let driver_path =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chrome = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into());
        for binary in [&driver_path, &chrome] {
            assert!(
                Path::new(binary).exists(),
                "{binary} not found: install Debian's chromium and chromium-driver"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = std::env::temp_dir().join(format!("infer-chromium-{}", std::process::id()));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chrome,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1100,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let mut browser = Self {
            driver,
            prefix: base,
            profile,
            agent,
        };
        let created = browser.command("POST", "/session", capabilities);
        let id = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        browser.prefix = format!("{}/session/{id}", browser.prefix);
        browser
    }

    /// One WebDriver command (`path` after the session's URL; `/session` creates it): its
    /// `value`, or a panic naming the WebDriver error.
    fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.prefix);
        let response = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.to_string()),
        };
        let mut response = response.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(status, 200, "{method} {path}: {answer}");
        answer["value"].clone()
    }

    /// Opens `url` and waits until its `body` has `data-ready="true"` (the page sets it once it
    /// knows its model).
    pub fn open(&self, url: &str) {
        self.command("POST", "/url", json!({ "url": url }));
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.execute("return document.body.dataset.ready === 'true';") != json!(true) {
            assert!(Instant::now() < deadline, "{url} never got ready");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The element matching the CSS `selector`.
    pub fn find(&self, selector: &str) -> Element {
        let found = self.command(
            "POST",
            "/element",
            json!({ "using": "css selector", "value": selector }),
        );
        Element(
            found[ELEMENT_KEY]
                .as_str()
                .unwrap_or_else(|| panic!("no element {selector}: {found}"))
                .to_string(),
        )
    }

    /// The rendered text of `element`.
    pub fn text(&self, element: &Element) -> String {
        let text = self.command("GET", &format!("/element/{}/text", element.0), Value::Null);
        text.as_str().unwrap_or_default().to_string()
    }

    /// Clicks `element`.
    pub fn click(&self, element: &Element) {
        self.command("POST", &format!("/element/{}/click", element.0), json!({}));
    }

    /// Types `text` into `element` (for a file input: the path of the file to choose).
    pub fn send_keys(&self, element: &Element, text: &str) {
        self.command(
            "POST",
            &format!("/element/{}/value", element.0),
            json!({ "text": text }),
        );
    }

    /// Runs `script` (a function body) in the page; its return value.
    pub fn execute(&self, script: &str) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
    }

    /// A mouse stroke on `element`: press at `points[0]` (pixels from the element's centre),
    /// move through the others in small steps (each a `pointermove`), release.
    pub fn stroke(&self, element: &Element, points: &[(f64, f64)]) {
        let origin = json!({ (ELEMENT_KEY): element.0 });
        let mv = |(x, y): (f64, f64), duration: u64| json!({"type": "pointerMove", "origin": origin, "x": x.round(), "y": y.round(), "duration": duration});
        let mut steps = vec![
            mv(points[0], 0),
            json!({"type": "pointerDown", "button": 0}),
        ];
        for pair in points.windows(2) {
            let (from, to) = (pair[0], pair[1]);
            for s in 1..=8 {
                let t = f64::from(s) / 8.0;
                steps.push(mv(
                    (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t),
                    10,
                ));
            }
        }
        steps.push(json!({"type": "pointerUp", "button": 0}));
        let actions = json!({"actions": [{
            "type": "pointer", "id": "pen", "parameters": {"pointerType": "mouse"}, "actions": steps,
        }]});
        self.command("POST", "/actions", actions);
    }

    /// A PNG of the window.
    pub fn screenshot(&self) -> Vec<u8> {
        let encoded = self.command("GET", "/screenshot", Value::Null);
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .expect("a base64 PNG")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.agent.delete(&self.prefix).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
