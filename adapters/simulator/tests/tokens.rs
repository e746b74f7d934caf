//! Tokens (§2): code exchange, single-use rotating refresh tokens, the 5-minute grace of the old access token,
//! configurable lifetimes, and test-driven expiry/revocation.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

mod common;

use common::{Client, SHOP, assert_error, assert_shape, start};
use kho_simulator::shopee::{Rejection, SimConfig, TokenAction};
use serde_json::json;

const REFRESH: &str = "/api/v2/auth/access_token/get";
const TOKEN_GET: &str = "/api/v2/auth/token/get";
const LIST: &str = "/api/v2/product/get_item_list";
const LIST_Q: &str = "&offset=0&page_size=10&item_status=NORMAL";

#[tokio::test]
async fn refresh_rotates_and_old_refresh_token_is_rejected() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let first = sim.tokens(SHOP).unwrap();
    let body = json!({"refresh_token": first.refresh_token, "partner_id": cfg.partner_id, "shop_id": SHOP});
    let (status, v) = c.public_post(REFRESH, &body).await;
    assert_eq!(status, 200, "{v}");
    assert_shape("token_refresh.json", &v);
    assert_eq!(v["expire_in"], 14400);
    assert_eq!(v["shop_id"], SHOP);
    let new_access = v["access_token"].as_str().unwrap().to_owned();
    let new_refresh = v["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(new_access.len(), 32);
    assert_ne!(new_refresh, first.refresh_token);

    // The spent refresh token is dead.
    let (_, v) = c.public_post(REFRESH, &body).await;
    assert_error(&v, "error_auth", "Invalid refresh_token.");
    // The new one works once.
    let body2 =
        json!({"refresh_token": new_refresh, "partner_id": cfg.partner_id, "shop_id": SHOP});
    let (_, v) = c.public_post(REFRESH, &body2).await;
    assert_eq!(v["error"], "", "{v}");
    let (_, v) = c.public_post(REFRESH, &body2).await;
    assert_error(&v, "error_auth", "Invalid refresh_token.");

    // Both older access tokens still work inside the 5-minute grace.
    let (_, v) = c.shop_get(LIST, &first.access_token, LIST_Q).await;
    assert_eq!(v["error"], "", "{v}");
    let (_, v) = c.shop_get(LIST, &new_access, LIST_Q).await;
    assert_eq!(v["error"], "", "{v}");
    assert_eq!(sim.request_log().rejections(Rejection::InvalidRefresh), 2);
}

#[tokio::test]
async fn without_grace_the_old_access_token_dies_at_refresh() {
    let cfg = SimConfig {
        old_access_token_grace_secs: 0,
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let first = sim.tokens(SHOP).unwrap();
    let body = json!({"refresh_token": first.refresh_token, "partner_id": cfg.partner_id, "shop_id": SHOP});
    let (_, v) = c.public_post(REFRESH, &body).await;
    assert_eq!(v["error"], "", "{v}");
    let (_, v) = c.shop_get(LIST, &first.access_token, LIST_Q).await;
    assert_error(&v, "error_auth", "Invalid access_token.");
}

#[tokio::test]
async fn access_token_expires_after_its_configured_lifetime() {
    let cfg = SimConfig {
        access_token_ttl_secs: 1,
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let t = sim.tokens(SHOP).unwrap();
    let (_, v) = c.shop_get(LIST, &t.access_token, LIST_Q).await;
    assert_eq!(v["error"], "", "{v}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, v) = c.shop_get(LIST, &t.access_token, LIST_Q).await;
    assert_error(&v, "error_auth", "Invalid access_token.");
    // Refreshing gives a token with expire_in = the configured lifetime.
    let body =
        json!({"refresh_token": t.refresh_token, "partner_id": cfg.partner_id, "shop_id": SHOP});
    let (_, v) = c.public_post(REFRESH, &body).await;
    assert_eq!(v["expire_in"], 1, "{v}");
}

#[tokio::test]
async fn refresh_token_lifetime_and_control_actions() {
    let cfg = SimConfig {
        refresh_token_ttl_secs: 1,
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let t = sim.tokens(SHOP).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let body =
        json!({"refresh_token": t.refresh_token, "partner_id": cfg.partner_id, "shop_id": SHOP});
    let (_, v) = c.public_post(REFRESH, &body).await;
    assert_error(&v, "refresh_token_expired", "refresh_token is expired.");

    let sim = start(SimConfig::default()).await;
    let c = Client::new(&sim, &cfg);
    let t = sim
        .token_action(SHOP, TokenAction::ExpireAccessToken)
        .unwrap();
    let (_, v) = c.shop_get(LIST, &t.access_token, LIST_Q).await;
    assert_error(&v, "error_auth", "Invalid access_token.");
    sim.token_action(SHOP, TokenAction::ExpireAuthorization)
        .unwrap();
    let body =
        json!({"refresh_token": t.refresh_token, "partner_id": cfg.partner_id, "shop_id": SHOP});
    let (_, v) = c.public_post(REFRESH, &body).await;
    assert_eq!(v["error"], "shop_access_expired", "{v}");
}

#[tokio::test]
async fn code_exchange_is_single_use() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let code = sim.issue_auth_code(SHOP).unwrap();
    let body = json!({"code": code, "partner_id": cfg.partner_id, "shop_id": SHOP});
    let (status, v) = c.public_post(TOKEN_GET, &body).await;
    assert_eq!(status, 200, "{v}");
    assert_shape("token_get.json", &v);
    assert_eq!(
        sim.tokens(SHOP).unwrap().access_token,
        v["access_token"].as_str().unwrap()
    );
    let (_, v) = c.public_post(TOKEN_GET, &body).await;
    assert_error(&v, "invalid_code", "The code is expired or used or invalid");
    // Wrong JSON type for partner_id in the body.
    let bad = json!({"code": "x", "partner_id": "2001887", "shop_id": SHOP});
    let (_, v) = c.public_post(TOKEN_GET, &bad).await;
    assert_eq!(v["error"], "error_param", "{v}");
}
