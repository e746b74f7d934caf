//! The `Channel` contract for a WooCommerce site, against the simulator: publish a product with variations,
//! read it back as listings, push stock and price, and follow an order from polling to its details.

use std::num::NonZeroU32;

use chrono::{Duration, Utc};
use kho_channel::transport::{RateLimit, Transport, TransportConfig};
use kho_channel::{
    Channel, DraftImage, ListingDraft, ListingStatus, OrderQuery, OrderStatus, OrderTimeField,
    PriceUpdate, StockUpdate, TimeWindow, VariantDraft,
};
use kho_simulator::woocommerce::{SimConfig, SimHandle, Simulator};
use kho_woocommerce::{WooCommerceAccountConfig, WooCommerceChannel};
use secrecy::SecretString;

fn channel(sim: &SimHandle) -> WooCommerceChannel {
    let cfg = sim.config();
    let config = WooCommerceAccountConfig {
        name: "web-coop".into(),
        base_url: sim.base_url().parse().expect("url"),
        consumer_key: cfg.consumer_key,
        consumer_secret: SecretString::from(cfg.consumer_secret),
        webhook_secret: SecretString::from(cfg.webhook_secret),
        credentials_in_query: false,
        rate_limit: RateLimit::per_second(NonZeroU32::new(50).expect("non-zero")),
    };
    let transport = Transport::new(TransportConfig::default()).expect("transport");
    WooCommerceChannel::new(config, &transport).expect("channel")
}

fn draft() -> ListingDraft {
    ListingDraft {
        name: "Cà phê Robusta Cầu Đất".into(),
        description: "Rang mộc".into(),
        category: "coffee".into(),
        images: vec![DraftImage::Url("https://example.org/ca-phe.jpg".into())],
        weight_g: 500,
        variants: vec![
            VariantDraft {
                seller_sku: "CF-250".into(),
                name: "250 g".into(),
                price_vnd: 85_000,
                stock: 10,
            },
            VariantDraft {
                seller_sku: "CF-500".into(),
                name: "500 g".into(),
                price_vnd: 160_000,
                stock: 4,
            },
        ],
    }
}

#[tokio::test]
async fn publish_list_push_and_follow_an_order() {
    let sim = Simulator::start(SimConfig {
        rate_limit_per_second: None,
        ..SimConfig::default()
    })
    .await
    .expect("start");
    let shop = channel(&sim);
    let published = shop.publish(&draft()).await.expect("publish");
    assert_eq!(published.variants.len(), 2);
    let (sku, id) = &published.variants[1];
    assert_eq!(sku, "CF-500");
    assert_eq!(id.item_id, published.item_id);

    let page = shop.list_listings(None).await.expect("listings");
    assert!(page.next.is_none());
    let listed: Vec<(String, i64, i64)> = page
        .items
        .iter()
        .map(|l| (l.seller_sku.clone(), l.stock, l.price_vnd))
        .collect();
    assert_eq!(
        listed,
        vec![("CF-250".into(), 10, 85_000), ("CF-500".into(), 4, 160_000)]
    );
    assert!(page.items.iter().all(|l| l.status == ListingStatus::Active));

    let stock = shop
        .update_stock(&[StockUpdate {
            id: id.clone(),
            stock: 7,
        }])
        .await
        .expect("stock");
    let price = shop
        .update_price(&[PriceUpdate {
            id: id.clone(),
            price_vnd: 165_000,
        }])
        .await
        .expect("price");
    assert!(stock.all_ok() && price.all_ok());
    let item = sim.item_by_sku("CF-500").expect("variation");
    assert_eq!(
        (item.stock_quantity, item.regular_price.as_str()),
        (Some(7), "165000")
    );

    let order = sim.create_order(&[("CF-500", 2)]).expect("order");
    let query = OrderQuery {
        window: TimeWindow::new(
            Utc::now() - Duration::minutes(5),
            Utc::now() + Duration::minutes(5),
        ),
        field: OrderTimeField::Updated,
    };
    let refs = shop.list_orders(&query, None).await.expect("orders");
    assert_eq!(refs.items.len(), 1);
    assert_eq!(refs.items[0].status, Some(OrderStatus::Ready));
    let details = shop
        .get_orders(&[order.id.to_string(), "999999".into()])
        .await
        .expect("details");
    assert_eq!(details.len(), 1, "an unknown order is left out");
    assert_eq!(details[0].lines[0].remote, *id);
    assert_eq!(details[0].lines[0].quantity, 2);
    assert_eq!(
        sim.item_by_sku("CF-500").and_then(|i| i.stock_quantity),
        Some(5)
    );
}

#[tokio::test]
async fn a_draft_with_image_bytes_is_refused_before_any_call() {
    let sim = Simulator::start(SimConfig {
        rate_limit_per_second: None,
        ..SimConfig::default()
    })
    .await
    .expect("start");
    let shop = channel(&sim);
    let mut d = draft();
    d.images = vec![DraftImage::Bytes {
        file_name: "a.jpg".into(),
        content_type: "image/jpeg".into(),
        data: vec![1, 2, 3],
    }];
    let err = shop.publish(&d).await.expect_err("bytes");
    assert!(err.to_string().contains("kho.image_by_url_only"), "{err}");
    assert!(sim.request_log().is_empty());
}
