//! Golden fixtures written independently by the simulator's author from docs/src/channels/lazada.md
//! (`adapters/simulator/fixtures/lazada/*.json`). Parsing them with this crate's envelope classification, wire
//! types and mapping code catches a misreading of docs/src/channels/lazada.md on either side. Only the fixture files are read,
//! never simulator code. A missing fixture is reported (and its test skipped), not a failure, so the
//! simulator's work in progress cannot break this crate's build.

use std::path::PathBuf;
use std::time::Duration;

use kho_channel::test_support::raw_response;
use kho_channel::{ErrorKind, ListingStatus, OrderStatus, RemoteId, WebhookEvent};
use kho_lazada::classify::{Shape, classify};
use kho_lazada::listings::listings_from;
use kho_lazada::wire::{
    BatchReply, CreateProductResponse, Ignored, OrderItemsList, OrdersResponse, ProductsResponse,
    TokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../simulator/fixtures/lazada")
}

fn fixture(name: &str) -> Option<Vec<u8>> {
    let path = dir().join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("MISSING FIXTURE {}: {e} — test skipped", path.display());
            None
        }
    }
}

/// Classify a fixture as if it were the answer; `None` when the fixture is missing.
fn decode<T: DeserializeOwned>(name: &str, shape: Shape) -> Option<Result<T, ErrorKind>> {
    let raw = raw_response(200, fixture(name)?);
    let classified = classify::<T>(&raw, shape);
    assert!(classified.request_id.is_some(), "{name}: no request_id");
    Some(classified.result)
}

const COVERED: &[&str] = &[
    "error_api_call_limit.json",
    "error_illegal_access_token.json",
    "error_incomplete_signature.json",
    "orders_get.json",
    "orders_items_get.json",
    "price_quantity_too_many_skus.json",
    "product_create.json",
    "products_get.json",
    "push_order_status.json",
    "sellable_update_partial_failure.json",
    "token_create.json",
    "token_refresh.json",
    "write_success.json",
];

#[test]
fn every_fixture_is_exercised() {
    let Ok(entries) = std::fs::read_dir(dir()) else {
        eprintln!("MISSING FIXTURES FOLDER {}", dir().display());
        return;
    };
    let present: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    let uncovered: Vec<&String> = present
        .iter()
        .filter(|n| !COVERED.contains(&n.as_str()))
        .collect();
    // New fixtures are welcome; flag them so a test gets written, without failing the simulator's builds.
    if !uncovered.is_empty() {
        eprintln!("fixtures without a kho-lazada test yet: {uncovered:?}");
    }
    let missing: Vec<&&str> = COVERED
        .iter()
        .filter(|n| !present.iter().any(|p| p == *n))
        .collect();
    if !missing.is_empty() {
        eprintln!("MISSING FIXTURES (tests skipped): {missing:?}");
    }
}

#[test]
fn token_create_is_flat_with_seller_id() {
    let Some(result) =
        decode::<TokenResponse>("token_create.json", Shape::TopLevel { sensitive: true })
    else {
        return;
    };
    let t = result.unwrap();
    assert!(t.access_token.expose_secret().starts_with("50000601"));
    assert_eq!(t.expires_in, 2_592_000);
    assert_eq!(t.refresh_expires_in, Some(15_552_000));
    assert_eq!(t.seller_id().as_deref(), Some("200162025"));
    assert_eq!(t.country, "vn");
}

#[test]
fn token_refresh_uses_country_user_info_list() {
    let Some(result) =
        decode::<TokenResponse>("token_refresh.json", Shape::TopLevel { sensitive: true })
    else {
        return;
    };
    let t = result.unwrap();
    assert_eq!(t.seller_id().as_deref(), Some("200162025"));
    // Less than the 180 days of the creation: a refresh does not reset the refresh token's life.
    assert!(t.refresh_expires_in.unwrap() < 15_552_000);
}

#[test]
fn products_page_maps_to_one_listing_per_sku_with_sellable_stock() {
    let Some(result) = decode::<ProductsResponse>("products_get.json", Shape::Data) else {
        return;
    };
    let page = result.unwrap();
    assert_eq!(page.total_products, Some(2));
    let listings: Vec<_> = page
        .products
        .iter()
        .flat_map(|p| listings_from(p, None))
        .collect();
    assert_eq!(listings.len(), 1);
    let l = &listings[0];
    assert_eq!(l.id, RemoteId::variant("2100000001", "13000000001"));
    assert_eq!(l.seller_sku, "ST25-5KG");
    assert_eq!(l.title, "Gạo ST25 túi 5kg");
    assert_eq!(l.stock, 100, "sellable, not the total 120");
    assert_eq!(l.price_vnd, 180000);
    assert_eq!(l.status, ListingStatus::Active);
}

#[test]
fn product_create_links_seller_sku_to_sku_id() {
    let Some(result) = decode::<CreateProductResponse>("product_create.json", Shape::Data) else {
        return;
    };
    let created = result.unwrap();
    assert_eq!(created.item_id, "2100000002");
    assert_eq!(created.sku_list[0].seller_sku, "CAFE-RANG-500G");
    assert_eq!(created.sku_list[0].sku_id, "13000000002");
    assert_eq!(created.item_status.as_deref(), Some("Active"));
}

#[test]
fn write_success_and_batch_shapes() {
    if let Some(result) = decode::<Ignored>("write_success.json", Shape::Data) {
        result.unwrap();
    }
    if let Some(result) = decode::<BatchReply>("write_success.json", Shape::Batch) {
        let reply = result.unwrap();
        assert_eq!(reply.code, "0");
        assert!(reply.detail.is_empty());
    }
}

#[test]
fn partial_failure_is_a_result_with_per_sku_detail() {
    let Some(result) = decode::<BatchReply>("sellable_update_partial_failure.json", Shape::Batch)
    else {
        return;
    };
    let reply = result.unwrap();
    assert_eq!(reply.code, "501");
    assert_eq!(reply.detail.len(), 1);
    let d = &reply.detail[0];
    assert_eq!(d.code, "E0501");
    assert_eq!(d.item_id.as_deref(), Some("2100000001"));
    assert_eq!(d.sku_id.as_deref(), Some("13000000001"));
    assert_eq!(d.seller_sku.as_deref(), Some("ST25-5KG"));
    assert!(d.message.contains("negative sellable"));
    // Outside a batch it is an error of the whole call.
    assert!(matches!(
        decode::<Ignored>("sellable_update_partial_failure.json", Shape::Data),
        Some(Err(ErrorKind::Permanent { .. }))
    ));
}

#[test]
fn error_fixtures_classify() {
    if let Some(r) = decode::<Ignored>("error_api_call_limit.json", Shape::Data) {
        assert_eq!(
            r.unwrap_err(),
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(1)),
                code: "ApiCallLimit".into()
            }
        );
    }
    if let Some(r) = decode::<Ignored>("error_illegal_access_token.json", Shape::Data) {
        assert!(matches!(r, Err(ErrorKind::AuthExpired { .. })));
    }
    if let Some(r) = decode::<Ignored>("error_incomplete_signature.json", Shape::Data) {
        assert!(
            matches!(r, Err(ErrorKind::Permanent { ref code, .. }) if code == "IncompleteSignature")
        );
    }
    // No `detail`: the batch fails as a whole.
    if let Some(r) = decode::<BatchReply>("price_quantity_too_many_skus.json", Shape::Batch) {
        assert!(matches!(r, Err(ErrorKind::Permanent { ref code, .. }) if code == "4171"));
    }
}

#[test]
fn orders_page_has_item_statuses_only() {
    let Some(result) = decode::<OrdersResponse>("orders_get.json", Shape::Data) else {
        return;
    };
    let page = result.unwrap();
    assert_eq!(page.count_total, Some(1));
    let o = &page.orders[0];
    assert_eq!(o.order_id, "700000001");
    assert_eq!(
        kho_lazada::order_status(&o.statuses),
        Some(OrderStatus::Ready)
    );
    assert!(kho_lazada::orders::parse_time(&o.updated_at).is_some());
}

#[test]
fn two_items_of_one_sku_are_quantity_two() {
    let Some(result) = decode::<OrderItemsList>("orders_items_get.json", Shape::Data) else {
        return;
    };
    let entries = result.unwrap().into_vec();
    assert_eq!(entries.len(), 1);
    let order = kho_lazada::to_remote_order(&entries[0]).unwrap();
    assert_eq!(order.order_id, "700000001");
    assert_eq!(order.status, OrderStatus::Ready);
    assert_eq!(order.lines.len(), 1);
    assert_eq!(order.lines[0].seller_sku, "ST25-5KG");
    assert_eq!(order.lines[0].quantity, 2);
    assert_eq!(order.lines[0].unit_price_vnd, 180000);
    assert_eq!(
        order.lines[0].remote,
        RemoteId::variant("2100000001", "13000000001")
    );
    assert!(order.created_at.is_some() && order.updated_at.is_some());
}

#[test]
fn push_fixture_verifies_with_the_p2_vector_and_parses() {
    let Some(body) = fixture("push_order_status.json") else {
        return;
    };
    let secret = SecretString::from("helloworld");
    let auth = "b0cfd0349e915667babf3c35e2335fb09653527421c46a94bd9e70e874c16322";
    assert_eq!(
        kho_lazada::push_authorization(&secret, "123456", &body),
        auth
    );
    kho_lazada::verify_push(&secret, "123456", &body, Some(auth)).unwrap();
    let events = kho_lazada::parse_push(&body).unwrap();
    assert!(matches!(
        &events[0],
        WebhookEvent::OrderStatusChanged { shop_id, order_id, raw_status, .. }
            if shop_id == "1234567" && order_id == "260422900198363" && raw_status == "unpaid"
    ));
}
