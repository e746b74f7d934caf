//! Webhooks (§9): every type's payload shape, `Authorization = hex(HMAC-SHA256(app_secret, app_key + body))`
//! checked with the test-only signer, unique `tts_notification_id` (kept by duplicates), drop / duplicate / delay
//! / hold-and-reorder, and addresses registered with `PUT /event/202309/webhooks`.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

use super::super::{
    CancelStatus, ListingEdit, NewCancellation, NewOrder, NewOrderLine, NewReturn, OrderStatus,
    ProductStatus, SeedProduct, SeedSku, SimConfig, SimHandle, WebhookConfig, WebhookOptions,
    WebhookType,
};
use super::{Client, Req, SHOP, assert_shape, start, test_webhook_sign};

type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A webhook receiver on loopback answering 200.
async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    let app = Router::new()
        .route(
            "/tiktok/webhook",
            post(
                |State(got): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    got.lock().unwrap().push((auth, body.to_vec()));
                    StatusCode::OK
                },
            ),
        )
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/tiktok/webhook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

async fn wait_for(got: &Received, n: usize) -> Vec<(String, Value)> {
    for _ in 0..200 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    got.lock()
        .unwrap()
        .iter()
        .map(|(a, b)| (a.clone(), serde_json::from_slice(b).unwrap()))
        .collect()
}

async fn sim_with(url: &str) -> (SimHandle, SimConfig, String) {
    let cfg = SimConfig {
        webhooks: WebhookConfig {
            callback_url: Some(url.to_owned()),
            ..Default::default()
        },
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let p = sim
        .seed_product(
            SHOP,
            SeedProduct {
                skus: vec![SeedSku {
                    quantity: 10,
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .unwrap();
    (sim, cfg, p.skus[0].id.clone())
}

fn order(sku: &str) -> NewOrder {
    NewOrder {
        lines: vec![NewOrderLine {
            sku_id: sku.into(),
            quantity: 1,
            sale_price: None,
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn every_type_is_signed_and_shaped_like_the_fixtures() {
    let (url, got) = receiver().await;
    let (sim, cfg, sku) = sim_with(&url).await;
    let o = sim.create_order(order(&sku)).unwrap(); // 1
    let p = sim.state().shops[0].products[0].id.clone();
    sim.edit_listing(
        SHOP,
        &p,
        ListingEdit {
            status: Some(ProductStatus::SellerDeactivated),
            ..Default::default()
        },
    )
    .unwrap(); // 5
    let c = sim
        .create_cancellation(&o.id, NewCancellation::default())
        .unwrap(); // 11
    sim.set_cancellation_status(&c.cancel_id, CancelStatus::CancellationRequestComplete)
        .unwrap(); // 11 + 1
    let o2 = {
        sim.edit_listing(
            SHOP,
            &p,
            ListingEdit {
                status: Some(ProductStatus::Activate),
                ..Default::default()
            },
        )
        .unwrap(); // 5
        sim.create_order(order(&sku)).unwrap() // 1
    };
    sim.create_return(&o2.id, NewReturn::default()).unwrap(); // 12
    sim.notify_authorization_expiring(SHOP, WebhookOptions::default())
        .unwrap(); // 7
    sim.deauthorize_seller(SHOP, WebhookOptions::default())
        .unwrap(); // 6
    let all = wait_for(&got, 10).await;
    assert_eq!(all.len(), 10);
    let raw = got.lock().unwrap().clone();
    let mut ids = BTreeSet::new();
    for ((auth, body), (_, v)) in raw.iter().zip(&all) {
        assert_eq!(
            auth,
            &test_webhook_sign(&cfg.app_key, &cfg.app_secret, body)
        );
        assert!(ids.insert(v["tts_notification_id"].as_str().unwrap().to_owned()));
        assert_eq!(v["shop_id"], SHOP);
        let fixture = match v["type"].as_u64().unwrap() {
            1 => "webhook_order_status_change.json",
            5 => "webhook_product_status_change.json",
            6 => "webhook_seller_deauthorization.json",
            7 => "webhook_upcoming_authorization_expiration.json",
            11 => "webhook_cancellation_status_change.json",
            12 => "webhook_return_status_change.json",
            t => panic!("unexpected type {t}"),
        };
        assert_shape(fixture, v);
    }
    let types: Vec<u64> = all
        .iter()
        .map(|(_, v)| v["type"].as_u64().unwrap())
        .collect();
    assert_eq!(types, [1, 5, 11, 11, 1, 5, 1, 12, 7, 6]);
    assert_eq!(
        all[3].1["data"]["cancel_status"],
        "CANCELLATION_REQUEST_COMPLETE"
    );
    assert_eq!(all[4].1["data"]["order_status"], "CANCELLED");
    assert!(
        all[1].1["data"]["product_id"].is_u64(),
        "bare number like the sample"
    );
    // Envelope key order as in the samples.
    let text = String::from_utf8(raw[0].1.clone()).unwrap();
    assert!(
        text.starts_with(r#"{"type":1,"tts_notification_id":""#),
        "{text}"
    );
    assert!(sim.webhook_log().iter().all(|r| r.success));
}

#[tokio::test]
async fn drop_duplicate_delay_and_reorder() {
    let (url, got) = receiver().await;
    let (sim, _, sku) = sim_with(&url).await;
    sim.set_auto_webhooks(false);
    let a = sim.create_order(order(&sku)).unwrap();
    let b = sim.create_order(order(&sku)).unwrap();
    assert!(sim.webhook_log().is_empty(), "auto off");

    let dropped = sim
        .send_order_webhook(
            &a.id,
            WebhookOptions {
                drop: true,
                ..Default::default()
            },
        )
        .unwrap();
    let dup = sim
        .send_order_webhook(
            &a.id,
            WebhookOptions {
                duplicate: 2,
                ..Default::default()
            },
        )
        .unwrap();
    let all = wait_for(&got, 3).await;
    assert_eq!(all.len(), 3);
    assert!(
        all.iter()
            .all(|(_, v)| v["tts_notification_id"] == json!(dup))
    );
    assert!(
        sim.webhook_log()
            .iter()
            .any(|r| r.dropped && r.notification_id == dropped)
    );

    got.lock().unwrap().clear();
    let hold = WebhookOptions {
        hold: true,
        ..Default::default()
    };
    sim.set_order_status_with_webhook(&a.id, OrderStatus::InTransit, Some(hold))
        .unwrap();
    sim.set_order_status_with_webhook(&b.id, OrderStatus::InTransit, Some(hold))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(got.lock().unwrap().is_empty(), "held");
    assert_eq!(sim.release_held_webhooks(true), 2);
    let all = wait_for(&got, 2).await;
    let order_ids: Vec<Value> = all
        .iter()
        .map(|(_, v)| v["data"]["order_id"].clone())
        .collect();
    assert_eq!(order_ids, [json!(b.id), json!(a.id)], "reordered");

    got.lock().unwrap().clear();
    sim.send_order_webhook(
        &a.id,
        WebhookOptions {
            delay_ms: 300,
            ..Default::default()
        },
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(got.lock().unwrap().is_empty(), "delayed");
    assert_eq!(wait_for(&got, 1).await.len(), 1);
}

#[tokio::test]
async fn registered_address_takes_precedence() {
    let (default_url, default_got) = receiver().await;
    let (order_url, order_got) = receiver().await;
    let (sim, cfg, sku) = sim_with(&default_url).await;
    let c = Client::new(&sim, &cfg);
    let body = json!({"event_type": "ORDER_STATUS_CHANGE", "address": order_url});
    let r = Req::new(reqwest::Method::PUT, "/event/202309/webhooks").json(&body);
    c.ok(r).await;
    let listed = c.ok(Req::get("/event/202309/webhooks")).await;
    assert_eq!(listed["webhooks"][0]["address"], json!(order_url));
    sim.create_order(order(&sku)).unwrap();
    sim.notify_authorization_expiring(SHOP, WebhookOptions::default())
        .unwrap();
    assert_eq!(wait_for(&order_got, 1).await.len(), 1);
    let rest = wait_for(&default_got, 1).await;
    assert_eq!(
        rest[0].1["type"],
        WebhookType::UpcomingAuthorizationExpiration.code()
    );
    assert_eq!(sim.state().shop(SHOP).unwrap().webhook_addresses.len(), 1);
}
