//! Pushes (§9): signed with `hex(HMAC-SHA256(partner_key, callback_url + "|" + raw body))`, code 3 body with
//! `ordersn`; success only on 2xx with an empty body; drop, duplicate, delay and reorder on request.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::{SHOP, assert_shape, hmac_hex, start};
use kho_simulator::shopee::{
    NewOrder, NewOrderLine, OrderStatus, PushConfig, PushOptions, SeedItem, SimConfig, SimHandle,
};
use serde_json::Value;

type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A webhook receiver on loopback; answers with an empty 200 unless `reply_body` is non-empty.
async fn receiver(reply_body: &'static str) -> (String, Received) {
    let got: Received = Arc::default();
    let app = Router::new()
        .route(
            "/shopee/push",
            post(
                move |State(got): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    got.lock().unwrap().push((auth, body.to_vec()));
                    (StatusCode::OK, reply_body)
                },
            ),
        )
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/shopee/push", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

async fn sim_with_order(url: &str) -> (SimHandle, String) {
    let cfg = SimConfig {
        push: PushConfig {
            callback_url: Some(url.to_owned()),
            ..Default::default()
        },
        ..Default::default()
    };
    let sim = start(cfg).await;
    let item = sim
        .seed_item(
            SHOP,
            SeedItem {
                stock: 5,
                ..Default::default()
            },
        )
        .unwrap();
    let order = sim
        .create_order(NewOrder {
            shop_id: SHOP,
            lines: vec![NewOrderLine {
                item_id: item.item_id,
                model_id: 0,
                quantity: 1,
                discounted_price: None,
            }],
            ..Default::default()
        })
        .unwrap();
    (sim, order.order_sn)
}

async fn wait_for(got: &Received, n: usize) -> Vec<(String, Vec<u8>)> {
    for _ in 0..200 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    got.lock().unwrap().clone()
}

#[tokio::test]
async fn order_push_is_signed_and_shaped_like_shopee() {
    let (url, got) = receiver("").await;
    let (sim, sn) = sim_with_order(&url).await;
    let pushes = wait_for(&got, 1).await;
    assert_eq!(pushes.len(), 1);
    let (auth, body) = &pushes[0];
    let mut signed = format!("{url}|").into_bytes();
    signed.extend_from_slice(body);
    assert_eq!(auth, &hmac_hex(&SimConfig::default().partner_key, &signed));
    let v: Value = serde_json::from_slice(body).unwrap();
    assert_shape("push_order_status.json", &v);
    assert_eq!(v["code"], 3);
    assert_eq!(v["shop_id"], SHOP);
    assert_eq!(v["data"]["ordersn"], sn.as_str());
    assert_eq!(v["data"]["status"], "READY_TO_SHIP");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let log = sim.push_log();
    assert!(log[0].success, "{log:?}");
}

#[tokio::test]
async fn non_empty_answer_counts_as_failure() {
    let (url, got) = receiver("OK").await;
    let (sim, _) = sim_with_order(&url).await;
    wait_for(&got, 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let log = sim.push_log();
    assert!(!log[0].success);
    assert_eq!(log[0].status, Some(200));
}

#[tokio::test]
async fn drop_duplicate_delay_and_reorder() {
    let (url, got) = receiver("").await;
    let (sim, sn) = sim_with_order(&url).await;
    wait_for(&got, 1).await;
    sim.send_order_push(
        &sn,
        PushOptions {
            drop: true,
            ..Default::default()
        },
    )
    .unwrap();
    sim.send_order_push(
        &sn,
        PushOptions {
            duplicate: 2,
            ..Default::default()
        },
    )
    .unwrap();
    let pushes = wait_for(&got, 4).await;
    assert_eq!(
        pushes.len(),
        4,
        "1 original + 3 copies, the dropped one never arrives"
    );
    assert_eq!(pushes[1].1, pushes[3].1, "duplicates carry identical bytes");

    // Hold two status changes and release them newest first: the receiver sees them out of order.
    sim.set_order_status_with_push(
        &sn,
        OrderStatus::Processed,
        Some(PushOptions {
            hold: true,
            ..Default::default()
        }),
    )
    .unwrap();
    sim.set_order_status_with_push(
        &sn,
        OrderStatus::Shipped,
        Some(PushOptions {
            hold: true,
            ..Default::default()
        }),
    )
    .unwrap();
    assert_eq!(got.lock().unwrap().len(), 4);
    assert_eq!(sim.release_held_pushes(true), 2);
    let pushes = wait_for(&got, 6).await;
    let status = |b: &[u8]| {
        serde_json::from_slice::<Value>(b).unwrap()["data"]["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(status(&pushes[4].1), "SHIPPED");
    assert_eq!(status(&pushes[5].1), "PROCESSED");

    sim.send_order_push(
        &sn,
        PushOptions {
            delay_ms: 200,
            ..Default::default()
        },
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(got.lock().unwrap().len(), 6, "not yet");
    assert_eq!(wait_for(&got, 7).await.len(), 7);
    assert!(sim.push_log().iter().any(|r| r.dropped));
}

#[tokio::test]
async fn lost_pushes_can_be_fetched_and_confirmed() {
    let (url, got) = receiver("").await;
    let (sim, sn) = sim_with_order(&url).await;
    wait_for(&got, 1).await;
    let id = sim
        .send_order_push(
            &sn,
            PushOptions {
                drop: true,
                ..Default::default()
            },
        )
        .unwrap();
    let cfg = SimConfig::default();
    let c = common::Client::new(&sim, &cfg);
    let path = "/api/v2/push/get_lost_push_message";
    let q = c.public_query(path, common::now());
    let (_, v) = c.get_raw(&format!("{path}?{q}")).await;
    assert_shape("get_lost_push_message.json", &v);
    assert_eq!(
        v["response"]["push_message_list"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        v["response"]["push_message_list"][0]["data"]["ordersn"],
        sn.as_str()
    );
    assert_eq!(v["response"]["last_message_id"], id);

    // A bad sign on push APIs is answered in the push module's words (§4.2).
    let (_, v) = c
        .get_raw(&format!("{path}?{}", q.replace("sign=", "sign=0")))
        .await;
    assert_eq!(
        (v["error"].as_str(), v["message"].as_str()),
        (Some("common.error_auth"), Some("Invalid sign"))
    );

    let confirm = "/api/v2/push/confirm_consumed_lost_push_message";
    let (_, v) = c
        .public_post(confirm, &serde_json::json!({"last_message_id": id}))
        .await;
    assert_eq!(v["error"], "", "{v}");
    let q = c.public_query(path, common::now());
    let (_, v) = c.get_raw(&format!("{path}?{q}")).await;
    assert!(
        v["response"]["push_message_list"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
