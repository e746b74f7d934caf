//! Token create/refresh on the auth paths (§2): flat answers, single-use codes, refresh that does not extend the
//! refresh token's life, expiry and revocation.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use std::time::Duration;

use serde_json::Value;

use super::super::{Rejection, SimConfig, TokenAction};
use super::{Client, SELLER, assert_error, assert_ok, assert_shape, config, start};

async fn create(c: &Client, code: &str) -> Value {
    let p = c.signed("/auth/token/create", None, &[("code", code)]);
    c.post_params("/auth/token/create", &p).await.1
}

async fn refresh(c: &Client, token: &str) -> Value {
    let p = c.signed("/auth/token/refresh", None, &[("refresh_token", token)]);
    c.get_params("/auth/token/refresh", &p).await.1
}

async fn products(c: &Client, token: &str) -> Value {
    let p = c.signed("/products/get", Some(token), &[("filter", "all")]);
    c.get_params("/products/get", &p).await.1
}

#[tokio::test]
async fn code_for_token_is_flat_and_single_use() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    assert_eq!(sim.auth_url(), sim.base_url());
    let code = sim.issue_auth_code(SELLER).unwrap();
    let v = create(&c, &code).await;
    assert_ok(&v);
    assert_shape("token_create.json", &v);
    assert_eq!(v["expires_in"], 30 * 24 * 3600);
    assert_eq!(v["refresh_expires_in"], 180 * 24 * 3600);
    assert_eq!(v["country"], "vn");
    assert_eq!(v["country_user_info"][0]["seller_id"], SELLER.to_string());
    assert_ok(&products(&c, v["access_token"].as_str().unwrap()).await);
    // Single use.
    assert_error(&create(&c, &code).await, "InvalidCode");
    assert_error(&create(&c, "0_made_up").await, "InvalidCode");
    // Token calls must not carry access_token.
    let p = c.signed("/auth/token/create", Some(&c.token), &[("code", "x")]);
    assert_error(
        &c.post_params("/auth/token/create", &p).await.1,
        "InvalidParameter",
    );
    let log = sim.request_log();
    assert_eq!(log.rejections(Rejection::InvalidCode), 2);
    assert_eq!(log.rejections(Rejection::UnexpectedParam), 1);
    // Only the call with a live code can be attributed to the seller.
    assert_eq!(log.calls_for_seller(SELLER, "/auth/token/create"), 1);
}

#[tokio::test]
async fn codes_expire() {
    let cfg = SimConfig {
        auth_code_ttl_secs: 1,
        ..config()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let code = sim.issue_auth_code(SELLER).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_error(&create(&c, &code).await, "InvalidCode");
}

#[tokio::test]
async fn refresh_renews_access_but_not_the_refresh_lifetime() {
    let cfg = SimConfig {
        access_token_ttl_secs: 1,
        refresh_token_ttl_secs: 30,
        ..config()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let before = sim.tokens(SELLER).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_error(
        &products(&c, &before.access_token).await,
        "IllegalAccessToken",
    );

    let v = refresh(&c, &before.refresh_token).await;
    assert_ok(&v);
    assert_shape("token_refresh.json", &v);
    assert_eq!(v["expires_in"], 1);
    let remaining = v["refresh_expires_in"].as_i64().unwrap();
    assert!(
        (27..=29).contains(&remaining),
        "refresh life not extended: {remaining}"
    );
    let after = sim.tokens(SELLER).unwrap();
    assert_eq!(after.refresh_expires_at, before.refresh_expires_at);
    assert_ne!(
        after.refresh_token, before.refresh_token,
        "newest refresh token must be stored"
    );
    assert_eq!(v["refresh_token"], after.refresh_token.as_str());
    assert_ok(&products(&c, v["access_token"].as_str().unwrap()).await);
    // The retired refresh token no longer works; the new one does.
    assert_error(
        &refresh(&c, &before.refresh_token).await,
        "IllegalRefreshToken",
    );
    assert_ok(&refresh(&c, &after.refresh_token).await);
}

#[tokio::test]
async fn an_expired_refresh_token_needs_reauthorisation() {
    let cfg = SimConfig {
        refresh_token_ttl_secs: 1,
        ..config()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let t = sim.tokens(SELLER).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let v = refresh(&c, &t.refresh_token).await;
    assert_error(&v, "IllegalRefreshToken");
    assert_eq!(sim.request_log().rejections(Rejection::InvalidRefresh), 1);
    // Re-authorising gives a fresh pair with full lifetimes.
    let v = create(&c, &sim.issue_auth_code(SELLER).unwrap()).await;
    assert_ok(&v);
    assert_ok(&refresh(&c, v["refresh_token"].as_str().unwrap()).await);
}

#[tokio::test]
async fn token_actions_and_unrefreshable_apps() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let t = sim.tokens(SELLER).unwrap();
    sim.token_action(SELLER, TokenAction::ExpireAccessToken)
        .unwrap();
    assert_error(&products(&c, &t.access_token).await, "IllegalAccessToken");
    let v = refresh(&c, &t.refresh_token).await;
    assert_ok(&v);
    let fresh = v["access_token"].as_str().unwrap().to_owned();
    assert_ok(&products(&c, &fresh).await);
    sim.token_action(SELLER, TokenAction::RevokeAuthorization)
        .unwrap();
    assert_error(&products(&c, &fresh).await, "IllegalAccessToken");
    assert_error(
        &refresh(&c, v["refresh_token"].as_str().unwrap()).await,
        "IllegalRefreshToken",
    );

    let cfg = SimConfig {
        refresh_supported: false,
        ..config()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let v = create(&c, &sim.issue_auth_code(SELLER).unwrap()).await;
    assert_eq!(v["refresh_expires_in"], 0);
    let v = refresh(&c, v["refresh_token"].as_str().unwrap()).await;
    assert_error(&v, "AUTH_TYPE_UNSUPPORTED");
}

#[tokio::test]
async fn old_access_tokens_can_be_made_to_die_on_refresh() {
    let cfg = SimConfig {
        keep_old_access_token_on_refresh: false,
        rotate_refresh_token: false,
        ..config()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let t = sim.tokens(SELLER).unwrap();
    let v = refresh(&c, &t.refresh_token).await;
    assert_eq!(v["refresh_token"], t.refresh_token.as_str());
    assert_error(&products(&c, &t.access_token).await, "IllegalAccessToken");
    assert_ok(&products(&c, v["access_token"].as_str().unwrap()).await);
}
