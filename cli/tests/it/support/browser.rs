//! Debian's headless Chromium driven over WebDriver (chromedriver), for
//! the dashboard's browser tests: a driver, sessions at a phone's or a
//! laptop's width, sign-in, waits, visible text, the sideways-scroll check
//! and screenshots (always under `target/test-artifacts/screenshots/`, and
//! with `KHO_SCREENSHOTS=DIR` also in `DIR`, the book's images).
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` a browser test
//! prints why and skips — except under `CI=true`, where it fails. Nothing
//! is downloaded at test time.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The laptop the issue names.
pub const DESKTOP: u32 = 1366;
/// The phone the issue names.
pub const PHONE: u32 = 390;
/// How long a page may take to answer a click on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(30);

/// Debian's chromium and chromedriver, or why the test cannot run.
pub fn browser_available() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but {} missing: install Debian's chromium and chromium-driver (.ci/run does)",
            missing.join(" and ")
        );
    }
    eprintln!(
        "skipping the browser test: {} not installed (apt-get install chromium chromium-driver)",
        missing.join(" and ")
    );
    false
}

/// A chromedriver child process, killed when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    pub async fn start() -> Driver {
        // Port 0: chromedriver binds a free port and says which.
        let mut child = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let stdout = child.stdout.take().expect("chromedriver stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line
                    .split_once("started successfully on port ")
                    .and_then(|(_, rest)| rest.trim_end_matches('.').parse::<u16>().ok())
                {
                    let _ = tx.send(port);
                }
                // Keep draining so chromedriver never blocks on a full pipe.
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("chromedriver did not say its port");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !reqwest::get(format!("{url}/status"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Driver { child, url }
    }

    /// A fresh headless Chromium with its own profile whose page is `width`
    /// CSS pixels wide: below 600 a phone (touch, mobile viewport, 844 px
    /// tall), otherwise a laptop window 900 px tall. One device pixel per
    /// CSS pixel, so that screenshots are the viewport's size.
    pub async fn session(&self, profile: &Path, width: u32) -> Client {
        let mut options = json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--hide-scrollbars", "--lang=vi",
                format!("--window-size={width},900"),
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        if width < 600 {
            options["mobileEmulation"] =
                json!({ "deviceMetrics": { "width": width, "height": 844, "pixelRatio": 1.0 } });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        ClientBuilder::rustls()
            .expect("TLS roots")
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs in with `token` from the sign-in form the overview sends to.
pub async fn sign_in(b: &Client, base: &str, token: &str) {
    sign_in_at(b, base, token, "/").await;
}

/// Opens `next` signed out, signs in on the form it sends to, and waits to
/// be back on `next`.
pub async fn sign_in_at(b: &Client, base: &str, token: &str, next: &str) {
    b.goto(&format!("{base}{next}")).await.unwrap();
    assert_eq!(b.current_url().await.unwrap().path(), "/signin");
    type_into(b, "#token", token).await;
    click(b, "form[action='/signin'] button").await;
    wait_for_path(b, next.split('?').next().unwrap_or(next)).await;
}

pub async fn wait_for_path(b: &Client, path: &str) {
    let deadline = Instant::now() + PATIENCE;
    while b.current_url().await.unwrap().path() != path {
        assert!(Instant::now() < deadline, "never reached {path}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `css` is on the page (after a form's redirect).
pub async fn wait_for(b: &Client, css: &str) {
    let deadline = Instant::now() + PATIENCE;
    while b.find_all(Locator::Css(css)).await.map_or(0, |v| v.len()) == 0 {
        assert!(Instant::now() < deadline, "{css} never appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The visible text of the first element matching `css`.
pub async fn text(b: &Client, css: &str) -> String {
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// What a person reads on the page (`innerText`: no attributes, no hidden
/// markup).
pub async fn visible_text(b: &Client) -> String {
    b.execute("return document.body.innerText;", vec![])
        .await
        .expect("innerText")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

pub async fn click(b: &Client, css: &str) {
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

pub async fn type_into(b: &Client, css: &str, s: &str) {
    let e = b
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    e.clear().await.expect("clear");
    e.send_keys(s).await.expect("type");
}

/// Brings `css` to the top of the screen (for a screenshot).
pub async fn scroll_to(b: &Client, css: &str) {
    b.execute(
        "document.querySelector(arguments[0]).scrollIntoView();",
        vec![json!(css)],
    )
    .await
    .expect("scroll");
}

/// The elements reaching past the window's right edge, for a failure's message.
const WIDE: &str = "return [...document.querySelectorAll('body *')]\
    .filter(e => e.getBoundingClientRect().right > window.innerWidth)\
    .map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40)).slice(0, 8);";

/// Nothing scrolls sideways: the document is no wider than the window
/// (tables scroll inside their own boxes).
pub async fn no_sideways_scroll(b: &Client, what: &str) {
    let got = b
        .execute(
            "return [document.scrollingElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    let (scroll, inner) = (got[0].as_i64(), got[1].as_i64());
    if scroll.zip(inner).is_none_or(|(s, i)| s > i) {
        let wide = b.execute(WIDE, vec![]).await.unwrap_or_default();
        panic!("{what}: the page scrolls sideways ({got}); too wide: {wide}");
    }
}

/// The workspace's root, against which a relative `KHO_SCREENSHOTS` is
/// read (cargo runs tests in the crate's directory).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where screenshots are kept: `target/test-artifacts/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
        .join("test-artifacts")
        .join("screenshots")
}

async fn write_shot(b: &Client, name: &str, for_book: bool) {
    let png = b.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    let mut dirs = vec![screenshot_dir()];
    if let Some(d) = std::env::var_os("KHO_SCREENSHOTS").filter(|_| for_book) {
        dirs.push(workspace().join(d));
    }
    for dir in dirs {
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(dir.join(name), &png).expect("write screenshot");
        println!("screenshot: {}", dir.join(name).display());
    }
}

/// A screenshot of the viewport under [`screenshot_dir`] and, with
/// `KHO_SCREENSHOTS`, in that directory for the book.
pub async fn shot(b: &Client, name: &str) {
    write_shot(b, name, true).await;
}

/// A screenshot under [`screenshot_dir`] only: a test's evidence, not the
/// book's picture.
pub async fn artifact(b: &Client, name: &str) {
    write_shot(b, name, false).await;
}
