//! `LazadaChannel` against two wiremock servers on 127.0.0.1 — the API gateway and the separate auth gateway,
//! both mounted under `/rest` like the real ones — checking the signature of **every** request (path without
//! `/rest`, sorted parameters incl. `payload`, UPPER hex, ms timestamps), classification, token refresh (once
//! under concurrency, persisted before use, retried once on `IllegalAccessToken`, re-authorisation when the
//! refresh token is gone), per-SKU results from `detail`, batching across products, paging, order folding
//! and pushes. Responses come from the simulator's golden fixtures where one exists; a test whose fixture is
//! missing says so and skips.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use kho_channel::kit::Setup;
use kho_channel::test_support::RecordingStore;
use kho_channel::{
    BatchScope, Channel, DraftImage, ErrorKind, ListingDraft, ListingStatus, OrderQuery,
    OrderStatus, OrderTimeField, PriceUpdate, RateLimit, RemoteId, StatusChange, StockUpdate,
    TimeWindow, TokenStore, Transport, TransportConfig, VariantDraft, WebhookEvent, WebhookRequest,
};
use kho_lazada::{
    BatchSize, CategoryMapping, LazadaAccountConfig, LazadaChannel, LazadaMapping,
    RefreshTokenStatus,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

const APP_KEY: &str = "123456";
const SECRET: &str = "helloworld";
const OLD_TOKEN: &str = "old-access-token-0001";
const OLD_REFRESH: &str = "old-refresh-token-0001";
/// From `token_refresh.json`.
const NEW_TOKEN: &str = "50000601d41bufqegh4MWwjl98Jymtwmf4nTpC8812dfc267gQvoZA54HCh";

fn fixture(name: &str) -> Option<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../simulator/fixtures/lazada")
        .join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap()),
        Err(e) => {
            eprintln!("MISSING FIXTURE {}: {e} — test skipped", path.display());
            None
        }
    }
}

fn json_response(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn ok(data: Value) -> ResponseTemplate {
    json_response(json!({"code": "0", "data": data, "request_id": "0ba2887315178178017221099"}))
}

fn write_ok() -> ResponseTemplate {
    json_response(json!({"code": "0", "request_id": "0ba2887315178178017221018"}))
}

/// Every parameter of a request: query string plus urlencoded form body.
fn params(request: &Request) -> HashMap<String, String> {
    let mut all: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
    let form = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form {
        all.extend(url::form_urlencoded::parse(&request.body).into_owned());
    }
    all
}

/// The request is correctly signed: path without the `/rest` prefix, every parameter but `sign`, UPPER hex,
/// a millisecond timestamp close to now, `sign_method=sha256`, our app key.
struct ValidSign;

impl Match for ValidSign {
    fn matches(&self, request: &Request) -> bool {
        let p = params(request);
        let (Some(sign), Some(ts)) = (p.get("sign"), p.get("timestamp")) else {
            return false;
        };
        let Ok(ts) = ts.parse::<i64>() else {
            return false;
        };
        if ts.to_string().len() != 13 || (Utc::now().timestamp_millis() - ts).abs() > 60_000 {
            return false;
        }
        if p.get("sign_method").map(String::as_str) != Some("sha256")
            || p.get("app_key").map(String::as_str) != Some(APP_KEY)
            || p.values().any(String::is_empty)
        {
            return false;
        }
        let Some(api_path) = request.url.path().strip_prefix("/rest") else {
            return false;
        };
        let signed: Vec<(&str, &str)> = p
            .iter()
            .filter(|(k, _)| k.as_str() != "sign")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        *sign == kho_lazada::sign(&SecretString::from(SECRET), api_path, &signed)
            && sign.chars().all(|c| !c.is_ascii_lowercase())
    }
}

/// Every request either server received was correctly signed — including those answered by mocks that do
/// not match on the signature (error answers, catch-alls).
async fn assert_all_signed(s: &Servers) {
    for server in [&s.api, &s.auth] {
        for r in server.received_requests().await.unwrap_or_default() {
            assert!(
                ValidSign.matches(&r),
                "badly signed request to {}",
                r.url.path()
            );
        }
    }
}

/// A parameter (query or form) has this value.
struct Param(&'static str, String);

impl Match for Param {
    fn matches(&self, request: &Request) -> bool {
        params(request).get(self.0) == Some(&self.1)
    }
}

fn param(key: &'static str, value: impl Into<String>) -> Param {
    Param(key, value.into())
}

/// The `payload` parameter contains this text.
struct PayloadContains(&'static str);

impl Match for PayloadContains {
    fn matches(&self, request: &Request) -> bool {
        params(request)
            .get("payload")
            .is_some_and(|p| p.contains(self.0))
    }
}

/// The seller's old pair.
fn seeded(access_in: Duration, refresh_in: Option<Duration>) -> Arc<RecordingStore> {
    RecordingStore::seeded(OLD_TOKEN, OLD_REFRESH, access_in, refresh_in)
}

/// A pair far from any expiry.
fn fresh() -> Arc<RecordingStore> {
    seeded(Duration::days(20), Some(Duration::days(150)))
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

fn config(s: &Servers, batch: usize) -> LazadaAccountConfig {
    let mut categories = std::collections::BTreeMap::new();
    categories.insert(
        "coffee".to_owned(),
        CategoryMapping {
            primary_category: 10002019,
            attributes: [("warranty_type".to_owned(), "No Warranty".to_owned())]
                .into_iter()
                .collect(),
            variation_attribute: Some("size".into()),
            sku_attributes: Default::default(),
        },
    );
    LazadaAccountConfig {
        name: "lazada-test".into(),
        base_url: format!("{}/rest", s.api.uri()).parse().unwrap(),
        auth_url: format!("{}/rest", s.auth.uri()).parse().unwrap(),
        app_key: APP_KEY.into(),
        app_secret: SecretString::from(SECRET),
        seller_id: Some("200162025".into()),
        rate_limit: RateLimit::per_second(NonZeroU32::new(500).unwrap()),
        stock_batch_size: BatchSize::new(batch).unwrap(),
        price_batch_size: BatchSize::new(batch).unwrap(),
        warehouse_code: None,
        mapping: LazadaMapping {
            categories,
            ..Default::default()
        },
    }
}

fn channel_with(s: &Servers, store: Arc<dyn TokenStore>, batch: usize) -> LazadaChannel {
    let transport = Transport::new(TransportConfig {
        retry: kho_channel::RetryPolicy {
            min_delay: std::time::Duration::from_millis(10),
            max_delay: std::time::Duration::from_millis(50),
            ..Default::default()
        },
        ..TransportConfig::default()
    })
    .unwrap();
    LazadaChannel::new(config(s, batch), Setup::new(&transport, store)).unwrap()
}

fn channel(s: &Servers, store: Arc<RecordingStore>) -> LazadaChannel {
    channel_with(s, store, 20)
}

fn refresh_mock(body: Value) -> Mock {
    Mock::given(method("POST"))
        .and(path("/rest/auth/token/refresh"))
        .and(ValidSign)
        .and(param("refresh_token", OLD_REFRESH))
        .and(NoAccessToken)
        .respond_with(json_response(body))
}

struct NoAccessToken;

impl Match for NoAccessToken {
    fn matches(&self, request: &Request) -> bool {
        !params(request).contains_key("access_token")
    }
}

/// Answers success only if the token it is called with has already been persisted.
struct RequirePersisted(Arc<RecordingStore>);

impl Respond for RequirePersisted {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let used = params(request)
            .get("access_token")
            .cloned()
            .unwrap_or_default();
        if used == self.0.access_token() {
            write_ok()
        } else {
            json_response(
                json!({"type": "ISV", "code": "TokenNotPersisted", "message": "token used before it was persisted"}),
            )
        }
    }
}

#[tokio::test]
async fn concurrent_calls_during_expiry_refresh_exactly_once_on_the_auth_host_and_persist_first() {
    let Some(refreshed) = fixture("token_refresh.json") else {
        return;
    };
    let s = servers().await;
    // Inside the one-day refresh-ahead margin.
    let store = seeded(Duration::minutes(1), Some(Duration::days(100)));
    refresh_mock(refreshed).expect(1).mount(&s.auth).await;
    Mock::given(method("POST"))
        .and(path("/rest/product/stock/sellable/update"))
        .and(ValidSign)
        .and(param("access_token", NEW_TOKEN))
        .respond_with(RequirePersisted(store.clone()))
        .expect(4)
        .mount(&s.api)
        .await;
    let seller = Arc::new(channel(&s, store.clone()));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..4 {
        let seller = seller.clone();
        tasks.spawn(async move {
            seller
                .update_stock(&[StockUpdate {
                    id: RemoteId::variant(format!("{}", 1000 + i), format!("{}", 5000 + i)),
                    stock: 5,
                }])
                .await
                .unwrap()
        });
    }
    while let Some(outcome) = tasks.join_next().await {
        let outcome = outcome.unwrap();
        assert!(outcome.all_ok(), "{outcome:?}");
    }
    assert_eq!(*store.saves.lock().unwrap(), vec![NEW_TOKEN.to_owned()]);
    // The refresh token's remaining life comes from `refresh_expires_in` (179 days), not a reset.
    let saved = store.tokens.lock().unwrap().clone().unwrap();
    let left = saved.refresh_expires_at.unwrap() - Utc::now();
    assert!(
        left > Duration::days(178) && left <= Duration::days(179),
        "{left}"
    );
    s.auth.verify().await;
    s.api.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn illegal_access_token_refreshes_and_retries_once() {
    let (Some(illegal), Some(refreshed)) = (
        fixture("error_illegal_access_token.json"),
        fixture("token_refresh.json"),
    ) else {
        return;
    };
    let s = servers().await;
    let store = fresh();
    refresh_mock(refreshed).expect(1).mount(&s.auth).await;
    Mock::given(method("POST"))
        .and(path("/rest/product/price_quantity/update"))
        .and(ValidSign)
        .and(param("access_token", OLD_TOKEN))
        .respond_with(json_response(illegal))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/product/price_quantity/update"))
        .and(ValidSign)
        .and(param("access_token", NEW_TOKEN))
        .and(param(
            "payload",
            "<Request><Product><Skus><Sku><ItemId>2100000001</ItemId><SkuId>13000000001</SkuId><Price>185000</Price></Sku></Skus></Product></Request>",
        ))
        .respond_with(write_ok())
        .expect(1)
        .mount(&s.api)
        .await;
    let seller = channel(&s, store.clone());
    let outcome = seller
        .update_price(&[PriceUpdate {
            id: RemoteId::variant("2100000001", "13000000001"),
            price_vnd: 185000,
        }])
        .await
        .unwrap();
    assert!(outcome.all_ok(), "{outcome:?}");
    assert_eq!(store.access_token(), NEW_TOKEN);
    s.auth.verify().await;
    s.api.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn auth_failure_after_refresh_is_not_retried_again_and_stops_the_batch() {
    let (Some(illegal), Some(refreshed)) = (
        fixture("error_illegal_access_token.json"),
        fixture("token_refresh.json"),
    ) else {
        return;
    };
    let s = servers().await;
    refresh_mock(refreshed).expect(1).mount(&s.auth).await;
    Mock::given(method("POST"))
        .and(path("/rest/product/stock/sellable/update"))
        .respond_with(json_response(illegal))
        .expect(2)
        .mount(&s.api)
        .await;
    // Batch size 1: two calls planned, the second is never sent.
    let seller = channel_with(&s, fresh(), 1);
    let outcome = seller
        .update_stock(&[
            StockUpdate {
                id: RemoteId::variant("1", "11"),
                stock: 1,
            },
            StockUpdate {
                id: RemoteId::variant("2", "22"),
                stock: 1,
            },
        ])
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
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn a_rejected_refresh_token_needs_reauthorisation() {
    let s = servers().await;
    let store = seeded(Duration::minutes(1), Some(Duration::days(3)));
    Mock::given(method("POST"))
        .and(path("/rest/auth/token/refresh"))
        .and(ValidSign)
        .respond_with(json_response(json!({
            "type": "ISV", "code": "IllegalRefreshToken",
            "message": "The specified refresh token is invalid or expired", "request_id": "r1"
        })))
        .expect(1)
        .mount(&s.auth)
        .await;
    let seller = channel(&s, store);
    let err = seller.refresh_tokens_if_due().await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::ReauthRequired { .. }),
        "{err}"
    );
    assert_eq!(&*err.endpoint, "/auth/token/refresh");
    assert_eq!(&*err.account, "lazada-test");
    // Three days left: the seller is warned to re-authorise.
    assert!(matches!(
        seller.refresh_token_status().await.unwrap(),
        RefreshTokenStatus::EndingSoon { .. }
    ));
    s.auth.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn an_expired_refresh_token_is_not_even_sent() {
    let s = servers().await;
    // Access token expired too: nothing can be done without the seller.
    let store = seeded(Duration::minutes(-5), Some(Duration::hours(-1)));
    let seller = channel(&s, store.clone());
    assert!(matches!(
        seller.refresh_token_status().await.unwrap(),
        RefreshTokenStatus::Expired { .. }
    ));
    let err = seller.refresh_tokens_if_due().await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::ReauthRequired { ref code, .. } if code == "kho.refresh_token_expired"),
        "{err}"
    );
    let outcome = seller
        .update_stock(&[StockUpdate {
            id: RemoteId::variant("1", "11"),
            stock: 1,
        }])
        .await
        .unwrap();
    assert!(matches!(
        outcome.failures().next().map(|(_, e)| &e.kind),
        Some(ErrorKind::ReauthRequired { .. })
    ));
    assert!(
        s.auth
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
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
async fn a_failed_early_refresh_does_not_block_a_token_that_still_works() {
    let s = servers().await;
    // Refresh is due (12 h left < one-day margin) but the refresh token has ended.
    let store = seeded(Duration::hours(12), Some(Duration::hours(-1)));
    Mock::given(method("POST"))
        .and(path("/rest/product/stock/sellable/update"))
        .and(ValidSign)
        .and(param("access_token", OLD_TOKEN))
        .respond_with(write_ok())
        .expect(1)
        .mount(&s.api)
        .await;
    let seller = channel(&s, store);
    let outcome = seller
        .update_stock(&[StockUpdate {
            id: RemoteId::variant("1", "11"),
            stock: 1,
        }])
        .await
        .unwrap();
    assert!(outcome.all_ok(), "{outcome:?}");
    // …but the scheduler hears about it.
    assert!(seller.refresh_tokens_if_due().await.is_err());
    s.api.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn authorize_exchanges_the_code_on_the_auth_host_and_stores_the_tokens() {
    let Some(created) = fixture("token_create.json") else {
        return;
    };
    let s = servers().await;
    Mock::given(method("POST"))
        .and(path("/rest/auth/token/create"))
        .and(ValidSign)
        .and(NoAccessToken)
        .and(param("code", "0_TryzT8Vd9T1pwS7VWZ2qlMOS5"))
        .respond_with(json_response(created))
        .expect(1)
        .mount(&s.auth)
        .await;
    let store = Arc::new(RecordingStore::default());
    let seller = channel(&s, store.clone());
    let authorized = seller
        .authorize(&SecretString::from("0_TryzT8Vd9T1pwS7VWZ2qlMOS5"))
        .await
        .unwrap();
    assert_eq!(authorized.seller_id.as_deref(), Some("200162025"));
    assert_eq!(authorized.country, "vn");
    assert_eq!(
        store.access_token(),
        "50000601c30atpedfgu3LVvik87Ixlsvle3mSoB7701ceb156fPunYZ43GBg"
    );
    let url = seller
        .authorization_url("https://kho.example.vn/lazada/callback", Some("xyz"))
        .unwrap();
    assert_eq!(url.path(), "/oauth/authorize");
    let q: HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], APP_KEY);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["redirect_uri"], "https://kho.example.vn/lazada/callback");
    s.auth.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn api_call_limit_is_retried_after_the_ban_and_signature_errors_are_not() {
    let (Some(limit), Some(bad_sign)) = (
        fixture("error_api_call_limit.json"),
        fixture("error_incomplete_signature.json"),
    ) else {
        return;
    };
    let s = servers().await;
    Mock::given(method("POST"))
        .and(path("/rest/product/price_quantity/update"))
        .and(PayloadContains("<SkuId>11</SkuId>"))
        .respond_with(json_response(limit))
        .up_to_n_times(1)
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/product/price_quantity/update"))
        .and(ValidSign)
        .and(PayloadContains("<SkuId>11</SkuId>"))
        .respond_with(write_ok())
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/product/price_quantity/update"))
        .and(PayloadContains("<SkuId>22</SkuId>"))
        .respond_with(json_response(bad_sign))
        .expect(1)
        .mount(&s.api)
        .await;
    let seller = channel_with(&s, fresh(), 1);
    let started = std::time::Instant::now();
    let outcome = seller
        .update_price(&[
            PriceUpdate {
                id: RemoteId::variant("1", "11"),
                price_vnd: 1000,
            },
            PriceUpdate {
                id: RemoteId::variant("2", "22"),
                price_vnd: 1000,
            },
        ])
        .await
        .unwrap();
    // "this ban will last 1 seconds" was honoured.
    assert!(started.elapsed() >= std::time::Duration::from_millis(950));
    assert!(outcome.results[0].outcome.is_ok(), "{outcome:?}");
    let err = outcome.results[1].outcome.as_ref().unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::Permanent {
            code: "IncompleteSignature".into(),
            message: "The request signature does not conform to lazop standards".into()
        }
    );
    assert_eq!(err.request_id.as_deref(), Some("0ba2887315178178017221025"));
    s.api.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn partial_failure_detail_becomes_per_sku_results() {
    let Some(partial) = fixture("sellable_update_partial_failure.json") else {
        return;
    };
    let s = servers().await;
    Mock::given(method("POST"))
        .and(path("/rest/product/stock/sellable/update"))
        .and(ValidSign)
        .and(param(
            "payload",
            "<Request><Product><Skus>\
             <Sku><ItemId>2100000001</ItemId><SkuId>13000000001</SkuId><SellableQuantity>3</SellableQuantity></Sku>\
             <Sku><ItemId>2100000002</ItemId><SkuId>13000000002</SkuId><SellableQuantity>40</SellableQuantity></Sku>\
             </Skus></Product></Request>",
        ))
        .respond_with(json_response(partial))
        .expect(1)
        .mount(&s.api)
        .await;
    // Detail naming only the product fails every SKU of that product in the call, and only those.
    Mock::given(method("POST"))
        .and(path("/rest/product/price_quantity/update"))
        .and(ValidSign)
        .respond_with(json_response(json!({
            "type": "ISP", "code": "501", "message": "E501: Update product failed", "request_id": "r9",
            "detail": [{"field": "bizCheck", "code": "E0501", "item_id": 7, "message": "campaign lock"}]
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    let seller = channel(&s, fresh());
    let outcome = seller
        .update_stock(&[
            StockUpdate {
                id: RemoteId::variant("2100000001", "13000000001"),
                stock: 3,
            },
            StockUpdate {
                id: RemoteId::variant("2100000002", "13000000002"),
                stock: 40,
            },
        ])
        .await
        .unwrap();
    let err = outcome.results[0].outcome.as_ref().unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::Permanent {
            code: "E0501".into(),
            message: "negative sellable on channel inventory, sellable quantity 3 is below the 10 locked by campaigns".into()
        }
    );
    assert_eq!(&*err.endpoint, "/product/stock/sellable/update");
    assert_eq!(&*err.account, "lazada-test");
    assert!(outcome.results[1].outcome.is_ok(), "{outcome:?}");

    let outcome = seller
        .update_price(&[
            PriceUpdate {
                id: RemoteId::variant("7", "70"),
                price_vnd: 1,
            },
            PriceUpdate {
                id: RemoteId::variant("8", "80"),
                price_vnd: 1,
            },
            PriceUpdate {
                id: RemoteId::variant("7", "71"),
                price_vnd: 1,
            },
        ])
        .await
        .unwrap();
    let ok: Vec<bool> = outcome.results.iter().map(|r| r.outcome.is_ok()).collect();
    assert_eq!(ok, vec![false, true, false]);
    s.api.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn a_rollup_without_detail_fails_the_whole_call() {
    let Some(too_many) = fixture("price_quantity_too_many_skus.json") else {
        return;
    };
    let s = servers().await;
    Mock::given(method("POST"))
        .and(path("/rest/product/price_quantity/update"))
        .respond_with(json_response(too_many))
        .expect(1)
        .mount(&s.api)
        .await;
    let seller = channel(&s, fresh());
    let outcome = seller
        .update_price(&[
            PriceUpdate {
                id: RemoteId::variant("7", "70"),
                price_vnd: 1,
            },
            PriceUpdate {
                id: RemoteId::variant("8", "80"),
                price_vnd: 1,
            },
        ])
        .await
        .unwrap();
    assert!(outcome.results.iter().all(|r| matches!(
        &r.outcome,
        Err(e) if matches!(&e.kind, ErrorKind::Permanent { code, .. } if code == "4171")
    )));
    s.api.verify().await;
    assert_all_signed(&s).await;
}

/// Records each call's payload.
struct RecordPayloads(Arc<Mutex<Vec<String>>>);

impl Respond for RecordPayloads {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if let Some(p) = params(request).get("payload") {
            self.0.lock().unwrap().push(p.clone());
        }
        write_ok()
    }
}

#[tokio::test]
async fn one_hundred_twenty_skus_over_forty_products_cost_three_calls_at_batch_size_fifty() {
    let s = servers().await;
    let payloads = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .and(path("/rest/product/stock/sellable/update"))
        .and(ValidSign)
        .respond_with(RecordPayloads(payloads.clone()))
        .expect(3)
        .mount(&s.api)
        .await;
    let seller = channel_with(&s, fresh(), 50);
    assert_eq!(
        seller.capabilities().stock_batch,
        BatchScope::AcrossItems { max_variants: 50 }
    );
    // 40 products × 3 SKUs, interleaved as a sync would produce them.
    let updates: Vec<StockUpdate> = (0..120)
        .map(|i| StockUpdate {
            id: RemoteId::variant(
                format!("{}", 2_100_000_000 + i % 40),
                format!("{}", 13_000_000_000i64 + i),
            ),
            stock: i,
        })
        .collect();
    let ids: Vec<RemoteId> = updates.iter().map(|u| u.id.clone()).collect();
    assert_eq!(seller.capabilities().stock_batch.calls_for(&ids), 3);
    let outcome = seller.update_stock(&updates).await.unwrap();
    assert_eq!(outcome.results.len(), 120);
    assert!(outcome.all_ok(), "{outcome:?}");
    let payloads = payloads.lock().unwrap().clone();
    let skus: Vec<usize> = payloads
        .iter()
        .map(|p| p.matches("<Sku>").count())
        .collect();
    assert_eq!(skus, vec![50, 50, 20]);
    // Each call mixes products.
    assert!(
        payloads[0].matches("<ItemId>").count() == 50
            && payloads[0].contains("<ItemId>2100000039</ItemId>")
    );
    // Results stay in input order.
    assert_eq!(outcome.results[119].key, ids[119]);
    s.api.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn listings_are_paged_by_offset_one_per_sku() {
    let Some(page1) = fixture("products_get.json") else {
        return;
    };
    let s = servers().await;
    Mock::given(method("GET"))
        .and(path("/rest/products/get"))
        .and(ValidSign)
        .and(param("offset", "0"))
        .and(param("limit", "50"))
        .and(param("filter", "all"))
        .respond_with(json_response(page1))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/products/get"))
        .and(ValidSign)
        .and(param("offset", "1"))
        .respond_with(ok(json!({"total_products": 2, "products": [{
            "item_id": 2100000002, "status": "Active", "attributes": {"name": "Cà phê rang"},
            "skus": [
                {"SkuId": 13000000002i64, "SellerSku": "CAFE-RANG-500G", "Status": "active", "quantity": 5, "Available": 5, "price": 120000},
                {"SkuId": 13000000003i64, "SellerSku": "CAFE-RANG-1KG", "Status": "inactive", "quantity": 0, "Available": 0, "price": "230000.00"}
            ]
        }]})))
        .expect(1)
        .mount(&s.api)
        .await;
    let seller = channel(&s, fresh());
    let first = seller.list_listings(None).await.unwrap();
    assert_eq!(first.items.len(), 1);
    let rice = &first.items[0];
    assert_eq!(rice.seller_sku, "ST25-5KG");
    assert_eq!(rice.id, RemoteId::variant("2100000001", "13000000001"));
    // Sellable, not total: 100 of 120.
    assert_eq!(rice.stock, 100);
    assert_eq!(rice.price_vnd, 180000);
    assert_eq!(rice.status, ListingStatus::Active);
    let next = first.next.expect("second page");
    let second = seller.list_listings(Some(&next)).await.unwrap();
    let skus: Vec<&str> = second.items.iter().map(|l| l.seller_sku.as_str()).collect();
    assert_eq!(skus, vec!["CAFE-RANG-500G", "CAFE-RANG-1KG"]);
    assert_eq!(second.items[1].status, ListingStatus::Inactive);
    assert_eq!(second.items[1].price_vnd, 230000);
    assert!(second.next.is_none());
    s.api.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn orders_are_paged_by_offset_and_units_fold_into_quantities() {
    let (Some(orders_page), Some(items)) =
        (fixture("orders_get.json"), fixture("orders_items_get.json"))
    else {
        return;
    };
    let s = servers().await;
    let from = Utc.with_ymd_and_hms(2026, 11, 29, 0, 0, 0).unwrap();
    let to = from + Duration::days(1);
    let mut first = orders_page.clone();
    first["data"]["countTotal"] = json!(2);
    Mock::given(method("GET"))
        .and(path("/rest/orders/get"))
        .and(ValidSign)
        .and(param("update_after", "2026-11-29T00:00:00+00:00"))
        .and(param("update_before", "2026-11-30T00:00:00+00:00"))
        .and(param("sort_by", "updated_at"))
        .and(param("offset", "0"))
        .and(param("limit", "100"))
        .respond_with(json_response(first))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/orders/get"))
        .and(ValidSign)
        .and(param("offset", "1"))
        .respond_with(ok(json!({"count": 1, "countTotal": 2, "orders": [
            {"order_id": 700000002, "created_at": "2026-11-29T22:00:00+07:00", "updated_at": "2026-11-29T23:00:00+07:00", "statuses": ["canceled"]}
        ]})))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/orders/items/get"))
        .and(ValidSign)
        .and(param("order_ids", "[700000001,700000002]"))
        .respond_with(json_response(items))
        .expect(1)
        .mount(&s.api)
        .await;
    let seller = channel(&s, fresh());
    let query = OrderQuery {
        window: TimeWindow::new(from, to),
        field: OrderTimeField::Updated,
    };
    let mut refs = Vec::new();
    let mut page = None;
    loop {
        let result = seller.list_orders(&query, page.as_ref()).await.unwrap();
        refs.extend(result.items);
        match result.next {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    let ids: Vec<String> = refs.iter().map(|r| r.order_id.clone()).collect();
    assert_eq!(ids, vec!["700000001", "700000002"]);
    assert_eq!(refs[0].status, Some(OrderStatus::Ready));
    assert_eq!(refs[1].status, Some(OrderStatus::Cancelled));
    // Unknown-looking ids are left out without a call.
    let mut asked = ids.clone();
    asked.push("not-an-order".into());
    let orders = seller.get_orders(&asked).await.unwrap();
    assert_eq!(orders.len(), 1);
    let order = &orders[0];
    assert_eq!(order.order_id, "700000001");
    assert_eq!(order.status, OrderStatus::Ready);
    assert_eq!(order.raw_status, "pending");
    assert_eq!(order.currency, "VND");
    assert_eq!(order.lines.len(), 1);
    assert_eq!(order.lines[0].seller_sku, "ST25-5KG");
    assert_eq!(order.lines[0].quantity, 2);
    assert_eq!(order.lines[0].unit_price_vnd, 180000);
    assert_eq!(
        order.lines[0].remote,
        RemoteId::variant("2100000001", "13000000001")
    );
    s.api.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn order_listing_moves_the_time_filter_past_the_offset_cap() {
    let s = servers().await;
    let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let to = from + Duration::days(30);
    let orders: Vec<Value> = (0..100)
        .map(|i| json!({"order_id": 1000 + i, "created_at": "2026-11-02T00:00:00+07:00", "updated_at": "2026-11-10T10:00:00+07:00", "statuses": ["delivered"]}))
        .collect();
    Mock::given(method("GET"))
        .and(path("/rest/orders/get"))
        .and(ValidSign)
        .and(param("offset", "4950"))
        .respond_with(ok(
            json!({"count": 100, "countTotal": 9000, "orders": orders}),
        ))
        .expect(1)
        .mount(&s.api)
        .await;
    let seller = channel(&s, fresh());
    let query = OrderQuery {
        window: TimeWindow::new(from, to),
        field: OrderTimeField::Updated,
    };
    let token = kho_channel::PageToken(format!("{}:4950", from.timestamp()));
    let page = seller.list_orders(&query, Some(&token)).await.unwrap();
    let latest = Utc.with_ymd_and_hms(2026, 11, 10, 3, 0, 0).unwrap();
    assert_eq!(
        page.next,
        Some(kho_channel::PageToken(format!("{}:0", latest.timestamp())))
    );
    s.api.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn activate_and_deactivate_products() {
    let s = servers().await;
    Mock::given(method("POST"))
        .and(path("/rest/product/deactivate"))
        .and(ValidSign)
        .and(param(
            "apiRequestBody",
            "<Request><Product><ItemId>2100000001</ItemId></Product></Request>",
        ))
        .respond_with(write_ok())
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/product/item/get"))
        .and(ValidSign)
        .and(param("item_id", "2100000002"))
        .respond_with(ok(
            json!({"item_id": 2100000002, "status": "InActive", "skus": [
                {"SkuId": 13000000002i64, "SellerSku": "CAFE-RANG-500G", "Status": "inactive"}
            ]}),
        ))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/product/update"))
        .and(ValidSign)
        .and(PayloadContains(r#""Status":"active""#))
        .and(PayloadContains(r#""SkuId":"13000000002""#))
        .respond_with(write_ok())
        .expect(1)
        .mount(&s.api)
        .await;
    let seller = channel(&s, fresh());
    let outcome = seller
        .set_status(&[
            StatusChange {
                item_id: "2100000001".into(),
                active: false,
            },
            StatusChange {
                item_id: "2100000002".into(),
                active: true,
            },
            StatusChange {
                item_id: "bogus".into(),
                active: false,
            },
        ])
        .await
        .unwrap();
    let ok: Vec<bool> = outcome.results.iter().map(|r| r.outcome.is_ok()).collect();
    assert_eq!(ok, vec![true, true, false]);
    s.api.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn publish_migrates_images_then_creates_with_arrays() {
    let Some(created) = fixture("product_create.json") else {
        return;
    };
    let s = servers().await;
    Mock::given(method("POST"))
        .and(path("/rest/image/migrate"))
        .and(ValidSign)
        .and(param(
            "payload",
            "<Request><Image><Url><![CDATA[https://htx.example.vn/cafe.jpg?w=800&h=800]]></Url></Image></Request>",
        ))
        .respond_with(ok(json!({"image": {"url": "https://vn-live-01.slatic.net/p/cafe.jpg", "hash_code": "h"}})))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/product/create"))
        .and(ValidSign)
        .and(CreatePayload)
        .respond_with(json_response(created))
        .expect(1)
        .mount(&s.api)
        .await;
    let seller = channel(&s, fresh());
    let published = seller
        .publish(&ListingDraft {
            name: "Cà phê rang xay".into(),
            description: "Cà phê Robusta Đắk Lắk".into(),
            category: "coffee".into(),
            images: vec![
                DraftImage::Url("https://htx.example.vn/cafe.jpg?w=800&h=800".into()),
                DraftImage::Url("https://vn-live-01.slatic.net/p/already.jpg".into()),
            ],
            weight_g: 500,
            variants: vec![VariantDraft {
                seller_sku: "CAFE-RANG-500G".into(),
                name: "500 g".into(),
                price_vnd: 120000,
                stock: 30,
            }],
        })
        .await
        .unwrap();
    assert_eq!(published.item_id, "2100000002");
    assert_eq!(
        published.variants,
        vec![(
            "CAFE-RANG-500G".to_owned(),
            RemoteId::variant("2100000002", "13000000002")
        )]
    );
    s.api.verify().await;
    assert_all_signed(&s).await;
}

/// The create payload has the documented JSON shape, with arrays for `Image` and `Sku`.
struct CreatePayload;

impl Match for CreatePayload {
    fn matches(&self, request: &Request) -> bool {
        let Some(payload) = params(request).get("payload").cloned() else {
            return false;
        };
        let Ok(v) = serde_json::from_str::<Value>(&payload) else {
            return false;
        };
        let p = &v["Request"]["Product"];
        p["PrimaryCategory"] == json!("10002019")
            && p["Images"]["Image"]
                == json!([
                    "https://vn-live-01.slatic.net/p/cafe.jpg",
                    "https://vn-live-01.slatic.net/p/already.jpg"
                ])
            && p["Attributes"]["name"] == json!("Cà phê rang xay")
            && p["Attributes"]["brand"] == json!("No Brand")
            && p["Attributes"]["warranty_type"] == json!("No Warranty")
            && p["Skus"]["Sku"].as_array().is_some_and(|a| a.len() == 1)
            && p["Skus"]["Sku"][0]["SellerSku"] == json!("CAFE-RANG-500G")
            && p["Skus"]["Sku"][0]["price"] == json!("120000")
            && p["Skus"]["Sku"][0]["quantity"] == json!("30")
            && p["Skus"]["Sku"][0]["package_weight"] == json!("0.5")
    }
}

#[tokio::test]
async fn publish_refuses_bad_drafts_before_any_call() {
    let s = servers().await;
    let seller = channel(&s, fresh());
    let variant = |sku: &str| VariantDraft {
        seller_sku: sku.into(),
        name: sku.into(),
        price_vnd: 1,
        stock: 1,
    };
    let mut draft = ListingDraft {
        name: "x".into(),
        description: "x".into(),
        category: "unknown".into(),
        images: vec![DraftImage::Url("http://127.0.0.1:1/x.jpg".into())],
        weight_g: 1,
        variants: vec![variant("A")],
    };
    let err = seller.publish(&draft).await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Permanent { ref code, .. } if code == "kho.unmapped_category")
    );
    draft.category = "coffee".into();
    draft.images = vec![];
    let err = seller.publish(&draft).await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Permanent { ref code, .. } if code == "kho.image_count"));
    assert!(
        s.api
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn push_verification_and_parsing_through_the_channel() {
    let s = servers().await;
    let seller = channel(&s, fresh());
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../simulator/fixtures/lazada/push_order_status.json");
    let Ok(body) = std::fs::read(&path) else {
        eprintln!("MISSING FIXTURE {} — test skipped", path.display());
        return;
    };
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        "b0cfd0349e915667babf3c35e2335fb09653527421c46a94bd9e70e874c16322"
            .parse()
            .unwrap(),
    );
    let request = WebhookRequest {
        url: "https://kho.example.vn/lazada/push",
        headers: &headers,
        body: &body,
    };
    seller.verify_webhook(&request).unwrap();
    let events = seller.parse_webhook(&body).unwrap();
    assert_eq!(
        events,
        vec![WebhookEvent::OrderStatusChanged {
            shop_id: "1234567".into(),
            order_id: "260422900198363".into(),
            status: None,
            raw_status: "unpaid".into(),
            updated_at: chrono::DateTime::from_timestamp(1603698638, 0),
        }]
    );
    let mut tampered = body.clone();
    tampered.push(b' ');
    assert!(
        seller
            .verify_webhook(&WebhookRequest {
                body: &tampered,
                ..request
            })
            .is_err()
    );
    let empty = reqwest::header::HeaderMap::new();
    assert_eq!(
        seller.verify_webhook(&WebhookRequest {
            headers: &empty,
            ..request
        }),
        Err(kho_channel::WebhookError::MissingSignature)
    );
}

#[tokio::test]
async fn errors_and_debug_output_never_carry_secrets() {
    let s = servers().await;
    Mock::given(method("POST"))
        .and(path("/rest/product/stock/sellable/update"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .mount(&s.api)
        .await;
    let seller = channel(&s, fresh());
    let outcome = seller
        .update_stock(&[StockUpdate {
            id: RemoteId::variant("1", "11"),
            stock: 1,
        }])
        .await
        .unwrap();
    let (_, err) = outcome.failures().next().unwrap();
    assert!(matches!(err.kind, ErrorKind::Transient { .. }));
    let shown = format!("{err} {err:?} {seller:?}");
    assert!(
        !shown.contains(OLD_TOKEN) && !shown.contains(SECRET) && !shown.contains(OLD_REFRESH),
        "{shown}"
    );
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn multi_warehouse_sellers_name_their_warehouse_in_stock_writes() {
    let s = servers().await;
    Mock::given(method("POST"))
        .and(path("/rest/product/stock/sellable/update"))
        .and(ValidSign)
        .and(param(
            "payload",
            "<Request><Product><Skus><Sku><ItemId>1</ItemId><SkuId>11</SkuId>\
             <MultiWarehouseInventories><MultiWarehouseInventory><WarehouseCode>dropshipping</WarehouseCode>\
             <SellableQuantity>0</SellableQuantity></MultiWarehouseInventory></MultiWarehouseInventories>\
             </Sku></Skus></Product></Request>",
        ))
        .respond_with(write_ok())
        .expect(1)
        .mount(&s.api)
        .await;
    let mut cfg = config(&s, 20);
    cfg.warehouse_code = Some("dropshipping".into());
    let transport = Transport::new(TransportConfig::default()).unwrap();
    let seller = LazadaChannel::new(cfg, Setup::new(&transport, fresh())).unwrap();
    // An oversold SKU (negative stock) is written as 0: sellable stock cannot go below zero.
    let outcome = seller
        .update_stock(&[StockUpdate {
            id: RemoteId::variant("1", "11"),
            stock: -3,
        }])
        .await
        .unwrap();
    assert!(outcome.all_ok(), "{outcome:?}");
    s.api.verify().await;
    assert_all_signed(&s).await;
}

#[tokio::test]
async fn the_signature_check_itself_rejects_a_wrong_secret() {
    let s = servers().await;
    Mock::given(method("GET"))
        .and(path("/rest/products/get"))
        .and(ValidSign)
        .respond_with(ok(json!({"total_products": 0, "products": []})))
        .expect(0)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/products/get"))
        .respond_with(json_response(json!({
            "type": "ISV", "code": "IncompleteSignature",
            "message": "The request signature does not conform to lazop standards", "request_id": "r"
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    let mut cfg = config(&s, 20);
    cfg.app_secret = SecretString::from("not-the-secret");
    let transport = Transport::new(TransportConfig::default()).unwrap();
    let seller = LazadaChannel::new(cfg, Setup::new(&transport, fresh())).unwrap();
    let err = seller.list_listings(None).await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Permanent { ref code, .. } if code == "IncompleteSignature"),
        "{err}"
    );
    let received = s.api.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 1, "permanent errors are not retried");
    assert!(!ValidSign.matches(&received[0]));
    s.api.verify().await;
}
