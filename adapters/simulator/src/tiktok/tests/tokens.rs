//! Tokens (§2): auth-code exchange, refresh rotation, absolute `*_expire_in` (trap 7), lifetimes down to seconds,
//! strict single-use codes and refresh tokens, grant types, app credentials, and seller deauthorisation.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use std::time::Duration;

use super::super::error::{EXPIRED_TOKEN, INVALID_AUTH_CODE, INVALID_PARAM, Rejection};
use super::super::{SimConfig, TokenAction, WebhookOptions};
use super::{Client, Req, SHOP, assert_error, assert_shape, now, start};

const SHOPS: &str = "/authorization/202309/shops";

fn creds(cfg: &SimConfig) -> (String, String) {
    (cfg.app_key.clone(), cfg.app_secret.clone())
}

async fn refresh(c: &Client, key: &str, secret: &str, rt: &str, grant: &str) -> serde_json::Value {
    let (status, v) = c
        .auth_get(
            "/api/v2/token/refresh",
            &[
                ("app_key", key),
                ("app_secret", secret),
                ("refresh_token", rt),
                ("grant_type", grant),
            ],
        )
        .await;
    assert_eq!(status, 200, "token errors are HTTP 200: {v}");
    v
}

#[tokio::test]
async fn auth_code_exchange_is_single_use_and_expiries_are_absolute() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let mut c = Client::new(&sim, &cfg);
    let (key, secret) = creds(&cfg);
    let code = sim.issue_auth_code(SHOP).unwrap();
    let q = [
        ("app_key", key.as_str()),
        ("app_secret", secret.as_str()),
        ("auth_code", code.as_str()),
        ("grant_type", "authorized_code"),
    ];
    let (_, v) = c.auth_get("/api/v2/token/get", &q).await;
    assert_shape("token_get.json", &v);
    assert_eq!(v["message"], "success");
    let d = &v["data"];
    let access_exp = d["access_token_expire_in"].as_i64().unwrap();
    let refresh_exp = d["refresh_token_expire_in"].as_i64().unwrap();
    assert!(
        (access_exp - (now() + 7 * 86_400)).abs() <= 2,
        "absolute epoch"
    );
    assert!((refresh_exp - (now() + 365 * 86_400)).abs() <= 2);
    assert_eq!(d["seller_base_region"], "VN");
    assert_eq!(d["user_type"], 0);

    // The new token works; the code is spent.
    c.token = d["access_token"].as_str().unwrap().to_owned();
    c.ok(Req::get(SHOPS).no_cipher()).await;
    let (_, v) = c.auth_get("/api/v2/token/get", &q).await;
    assert_error(
        &v,
        "error_invalid_auth_code.json",
        INVALID_AUTH_CODE,
        "auth code",
    );

    // grant_type must be the literal `authorized_code`.
    let code = sim.issue_auth_code(SHOP).unwrap();
    let (_, v) = c
        .auth_get(
            "/api/v2/token/get",
            &[
                ("app_key", key.as_str()),
                ("app_secret", secret.as_str()),
                ("auth_code", code.as_str()),
                ("grant_type", "authorization_code"),
            ],
        )
        .await;
    assert_eq!(v["code"], INVALID_PARAM);
    // A wrong secret is refused.
    let (_, v) = c
        .auth_get(
            "/api/v2/token/get",
            &[
                ("app_key", key.as_str()),
                ("app_secret", "wrong"),
                ("auth_code", code.as_str()),
                ("grant_type", "authorized_code"),
            ],
        )
        .await;
    assert_eq!(v["code"], INVALID_PARAM);
    assert_eq!(sim.request_log().rejections(Rejection::BadAppKey), 1);
}

#[tokio::test]
async fn refresh_rotates_both_tokens_and_retires_the_old_ones() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let mut c = Client::new(&sim, &cfg);
    let (key, secret) = creds(&cfg);
    let old = sim.tokens(SHOP).unwrap();

    let v = refresh(&c, &key, &secret, &old.refresh_token, "refresh_token").await;
    assert_shape("token_refresh.json", &v);
    let new_access = v["data"]["access_token"].as_str().unwrap().to_owned();
    let new_refresh = v["data"]["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_access, old.access_token);
    assert_ne!(new_refresh, old.refresh_token);
    assert_eq!(sim.tokens(SHOP).unwrap().access_token, new_access);

    // The old refresh token is spent (strict default) …
    let v = refresh(&c, &key, &secret, &old.refresh_token, "refresh_token").await;
    assert_error(
        &v,
        "error_invalid_auth_code.json",
        INVALID_AUTH_CODE,
        "refresh",
    );
    // … and the old access token answers "expired" (grace 0), the new one works.
    let (_, v) = c.send(Req::get(SHOPS).no_cipher()).await;
    assert_eq!(v["code"], EXPIRED_TOKEN);
    c.token = new_access;
    c.ok(Req::get(SHOPS).no_cipher()).await;

    // The Node SDK's grant_type on refresh is refused unless configured.
    let v = refresh(&c, &key, &secret, &new_refresh, "authorized_code").await;
    assert_eq!(v["code"], INVALID_PARAM);
}

#[tokio::test]
async fn lenient_refresh_options_when_configured() {
    let cfg = SimConfig {
        old_refresh_token_stays_valid: true,
        old_access_token_grace_secs: 60,
        refresh_accepts_authorized_code_grant: true,
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let (key, secret) = creds(&cfg);
    let old = sim.tokens(SHOP).unwrap();
    let v = refresh(&c, &key, &secret, &old.refresh_token, "authorized_code").await;
    assert_eq!(v["code"], 0, "{v}");
    let v = refresh(&c, &key, &secret, &old.refresh_token, "refresh_token").await;
    assert_eq!(v["code"], 0, "{v}");
    // The first access token still works within the grace period.
    c.ok(Req::get(SHOPS).no_cipher()).await;
}

#[tokio::test]
async fn lifetimes_in_seconds() {
    let cfg = SimConfig {
        access_token_ttl_secs: 1,
        refresh_token_ttl_secs: 3,
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let mut c = Client::new(&sim, &cfg);
    let (key, secret) = creds(&cfg);
    c.ok(Req::get(SHOPS).no_cipher()).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, v) = c.send(Req::get(SHOPS).no_cipher()).await;
    assert_error(&v, "error_expired_token.json", EXPIRED_TOKEN, "expired");
    let rt = sim.tokens(SHOP).unwrap().refresh_token;
    let v = refresh(&c, &key, &secret, &rt, "refresh_token").await;
    c.token = v["data"]["access_token"].as_str().unwrap().to_owned();
    c.ok(Req::get(SHOPS).no_cipher()).await;

    // Expired refresh token.
    sim.token_action(SHOP, TokenAction::ExpireRefreshToken)
        .unwrap();
    let rt = sim.tokens(SHOP).unwrap().refresh_token;
    let v = refresh(&c, &key, &secret, &rt, "refresh_token").await;
    assert_error(
        &v,
        "error_invalid_auth_code.json",
        INVALID_AUTH_CODE,
        "Expired refresh token",
    );
}

#[tokio::test]
async fn deauthorised_seller_loses_access_until_a_new_authorisation() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let mut c = Client::new(&sim, &cfg);
    let (key, secret) = creds(&cfg);
    let rt = sim.tokens(SHOP).unwrap().refresh_token;
    sim.deauthorize_seller(SHOP, WebhookOptions::default())
        .unwrap();
    let (_, v) = c.send(Req::get(SHOPS).no_cipher()).await;
    assert_eq!(v["code"], INVALID_PARAM);
    let v = refresh(&c, &key, &secret, &rt, "refresh_token").await;
    assert_eq!(v["code"], INVALID_AUTH_CODE);
    assert!(!sim.state().shop(SHOP).unwrap().authorized);

    let code = sim.issue_auth_code(SHOP).unwrap();
    let (_, v) = c
        .auth_get(
            "/api/v2/token/get",
            &[
                ("app_key", key.as_str()),
                ("app_secret", secret.as_str()),
                ("auth_code", code.as_str()),
                ("grant_type", "authorized_code"),
            ],
        )
        .await;
    c.token = v["data"]["access_token"].as_str().unwrap().to_owned();
    c.ok(Req::get(SHOPS).no_cipher()).await;
    assert!(sim.state().shop(SHOP).unwrap().authorized);
}

#[tokio::test]
async fn authorized_shops_and_warehouses() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let (_, v) = c.send(Req::get(SHOPS).no_cipher()).await;
    assert_shape("authorized_shops.json", &v);
    assert_eq!(v["data"]["shops"][0]["cipher"], super::CIPHER);
    let (_, v) = c.send(Req::get("/logistics/202309/warehouses")).await;
    assert_shape("warehouses.json", &v);
    assert_eq!(v["data"]["warehouses"][0]["id"], super::WAREHOUSE);
}
