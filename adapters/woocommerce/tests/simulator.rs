//! The client against the WooCommerce simulator over plain http, where every call is OAuth 1.0a-signed with a
//! fresh nonce: SKU lookup across products and variations, stock and price batch writes with per-item results,
//! and a wrong secret classified as needing a person.

use std::num::NonZeroU32;

use kho_channel::transport::{AccountClient, RateLimit, Transport, TransportConfig};
use kho_channel::{ErrorKind, OrderStatus, RemoteId};
use kho_simulator::woocommerce::{SeedProduct, SeedVariation, SimConfig, SimHandle, Simulator};
use kho_woocommerce::inventory::{Write, write_batch};
use kho_woocommerce::listings::items_by_sku;
use kho_woocommerce::orders::{modified_after, to_remote_order};
use kho_woocommerce::writes::{set_listed, write_by_id};
use kho_woocommerce::{CHANNEL, Credentials};
use secrecy::SecretString;

fn client(name: &str) -> AccountClient {
    let transport = Transport::new(TransportConfig::default()).expect("transport");
    let limit = RateLimit::per_second(NonZeroU32::new(50).expect("non-zero"));
    transport.account(CHANNEL, name, limit).expect("account")
}

fn creds(sim: &SimHandle, secret: Option<&str>) -> Credentials {
    let cfg = sim.config();
    Credentials {
        base_url: sim.base_url().parse().expect("url"),
        consumer_key: cfg.consumer_key,
        consumer_secret: SecretString::from(secret.map_or(cfg.consumer_secret, str::to_owned)),
        credentials_in_query: false,
    }
}

async fn site() -> (SimHandle, i64) {
    let sim = Simulator::start(SimConfig {
        rate_limit_per_second: None,
        ..SimConfig::default()
    })
    .await
    .expect("start");
    for n in 0..120 {
        sim.seed_product(&SeedProduct {
            name: format!("Chè {n}"),
            sku: format!("TEA-{n:03}"),
            regular_price: "90000".into(),
            ..SeedProduct::default()
        })
        .expect("seed");
    }
    let coffee = sim
        .seed_product(&SeedProduct {
            name: "Cà phê".into(),
            sku: "COFFEE".into(),
            variations: vec![
                SeedVariation {
                    sku: "COFFEE-250".into(),
                    regular_price: "85000".into(),
                    ..SeedVariation::default()
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
        .expect("seed");
    (sim, coffee)
}

#[tokio::test]
async fn finds_products_and_variations_by_sku_across_pages() {
    let (sim, coffee) = site().await;
    let http = client("web-a");
    let creds = creds(&sim, None);
    let mut skus: Vec<String> = (0..120).map(|n| format!("TEA-{n:03}")).collect();
    skus.push("COFFEE-500".into());
    skus.push("MISSING".into());
    let found = items_by_sku(&http, &creds, &skus).await.expect("lookup");
    assert_eq!(found.len(), 121);
    let variation = found
        .iter()
        .find(|i| i.sku == "COFFEE-500")
        .expect("variation");
    assert_eq!(
        (variation.kind.as_str(), variation.parent_id),
        ("variation", coffee)
    );
    assert_eq!(variation.stock_quantity, Some(3));
    let log = sim.request_log();
    assert_eq!(log.len(), 2, "two SKU chunks of at most 100, one page each");
    assert!(log.iter().all(|c| c.status == 200));
}

#[tokio::test]
async fn stock_and_price_batches_report_each_item() {
    let (sim, coffee) = site().await;
    let http = client("web-b");
    let creds = creds(&sim, None);
    let unmanaged = sim.item_by_sku("COFFEE-250").expect("variation");
    let writes = vec![
        (unmanaged.id, Write::Stock(12)),
        (unmanaged.id, Write::Price(90000)),
        (999_999, Write::Stock(1)),
    ];
    let results = write_batch(&http, &creds, Some(coffee), &writes).await;
    assert!(results[0].is_ok() && results[1].is_ok(), "{results:?}");
    let missing = results[2].as_ref().expect_err("unknown variation");
    assert!(
        matches!(missing.kind, ErrorKind::NotFound { .. }),
        "{missing:?}"
    );
    let after = sim.item_by_sku("COFFEE-250").expect("variation");
    assert!(after.manage_stock, "stock writes turn stock management on");
    assert_eq!(after.stock_quantity, Some(12));
    assert_eq!(after.regular_price, "90000");

    let tea: Vec<(i64, Write)> = (0..120)
        .filter_map(|n| sim.item_by_sku(&format!("TEA-{n:03}")))
        .map(|i| (i.id, Write::Listed(false)))
        .collect();
    let results = write_batch(&http, &creds, None, &tea).await;
    assert_eq!(results.len(), 120);
    assert!(results.iter().all(Result::is_ok));
    let batches = sim
        .request_log()
        .iter()
        .filter(|c| c.path == "/wp-json/wc/v3/products/batch")
        .count();
    assert_eq!(batches, 2, "at most 100 items per batch");
    assert!(
        sim.items()
            .iter()
            .filter(|i| i.sku.starts_with("TEA-"))
            .all(|i| i.status == "private")
    );
}

#[tokio::test]
async fn a_wrong_secret_needs_a_person() {
    let (sim, _) = site().await;
    let http = client("web-c");
    let creds = creds(&sim, Some("cs_wrong"));
    let err = items_by_sku(&http, &creds, &["TEA-001".to_owned()])
        .await
        .expect_err("bad signature");
    assert!(
        matches!(err.kind, ErrorKind::ReauthRequired { .. }),
        "{err:?}"
    );
    let log = sim.request_log();
    assert_eq!(log[0].status, 401);
}

#[tokio::test]
async fn polls_orders_modified_after_a_time() {
    let (sim, coffee) = site().await;
    let http = client("web-d");
    let creds = creds(&sim, None);
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    let first = sim.create_order(&[("COFFEE-500", 2)]).expect("order");
    sim.create_order(&[("TEA-007", 1)]).expect("order");
    sim.set_order_status(first.id, "cancelled").expect("cancel");
    let (orders, pages) = modified_after(&http, &creds, before, 1)
        .await
        .expect("poll");
    assert_eq!((orders.len(), pages), (2, 1));
    let cancelled = orders
        .iter()
        .find(|o| o.id == first.id)
        .and_then(to_remote_order)
        .expect("known status");
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    let variation = sim.item_by_sku("COFFEE-500").expect("variation");
    assert_eq!(
        cancelled.lines[0].remote,
        RemoteId::variant(coffee.to_string(), variation.id.to_string())
    );
    assert_eq!(
        (
            cancelled.lines[0].quantity,
            cancelled.lines[0].unit_price_vnd
        ),
        (2, 160000)
    );
    let later = chrono::Utc::now() + chrono::Duration::seconds(5);
    let (none, _) = modified_after(&http, &creds, later, 1).await.expect("poll");
    assert!(none.is_empty());
}

#[tokio::test]
async fn updates_by_remote_id_are_grouped_by_parent_and_answered_in_order() {
    let (sim, coffee) = site().await;
    let http = client("web-e");
    let creds = creds(&sim, None);
    let small = sim.item_by_sku("COFFEE-250").expect("variation");
    let big = sim.item_by_sku("COFFEE-500").expect("variation");
    let tea = sim.item_by_sku("TEA-001").expect("product");
    let writes = vec![
        (
            RemoteId::variant(coffee.to_string(), small.id.to_string()),
            Write::Stock(4),
        ),
        (RemoteId::item(tea.id.to_string()), Write::Stock(9)),
        (RemoteId::item("not-a-number"), Write::Stock(1)),
        (
            RemoteId::variant(coffee.to_string(), big.id.to_string()),
            Write::Stock(0),
        ),
    ];
    let outcome = write_by_id(&http, &creds, "update_stock", writes).await;
    let oks: Vec<bool> = outcome.results.iter().map(|r| r.outcome.is_ok()).collect();
    assert_eq!(oks, vec![true, true, false, true]);
    assert_eq!(
        sim.item_by_sku("COFFEE-250").and_then(|i| i.stock_quantity),
        Some(4)
    );
    assert_eq!(
        sim.item_by_sku("TEA-001").and_then(|i| i.stock_quantity),
        Some(9)
    );
    assert_eq!(
        sim.item_by_sku("COFFEE-500").map(|i| i.stock_status),
        Some("outofstock".into())
    );
    assert_eq!(
        sim.request_log().len(),
        2,
        "one call per batch endpoint, none for the bad id"
    );
}

#[tokio::test]
async fn unlisting_makes_products_private_and_reports_unknown_ones() {
    let (sim, _) = site().await;
    let http = client("web-f");
    let creds = creds(&sim, None);
    let tea = sim.item_by_sku("TEA-002").expect("product");
    let changes = vec![
        kho_channel::StatusChange {
            item_id: tea.id.to_string(),
            active: false,
        },
        kho_channel::StatusChange {
            item_id: "424242".into(),
            active: true,
        },
    ];
    let outcome = set_listed(&http, &creds, &changes).await;
    assert_eq!(outcome.results[0].key, tea.id.to_string());
    assert!(outcome.results[0].outcome.is_ok());
    let missing = outcome.results[1]
        .outcome
        .as_ref()
        .expect_err("unknown product");
    assert!(
        matches!(missing.kind, ErrorKind::NotFound { .. }),
        "{missing:?}"
    );
    assert_eq!(
        sim.item_by_sku("TEA-002").map(|i| i.status),
        Some("private".into())
    );
}
