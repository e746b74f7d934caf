//! The dashboard's forms in headless Chromium, on a 390 px phone and a
//! 1366 px laptop, as a cooperative's staff use them: receive 50 units,
//! count a SKU, retry a failed push, upload a catalog, look at the preview
//! and apply it. After every step the page is no wider than the screen and
//! the ledger names the person. The forms are photographed under
//! `target/test-artifacts/screenshots/` and, with `KHO_SCREENSHOTS=dir`,
//! into `dir` (the book's `docs/src/guide/img/`).

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use kho::auth::Role;
use kho::store::Store;

use crate::support::browser::{
    DESKTOP, Driver, PHONE, browser_available, click, no_sideways_scroll, scroll_to, shot, sign_in,
    text, type_into, wait_for, wait_for_path,
};
use crate::support::ok;
use crate::support::worlds::forms::{A, B, PERSON_A, catalog, csv, entry};
use crate::support::worlds::shopee::World;

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
    no_sideways_scroll(b, "product").await;
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
    no_sideways_scroll(b, "after a receipt").await;

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
    no_sideways_scroll(b, "a form with a mistake").await;
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
    no_sideways_scroll(b, "after a count").await;
    shot(b, &at("product-marketplaces")).await;

    // Retry the failed push.
    let job = dead_again(store).await;
    b.goto(&format!("{base}/accounts")).await.unwrap();
    no_sideways_scroll(b, "accounts").await;
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
    no_sideways_scroll(b, "after a retry").await;

    // Upload, preview, apply.
    let mut next = catalog()[..2].to_vec();
    next[0].price_vnd = 85_000 + i64::from(width);
    // A-QUYT-1 keeps the price the marketplace refuses.
    next[1].price_vnd = 6_000_000;
    next.push(entry(A, "A-NA", &format!("A-NA-{width}"), 160_000, 12));
    let file = dir.join(format!("mua-moi-{width}.csv"));
    std::fs::write(&file, csv(&next)).expect("write");
    b.goto(&format!("{base}/catalog/import")).await.unwrap();
    no_sideways_scroll(b, "upload").await;
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
    no_sideways_scroll(b, "a preview").await;
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
    no_sideways_scroll(b, "products after an import").await;
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
    for width in [PHONE, DESKTOP] {
        let b = driver
            .session(&w.db.path(&format!("chromium-{width}")), width)
            .await;
        sign_in(&b, &base, &coop_a).await;
        no_sideways_scroll(&b, "overview").await;
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
            no_sideways_scroll(&b, path).await;
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
            no_sideways_scroll(&b, path).await;
        }
        b.close().await.unwrap();
    }
    daemon.stop();
    store.close().await;
});
