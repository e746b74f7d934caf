//! Orders end to end: the Shopee simulator pushes signed order webhooks to a
//! real `kho serve`, which ingests them (and polls as the safety net).

use std::time::{Duration, Instant};

use kho_simulator::shopee::{NewOrder, NewOrderLine, OrderStatus, PushOptions};

use crate::support::ok;
use crate::support::worlds::sample_entries;
use crate::support::worlds::shopee::World;

/// (on_hand, reserved) of a SKU in kho.
async fn stock(world: &World, sku: &str) -> (i64, i64) {
    let store = world.db.store().await;
    let id = store.find_sku(sku).await.unwrap().unwrap().variant_id;
    let levels = store.stock_levels(id).await.unwrap();
    store.close().await;
    (
        levels.iter().map(|l| l.on_hand).sum(),
        levels.iter().map(|l| l.reserved).sum(),
    )
}

async fn movements(world: &World, sku: &str) -> usize {
    let store = world.db.store().await;
    let id = store.find_sku(sku).await.unwrap().unwrap().variant_id;
    let n = store.stock_history(id, 10_000).await.unwrap().len();
    store.close().await;
    n
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

/// Item and model ids of a SKU in a shop of the simulator.
fn ids(world: &World, shop: i64, sku: &str) -> (i64, i64) {
    let state = world.sim.state();
    let (item, model) = state.find_sku(shop, sku).expect("sku in the simulator");
    (item.item_id, model.map_or(0, |m| m.model_id))
}

fn order(world: &World, shop: i64, sku: &str, quantity: i64) -> String {
    let (item_id, model_id) = ids(world, shop, sku);
    world
        .sim
        .create_order(NewOrder {
            shop_id: shop,
            status: OrderStatus::Unpaid,
            lines: vec![NewOrderLine {
                item_id,
                model_id,
                quantity,
                discounted_price: None,
            }],
            ..NewOrder::default()
        })
        .expect("create order")
        .order_sn
}

async fn two_shops() -> World {
    let entries = sample_entries();
    let w = World::start(
        crate::support::TestDb::sqlite(),
        &entries,
        &[("shopee-a", "htx-chi-lang"), ("shopee-b", "htx-chi-lang")],
        100,
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "shopee-a"]));
    ok(&w.kho(&["link", "shopee-b"]));
    ok(&w.kho(&["sync"]));
    w
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_reordered_and_replayed_webhooks_count_once() {
    let w = two_shops().await;
    let daemon = w.daemon("1h");
    w.sim
        .set_callback_url(Some(format!("{}/webhooks/shopee", daemon.url)));
    w.sim.set_auto_push(false);
    let shop_a = w.shops[0].shop_id;
    let (on_hand, reserved) = stock(&w, "NA-CHILANG-1KG").await;
    assert_eq!(reserved, 0);

    let sn = order(&w, shop_a, "NA-CHILANG-1KG", 2);
    w.sim
        .send_order_push(
            &sn,
            PushOptions {
                duplicate: 2,
                ..PushOptions::default()
            },
        )
        .unwrap();
    wait_for("the reservation", Duration::from_secs(10), || async {
        stock(&w, "NA-CHILANG-1KG").await == (on_hand, 2)
    })
    .await;

    // Shipped and then the older "unpaid" push, delivered newest first.
    w.sim.set_order_status(&sn, OrderStatus::Shipped).unwrap();
    w.sim
        .send_order_push(
            &sn,
            PushOptions {
                hold: true,
                ..PushOptions::default()
            },
        )
        .unwrap();
    w.sim
        .send_order_push(
            &sn,
            PushOptions {
                hold: true,
                duplicate: 1,
                ..PushOptions::default()
            },
        )
        .unwrap();
    w.sim.release_held_pushes(true);
    wait_for("the sale", Duration::from_secs(10), || async {
        stock(&w, "NA-CHILANG-1KG").await == (on_hand - 2, 0)
    })
    .await;
    let moves = movements(&w, "NA-CHILANG-1KG").await;

    // A replay after a restart changes nothing.
    daemon.stop();
    let daemon = w.daemon("1h");
    w.sim
        .set_callback_url(Some(format!("{}/webhooks/shopee", daemon.url)));
    w.sim.send_order_push(&sn, PushOptions::default()).unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(stock(&w, "NA-CHILANG-1KG").await, (on_hand - 2, 0));
    assert_eq!(
        movements(&w, "NA-CHILANG-1KG").await,
        moves,
        "a replay added a movement"
    );
    let orders: serde_json::Value =
        serde_json::from_str(&ok(&w.kho(&["--json", "orders", "list"]))).unwrap();
    assert_eq!(orders.as_array().unwrap().len(), 1);
    assert_eq!(orders[0]["status"], "shipped");
    drop(daemon);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_badly_signed_webhook_is_refused_and_changes_nothing() {
    let w = two_shops().await;
    let daemon = w.daemon("1h");
    let body = format!(
        r#"{{"data":{{"ordersn":"2611290000BAD1","status":"READY_TO_SHIP","update_time":1795962995}},"shop_id":{},"code":3,"timestamp":1795962995}}"#,
        w.shops[0].shop_id
    );
    let client = reqwest::Client::new();
    for auth in [Some("0".repeat(64)), None] {
        let mut req = client
            .post(format!("{}/webhooks/shopee", daemon.url))
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(a) = &auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401);
    }
    let store = w.db.store().await;
    assert!(store.pending_webhooks(10).await.unwrap().is_empty());
    assert!(store.orders(None, None, 10).await.unwrap().is_empty());
    store.close().await;
    drop(daemon);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_webhooks_are_caught_by_polling_within_one_interval() {
    let w = two_shops().await;
    let daemon = w.daemon("2s");
    w.sim
        .set_callback_url(Some(format!("{}/webhooks/shopee", daemon.url)));
    w.sim.set_auto_push(false);
    let (on_hand, _) = stock(&w, "NA-CHILANG-1KG").await;
    let sn = order(&w, w.shops[1].shop_id, "NA-CHILANG-1KG", 3);
    w.sim
        .send_order_push(
            &sn,
            PushOptions {
                drop: true,
                ..PushOptions::default()
            },
        )
        .unwrap();
    let started = Instant::now();
    wait_for("polling", Duration::from_secs(8), || async {
        stock(&w, "NA-CHILANG-1KG").await == (on_hand, 3)
    })
    .await;
    eprintln!(
        "ingested by polling after {:.2} s (interval 2 s)",
        started.elapsed().as_secs_f64()
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(daemon);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_gives_stock_back_and_a_completed_return_restocks() {
    let w = two_shops().await;
    let daemon = w.daemon("1h");
    w.sim
        .set_callback_url(Some(format!("{}/webhooks/shopee", daemon.url)));
    w.sim.set_auto_push(true);
    let shop = w.shops[0].shop_id;
    let (on_hand, _) = stock(&w, "NA-CHILANG-2KG").await;

    let cancelled = order(&w, shop, "NA-CHILANG-2KG", 4);
    wait_for("the reservation", Duration::from_secs(10), || async {
        stock(&w, "NA-CHILANG-2KG").await == (on_hand, 4)
    })
    .await;
    w.sim
        .set_order_status(&cancelled, OrderStatus::Cancelled)
        .unwrap();
    wait_for("the release", Duration::from_secs(10), || async {
        stock(&w, "NA-CHILANG-2KG").await == (on_hand, 0)
    })
    .await;

    let returned = order(&w, shop, "NA-CHILANG-2KG", 2);
    w.sim
        .set_order_status(&returned, OrderStatus::Shipped)
        .unwrap();
    wait_for("the sale", Duration::from_secs(10), || async {
        stock(&w, "NA-CHILANG-2KG").await == (on_hand - 2, 0)
    })
    .await;
    w.sim
        .set_order_status(&returned, OrderStatus::ToReturn)
        .unwrap();
    wait_for("the restock", Duration::from_secs(10), || async {
        stock(&w, "NA-CHILANG-2KG").await == (on_hand, 0)
    })
    .await;
    let h: serde_json::Value = serde_json::from_str(&ok(&w.kho(&[
        "--json",
        "stock",
        "history",
        "NA-CHILANG-2KG",
        "--limit",
        "2",
    ])))
    .unwrap();
    assert_eq!(h[0]["kind"], "return");
    assert_eq!(h[1]["kind"], "sale");
    drop(daemon);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_on_one_shop_is_pushed_to_the_other() {
    let w = two_shops().await;
    let daemon = w.daemon("1h");
    w.sim
        .set_callback_url(Some(format!("{}/webhooks/shopee", daemon.url)));
    w.sim.set_auto_push(true);
    let (a, b) = (w.shops[0].shop_id, w.shops[1].shop_id);
    let before = w.sim.state().stock_of(b, "NA-CHILANG-5KG").unwrap();
    let started = Instant::now();
    let _sn = order(&w, a, "NA-CHILANG-5KG", 5);
    wait_for(
        "the other shop's stock",
        Duration::from_secs(10),
        || async { w.sim.state().stock_of(b, "NA-CHILANG-5KG") == Some(before - 5) },
    )
    .await;
    eprintln!(
        "order on shop A → shop B pushed after {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    // The shop that sold shows the same, from kho's point of view.
    wait_for(
        "the selling shop's stock",
        Duration::from_secs(10),
        || async { w.sim.state().stock_of(a, "NA-CHILANG-5KG") == Some(before - 5) },
    )
    .await;
    let text = ok(&w.kho(&["report", "sales", "--by", "channel"]));
    assert!(text.contains("shopee"), "{text}");
    // By the producer's district, as CSV Excel reads as UTF-8.
    let csv = ok(&w.kho(&["report", "sales", "--by", "district", "--csv"]));
    let csv = csv
        .strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("no byte-order mark: {csv:?}"));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "district,name,orders,units,revenue_vnd,previous_orders,previous_units,previous_revenue_vnd,change_vnd,change_pct,\
             written_off_units,written_off_value_vnd,previous_written_off_units,previous_written_off_value_vnd"
        )
    );
    assert_eq!(
        lines.next(),
        Some("Chi Lăng,Chi Lăng,1,5,1950000,0,0,0,1950000,,0,0,0,0"),
        "{csv}"
    );
    drop(daemon);
}

/// Stock truth, end to end in the default `shared` mode: a cancellation's
/// units come back on every shop, not only on the one whose buyer cancelled;
/// a cancellation after the parcel left (a refused cash-on-delivery parcel)
/// gives nothing back until a person receives the return.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_comes_back_on_every_shop_and_a_refused_parcel_when_received() {
    let w = two_shops().await;
    let daemon = w.daemon("1h");
    w.sim
        .set_callback_url(Some(format!("{}/webhooks/shopee", daemon.url)));
    w.sim.set_auto_push(true);
    let (a, b) = (w.shops[0].shop_id, w.shops[1].shop_id);
    let sku = "NA-CHILANG-1KG";
    let shows = |shop| w.sim.state().stock_of(shop, sku);
    let start = shows(b).unwrap();
    assert_eq!(shows(a), Some(start));
    let both = |n: i64| async move { shows(a) == Some(n) && shows(b) == Some(n) };

    let sn = order(&w, a, sku, 2);
    wait_for("both shops at the sale", Duration::from_secs(10), || {
        both(start - 2)
    })
    .await;
    w.sim.set_order_status(&sn, OrderStatus::Cancelled).unwrap();
    wait_for(
        "both shops back after the cancellation",
        Duration::from_secs(10),
        || both(start),
    )
    .await;

    // Shipped, then refused at the door: the units are on a truck.
    let sn = order(&w, a, sku, 3);
    w.sim.set_order_status(&sn, OrderStatus::Shipped).unwrap();
    wait_for("the sale on both shops", Duration::from_secs(10), || {
        both(start - 3)
    })
    .await;
    w.sim.set_order_status(&sn, OrderStatus::Cancelled).unwrap();
    wait_for(
        "the cancellation ingested",
        Duration::from_secs(10),
        || async {
            let out = w.kho(&["--json", "orders", "list", "--account", "shopee-a"]);
            String::from_utf8_lossy(&out.stdout).contains("\"returned\"")
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(both(start - 3).await, "a refused parcel is not stock yet");
    let (on_hand, _) = stock(&w, sku).await;

    let text = ok(&w.kho(&["orders", "return-received", "shopee-a", &sn]));
    assert!(text.contains("3 unit(s) back in stock"), "{text}");
    wait_for(
        "both shops after the return",
        Duration::from_secs(10),
        || both(start),
    )
    .await;
    assert_eq!(stock(&w, sku).await.0, on_hand + 3);
    let h: serde_json::Value = serde_json::from_str(&ok(
        &w.kho(&["--json", "stock", "history", sku, "--limit", "1"])
    ))
    .unwrap();
    assert_eq!(h[0]["kind"], "return");
    // Once only; an order that is no return is refused with exit 2.
    let again = ok(&w.kho(&["orders", "return-received", "shopee-a", &sn]));
    assert!(again.contains("recorded already"), "{again}");
    let live = order(&w, a, sku, 1);
    wait_for("the new order", Duration::from_secs(10), || both(start - 1)).await;
    let refused = w.kho(&["orders", "return-received", "shopee-a", &live]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "{}",
        crate::support::stderr(&refused)
    );
    assert!(
        crate::support::stderr(&refused).contains("not a return"),
        "{}",
        crate::support::stderr(&refused)
    );
    assert_eq!(stock(&w, sku).await.0, on_hand + 3);
    drop(daemon);
}
