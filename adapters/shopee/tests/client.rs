//! `ShopeeChannel` against a wiremock server on 127.0.0.1: signing on the wire, classification, token refresh
//! (once under concurrency, persisted before use, retry once on "invalid access token"), `failure_list`
//! partial results, and paging of listings and orders.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use kho_channel::kit::Setup;
use kho_channel::test_support::RecordingStore;
use kho_channel::{
    Channel, DraftImage, ErrorKind, ListingDraft, OrderQuery, OrderStatus, OrderTimeField,
    PriceUpdate, RateLimit, RemoteId, StatusChange, StockUpdate, TimeWindow, Transport,
    TransportConfig, VariantDraft, WebhookRequest,
};
use kho_shopee::{
    CategoryMapping, LogisticMapping, ShopeeAccountConfig, ShopeeChannel, ShopeeMapping,
};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "1391fd986fe8ec7569bebed75b0c33ee35eb5a305bed7038657a5cd5f75b1c88";
const PARTNER: u64 = 2001887;
const SHOP: u64 = 14701711;
const OLD_TOKEN: &str = "59777174636562737266615546704c6d";
const OLD_REFRESH: &str = "4f4c445f524546524553485f544f4b45";
/// From `token_refresh.json`.
const NEW_TOKEN: &str = "71594a4c54537649697341796363674a";

fn fixture(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../simulator/fixtures/shopee")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn ok(response: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "request_id": "00112233445566778899aabbccddeeff", "error": "", "message": "", "response": response
    }))
}

/// The shop's old pair, its access token expiring `expires_in` from now.
fn seeded(expires_in: Duration) -> Arc<RecordingStore> {
    RecordingStore::seeded(OLD_TOKEN, OLD_REFRESH, expires_in, None)
}

/// Every request must carry a correct Shopee sign for its API type (docs/src/channels/shopee.md §3).
struct ValidSign;

impl Match for ValidSign {
    fn matches(&self, request: &Request) -> bool {
        let q: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let (Some(pid), Some(ts), Some(sign)) =
            (q.get("partner_id"), q.get("timestamp"), q.get("sign"))
        else {
            return false;
        };
        let (Ok(pid), Ok(ts)) = (pid.parse::<u64>(), ts.parse::<i64>()) else {
            return false;
        };
        if (Utc::now().timestamp() - ts).abs() > 300 {
            return false;
        }
        let key = SecretString::from(KEY);
        let path = request.url.path();
        let base = match (q.get("access_token"), q.get("shop_id")) {
            (Some(token), Some(shop)) => match shop.parse::<u64>() {
                Ok(shop) => kho_shopee::sign::shop_base_string(pid, path, ts, token, shop),
                Err(_) => return false,
            },
            _ => kho_shopee::sign::public_base_string(pid, path, ts),
        };
        *sign == kho_shopee::sign(&key, &base)
    }
}

fn config(server: &MockServer) -> ShopeeAccountConfig {
    let mut categories = std::collections::BTreeMap::new();
    categories.insert(
        "honey".to_owned(),
        CategoryMapping {
            category_id: 100644,
            attributes: vec![],
        },
    );
    ShopeeAccountConfig {
        name: "shopee-test".into(),
        base_url: server.uri().parse().unwrap(),
        partner_id: PARTNER,
        partner_key: SecretString::from(KEY),
        shop_id: SHOP,
        push_key: None,
        rate_limit: RateLimit::per_second(NonZeroU32::new(200).unwrap()),
        location_id: None,
        mapping: ShopeeMapping {
            categories,
            logistics: vec![LogisticMapping {
                logistic_id: 50018,
                enabled: true,
                shipping_fee: None,
                size_id: None,
                is_free: None,
            }],
            brand: None,
            variation_name: "Dung tích".into(),
            publish_unlisted: false,
        },
    }
}

fn channel(server: &MockServer, store: Arc<RecordingStore>) -> ShopeeChannel {
    let transport = Transport::new(TransportConfig {
        retry: kho_channel::RetryPolicy {
            min_delay: std::time::Duration::from_millis(10),
            max_delay: std::time::Duration::from_millis(50),
            ..Default::default()
        },
        ..TransportConfig::default()
    })
    .unwrap();
    ShopeeChannel::new(config(server), Setup::new(&transport, store)).unwrap()
}

fn refresh_mock() -> Mock {
    Mock::given(method("POST"))
        .and(path("/api/v2/auth/access_token/get"))
        .and(ValidSign)
        .and(body_partial_json(
            json!({"refresh_token": OLD_REFRESH, "partner_id": PARTNER, "shop_id": SHOP}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("token_refresh.json")))
}

/// Answers success only if the token it is called with has already been persisted.
struct RequirePersisted(Arc<RecordingStore>);

impl Respond for RequirePersisted {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let used = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if used == self.0.access_token() {
            ok(json!({"failure_list": [], "success_list": [{"model_id": 0, "stock": 5}]}))
        } else {
            ResponseTemplate::new(200).set_body_json(json!({
                "request_id": "x", "error": "error_param", "message": "token used before it was persisted"
            }))
        }
    }
}

#[tokio::test]
async fn concurrent_calls_during_expiry_refresh_exactly_once_and_persist_first() {
    let server = MockServer::start().await;
    let store = seeded(Duration::minutes(1)); // inside the 10-minute refresh-ahead margin
    refresh_mock().expect(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/product/update_stock"))
        .and(ValidSign)
        .and(query_param("access_token", NEW_TOKEN))
        .respond_with(RequirePersisted(store.clone()))
        .expect(4)
        .mount(&server)
        .await;
    let shop = Arc::new(channel(&server, store.clone()));
    let mut tasks = tokio::task::JoinSet::new();
    for item in 0..4 {
        let shop = shop.clone();
        tasks.spawn(async move {
            shop.update_stock(&[StockUpdate {
                id: RemoteId::item(format!("{}", 1000 + item)),
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
    server.verify().await;
}

#[tokio::test]
async fn invalid_access_token_answer_refreshes_and_retries_once() {
    let server = MockServer::start().await;
    let store = seeded(Duration::hours(3));
    refresh_mock().expect(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/product/update_price"))
        .and(query_param("access_token", OLD_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("error_envelope.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/product/update_price"))
        .and(ValidSign)
        .and(query_param("access_token", NEW_TOKEN))
        .and(body_partial_json(json!({"item_id": 34001, "price_list": [{"model_id": 0, "original_price": 125000}]})))
        .respond_with(ok(json!({"failure_list": [], "success_list": [{"model_id": 0, "original_price": 125000}]})))
        .expect(1)
        .mount(&server)
        .await;
    let shop = channel(&server, store.clone());
    let outcome = shop
        .update_price(&[PriceUpdate {
            id: RemoteId::item("34001"),
            price_vnd: 125000,
        }])
        .await
        .unwrap();
    assert!(outcome.all_ok(), "{outcome:?}");
    assert_eq!(store.access_token(), NEW_TOKEN);
    server.verify().await;
}

#[tokio::test]
async fn auth_failure_after_refresh_is_not_retried_again() {
    let server = MockServer::start().await;
    let store = seeded(Duration::hours(3));
    refresh_mock().expect(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/product/update_stock"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("error_envelope.json")))
        .expect(2)
        .mount(&server)
        .await;
    let shop = channel(&server, store);
    let outcome = shop
        .update_stock(&[
            StockUpdate {
                id: RemoteId::item("1"),
                stock: 1,
            },
            StockUpdate {
                id: RemoteId::item("2"),
                stock: 1,
            },
        ])
        .await
        .unwrap();
    let failures: Vec<_> = outcome.failures().collect();
    assert_eq!(failures.len(), 2);
    // The second item was not attempted after an auth failure: no extra calls, same error.
    assert!(
        failures
            .iter()
            .all(|(_, e)| matches!(e.kind, ErrorKind::AuthExpired { .. }))
    );
    server.verify().await;
}

#[tokio::test]
async fn failure_list_gives_per_item_results_in_one_call_per_item() {
    let server = MockServer::start().await;
    let store = seeded(Duration::hours(3));
    Mock::given(method("POST"))
        .and(path("/api/v2/product/update_stock"))
        .and(ValidSign)
        .and(body_partial_json(json!({"item_id": 34002, "stock_list": [
            {"model_id": 2000458802, "seller_stock": [{"stock": 100}]},
            {"model_id": 2000458803, "seller_stock": [{"stock": 1}]}
        ]})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("update_stock_partial_failure.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/product/unlist_item"))
        .and(body_partial_json(json!({"item_list": [{"item_id": 34001, "unlist": true}, {"item_id": 34003, "unlist": true}]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("unlist_item.json")))
        .expect(1)
        .mount(&server)
        .await;
    let shop = channel(&server, store);
    let outcome = shop
        .update_stock(&[
            StockUpdate {
                id: RemoteId::variant("34002", "2000458802"),
                stock: 100,
            },
            StockUpdate {
                id: RemoteId::variant("34002", "2000458803"),
                stock: 1,
            },
        ])
        .await
        .unwrap();
    assert!(outcome.results[0].outcome.is_ok());
    let err = outcome.results[1].outcome.as_ref().unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::Permanent {
            code: "failure_list".into(),
            message: "Can not update item with stock less than reserved stock".into()
        }
    );
    assert_eq!(&*err.account, "shopee-test");
    assert_eq!(&*err.endpoint, "/api/v2/product/update_stock");

    let outcome = shop
        .set_status(&[
            StatusChange {
                item_id: "34001".into(),
                active: false,
            },
            StatusChange {
                item_id: "34003".into(),
                active: false,
            },
        ])
        .await
        .unwrap();
    assert!(outcome.results[0].outcome.is_ok());
    assert!(
        matches!(&outcome.results[1].outcome, Err(e) if e.kind.to_string().contains("under promotion"))
    );
    server.verify().await;
}

#[tokio::test]
async fn rate_limit_answers_are_retried_and_permanent_errors_are_not() {
    let server = MockServer::start().await;
    let store = seeded(Duration::hours(3));
    Mock::given(method("POST"))
        .and(path("/api/v2/product/update_price"))
        .and(body_partial_json(json!({"item_id": 1})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("error_rate_limit.json")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/product/update_price"))
        .and(body_partial_json(json!({"item_id": 1})))
        .respond_with(ok(
            json!({"failure_list": [], "success_list": [{"model_id": 0}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/product/update_price"))
        .and(body_partial_json(json!({"item_id": 2})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "request_id": "r", "error": "product.error_param", "message": "invalid field ItemId: value must  Not Null"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let shop = channel(&server, store);
    let outcome = shop
        .update_price(&[
            PriceUpdate {
                id: RemoteId::item("1"),
                price_vnd: 1000,
            },
            PriceUpdate {
                id: RemoteId::item("2"),
                price_vnd: 1000,
            },
        ])
        .await
        .unwrap();
    assert!(outcome.results[0].outcome.is_ok());
    let err = outcome.results[1].outcome.as_ref().unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::Permanent {
            code: "product.error_param".into(),
            message: "invalid field ItemId: value must  Not Null".into()
        }
    );
    assert_eq!(err.request_id.as_deref(), Some("r"));
    server.verify().await;
}

#[tokio::test]
async fn listings_are_paged_and_include_models() {
    let server = MockServer::start().await;
    let store = seeded(Duration::hours(3));
    Mock::given(method("GET"))
        .and(path("/api/v2/product/get_item_list"))
        .and(ValidSign)
        .and(query_param("offset", "0"))
        .respond_with(ok(json!({
            "item": [{"item_id": 34001, "item_status": "NORMAL"}, {"item_id": 34002, "item_status": "NORMAL"}],
            "total_count": 2, "has_next_page": true, "next_offset": 2
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/product/get_item_list"))
        .and(query_param("offset", "2"))
        .respond_with(ok(
            json!({"item": [], "total_count": 2, "has_next_page": false, "next_offset": 0}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/product/get_item_base_info"))
        .and(query_param("item_id_list", "34001,34002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get_item_base_info.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/product/get_model_list"))
        .and(query_param("item_id", "34002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get_model_list.json")))
        .expect(1)
        .mount(&server)
        .await;
    let shop = channel(&server, store);
    let first = shop.list_listings(None).await.unwrap();
    let skus: Vec<&str> = first.items.iter().map(|l| l.seller_sku.as_str()).collect();
    assert_eq!(skus, vec!["HTX-TRA-100", "HTX-MAT-ONG-250"]);
    let next = first.next.expect("second page");
    let second = shop.list_listings(Some(&next)).await.unwrap();
    assert!(second.items.is_empty());
    assert!(second.next.is_none());
    server.verify().await;
}

/// Checks that every order-list query stays inside Shopee's 15-day window.
struct WindowAtMost15Days;

impl Match for WindowAtMost15Days {
    fn matches(&self, request: &Request) -> bool {
        let q: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        match (
            q.get("time_from").and_then(|v| v.parse::<i64>().ok()),
            q.get("time_to").and_then(|v| v.parse::<i64>().ok()),
        ) {
            (Some(from), Some(to)) => from < to && to - from <= 15 * 24 * 3600,
            _ => false,
        }
    }
}

#[tokio::test]
async fn orders_are_listed_in_15_day_windows_with_cursor_then_detailed() {
    let server = MockServer::start().await;
    let store = seeded(Duration::hours(3));
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let to = from + Duration::days(20);
    // Window 1, first page → cursor "20"; second page ends the window.
    Mock::given(method("GET"))
        .and(path("/api/v2/order/get_order_list"))
        .and(WindowAtMost15Days)
        .and(query_param("time_from", from.timestamp().to_string()))
        .and(query_param("cursor", ""))
        .and(query_param("time_range_field", "update_time"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get_order_list.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/order/get_order_list"))
        .and(WindowAtMost15Days)
        .and(query_param("cursor", "20"))
        .respond_with(ok(json!({"more": false, "next_cursor": "", "order_list": [{"order_sn": "2404098R48U37H", "order_status": "COMPLETED"}]})))
        .expect(1)
        .mount(&server)
        .await;
    // Window 2.
    Mock::given(method("GET"))
        .and(path("/api/v2/order/get_order_list"))
        .and(WindowAtMost15Days)
        .and(query_param("time_to", to.timestamp().to_string()))
        .and(query_param("cursor", ""))
        .respond_with(ok(
            json!({"more": false, "next_cursor": "", "order_list": []}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/order/get_order_detail"))
        .and(ValidSign)
        .and(query_param(
            "order_sn_list",
            "201218V2Y6E59M,2404098R48U37H",
        ))
        .and(wiremock::matchers::query_param_contains(
            "response_optional_fields",
            "item_list",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get_order_detail.json")))
        .expect(1)
        .mount(&server)
        .await;

    let shop = channel(&server, store);
    let query = OrderQuery {
        window: TimeWindow::new(from, to),
        field: OrderTimeField::Updated,
    };
    let mut ids = Vec::new();
    let mut page = None;
    let mut pages = 0;
    loop {
        let result = shop.list_orders(&query, page.as_ref()).await.unwrap();
        pages += 1;
        ids.extend(result.items.iter().map(|o| o.order_id.clone()));
        match result.next {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(ids, vec!["201218V2Y6E59M", "2404098R48U37H"]);
    let orders = shop.get_orders(&ids).await.unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].status, OrderStatus::Delivered);
    assert_eq!(orders[0].lines[0].quantity, 1);
    server.verify().await;
}

#[tokio::test]
async fn publish_multi_variant_uploads_then_adds_item_tiers_and_models() {
    let server = MockServer::start().await;
    let store = seeded(Duration::hours(3));
    // upload_image is a Public API: no access_token or shop_id in the query.
    Mock::given(method("POST"))
        .and(path("/api/v2/media_space/upload_image"))
        .and(ValidSign)
        .and(NoShopParams)
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("upload_image.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/product/add_item"))
        .and(ValidSign)
        .and(body_partial_json(json!({
            "category_id": 100644, "original_price": 150000, "weight": 0.5,
            "image": {"image_id_list": ["sg-11134201-22110-abc"]},
            "logistic_info": [{"logistic_id": 50018, "enabled": true}],
            "seller_stock": [{"stock": 30}]
        })))
        .respond_with(ok(json!({"item_id": 34002})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/product/init_tier_variation"))
        .and(body_partial_json(json!({"item_id": 34002, "tier_variation": [{"name": "Dung tích", "option_list": [{"option": "250ml"}, {"option": "500ml"}]}]})))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/product/add_model"))
        .and(body_partial_json(json!({"item_id": 34002, "model_list": [
            {"tier_index": [0], "original_price": 150000, "model_sku": "HTX-MAT-ONG-250", "seller_stock": [{"stock": 10}]},
            {"tier_index": [1], "original_price": 280000, "model_sku": "HTX-MAT-ONG-500", "seller_stock": [{"stock": 20}]}
        ]})))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/product/get_model_list"))
        .and(query_param("item_id", "34002"))
        .respond_with(ok(json!({"model": [
            {"model_id": 2000458802, "tier_index": [0], "model_sku": "HTX-MAT-ONG-250"},
            {"model_id": 2000458803, "tier_index": [1], "model_sku": "HTX-MAT-ONG-500"}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    let shop = channel(&server, store);
    let published = shop
        .publish(&ListingDraft {
            name: "Mật ong bạc hà".into(),
            description: "Mật ong bạc hà Đồng Văn".into(),
            category: "honey".into(),
            images: vec![DraftImage::Bytes {
                file_name: "a.jpg".into(),
                content_type: "image/jpeg".into(),
                data: vec![0xff, 0xd8, 0xff],
            }],
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
    assert_eq!(published.item_id, "34002");
    assert_eq!(
        published.variants,
        vec![
            (
                "HTX-MAT-ONG-250".to_owned(),
                RemoteId::variant("34002", "2000458802")
            ),
            (
                "HTX-MAT-ONG-500".to_owned(),
                RemoteId::variant("34002", "2000458803")
            ),
        ]
    );
    server.verify().await;
}

struct NoShopParams;

impl Match for NoShopParams {
    fn matches(&self, request: &Request) -> bool {
        !request
            .url
            .query_pairs()
            .any(|(k, _)| k == "access_token" || k == "shop_id")
    }
}

#[tokio::test]
async fn unmapped_category_is_refused_before_any_call() {
    let server = MockServer::start().await;
    let shop = channel(&server, seeded(Duration::hours(3)));
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
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn webhook_verification_through_the_channel() {
    let server = MockServer::start().await;
    let shop = channel(&server, seeded(Duration::hours(3)));
    let body = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../simulator/fixtures/shopee/push_order_status.json"),
    )
    .unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        "d0f255a9c6c6b24cdd2f6738bc64e8eb9f50b9534d19bb74025e5da1e56a4bd4"
            .parse()
            .unwrap(),
    );
    let request = WebhookRequest {
        url: "https://example.com/shopee/push",
        headers: &headers,
        body: &body,
    };
    shop.verify_webhook(&request).unwrap();
    let events = shop.parse_webhook(&body).unwrap();
    assert_eq!(events.len(), 1);
    let wrong = WebhookRequest {
        url: "https://example.com/other",
        ..request
    };
    assert!(shop.verify_webhook(&wrong).is_err());
}

#[tokio::test]
async fn errors_and_logs_never_carry_tokens() {
    let server = MockServer::start().await;
    let store = seeded(Duration::hours(3));
    Mock::given(method("POST"))
        .and(path("/api/v2/product/update_stock"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .mount(&server)
        .await;
    let shop = channel(&server, store);
    let outcome = shop
        .update_stock(&[StockUpdate {
            id: RemoteId::item("1"),
            stock: 1,
        }])
        .await
        .unwrap();
    let (_, err) = outcome.failures().next().unwrap();
    assert!(matches!(err.kind, ErrorKind::Transient { .. }));
    let shown = format!("{err} {err:?} {shop:?}");
    assert!(
        !shown.contains(OLD_TOKEN) && !shown.contains(KEY),
        "{shown}"
    );
}

#[tokio::test]
async fn a_pair_that_could_not_be_persisted_is_never_used_nor_refreshed_again() {
    let server = MockServer::start().await;
    let recording = seeded(Duration::minutes(1));
    // The first save fails (e.g. the database is briefly unavailable).
    recording.fail_saves(1);
    let store = recording.clone();
    // The rotated refresh token must not be spent twice.
    refresh_mock().expect(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/product/update_stock"))
        .and(query_param("access_token", NEW_TOKEN))
        .respond_with(RequirePersisted(recording.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let transport = Transport::new(TransportConfig::default()).unwrap();
    let shop = ShopeeChannel::new(config(&server), Setup::new(&transport, store)).unwrap();
    let update = [StockUpdate {
        id: RemoteId::item("7"),
        stock: 3,
    }];

    let first = shop.update_stock(&update).await.unwrap();
    let (_, err) = first
        .failures()
        .next()
        .expect("first call fails: tokens not persisted");
    assert!(matches!(err.kind, ErrorKind::Transient { .. }), "{err}");
    assert!(err.to_string().contains("token store"), "{err}");
    assert_eq!(recording.access_token(), OLD_TOKEN);

    let second = shop.update_stock(&update).await.unwrap();
    assert!(second.all_ok(), "{second:?}");
    assert_eq!(recording.access_token(), NEW_TOKEN);
    server.verify().await;
}

#[tokio::test]
async fn a_rejected_refresh_token_needs_reauthorisation() {
    let server = MockServer::start().await;
    let store = seeded(Duration::minutes(1));
    Mock::given(method("POST"))
        .and(path("/api/v2/auth/access_token/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "request_id": "r", "error": "error_auth", "message": "Invalid refresh_token."
        })))
        .expect(1)
        .mount(&server)
        .await;
    let shop = channel(&server, store);
    let err = shop.refresh_tokens_if_due().await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::ReauthRequired { .. }),
        "{err}"
    );
    assert_eq!(&*err.endpoint, "/api/v2/auth/access_token/get");
    server.verify().await;
}
