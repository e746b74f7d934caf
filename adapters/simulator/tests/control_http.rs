//! The `/_sim` control API over HTTP mirrors the in-process methods.

mod common;

use common::{Client, SHOP, start};
use kho_simulator::shopee::{RequestLogSnapshot, SimConfig, SimState, TokenPair};
use serde_json::json;

#[tokio::test]
async fn seed_edit_order_and_read_back_over_http() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let item: serde_json::Value = http
        .post(format!("{base}/_sim/shops/{SHOP}/items"))
        .json(&json!({"item_name": "Gạo ST25", "models": [{"model_sku": "ST25-5KG", "name": "5kg", "price": 180000, "stock": 7}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item_id = item["item_id"].as_i64().unwrap();
    let model_id = item["models"][0]["model_id"].as_i64().unwrap();

    let r = http
        .patch(format!("{base}/_sim/shops/{SHOP}/items/{item_id}"))
        .json(&json!({"model_id": model_id, "stock": 3, "price": 175000}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = http
        .post(format!("{base}/_sim/orders"))
        .json(&json!({"shop_id": SHOP, "lines": [{"item_id": item_id, "model_id": model_id, "quantity": 2}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let order: serde_json::Value = r.json().await.unwrap();
    let r = http
        .post(format!(
            "{base}/_sim/orders/{}/status",
            order["order_sn"].as_str().unwrap()
        ))
        .json(&json!({"status": "SHIPPED"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    let state: SimState = http
        .get(format!("{base}/_sim/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state, sim.state());
    assert_eq!(state.stock_of(SHOP, "ST25-5KG"), Some(1));
    assert_eq!(state.price_of(SHOP, "ST25-5KG"), Some(175000.0));

    // Tokens and the request log.
    let tokens: TokenPair = http
        .get(format!("{base}/_sim/shops/{SHOP}/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let c = Client::new(&sim, &cfg);
    c.shop_get(
        "/api/v2/product/get_item_list",
        &tokens.access_token,
        "&offset=0&page_size=1&item_status=NORMAL",
    )
    .await;
    let r = http
        .post(format!("{base}/_sim/shops/{SHOP}/tokens"))
        .json(&json!({"action": "revoke_access_token"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let (_, v) = c
        .shop_get(
            "/api/v2/product/get_item_list",
            &tokens.access_token,
            "&offset=0&page_size=1&item_status=NORMAL",
        )
        .await;
    assert_eq!(v["message"], "Invalid access_token.");
    let log: RequestLogSnapshot = http
        .get(format!("{base}/_sim/log"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log.calls("/api/v2/product/get_item_list"), 2);
    assert_eq!(log.entries.len(), 2);

    let r = http
        .delete(format!("{base}/_sim/shops/{SHOP}/items/{item_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = http
        .delete(format!("{base}/_sim/shops/{SHOP}/items/424242"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .put(format!("{base}/_sim/faults"))
        .json(&json!({"seed": 3, "slow": 0.5}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(sim.faults().seed, 3);
    sim.shutdown().await;
}
