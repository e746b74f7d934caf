//! The `/_sim` control API mirrors the in-process methods: seed, hand edits, orders with N identical units,
//! status changes, cancellations/returns, tokens, rate limits, faults, state and log.

use serde_json::{Value, json};

use super::super::SimConfig;
use super::{Client, Req, SHOP, start};

async fn call(
    c: &Client,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut b = c.http.request(method, format!("{}/_sim{path}", c.base));
    if let Some(body) = body {
        b = b.json(&body);
    }
    let resp = b.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn drive_everything_over_http() {
    use reqwest::Method;
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let mut c = Client::new(&sim, &cfg);

    let (s, p) = call(
        &c,
        Method::POST,
        &format!("/shops/{SHOP}/products"),
        Some(json!({
            "title": "Trà Ô long", "skus": [{"seller_sku": "TRA", "price": "120000", "quantity": 9}]
        })),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    let pid = p["id"].as_str().unwrap().to_owned();
    let sku = p["skus"][0]["id"].as_str().unwrap().to_owned();

    let (s, _) = call(
        &c,
        Method::PATCH,
        &format!("/shops/{SHOP}/products/{pid}"),
        Some(json!({"quantity": 6, "price": "110000"})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, o) = call(
        &c,
        Method::POST,
        "/orders",
        Some(json!({"lines": [{"sku_id": sku, "quantity": 3}]})),
    )
    .await;
    assert_eq!(s, 201, "{o}");
    assert_eq!(o["line_items"].as_array().unwrap().len(), 3);
    let oid = o["id"].as_str().unwrap().to_owned();
    let (_, state) = call(&c, Method::GET, "/state", None).await;
    assert_eq!(
        state["shops"][0]["products"][0]["skus"][0]["inventory"][0]["quantity"],
        3
    );
    assert_eq!(
        state["shops"][0]["products"][0]["skus"][0]["price"],
        "110000"
    );

    let (s, _) = call(
        &c,
        Method::POST,
        &format!("/orders/{oid}/status"),
        Some(json!({"status": "IN_TRANSIT"})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, r) = call(
        &c,
        Method::POST,
        &format!("/orders/{oid}/returns"),
        Some(json!({"return_type": "REFUND"})),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let rid = r["return_id"].as_str().unwrap().to_owned();
    let (s, _) = call(
        &c,
        Method::POST,
        &format!("/returns/{rid}/status"),
        Some(json!({"status": "RETURN_OR_REFUND_REQUEST_COMPLETE", "restock": true})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(sim.state().quantity_of(SHOP, "TRA"), Some(6));

    let (s, o2) = call(
        &c,
        Method::POST,
        "/orders",
        Some(json!({"lines": [{"sku_id": sku}]})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, cancel) = call(
        &c,
        Method::POST,
        &format!("/orders/{}/cancellations", o2["id"].as_str().unwrap()),
        Some(json!({"complete": true})),
    )
    .await;
    assert_eq!(s, 201, "{cancel}");
    assert_eq!(cancel["status"], "CANCELLATION_REQUEST_COMPLETE");
    assert_eq!(sim.state().quantity_of(SHOP, "TRA"), Some(6));

    let (s, e) = call(
        &c,
        Method::POST,
        "/orders",
        Some(json!({"lines": [{"sku_id": sku, "quantity": 99}]})),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    let (s, _) = call(
        &c,
        Method::POST,
        "/orders/nope/status",
        Some(json!({"status": "CANCELLED"})),
    )
    .await;
    assert_eq!(s, 404);

    let (_, t) = call(
        &c,
        Method::POST,
        &format!("/shops/{SHOP}/tokens"),
        Some(json!({"action": "revoke_access_token"})),
    )
    .await;
    assert_eq!(t["access_token"], "");
    let (_, code) = call(&c, Method::POST, &format!("/shops/{SHOP}/auth_code"), None).await;
    assert!(code["code"].as_str().unwrap().starts_with("ROW_"));
    let (s, _) = call(
        &c,
        Method::PUT,
        &format!("/shops/{SHOP}/rate_limit"),
        Some(json!({"per_second": 1})),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = call(
        &c,
        Method::PUT,
        "/faults",
        Some(json!({"seed": 3, "slow": 0.5})),
    )
    .await;
    assert_eq!(s, 204);
    let (_, f) = call(&c, Method::GET, "/faults", None).await;
    assert_eq!(f["seed"], 3);
    let (s, _) = call(&c, Method::PUT, "/faults", Some(json!({}))).await;
    assert_eq!(s, 204);

    // The API sees the revoked token; the log counts the call.
    let (_, v) = c.send(Req::get("/logistics/202309/warehouses")).await;
    assert_eq!(v["code"], 36009004);
    c.token = sim.tokens(SHOP).unwrap().access_token;
    let (_, log) = call(&c, Method::GET, "/log", None).await;
    assert_eq!(log["total_calls"], 1);
    assert_eq!(log["rejections"]["invalid_token"], 1);
    let (s, _) = call(&c, Method::DELETE, "/log", None).await;
    assert_eq!(s, 204);
    assert_eq!(sim.request_log().total_calls, 0);

    let (s, _) = call(
        &c,
        Method::POST,
        &format!("/shops/{SHOP}/deauthorize"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (_, hooks) = call(&c, Method::GET, "/webhooks", None).await;
    assert!(
        hooks
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["event"] == "SELLER_DEAUTHORIZATION")
    );
    let (s, _) = call(
        &c,
        Method::DELETE,
        &format!("/shops/{SHOP}/products/{pid}?purge=true"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    assert!(sim.state().product(SHOP, &pid).is_none());
}
