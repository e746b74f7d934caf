//! Golden fixtures written independently by the simulator's author from docs/src/channels/tiktok.md
//! (`adapters/simulator/fixtures/tiktok/*.json`). Parsing them with this crate's envelope classification,
//! wire types and mapping code catches a misreading of docs/src/channels/tiktok.md on either side. Only the fixture files are
//! read, never simulator code.
//!
//! The fixtures are being written while this crate is, so file names are not known in advance: each file is
//! dispatched by keywords in its name to the decoder of its endpoint. A missing folder or a file no keyword
//! recognises is reported (stderr), not failed; a recognised file that does not decode fails the test.

use std::path::{Path, PathBuf};

use kho_channel::ErrorKind;
use kho_channel::test_support::raw_response;
use kho_tiktok::classify::classify;
use kho_tiktok::wire::{
    CancellationSearchData, CreateProductData, OrderDetailData, OrderSearchData, ProductDetail,
    ProductSearchData, ReturnSearchData, ShopsData, TokenData, UploadImageData, WarehousesData,
    WriteErrors,
};
use kho_tiktok::{listings, parse_webhook, to_remote_order};
use serde::de::DeserializeOwned;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../simulator/fixtures/tiktok")
}

fn decode<T: DeserializeOwned>(path: &Path, sensitive: bool) -> Result<T, ErrorKind> {
    let body = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let raw = raw_response(200, body);
    classify::<T>(&raw, sensitive).result
}

fn must<T: DeserializeOwned>(path: &Path, sensitive: bool) -> T {
    match decode::<T>(path, sensitive) {
        Ok(v) => v,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// What was checked, for the report.
fn check(path: &Path, name: &str) -> Option<&'static str> {
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if has(&["webhook", "push", "event"]) {
        let body = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let events = parse_webhook(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(events.len(), 1, "{name}");
        return Some("webhook");
    }
    if has(&["error", "rate_limit", "expired", "invalid"]) {
        let err = decode::<serde_json::Value>(path, false).expect_err(name);
        if has(&["rate"]) {
            assert!(
                matches!(err, ErrorKind::RateLimited { .. }),
                "{name}: {err:?}"
            );
        } else if has(&["expired_token", "token_expired", "105002"]) {
            assert!(
                matches!(err, ErrorKind::AuthExpired { .. }),
                "{name}: {err:?}"
            );
        } else if has(&["sign", "106001", "shop_cipher", "36009004"]) {
            assert!(
                matches!(err, ErrorKind::Permanent { .. }),
                "{name}: {err:?}"
            );
        }
        return Some("error");
    }
    if has(&["token"]) {
        let t: TokenData = must(path, true);
        // Absolute epochs (docs/src/channels/tiktok.md §2), not durations.
        assert!(
            t.access_token_expire_in.is_some_and(|v| v > 1_000_000_000),
            "{name}: access_token_expire_in is not an epoch"
        );
        return Some("token");
    }
    if has(&["shops", "authorization"]) {
        let d: ShopsData = must(path, false);
        assert!(d.shops.iter().all(|s| !s.cipher.is_empty()), "{name}");
        return Some("shops");
    }
    if has(&["warehouse"]) {
        let _: WarehousesData = must(path, false);
        return Some("warehouses");
    }
    if has(&["cancellation"]) {
        let _: CancellationSearchData = must(path, false);
        return Some("cancellations");
    }
    if has(&["return"]) {
        let _: ReturnSearchData = must(path, false);
        return Some("returns");
    }
    if has(&["upload", "image"]) {
        let d: UploadImageData = must(path, false);
        assert!(!d.uri.is_empty(), "{name}");
        return Some("image upload");
    }
    if has(&["create_product", "product_create", "products_create"]) {
        let d: CreateProductData = must(path, false);
        assert!(!d.product_id.is_empty(), "{name}");
        return Some("create product");
    }
    if has(&["inventory_search"]) {
        let _: serde_json::Value = must(path, false);
        return Some("inventory search");
    }
    if has(&[
        "inventory",
        "price",
        "activate",
        "deactivate",
        "delete",
        "recover",
    ]) {
        let d: WriteErrors = must(path, false);
        if has(&["partial"]) {
            assert!(
                !d.errors.is_empty(),
                "{name}: a partial failure without data.errors"
            );
        }
        return Some("batch write");
    }
    if has(&["search_products", "products_search", "product_search"]) {
        let d: ProductSearchData = must(path, false);
        assert!(d.products.iter().all(|p| !p.id.is_empty()), "{name}");
        return Some("product search");
    }
    if has(&["product"]) {
        let d: ProductDetail = must(path, false);
        let l = listings::listings_from(&d, None);
        assert_eq!(l.len(), d.skus.len(), "{name}: one listing per SKU");
        return Some("product detail");
    }
    if has(&[
        "search_orders",
        "orders_search",
        "order_search",
        "order_list",
    ]) {
        let _: OrderSearchData = must(path, false);
        return Some("order search");
    }
    if has(&["order"]) {
        let d: OrderDetailData = must(path, false);
        for o in &d.orders {
            let r = to_remote_order(o);
            let simple = o
                .line_items
                .iter()
                .all(|l| l.combined_listing_skus.is_empty());
            let live = o
                .line_items
                .iter()
                .filter(|l| l.display_status != "CANCELLED")
                .count();
            let units: i64 = r.lines.iter().map(|l| l.quantity).sum();
            if simple && live > 0 {
                assert_eq!(units, live as i64, "{name}: one unit per line item");
            }
        }
        return Some("order detail");
    }
    None
}

#[test]
fn every_fixture_parses() {
    let Ok(entries) = std::fs::read_dir(dir()) else {
        eprintln!(
            "kho-tiktok: no TikTok fixtures yet ({} missing)",
            dir().display()
        );
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    if names.is_empty() {
        eprintln!("kho-tiktok: the TikTok fixtures folder is empty");
    }
    let mut unknown = Vec::new();
    for name in &names {
        match check(&dir().join(name), &name.to_ascii_lowercase()) {
            Some(kind) => eprintln!("kho-tiktok: fixture {name}: {kind} ok"),
            None => unknown.push(name.clone()),
        }
    }
    // New fixtures are welcome; flag them so a test gets written, without failing the simulator's builds.
    if !unknown.is_empty() {
        eprintln!("kho-tiktok: fixtures without a decoder yet: {unknown:?}");
    }
}

// ---- explicit checks of the fixtures that carry the traps -----------------------------------------------

/// The fixture's bytes, or `None` (reported) when the simulator's author has not written it.
fn load(name: &str) -> Option<Vec<u8>> {
    match std::fs::read(dir().join(name)) {
        Ok(b) => Some(b),
        Err(_) => {
            eprintln!("kho-tiktok: fixture {name} missing; check skipped");
            None
        }
    }
}

fn classified<T: DeserializeOwned>(name: &str, sensitive: bool) -> Option<Result<T, ErrorKind>> {
    let body = load(name)?;
    let raw = raw_response(200, body);
    let c = classify::<T>(&raw, sensitive);
    assert!(c.request_id.is_some(), "{name}: no request_id");
    Some(c.result)
}

#[test]
fn order_detail_three_identical_line_items_are_quantity_three() {
    let Some(result) = classified::<OrderDetailData>("order_detail.json", false) else {
        return;
    };
    let data = result.unwrap();
    let order = to_remote_order(&data.orders[0]);
    assert_eq!(order.order_id, "576684019603311365");
    assert_eq!(order.status, kho_channel::OrderStatus::Ready);
    assert_eq!(order.currency, "VND");
    assert_eq!(order.lines.len(), 1);
    let line = &order.lines[0];
    assert_eq!(
        line.remote.variant_id.as_deref(),
        Some("1729700293904534135")
    );
    assert_eq!(line.quantity, 3);
    assert_eq!(line.unit_price_vnd, 168000);
}

#[test]
fn partial_failures_name_the_sku_and_the_product() {
    if let Some(r) = classified::<WriteErrors>("inventory_update_partial_failure.json", false) {
        let d = r.unwrap();
        let e = &d.errors[0];
        assert_eq!(e.detail.as_ref().unwrap().sku_id, "1729592969712207014");
        assert!(matches!(
            kho_tiktok::inventory::write_error_kind(e),
            ErrorKind::Permanent { ref code, .. } if code == "12019024"
        ));
    }
    if let Some(r) = classified::<WriteErrors>("products_deactivate_partial_failure.json", false) {
        let d = r.unwrap();
        assert_eq!(
            d.errors[0].detail.as_ref().unwrap().product_id,
            "1729592969712207008"
        );
    }
    for name in ["inventory_update_success.json", "price_update.json"] {
        if let Some(r) = classified::<WriteErrors>(name, false) {
            assert!(r.unwrap().errors.is_empty(), "{name}");
        }
    }
}

#[test]
fn error_fixtures_classify_as_tiktok_md_says() {
    use kho_tiktok::InvalidParameter;
    let kind =
        |name: &str| classified::<serde_json::Value>(name, false).map(|r| r.expect_err(name));
    if let Some(k) = kind("error_invalid_sign.json") {
        assert!(
            matches!(k, ErrorKind::Permanent { ref code, .. } if code == "106001"),
            "{k:?}"
        );
    }
    if let Some(k) = kind("error_expired_token.json") {
        assert!(matches!(k, ErrorKind::AuthExpired { .. }), "{k:?}");
    }
    if let Some(k) = kind("error_rate_limit.json") {
        assert!(matches!(k, ErrorKind::RateLimited { .. }), "{k:?}");
    }
    if let Some(k) = kind("error_missing_shop_cipher.json") {
        assert!(
            matches!(k, ErrorKind::Permanent { ref code, .. } if code == "106013"),
            "{k:?}"
        );
    }
    if let Some(k) = kind("error_invalid_auth_code.json") {
        assert!(matches!(k, ErrorKind::ReauthRequired { .. }), "{k:?}");
    }
    if let Some(k) = kind("error_unexpected_shop_cipher.json") {
        let ErrorKind::Permanent { code, message } = k else {
            panic!("{k:?}");
        };
        assert_eq!(code, "36009004");
        assert_eq!(
            InvalidParameter::from_message(&message),
            InvalidParameter::UnexpectedShopCipher
        );
    }
}

#[test]
fn tokens_shops_products_and_returns() {
    for name in ["token_get.json", "token_refresh.json"] {
        if let Some(r) = classified::<TokenData>(name, true) {
            let t = r.unwrap();
            assert_eq!(t.access_token_expire_in, Some(1660556783), "{name}");
            assert_eq!(t.refresh_token_expire_in, Some(1691487031), "{name}");
        }
    }
    if let Some(r) = classified::<ShopsData>("authorized_shops.json", false) {
        let shops = r.unwrap().shops;
        assert_eq!(shops[0].cipher, "ROW_aiVo7gAAAAB2vvlFyfTxbVr4ZFHoDbhK");
        assert_eq!(shops[0].region, "VN");
    }
    if let Some(r) = classified::<WarehousesData>("warehouses.json", false) {
        let w = r.unwrap().warehouses;
        assert_eq!(w[0].kind, "SALES_WAREHOUSE");
        assert!(w[0].is_default);
    }
    if let Some(r) = classified::<ProductSearchData>("products_search.json", false) {
        let d = r.unwrap();
        assert!(!d.next_page_token.is_empty());
        assert_eq!(d.products[0].id, "1734952395144267383");
    }
    if let Some(r) = classified::<ProductDetail>("product_detail.json", false) {
        let l = listings::listings_from(&r.unwrap(), None);
        assert_eq!(l[0].seller_sku, "CF-ARA-500");
        assert_eq!(l[0].price_vnd, 72000);
        assert_eq!(l[0].stock, 999);
        assert_eq!(l[0].status, kho_channel::ListingStatus::Active);
        assert!(l[0].title.ends_with("— 500g"), "{}", l[0].title);
    }
    if let Some(r) = classified::<CreateProductData>("product_create.json", false) {
        let d = r.unwrap();
        assert_eq!(d.product_id, "1729592969712207008");
        assert_eq!(d.skus[1].seller_sku, "CF-ARA-500");
    }
    if let Some(r) = classified::<UploadImageData>("image_upload.json", false) {
        assert!(r.unwrap().uri.starts_with("tos-"));
    }
    if let Some(r) = classified::<ReturnSearchData>("returns_search.json", false) {
        let d = r.unwrap();
        assert!(kho_tiktok::orders::return_brings_goods_back(&d.returns[0]));
        assert_eq!(
            d.returns[0].return_line_items[0].sku_id,
            "1729700293904534135"
        );
    }
    if let Some(r) = classified::<CancellationSearchData>("cancellations_search.json", false) {
        let c = &r.unwrap().cancellations[0];
        assert_eq!(c.cancel_status, "CANCELLATION_REQUEST_PENDING");
        assert_eq!(c.should_replenish_stock, Some(true));
    }
    if let Some(r) = classified::<OrderSearchData>("orders_search.json", false) {
        let d = r.unwrap();
        assert_eq!(
            kho_tiktok::canonical_status(&d.orders[0].status),
            Some(kho_channel::OrderStatus::Ready)
        );
    }
}

#[test]
fn webhook_fixtures_verify_and_parse() {
    use kho_channel::WebhookEvent;
    use secrecy::SecretString;
    if let Some(body) = load("webhook_w1_vector_body.json") {
        let secret = SecretString::from("fake_app_secret");
        kho_tiktok::verify_webhook(
            &secret,
            "fake_app_key",
            &body,
            Some("21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27"),
        )
        .unwrap();
        assert!(matches!(
            &parse_webhook(&body).unwrap()[0],
            WebhookEvent::OrderStatusChanged { order_id, .. } if order_id == "576684019603311365"
        ));
    }
    if let Some(body) = load("webhook_product_status_change.json") {
        assert_eq!(
            kho_tiktok::notification_id(&body).as_deref(),
            Some("7327112393057000002")
        );
        assert_eq!(
            parse_webhook(&body).unwrap(),
            vec![WebhookEvent::ListingStatusChanged {
                shop_id: Some("7495274531001436791".into()),
                item_id: "1729592969712207008".into(),
                raw_status: "SELLER_DEACTIVATED".into(),
            }]
        );
    }
    if let Some(body) = load("webhook_seller_deauthorization.json") {
        assert!(matches!(
            &parse_webhook(&body).unwrap()[0],
            WebhookEvent::Deauthorized { .. }
        ));
    }
    if let Some(body) = load("webhook_upcoming_authorization_expiration.json") {
        assert!(matches!(&parse_webhook(&body).unwrap()[0],
            WebhookEvent::AuthorizationExpiring { expires_at: Some(t), .. } if t.timestamp() == 1691487031));
    }
    for name in [
        "webhook_order_status_change.json",
        "webhook_cancellation_status_change.json",
        "webhook_return_status_change.json",
    ] {
        if let Some(body) = load(name) {
            assert!(kho_tiktok::notification_id(&body).is_some(), "{name}");
            assert!(
                matches!(
                    &parse_webhook(&body).unwrap()[0],
                    WebhookEvent::OrderStatusChanged { .. }
                ),
                "{name}"
            );
        }
    }
}
