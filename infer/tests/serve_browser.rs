//! `infer serve`'s page in a real browser: headless Chromium driven through ChromeDriver
//! (W3C WebDriver, `tests/webdriver/`) draws digits on the canvas with pointer events, stroke
//! by stroke, and the page must show each digit as the top class; then a photo of a digit goes
//! through the file input and the page must show its class.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`, `/usr/bin/chromedriver`;
//! `CHROME` and `CHROMEDRIVER` name others), so it is not part of a plain `cargo test`:
//! `.ci/run` installs them and runs `cargo test --workspace --test serve_browser -- --ignored`.
//! `SERVE_SCREENSHOT=docs/serve.png` keeps a picture of the page with the drawn 7.

mod server;
mod webdriver;

use std::path::Path;
use std::time::{Duration, Instant};

use server::Server;
use webdriver::Browser;

/// The page's top class once it reads `want`, or what it reads after 15 s.
fn top_class_becomes(browser: &Browser, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = browser.text(&browser.find("#top-class"));
        if text == want || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "needs chromium and chromedriver: .ci/run installs them and runs it"]
fn a_digit_drawn_on_the_page_and_an_uploaded_photo_are_recognized() {
    let server = Server::start(&[]);
    let browser = Browser::start();
    browser.open(&server.url("/"));
    let canvas = browser.find("#canvas");

    // A 7: the bar, then the stem, as two strokes.
    browser.stroke(&canvas, &[(-75.0, -85.0), (75.0, -85.0)]);
    browser.stroke(&canvas, &[(75.0, -85.0), (-20.0, 95.0)]);
    let seen = top_class_becomes(&browser, "7");
    assert_eq!(seen, "7", "the drawn 7 was read as {seen}");
    // The bars list all ten classes, the best first (read in one go: the page re-renders them
    // as answers arrive).
    let bars = browser.execute(
        "return [...document.querySelectorAll('#results .bar-row')].map(r => [r.dataset.class, r.classList.contains('best')]);",
    );
    assert_eq!(bars[0], serde_json::json!(["7", true]), "{bars}");
    assert_eq!(bars.as_array().unwrap().len(), 10, "{bars}");
    if let Ok(path) = std::env::var("SERVE_SCREENSHOT") {
        std::fs::write(path, browser.screenshot()).unwrap();
    }

    // Clear, then a 4 in two strokes: the open angle, then the downstroke.
    browser.click(&browser.find("#clear"));
    assert_eq!(top_class_becomes(&browser, "–"), "–");
    browser.stroke(&canvas, &[(-25.0, -95.0), (-70.0, 15.0), (55.0, 15.0)]);
    browser.stroke(&canvas, &[(25.0, -60.0), (25.0, 100.0)]);
    let seen = top_class_becomes(&browser, "4");
    assert_eq!(seen, "4", "the drawn 4 was read as {seen}");

    // A photo of a 3 through the file input.
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/digit-3-paper.png");
    browser.send_keys(&browser.find("#file"), photo.to_str().unwrap());
    let seen = top_class_becomes(&browser, "3");
    assert_eq!(seen, "3", "the uploaded 3 was read as {seen}");
}
