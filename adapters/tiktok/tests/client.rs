//! `TikTokChannel` against wiremock servers on 127.0.0.1 (one for the Open API, one for the auth host).
//! Every Open API mock checks the request's signature, the token header, and that `shop_cipher` is present
//! exactly on shop endpoints ([`Signed`]); then: classification, token refresh (once under concurrency,
//! persisted before use, retry once on 105002), `data.errors` partial results, paging of listings and orders,
//! per-unit order lines, publishing, shop discovery and webhooks.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use kho_channel::kit::Setup;
use kho_channel::test_support::RecordingStore;
use kho_channel::{
    Channel, DraftImage, ErrorKind, ListingDraft, ListingStatus, OrderQuery, OrderStatus,
    OrderTimeField, PriceUpdate, RateLimit, RemoteId, StatusChange, StockUpdate, TimeWindow,
    TokenStore, Transport, TransportConfig, VariantDraft, WebhookEvent, WebhookRequest,
};
use kho_tiktok::api::{ACCESS_TOKEN_HEADER, is_shop_scoped};
use kho_tiktok::{
    AttributeMapping, AttributeValueMapping, CategoryMapping, TikTokAccountConfig, TikTokChannel,
    TikTokMapping,
};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{
    body_json, body_partial_json, header, method, path, path_regex, query_param,
};
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

const APP_KEY: &str = "68xu9ks5p4i8";
const SECRET: &str = "e59af819cc";
const CIPHER: &str = "ROW_aiVo7gAAAAB2vvlFyfTxbVr4ZFHoDbhK";
const OLD_TOKEN: &str = "TTP_old_access_7f3a";
const OLD_REFRESH: &str = "TTP_old_refresh_91bc";
const NEW_TOKEN: &str = "TTP_new_access_c0de";
const NEW_REFRESH: &str = "TTP_new_refresh_beef";

fn ok(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "code": 0, "message": "Success", "request_id": "202611291430000101", "data": data
    }))
}

fn fail(status: u16, code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code, "message": message, "request_id": format!("req-{code}")
    }))
}

/// Every Open API request: fresh timestamp, correct sign over path + sorted query (without `sign` and
/// `access_token`) + exact body bytes (not for multipart), token in the header only, and `shop_cipher`
/// exactly on shop endpoints.
struct Signed;

impl Match for Signed {
    fn matches(&self, request: &Request) -> bool {
        let pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let q: HashMap<&str, &str> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (Some(app_key), Some(ts), Some(sign)) =
            (q.get("app_key"), q.get("timestamp"), q.get("sign"))
        else {
            return false;
        };
        let Ok(ts) = ts.parse::<i64>() else {
            return false;
        };
        let now = Utc::now().timestamp();
        if *app_key != APP_KEY || ts > now + 30 || ts < now - 300 {
            return false;
        }
        if q.contains_key("access_token") {
            return false;
        }
        if request
            .headers
            .get(ACCESS_TOKEN_HEADER)
            .is_none_or(|v| v.is_empty())
        {
            return false;
        }
        let path = request.url.path();
        let Ok(m) = Method::from_bytes(request.method.as_str().as_bytes()) else {
            return false;
        };
        if q.contains_key("shop_cipher") != is_shop_scoped(&m, path) {
            return false;
        }
        let multipart = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("multipart/form-data"));
        let body = (!multipart && !request.body.is_empty()).then_some(request.body.as_slice());
        // Independent re-implementation of docs/src/channels/tiktok.md §3.1 (not the crate's `sign`).
        let mut signed: Vec<(&str, &str)> = pairs
            .iter()
            .filter(|(k, _)| k != "sign" && k != "access_token")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        signed.sort();
        let mut msg = Vec::new();
        msg.extend_from_slice(SECRET.as_bytes());
        msg.extend_from_slice(path.as_bytes());
        for (k, v) in signed {
            msg.extend_from_slice(k.as_bytes());
            msg.extend_from_slice(v.as_bytes());
        }
        msg.extend_from_slice(body.unwrap_or_default());
        msg.extend_from_slice(SECRET.as_bytes());
        use hmac::Mac;
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()) else {
            return false;
        };
        mac.update(&msg);
        *sign == hex::encode(mac.finalize().into_bytes())
    }
}

/// The shop's old pair, its access token expiring `expires_in` from now.
fn seeded(expires_in: Duration) -> Arc<RecordingStore> {
    RecordingStore::seeded(
        OLD_TOKEN,
        OLD_REFRESH,
        expires_in,
        Some(Duration::days(300)),
    )
}

struct Servers {
    api: MockServer,
    auth: MockServer,
}

async fn servers() -> Servers {
    Servers {
        api: MockServer::start().await,
        auth: MockServer::start().await,
    }
}

fn config(s: &Servers) -> TikTokAccountConfig {
    let mut categories = std::collections::BTreeMap::new();
    categories.insert(
        "honey".to_owned(),
        CategoryMapping {
            category_id: "700645".into(),
            category_version: "v1".into(),
            brand_id: None,
            attributes: vec![AttributeMapping {
                id: "100149".into(),
                values: vec![AttributeValueMapping {
                    id: Some("1000854".into()),
                    name: None,
                }],
            }],
        },
    );
    TikTokAccountConfig {
        name: "tiktok-test".into(),
        base_url: s.api.uri().parse().unwrap(),
        auth_url: s.auth.uri().parse().unwrap(),
        app_key: APP_KEY.into(),
        app_secret: SecretString::from(SECRET),
        service_id: None,
        consent_url: None,
        shop_cipher: Some(CIPHER.into()),
        shop_id: None,
        rate_limit: RateLimit::per_second(NonZeroU32::new(200).unwrap()),
        warehouse_id: Some("7068517275539719942".into()),
        mapping: TikTokMapping {
            categories,
            brand_id: None,
            sales_attribute_name: "Dung tích".into(),
            is_cod_allowed: Some(true),
        },
    }
}

fn transport() -> Arc<Transport> {
    Transport::new(TransportConfig {
        retry: kho_channel::RetryPolicy {
            min_delay: std::time::Duration::from_millis(10),
            max_delay: std::time::Duration::from_millis(50),
            ..Default::default()
        },
        ..TransportConfig::default()
    })
    .unwrap()
}

fn channel_with(cfg: TikTokAccountConfig, store: Arc<dyn TokenStore>) -> TikTokChannel {
    TikTokChannel::new(cfg, Setup::new(&transport(), store)).unwrap()
}

fn channel(s: &Servers, store: Arc<RecordingStore>) -> TikTokChannel {
    channel_with(config(s), store)
}

fn refresh_mock() -> Mock {
    let week = Utc::now().timestamp() + 7 * 24 * 3600;
    Mock::given(method("GET"))
        .and(path("/api/v2/token/refresh"))
        .and(query_param("app_key", APP_KEY))
        .and(query_param("app_secret", SECRET))
        .and(query_param("refresh_token", OLD_REFRESH))
        .and(query_param("grant_type", "refresh_token"))
        .respond_with(ok(json!({
            "access_token": NEW_TOKEN, "access_token_expire_in": week,
            "refresh_token": NEW_REFRESH, "refresh_token_expire_in": week + 300 * 24 * 3600,
            "open_id": "o", "seller_name": "HTX Chí Lăng", "seller_base_region": "VN", "user_type": 0
        })))
}

/// Answers success only if the token it is called with has already been persisted.
struct RequirePersisted(Arc<RecordingStore>);

impl Respond for RequirePersisted {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let used = request
            .headers
            .get(ACCESS_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if used == self.0.access_token() {
            ok(json!({}))
        } else {
            fail(200, 12000000, "token used before it was persisted")
        }
    }
}

fn stock(product: &str, sku: &str, n: i64) -> StockUpdate {
    StockUpdate {
        id: RemoteId::variant(product, sku),
        stock: n,
    }
}

#[tokio::test]
async fn concurrent_calls_during_expiry_refresh_exactly_once_through_the_auth_host_and_persist_first()
 {
    let s = servers().await;
    let store = seeded(Duration::minutes(5)); // inside the 1-hour refresh-ahead margin
    refresh_mock().expect(1).mount(&s.auth).await;
    Mock::given(method("POST"))
        .and(path_regex(
            r"^/product/202309/products/\d+/inventory/update$",
        ))
        .and(Signed)
        .and(header(ACCESS_TOKEN_HEADER, NEW_TOKEN))
        .respond_with(RequirePersisted(store.clone()))
        .expect(4)
        .mount(&s.api)
        .await;
    let shop = Arc::new(channel(&s, store.clone()));
    let mut tasks = tokio::task::JoinSet::new();
    for p in 0..4 {
        let shop = shop.clone();
        tasks.spawn(async move {
            shop.update_stock(&[stock(&format!("{}", 1000 + p), "1", 5)])
                .await
                .unwrap()
        });
    }
    while let Some(outcome) = tasks.join_next().await {
        let outcome = outcome.unwrap();
        assert!(outcome.all_ok(), "{outcome:?}");
    }
    assert_eq!(*store.saves.lock().unwrap(), vec![NEW_TOKEN.to_owned()]);
    // The absolute epoch was stored as such (≈ 7 days ahead, not 1970 and not 2×).
    let saved = store.tokens.lock().unwrap().clone().unwrap();
    let ahead = saved.access_expires_at - Utc::now();
    assert!(
        ahead > Duration::days(6) && ahead <= Duration::days(7),
        "{ahead}"
    );
    assert!(
        s.api
            .received_requests()
            .await
            .unwrap()
            .iter()
            .all(|r| r.url.path() != "/api/v2/token/refresh")
    );
    s.api.verify().await;
    s.auth.verify().await;
}

#[tokio::test]
async fn expired_token_code_refreshes_and_retries_once() {
    let s = servers().await;
    let store = seeded(Duration::days(3));
    refresh_mock().expect(1).mount(&s.auth).await;
    Mock::given(method("POST"))
        .and(path(
            "/product/202309/products/1734952395144267383/prices/update",
        ))
        .and(header(ACCESS_TOKEN_HEADER, OLD_TOKEN))
        .respond_with(fail(
            200,
            105002,
            "Expired credentials. The `access_token` or `x-tts-access-token` header has expired.",
        ))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/product/202309/products/1734952395144267383/prices/update"))
        .and(Signed)
        .and(header(ACCESS_TOKEN_HEADER, NEW_TOKEN))
        // Vector C3's body, byte for byte.
        .and(wiremock::matchers::body_string(
            r#"{"skus":[{"id":"1734952449674217079","price":{"amount":"72000","currency":"VND"}}]}"#,
        ))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&s.api)
        .await;
    let shop = channel(&s, store.clone());
    let outcome = shop
        .update_price(&[PriceUpdate {
            id: RemoteId::variant("1734952395144267383", "1734952449674217079"),
            price_vnd: 72000,
        }])
        .await
        .unwrap();
    assert!(outcome.all_ok(), "{outcome:?}");
    assert_eq!(store.access_token(), NEW_TOKEN);
    s.api.verify().await;
    s.auth.verify().await;
}

#[tokio::test]
async fn expired_again_after_refresh_is_not_retried_again_and_stops_the_batch() {
    let s = servers().await;
    let store = seeded(Duration::days(3));
    refresh_mock().expect(1).mount(&s.auth).await;
    Mock::given(method("POST"))
        .and(path_regex(r"/inventory/update$"))
        .respond_with(fail(
            200,
            105002,
            "access token is expired, please refresh it",
        ))
        .expect(2)
        .mount(&s.api)
        .await;
    let shop = channel(&s, store);
    let outcome = shop
        .update_stock(&[stock("1", "11", 1), stock("2", "21", 1)])
        .await
        .unwrap();
    let failures: Vec<_> = outcome.failures().collect();
    assert_eq!(failures.len(), 2);
    assert!(
        failures
            .iter()
            .all(|(_, e)| matches!(e.kind, ErrorKind::AuthExpired { .. }))
    );
    s.api.verify().await;
}

#[tokio::test]
async fn classification_on_the_wire() {
    let s = servers().await;
    let store = seeded(Duration::days(3));
    // Product 1: rate limited (HTTP 429 + 36009002), then internal error, then success → retried.
    Mock::given(method("POST"))
        .and(path("/product/202309/products/1/inventory/update"))
        .and(Signed)
        .respond_with(fail(
            429,
            36009002,
            "Too many requests. You've made too many requests in a short period of time.",
        ))
        .up_to_n_times(1)
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/product/202309/products/1/inventory/update"))
        .and(Signed)
        .respond_with(fail(200, 36009003, "Internal error, please retry"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/product/202309/products/1/inventory/update"))
        .and(Signed)
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&s.api)
        .await;
    // Product 2: invalid sign with HTTP 401 → permanent, never retried.
    Mock::given(method("POST"))
        .and(path("/product/202309/products/2/inventory/update"))
        .respond_with(fail(401, 106001, "Invalid credentials. The 'sign' query parameter is invalid. For more details: https://m.tiktok.shop/s/x"))
        .expect(1)
        .mount(&s.api)
        .await;
    // Product 3: overloaded 36009004 → permanent, never retried.
    Mock::given(method("POST"))
        .and(path("/product/202309/products/3/inventory/update"))
        .respond_with(fail(
            400,
            36009004,
            "Invalid timestamp. The `timestamp` query parameter has expired.",
        ))
        .expect(1)
        .mount(&s.api)
        .await;
    // Product 4: a 5xx page → transient, retried until the policy gives up.
    Mock::given(method("POST"))
        .and(path("/product/202309/products/4/inventory/update"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>busy</html>"))
        .expect(4)
        .mount(&s.api)
        .await;
    // Product 5: request timeout code → transient.
    Mock::given(method("POST"))
        .and(path("/product/202309/products/5/inventory/update"))
        .respond_with(fail(200, 36009007, "Request timeout"))
        .expect(4)
        .mount(&s.api)
        .await;
    let shop = channel(&s, store);
    let outcome = shop
        .update_stock(&[
            stock("1", "11", 1),
            stock("2", "21", 1),
            stock("3", "31", 1),
            stock("4", "41", 1),
            stock("5", "51", 1),
        ])
        .await
        .unwrap();
    assert!(
        outcome.results[0].outcome.is_ok(),
        "{:?}",
        outcome.results[0]
    );
    let err = |i: usize| outcome.results[i].outcome.clone().unwrap_err();
    assert!(matches!(err(1).kind, ErrorKind::Permanent { ref code, .. } if code == "106001"));
    assert_eq!(err(1).request_id.as_deref(), Some("req-106001"));
    assert!(matches!(err(2).kind, ErrorKind::Permanent { ref code, .. } if code == "36009004"));
    assert!(matches!(err(3).kind, ErrorKind::Transient { .. }));
    assert!(matches!(err(4).kind, ErrorKind::Transient { .. }));
    assert_eq!(&*err(1).account, "tiktok-test");
    assert_eq!(
        &*err(1).endpoint,
        "/product/202309/products/{product_id}/inventory/update"
    );
    s.api.verify().await;
}

#[tokio::test]
async fn partial_failures_in_data_errors_give_per_sku_results_one_call_per_product() {
    let s = servers().await;
    let store = seeded(Duration::days(3));
    Mock::given(method("POST"))
        .and(path("/product/202309/products/1729592969712207008/inventory/update"))
        .and(Signed)
        .and(body_json(json!({"skus": [
            {"id": "1729592969712207013", "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 999}]},
            {"id": "1729592969712207014", "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 100000}]}
        ]})))
        .respond_with(ok(json!({"errors": [{
            "code": 12019024, "message": "The stock count is invalid.",
            "detail": {"sku_id": "1729592969712207014", "extra_errors": [
                {"warehouse_id": "7068517275539719942", "code": 12019024, "message": "The stock count is invalid."}]}
        }]})))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/product/202309/products/1734952395144267383/prices/update"))
        .and(Signed)
        .and(body_json(json!({"skus": [
            {"id": "1734952449674217079", "price": {"amount": "72000", "currency": "VND"}},
            {"id": "1734952449674217080", "price": {"amount": "95000", "currency": "VND"}}
        ]})))
        .respond_with(ok(json!({"errors": [{
            "code": 12019045, "message": "The price is locked.", "detail": {"sku_id": "1734952449674217079"}
        }]})))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/product/202309/products/deactivate"))
        .and(Signed)
        .and(body_json(
            json!({"product_ids": ["1729592969712207008", "1734952395144267383"]}),
        ))
        .respond_with(ok(json!({"errors": [{
            "code": 12019113, "message": "The product status is invalid.",
            "detail": {"product_id": "1734952395144267383", "extra_errors": []}
        }]})))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/product/202309/products/activate"))
        .and(Signed)
        .and(body_json(json!({"product_ids": ["99"]})))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&s.api)
        .await;
    let shop = channel(&s, store);

    let outcome = shop
        .update_stock(&[
            stock("1729592969712207008", "1729592969712207013", 999),
            stock("1729592969712207008", "1729592969712207014", 100000),
            StockUpdate {
                id: RemoteId::item("1729592969712207008"),
                stock: 1,
            },
        ])
        .await
        .unwrap();
    assert!(outcome.results[0].outcome.is_ok());
    assert_eq!(
        outcome.results[1].outcome.as_ref().unwrap_err().kind,
        ErrorKind::Permanent {
            code: "12019024".into(),
            message: "The stock count is invalid.".into()
        }
    );
    // A listing without a SKU id is refused locally (code kho.*), without a call.
    assert!(
        matches!(&outcome.results[2].outcome, Err(e) if matches!(&e.kind, ErrorKind::Permanent { code, .. } if code == "kho.bad_remote_id"))
    );

    let outcome = shop
        .update_price(&[
            PriceUpdate {
                id: RemoteId::variant("1734952395144267383", "1734952449674217079"),
                price_vnd: 72000,
            },
            PriceUpdate {
                id: RemoteId::variant("1734952395144267383", "1734952449674217080"),
                price_vnd: 95000,
            },
        ])
        .await
        .unwrap();
    assert!(
        matches!(&outcome.results[0].outcome, Err(e) if matches!(&e.kind, ErrorKind::Permanent { code, .. } if code == "12019045"))
    );
    assert!(outcome.results[1].outcome.is_ok());

    let outcome = shop
        .set_status(&[
            StatusChange {
                item_id: "1729592969712207008".into(),
                active: false,
            },
            StatusChange {
                item_id: "99".into(),
                active: true,
            },
            StatusChange {
                item_id: "1734952395144267383".into(),
                active: false,
            },
        ])
        .await
        .unwrap();
    let keys: Vec<&str> = outcome.results.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(
        keys,
        vec!["1729592969712207008", "99", "1734952395144267383"]
    );
    assert!(outcome.results[0].outcome.is_ok());
    assert!(outcome.results[1].outcome.is_ok());
    assert!(
        matches!(&outcome.results[2].outcome, Err(e) if e.kind.to_string().contains("status is invalid"))
    );
    s.api.verify().await;
}

#[tokio::test]
async fn listings_are_paged_by_page_token_with_one_listing_per_sku() {
    let s = servers().await;
    let store = seeded(Duration::days(3));
    Mock::given(method("POST"))
        .and(path("/product/202309/products/search"))
        .and(Signed)
        .and(query_param("page_size", "50"))
        .and(|r: &Request| !r.url.query_pairs().any(|(k, _)| k == "page_token"))
        .respond_with(ok(json!({
            "products": [{"id": "1729592969712207008", "title": "Mật ong", "status": "ACTIVATE"},
                         {"id": "1729592969712207999", "title": "Xoá", "status": "DELETED"}],
            "next_page_token": "b2Zmc2V0PTI=", "total_count": 3
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/product/202309/products/search"))
        .and(Signed)
        .and(query_param("page_token", "b2Zmc2V0PTI="))
        .respond_with(ok(json!({
            "products": [{"id": "1729592969712207100", "title": "Trà", "status": "SELLER_DEACTIVATED"}],
            "next_page_token": "", "total_count": 3
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/product/202309/products/1729592969712207008"))
        .and(Signed)
        .respond_with(ok(json!({
            "id": "1729592969712207008", "title": "Mật ong bạc hà", "status": "ACTIVATE",
            "skus": [
                {"id": "1729592969712207013", "seller_sku": "HTX-MAT-ONG-250",
                 "price": {"currency": "VND", "sale_price": "150000", "tax_exclusive_price": "150000"},
                 "inventory": [{"quantity": 10, "warehouse_id": "7068517275539719942"}],
                 "sales_attributes": [{"id": "100000", "name": "Dung tích", "value_id": "7", "value_name": "250ml"}]},
                {"id": "1729592969712207014", "seller_sku": "HTX-MAT-ONG-500",
                 "price": {"currency": "VND", "sale_price": "280000", "tax_exclusive_price": "280000"},
                 "inventory": [{"quantity": 20, "warehouse_id": "7068517275539719942"}],
                 "sales_attributes": [{"id": "100000", "name": "Dung tích", "value_id": "8", "value_name": "500ml"}]}
            ]
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/product/202309/products/1729592969712207100"))
        .and(Signed)
        .respond_with(ok(json!({
            "id": "1729592969712207100", "title": "Trà shan tuyết", "status": "SELLER_DEACTIVATED",
            "skus": [{"id": "1729592969712207101", "seller_sku": "HTX-TRA-100",
                      "price": {"currency": "VND", "sale_price": "72000"},
                      "inventory": [{"quantity": 0, "warehouse_id": "7068517275539719942"}]}]
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    let shop = channel(&s, store);
    let first = shop.list_listings(None).await.unwrap();
    let skus: Vec<(&str, i64, i64)> = first
        .items
        .iter()
        .map(|l| (l.seller_sku.as_str(), l.stock, l.price_vnd))
        .collect();
    assert_eq!(
        skus,
        vec![
            ("HTX-MAT-ONG-250", 10, 150000),
            ("HTX-MAT-ONG-500", 20, 280000)
        ]
    );
    assert_eq!(first.items[1].title, "Mật ong bạc hà — 500ml");
    assert_eq!(
        first.items[1].id,
        RemoteId::variant("1729592969712207008", "1729592969712207014")
    );
    let second = shop
        .list_listings(Some(&first.next.expect("second page")))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.items[0].status, ListingStatus::Inactive);
    assert!(second.next.is_none());
    s.api.verify().await;
}

fn line(sku: &str, seller_sku: &str, price: &str) -> Value {
    json!({"id": format!("L-{sku}-{}", rand_suffix()), "sku_id": sku, "product_id": "1729700293904534000",
           "seller_sku": seller_sku, "product_name": "Mật ong", "sku_name": "250ml",
           "sale_price": price, "original_price": price, "currency": "VND", "display_status": "AWAITING_SHIPMENT",
           "is_gift": false})
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test]
async fn orders_are_searched_by_update_window_with_page_tokens_then_detailed_in_fifties() {
    let s = servers().await;
    let store = seeded(Duration::days(3));
    let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let to = from + Duration::days(40);
    let body = format!(
        r#"{{"update_time_ge":{},"update_time_lt":{}}}"#,
        from.timestamp(),
        to.timestamp()
    );
    let ids: Vec<String> = (0..60).map(|i| format!("5770876144185{i:05}")).collect();
    Mock::given(method("POST"))
        .and(path("/order/202309/orders/search"))
        .and(Signed)
        .and(query_param("page_size", "100"))
        .and(query_param("sort_field", "update_time"))
        .and(query_param("sort_order", "ASC"))
        .and(wiremock::matchers::body_string(body.clone()))
        .and(|r: &Request| !r.url.query_pairs().any(|(k, _)| k == "page_token"))
        .respond_with(ok(json!({
            "orders": ids[..50].iter().map(|id| json!({"id": id, "status": "AWAITING_SHIPMENT"})).collect::<Vec<_>>(),
            "next_page_token": "cGFnZTI=", "total_count": 60
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/order/202309/orders/search"))
        .and(Signed)
        .and(query_param("page_token", "cGFnZTI="))
        .and(wiremock::matchers::body_string(body))
        .respond_with(ok(json!({
            "orders": ids[50..].iter().map(|id| json!({"id": id, "status": "UNPAID"})).collect::<Vec<_>>(),
            "next_page_token": "", "total_count": 60
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    let three = vec![
        line("1729700293904534135", "HTX-MAT-ONG-250", "168000"),
        line("1729700293904534135", "HTX-MAT-ONG-250", "168000"),
        line("1729700293904534135", "HTX-MAT-ONG-250", "168000"),
    ];
    Mock::given(method("GET"))
        .and(path("/order/202309/orders"))
        .and(Signed)
        .and(query_param("ids", ids[..50].join(",")))
        .respond_with(ok(json!({"orders": [{
            "id": ids[0], "status": "AWAITING_SHIPMENT", "create_time": 1764500000, "update_time": 1764500100,
            "is_cod": true,
            "payment": {"currency": "VND", "sub_total": "504000", "shipping_fee": "30000", "total_amount": "534000",
                        "original_total_product_price": "504000"},
            "line_items": three
        }]})))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/order/202309/orders"))
        .and(Signed)
        .and(query_param("ids", ids[50..].join(",")))
        .respond_with(ok(json!({"orders": []})))
        .expect(1)
        .mount(&s.api)
        .await;
    let shop = channel(&s, store);
    let query = OrderQuery {
        window: TimeWindow::new(from, to),
        field: OrderTimeField::Updated,
    };
    let mut seen = Vec::new();
    let mut page = None;
    loop {
        let result = shop.list_orders(&query, page.as_ref()).await.unwrap();
        seen.extend(result.items.iter().map(|o| (o.order_id.clone(), o.status)));
        match result.next {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 60);
    assert_eq!(seen[0].1, Some(OrderStatus::Ready));
    assert_eq!(seen[59].1, Some(OrderStatus::Unpaid));
    let all: Vec<String> = seen.into_iter().map(|(id, _)| id).collect();
    let orders = shop.get_orders(&all).await.unwrap();
    assert_eq!(orders.len(), 1);
    let o = &orders[0];
    assert_eq!(o.status, OrderStatus::Ready);
    assert_eq!(o.raw_status, "AWAITING_SHIPMENT");
    assert_eq!(o.currency, "VND");
    assert_eq!(o.lines.len(), 1);
    assert_eq!(o.lines[0].quantity, 3);
    assert_eq!(o.lines[0].seller_sku, "HTX-MAT-ONG-250");
    assert_eq!(o.lines[0].unit_price_vnd, 168000);
    assert_eq!(
        o.lines[0].remote,
        RemoteId::variant("1729700293904534000", "1729700293904534135")
    );
    s.api.verify().await;
}

#[tokio::test]
async fn delivered_orders_with_a_return_of_goods_are_returned() {
    let s = servers().await;
    let store = seeded(Duration::days(3));
    Mock::given(method("GET"))
        .and(path("/order/202309/orders"))
        .and(Signed)
        .respond_with(ok(json!({"orders": [
            {"id": "A", "status": "COMPLETED", "line_items": [line("1", "X", "1000")]},
            {"id": "B", "status": "DELIVERED", "line_items": [line("1", "X", "1000")]},
            {"id": "C", "status": "AWAITING_SHIPMENT", "line_items": [line("1", "X", "1000")]}
        ]})))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/return_refund/202309/returns/search"))
        .and(Signed)
        .and(body_json(json!({"order_ids": ["A", "B"]})))
        .respond_with(ok(json!({"return_orders": [
            {"return_id": "R1", "order_id": "A", "return_type": "RETURN_AND_REFUND", "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
             "return_line_items": [{"order_line_item_id": "L", "sku_id": "1", "seller_sku": "X"}]},
            {"return_id": "R2", "order_id": "B", "return_type": "REFUND", "return_status": "RETURN_OR_REFUND_REQUEST_COMPLETE"}
        ], "next_page_token": ""})))
        .expect(1)
        .mount(&s.api)
        .await;
    let shop = channel(&s, store);
    let orders = shop
        .get_orders(&["A".into(), "B".into(), "C".into()])
        .await
        .unwrap();
    let statuses: Vec<OrderStatus> = orders.iter().map(|o| o.status).collect();
    assert_eq!(
        statuses,
        vec![
            OrderStatus::Returned,
            OrderStatus::Delivered,
            OrderStatus::Ready
        ]
    );
    s.api.verify().await;
}

/// Multipart with the file in `data` and `use_case`, and no `shop_cipher` (checked by [`Signed`]).
struct ImageUpload;

impl Match for ImageUpload {
    fn matches(&self, request: &Request) -> bool {
        let ct = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let body = String::from_utf8_lossy(&request.body);
        ct.starts_with("multipart/form-data")
            && body.contains("name=\"data\"")
            && body.contains("name=\"use_case\"")
            && body.contains("MAIN_IMAGE")
    }
}

#[tokio::test]
async fn publish_uploads_images_then_creates_the_product_with_skus() {
    let s = servers().await;
    let store = seeded(Duration::days(3));
    // No warehouse configured: the default sales warehouse is looked up first.
    Mock::given(method("GET"))
        .and(path("/logistics/202309/warehouses"))
        .and(Signed)
        .respond_with(ok(json!({"warehouses": [
            {"id": "7000000000000000001", "name": "Trả hàng", "effect_status": "ENABLED", "type": "RETURN_WAREHOUSE", "is_default": true},
            {"id": "7068517275539719942", "name": "Kho Lạng Sơn", "effect_status": "ENABLED", "type": "SALES_WAREHOUSE", "sub_type": "DOMESTIC_WAREHOUSE", "is_default": true}
        ]})))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/product/202309/images/upload"))
        .and(Signed)
        .and(ImageUpload)
        .respond_with(ok(json!({
            "uri": "tos-maliva-i-o3syd03w52-us/c668cdf70b7f483c94dbe", "url": "https://p16-oec-va.ibyteimg.com/x.jpg",
            "width": 800, "height": 800, "use_case": "MAIN_IMAGE"
        })))
        .expect(2)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/product/202309/products"))
        .and(Signed)
        .and(body_partial_json(json!({
            "title": "Mật ong bạc hà",
            "description": "<p>Mật ong bạc hà Đồng Văn</p>",
            "category_id": "700645", "category_version": "v1",
            "main_images": [{"uri": "tos-maliva-i-o3syd03w52-us/c668cdf70b7f483c94dbe"},
                            {"uri": "tos-maliva-i-o3syd03w52-us/c668cdf70b7f483c94dbe"}],
            "skus": [
                {"seller_sku": "HTX-MAT-ONG-250", "price": {"amount": "150000", "currency": "VND"},
                 "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 10}],
                 "sales_attributes": [{"name": "Dung tích", "value_name": "250ml"}]},
                {"seller_sku": "HTX-MAT-ONG-500", "price": {"amount": "280000", "currency": "VND"},
                 "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 20}],
                 "sales_attributes": [{"name": "Dung tích", "value_name": "500ml"}]}
            ],
            "product_attributes": [{"id": "100149", "values": [{"id": "1000854"}]}],
            "package_weight": {"value": "0.5", "unit": "KILOGRAM"},
            "is_cod_allowed": true
        })))
        .and(|r: &Request| {
            serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| v["idempotency_key"].as_str().map(|k| k.starts_with("kho-")))
                .unwrap_or(false)
        })
        .respond_with(ok(json!({
            "product_id": "1729592969712207008",
            "skus": [
                {"id": "1729592969712207014", "seller_sku": "HTX-MAT-ONG-500", "sales_attributes": [{"id": "100000", "value_id": "8"}]},
                {"id": "1729592969712207013", "seller_sku": "HTX-MAT-ONG-250", "sales_attributes": [{"id": "100000", "value_id": "7"}]}
            ],
            "warnings": [{"message": "The product will be reviewed."}]
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    let mut cfg = config(&s);
    cfg.warehouse_id = None;
    let shop = channel_with(cfg, store);
    let image = DraftImage::Bytes {
        file_name: "a.jpg".into(),
        content_type: "image/jpeg".into(),
        data: vec![0xff, 0xd8, 0xff, 0xe0],
    };
    let published = shop
        .publish(&ListingDraft {
            name: "Mật ong bạc hà".into(),
            description: "Mật ong bạc hà Đồng Văn".into(),
            category: "honey".into(),
            images: vec![image.clone(), image],
            weight_g: 500,
            variants: vec![
                VariantDraft {
                    seller_sku: "HTX-MAT-ONG-250".into(),
                    name: "250ml".into(),
                    price_vnd: 150000,
                    stock: 10,
                },
                VariantDraft {
                    seller_sku: "HTX-MAT-ONG-500".into(),
                    name: "500ml".into(),
                    price_vnd: 280000,
                    stock: 20,
                },
            ],
        })
        .await
        .unwrap();
    assert_eq!(published.item_id, "1729592969712207008");
    assert_eq!(
        published.variants,
        vec![
            (
                "HTX-MAT-ONG-250".to_owned(),
                RemoteId::variant("1729592969712207008", "1729592969712207013")
            ),
            (
                "HTX-MAT-ONG-500".to_owned(),
                RemoteId::variant("1729592969712207008", "1729592969712207014")
            ),
        ]
    );
    s.api.verify().await;
}

#[tokio::test]
async fn unmapped_category_is_refused_before_any_call() {
    let s = servers().await;
    let shop = channel(&s, seeded(Duration::days(3)));
    let err = shop
        .publish(&ListingDraft {
            name: "x".into(),
            description: "x".into(),
            category: "unknown".into(),
            images: vec![DraftImage::Url("http://127.0.0.1:1/x.jpg".into())],
            weight_g: 1,
            variants: vec![VariantDraft {
                seller_sku: "S".into(),
                name: "".into(),
                price_vnd: 1,
                stock: 1,
            }],
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Permanent { ref code, .. } if code == "kho.unmapped_category")
    );
    assert!(
        s.api
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn shop_cipher_is_discovered_once_and_only_sent_to_shop_endpoints() {
    let s = servers().await;
    let store = seeded(Duration::days(3));
    Mock::given(method("GET"))
        .and(path("/authorization/202309/shops"))
        .and(Signed)
        .respond_with(ok(json!({"shops": [
            {"cipher": "ROW_other", "code": "VNOTHER", "id": "7000000000000000000", "name": "Other", "region": "VN", "seller_type": "LOCAL"},
            {"cipher": CIPHER, "code": "VNLCTNWY6A", "id": "7495274531001436791", "name": "Fujiwa Vietnam Store", "region": "VN", "seller_type": "LOCAL"}
        ]})))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/logistics/202309/warehouses"))
        .and(Signed)
        .and(query_param("shop_cipher", CIPHER))
        .respond_with(ok(json!({"warehouses": []})))
        .expect(3)
        .mount(&s.api)
        .await;
    let mut cfg = config(&s);
    cfg.shop_cipher = None;
    cfg.shop_id = Some("7495274531001436791".into());
    let shop = Arc::new(channel_with(cfg, store));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let shop = shop.clone();
        tasks.spawn(async move { shop.warehouses().await.unwrap() });
    }
    while let Some(w) = tasks.join_next().await {
        assert!(w.unwrap().is_empty());
    }
    // Discovery went to /authorization without shop_cipher (checked by `Signed`), exactly once.
    s.api.verify().await;
}

#[tokio::test]
async fn webhook_verification_and_parsing_through_the_channel() {
    let s = servers().await;
    let mut cfg = config(&s);
    // docs/src/channels/tiktok.md §9.3 vector W1.
    cfg.app_key = "fake_app_key".into();
    cfg.app_secret = SecretString::from("fake_app_secret");
    let shop = channel_with(cfg, seeded(Duration::days(3)));
    let body = br#"{"type":1,"shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":"576684019603311365","order_status":"AWAITING_SHIPMENT","update_time":1664095610}}"#;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        "21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27"
            .parse()
            .unwrap(),
    );
    let request = WebhookRequest {
        url: "https://kho.example/tiktok/webhook",
        headers: &headers,
        body,
    };
    shop.verify_webhook(&request).unwrap();
    let events = shop.parse_webhook(body).unwrap();
    assert!(
        matches!(&events[0], WebhookEvent::OrderStatusChanged { order_id, status: Some(OrderStatus::Ready), .. } if order_id == "576684019603311365")
    );
    assert_eq!(shop.webhook_notification_id(body), None);

    let tampered = br#"{"type":1,"shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":"576684019603311365","order_status":"CANCELLED","update_time":1664095610}}"#;
    assert!(
        shop.verify_webhook(&WebhookRequest {
            body: tampered,
            ..request
        })
        .is_err()
    );
    let empty = reqwest::header::HeaderMap::new();
    assert_eq!(
        shop.verify_webhook(&WebhookRequest {
            headers: &empty,
            ..request
        }),
        Err(kho_channel::WebhookError::MissingSignature)
    );

    let with_id = br#"{"type":6,"tts_notification_id":"7327112393057371910","shop_id":"7494726673780148744","timestamp":1664095733,"data":{"message":"The seller has deauthorized the app."}}"#;
    assert_eq!(
        shop.webhook_notification_id(with_id).as_deref(),
        Some("7327112393057371910")
    );
    assert!(matches!(
        &shop.parse_webhook(with_id).unwrap()[0],
        WebhookEvent::Deauthorized { .. }
    ));
}

#[tokio::test]
async fn errors_and_logs_never_carry_tokens_or_secrets() {
    let s = servers().await;
    let store = seeded(Duration::minutes(1));
    // The refresh fails with an auth-ish answer: re-authorisation, and no secret in the error.
    Mock::given(method("GET"))
        .and(path("/api/v2/token/refresh"))
        .respond_with(fail(200, 105002, "refresh token is invalid"))
        .expect(1)
        .mount(&s.auth)
        .await;
    let shop = channel(&s, store);
    let err = shop.refresh_tokens_if_due().await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::ReauthRequired { .. }),
        "{err}"
    );
    assert_eq!(&*err.endpoint, "/api/v2/token/refresh");
    let shown = format!("{err} {err:?} {shop:?}");
    for secret in [OLD_TOKEN, OLD_REFRESH, SECRET] {
        assert!(!shown.contains(secret), "{shown}");
    }
    s.auth.verify().await;
}

#[tokio::test]
async fn a_pair_that_could_not_be_persisted_is_never_used_nor_refreshed_again() {
    let s = servers().await;
    // Already expired: the call cannot fall back on the current token.
    let recording = seeded(Duration::minutes(-1));
    // The first save fails (e.g. the database is briefly unavailable).
    recording.fail_saves(1);
    let store = recording.clone();
    refresh_mock().expect(1).mount(&s.auth).await;
    Mock::given(method("POST"))
        .and(path_regex(r"/inventory/update$"))
        .and(Signed)
        .and(header(ACCESS_TOKEN_HEADER, NEW_TOKEN))
        .respond_with(RequirePersisted(recording.clone()))
        .expect(1)
        .mount(&s.api)
        .await;
    let shop = channel_with(config(&s), store);
    let update = [stock("7", "70", 3)];
    let first = shop.update_stock(&update).await.unwrap();
    let (_, err) = first.failures().next().expect("tokens not persisted");
    assert!(matches!(err.kind, ErrorKind::Transient { .. }), "{err}");
    assert!(err.to_string().contains("token store"), "{err}");
    assert_eq!(recording.access_token(), OLD_TOKEN);
    let second = shop.update_stock(&update).await.unwrap();
    assert!(second.all_ok(), "{second:?}");
    assert_eq!(recording.access_token(), NEW_TOKEN);
    s.api.verify().await;
    s.auth.verify().await;
}

/// The [`Signed`] matcher is not vacuous: a request signed with another secret does not match it.
#[tokio::test]
async fn a_request_signed_with_another_secret_is_not_accepted() {
    let s = servers().await;
    Mock::given(method("GET"))
        .and(path("/logistics/202309/warehouses"))
        .and(Signed)
        .respond_with(ok(json!({"warehouses": []})))
        .expect(0)
        .mount(&s.api)
        .await;
    let mut cfg = config(&s);
    cfg.app_secret = SecretString::from("not-the-secret");
    let shop = channel_with(cfg, seeded(Duration::days(3)));
    let err = shop.warehouses().await.unwrap_err();
    assert!(
        matches!(
            err.kind,
            ErrorKind::NotFound { .. } | ErrorKind::Permanent { .. }
        ),
        "{err}"
    );
    s.api.verify().await;
}

#[tokio::test]
async fn a_failed_refresh_ahead_of_expiry_keeps_using_the_valid_token_and_backs_off() {
    let s = servers().await;
    let store = seeded(Duration::minutes(30)); // valid, but inside the margin
    Mock::given(method("GET"))
        .and(path("/api/v2/token/refresh"))
        .respond_with(ResponseTemplate::new(503).set_body_string("down"))
        .expect(4) // one refresh attempt (1 + 3 transport retries), not one per call
        .mount(&s.auth)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"/inventory/update$"))
        .and(Signed)
        .and(header(ACCESS_TOKEN_HEADER, OLD_TOKEN))
        .respond_with(ok(json!({})))
        .expect(2)
        .mount(&s.api)
        .await;
    let shop = channel(&s, store.clone());
    for p in ["1", "2"] {
        let outcome = shop.update_stock(&[stock(p, "10", 1)]).await.unwrap();
        assert!(outcome.all_ok(), "{outcome:?}");
    }
    assert!(store.saves.lock().unwrap().is_empty());
    s.auth.verify().await;
    s.api.verify().await;
}
