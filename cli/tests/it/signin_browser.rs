//! The login-link flow in headless Chromium, on a 1366 px laptop and a
//! 390 px phone: open the link (which spends nothing), press the button,
//! land on the overview signed in by name; the same link then says it was
//! used. Screenshots go to `target/test-artifacts/screenshots/` like the
//! dashboard's (see `browser`, whose chromedriver this test shares).

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::browser::{Driver, browser_available, shot, text, wait_for_path};
use crate::support::{Daemon, TestDb, ok, sample_catalog};

/// A fresh headless Chromium `width` px wide (a phone's screen below 600).
async fn session(driver: &Driver, db: &TestDb, width: u32) -> Client {
    let profile = db.path(&format!("chromium-{width}"));
    let mut options = json!({
        "binary": "/usr/bin/chromium",
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            format!("--window-size={width},900"),
            format!("--user-data-dir={}", profile.display()),
        ],
    });
    if width < 600 {
        options["mobileEmulation"] =
            json!({ "deviceMetrics": { "width": width, "height": 844, "pixelRatio": 3.0 } });
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::rustls()
        .expect("TLS roots")
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

async fn page_width(b: &Client) -> i64 {
    b.execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .unwrap()
        .as_i64()
        .expect("a width")
}

crate::both_backends!(a_login_link_in_chromium, |db| {
    if !browser_available() {
        return;
    }
    ok(&db.kho(&["import", sample_catalog().to_str().expect("path")]));
    std::fs::write(
        db.path("kho.toml"),
        "[sync]\norder_poll_interval = \"1h\"\n",
    )
    .expect("write kho.toml");
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();
    let backend = format!("{:?}", db.backend).to_lowercase();
    let driver = Driver::start().await;
    for (width, person) in [(1366, "Nguyễn Văn An"), (390, "Lò Thị Hoa")] {
        let doc: Value = serde_json::from_str(&ok(&db.kho(&[
            "login-link",
            "--json",
            "--producer",
            "htx-chi-lang",
            "--name",
            person,
        ])))
        .expect("JSON");
        let url = url::Url::parse(doc["url"].as_str().expect("url")).expect("a URL");
        let link = format!("{base}{}", url.path());
        let b = session(&driver, &db, width).await;
        b.goto(&link).await.unwrap();
        assert_eq!(text(&b, "strong.person").await, person);
        assert!(
            page_width(&b).await <= i64::from(width),
            "sideways scrolling at {width} px"
        );
        shot(&b, &format!("login-link-{width}-{backend}.png")).await;
        b.find(Locator::Css("form[action^='/login/'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_path(&b, "/").await;
        // The name in the header (a phone's narrow header may hide it, so
        // read it from the page rather than from what is visible).
        let shown = b
            .execute(
                "return document.querySelector('header .who .name').textContent;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(shown, json!(person));
        assert!(
            page_width(&b).await <= i64::from(width),
            "sideways scrolling at {width} px"
        );
        shot(&b, &format!("login-link-signed-in-{width}-{backend}.png")).await;
        // The link worked once; opened again it says so.
        b.goto(&link).await.unwrap();
        let said = text(&b, "p.alert").await;
        assert!(
            said.contains("đã được dùng") && said.contains("already been used"),
            "{said}"
        );
        b.close().await.unwrap();
    }
    daemon.stop();
});
