//! The dashboard end to end: a real `kho serve` on loopback, seeded through
//! the store (catalog import, accounts, orders today and on earlier days, a
//! reconciliation run), checked over plain HTTP (headers, sign-in, CSRF,
//! tenancy) and then in Debian's headless Chromium driven over WebDriver
//! (chromedriver): sign in, every page, both languages, a cooperative's
//! view, sign out, screenshots under `target/test-artifacts/screenshots/`.
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` the browser test
//! prints why and skips — except under `CI=true`, where it fails. Nothing is
//! downloaded at test time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use fantoccini::Locator;
use kho::auth::Role;
use kho::http::dashboard::format::{int, vnd};
use kho::store::accounts::AccountState;
use kho_channel::OrderStatus;
use serde_json::{Value, json};

use crate::support::Daemon;
use crate::support::browser::{
    DESKTOP, Driver, PHONE, artifact, browser_available, no_sideways_scroll, sign_in, text,
    wait_for_path,
};
use crate::support::worlds::offline::{THREE_SHOPS, TZ, day_start, ingest, store_accounts};
use crate::support::{TestDb, ok, sample_catalog};

struct Seeded {
    department: String,
    /// A token of htx-bao-lam, which must never see htx-chi-lang's products.
    bao_lam: String,
    bao_lam_id: i64,
    today: NaiveDate,
}

/// The sample catalog (through the real `kho import`), three shops of two
/// cooperatives, orders over the last two weeks (one cancelled today), a
/// shop needing re-authorisation, a reconciliation that found drift, and
/// tokens for the department and for one cooperative.
async fn seed(db: &TestDb) -> Seeded {
    ok(&db.kho(&["import", sample_catalog().to_str().expect("path")]));
    let (store, ids) = store_accounts(db, THREE_SHOPS).await;
    let (shopee, tiktok, lazada) = (
        ids["shopee-chi-lang"],
        ids["tiktok-chi-lang"],
        ids["lazada-bao-lam"],
    );
    let today = Utc::now().with_timezone(&TZ).date_naive();
    let at = |days_ago: i64, minutes: i64| {
        day_start(today - chrono::Duration::days(days_ago)) + chrono::Duration::minutes(minutes)
    };
    use OrderStatus::*;
    ingest(
        &store,
        shopee,
        "S1",
        at(0, 5),
        Ready,
        &[("NA-CHILANG-1KG", 2, 85_000)],
    )
    .await;
    ingest(
        &store,
        shopee,
        "S2",
        at(0, 6),
        Shipped,
        &[("NA-CHILANG-2KG", 1, 165_000), ("NA-SAY-200G", 3, 65_000)],
    )
    .await;
    ingest(
        &store,
        shopee,
        "S3",
        at(0, 7),
        Cancelled,
        &[("NA-CHILANG-5KG", 1, 390_000)],
    )
    .await;
    ingest(
        &store,
        tiktok,
        "T1",
        at(0, 8),
        Ready,
        &[("NA-CHILANG-5KG", 1, 390_000)],
    )
    .await;
    ingest(
        &store,
        lazada,
        "L1",
        at(0, 9),
        Ready,
        &[("HONG-KHONGHAT-1KG", 4, 120_000)],
    )
    .await;
    for d in 1..14 {
        ingest(
            &store,
            shopee,
            &format!("S-{d}"),
            at(d, 600),
            Delivered,
            &[("NA-CHILANG-1KG", d % 4 + 1, 85_000)],
        )
        .await;
        if d % 3 == 0 {
            ingest(
                &store,
                tiktok,
                &format!("T-{d}"),
                at(d, 700),
                Delivered,
                &[("NA-CHILANG-2KG", 2, 165_000)],
            )
            .await;
        }
        if d % 2 == 0 {
            ingest(
                &store,
                lazada,
                &format!("L-{d}"),
                at(d, 800),
                Delivered,
                &[("HONG-KHONGHAT-3KG", 1, 300_000)],
            )
            .await;
        }
    }
    store
        .set_account_state(
            "tiktok-chi-lang",
            AccountState::NeedsReauth,
            Some("refresh token expired"),
        )
        .await
        .expect("account state");
    let run = store
        .begin_reconcile_run(shopee, false)
        .await
        .expect("reconcile run");
    let drift = kho::store::reconcile::ReconcileItem {
        id: 0,
        run_id: 0,
        kind: "stock_mismatch".into(),
        sku: Some("NA-CHILANG-1KG".into()),
        remote_item_id: Some("1001".into()),
        remote_variant_id: None,
        field: Some("stock".into()),
        kho_value: Some("200".into()),
        pushed_value: Some("200".into()),
        remote_value: Some("190".into()),
        cause: "edited on the marketplace".into(),
        detail: None,
    };
    store
        .finish_reconcile_run(run, &[drift], None)
        .await
        .expect("finish run");
    let (_, department) = store
        .create_token("Sở Nông nghiệp Lạng Sơn", Role::Department, None)
        .await
        .expect("token");
    let (bao_lam_id, bao_lam) = store
        .create_token("HTX Bảo Lâm", Role::Cooperative, Some("htx-bao-lam"))
        .await
        .expect("token");
    store.close().await;
    Seeded {
        department,
        bao_lam,
        bao_lam_id,
        today,
    }
}

/// `kho report sales` for one day by marketplace: key → (orders, units, revenue).
fn report(db: &TestDb, day: NaiveDate) -> (HashMap<String, (i64, i64, i64)>, i64) {
    let d = day.to_string();
    let out = ok(&db.kho(&[
        "--json", "report", "sales", "--from", &d, "--to", &d, "--by", "channel",
    ]));
    let doc: Value = serde_json::from_str(&out).expect("report JSON");
    let rows = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["key"].as_str().expect("key").to_owned(),
                (
                    r["orders"].as_i64().expect("orders"),
                    r["units"].as_i64().expect("units"),
                    r["revenue_vnd"].as_i64().expect("revenue"),
                ),
            )
        })
        .collect();
    (rows, doc["revenue_vnd"].as_i64().expect("total"))
}

/// The date in the overview's "today" heading (`— 29/11/2026`).
fn shown_day(html: &str) -> NaiveDate {
    let html = html.find("id=\"today\"").map_or(html, |i| &html[i..]);
    let at = html.find("— ").expect("a dated heading") + "— ".len();
    let text: String = html[at..].chars().take(10).collect();
    NaiveDate::parse_from_str(&text, "%d/%m/%Y").expect("a dd/mm/yyyy date")
}

fn token_form(token: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The session cookie of a sign-in answer.
fn session_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kho_session="))
        .expect("session cookie")
        .to_owned()
}

crate::both_backends!(dashboard_over_http, |db| {
    let seeded = seed(&db).await;
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();
    let c = http();

    // Signed out: every page sends to the sign-in form.
    for path in [
        "/",
        "/products",
        "/accounts",
        "/drift",
        "/certificates",
        "/products/NA-CHILANG",
    ] {
        let res = c.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        let back = if path == "/" {
            "/signin".to_owned()
        } else {
            format!("/signin?next={}", path.replace('/', "%2F"))
        };
        assert_eq!(res.headers()["location"], back.as_str(), "{path}");
    }
    let res = c.get(format!("{base}/signin")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    let body = res.text().await.unwrap();
    assert!(body.contains("Đăng nhập") && body.contains(r#"<meta name="viewport""#));
    assert!(
        !body.contains("<script") && !body.contains("style="),
        "{body}"
    );

    // CSRF: a form from another site is refused whatever it carries.
    let res = c
        .post(format!("{base}/signin"))
        .header("origin", "http://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form(&seeded.department))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("set-cookie").is_none());
    // A wrong token: 401 and the form again, in the remembered language.
    let res = c
        .post(format!("{base}/signin"))
        .header("origin", &base)
        .header("cookie", "kho_lang=en")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form("kho_not-a-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The token is not valid or has been revoked.")
    );

    let res = c
        .post(format!("{base}/signin"))
        .header("origin", &base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(token_form(&seeded.department))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let set = session_cookie(&res);
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{set}");
    }
    let dept = format!("kho_session={}", seeded.department);
    // Back to the page that sent the viewer to sign in; never off-site.
    for (next, to) in [("/accounts", "/accounts"), ("//evil.example/x", "/")] {
        let res = c
            .post(format!("{base}/signin"))
            .header("origin", &base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "{}&next={}",
                token_form(&seeded.department),
                next.replace('/', "%2F")
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], to, "next={next}");
    }

    // Every page renders with the seeded data.
    for (path, expect) in [
        ("/", "Đơn hàng và doanh thu hôm nay"),
        ("/products", "LAP-SUON-1KG"),
        ("/products/NA-CHILANG", "NA-CHILANG-5KG"),
        ("/accounts", "Cần ủy quyền lại"),
        ("/drift", "edited on the marketplace"),
        ("/certificates", "Chứng nhận OCOP"),
    ] {
        let res = c
            .get(format!("{base}{path}"))
            .header("cookie", &dept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
        let body = res.text().await.unwrap();
        assert!(body.contains(expect), "{path} lacks {expect:?}:\n{body}");
        assert!(!body.contains("<script"), "{path}");
    }
    // The overview's figures are `kho report sales`'s for the day it shows
    // (read from the page: a run may cross midnight in Vietnam).
    let body = c
        .get(format!("{base}/"))
        .header("cookie", &dept)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let day = shown_day(&body);
    let (rows, total) = report(&db, day);
    if day == seeded.today {
        assert_eq!(rows.len(), 3, "{rows:?}");
    }
    for (channel, (orders, units, revenue)) in &rows {
        // The marketplace's own name, not kho's code.
        let name = match channel.as_str() {
            "shopee" => "Shopee",
            "tiktok" => "TikTok Shop",
            "lazada" => "Lazada",
            other => panic!("unexpected channel {other}"),
        };
        let row = format!(
            r#"<tr data-channel="{channel}"><td><span class="swatch ch-{channel}"></span>{name}</td><td class="num orders">{}</td><td class="num units">{}</td><td class="num revenue">{}</td></tr>"#,
            int(*orders),
            int(*units),
            vnd(*revenue)
        );
        assert!(body.contains(&row), "missing {row}\n{body}");
    }
    if rows.is_empty() {
        assert!(body.contains("Chưa có đơn hàng nào hôm nay."));
    } else {
        assert!(body.contains(&format!(
            r#"<td class="num revenue">{}</td></tr></tfoot>"#,
            vnd(total)
        )));
    }

    // Only what is short: the out-of-stock SKU, not a well-stocked one.
    let body = c
        .get(format!("{base}/products?show=short&low=5"))
        .header("cookie", &dept)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains(r#"<tr class="zero" data-sku="LAP-SUON-1KG">"#),
        "{body}"
    );
    assert!(!body.contains("NA-CHILANG-2KG"), "{body}");

    // Bad input is named.
    let res = c
        .get(format!("{base}/?lang=fr"))
        .header("cookie", &dept)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("unknown language"));
    let res = c
        .get(format!("{base}/products?producer=htx-nowhere"))
        .header("cookie", &dept)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = c
        .get(format!("{base}/products?low=many"))
        .header("cookie", &dept)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // English on request, remembered in a cookie.
    let res = c
        .get(format!("{base}/?lang=en"))
        .header("cookie", &dept)
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("kho_lang=en;"))
    );
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Today's orders and revenue")
    );

    // A cooperative sees its own products only; another's answers 404.
    let coop = format!("kho_session={}", seeded.bao_lam);
    let body = c
        .get(format!("{base}/products?producer=htx-chi-lang"))
        .header("cookie", &coop)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("HONG-KHONGHAT-1KG"));
    assert!(!body.contains("NA-CHILANG"), "{body}");
    let res = c
        .get(format!("{base}/products/NA-CHILANG"))
        .header("cookie", &coop)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body = c
        .get(format!("{base}/"))
        .header("cookie", &coop)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !body.contains("shopee") && body.contains(r#"data-channel="lazada""#),
        "{body}"
    );

    // A revoked token signs its holder out at the next click.
    let store = db.store().await;
    assert!(store.revoke_token(seeded.bao_lam_id).await.unwrap());
    store.close().await;
    let res = c
        .get(format!("{base}/products"))
        .header("cookie", &coop)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // Sign-out: cross-site refused, same-site clears the cookie.
    let res = c
        .post(format!("{base}/signout"))
        .header("cookie", &dept)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = c
        .post(format!("{base}/signout"))
        .header("cookie", &dept)
        .header("origin", &base)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(session_cookie(&res).contains("Max-Age=0"));
    daemon.stop();
});

crate::both_backends!(dashboard_in_chromium, |db| {
    if !browser_available() {
        return;
    }
    let seeded = seed(&db).await;
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();
    let backend = format!("{:?}", db.backend).to_lowercase();
    let driver = Driver::start().await;
    let b = driver.session(&db.path("chromium"), DESKTOP).await;

    sign_in(&b, &base, &seeded.department).await;
    assert_eq!(text(&b, "h1").await, "Tổng quan");
    // The overview's figures, as the browser shows them, equal the report's
    // for the day the page shows.
    let day = shown_day(&text(&b, "#today h2").await);
    let (rows, total) = report(&db, day);
    if day == seeded.today {
        assert_eq!(rows.len(), 3, "{rows:?}");
    }
    for (channel, (orders, units, revenue)) in &rows {
        let row = format!("tr[data-channel='{channel}']");
        assert_eq!(text(&b, &format!("{row} td.orders")).await, int(*orders));
        assert_eq!(text(&b, &format!("{row} td.units")).await, int(*units));
        assert_eq!(text(&b, &format!("{row} td.revenue")).await, vnd(*revenue));
    }
    if rows.is_empty() {
        assert_eq!(
            text(&b, "#today .empty").await,
            "Chưa có đơn hàng nào hôm nay."
        );
    } else {
        assert_eq!(
            text(&b, "tr[data-channel='total'] td.revenue").await,
            vnd(total)
        );
    }
    assert_eq!(
        b.find_all(Locator::Css("svg.chart polyline"))
            .await
            .unwrap()
            .len(),
        3
    );
    artifact(&b, &format!("overview-vi-{backend}.png")).await;

    // Every page, through the navigation.
    for (href, heading) in [
        ("/products", "Sản phẩm và tồn kho"),
        ("/accounts", "Tài khoản sàn"),
        ("/drift", "Đối soát"),
        ("/certificates", "Chứng nhận OCOP"),
        ("/", "Tổng quan"),
    ] {
        b.find(Locator::Css(&format!("header nav a[href='{href}']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_path(&b, href).await;
        assert_eq!(text(&b, "h1").await, heading);
        if matches!(href, "/drift" | "/certificates") {
            artifact(&b, &format!("{}-vi-{backend}.png", &href[1..])).await;
        }
    }
    b.goto(&format!("{base}/products")).await.unwrap();
    assert!(
        !b.find_all(Locator::Css("tr.zero"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!b.find_all(Locator::Css("tr.low")).await.unwrap().is_empty());
    artifact(&b, &format!("products-vi-{backend}.png")).await;
    // The department's filter narrows to one cooperative.
    b.find(Locator::Css("select#producer"))
        .await
        .unwrap()
        .select_by_value("htx-bao-lam")
        .await
        .unwrap();
    b.find(Locator::Css("form.filter button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while b.current_url().await.unwrap().query() != Some("producer=htx-bao-lam") {
        assert!(Instant::now() < deadline, "filter not applied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let src = b.source().await.unwrap();
    assert!(src.contains("HONG-KHONGHAT-1KG") && !src.contains("NA-CHILANG-1KG"));
    b.find(Locator::Css("a[href='/products/HONG-KHONGHAT']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&b, "/products/HONG-KHONGHAT").await;
    assert!(b.source().await.unwrap().contains("HONG-KHONGHAT-3KG"));
    b.goto(&format!("{base}/accounts")).await.unwrap();
    assert_eq!(
        text(&b, "tr[data-account='tiktok-chi-lang'] .badge").await,
        "Cần ủy quyền lại"
    );
    artifact(&b, &format!("accounts-vi-{backend}.png")).await;

    // Switch language: the switch keeps the page, the choice is remembered.
    b.goto(&format!("{base}/")).await.unwrap();
    b.find(Locator::Css("a.lang"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while text(&b, "h1").await != "Overview" {
        assert!(Instant::now() < deadline, "no English");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        text(&b, "#today h2").await.split(" — ").next(),
        Some("Today's orders and revenue")
    );
    for (channel, (_, _, revenue)) in &rows {
        assert_eq!(
            text(&b, &format!("tr[data-channel='{channel}'] td.revenue")).await,
            vnd(*revenue)
        );
    }
    artifact(&b, &format!("overview-en-{backend}.png")).await;
    b.goto(&format!("{base}/drift")).await.unwrap();
    assert_eq!(text(&b, "h1").await, "Drift");
    b.goto(&format!("{base}/certificates")).await.unwrap();
    assert_eq!(text(&b, "h1").await, "OCOP certificates");

    // Sign out, and the pages are closed again.
    b.find(Locator::Css("form[action='/signout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&b, "/signin").await;
    b.goto(&format!("{base}/products")).await.unwrap();
    wait_for_path(&b, "/signin").await;

    // A cooperative: its own products only, and another's is a 404 page.
    sign_in(&b, &base, &seeded.bao_lam).await;
    b.goto(&format!("{base}/products")).await.unwrap();
    wait_for_path(&b, "/products").await;
    let src = b.source().await.unwrap();
    assert!(
        src.contains("HONG-KHONGHAT-1KG"),
        "the cooperative's products page at {} shows: {}",
        b.current_url().await.unwrap(),
        text(&b, "body").await
    );
    assert!(
        !src.contains("NA-CHILANG"),
        "another cooperative's products leaked"
    );
    assert!(
        b.find_all(Locator::Css("select#producer"))
            .await
            .unwrap()
            .is_empty()
    );
    b.goto(&format!("{base}/products/NA-CHILANG"))
        .await
        .unwrap();
    assert_eq!(text(&b, "main .alert").await, "No such product.");
    assert!(!b.source().await.unwrap().contains("Na Chi Lăng"));
    b.find(Locator::Css("form[action='/signout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&b, "/signin").await;
    b.close().await.unwrap();

    // A phone, 390 px wide: nothing wider than the screen but the tables'
    // own scrolling boxes.
    let phone = driver.session(&db.path("chromium-phone"), PHONE).await;
    sign_in(&phone, &base, &seeded.department).await;
    no_sideways_scroll(&phone, "the overview on a phone").await;
    // "Cần xử lý" comes first, each item with what to do, within the screen.
    let first = phone
        .execute(
            "return document.querySelector('main section.card').id;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(first, json!("attention"));
    let items = phone.find_all(Locator::Css("#attention li")).await.unwrap();
    assert!(!items.is_empty(), "the seeded faults are not listed");
    assert_eq!(
        phone
            .find_all(Locator::Css("#attention li .todo"))
            .await
            .unwrap()
            .len(),
        items.len()
    );
    assert_eq!(text(&phone, "#attention h2").await, "Cần xử lý");
    artifact(&phone, &format!("overview-phone-vi-{backend}.png")).await;
    phone.close().await.unwrap();
    daemon.stop();
});
