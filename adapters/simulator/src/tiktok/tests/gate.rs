//! Every gateway rejection (§3, §4.1, traps 3, 4, 6, 11, 14): code, HTTP status, message fragment, and the
//! request log's reason. Rejected calls are not applied.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use serde_json::json;

use super::super::error::{
    EXPIRED_TOKEN, INVALID_METHOD, INVALID_PARAM, INVALID_PATH, INVALID_VERSION,
    MISSING_SHOP_CIPHER, Rejection, WRONG_CONTENT_TYPE_JSON,
};
use super::super::{ErrorStatusMode, SimConfig, TokenAction};
use super::{Client, Req, SHOP, assert_error, now, start};

const SHOPS: &str = "/authorization/202309/shops";
const SEARCH: &str = "/product/202309/products/search";

fn url_without(c: &Client, r: &Req, param: &str) -> String {
    let url = c.url(r);
    let (base, q) = url.split_once('?').unwrap();
    let kept: Vec<&str> = q
        .split('&')
        .filter(|kv| !kv.starts_with(&format!("{param}=")))
        .collect();
    format!("{base}?{}", kept.join("&"))
}

#[tokio::test]
async fn common_parameter_rejections() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let get = |url: String| {
        let c = c.clone();
        async move {
            let resp = c
                .http
                .get(url)
                .header("x-tts-access-token", &c.token)
                .send()
                .await
                .unwrap();
            (
                resp.status().as_u16(),
                resp.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let shops = || Req::get(SHOPS).no_cipher();

    for (param, fragment) in [
        ("app_key", "`app_key`"),
        ("timestamp", "`timestamp`"),
        ("sign", "`sign`"),
    ] {
        let (status, v) = get(url_without(&c, &shops(), param)).await;
        assert_eq!(status, 400, "{param}");
        assert_error(
            &v,
            "error_unexpected_shop_cipher.json",
            INVALID_PARAM,
            fragment,
        );
    }

    let mut wrong_key = c.clone();
    wrong_key.app_key = "nope".into();
    let (_, v) = wrong_key.send(shops()).await;
    assert_error(
        &v,
        "error_unexpected_shop_cipher.json",
        INVALID_PARAM,
        "app_key",
    );

    // Window −5 min / +30 s (§3.3); milliseconds are "in the future" (trap 6); negative is rejected.
    for (ts, ok) in [
        (now() - 290, true),
        (now() + 25, true),
        (now() - 310, false),
        (now() + 40, false),
        (now() * 1000, false),
        (-1, false),
    ] {
        let mut r = shops();
        r.timestamp = Some(ts);
        let (_, v) = c.send(r).await;
        if ok {
            assert_eq!(v["code"], 0, "{ts}: {v}");
        } else {
            assert_error(
                &v,
                "error_unexpected_shop_cipher.json",
                INVALID_PARAM,
                "timestamp",
            );
        }
    }
    let log = sim.request_log();
    assert_eq!(log.rejections(Rejection::MissingParam), 3);
    assert_eq!(log.rejections(Rejection::BadAppKey), 1);
    assert_eq!(log.rejections(Rejection::StaleTimestamp), 1);
    assert_eq!(log.rejections(Rejection::FutureTimestamp), 2);
    assert_eq!(log.rejections(Rejection::BadTimestamp), 1);
}

#[tokio::test]
async fn token_header_rules() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let shops = || Req::get(SHOPS).no_cipher();

    // The token belongs in the header; in the query only, it is as good as missing (trap 3).
    let mut r = shops().q("access_token", &c.token);
    r.token = Some(String::new());
    let (_, v) = c.send(r).await;
    assert_error(
        &v,
        "error_unexpected_shop_cipher.json",
        INVALID_PARAM,
        "x-tts-access-token",
    );

    let mut r = shops();
    r.token = Some("ROW_unknown".into());
    let (status, v) = c.send(r).await;
    assert_eq!(status, 401);
    assert_error(
        &v,
        "error_unexpected_shop_cipher.json",
        INVALID_PARAM,
        "x-tts-access-token",
    );

    sim.token_action(SHOP, TokenAction::ExpireAccessToken)
        .unwrap();
    let (status, v) = c.send(shops()).await;
    assert_eq!(status, 401);
    assert_error(&v, "error_expired_token.json", EXPIRED_TOKEN, "expired");

    let log = sim.request_log();
    assert_eq!(log.rejections(Rejection::MissingParam), 1);
    assert_eq!(log.rejections(Rejection::InvalidToken), 1);
    assert_eq!(log.rejections(Rejection::ExpiredToken), 1);
}

#[tokio::test]
async fn shop_cipher_rules() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);

    // Required on shop endpoints (106013)…
    let (_, v) = c
        .send(
            Req::post(SEARCH, &json!({}))
                .q("page_size", "10")
                .no_cipher(),
        )
        .await;
    assert_error(
        &v,
        "error_missing_shop_cipher.json",
        MISSING_SHOP_CIPHER,
        "shop_cipher",
    );
    // …and an empty value is just as missing.
    let (_, v) = c
        .send(
            Req::post(SEARCH, &json!({}))
                .q("page_size", "10")
                .no_cipher()
                .q("shop_cipher", ""),
        )
        .await;
    assert_eq!(v["code"], MISSING_SHOP_CIPHER);
    // Rejected where not allowed (36009004, documented message): authorization and image upload (trap 4).
    let (_, v) = c.send(Req::get(SHOPS)).await;
    assert_error(
        &v,
        "error_unexpected_shop_cipher.json",
        INVALID_PARAM,
        "Unexpected identifier",
    );
    let mut upload = Req::new(reqwest::Method::POST, "/product/202309/images/upload");
    upload.content_type = Some("multipart/form-data; boundary=x".into());
    upload.body = Some(b"--x--\r\n".to_vec());
    upload.signed_body = Some(Vec::new());
    let (_, v) = c.send(upload).await;
    assert_error(
        &v,
        "error_unexpected_shop_cipher.json",
        INVALID_PARAM,
        "Unexpected identifier",
    );
    // A cipher that is not this token's shop.
    let mut other = c.clone();
    other.cipher = "ROW_someone_else".into();
    let (_, v) = other
        .send(Req::post(SEARCH, &json!({})).q("page_size", "10"))
        .await;
    assert_error(
        &v,
        "error_unexpected_shop_cipher.json",
        INVALID_PARAM,
        "shop_cipher",
    );

    let log = sim.request_log();
    assert_eq!(log.rejections(Rejection::MissingShopCipher), 2);
    assert_eq!(log.rejections(Rejection::UnexpectedShopCipher), 2);
    assert_eq!(log.rejections(Rejection::InvalidShopCipher), 1);
}

#[tokio::test]
async fn paths_methods_versions_and_content_type() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);

    let (status, v) = c.send(Req::get("/product/202309/nothing")).await;
    assert_eq!(status, 404);
    assert_error(&v, "error_invalid_sign.json", INVALID_PATH, "path");
    let (status, v) = c.send(Req::get("/order/202309/orders/search")).await;
    assert_eq!(status, 405);
    assert_error(&v, "error_invalid_sign.json", INVALID_METHOD, "method");
    // Versions are pinned per path (trap 9).
    let (_, v) = c.send(Req::get("/order/202507/orders").q("ids", "1")).await;
    assert_error(&v, "error_invalid_sign.json", INVALID_VERSION, "version");

    let mut r = Req::post(SEARCH, &json!({})).q("page_size", "10");
    r.content_type = Some("text/plain".into());
    let (_, v) = c.send(r).await;
    assert_error(
        &v,
        "error_invalid_sign.json",
        WRONG_CONTENT_TYPE_JSON,
        "content type",
    );

    // A malformed page_size or body is 36009004.
    let (_, v) = c
        .send(Req::post(SEARCH, &json!({})).q("page_size", "101"))
        .await;
    assert_error(&v, "error_invalid_sign.json", INVALID_PARAM, "page_size");
    let (_, v) = c
        .send(Req::post(SEARCH, &json!({"seller_skus": "not-a-list"})).q("page_size", "1"))
        .await;
    assert_error(&v, "error_invalid_sign.json", INVALID_PARAM, "body");

    let log = sim.request_log();
    assert_eq!(log.rejections(Rejection::UnknownPath), 1);
    assert_eq!(log.rejections(Rejection::WrongMethod), 1);
    assert_eq!(log.rejections(Rejection::WrongVersion), 1);
    assert_eq!(log.rejections(Rejection::WrongContentType), 1);
    assert_eq!(log.rejections(Rejection::BadParam), 2);
}

#[tokio::test]
async fn missing_scope_and_version_parameter() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let wh = "/logistics/202309/warehouses";
    c.ok(Req::get(wh).q("version", "202309")).await;
    let (_, v) = c.send(Req::get(wh).q("version", "v2")).await;
    assert_error(&v, "error_invalid_sign.json", INVALID_PARAM, "version");
    sim.set_scope_denied(SHOP, wh, true).unwrap();
    let (status, v) = c.send(Req::get(wh)).await;
    assert_eq!(status, 403);
    assert_error(
        &v,
        "error_invalid_sign.json",
        super::super::error::ACCESS_DENIED,
        "auth pkg",
    );
    assert_eq!(sim.request_log().rejections(Rejection::MissingScope), 1);
    sim.set_scope_denied(SHOP, wh, false).unwrap();
    c.ok(Req::get(wh)).await;
}

#[tokio::test]
async fn always_ok_mode_keeps_http_200() {
    let cfg = SimConfig {
        error_http_status: ErrorStatusMode::AlwaysOk,
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let mut r = Req::get(SHOPS).no_cipher();
    r.sign = Some("0".repeat(64));
    let (status, v) = c.send(r).await;
    assert_eq!((status, v["code"].as_i64()), (200, Some(106001)));
}
