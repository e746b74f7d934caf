//! Orders on TikTok Shop and Lazada, whose order lines are one per unit:
//! ingested through `kho orders pull` against the simulators.

use crate::support::worlds::sample_entries;
use crate::support::{TestDb, ok};

async fn stock(db: &TestDb, sku: &str) -> (i64, i64) {
    let store = db.store().await;
    let id = store.find_sku(sku).await.unwrap().unwrap().variant_id;
    let levels = store.stock_levels(id).await.unwrap();
    store.close().await;
    (
        levels.iter().map(|l| l.on_hand).sum(),
        levels.iter().map(|l| l.reserved).sum(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiktok_order_with_three_identical_line_items_reserves_three() {
    use kho_simulator::tiktok::{NewOrder, NewOrderLine, OrderStatus};
    let entries = sample_entries();
    let w = crate::support::worlds::tiktok::World::start(
        TestDb::sqlite(),
        &entries,
        &[("tiktok-bac-son", "htx-bac-son")],
        50,
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "tiktok-bac-son"]));
    let sku = "QUYT-BACSON-1KG";
    let (on_hand, reserved) = stock(&w.db, sku).await;
    assert_eq!(reserved, 0);
    let shop = &w.shops[0].shop_id;
    let sku_id = w
        .sim
        .state()
        .find_seller_sku(shop, sku)
        .map(|(_, s)| s.id.clone())
        .unwrap();
    let order = w
        .sim
        .create_order(NewOrder {
            shop_id: shop.clone(),
            status: OrderStatus::AwaitingShipment,
            lines: vec![NewOrderLine {
                sku_id,
                quantity: 3,
                sale_price: None,
            }],
            ..NewOrder::default()
        })
        .unwrap();
    assert_eq!(order.line_items.len(), 3, "one line item per unit");
    ok(&w.kho(&["orders", "pull", "--since", "1h"]));
    assert_eq!(stock(&w.db, sku).await, (on_hand, 3));
    // Pulling again changes nothing.
    ok(&w.kho(&["orders", "pull", "--since", "1h"]));
    assert_eq!(stock(&w.db, sku).await, (on_hand, 3));
    w.sim
        .set_order_status(&order.id, OrderStatus::InTransit)
        .unwrap();
    ok(&w.kho(&["orders", "pull", "--since", "1h"]));
    assert_eq!(stock(&w.db, sku).await, (on_hand - 3, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lazada_order_with_two_units_of_one_sku_reserves_two() {
    use kho_simulator::lazada::{NewOrder, NewOrderLine, OrderItemStatus};
    let entries = sample_entries();
    let w = crate::support::worlds::lazada::World::start(
        TestDb::sqlite(),
        &entries,
        &[("lazada-trang-dinh", "htx-trang-dinh")],
        50,
        "",
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "lazada-trang-dinh"]));
    let sku = "THACH-DEN-1KG";
    let (on_hand, _) = stock(&w.db, sku).await;
    let order = w
        .sim
        .create_order(NewOrder {
            seller_id: w.sellers[0].seller_id,
            status: OrderItemStatus::Pending,
            lines: vec![NewOrderLine {
                seller_sku: sku.into(),
                units: 2,
                paid_price: None,
            }],
            ..NewOrder::default()
        })
        .unwrap();
    assert_eq!(order.items.len(), 2, "one order item per unit");
    ok(&w.kho(&["orders", "pull", "--since", "1h"]));
    assert_eq!(stock(&w.db, sku).await, (on_hand, 2));
    ok(&w.kho(&["orders", "pull", "--since", "1h"]));
    assert_eq!(stock(&w.db, sku).await, (on_hand, 2));
    w.sim
        .set_item_status(order.order_id, OrderItemStatus::Canceled)
        .unwrap();
    ok(&w.kho(&["orders", "pull", "--since", "1h"]));
    assert_eq!(stock(&w.db, sku).await, (on_hand, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiktok_deauthorisation_and_expiry_warnings_show_on_the_account() {
    use kho_simulator::tiktok::WebhookOptions;
    let entries = sample_entries();
    let w = crate::support::worlds::tiktok::World::start(
        TestDb::sqlite(),
        &entries,
        &[("tiktok-bac-son", "htx-bac-son")],
        50,
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "tiktok-bac-son"]));
    let daemon = crate::support::Daemon::start_with(
        &w.db,
        &[(
            crate::support::worlds::tiktok::SECRET_ENV,
            crate::support::worlds::tiktok::APP_SECRET,
        )],
        "1h",
    );
    w.sim
        .set_callback_url(Some(format!("{}/webhooks/tiktok", daemon.url)));
    let shop = w.shops[0].shop_id.clone();
    let state = || async {
        let store = w.db.store().await;
        let a = store
            .accounts(Some("tiktok-bac-son"))
            .await
            .unwrap()
            .remove(0);
        store.close().await;
        (a.state, a.last_error.unwrap_or_default())
    };
    w.sim
        .notify_authorization_expiring(&shop, WebhookOptions::default())
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let (st, err) = state().await;
        if err.contains("authorisation expires") {
            assert_eq!(st, kho::store::accounts::AccountState::Ok);
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "no warning: {err}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    w.sim
        .deauthorize_seller(&shop, WebhookOptions::default())
        .unwrap();
    loop {
        let (st, err) = state().await;
        if st == kho::store::accounts::AccountState::NeedsReauth {
            assert!(err.contains("deauthorised"), "{err}");
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "still {st:?}: {err}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let shown = ok(&w.kho(&["accounts", "list"]));
    assert!(shown.contains("needs_reauth"), "{shown}");
    drop(daemon);
}
