//! The reports page in Debian's headless Chromium at 1366 px (a laptop)
//! and 390 px (a phone): signed in as the department, the period's figures
//! show, nothing scrolls sideways, chart labels stay readable, and the
//! English page too. With `KHO_SCREENSHOTS=DIR` the screenshots for the
//! book are written there (`reports-1366.png`, `reports-390.png`); they
//! always go to `target/test-artifacts/screenshots/`.
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` the test prints
//! why and skips — except under `CI=true`, where it fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::reports::{CHI_LANG, FROM, TO, seed};
use crate::support::{Daemon, ok};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn available() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "CI=true but {} missing",
        missing.join(" and ")
    );
    eprintln!(
        "skipping the reports browser test: {} not installed",
        missing.join(" and ")
    );
    false
}

/// A chromedriver child, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start() -> Driver {
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
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("chromedriver port");
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

    /// A headless Chromium whose page is `width` CSS pixels wide (a phone's
    /// metrics below 600).
    async fn session(&self, profile: &Path, width: u32) -> Client {
        let mut options = json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--hide-scrollbars",
                format!("--window-size={width},900"),
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        if width < 600 {
            options["mobileEmulation"] =
                json!({ "deviceMetrics": { "width": width, "height": 844, "pixelRatio": 2.0 } });
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

async fn sign_in(b: &Client, base: &str, token: &str, next: &str) {
    b.goto(&format!("{base}{next}")).await.unwrap();
    b.find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys(token)
        .await
        .unwrap();
    b.find(Locator::Css("form[action='/signin'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while b.current_url().await.unwrap().path() != "/reports" {
        assert!(
            Instant::now() < deadline,
            "sign-in did not return to the reports page"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The elements reaching past the window's right edge, for a failure's message.
const WIDE: &str = "return [...document.querySelectorAll('body *')]\
    .filter(e => e.getBoundingClientRect().right > arguments[0])\
    .map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40)).slice(0, 8);";

async fn number(b: &Client, script: &str) -> f64 {
    b.execute(script, vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap_or_else(|| panic!("{script}"))
}

/// Writes a screenshot under `target/test-artifacts/screenshots/` and, with
/// `KHO_SCREENSHOTS`, into that directory for the book.
async fn shot(b: &Client, name: &str) {
    let png = b.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let mut dirs = vec![target.join("test-artifacts").join("screenshots")];
    if let Some(d) = std::env::var_os("KHO_SCREENSHOTS") {
        dirs.push(PathBuf::from(d));
    }
    for dir in dirs {
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(dir.join(name), &png).expect("write screenshot");
        println!("screenshot: {}", dir.join(name).display());
    }
}

crate::both_backends!(reports_page_in_chromium, |db| {
    if !available() {
        return;
    }
    let seeded = seed(&db).await;
    // A register, so that the page lists its differences.
    let register = db.path("so-ocop.csv");
    std::fs::write(&register, crate::ocop_register::REGISTER_CSV).unwrap();
    ok(&db.kho(&["ocop", "import", register.to_str().unwrap()]));
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();
    let backend = format!("{:?}", db.backend).to_lowercase();
    let driver = Driver::start().await;
    let page = format!("/reports?from={FROM}&to={TO}&by=producer");
    for width in [1366u32, 390] {
        let b = driver
            .session(&db.path(&format!("chromium-{width}")), width)
            .await;
        sign_in(&b, &base, &seeded.department, &page).await;
        assert_eq!(
            b.find(Locator::Css("h1"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "Báo cáo"
        );
        let chi_lang = b
            .find(Locator::Css("tr[data-key='htx-chi-lang'] td.name"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(chi_lang.starts_with(CHI_LANG), "{chi_lang}");
        let revenue = b
            .find(Locator::Css("tr[data-key='htx-chi-lang'] span.revenue"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(revenue, "530.000 ₫");
        // Nothing wider than the screen.
        let scroll = number(&b, "return document.documentElement.scrollWidth;").await;
        let inner = number(&b, "return window.innerWidth;").await;
        assert!(
            scroll <= f64::from(width) && inner <= f64::from(width),
            "{width} px: the page is {scroll} px wide in a {inner} px window"
        );
        // Chart labels at least 11 px on screen.
        let label = number(
            &b,
            "const t = document.querySelector('svg.bars text'); return t.getBoundingClientRect().height;",
        )
        .await;
        assert!(
            label >= 11.0,
            "{width} px: chart labels are {label} px tall"
        );
        if backend == "sqlite" {
            shot(&b, &format!("reports-{width}.png")).await;
        }
        // The phone's figures and register, further down, for the book.
        if backend == "sqlite" && width < 600 {
            b.execute(
                "document.getElementById('figures').scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
            shot(&b, &format!("reports-{width}-figures.png")).await;
            b.execute("document.getElementById('ocop').scrollIntoView();", vec![])
                .await
                .unwrap();
            shot(&b, &format!("reports-{width}-ocop.png")).await;
        }
        // The English page, its figures the same.
        b.goto(&format!("{base}{page}&lang=en")).await.unwrap();
        assert_eq!(
            b.find(Locator::Css("h1"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "Reports"
        );
        let scroll = number(&b, "return document.documentElement.scrollWidth;").await;
        let wide = b.execute(WIDE, vec![json!(width)]).await.unwrap();
        assert!(
            scroll <= f64::from(width) && inner <= f64::from(width),
            "{width} px English: {scroll} px wide: {wide}"
        );
        let heading = b
            .find(Locator::Css("#ocop h2"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(heading, "The province's OCOP register");
        assert!(
            !b.find_all(Locator::Css("#ocop li[data-kind='lapsed']"))
                .await
                .unwrap()
                .is_empty()
        );
        b.close().await.unwrap();
    }
    daemon.stop();
});
