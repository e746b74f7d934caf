//! Common request checks: missing parameters, partner, timestamp, sign, shop and access token, each with the
//! documented error strings and the `{request_id, error, message}` shape; every rejection is in the request log.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

mod common;

use common::{Client, SHOP, assert_error, now, start};
use kho_simulator::shopee::{ErrorStatusMode, Rejection, SimConfig};

const PATH: &str = "/api/v2/product/get_item_list";
const LIST: &str = "&offset=0&page_size=10&item_status=NORMAL";

#[tokio::test]
async fn valid_call_passes() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let token = sim.tokens(SHOP).unwrap().access_token;
    let (status, v) = c.shop_get(PATH, &token, LIST).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["error"], "");
}

#[tokio::test]
async fn rejects_with_documented_errors() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let token = sim.tokens(SHOP).unwrap().access_token;
    let ts = now();
    let good = c.shop_query(PATH, SHOP, &token, ts);
    let without = |key: &str| {
        good.split('&')
            .filter(|kv| !kv.starts_with(&format!("{key}=")))
            .collect::<Vec<_>>()
            .join("&")
    };

    let cases: Vec<(String, &str, &str)> = vec![
        (
            without("partner_id"),
            "error_param",
            "There is no partner_id in query.",
        ),
        (without("timestamp"), "error_param", "no timestamp"),
        (without("sign"), "error_param", "There is no sign in query."),
        (
            without("access_token"),
            "error_param",
            "There is no access_token in query.",
        ),
        (
            without("shop_id"),
            "error_param",
            "There is no shop_id in query.",
        ),
        (
            good.replace(&format!("timestamp={ts}"), "timestamp=12.5"),
            "error_param",
            "Timestamp is invalid, should be an integer between 0 and 4294967295.",
        ),
        (
            c.shop_query(PATH, SHOP, &token, ts - 301),
            "error_param",
            "Timestamp is expired.",
        ),
        (
            c.shop_query(PATH, SHOP, &token, ts + 400),
            "error_param",
            "Timestamp is expired.",
        ),
        (
            good.replace("partner_id=2001887", "partner_id=2001888"),
            "error_auth",
            "partner_id is invalid",
        ),
        // Sign computed for another path.
        (
            c.shop_query("/api/v2/product/get_item_base_info", SHOP, &token, ts),
            "error_sign",
            "Wrong sign.",
        ),
        (
            c.shop_query(PATH, SHOP, "00000000000000000000000000000000", ts),
            "error_auth",
            "Invalid access_token.",
        ),
        (
            c.shop_query(PATH, 999, &token, ts),
            "error_auth",
            "Invalid partner_id or shopid.",
        ),
    ];
    for (query, error, message) in &cases {
        let (status, v) = c.get_raw(&format!("{PATH}?{query}{LIST}")).await;
        assert_error(&v, error, message);
        assert_ne!(
            status, 200,
            "mapped mode: gateway errors are not 200 ({query})"
        );
    }
    // Upper-case hex sign is not accepted.
    let upper = {
        let sign = good.split("sign=").nth(1).unwrap();
        good.replace(sign, &sign.to_uppercase())
    };
    let (_, v) = c.get_raw(&format!("{PATH}?{upper}{LIST}")).await;
    assert_error(&v, "error_sign", "Wrong sign.");
    // Unknown path.
    let (_, v) = c.shop_get("/api/v2/product/no_such_api", &token, "").await;
    assert_error(
        &v,
        "error_param",
        "Permission denied. This API is currently offline or the request path is incorrect.",
    );

    let log = sim.request_log();
    assert_eq!(log.rejections(Rejection::MissingParam), 5);
    assert_eq!(log.rejections(Rejection::BadTimestamp), 1);
    assert_eq!(log.rejections(Rejection::StaleTimestamp), 2);
    assert_eq!(log.rejections(Rejection::BadPartner), 1);
    assert_eq!(log.rejections(Rejection::BadSign), 2);
    assert_eq!(log.rejections(Rejection::InvalidToken), 1);
    assert_eq!(log.rejections(Rejection::InvalidShop), 1);
    assert_eq!(log.rejections(Rejection::UnknownPath), 1);
    assert_eq!(log.calls(PATH), cases.len() as u64 + 1);
}

#[tokio::test]
async fn always_ok_mode_sends_errors_with_200() {
    let cfg = SimConfig {
        error_http_status: ErrorStatusMode::AlwaysOk,
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let (status, v) = c
        .shop_get(PATH, "00000000000000000000000000000000", LIST)
        .await;
    assert_eq!(status, 200);
    assert_error(&v, "error_auth", "Invalid access_token.");
}

#[tokio::test]
async fn public_api_sign_for_upload_image() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let path = "/api/v2/media_space/upload_image";
    let png = [0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0];
    let form = || {
        reqwest::multipart::Form::new()
            .part(
                "image",
                reqwest::multipart::Part::bytes(png.to_vec())
                    .file_name("a.png")
                    .mime_str("image/png")
                    .unwrap(),
            )
            .text("scene", "normal")
    };
    // A Shop-style sign on upload_image is wrong: it is a Public API (§3.1).
    let token = sim.tokens(SHOP).unwrap().access_token;
    let shop_q = c.shop_query(path, SHOP, &token, now());
    let (_, v) = c
        .send(
            c.http
                .post(format!("{}{path}?{shop_q}", c.base))
                .multipart(form()),
        )
        .await;
    assert_error(&v, "error_sign", "Wrong sign.");
    let q = c.public_query(path, now());
    let (status, v) = c
        .send(
            c.http
                .post(format!("{}{path}?{q}", c.base))
                .multipart(form()),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    common::assert_shape("upload_image.json", &v);
    // Not an image.
    let bad = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(b"GIF89a".to_vec()).file_name("a.gif"),
    );
    let (_, v) = c
        .send(c.http.post(format!("{}{path}?{q}", c.base)).multipart(bad))
        .await;
    assert_eq!(v["error"], "error_param", "{v}");
}
