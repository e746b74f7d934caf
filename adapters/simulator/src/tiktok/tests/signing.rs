//! Every signing vector of docs/src/channels/tiktok.md §3.4 (published V1–V4, computed C1–C4), the §3.5 empty-body case, a
//! Vietnamese (non-ASCII) body, and webhook vector W1 (§9.3) — each computed by the simulator's `sign` module and
//! by the test-only signer — plus the signature rules enforced live (raw bytes, lower case, multipart unsigned).

use serde_json::json;

use super::super::error::{INVALID_SIGN, Rejection};
use super::super::sign::{sign, string_to_sign, webhook_authorization};
use super::super::{SeedProduct, SimConfig};
use super::{Client, Req, SHOP, assert_error, png, start, test_sign, test_webhook_sign};

const SECRET: &str = "e59af819cc";

fn common() -> Vec<(&'static str, &'static str)> {
    vec![
        ("app_key", "68xu9ks5p4i8"),
        ("shop_cipher", "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"),
        ("timestamp", "1696909648"),
    ]
}

fn owned(q: &[(&str, &str)]) -> Vec<(String, String)> {
    q.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
}

/// Checks one vector with both signers. `body = None` means "no body" (GET).
fn check(secret: &str, path: &str, query: &[(&str, &str)], body: Option<&str>, expected: &str) {
    let sim = sign(secret, path, &owned(query), body.map(str::as_bytes));
    assert_eq!(sim, expected, "simulator signer, {path}");
    let test = test_sign(secret, path, query, body.unwrap_or("").as_bytes());
    assert_eq!(test, expected, "test signer, {path}");
}

#[test]
fn published_vectors() {
    // V1: DOC-SIGN worked example.
    check(
        SECRET,
        "/authorization/202309/shops",
        &[("app_key", "29a39d"), ("timestamp", "1623812664")],
        None,
        "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8",
    );
    // V2, V3: SKIT request-signing tests.
    check(
        SECRET,
        "/event/202309/webhooks",
        &common(),
        None,
        "ed58e1b5e59865c22a7b828c1cab65007441f43cc91a6cb2f2cdc638e0995a37",
    );
    check(
        SECRET,
        "/event/202309/webhooks",
        &common(),
        Some(r#"{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}"#),
        "701dd6deb2389fe4c469b89bd37fc56f96a6da6afeb4d01c9077a65169752fa7",
    );
    // V4: ECOMPHP ClientTest.
    check(
        "app_secret",
        "/test-api",
        &[("foo", "bar")],
        None,
        "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f",
    );
}

#[test]
fn computed_vectors() {
    // C1: the doc's body-bearing intermediate string, opposite key order to V3.
    check(
        SECRET,
        "/event/202309/webhooks",
        &common(),
        Some(r#"{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}"#),
        "cd0d6268252f4ba293bf7ea4c0a2873bf9beec600d22530638564ab301435f7a",
    );
    let c2_path = "/product/202309/products/1729592969712207008/inventory/update";
    let c2_body = r#"{"skus":[{"id":"1729592969712207013","inventory":[{"warehouse_id":"7068517275539719942","quantity":999}]}]}"#;
    let c2 = "ed8a27fe3f5a119a55411b7aecd7faa116c897e4525cfa6e9063e11b219524f5";
    check(SECRET, c2_path, &common(), Some(c2_body), c2);
    // Same with a query access_token: it is excluded.
    let mut with_token = common();
    with_token.push(("access_token", "ROW_whatever"));
    check(SECRET, c2_path, &with_token, Some(c2_body), c2);
    check(
        SECRET,
        "/product/202309/products/1734952395144267383/prices/update",
        &common(),
        Some(
            r#"{"skus":[{"id":"1734952449674217079","price":{"amount":"72000","currency":"VND"}}]}"#,
        ),
        "f36b958699c7060e9ecc1b8e9e157d3aafb881cd8122bce33b164afd657af6f8",
    );
    let mut c4 = common();
    c4.extend([
        ("page_size", "100"),
        ("sort_field", "update_time"),
        ("sort_order", "ASC"),
    ]);
    check(
        SECRET,
        "/order/202309/orders/search",
        &c4,
        Some(r#"{"update_time_ge":1696900000,"update_time_lt":1696909648}"#),
        "db5d774d61c674fcf968bb9f9053812d9de42b2396f2fd0475d82b8d6b7207ff",
    );
}

#[test]
fn exact_pre_hmac_strings() {
    let v1 = string_to_sign(
        SECRET,
        "/authorization/202309/shops",
        &owned(&[("app_key", "29a39d"), ("timestamp", "1623812664")]),
        None,
    );
    assert_eq!(
        String::from_utf8(v1).unwrap(),
        "e59af819cc/authorization/202309/shopsapp_key29a39dtimestamp1623812664e59af819cc"
    );
    let v3 = string_to_sign(
        SECRET,
        "/event/202309/webhooks",
        &owned(&common()),
        Some(br#"{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}"#),
    );
    assert_eq!(
        String::from_utf8(v3).unwrap(),
        r#"e59af819cc/event/202309/webhooksapp_key68xu9ks5p4i8shop_cipherROW_xkMbgAAAeVAQra0eZWebFQq5aIKtimestamp1696909648{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}e59af819cc"#
    );
}

#[test]
fn vietnamese_body_and_empty_body() {
    // Computed from the documented algorithm (Python hmac); regression values only.
    let body = r#"{"title":"Cà phê Arabica Cầu Đất","description":"<p>Mật ong rừng U Minh – nguyên chất</p>"}"#;
    check(
        SECRET,
        "/product/202309/products",
        &common(),
        Some(body),
        "952fc9b231eaafb128f9d0a46b990e332c22c6d45d31fdef9d0e18f0f2d65726",
    );
    // §3.5: an empty body appends nothing, exactly like no body.
    let mut q = common();
    q.push(("page_size", "10"));
    let expected = "cce805e80421ead0042447aeae11c66e1a2b03465fbc980368f058e055a9e7af";
    check(
        SECRET,
        "/product/202309/products/search",
        &q,
        Some(""),
        expected,
    );
    check(
        SECRET,
        "/product/202309/products/search",
        &q,
        None,
        expected,
    );
    // `{}` is not the same as no body: the bytes are signed as received.
    assert_ne!(
        sign(
            SECRET,
            "/product/202309/products/search",
            &owned(&q),
            Some(b"{}")
        ),
        expected
    );
}

#[test]
fn webhook_vector_w1() {
    let body = std::fs::read(format!(
        "{}/fixtures/tiktok/webhook_w1_vector_body.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let expected = "21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27";
    assert_eq!(
        webhook_authorization("fake_app_key", "fake_app_secret", &body),
        expected
    );
    assert_eq!(
        test_webhook_sign("fake_app_key", "fake_app_secret", &body),
        expected
    );
}

#[tokio::test]
async fn live_signature_rules() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    sim.seed_product(SHOP, SeedProduct::default()).unwrap();
    let search = "/product/202309/products/search";

    // A Vietnamese body, signed over exactly the bytes sent, is accepted.
    let body = json!({"status": "ACTIVATE", "seller_skus": ["Cà-phê-Đà-Lạt"]});
    c.ok(Req::post(search, &body).q("page_size", "10")).await;
    // The same JSON signed in another serialisation (pretty-printed) is not: trap 2.
    let pretty = serde_json::to_vec_pretty(&body).unwrap();
    let mut r = Req::post(search, &body).q("page_size", "10");
    r.signed_body = Some(pretty);
    let (status, v) = c.send(r).await;
    assert_eq!(status, 401);
    assert_error(&v, "error_invalid_sign.json", INVALID_SIGN, "sign");

    // Upper-case hex is wrong (trap 1).
    let good = c.url(&Req::get("/authorization/202309/shops").no_cipher());
    let sign_value = good.rsplit("sign=").next().unwrap().to_owned();
    let mut r = Req::get("/authorization/202309/shops").no_cipher();
    r.sign = Some(sign_value.to_uppercase());
    let (_, v) = c.send(r).await;
    assert_eq!(v["code"], INVALID_SIGN);
    // …while the lower-case original works.
    let mut r = Req::get("/authorization/202309/shops").no_cipher();
    r.sign = Some(sign_value);
    c.ok(r).await;

    // `version` is optional but signed when sent; a query `access_token` is not signed (§3.2); an empty-valued
    // parameter is signed as received (trap 11).
    c.ok(Req::get("/authorization/202309/shops")
        .no_cipher()
        .q("version", "202309")
        .q("access_token", "ignored")
        .q("shop_id", ""))
        .await;

    // Empty body on a POST: sign over nothing.
    let mut r = Req::new(reqwest::Method::POST, search).q("page_size", "5");
    r.content_type = Some("application/json".into());
    c.ok(r).await;

    // Multipart: the body is not signed (§3.1 step 5) — signing it is a mistake the simulator catches.
    let form = || {
        reqwest::multipart::Form::new()
            .part(
                "data",
                reqwest::multipart::Part::bytes(png(600, 600))
                    .file_name("a.png")
                    .mime_str("image/png")
                    .unwrap(),
            )
            .text("use_case", "MAIN_IMAGE")
    };
    let mut r = Req::new(reqwest::Method::POST, "/product/202309/images/upload").no_cipher();
    r.multipart = Some(form());
    c.ok(r).await;
    let mut r = Req::new(reqwest::Method::POST, "/product/202309/images/upload").no_cipher();
    r.multipart = Some(form());
    r.signed_body = Some(b"--boundary".to_vec());
    let (_, v) = c.send(r).await;
    assert_eq!(v["code"], INVALID_SIGN);

    let log = sim.request_log();
    assert_eq!(log.rejections(Rejection::BadSign), 3);
}
