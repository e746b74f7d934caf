//! Orders (§8): one item per unit, item statuses only, stock holds (unpaid withholds, paid occupies, ready to
//! ship consumes, cancel restores once), `/orders/get` paging and `/orders/items/get`.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use super::super::{
    ControlError, ItemStatusChange, NewOrder, NewOrderLine, OrderItemStatus, Rejection,
};
use super::{Client, SELLER, assert_error, assert_ok, assert_shape, config, start};

fn order(units: u32, status: OrderItemStatus) -> NewOrder {
    NewOrder {
        seller_id: SELLER,
        status,
        shipping_fee: 15000.0,
        lines: vec![NewOrderLine {
            seller_sku: "ST25-5KG".into(),
            units,
            paid_price: None,
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn each_unit_is_an_item_and_orders_lower_sellable_stock() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let o = sim
        .create_order(order(2, OrderItemStatus::Pending))
        .unwrap();
    assert_eq!(o.items.len(), 2);
    assert_eq!(o.units_of("ST25-5KG"), 2);
    let s = sim.state();
    assert_eq!(s.sellable_of(SELLER, "ST25-5KG"), Some(98));
    assert_eq!(
        s.quantity_of(SELLER, "ST25-5KG"),
        Some(100),
        "paid units are occupied, not yet shipped"
    );

    let ids = format!("[{}]", o.order_id);
    let (_, v) = c.get("/orders/items/get", &[("order_ids", &ids)]).await;
    assert_ok(&v);
    assert_shape("orders_items_get.json", &v);
    let items = v["data"][0]["order_items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items
            .iter()
            .all(|i| i["sku"] == "ST25-5KG" && i.get("quantity").is_none())
    );
    assert_ne!(items[0]["order_item_id"], items[1]["order_item_id"]);

    let (_, v) = c
        .get("/order/items/get", &[("order_id", &o.order_id.to_string())])
        .await;
    assert_eq!(v["data"].as_array().map(Vec::len), Some(2));
    let (_, v) = c
        .get("/order/get", &[("order_id", &o.order_id.to_string())])
        .await;
    assert_eq!(v["data"]["statuses"], serde_json::json!(["pending"]));
    assert!(v["data"].get("status").is_none(), "no order-level status");

    // Not enough sellable stock: nothing changes.
    let err = sim
        .create_order(order(99, OrderItemStatus::Pending))
        .unwrap_err();
    assert!(matches!(err, ControlError::InsufficientStock(_)), "{err}");
    assert_eq!(sim.state().sellable_of(SELLER, "ST25-5KG"), Some(98));
}

#[tokio::test]
async fn holds_follow_item_statuses_and_cancel_restores_once() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let unpaid = sim.create_order(order(3, OrderItemStatus::Unpaid)).unwrap();
    let sku =
        |sim: &super::super::SimHandle| sim.state().sku(SELLER, "ST25-5KG").unwrap().1.clone();
    let s = sku(&sim);
    assert_eq!(
        (s.sellable(), s.withhold, s.occupy, s.quantity),
        (97, 3, 0, 100)
    );
    sim.set_item_status(unpaid.order_id, OrderItemStatus::Pending)
        .unwrap();
    let s = sku(&sim);
    assert_eq!((s.sellable(), s.withhold, s.occupy), (97, 0, 3));
    // Ship one unit, cancel another: statuses live on the items.
    let (first, second) = (unpaid.items[0].order_item_id, unpaid.items[1].order_item_id);
    sim.change_item_status(
        unpaid.order_id,
        ItemStatusChange {
            status: OrderItemStatus::ReadyToShip,
            order_item_ids: Some(vec![first]),
            ..Default::default()
        },
    )
    .unwrap();
    let o = sim
        .change_item_status(
            unpaid.order_id,
            ItemStatusChange {
                status: OrderItemStatus::Canceled,
                order_item_ids: Some(vec![second]),
                reason: Some("Out of stock".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let s = sku(&sim);
    assert_eq!((s.quantity, s.occupy, s.sellable()), (99, 1, 98));
    let mut statuses = o.statuses();
    statuses.sort_by_key(|s| s.as_str());
    assert_eq!(
        statuses,
        vec![
            OrderItemStatus::Canceled,
            OrderItemStatus::Pending,
            OrderItemStatus::ReadyToShip
        ]
    );
    // Cancelling again restores nothing more.
    sim.change_item_status(
        unpaid.order_id,
        ItemStatusChange {
            status: OrderItemStatus::Canceled,
            order_item_ids: Some(vec![second]),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(sku(&sim).sellable(), 98);
    // Returned goods do not come back into stock by themselves.
    sim.change_item_status(
        unpaid.order_id,
        ItemStatusChange {
            status: OrderItemStatus::Returned,
            order_item_ids: Some(vec![first]),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(sku(&sim).quantity, 99);
}

#[tokio::test]
async fn orders_get_windows_sorting_and_paging() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let base = 1_764_400_000_000i64; // 2025-11-29
    for i in 0..5 {
        sim.create_order(NewOrder {
            created_at_ms: Some(base + i * 60_000),
            ..order(1, OrderItemStatus::Pending)
        })
        .unwrap();
    }
    let after = "2025-11-29T00:00:00+07:00";
    let (_, v) = c
        .get(
            "/orders/get",
            &[
                ("created_after", after),
                ("limit", "2"),
                ("sort_direction", "ASC"),
            ],
        )
        .await;
    assert_ok(&v);
    assert_shape("orders_get.json", &v);
    assert_eq!(
        (
            v["data"]["count"].as_i64(),
            v["data"]["countTotal"].as_i64()
        ),
        (Some(2), Some(5))
    );
    let first = v["data"]["orders"][0]["order_id"].as_i64().unwrap();
    let (_, v) = c
        .get(
            "/orders/get",
            &[
                ("created_after", after),
                ("limit", "2"),
                ("offset", "4"),
                ("sort_direction", "ASC"),
            ],
        )
        .await;
    assert_eq!(v["data"]["count"], 1);
    let (_, v) = c
        .get("/orders/get", &[("created_after", after), ("limit", "1")])
        .await;
    assert!(
        v["data"]["orders"][0]["order_id"].as_i64().unwrap() > first,
        "DESC by default"
    );
    assert!(
        v["data"]["orders"][0]["created_at"]
            .as_str()
            .unwrap()
            .ends_with("+07:00")
    );

    // update_after window and status filter.
    sim.set_item_status(first, OrderItemStatus::Canceled)
        .unwrap();
    let soon = chrono::Utc::now() - chrono::Duration::seconds(5);
    let since = soon.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    let (_, v) = c
        .get(
            "/orders/get",
            &[("update_after", &since), ("status", "canceled")],
        )
        .await;
    assert_eq!(v["data"]["countTotal"], 1);
    assert_eq!(v["data"]["orders"][0]["order_id"], first);

    assert_error(&c.get("/orders/get", &[]).await.1, "MissingParameter");
    assert_error(
        &c.get("/orders/get", &[("created_after", "2025-11-29")])
            .await
            .1,
        "17",
    );
    assert_error(
        &c.get("/orders/get", &[("created_after", after), ("limit", "101")])
            .await
            .1,
        "19",
    );
    assert_error(
        &c.get(
            "/orders/get",
            &[("created_after", after), ("offset", "5001")],
        )
        .await
        .1,
        "14",
    );
    assert_error(
        &c.get(
            "/orders/get",
            &[("created_after", after), ("status", "done")],
        )
        .await
        .1,
        "6",
    );
    assert_ok(
        &c.get(
            "/orders/get",
            &[
                ("created_after", after),
                ("limit", "100"),
                ("offset", "5000"),
            ],
        )
        .await
        .1,
    );
}

#[tokio::test]
async fn orders_items_get_limits() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let o = sim
        .create_order(order(1, OrderItemStatus::Pending))
        .unwrap();
    let fifty: Vec<String> = (0..50).map(|_| o.order_id.to_string()).collect();
    assert_ok(
        &c.get(
            "/orders/items/get",
            &[("order_ids", &format!("[{}]", fifty.join(",")))],
        )
        .await
        .1,
    );
    let fifty_one = format!("[{},{}]", fifty.join(","), o.order_id);
    assert_error(
        &c.get("/orders/items/get", &[("order_ids", &fifty_one)])
            .await
            .1,
        "38",
    );
    assert_error(
        &c.get(
            "/orders/items/get",
            &[("order_ids", &o.order_id.to_string())],
        )
        .await
        .1,
        "56",
    );
    assert_error(
        &c.get("/orders/items/get", &[("order_ids", "[1,x]")])
            .await
            .1,
        "56",
    );
    assert_error(
        &c.get("/orders/items/get", &[("order_ids", "[1]")]).await.1,
        "39",
    );
    assert_eq!(sim.request_log().rejections(Rejection::NotFound), 1);
}
