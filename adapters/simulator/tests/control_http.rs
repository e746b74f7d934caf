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

/// The routes every simulator shares (`common::control`) answer alike on all three.
#[tokio::test]
async fn shared_control_routes_answer_alike_on_every_simulator() {
    let shopee = kho_simulator::shopee::Simulator::start(SimConfig::default())
        .await
        .unwrap();
    let tiktok =
        kho_simulator::tiktok::Simulator::start(kho_simulator::tiktok::SimConfig::default())
            .await
            .unwrap();
    let lazada =
        kho_simulator::lazada::Simulator::start(kho_simulator::lazada::SimConfig::default())
            .await
            .unwrap();
    let tiktok_shop = kho_simulator::tiktok::ShopConfig::default().shop_id;
    let lazada_seller = kho_simulator::lazada::SellerConfig::default().seller_id;
    let cases = [
        (
            format!("http://{}", shopee.addr()),
            format!("shops/{SHOP}"),
            "pushes",
            "push/callback",
        ),
        (
            format!("http://{}", tiktok.addr()),
            format!("shops/{tiktok_shop}"),
            "webhooks",
            "webhooks/callback",
        ),
        (
            lazada.control_url(),
            format!("sellers/{lazada_seller}"),
            "pushes",
            "push/callback",
        ),
    ];
    let http = reqwest::Client::new();
    // One control call: its status and its JSON answer (Null when empty).
    let call = |method: reqwest::Method, url: String, body: Option<serde_json::Value>| {
        let mut req = http.request(method, url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            (
                status,
                serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
            )
        }
    };
    use reqwest::Method;
    for (i, (base, account, pushes, callback)) in cases.iter().enumerate() {
        let url = |path: &str| format!("{base}/_sim/{path}");
        let (status, _) = call(Method::GET, url("state"), None).await;
        assert_eq!(status, 200, "{base}: state");
        let (_, tokens) = call(Method::GET, url(&format!("{account}/tokens")), None).await;
        assert!(
            !tokens["access_token"].as_str().unwrap().is_empty(),
            "{base}: {tokens}"
        );
        let action = |a: &str| Some(json!({ "action": a }));
        let tokens_url = url(&format!("{account}/tokens"));
        let (status, _) = call(
            Method::POST,
            tokens_url.clone(),
            action("expire_access_token"),
        )
        .await;
        assert_eq!(status, 200, "{base}: token action");
        let (status, _) = call(Method::POST, tokens_url, action("break_everything")).await;
        assert_eq!(status, 422, "{base}: an unknown token action");
        let unknown = account.replace(|c: char| c.is_ascii_digit(), "9");
        let (status, _) = call(Method::GET, url(&format!("{unknown}/tokens")), None).await;
        assert_eq!(status, 404, "{base}: an unknown account");
        let (_, code) = call(Method::POST, url(&format!("{account}/auth_code")), None).await;
        assert!(!code["code"].as_str().unwrap().is_empty(), "{base}: {code}");
        let limit = Some(json!({"per_second": 1}));
        let (status, _) = call(Method::PUT, url(&format!("{account}/rate_limit")), limit).await;
        assert_eq!(status, 204, "{base}: rate limit");
        let (_, listed) = call(Method::GET, url(pushes), None).await;
        assert!(listed.is_array(), "{base}: {listed}");
        let (_, released) = call(Method::POST, url(&format!("{pushes}/release")), None).await;
        assert_eq!(released, json!({"released": 0}), "{base}");
        let no_url = Some(json!({"callback_url": null}));
        let (status, _) = call(Method::PUT, url(callback), no_url).await;
        assert_eq!(status, 204, "{base}: callback");
        let seed = 40 + i as u64;
        let (status, _) = call(Method::PUT, url("faults"), Some(json!({ "seed": seed }))).await;
        assert_eq!(status, 204, "{base}: faults");
        let (_, faults) = call(Method::GET, url("faults"), None).await;
        assert_eq!(faults["seed"], json!(seed), "{base}: {faults}");
        let (status, _) = call(Method::DELETE, url("log"), None).await;
        assert_eq!(status, 204, "{base}: log reset");
    }
    assert_eq!(shopee.faults().seed, 40);
    assert_eq!(tiktok.faults().seed, 41);
    assert_eq!(lazada.faults().seed, 42);
    shopee.shutdown().await;
    tiktok.shutdown().await;
    lazada.shutdown().await;
}
