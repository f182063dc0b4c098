//! `infer serve`'s page in a real browser: headless Chromium driven through ChromeDriver
//! (WebDriver, `fantoccini`) draws digits on the canvas with pointer events, stroke by stroke,
//! and the page must show each digit as the top class; then a photo of a digit goes through
//! the file input and the page must show its class.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`, `/usr/bin/chromedriver`;
//! `CHROME` and `CHROMEDRIVER` name others), so it is not part of a plain `cargo test`:
//! `.ci/run` installs them and runs `cargo test -p infer --test serve_browser -- --ignored`.

mod server;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use server::Server;

/// ChromeDriver on a free loopback port, killed when dropped.
struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    fn start() -> Self {
        let binary =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        assert!(
            Path::new(&binary).exists(),
            "{binary} not found: install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session (no network beyond the loopback server).
async fn browser(driver: &ChromeDriver, profile: &Path) -> Client {
    let chrome = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chrome,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1100,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session through chromedriver")
}

/// One stroke on `canvas`: press at `points[0]` (pixels from the canvas's centre), move
/// through the rest in small steps (each a pointermove), release.
fn stroke(canvas: &Element, points: &[(f64, f64)]) -> MouseActions {
    let mut actions = MouseActions::new("pen".into()).then(PointerAction::MoveToElement {
        element: canvas.clone(),
        duration: None,
        x: points[0].0,
        y: points[0].1,
    });
    actions = actions.then(PointerAction::Down {
        button: MOUSE_BUTTON_LEFT,
    });
    for pair in points.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let steps = 8;
        for s in 1..=steps {
            let t = f64::from(s) / f64::from(steps);
            actions = actions.then(PointerAction::MoveToElement {
                element: canvas.clone(),
                duration: Some(Duration::from_millis(10)),
                x: from.0 + (to.0 - from.0) * t,
                y: from.1 + (to.1 - from.1) * t,
            });
        }
    }
    actions.then(PointerAction::Up {
        button: MOUSE_BUTTON_LEFT,
    })
}

/// The text of the page's top class once it equals `want`, or the last text seen after 15 s.
async fn top_class_becomes(client: &Client, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = client
            .find(Locator::Id("top-class"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text == want || Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
#[ignore = "needs chromium and chromedriver: .ci/run installs them and runs it"]
fn a_digit_drawn_on_the_page_and_an_uploaded_photo_are_recognized() {
    let server = Server::start(&[]);
    let driver = ChromeDriver::start();
    let profile = std::env::temp_dir().join(format!("infer-browser-{}", std::process::id()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = browser(&driver, &profile).await;
        client.goto(&server.url("/")).await.unwrap();
        client
            .wait()
            .for_element(Locator::Css("body[data-ready='true']"))
            .await
            .unwrap();
        let canvas = client.find(Locator::Id("canvas")).await.unwrap();

        // A 7: the bar, then the stem, as two strokes.
        client
            .perform_actions(stroke(&canvas, &[(-75.0, -85.0), (75.0, -85.0)]))
            .await
            .unwrap();
        client
            .perform_actions(stroke(&canvas, &[(75.0, -85.0), (-20.0, 95.0)]))
            .await
            .unwrap();
        let seen = top_class_becomes(&client, "7").await;
        assert_eq!(seen, "7", "the drawn 7 was read as {seen}");
        // The bars list the classes, the best first (read in one go: the page re-renders them
        // as answers arrive).
        let bars = client
            .execute(
                "return [...document.querySelectorAll('#results .bar-row')].map(r => [r.dataset.class, r.classList.contains('best')]);",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(bars[0], serde_json::json!(["7", true]), "{bars}");
        assert_eq!(bars.as_array().unwrap().len(), 10, "{bars}");
        // SERVE_SCREENSHOT=docs/serve.png keeps the page as drawn (the README's picture).
        if let Ok(path) = std::env::var("SERVE_SCREENSHOT") {
            std::fs::write(path, client.screenshot().await.unwrap()).unwrap();
        }

        // Clear, then a 4 in two strokes: the open angle, then the downstroke.
        client.find(Locator::Id("clear")).await.unwrap().click().await.unwrap();
        assert_eq!(top_class_becomes(&client, "–").await, "–");
        client
            .perform_actions(stroke(&canvas, &[(-25.0, -95.0), (-70.0, 15.0), (55.0, 15.0)]))
            .await
            .unwrap();
        client
            .perform_actions(stroke(&canvas, &[(25.0, -60.0), (25.0, 100.0)]))
            .await
            .unwrap();
        let seen = top_class_becomes(&client, "4").await;
        assert_eq!(seen, "4", "the drawn 4 was read as {seen}");

        // A photo of a 3 through the file input.
        let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/digit-3-paper.png");
        client
            .find(Locator::Id("file"))
            .await
            .unwrap()
            .send_keys(photo.to_str().unwrap())
            .await
            .unwrap();
        let seen = top_class_becomes(&client, "3").await;
        assert_eq!(seen, "3", "the uploaded 3 was read as {seen}");
        client.close().await.unwrap();
    });
    let _ = std::fs::remove_dir_all(&profile);
}
