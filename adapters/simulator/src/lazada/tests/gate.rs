//! The common checks: each rejection with Lazada's code, the envelope, and the request log's reasons.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use reqwest::Method;
use serde_json::json;

use super::super::{ErrorStatusMode, Rejection, SimConfig};
use super::{
    Client, SELLER, assert_error, assert_ok, assert_shape, config, form, kv, now_ms, start,
    test_sign, with_query,
};

const PATH: &str = "/products/get";

/// Signs `params` (already without `sign`) for PATH and sends them as a GET.
async fn get_signed(c: &Client, mut params: Vec<(String, String)>) -> serde_json::Value {
    let s = test_sign(&c.secret, PATH, &params);
    params.push(("sign".into(), s));
    c.get_params(PATH, &params).await.1
}

fn base(c: &Client) -> Vec<(String, String)> {
    kv(&[
        ("app_key", &c.app_key),
        ("timestamp", &now_ms().to_string()),
        ("sign_method", "sha256"),
        ("access_token", &c.token),
        ("filter", "all"),
    ])
}

fn without(mut p: Vec<(String, String)>, key: &str) -> Vec<(String, String)> {
    p.retain(|(k, _)| k != key);
    p
}

fn with(mut p: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    p.retain(|(k, _)| k != key);
    p.push((key.into(), value.into()));
    p
}

#[tokio::test]
async fn a_correct_call_succeeds_with_string_code_zero() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let (status, v) = c.get(PATH, &[("filter", "all")]).await;
    assert_eq!(status, 200);
    assert_ok(&v);
    assert_eq!(v["data"]["total_products"], 2);
    // ISO UTC timestamps are accepted too (§3.2).
    let v = get_signed(&c, with(base(&c), "timestamp", "2099-01-01T00:00:00Z")).await;
    assert_error(&v, "InvalidTimestamp");
    let iso = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert_ok(&get_signed(&c, with(base(&c), "timestamp", &iso)).await);
    // GET-only APIs refuse POST: the documented method is part of the route.
    let (_, v) = c.post(PATH, &[("filter", "all")]).await;
    assert_error(&v, "InvalidApiPath");
}

#[tokio::test]
async fn missing_system_parameters() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    for key in ["app_key", "timestamp", "sign_method", "access_token"] {
        let v = get_signed(&c, without(base(&c), key)).await;
        assert_error(&v, "MissingParameter");
        assert!(v["message"].as_str().unwrap_or("").contains(key), "{v}");
    }
    let v = c.get_params(PATH, &base(&c)).await.1; // no sign at all
    assert_error(&v, "MissingParameter");
    // `filter` is a mandatory business parameter of GetProducts.
    let v = get_signed(&c, without(base(&c), "filter")).await;
    assert_error(&v, "MissingParameter");
    assert_eq!(sim.request_log().rejections(Rejection::MissingParam), 6);
}

#[tokio::test]
async fn signature_rejections() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    // Lower-case hex is wrong (UPPER required).
    let mut p = base(&c);
    let s = test_sign(&c.secret, PATH, &p).to_lowercase();
    p.push(("sign".into(), s));
    let v = c.get_params(PATH, &p).await.1;
    assert_error(&v, "IncompleteSignature");
    assert_shape("error_incomplete_signature.json", &v);
    // Signed over the URL path with `/rest` (the path must exclude it).
    let mut p = base(&c);
    let s = test_sign(&c.secret, "/rest/products/get", &p);
    p.push(("sign".into(), s));
    assert_error(&c.get_params(PATH, &p).await.1, "IncompleteSignature");
    // A parameter changed after signing (e.g. a payload re-serialised) breaks the sign.
    let mut p = base(&c);
    let s = test_sign(&c.secret, PATH, &p);
    p.push(("sign".into(), s));
    let p = with(p, "filter", "live");
    assert_error(&c.get_params(PATH, &p).await.1, "IncompleteSignature");
    // Wrong secret; unsupported sign_method.
    let mut p = base(&c);
    let s = test_sign("not-the-secret", PATH, &p);
    p.push(("sign".into(), s));
    assert_error(&c.get_params(PATH, &p).await.1, "IncompleteSignature");
    assert_error(
        &get_signed(&c, with(base(&c), "sign_method", "md5")).await,
        "IncompleteSignature",
    );
    assert_eq!(sim.request_log().rejections(Rejection::BadSign), 5);
}

#[tokio::test]
async fn timestamp_app_key_and_token_rejections() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    // Seconds instead of milliseconds.
    let secs = (now_ms() / 1000).to_string();
    assert_error(
        &get_signed(&c, with(base(&c), "timestamp", &secs)).await,
        "InvalidTimestamp",
    );
    // Outside ±7200 s, either way; inside is fine.
    for delta in [-7_300_000i64, 7_300_000] {
        let ts = (now_ms() + delta).to_string();
        assert_error(
            &get_signed(&c, with(base(&c), "timestamp", &ts)).await,
            "InvalidTimestamp",
        );
    }
    let ts = (now_ms() - 7_000_000).to_string();
    assert_ok(&get_signed(&c, with(base(&c), "timestamp", &ts)).await);
    assert_error(
        &get_signed(&c, with(base(&c), "timestamp", "yesterday")).await,
        "InvalidTimestamp",
    );
    assert_error(
        &get_signed(&c, with(base(&c), "app_key", "999999")).await,
        "InvalidAppKey",
    );
    let v = get_signed(&c, with(base(&c), "access_token", "50000nope")).await;
    assert_error(&v, "IllegalAccessToken");
    assert_shape("error_illegal_access_token.json", &v);
    let log = sim.request_log();
    assert_eq!(log.rejections(Rejection::BadTimestamp), 4);
    assert_eq!(log.rejections(Rejection::BadAppKey), 1);
    assert_eq!(log.rejections(Rejection::InvalidToken), 1);
}

#[tokio::test]
async fn malformed_parameters_paths_and_methods() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    // Empty parameter (never send empty parameters, §3.1).
    assert_error(
        &get_signed(&c, with(base(&c), "update_after", "")).await,
        "InvalidParameter",
    );
    // The same parameter twice.
    let mut p = base(&c);
    p.push(("filter".into(), "live".into()));
    assert_error(&get_signed(&c, p).await, "InvalidParameter");
    // Unknown path, path without /rest, wrong method.
    let p = c.signed("/products/list", Some(&c.token), &[]);
    assert_error(
        &c.get_params("/products/list", &p).await.1,
        "InvalidApiPath",
    );
    let url = format!("{}/products/get", c.control);
    let (_, v) = c
        .send(c.http.get(with_query(
            &url,
            &c.signed(PATH, Some(&c.token), &[("filter", "all")]),
        )))
        .await;
    assert_error(&v, "InvalidApiPath");
    let p = c.signed(
        "/product/price_quantity/update",
        Some(&c.token),
        &[("payload", "<Request/>")],
    );
    assert_error(
        &c.get_params("/product/price_quantity/update", &p).await.1,
        "InvalidApiPath",
    );
    // A JSON body is not a Lazada transport.
    let p = c.signed(PATH, Some(&c.token), &[("filter", "all")]);
    let (_, v) = c
        .send(
            c.http
                .get(with_query(&format!("{}{PATH}", c.base), &p))
                .json(&json!({"filter": "all"})),
        )
        .await;
    assert_error(&v, "5");
    let log = sim.request_log();
    assert_eq!(log.rejections(Rejection::EmptyParam), 1);
    assert_eq!(log.rejections(Rejection::DuplicateParam), 1);
    assert_eq!(log.rejections(Rejection::UnknownPath), 3);
}

#[tokio::test]
async fn parameters_may_come_from_query_form_or_multipart() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let path = "/product/stock/sellable/update";
    let payload = "<Request><Product><Skus><Sku><SellerSku>ST25-5KG</SellerSku><SellableQuantity>7</SellableQuantity></Sku></Skus></Product></Request>";
    // Split between query (system parameters) and urlencoded body (payload): one signature over all.
    let p = c.signed(path, Some(&c.token), &[("payload", payload)]);
    let (query, body): (Vec<_>, Vec<_>) = p.into_iter().partition(|(k, _)| k != "payload");
    let (_, v) = c
        .send(form(
            c.http
                .post(with_query(&format!("{}{path}", c.base), &query)),
            &body,
        ))
        .await;
    assert_ok(&v);
    assert_eq!(sim.state().sellable_of(SELLER, "ST25-5KG"), Some(7));
    // Multipart: text fields are parameters, file fields are not signed.
    let payload = payload.replace(">7<", ">8<");
    let p = c.signed(path, Some(&c.token), &[("payload", &payload)]);
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in p {
        form = form.text(k, v);
    }
    form = form.part(
        "image",
        reqwest::multipart::Part::bytes(vec![1, 2, 3]).file_name("a.jpg"),
    );
    let (_, v) = c
        .send(c.http.post(format!("{}{path}", c.base)).multipart(form))
        .await;
    assert_ok(&v);
    assert_eq!(sim.state().sellable_of(SELLER, "ST25-5KG"), Some(8));
}

#[tokio::test]
async fn http_status_is_200_unless_mapped() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let (status, v) = get_signed_status(&c, with(base(&c), "access_token", "x")).await;
    assert_eq!(status, 200);
    assert_error(&v, "IllegalAccessToken");
    let cfg = SimConfig {
        error_http_status: ErrorStatusMode::Mapped,
        ..config()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let (status, _) = get_signed_status(&c, with(base(&c), "access_token", "x")).await;
    assert_eq!(status, 403);
    let (status, _) = get_signed_status(&c, without(base(&c), "filter")).await;
    assert_eq!(status, 400);
    let (status, v) = c.ctl(Method::GET, "/state", &json!({})).await;
    assert_eq!(status, 200, "{v}");
}

async fn get_signed_status(
    c: &Client,
    mut params: Vec<(String, String)>,
) -> (u16, serde_json::Value) {
    let s = test_sign(&c.secret, PATH, &params);
    params.push(("sign".into(), s));
    c.get_params(PATH, &params).await
}
