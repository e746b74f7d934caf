//! The dashboard's forms in headless Chromium, on a 390 px phone and a
//! 1366 px laptop, as a cooperative's staff use them: receive 50 units,
//! count a SKU, retry a failed push, upload a catalog, look at the preview
//! and apply it. After every step the page is no wider than the screen and
//! the ledger names the person. With `KHO_SCREENSHOTS=dir` the forms are
//! photographed into `dir` (the book's `docs/src/guide/img/`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use kho::auth::Role;
use kho::store::Store;
use serde_json::json;

use crate::browser::{CHROMIUM, Driver, browser_available, sign_in, text, wait_for_path};
use crate::forms::{A, B, PERSON_A, catalog, csv, entry};
use crate::support::ok;
use crate::support::worlds::shopee::World;

/// A Chromium `width` CSS pixels wide: a phone (touch, mobile viewport)
/// below 600, a laptop window otherwise.
async fn session(driver: &Driver, profile: PathBuf, width: u32) -> Client {
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
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// Nothing scrolls sideways: the document is no wider than the window.
async fn fits(b: &Client, what: &str) {
    let got = b
        .execute(
            "return [document.scrollingElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    let (scroll, inner) = (got[0].as_i64(), got[1].as_i64());
    assert!(
        scroll.zip(inner).is_some_and(|(s, i)| s <= i),
        "{what}: the page scrolls sideways ({got})"
    );
}

async fn click(b: &Client, css: &str) {
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(b: &Client, css: &str, s: &str) {
    let e = b
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    e.clear().await.expect("clear");
    e.send_keys(s).await.expect("type");
}

/// Waits until `css` is on the page (after a form's redirect).
async fn wait_for(b: &Client, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while b.find_all(Locator::Css(css)).await.map_or(0, |v| v.len()) == 0 {
        assert!(Instant::now() < deadline, "{css} never appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Brings `css` to the top of the screen (for a screenshot).
async fn scroll_to(b: &Client, css: &str) {
    b.execute(
        "document.querySelector(arguments[0]).scrollIntoView();",
        vec![json!(css)],
    )
    .await
    .expect("scroll");
}

async fn shot(b: &Client, name: &str) {
    let Some(dir) = std::env::var_os("KHO_SCREENSHOTS").map(PathBuf::from) else {
        return;
    };
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    let png = b.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}

/// The dead letters of the shop, once the worker has buried the retried
/// change again (its price is still above the marketplace's limit).
async fn dead_again(store: &Store) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let dead = store.dead_letters(Some("shopee-a")).await.expect("dead");
        if let Some(d) = dead.first() {
            return d.id;
        }
        assert!(
            Instant::now() < deadline,
            "the failed change never came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn flows(b: &Client, base: &str, store: &Store, width: u32, dir: &std::path::Path) {
    let at = |name: &str| format!("{name}-{width}.png");
    // Receive 50 units.
    b.goto(&format!("{base}/products/A-NA")).await.unwrap();
    fits(b, "product").await;
    let before = text(b, "section[data-sku='A-NA-1'] .avail-now strong.avail").await;
    let before: i64 = before.replace('.', "").parse().expect("a number");
    click(b, "section[data-sku='A-NA-1'] details.stock-forms summary").await;
    type_into(b, "#q-receipt-A-NA-1", "50").await;
    type_into(b, "#r-receipt-A-NA-1", "Thu hoạch lứa mới").await;
    scroll_to(b, "section[data-sku='A-NA-1'] details.stock-forms").await;
    shot(b, &at("form-stock")).await;
    click(b, "section[data-sku='A-NA-1'] form.receipt button").await;
    wait_for(b, "p.flash").await;
    assert_eq!(b.current_url().await.unwrap().path(), "/products/A-NA");
    let flash = text(b, "p.flash").await;
    assert!(flash.starts_with("Đã nhập kho A-NA-1: 50."), "{flash}");
    assert_eq!(
        text(b, "section[data-sku='A-NA-1'] .avail-now strong.avail").await,
        kho::http::dashboard::format::int(before + 50)
    );
    assert_eq!(
        text(
            b,
            "section[data-sku='A-NA-1'] table.movements tbody tr:first-child td.who"
        )
        .await,
        PERSON_A
    );
    fits(b, "after a receipt").await;

    // A removal without its reason comes back with the typed quantity.
    click(b, "section[data-sku='A-NA-1'] details.stock-forms summary").await;
    type_into(b, "#q-removal-A-NA-1", "4").await;
    b.execute(
        "document.getElementById('r-removal-A-NA-1').removeAttribute('required');",
        vec![],
    )
    .await
    .expect("script");
    click(b, "section[data-sku='A-NA-1'] form.removal button").await;
    wait_for(b, "form.removal p.alert").await;
    assert_eq!(
        text(b, "form.removal p.alert").await,
        "Hãy ghi lý do xuất hoặc hủy (ví dụ: hàng hỏng)."
    );
    let kept = b
        .find(Locator::Css("#q-removal-A-NA-1"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("4"));
    fits(b, "a form with a mistake").await;
    scroll_to(b, "form.removal").await;
    shot(b, &at("form-stock-error")).await;

    // Count a SKU.
    b.goto(&format!("{base}/products/A-QUYT")).await.unwrap();
    click(
        b,
        "section[data-sku='A-QUYT-1'] details.stock-forms summary",
    )
    .await;
    type_into(b, "#q-count-A-QUYT-1", "37").await;
    click(b, "section[data-sku='A-QUYT-1'] form.count button").await;
    wait_for(b, "p.flash").await;
    assert!(
        text(b, "p.flash")
            .await
            .starts_with("Đã ghi kiểm kê A-QUYT-1: 37.")
    );
    assert_eq!(
        text(b, "section[data-sku='A-QUYT-1'] .avail-now strong.avail").await,
        "37"
    );
    assert_eq!(
        text(
            b,
            "section[data-sku='A-QUYT-1'] table.movements tbody tr:first-child td.who"
        )
        .await,
        PERSON_A
    );
    assert_eq!(
        text(b, "#marketplaces td[data-account='shopee-a'] .badge").await,
        "Chưa khớp với kho"
    );
    fits(b, "after a count").await;
    shot(b, &at("product-marketplaces")).await;

    // Retry the failed push.
    let job = dead_again(store).await;
    b.goto(&format!("{base}/accounts")).await.unwrap();
    fits(b, "accounts").await;
    shot(b, &at("accounts-retry")).await;
    click(
        b,
        &format!("form[action='/accounts/shopee-a/retry/{job}'] button"),
    )
    .await;
    wait_for(b, "p.flash").await;
    assert_eq!(
        text(b, "p.flash").await,
        "shopee-a: 1 thay đổi đã được đưa lại hàng đợi. kho sẽ gửi lại trong lần đồng bộ tới."
    );
    fits(b, "after a retry").await;

    // Upload, preview, apply.
    let mut next = catalog()[..2].to_vec();
    next[0].price_vnd = 85_000 + i64::from(width);
    // A-QUYT-1 keeps the price the marketplace refuses.
    next[1].price_vnd = 6_000_000;
    next.push(entry(A, "A-NA", &format!("A-NA-{width}"), 160_000, 12));
    let file = dir.join(format!("mua-moi-{width}.csv"));
    std::fs::write(&file, csv(&next)).expect("write");
    b.goto(&format!("{base}/catalog/import")).await.unwrap();
    fits(b, "upload").await;
    b.find(Locator::Css("input#file"))
        .await
        .unwrap()
        .send_keys(file.to_str().expect("path"))
        .await
        .expect("choose the file");
    click(b, "form.upload button").await;
    wait_for(b, "#preview").await;
    assert_eq!(text(b, "#preview h2").await, "Xem trước khi nhập danh mục");
    assert!(text(b, "#preview").await.contains(&format!("A-NA-{width}")));
    assert!(
        store
            .find_sku(&format!("A-NA-{width}"))
            .await
            .unwrap()
            .is_none()
    );
    fits(b, "a preview").await;
    shot(b, &at("import-preview")).await;
    click(b, "form.apply button").await;
    wait_for(b, "p.flash").await;
    assert_eq!(b.current_url().await.unwrap().path(), "/products");
    assert!(
        text(b, "p.flash")
            .await
            .starts_with(&format!("Đã nhập danh mục mua-moi-{width}.csv")),
        "{}",
        text(b, "p.flash").await
    );
    assert!(
        store
            .find_sku(&format!("A-NA-{width}"))
            .await
            .unwrap()
            .is_some()
    );
    fits(b, "products after an import").await;
    shot(b, &at("products")).await;
}

crate::both_backends!(dashboard_forms_in_chromium, |db| {
    if !browser_available() {
        return;
    }
    let w = World::start(
        db,
        &catalog(),
        &[("shopee-a", A), ("shopee-b", B)],
        1000,
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "shopee-a"]));
    ok(&w.kho(&["link", "shopee-b"]));
    ok(&w.kho(&["sync"]));
    let mut edited = catalog();
    edited[1].price_vnd = 6_000_000;
    std::fs::write(w.db.path("edited.csv"), csv(&edited)).expect("write");
    ok(&w.kho(&["import", "edited.csv"]));
    assert_eq!(w.kho(&["sync"]).status.code(), Some(1));
    let store = w.db.store().await;
    let (_, coop_a) = store
        .create_token(PERSON_A, Role::Cooperative, Some(A))
        .await
        .expect("token");
    let daemon = w.daemon("1h");
    let base = daemon.url.clone();
    let driver = Driver::start().await;
    for width in [390, 1366] {
        let b = session(&driver, w.db.path(&format!("chromium-{width}")), width).await;
        sign_in(&b, &base, &coop_a).await;
        fits(&b, "overview").await;
        if width < 600 {
            // Chart labels stay readable on a phone: 12 px or more on screen.
            let px = b
                .execute(
                    "const t = document.querySelector('svg.chart text.axis'); \
                     return parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;",
                    vec![],
                )
                .await
                .expect("label size");
            assert!(
                px.as_f64().is_some_and(|px| px >= 12.0),
                "chart labels are {px} px"
            );
        }
        flows(&b, &base, &store, width, &w.db.path("")).await;
        // The forms in English too, no wider than the screen.
        for (path, css, expect) in [
            (
                "/products/A-NA",
                "details.stock-forms summary",
                "Receive / remove / count",
            ),
            ("/catalog/import", "h1", "Upload the catalog"),
            (
                "/accounts",
                "form[action='/accounts/shopee-a/link'] button",
                "Re-link the shop",
            ),
        ] {
            b.goto(&format!("{base}{path}?lang=en")).await.unwrap();
            assert_eq!(text(&b, css).await, expect, "{path}");
            fits(&b, path).await;
        }
        b.goto(&format!("{base}/?lang=vi")).await.unwrap();
        for path in [
            "/",
            "/products",
            "/accounts",
            "/drift",
            "/certificates",
            "/catalog/import",
        ] {
            b.goto(&format!("{base}{path}")).await.unwrap();
            wait_for_path(&b, path).await;
            fits(&b, path).await;
        }
        b.close().await.unwrap();
    }
    daemon.stop();
    store.close().await;
});
