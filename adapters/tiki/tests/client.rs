//! The Tiki adapter against the Tiki simulator: listings, stock and price, status, publishing through
//! review, orders and the event queue.

use std::num::NonZeroU32;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use kho_channel::kit::Setup;
use kho_channel::{
    Channel, DraftImage, ErrorKind, ListingDraft, ListingStatus, MemoryTokenStore, OrderQuery,
    OrderStatus, OrderTimeField, PriceUpdate, RateLimit, RemoteId, StatusChange, StockUpdate,
    TimeWindow, TokenSet, TokenStore, Transport, TransportConfig, VariantDraft, WebhookEvent,
};
use kho_simulator::tiki::{Review, SeedProduct, SellerConfig, SimConfig, SimHandle, Simulator};
use kho_tiki::{TikiAccountConfig, TikiChannel, TikiMapping};
use secrecy::SecretString;

const SELLER: i64 = 270_001;

async fn setup(products: usize) -> (SimHandle, TikiChannel) {
    let seed = (0..products)
        .map(|i| SeedProduct {
            original_sku: format!("SKU-{i}"),
            name: format!("Sản phẩm {i}"),
            price: 10_000 + i as i64,
            qty: 5,
        })
        .collect();
    let config = SimConfig {
        sellers: vec![SellerConfig {
            products: seed,
            rate_limit: 50,
            ..SellerConfig::default()
        }],
        ..SimConfig::default()
    };
    let sim = Simulator::start(config).await.unwrap();
    let pair = sim.tokens(SELLER).unwrap();
    let store = Arc::new(MemoryTokenStore::default());
    store
        .save(
            "tiki-test",
            &TokenSet {
                access_token: SecretString::from(pair.access_token),
                refresh_token: SecretString::from(pair.refresh_token),
                access_expires_at: DateTime::from_timestamp(pair.access_expires_at, 0).unwrap(),
                refresh_expires_at: None,
            },
        )
        .await
        .unwrap();
    let transport = Transport::new(TransportConfig::default()).unwrap();
    let account = TikiAccountConfig {
        name: "tiki-test".into(),
        base_url: sim.base_url().parse().unwrap(),
        auth_url: sim.base_url().parse().unwrap(),
        client_id: sim.client_id(),
        client_secret: SecretString::from(sim.client_secret()),
        rate_limit: RateLimit::per_second(NonZeroU32::new(50).unwrap()),
        warehouse_id: None,
        batch_size: 50,
        mapping: TikiMapping {
            categories: [("honey".to_owned(), 8322)].into(),
            review_wait_secs: 0,
        },
    };
    let channel = TikiChannel::new(account, Setup::new(&transport, store)).unwrap();
    (sim, channel)
}

async fn all_listings(c: &TikiChannel) -> Vec<kho_channel::RemoteListing> {
    let mut out = Vec::new();
    let mut page = None;
    loop {
        let got = c.list_listings(page.as_ref()).await.unwrap();
        out.extend(got.items);
        match got.next {
            Some(n) => page = Some(n),
            None => return out,
        }
    }
}

#[tokio::test]
async fn listings_page_and_writes_land_absolute_per_warehouse_with_per_entry_results() {
    let (sim, c) = setup(120).await;
    let listings = all_listings(&c).await;
    assert_eq!(listings.len(), 120);
    assert_eq!(
        (
            listings[0].seller_sku.as_str(),
            listings[0].stock,
            listings[0].status
        ),
        ("SKU-0", 5, ListingStatus::Active)
    );
    let mut stock: Vec<StockUpdate> = listings
        .iter()
        .map(|l| StockUpdate {
            id: l.id.clone(),
            stock: 7,
        })
        .collect();
    stock.push(StockUpdate {
        id: RemoteId::item("999"),
        stock: 1,
    });
    stock.push(StockUpdate {
        id: RemoteId::item("not-a-number"),
        stock: 1,
    });
    let outcome = c.update_stock(&stock).await.unwrap();
    let failed: Vec<String> = outcome.failures().map(|(k, _)| k.item_id.clone()).collect();
    assert_eq!(failed, ["999", "not-a-number"]);
    assert!(matches!(
        outcome.results[120].outcome.as_ref().unwrap_err().kind,
        ErrorKind::NotFound { .. }
    ));
    assert!(
        sim.products(SELLER)
            .iter()
            .all(|p| p.warehouse_quantities[&1034] == 7)
    );
    assert_eq!(
        sim.request_log().per_endpoint["/integration/v2.1/products/updateSkus"],
        3,
        "120 + 1 in calls of 50"
    );
    let price = [PriceUpdate {
        id: listings[3].id.clone(),
        price_vnd: 99_000,
    }];
    assert!(c.update_price(&price).await.unwrap().all_ok());
    assert_eq!(sim.products(SELLER)[3].price, 99_000);
    let off = [StatusChange {
        item_id: listings[1].id.item_id.clone(),
        active: false,
    }];
    assert!(c.set_status(&off).await.unwrap().all_ok());
    assert_eq!(sim.products(SELLER)[1].active, 0);
    assert_eq!(sim.request_log().rate_limit_violations, 0);
}

fn draft(skus: &[&str]) -> ListingDraft {
    ListingDraft {
        name: "Mật ong rừng".into(),
        description: "Mật ong nguyên chất".into(),
        category: "honey".into(),
        images: vec![DraftImage::Url("https://img.example/1.jpg".into())],
        weight_g: 500,
        variants: skus
            .iter()
            .map(|s| VariantDraft {
                seller_sku: (*s).into(),
                name: format!("Loại {s}"),
                price_vnd: 150_000,
                stock: 4,
            })
            .collect(),
    }
}

#[tokio::test]
async fn publishing_follows_the_review_activates_approved_products_and_reports_rejections() {
    let (sim, c) = setup(0).await;
    let published = c.publish(&draft(&["MO-250", "MO-500"])).await.unwrap();
    assert_eq!(published.variants.len(), 2);
    let products = sim.products(SELLER);
    assert!(
        products.iter().all(|p| p.active == 1),
        "approved products start inactive; kho activates them"
    );
    assert_eq!(
        published.variants[1].1,
        RemoteId::item(products[1].product_id.to_string())
    );
    sim.set_review(Review::Reject {
        reason: "Thiếu giấy chứng nhận OCOP".into(),
    });
    let err = c.publish(&draft(&["MO-1000"])).await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Permanent { ref code, .. } if code == "tiki.request_rejected"),
        "{err}"
    );
    assert!(
        err.to_string().contains("Thiếu giấy chứng nhận OCOP"),
        "{err}"
    );
    sim.set_review(Review::Manual);
    let err = c.publish(&draft(&["MO-2000"])).await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Permanent { ref code, .. } if code == "tiki.review_pending"),
        "{err}"
    );
    let mut unmapped = draft(&["X"]);
    unmapped.category = "tea".into();
    assert!(c.publish(&unmapped).await.is_err());
}

#[tokio::test]
async fn orders_leave_out_unaccepted_ones_and_the_queue_is_acknowledged_after_use() {
    let (sim, c) = setup(2).await;
    // The first pull sets up the queue; events before it are not routed to it.
    let first = c.pull_events(None).await.unwrap().unwrap();
    assert!(first.events.is_empty() && first.ack.is_none());
    let waiting = sim
        .place_order(SELLER, &[("SKU-0", 1)], Some("waiting_payment"))
        .unwrap();
    let order = sim
        .place_order(SELLER, &[("SKU-0", 2), ("SKU-1", 1)], None)
        .unwrap();
    let batch = c.pull_events(None).await.unwrap().unwrap();
    assert_eq!(batch.events.len(), 1);
    let WebhookEvent::OrderStatusChanged {
        order_id, status, ..
    } = &batch.events[0]
    else {
        panic!("{batch:?}")
    };
    assert_eq!(
        (order_id.as_str(), *status),
        (order.code.as_str(), Some(OrderStatus::Ready))
    );
    // Not acknowledged yet: the same event again.
    assert_eq!(
        c.pull_events(None).await.unwrap().unwrap().events,
        batch.events
    );
    let done = c.pull_events(batch.ack.as_deref()).await.unwrap().unwrap();
    assert!(done.events.is_empty());

    let got = c
        .get_orders(&[order.code.clone(), waiting.code.clone(), "404".into()])
        .await
        .unwrap();
    assert_eq!(
        got.len(),
        1,
        "the unaccepted and the unknown order are left out"
    );
    let lines: Vec<(&str, i64, i64)> = got[0]
        .lines
        .iter()
        .map(|l| (l.seller_sku.as_str(), l.quantity, l.unit_price_vnd))
        .collect();
    assert_eq!(lines, [("SKU-0", 2, 10_000), ("SKU-1", 1, 10_001)]);
    let window = TimeWindow::new(
        Utc::now() - chrono::Duration::hours(1),
        Utc::now() + chrono::Duration::seconds(2),
    );
    let page = c
        .list_orders(
            &OrderQuery {
                window,
                field: OrderTimeField::Updated,
            },
            None,
        )
        .await
        .unwrap();
    let codes: Vec<&str> = page.items.iter().map(|o| o.order_id.as_str()).collect();
    assert_eq!(codes, [order.code.as_str()]);
    sim.set_order_status(&order.code, "canceled");
    let batch = c.pull_events(None).await.unwrap().unwrap();
    assert!(matches!(
        &batch.events[0],
        WebhookEvent::OrderStatusChanged {
            status: Some(OrderStatus::Cancelled),
            ..
        }
    ));
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_and_the_call_repeated() {
    let (sim, c) = setup(1).await;
    sim.token_action(SELLER, kho_simulator::tiki::TokenAction::ExpireAccessToken);
    assert_eq!(all_listings(&c).await.len(), 1);
    assert_eq!(sim.request_log().per_endpoint["/sc/oauth2/token"], 1);
    sim.token_action(SELLER, kho_simulator::tiki::TokenAction::Revoke);
    let err = c.list_listings(None).await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::ReauthRequired { .. }),
        "{err}"
    );
}
