//! The WooCommerce adapter end to end: the real binary and library against
//! the WooCommerce site simulator on loopback over plain http (OAuth 1.0a
//! signing): linking by SKU, sync with the dry-run's call estimate checked
//! against the calls sent, orders by webhook and by polling, cancellation
//! and refund, reconciliation, and what an account without tokens says.

use std::time::{Duration, Instant};

use kho::catalog::CatalogEntry;
use secrecy::SecretString;

use crate::both_backends;
use crate::support::worlds::sample_entries;
use crate::support::worlds::woocommerce::World;
use crate::support::{TestDb, ok, stderr, stdout};

const ACCOUNT: (&str, &str) = ("web-chi-lang", "htx-chi-lang");

fn chi_lang() -> Vec<CatalogEntry> {
    sample_entries()
        .into_iter()
        .filter(|e| e.producer_code == ACCOUNT.1)
        .collect()
}

/// (on_hand, reserved) of a SKU in kho.
async fn stock(w: &World, sku: &str) -> (i64, i64) {
    let store = w.db.store().await;
    let id = store.find_sku(sku).await.unwrap().unwrap().variant_id;
    let levels = store.stock_levels(id).await.unwrap();
    store.close().await;
    (
        levels.iter().map(|l| l.on_hand).sum(),
        levels.iter().map(|l| l.reserved).sum(),
    )
}

async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Batch writes the site answered, from its request log.
fn batch_calls(w: &World) -> usize {
    w.sim
        .request_log()
        .iter()
        .filter(|c| c.method == "POST" && c.path.ends_with("/batch"))
        .count()
}

async fn linked_world(db: TestDb, rate_limit: u32) -> World {
    let w = World::start(db, &chi_lang(), ACCOUNT, rate_limit, 1).await;
    let out = ok(&w.kho(&["--json", "link", ACCOUNT.0]));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["linked"].as_object().unwrap().len(), 4, "{out}");
    assert!(doc["unmatched"].as_array().unwrap().is_empty(), "{out}");
    w
}

/// Every SKU shows one unit too many: one full sync repairs them in the
/// number of batch calls the dry run announced (the three 1 kg/2 kg/5 kg
/// variations share their parent's call, the simple product has its own),
/// and a second sync has nothing to do.
async fn sync_sends_the_calls_the_dry_run_announces_body(db: TestDb) {
    let w = linked_world(db, 50).await;
    ok(&w.kho(&["sync"]));
    assert_eq!(w.remote(), w.canonical().await);

    ok(&w.kho(&["stock", "add", "NA-CHILANG-1KG", "-7"]));
    ok(&w.kho(&["stock", "add", "NA-CHILANG-5KG", "3"]));
    ok(&w.kho(&["stock", "add", "NA-SAY-200G", "5"]));
    let plan = ok(&w.kho(&["sync", "--dry-run"]));
    assert!(plan.contains("NA-CHILANG-1KG Stock: 250 → 243"), "{plan}");
    assert!(
        plan.contains("web-chi-lang: 3 change(s), 2 API call(s)"),
        "{plan}"
    );
    let before = batch_calls(&w);
    ok(&w.kho(&["sync"]));
    assert_eq!(batch_calls(&w) - before, 2, "{:?}", w.sim.request_log());
    assert_eq!(w.remote(), w.canonical().await);
    let again = ok(&w.kho(&["sync"]));
    assert!(!again.contains("→"), "{again}");
    assert_eq!(w.sim.rejections(), 0);
}
both_backends!(sync_sends_the_calls_the_dry_run_announces, |db| {
    sync_sends_the_calls_the_dry_run_announces_body(db).await;
});

/// A buyer's paid order reaches kho by signed webhook and reserves; the
/// site completing it sells; a cancelled one releases; a refund after
/// completion is a return.
async fn orders_by_webhook_reserve_sell_and_release_body(db: TestDb) {
    let w = linked_world(db, 50).await;
    ok(&w.kho(&["sync"]));
    let daemon = w.daemon("1h");
    w.sim
        .set_webhook_url(Some(format!("{}/webhooks/woocommerce", daemon.url)));
    w.sim
        .set_auto_webhooks(Some(format!("{}/", w.sim.base_url())));
    let (on_hand, _) = stock(&w, "NA-CHILANG-1KG").await;

    let sold = w.sim.create_order(&[("NA-CHILANG-1KG", 2)]).unwrap();
    wait_for("the reservation", Duration::from_secs(10), || async {
        stock(&w, "NA-CHILANG-1KG").await == (on_hand, 2)
    })
    .await;
    w.sim.set_order_status(sold.id, "completed").unwrap();
    wait_for("the sale", Duration::from_secs(10), || async {
        stock(&w, "NA-CHILANG-1KG").await == (on_hand - 2, 0)
    })
    .await;

    let cancelled = w.sim.create_order(&[("NA-CHILANG-2KG", 3)]).unwrap();
    let (two_kg, _) = stock(&w, "NA-CHILANG-2KG").await;
    wait_for(
        "the second reservation",
        Duration::from_secs(10),
        || async { stock(&w, "NA-CHILANG-2KG").await == (two_kg, 3) },
    )
    .await;
    w.sim.set_order_status(cancelled.id, "cancelled").unwrap();
    wait_for("the release", Duration::from_secs(10), || async {
        stock(&w, "NA-CHILANG-2KG").await == (two_kg, 0)
    })
    .await;

    w.sim.set_order_status(sold.id, "refunded").unwrap();
    wait_for("the return", Duration::from_secs(10), || async {
        let out = w.kho(&["--json", "orders", "list"]);
        stdout(&out).contains("returned")
    })
    .await;
    let deliveries = w.sim.deliveries();
    assert!(deliveries.len() >= 5, "{deliveries:?}");
    assert!(deliveries.iter().all(|d| d.ok), "{deliveries:?}");
    drop(daemon);
}
both_backends!(orders_by_webhook_reserve_sell_and_release, |db| {
    orders_by_webhook_reserve_sell_and_release_body(db).await;
});

/// With no webhook configured on the site, polling with `modified_after`
/// finds a new order within one interval.
async fn orders_are_polled_when_no_webhook_arrives_body(db: TestDb) {
    let w = linked_world(db, 50).await;
    ok(&w.kho(&["sync"]));
    let daemon = w.daemon("2s");
    let (on_hand, _) = stock(&w, "NA-SAY-200G").await;
    w.sim.create_order(&[("NA-SAY-200G", 1)]).unwrap();
    wait_for("polling", Duration::from_secs(10), || async {
        stock(&w, "NA-SAY-200G").await == (on_hand, 1)
    })
    .await;
    let polled = w
        .sim
        .request_log()
        .iter()
        .any(|c| c.method == "GET" && c.path.ends_with("/orders") && c.status == 200);
    assert!(polled);
    drop(daemon);
}
both_backends!(orders_are_polled_when_no_webhook_arrives, |db| {
    orders_are_polled_when_no_webhook_arrives_body(db).await;
});

/// The delivery endpoint: the site's ping is answered 200, a delivery from
/// another site is not this account's, a bad signature is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_ping_source_and_signature_are_checked() {
    let w = linked_world(TestDb::sqlite(), 50).await;
    let daemon = w.daemon("1h");
    let url = format!("{}/webhooks/woocommerce", daemon.url);
    let http = reqwest::Client::new();
    let ping = http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("webhook_id=7")
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);

    let body = w
        .sim
        .order_json(w.sim.create_order(&[("NA-SAY-200G", 1)]).unwrap().id);
    let body = serde_json::to_vec(&body.unwrap()).unwrap();
    let secret = SecretString::from(w.sim.config().webhook_secret);
    let signed = kho_woocommerce::push::webhook_signature(&secret, &body);
    let send = |source: String, signature: String| {
        http.post(&url)
            .header("X-WC-Webhook-Source", source)
            .header("X-WC-Webhook-Topic", "order.created")
            .header("X-WC-Webhook-Signature", signature)
            .body(body.clone())
            .send()
    };
    let site = format!("{}/", w.sim.base_url());
    let other = send("http://127.0.0.1:1/".into(), signed.clone())
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    let flipped: String = signed
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    let bad = send(site.clone(), flipped).await.unwrap();
    assert_eq!(bad.status(), 401, "base64 is case-sensitive");
    let good = send(site, signed).await.unwrap();
    assert_eq!(good.status(), 200);
    drop(daemon);
}

/// A stock edited by hand in wp-admin is reported as drift and repaired.
async fn hand_edited_stock_is_reported_and_fixed_body(db: TestDb) {
    let w = linked_world(db, 1000).await;
    ok(&w.kho(&["sync"]));
    let clean = w.kho(&["reconcile"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    w.sim.set_stock("NA-CHILANG-2KG", 4).unwrap();
    let out = w.kho(&["--json", "reconcile"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("edited_on_marketplace"), "{text}");
    assert!(text.contains("NA-CHILANG-2KG"), "{text}");
    assert_eq!(w.kho(&["reconcile", "--fix"]).status.code(), Some(1));
    let after = w.kho(&["reconcile"]);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
    assert_eq!(w.remote(), w.canonical().await);
}
both_backends!(hand_edited_stock_is_reported_and_fixed, |db| {
    hand_edited_stock_is_reported_and_fixed_body(db).await;
});

/// No OAuth: connecting says what the account needs instead, the account is
/// never waiting for tokens, and token-only keys are refused at load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_without_tokens_says_what_it_needs() {
    let w = World::start(TestDb::sqlite(), &chi_lang(), ACCOUNT, 50, 0).await;
    let out = w.kho(&["accounts", "connect", ACCOUNT.0]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let said = stderr(&out);
    assert!(said.contains("REST API key"), "{said}");
    assert!(said.contains("webhook_secret"), "{said}");
    // `kho status` exits 1 for the expired certificates of the sample; the
    // account itself is ok.
    let status = stdout(&w.kho(&["status"]));
    assert!(status.contains("web-chi-lang"), "{status}");
    assert!(!status.contains("needs_reauth"), "{status}");

    let check = |toml: String| {
        std::fs::write(w.db.path("check.toml"), toml).unwrap();
        w.db.kho_cmd(&["--config", "check.toml", "config", "check"])
            .output()
            .unwrap()
    };
    let bad = check(w.config_toml(50, "auth_url = \"http://127.0.0.1:1\"\n"));
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("accounts[0].auth_url"),
        "{}",
        stderr(&bad)
    );
    let bad = check(
        w.config_toml(50, "")
            .replace("webhook_secret", "auth = \"query\", webhook_secret"),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("accounts[0].credentials.auth"),
        "{}",
        stderr(&bad)
    );
    ok(&check(w.config_toml(50, "")));
}

/// `kho bench sync --channel woocommerce` measures a sync that happened:
/// every listing pushed, a batch call per product at least (a claim
/// boundary may split one), and the site's limit never exceeded.
#[test]
fn the_woocommerce_sync_bench_pushes_every_listing_within_the_limit() {
    let db = TestDb::sqlite();
    let out = ok(&db.kho(&[
        "--json",
        "bench",
        "sync",
        "--channel",
        "woocommerce",
        "--skus",
        "100",
        "--accounts",
        "2",
        "--rate",
        "20",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["channel"], "woocommerce", "{v}");
    assert_eq!(v["jobs_queued"], 200, "{v}");
    assert_eq!(v["pushed"], 200, "{v}");
    let calls = v["batch_calls"].as_u64().unwrap_or_default();
    assert!((4..=20).contains(&calls), "{v}");
    assert_eq!(v["rate_limit_rejections"], 0, "{v}");
    assert!(v["ideal_over_actual"].as_f64().is_some(), "{v}");
}

/// A site that admits only a few calls a second: kho keeps to the promise
/// it is configured with, so a sync of every SKU meets no 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_site_is_synced_without_a_rejection() {
    let w = World::start(TestDb::sqlite(), &chi_lang(), ACCOUNT, 3, 1).await;
    ok(&w.kho(&["link", ACCOUNT.0]));
    ok(&w.kho(&["stock", "add", "NA-CHILANG-1KG", "-2"]));
    ok(&w.kho(&["stock", "add", "NA-SAY-200G", "-1"]));
    // Each `kho` process keeps its own promise: let the link's calls leave
    // the site's one-second window before the sync starts its own.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    w.sim.reset_request_log();
    ok(&w.kho(&["sync"]));
    assert_eq!(w.remote(), w.canonical().await);
    let log = w.sim.request_log();
    assert_eq!(w.sim.rejections(), 0, "{log:?}");
    assert!(log.len() >= 2, "{log:?}");
}
