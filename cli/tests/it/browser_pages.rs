//! Every dashboard page in headless Chromium, in Vietnamese and English, on
//! a 390 px phone and a 1366 px laptop, over a small world with something
//! on every page: stock low and out, orders over two weeks, a shop to
//! re-authorise, a drift, a dead letter, certificates expired and
//! expiring, a rejected catalog upload. Each page must have its heading,
//! must not scroll sideways, and must show none of kho's internal codes
//! (movement kinds, drift kinds, account states, field names …) as text: a
//! cooperative's staff read Vietnamese, not `needs_reauth`.
//!
//! The Vietnamese pages are photographed under
//! `target/test-artifacts/screenshots/` (`page-<name>-<width>.png`) and,
//! with `KHO_SCREENSHOTS=docs/src/guide/img`, for the book's dashboard tour.

use chrono::{DateTime, Utc};
use fantoccini::Client;
use kho::auth::Role;
use kho::store::accounts::AccountState;
use kho::store::listings::LinkRow;
use kho::store::{Pool, Store};
use kho_channel::OrderStatus;

use crate::support::browser::{
    DESKTOP, Driver, PHONE, artifact, browser_available, click, no_sideways_scroll, shot, sign_in,
    text, visible_text, wait_for, wait_for_path,
};
use crate::support::worlds::offline::{THREE_SHOPS, TZ, day_start, ingest, store_accounts};
use crate::support::{Daemon, TestDb, ok, sample_catalog};

/// Codes that are kho's own words, never a person's: snake_case ones must
/// not show in either language.
const SNAKE_CODES: &[&str] = &[
    "needs_reauth",
    "edited_on_marketplace",
    "held_by_marketplace",
    "stock_mismatch",
    "price_mismatch",
    "status_mismatch",
    "duplicate_sku",
    "order_missing",
    "order_not_ingested",
    "push_pending",
    "push_failed",
    "failed_push",
    "failing_push",
    "awaiting_person",
    "reconcile_failed",
    "certificate_expired",
    "certificate_expiring",
    "out_of_stock",
    "unknown_to_register",
    "stars_differ",
    "expiry_differs",
    "not_sold_online",
    "not_in_kho",
    "seller_sku",
    "variant_sku",
    "variant_name",
    "product_code",
    "product_name",
    "producer_code",
    "producer_name",
    "price_vnd",
    "weight_g",
    "ocop_stars",
    "ocop_cert_no",
    "ocop_cert_expires",
    "image_urls",
    "remote_item_id",
    "on_hand",
];

/// English codes that are also words: wrong on a Vietnamese page only
/// (movement kinds, account and order states, job kinds, the location).
const WORD_CODES: &[&str] = &[
    "receipt",
    "sale",
    "adjustment",
    "count",
    "removal",
    "cancellation",
    "return",
    "ok",
    "active",
    "paused",
    "inactive",
    "main",
    "stock",
    "price",
    "status",
    "unpaid",
    "ready",
    "shipped",
    "delivered",
    "cancelled",
    "returned",
    "lapsed",
    "pending",
    "dead",
    "drift",
    "required",
    "missing",
    "problem(s)",
    "marketplace sale",
    "sale cancelled",
    "return completed",
    "return received",
    "opening balance",
    "cli:unknown",
    "shopee",
    "tiktok",
    "lazada",
    "htx-chi-lang",
    "htx-bao-lam",
    "cty-vit-quay",
];

/// Text that is not kho's to translate: the marketplaces' own messages
/// (`.error`, outside a rejected catalog's problems, which are kho's),
/// quoted as the marketplace wrote them, and the cooperative filter's
/// choices, which give each name with its code.
const QUOTED: &str = "return [...document.querySelectorAll('.error, option')]\
    .filter(e => !e.closest('table.problems')).map(e => e.textContent);";

/// `code` as a whole word of `text` (not inside a SKU or another word).
fn has_word(text: &str, code: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(code).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(word)
            && !text[at + code.len()..].chars().next().is_some_and(word)
    })
}

/// The internal codes a page shows.
fn raw_codes(text: &str, vietnamese: bool) -> Vec<&'static str> {
    let words = if vietnamese { WORD_CODES } else { &[] };
    SNAKE_CODES
        .iter()
        .chain(words)
        .copied()
        .filter(|c| has_word(text, c))
        .collect()
}

/// One order a day per shop: a kilo of custard apples on odd accounts,
/// two 2 kg boxes on even ones.
async fn order(store: &Store, account: i64, id: &str, at: DateTime<Utc>, status: OrderStatus) {
    let line = if account % 2 == 0 {
        ("NA-CHILANG-2KG", 2, 165_000)
    } else {
        ("NA-CHILANG-1KG", 1, 85_000)
    };
    ingest(store, account, id, at, status, &[line]).await;
}

/// The sample catalog with Chi Lăng's certificate expiring in three weeks
/// (the sample has expired ones already), three shops, orders, a shop to
/// re-authorise, a drift and a dead letter; a department's and a
/// cooperative's tokens.
async fn seed(db: &TestDb) -> Tokens {
    let today = Utc::now().with_timezone(&TZ).date_naive();
    let soon = (today + chrono::Duration::days(21)).to_string();
    let catalog = std::fs::read_to_string(sample_catalog()).expect("sample catalog");
    let catalog: String = catalog
        .lines()
        .map(|l| {
            if l.starts_with("htx-chi-lang,") {
                l.replace("2028-03-31", &soon)
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(db.path("catalog.csv"), catalog).expect("write catalog");
    ok(&db.kho(&["import", "catalog.csv"]));
    ok(&db.kho(&["stock", "set", "HONG-KHONGHAT-1KG", "7"]));
    ok(&db.kho(&["stock", "add", "NA-CHILANG-1KG", "12"]));
    let (store, ids) = store_accounts(db, THREE_SHOPS).await;
    let (shopee, tiktok) = (ids["shopee-chi-lang"], ids["tiktok-chi-lang"]);
    for d in 0..10 {
        let at = day_start(today - chrono::Duration::days(d)) + chrono::Duration::hours(9);
        let status = if d == 0 {
            OrderStatus::Ready
        } else {
            OrderStatus::Delivered
        };
        order(&store, shopee, &format!("S-{d}"), at, status).await;
        if d % 3 == 0 {
            order(&store, tiktok, &format!("T-{d}"), at, status).await;
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

    // A drift found by reconciliation.
    let run = store
        .begin_reconcile_run(shopee, false)
        .await
        .expect("reconcile run");
    let drift = kho::store::reconcile::ReconcileItem {
        id: 0,
        run_id: 0,
        kind: "stock".into(),
        sku: Some("NA-CHILANG-2KG".into()),
        remote_item_id: Some("1002".into()),
        remote_variant_id: None,
        field: Some("stock".into()),
        kho_value: Some("200".into()),
        pushed_value: Some("200".into()),
        remote_value: Some("190".into()),
        cause: "edited_on_marketplace".into(),
        detail: None,
    };
    store
        .finish_reconcile_run(run, &[drift], None)
        .await
        .expect("finish run");

    // A change the marketplace refused for good: a dead letter.
    let sku = store
        .find_sku("NA-CHILANG-1KG")
        .await
        .expect("find")
        .expect("the SKU");
    store
        .link_listings(
            shopee,
            &[LinkRow {
                variant_id: sku.variant_id,
                remote_item_id: "1001".into(),
                remote_variant_id: String::new(),
                seller_sku: "NA-CHILANG-1KG".into(),
                stock: 3,
                price_vnd: 80_000,
                status: "active".into(),
            }],
        )
        .await
        .expect("link");
    // Linking queues the listing's changes; one of them the shop refused.
    let dead = "UPDATE sync_jobs SET state = 'dead', \
                last_error = 'price is above the limit of the shop' WHERE account_id = $1";
    let buried = match store.pool() {
        Pool::Sqlite(p) => sqlx::query(dead)
            .bind(shopee)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
        Pool::Postgres(p) => sqlx::query(dead)
            .bind(shopee)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
    };
    assert!(buried.expect("a dead letter") > 0, "no change was queued");
    let (_, department) = store
        .create_token("Sở Nông nghiệp Lạng Sơn", Role::Department, None)
        .await
        .expect("token");
    let (_, cooperative) = store
        .create_token(
            "HTX Nông nghiệp Chi Lăng",
            Role::Cooperative,
            Some("htx-chi-lang"),
        )
        .await
        .expect("token");
    store.close().await;
    Tokens {
        department,
        cooperative,
    }
}

struct Tokens {
    department: String,
    /// htx-chi-lang's staff, who may upload a catalog.
    cooperative: String,
}

/// One page as a person sees it: its heading, no sideways scrolling and no
/// internal codes; in Vietnamese photographed for the book.
async fn check(
    b: &Client,
    name: &str,
    heading: &str,
    vietnamese: bool,
    width: u32,
    book: bool,
) -> Option<String> {
    let lang = if vietnamese { "vi" } else { "en" };
    let what = format!("{name} ({lang}, {width} px)");
    assert_eq!(text(b, "h1").await, heading, "{what}");
    no_sideways_scroll(b, &what).await;
    let seen = visible_text(b).await;
    let quoted = b.execute(QUOTED, vec![]).await.expect("quoted messages");
    let own = quoted
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|q| q.as_str())
        .filter(|q| !q.is_empty())
        .fold(seen.clone(), |text, q| text.replace(q, ""));
    let codes = raw_codes(&own, vietnamese);
    // The reports page and the upload form have their own pictures in the
    // book (`reports-*.png`, `import-preview-*.png`).
    let file = format!("page-{name}-{width}.png");
    if vietnamese && book && !matches!(name, "reports" | "catalog-import") {
        shot(b, &file).await;
    } else if vietnamese {
        artifact(b, &file).await;
    }
    (!codes.is_empty()).then(|| format!("{what} shows {codes:?}:\n{seen}"))
}

/// A catalog with mistakes a person makes: an empty name, a price in
/// words, a rating of 6.
const BAD_CATALOG: &str = "producer_code,producer_name,district,product_code,product_name,variant_sku,variant_name,price_vnd,stock,weight_g,ocop_stars,ocop_cert_no,ocop_cert_expires,category,description,image_urls\n\
htx-chi-lang,HTX Nông nghiệp Chi Lăng,Chi Lăng,NA-CHILANG,,NA-CHILANG-1KG,Hộp 1kg,tám mươi nghìn,250,1100,6,OCOP-LS-2021-100,2028-03-31,,,\n";

crate::both_backends!(every_page_in_both_languages_and_widths, |db| {
    if !browser_available() {
        return;
    }
    let tokens = seed(&db).await;
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();
    let book = db.backend == crate::support::Backend::Sqlite;
    let bad = db.path("mua-moi-loi.csv");
    std::fs::write(&bad, BAD_CATALOG).expect("write");
    let driver = Driver::start().await;
    let pages: [(&str, &str, &str, &str); 8] = [
        ("overview", "/", "Tổng quan", "Overview"),
        (
            "products",
            "/products",
            "Sản phẩm và tồn kho",
            "Products and stock",
        ),
        (
            "product",
            "/products/NA-CHILANG",
            "Sản phẩm và tồn kho",
            "Products and stock",
        ),
        (
            "accounts",
            "/accounts",
            "Tài khoản sàn",
            "Marketplace accounts",
        ),
        ("drift", "/drift", "Đối soát", "Drift"),
        (
            "certificates",
            "/certificates",
            "Chứng nhận OCOP",
            "OCOP certificates",
        ),
        ("reports", "/reports", "Báo cáo", "Reports"),
        (
            "catalog-import",
            "/catalog/import",
            "Tải danh mục lên",
            "Upload the catalog",
        ),
    ];
    let mut leaks = Vec::new();
    for width in [PHONE, DESKTOP] {
        let b = driver
            .session(&db.path(&format!("chromium-{width}")), width)
            .await;
        for (lang, vietnamese) in [("en", false), ("vi", true)] {
            b.goto(&format!("{base}/signin?lang={lang}")).await.unwrap();
            leaks.extend(check(&b, "signin", "kho", vietnamese, width, book).await);
        }
        sign_in(&b, &base, &tokens.department).await;
        for (lang, vietnamese) in [("en", false), ("vi", true)] {
            for (name, path, vi, en) in pages {
                b.goto(&format!("{base}{path}?lang={lang}")).await.unwrap();
                wait_for_path(&b, path).await;
                let heading = if vietnamese { vi } else { en };
                leaks.extend(check(&b, name, heading, vietnamese, width, book).await);
                if name == "product" {
                    assert_eq!(text(&b, "main section h2").await, "Na Chi Lăng");
                }
            }
        }
        // A cooperative's rejected upload (the department only reads):
        // its problems in the page's language.
        click(&b, "form[action='/signout'] button").await;
        wait_for_path(&b, "/signin").await;
        sign_in(&b, &base, &tokens.cooperative).await;
        for (lang, vietnamese) in [("en", false), ("vi", true)] {
            b.goto(&format!("{base}/catalog/import?lang={lang}"))
                .await
                .unwrap();
            b.find(fantoccini::Locator::Css("input#file"))
                .await
                .unwrap()
                .send_keys(bad.to_str().expect("path"))
                .await
                .expect("choose the file");
            click(&b, "form.upload button").await;
            wait_for(&b, "#preview[data-outcome='rejected']").await;
            let heading = if vietnamese {
                "Tải danh mục lên"
            } else {
                "Upload the catalog"
            };
            crate::support::browser::scroll_to(&b, "#preview").await;
            leaks.extend(check(&b, "catalog-rejected", heading, vietnamese, width, book).await);
        }
        b.close().await.unwrap();
    }
    daemon.stop();
    assert!(leaks.is_empty(), "{}", leaks.join("\n\n"));
});
