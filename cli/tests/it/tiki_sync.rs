//! The Tiki adapter end to end: the real binary against the Tiki simulator
//! on loopback, on SQLite and on PostgreSQL — link and sync, orders through
//! the event queue (acknowledged only once stored) and their cancellation,
//! reconciliation of drift with repair, and publishing through Tiki's review.

use crate::support::worlds::sample_entries;
use crate::support::worlds::tiki::*;
use crate::support::{Backend, TestDb, ok, stdout};

async fn each_backend(run: impl AsyncFn(TestDb)) {
    run(TestDb::sqlite()).await;
    if let Some(db) = TestDb::new(Backend::Postgres).await {
        run(db).await;
    }
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

async fn available(w: &World, sku: &str) -> i64 {
    w.canonical().await[sku].0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_sync_and_orders_through_the_event_queue_with_cancellation() {
    each_backend(async |db| {
        let w = World::start(db, &sample_entries(), &[], 20).await;
        let linked = json(&ok(&w.kho(&["--json", "link", ACCOUNT])));
        assert_eq!(linked["linked"].as_object().unwrap().len(), 4, "{linked}");
        ok(&w.kho(&["sync"]));
        assert_eq!(w.remote(), w.canonical().await);

        ok(&w.kho(&["stock", "add", "NA-CHILANG-1KG", "-10"]));
        ok(&w.kho(&["sync"]));
        assert_eq!(w.remote(), w.canonical().await);
        assert_eq!(w.sim.request_log().rate_limit_violations, 0);

        // The first pull sets the account's queue up; orders after it come
        // through the queue. A window of one second shows they did not come
        // from the order list.
        ok(&w.kho(&["orders", "pull", "--since", "1s"]));
        let before = available(&w, "NA-CHILANG-1KG").await;
        let waiting = w
            .sim
            .place_order(w.seller, &[("NA-CHILANG-1KG", 1)], Some("waiting_payment"))
            .unwrap();
        let order = w
            .sim
            .place_order(w.seller, &[("NA-CHILANG-1KG", 3)], None)
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let pulled = json(&ok(&w.kho(&["--json", "orders", "pull", "--since", "1s"])));
        assert_eq!(pulled[0]["created"], 1, "{pulled}");
        assert_eq!(
            available(&w, "NA-CHILANG-1KG").await,
            before - 3,
            "the unaccepted order is no sale"
        );
        assert!(
            w.sim.queues().iter().all(|q| q.events.is_empty()),
            "acknowledged once stored"
        );
        let listed = ok(&w.kho(&["orders", "list", "--account", ACCOUNT]));
        assert!(
            listed.contains(&order.code) && !listed.contains(&waiting.code),
            "{listed}"
        );

        // A repeat of the same order changes nothing; its cancellation gives
        // the stock back once.
        ok(&w.kho(&["orders", "pull", "--since", "1h"]));
        assert_eq!(available(&w, "NA-CHILANG-1KG").await, before - 3);
        w.sim.set_order_status(&order.code, "canceled");
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        ok(&w.kho(&["orders", "pull", "--since", "1s"]));
        ok(&w.kho(&["orders", "pull", "--since", "1s"]));
        assert_eq!(available(&w, "NA-CHILANG-1KG").await, before);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_reports_drift_and_repairs_it() {
    each_backend(async |db| {
        let w = World::start(db, &sample_entries(), &[], 20).await;
        ok(&w.kho(&["link", ACCOUNT]));
        ok(&w.kho(&["sync"]));
        let product = w
            .sim
            .products(w.seller)
            .into_iter()
            .find(|p| p.original_sku == "NA-CHILANG-2KG")
            .unwrap();
        w.sim
            .edit_product(product.product_id, Some(1_000), Some(999));
        let out = w.kho(&["reconcile", "--account", ACCOUNT]);
        assert_eq!(out.status.code(), Some(1), "drift found");
        let text = stdout(&out);
        assert!(text.contains("NA-CHILANG-2KG"), "{text}");
        // The fix reports the drift it repaired (exit 1); afterwards the two agree.
        let fixed = w.kho(&["reconcile", "--account", ACCOUNT, "--fix"]);
        assert_eq!(fixed.status.code(), Some(1));
        assert!(stdout(&fixed).contains("fixed:"), "{}", stdout(&fixed));
        assert_eq!(w.remote(), w.canonical().await);
        ok(&w.kho(&["reconcile", "--account", ACCOUNT]));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_goes_through_review_approved_or_rejected_with_its_reason() {
    each_backend(async |db| {
        let w = World::start(
            db,
            &sample_entries(),
            &["NA-CHILANG-1KG", "NA-CHILANG-2KG"],
            20,
        )
        .await;
        ok(&w.kho(&["link", ACCOUNT]));
        let out = json(&ok(&w.kho(&[
            "--json",
            "publish",
            ACCOUNT,
            "--sku",
            "NA-CHILANG-1KG",
        ])));
        assert!(out["products"][0]["error"].is_null(), "{out}");
        let new = w
            .sim
            .products(w.seller)
            .into_iter()
            .find(|p| p.original_sku == "NA-CHILANG-1KG")
            .unwrap();
        assert_eq!(
            new.active, 1,
            "approved products start inactive; kho activates them"
        );
        ok(&w.kho(&["sync"]));
        assert_eq!(
            w.remote()["NA-CHILANG-1KG"],
            w.canonical().await["NA-CHILANG-1KG"]
        );

        w.sim.set_review(kho_simulator::tiki::Review::Reject {
            reason: "Ảnh sản phẩm bị mờ".into(),
        });
        let out = w.kho(&["--json", "publish", ACCOUNT, "--sku", "NA-CHILANG-2KG"]);
        let doc = json(&stdout(&out));
        let error = doc["products"][0]["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(error.contains("Ảnh sản phẩm bị mờ"), "{doc}");
        assert!(!w.remote().contains_key("NA-CHILANG-2KG"));
    })
    .await;
}
