//! Orders (§8): one line item per unit (three identical items for quantity 3), stock lowered by orders and given
//! back once by a cancellation, update-time window search with page tokens, detail limits, cancellations and
//! returns.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use serde_json::{Value, json};

use super::super::error::INVALID_PARAM;
use super::super::{
    CancelStatus, ControlError, NewCancellation, NewOrder, NewOrderLine, NewReturn, OrderStatus,
    ReturnStatus, SeedProduct, SeedSku, SimConfig,
};
use super::{Client, Req, SHOP, assert_shape, now, start};

fn product(sku: &str, qty: i64, price: &str) -> SeedProduct {
    SeedProduct {
        title: "Mật ong rừng U Minh 500ml".into(),
        skus: vec![SeedSku {
            seller_sku: sku.into(),
            price: price.into(),
            quantity: qty,
            sales_attributes: vec![("Dung tích".into(), "500ml".into())],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn order_of(sku_id: &str, quantity: u32) -> NewOrder {
    NewOrder {
        lines: vec![NewOrderLine {
            sku_id: sku_id.into(),
            quantity,
            sale_price: None,
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn three_units_are_three_identical_line_items_and_lower_stock() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sim
        .seed_product(SHOP, product("MAT-ONG-500", 10, "168000"))
        .unwrap();
    let sku = p.skus[0].id.clone();
    let order = sim.create_order(order_of(&sku, 3)).unwrap();
    assert_eq!(order.quantity_of(&sku), 3);
    assert_eq!(sim.state().quantity_of(SHOP, "MAT-ONG-500"), Some(7));

    let (_, v) = c
        .send(Req::get("/order/202309/orders").q("ids", &order.id))
        .await;
    assert_shape("order_detail.json", &v);
    let o = &v["data"]["orders"][0];
    let items = o["line_items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let ids: std::collections::BTreeSet<&str> =
        items.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "distinct line item ids");
    for l in items {
        assert_eq!(l["sku_id"], json!(sku));
        assert_eq!(l["sale_price"], "168000");
        assert!(l.get("quantity").is_none(), "no quantity field (trap 13)");
    }
    assert_eq!(o["payment"]["original_total_product_price"], "504000");
    assert_eq!(o["payment"]["total_amount"], "504000");

    // Not enough stock: refused, nothing taken.
    let err = sim.create_order(order_of(&sku, 8)).unwrap_err();
    assert!(matches!(err, ControlError::InsufficientStock(_)), "{err}");
    assert_eq!(sim.state().quantity_of(SHOP, "MAT-ONG-500"), Some(7));

    // Cancelling gives the units back exactly once.
    sim.set_order_status(&order.id, OrderStatus::Cancelled)
        .unwrap();
    sim.set_order_status(&order.id, OrderStatus::Cancelled)
        .unwrap();
    assert_eq!(sim.state().quantity_of(SHOP, "MAT-ONG-500"), Some(10));
    let d = c
        .ok(Req::get("/order/202309/orders").q("ids", &order.id))
        .await;
    assert_eq!(d["orders"][0]["status"], "CANCELLED");
    assert_eq!(
        d["orders"][0]["line_items"][0]["display_status"],
        "CANCELLED"
    );
}

#[tokio::test]
async fn search_by_update_time_window_with_page_tokens() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sim.seed_product(SHOP, product("S", 100, "50000")).unwrap();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(sim.create_order(order_of(&p.skus[0].id, 1)).unwrap().id);
    }
    let window = json!({"update_time_ge": now() - 60, "update_time_lt": now() + 60});
    let search = |token: &str| {
        let mut r = Req::post("/order/202309/orders/search", &window)
            .q("page_size", "2")
            .q("sort_field", "update_time")
            .q("sort_order", "ASC");
        if !token.is_empty() {
            r = r.q("page_token", token);
        }
        r
    };
    let (_, first) = c.send(search("")).await;
    assert_shape("orders_search.json", &first);
    assert_eq!(first["data"]["total_count"], 5);
    let mut got: Vec<Value> = first["data"]["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    let mut token = first["data"]["next_page_token"]
        .as_str()
        .unwrap()
        .to_owned();
    while !token.is_empty() {
        let d = c.ok(search(&token)).await;
        got.extend(
            d["orders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].clone()),
        );
        token = d["next_page_token"].as_str().unwrap().to_owned();
    }
    assert_eq!(got, ids.iter().map(|i| json!(i)).collect::<Vec<_>>());

    // The window's upper bound is exclusive and filters.
    let d = c
        .ok(Req::post(
            "/order/202309/orders/search",
            &json!({"update_time_ge": now() + 10}),
        )
        .q("page_size", "10"))
        .await;
    assert_eq!(d["total_count"], 0);
    let (_, v) = c
        .send(Req::post("/order/202309/orders/search", &json!({})).q("page_size", "0"))
        .await;
    assert_eq!(v["code"], INVALID_PARAM);
    let (_, v) = c
        .send(Req::post("/order/202309/orders/search", &json!({})))
        .await;
    assert_eq!(v["code"], INVALID_PARAM, "page_size is required");

    // Detail: at most 50 ids.
    let many: Vec<String> = (0..51).map(|n| n.to_string()).collect();
    let (_, v) = c
        .send(Req::get("/order/202309/orders").q("ids", &many.join(",")))
        .await;
    assert_eq!(v["code"], INVALID_PARAM);
    let d = c
        .ok(Req::get("/order/202309/orders").q("ids", &ids[..2].join(",")))
        .await;
    assert_eq!(d["orders"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn cancellations_and_returns() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sim.seed_product(SHOP, product("C", 5, "168000")).unwrap();
    let sku = p.skus[0].id.clone();
    let order = sim.create_order(order_of(&sku, 2)).unwrap();
    let cancel = sim
        .create_cancellation(&order.id, NewCancellation::default())
        .unwrap();
    let (_, v) = c
        .send(
            Req::post(
                "/return_refund/202309/cancellations/search",
                &json!({"order_ids": [order.id]}),
            )
            .q("page_size", "10"),
        )
        .await;
    assert_shape("cancellations_search.json", &v);
    assert_eq!(
        v["data"]["cancellations"][0]["cancel_status"],
        "CANCELLATION_REQUEST_PENDING"
    );
    assert_eq!(sim.state().quantity_of(SHOP, "C"), Some(3));
    sim.set_cancellation_status(&cancel.cancel_id, CancelStatus::CancellationRequestComplete)
        .unwrap();
    let state = sim.state();
    assert_eq!(
        state.order(&order.id).unwrap().status,
        OrderStatus::Cancelled
    );
    assert_eq!(
        state.order(&order.id).unwrap().cancellation_initiator,
        "BUYER"
    );
    assert_eq!(state.quantity_of(SHOP, "C"), Some(5), "cancel restores");
    let d = c
        .ok(Req::post(
            "/return_refund/202309/cancellations/search",
            &json!({"cancel_status": ["CANCELLATION_REQUEST_COMPLETE"]}),
        )
        .q("page_size", "10"))
        .await;
    assert_eq!(d["total_count"], 1);

    // A delivered order, one of its two units returned and restocked.
    let order = sim.create_order(order_of(&sku, 2)).unwrap();
    sim.set_order_status(&order.id, OrderStatus::Delivered)
        .unwrap();
    let one = order.line_items[0].id.clone();
    let ret = sim
        .create_return(
            &order.id,
            NewReturn {
                line_item_ids: vec![one.clone()],
                ..Default::default()
            },
        )
        .unwrap();
    let (_, v) = c
        .send(Req::post("/return_refund/202309/returns/search", &json!({})).q("page_size", "10"))
        .await;
    assert_shape("returns_search.json", &v);
    let r = &v["data"]["return_orders"][0];
    assert_eq!(r["return_line_items"].as_array().unwrap().len(), 1);
    assert_eq!(r["return_line_items"][0]["order_line_item_id"], json!(one));
    assert_eq!(sim.state().quantity_of(SHOP, "C"), Some(3));
    sim.set_return_status(
        &ret.return_id,
        ReturnStatus::ReturnOrRefundRequestComplete,
        true,
    )
    .unwrap();
    sim.set_return_status(
        &ret.return_id,
        ReturnStatus::ReturnOrRefundRequestComplete,
        true,
    )
    .unwrap();
    assert_eq!(
        sim.state().quantity_of(SHOP, "C"),
        Some(4),
        "restocked once"
    );
}
