//! The `/_sim` control API over HTTP: seed, edit, order, statuses, tokens, limits, faults, state and log.

use reqwest::Method;
use serde_json::json;

use super::{Client, SELLER, assert_error, assert_ok, config, start};

#[tokio::test]
async fn drive_everything_over_http() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);

    let (s, p) = c
        .ctl(Method::POST, &format!("/sellers/{SELLER}/products"), &json!({"name": "Bưởi da xanh", "skus": [{"seller_sku": "BUOI-1", "quantity": 8, "price": 60000}]}))
        .await;
    assert_eq!(s, 201, "{p}");
    let item_id = p["item_id"].as_i64().unwrap();
    let (s, v) = c
        .ctl(
            Method::PATCH,
            &format!("/sellers/{SELLER}/skus/BUOI-1"),
            &json!({"sellable": 5, "price": 65000}),
        )
        .await;
    assert_eq!((s, v["quantity"].as_i64()), (200, Some(5)));
    let (s, o) = c
        .ctl(
            Method::POST,
            "/orders",
            &json!({"seller_id": SELLER, "lines": [{"seller_sku": "BUOI-1", "units": 3}]}),
        )
        .await;
    assert_eq!(s, 201, "{o}");
    assert_eq!(o["items"].as_array().map(Vec::len), Some(3));
    let order_id = o["order_id"].as_i64().unwrap();
    let (_, state) = c.ctl_get("/state").await;
    assert_eq!(state["orders"][0]["order_id"], order_id);
    assert_eq!(sim.state().sellable_of(SELLER, "BUOI-1"), Some(2));
    let (s, v) = c
        .ctl(
            Method::POST,
            &format!("/orders/{order_id}/status"),
            &json!({"status": "canceled"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(sim.state().sellable_of(SELLER, "BUOI-1"), Some(5));
    let (s, _) = c
        .ctl(
            Method::POST,
            "/orders",
            &json!({"seller_id": SELLER, "lines": [{"seller_sku": "BUOI-1", "units": 6}]}),
        )
        .await;
    assert_eq!(s, 409);
    let (s, _) = c
        .ctl(
            Method::POST,
            &format!("/orders/{order_id}/push"),
            &json!({"drop": true}),
        )
        .await;
    assert_eq!(s, 200);
    // No callback URL configured: 3 automatic pushes on creation and 3 on cancellation failed, 3 were dropped.
    let (_, pushes) = c.ctl_get("/pushes").await;
    let pushes = pushes.as_array().cloned().unwrap_or_default();
    assert_eq!(pushes.len(), 9);
    assert_eq!(pushes.iter().filter(|p| p["dropped"] == true).count(), 3);

    let (s, _) = c
        .ctl(
            Method::PATCH,
            &format!("/sellers/{SELLER}/products/{item_id}"),
            &json!({"status": "InActive"}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, v) = c.get("/products/get", &[("filter", "inactive")]).await;
    assert_eq!(v["data"]["total_products"], 1);
    let (s, _) = c
        .ctl(
            Method::DELETE,
            &format!("/sellers/{SELLER}/products/{item_id}?purge=true"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 204);
    assert!(sim.state().product(SELLER, item_id).is_none());

    // Tokens.
    let (_, t) = c.ctl_get(&format!("/sellers/{SELLER}/tokens")).await;
    assert_eq!(t["access_token"], c.token.as_str());
    let (s, _) = c
        .ctl(
            Method::POST,
            &format!("/sellers/{SELLER}/tokens"),
            &json!({"action": "revoke_access_token"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_error(
        &c.get("/products/get", &[("filter", "all")]).await.1,
        "IllegalAccessToken",
    );
    let (_, code) = c
        .ctl(
            Method::POST,
            &format!("/sellers/{SELLER}/auth_code"),
            &json!({}),
        )
        .await;
    assert!(code["code"].as_str().unwrap().starts_with("0_"));
    let (s, t) = c
        .ctl(Method::POST, "/sellers", &json!({"seller_id": 1}))
        .await;
    assert_eq!(s, 201, "{t}");
    let mut other = c.clone();
    other.token = t["access_token"].as_str().unwrap().to_owned();
    assert_ok(&other.get("/products/get", &[("filter", "all")]).await.1);

    // Limits, faults, log.
    let (s, _) = c
        .ctl(
            Method::PUT,
            "/sellers/1/rate_limit",
            &json!({"per_second": 1}),
        )
        .await;
    assert_eq!(s, 204);
    assert_ok(&other.get("/products/get", &[("filter", "all")]).await.1);
    assert_error(
        &other.get("/products/get", &[("filter", "all")]).await.1,
        "ApiCallLimit",
    );
    let (s, _) = c
        .ctl(
            Method::PUT,
            "/rate_limits",
            &json!({"inventory_per_seller_per_second": 7}),
        )
        .await;
    assert_eq!(s, 204);
    assert_eq!(
        c.ctl_get("/rate_limits").await.1["inventory_per_seller_per_second"],
        7
    );
    let (s, _) = c
        .ctl(Method::PUT, "/faults", &json!({"seed": 3, "slow": 0.5}))
        .await;
    assert_eq!(s, 204);
    assert_eq!(c.ctl_get("/faults").await.1["seed"], 3);
    let (_, log) = c.ctl_get("/log").await;
    assert_eq!(log["per_seller"]["1"]["rate_limit_violations"], 1);
    assert!(log["rejections"]["invalid_token"].as_u64() >= Some(1));
    let (s, _) = c.ctl(Method::DELETE, "/log", &json!({})).await;
    assert_eq!(s, 204);
    assert_eq!(c.ctl_get("/log").await.1["total_calls"], 0);
    let (s, _) = c
        .ctl(
            Method::PUT,
            "/push/callback",
            &json!({"callback_url": null}),
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = c
        .ctl(
            Method::POST,
            "/orders/1/status",
            &json!({"status": "shipped"}),
        )
        .await;
    assert_eq!(s, 404);
}
