//! The WooCommerce simulator over HTTP: authentication by scheme (Basic and query credentials over https, OAuth 1.0a
//! over http with its timestamp window and nonces), list paging headers, batch limits and per-item errors, and
//! `manage_stock` semantics — each refusal in WooCommerce's `{code, message, data:{status}}`.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use kho_simulator::woocommerce::{
    API_PREFIX, SeedProduct, SeedVariation, SimConfig, SimHandle, Simulator, oauth, webhook,
};
use serde_json::{Value, json};

/// A site behind TLS, unlimited: these tests count answers, not pacing.
fn https() -> SimConfig {
    SimConfig {
        https: true,
        rate_limit_per_second: None,
        ..SimConfig::default()
    }
}

fn api(sim: &SimHandle, path: &str) -> String {
    format!("{}{API_PREFIX}{path}", sim.base_url())
}

fn basic(sim: &SimHandle, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let cfg = sim.config();
    rb.basic_auth(cfg.consumer_key, Some(cfg.consumer_secret))
}

async fn seed_catalog(sim: &SimHandle) -> i64 {
    for n in 0..25 {
        sim.seed_product(&SeedProduct {
            name: format!("Gạo {n}"),
            sku: format!("RICE-{n:02}"),
            regular_price: "120000".into(),
            manage_stock: true,
            stock_quantity: Some(5),
            variations: Vec::new(),
        })
        .expect("seed");
    }
    sim.seed_product(&SeedProduct {
        name: "Cà phê".into(),
        sku: "COFFEE".into(),
        regular_price: String::new(),
        variations: vec![
            SeedVariation {
                sku: "COFFEE-250".into(),
                regular_price: "85000".into(),
                manage_stock: false,
                stock_quantity: None,
            },
            SeedVariation {
                sku: "COFFEE-500".into(),
                regular_price: "160000".into(),
                manage_stock: true,
                stock_quantity: Some(3),
            },
        ],
        ..SeedProduct::default()
    })
    .expect("seed variable")
}

async fn error_of(r: reqwest::Response) -> (u16, String, Value) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("json error body");
    assert_eq!(
        body["data"]["status"],
        json!(status),
        "data.status repeats the HTTP status"
    );
    (status, body["code"].as_str().unwrap_or("").to_owned(), body)
}

#[tokio::test]
async fn lists_page_with_total_headers_and_link() {
    let sim = Simulator::start(https()).await.expect("start");
    seed_catalog(&sim).await;
    let http = reqwest::Client::new();
    let r = basic(&sim, http.get(api(&sim, "/products?per_page=10&page=2")))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["X-WP-Total"], "26");
    assert_eq!(r.headers()["X-WP-TotalPages"], "3");
    let link = r.headers()["Link"].to_str().expect("link").to_owned();
    assert!(
        link.contains("page=1>; rel=\"prev\"") && link.contains("page=3>; rel=\"next\""),
        "{link}"
    );
    let items: Vec<Value> = r.json().await.expect("json");
    assert_eq!(items.len(), 10);
    assert_eq!(items[0]["regular_price"], "120000", "money is a string");

    let r = basic(&sim, http.get(api(&sim, "/products?per_page=101")))
        .send()
        .await
        .expect("send");
    let (status, code, _) = error_of(r).await;
    assert_eq!((status, code.as_str()), (400, "rest_invalid_param"));
}

#[tokio::test]
async fn sku_filter_finds_variations_too() {
    let sim = Simulator::start(https()).await.expect("start");
    let parent = seed_catalog(&sim).await;
    let http = reqwest::Client::new();
    let r = basic(
        &sim,
        http.get(api(&sim, "/products?sku=COFFEE-500,RICE-03")),
    )
    .send()
    .await
    .expect("send");
    let items: Vec<Value> = r.json().await.expect("json");
    let mut found: Vec<(String, String)> = items
        .iter()
        .map(|i| {
            (
                i["sku"].as_str().unwrap_or("").into(),
                i["type"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("COFFEE-500".into(), "variation".into()),
            ("RICE-03".into(), "simple".into())
        ]
    );
    let variation = items
        .iter()
        .find(|i| i["sku"] == "COFFEE-500")
        .expect("variation");
    assert_eq!(variation["parent_id"], json!(parent));
}

#[tokio::test]
async fn anonymous_and_wrong_secret_are_refused() {
    let sim = Simulator::start(https()).await.expect("start");
    let http = reqwest::Client::new();
    let r = http.get(api(&sim, "/products")).send().await.expect("send");
    let (status, code, _) = error_of(r).await;
    assert_eq!(
        (status, code.as_str()),
        (401, "woocommerce_rest_cannot_view")
    );
    let key = sim.config().consumer_key;
    let r = http
        .post(api(&sim, "/products/batch"))
        .basic_auth(key, Some("cs_wrong"))
        .json(&json!({"update": []}))
        .send()
        .await
        .expect("send");
    let (status, code, body) = error_of(r).await;
    assert_eq!(
        (status, code.as_str()),
        (401, "woocommerce_rest_authentication_error")
    );
    assert_eq!(body["message"], "Consumer secret is invalid.");
}

#[tokio::test]
async fn stripped_authorization_needs_query_credentials() {
    let sim = Simulator::start(SimConfig {
        strips_authorization: true,
        ..https()
    })
    .await
    .expect("start");
    let http = reqwest::Client::new();
    let r = basic(&sim, http.get(api(&sim, "/products")))
        .send()
        .await
        .expect("send");
    assert_eq!(
        r.status(),
        401,
        "the Authorization header never reaches WordPress"
    );
    let cfg = sim.config();
    let url = format!(
        "{}?consumer_key={}&consumer_secret={}",
        api(&sim, "/products"),
        cfg.consumer_key,
        cfg.consumer_secret
    );
    let r = http.get(url).send().await.expect("send");
    assert_eq!(r.status(), 200);
}

/// Signs a GET as a one-legged OAuth 1.0a client would, with the given timestamp and nonce.
fn signed_query(
    sim: &SimHandle,
    path: &str,
    extra: &[(&str, &str)],
    ts: i64,
    nonce: &str,
) -> String {
    let cfg = sim.config();
    let mut params: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    params.extend([
        ("oauth_consumer_key".to_owned(), cfg.consumer_key.clone()),
        ("oauth_nonce".to_owned(), nonce.to_owned()),
        (
            "oauth_signature_method".to_owned(),
            "HMAC-SHA256".to_owned(),
        ),
        ("oauth_timestamp".to_owned(), ts.to_string()),
    ]);
    let url = api(sim, path);
    let base = oauth::base_string("GET", &url, &params);
    let sig = oauth::sign(
        oauth::Method::HmacSha256,
        &format!("{}&", cfg.consumer_secret),
        &base,
    );
    params.push(("oauth_signature".into(), sig));
    let q: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", oauth::rawurlencode(k), oauth::rawurlencode(v)))
        .collect();
    format!("{url}?{}", q.join("&"))
}

#[tokio::test]
async fn plain_http_takes_oauth1_only_with_window_and_nonce() {
    let sim = Simulator::start(SimConfig {
        rate_limit_per_second: None,
        ..SimConfig::default()
    })
    .await
    .expect("start");
    seed_catalog(&sim).await;
    let http = reqwest::Client::new();
    let r = basic(&sim, http.get(api(&sim, "/products")))
        .send()
        .await
        .expect("send");
    let (status, code, _) = error_of(r).await;
    assert_eq!(
        (status, code.as_str()),
        (401, "woocommerce_rest_cannot_view"),
        "Basic is ignored over http"
    );

    let now = chrono::Utc::now().timestamp();
    let url = signed_query(
        &sim,
        "/products",
        &[("sku", "RICE-01"), ("per_page", "5")],
        now,
        "n1",
    );
    let r = http.get(&url).send().await.expect("send");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let r = http.get(&url).send().await.expect("send");
    let (_, _, body) = error_of(r).await;
    assert_eq!(
        body["message"],
        "Invalid nonce - nonce has already been used."
    );

    let stale = signed_query(&sim, "/products", &[], now - 16 * 60, "n2");
    let (_, _, body) = error_of(http.get(&stale).send().await.expect("send")).await;
    assert_eq!(body["message"], "Invalid timestamp.");

    let tampered = signed_query(&sim, "/products", &[("sku", "RICE-01")], now, "n3")
        .replace("RICE-01", "RICE-02");
    let (status, _, body) = error_of(http.get(&tampered).send().await.expect("send")).await;
    assert_eq!(status, 401);
    assert_eq!(
        body["message"],
        "Invalid signature - provided signature does not match."
    );
    // A request refused for its signature does not use up its nonce.
    let again = signed_query(&sim, "/products", &[("sku", "RICE-02")], now, "n3");
    assert_eq!(http.get(&again).send().await.expect("send").status(), 200);

    let partial = format!("{}?oauth_consumer_key=x", api(&sim, "/products"));
    let (_, code, body) = error_of(http.get(&partial).send().await.expect("send")).await;
    assert_eq!(code, "woocommerce_rest_authentication_missing_parameter");
    assert_eq!(
        body["message"],
        "Missing OAuth parameters oauth_timestamp, oauth_nonce, oauth_signature, oauth_signature_method"
    );
}

#[tokio::test]
async fn batch_reports_item_errors_inside_200_and_obeys_manage_stock() {
    let sim = Simulator::start(https()).await.expect("start");
    let parent = seed_catalog(&sim).await;
    let managed = sim.item_by_sku("COFFEE-500").expect("managed");
    let unmanaged = sim.item_by_sku("COFFEE-250").expect("unmanaged");
    let http = reqwest::Client::new();
    let body = json!({"update": [
        {"id": managed.id, "stock_quantity": 0, "regular_price": "170000"},
        {"id": unmanaged.id, "stock_quantity": 40},
        {"id": 999_999, "stock_quantity": 1},
    ]});
    let r = basic(
        &sim,
        http.post(api(&sim, &format!("/products/{parent}/variations/batch"))),
    )
    .json(&body)
    .send()
    .await
    .expect("send");
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.expect("json");
    let updates = out["update"].as_array().expect("update");
    assert_eq!(updates[0]["stock_quantity"], 0);
    assert_eq!(updates[0]["stock_status"], "outofstock");
    assert_eq!(updates[0]["regular_price"], "170000");
    assert_eq!(
        updates[1]["stock_quantity"],
        Value::Null,
        "ignored unless manage_stock"
    );
    assert_eq!(updates[2]["id"], 999_999);
    assert_eq!(
        updates[2]["error"]["code"],
        "woocommerce_rest_product_variation_invalid_id"
    );
    assert_eq!(updates[2]["error"]["data"]["status"], 400);

    let turn_on =
        json!({"update": [{"id": unmanaged.id, "manage_stock": true, "stock_quantity": 40}]});
    let r = basic(
        &sim,
        http.post(api(&sim, &format!("/products/{parent}/variations/batch"))),
    )
    .json(&turn_on)
    .send()
    .await
    .expect("send");
    assert_eq!(r.status(), 200);
    assert_eq!(
        sim.item_by_sku("COFFEE-250").and_then(|i| i.stock_quantity),
        Some(40)
    );

    let many: Vec<Value> = (0..101).map(|i| json!({"id": i})).collect();
    let r = basic(&sim, http.post(api(&sim, "/products/batch")))
        .json(&json!({"update": many}))
        .send()
        .await
        .expect("send");
    let (status, code, body) = error_of(r).await;
    assert_eq!(
        (status, code.as_str()),
        (413, "woocommerce_rest_request_entity_too_large")
    );
    assert_eq!(
        body["message"],
        "Unable to accept more than 100 items for this request."
    );

    let rice = sim.item_by_sku("RICE-00").expect("rice");
    let r = basic(&sim, http.put(api(&sim, &format!("/products/{}", rice.id))))
        .json(&json!({"regular_price": 125000}))
        .send()
        .await
        .expect("send");
    let (status, code, _) = error_of(r).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "rest_invalid_param"),
        "money must be a string"
    );
}

#[tokio::test]
async fn webhooks_are_signed_base64_hmac_sha256_of_the_raw_body() {
    type Seen = Arc<Mutex<Vec<(axum::http::HeaderMap, Vec<u8>)>>>;
    let seen: Seen = Arc::default();
    let keep = seen.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let keep = keep.clone();
                async move {
                    keep.lock().expect("lock").push((headers, body.to_vec()));
                    "ok"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let sim = Simulator::start(SimConfig {
        rate_limit_per_second: None,
        ..SimConfig::default()
    })
    .await
    .expect("start");
    sim.set_webhook_url(Some(format!("http://{addr}/hook")));
    let payload = json!({"id": 123, "status": "processing"});
    let d = sim
        .deliver_webhook("order.updated", &payload, &sim.base_url())
        .await
        .expect("delivered");
    assert!(d.ok && d.status == Some(200));
    let got = seen.lock().expect("lock").clone();
    let (headers, body) = &got[0];
    assert_eq!(headers["X-WC-Webhook-Topic"], "order.updated");
    assert_eq!(headers["X-WC-Webhook-Resource"], "order");
    assert_eq!(headers["X-WC-Webhook-Event"], "updated");
    let secret = sim.config().webhook_secret;
    assert_eq!(
        headers["X-WC-Webhook-Signature"].to_str().expect("ascii"),
        webhook::signature(&secret, body)
    );
    let sig = base64::engine::general_purpose::STANDARD
        .decode(headers["X-WC-Webhook-Signature"].as_bytes())
        .expect("base64");
    assert_eq!(sig.len(), 32, "SHA-256");
}

#[tokio::test]
async fn orders_move_managed_stock_and_list_by_modification_time() {
    let sim = Simulator::start(https()).await.expect("start");
    seed_catalog(&sim).await;
    let order = sim
        .create_order(&[("COFFEE-500", 2), ("RICE-01", 1)])
        .expect("order");
    assert_eq!(order.status, "processing");
    assert_eq!(
        sim.item_by_sku("COFFEE-500").and_then(|i| i.stock_quantity),
        Some(1)
    );
    let refused = sim
        .create_order(&[("COFFEE-500", 2)])
        .expect_err("only 1 left and backorders off");
    assert!(
        refused.to_string().contains("1 available"),
        "checkout names what is left: {refused}"
    );
    assert_eq!(
        sim.item_by_sku("COFFEE-500").and_then(|i| i.stock_quantity),
        Some(1),
        "a refused checkout takes nothing"
    );
    sim.set_order_status(order.id, "refunded").expect("refund");
    assert_eq!(
        sim.item_by_sku("COFFEE-500").and_then(|i| i.stock_quantity),
        Some(1),
        "a refund does not restock by itself"
    );
    let second = sim.create_order(&[("RICE-02", 3)]).expect("order");
    sim.set_order_status(second.id, "cancelled")
        .expect("cancel");
    assert_eq!(
        sim.item_by_sku("RICE-02").and_then(|i| i.stock_quantity),
        Some(5),
        "cancelling restocks"
    );

    let http = reqwest::Client::new();
    let r = basic(
        &sim,
        http.get(api(&sim, "/orders?modified_after=2000-01-01T00:00:00")),
    )
    .send()
    .await
    .expect("send");
    assert_eq!(r.headers()["X-WP-Total"], "2");
    let orders: Vec<Value> = r.json().await.expect("json");
    assert_eq!(orders[0]["id"], json!(second.id), "newest first");
    let line = &orders[1]["line_items"][0];
    assert_eq!(
        (line["sku"].as_str(), line["quantity"].as_i64()),
        (Some("COFFEE-500"), Some(2))
    );
    assert!(line["variation_id"].as_i64().is_some_and(|v| v > 0));
    assert_eq!(orders[1]["total"], "440000.00", "money is a decimal string");

    let later = basic(
        &sim,
        http.get(api(&sim, "/orders?modified_after=2999-01-01T00:00:00")),
    )
    .send()
    .await
    .expect("send");
    assert_eq!(later.headers()["X-WP-Total"], "0");
    let r = basic(&sim, http.get(api(&sim, "/orders?status=paid")))
        .send()
        .await
        .expect("send");
    let (status, code, _) = error_of(r).await;
    assert_eq!((status, code.as_str()), (400, "rest_invalid_param"));
}

/// A site admits `DEFAULT_RATE_LIMIT` calls in any sliding second by
/// default and answers the next with 429 in WooCommerce's error shape; the
/// limit can be lifted at run time.
#[tokio::test]
async fn the_default_site_limit_answers_429_beyond_it() {
    use kho_simulator::woocommerce::DEFAULT_RATE_LIMIT;
    let sim = Simulator::start(https()).await.expect("start");
    sim.set_rate_limit(Some(DEFAULT_RATE_LIMIT));
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..=DEFAULT_RATE_LIMIT {
        let r = basic(&sim, http.get(api(&sim, "/products")))
            .send()
            .await
            .expect("send");
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            let body: Value = r.json().await.expect("json");
            assert_eq!(body["code"], "rest_too_many_requests", "{body}");
            assert_eq!(body["data"]["status"], 429, "{body}");
        }
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(sim.rejections(), 1);
    sim.set_rate_limit(None);
    let r = basic(&sim, http.get(api(&sim, "/products")))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert_eq!(
        SimConfig::default().rate_limit_per_second,
        Some(DEFAULT_RATE_LIMIT)
    );
}
