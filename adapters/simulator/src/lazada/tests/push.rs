//! Order pushes (§9): one message_type 0 per item, signed lower-hex over `app_key + body`, with drop /
//! duplicate / delay / hold-and-reorder options, redelivery with the current status, and no pushes once the
//! seller's authorization is gone.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

use super::super::{
    ItemStatusChange, NewOrder, NewOrderLine, OrderItemStatus, PushConfig, PushOptions, SimConfig,
    TokenAction,
};
use super::{SELLER, assert_shape, config, hmac_hex, start};

/// What the callback received, and the statuses it answers with (200 once the queue is empty).
#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<(String, String)>>,
    answers: Mutex<VecDeque<u16>>,
}

async fn callback(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    r.got
        .lock()
        .unwrap()
        .push((auth, String::from_utf8_lossy(&body).into_owned()));
    let code = r.answers.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(code).unwrap()
}

async fn receiver(answers: &[u16]) -> (String, Arc<Receiver>) {
    let r = Arc::new(Receiver::default());
    r.answers.lock().unwrap().extend(answers.iter().copied());
    let app = Router::new()
        .route("/lazada", post(callback))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let url = format!("http://{}/lazada", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, r)
}

fn cfg_with(url: &str, auto: bool, retry_ms: u64) -> SimConfig {
    SimConfig {
        push: PushConfig {
            callback_url: Some(url.to_owned()),
            auto_order_status: auto,
            retry_interval_ms: retry_ms,
            ..Default::default()
        },
        ..config()
    }
}

fn new_order(units: u32) -> NewOrder {
    NewOrder {
        seller_id: SELLER,
        lines: vec![NewOrderLine {
            seller_sku: "ST25-5KG".into(),
            units,
            paid_price: None,
        }],
        ..Default::default()
    }
}

async fn wait_for(r: &Receiver, n: usize) -> Vec<(String, String)> {
    for _ in 0..200 {
        if r.got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    r.got.lock().unwrap().clone()
}

fn body(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap()
}

#[tokio::test]
async fn one_signed_push_per_item() {
    let (url, r) = receiver(&[]).await;
    let cfg = cfg_with(&url, true, 60_000);
    let sim = start(cfg.clone()).await;
    let o = sim.create_order(new_order(2)).unwrap();
    let got = wait_for(&r, 2).await;
    assert_eq!(got.len(), 2);
    let mut lines = Vec::new();
    for (auth, raw) in &got {
        // Verify over the exact bytes received, lower-case hex.
        assert_eq!(
            *auth,
            hmac_hex(&cfg.app_secret, format!("{}{raw}", cfg.app_key).as_bytes())
        );
        let v = body(raw);
        assert_shape("push_order_status.json", &v);
        assert_eq!(v["seller_id"], SELLER.to_string());
        assert_eq!(v["site"], "lazada_vn");
        assert_eq!(v["data"]["order_status"], "pending");
        assert_eq!(v["data"]["trade_order_id"], o.order_id.to_string());
        lines.push(
            v["data"]["trade_order_line_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    lines.sort();
    let mut want: Vec<String> = o
        .items
        .iter()
        .map(|i| i.order_item_id.to_string())
        .collect();
    want.sort();
    assert_eq!(lines, want);
    assert!(sim.push_log().iter().all(|p| p.success));
}

#[tokio::test]
async fn drop_duplicate_delay_and_reorder() {
    let (url, r) = receiver(&[]).await;
    let cfg = cfg_with(&url, false, 60_000);
    let sim = start(cfg.clone()).await;
    let o = sim.create_order(new_order(1)).unwrap();
    let item = o.items[0].order_item_id;
    assert!(wait_for(&r, 1).await.is_empty(), "auto pushes off");

    sim.send_order_push(
        o.order_id,
        None,
        PushOptions {
            drop: true,
            ..Default::default()
        },
    )
    .unwrap();
    sim.send_order_push(
        o.order_id,
        Some(&[item]),
        PushOptions {
            duplicate: 2,
            ..Default::default()
        },
    )
    .unwrap();
    let got = wait_for(&r, 3).await;
    assert_eq!(got.len(), 3);
    assert!(
        got.iter().all(|g| g.1 == got[0].1),
        "duplicates carry identical bytes"
    );
    assert!(sim.push_log().iter().any(|p| p.dropped));

    // Hold two status pushes and release them newest first.
    for status in [OrderItemStatus::ReadyToShip, OrderItemStatus::Shipped] {
        sim.change_item_status(
            o.order_id,
            ItemStatusChange {
                status,
                push: Some(PushOptions {
                    hold: true,
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .unwrap();
    }
    assert_eq!(sim.release_held_pushes(true), 2);
    let got = wait_for(&r, 5).await;
    let order: Vec<Value> = got[3..]
        .iter()
        .map(|g| body(&g.1)["data"]["order_status"].clone())
        .collect();
    assert_eq!(order, vec!["shipped", "ready_to_ship"]);

    // Delayed.
    sim.send_order_push(
        o.order_id,
        None,
        PushOptions {
            delay_ms: 300,
            ..Default::default()
        },
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(r.got.lock().unwrap().len(), 5);
    assert_eq!(wait_for(&r, 6).await.len(), 6);
}

#[tokio::test]
async fn failed_pushes_are_redelivered_with_the_current_status() {
    let (url, r) = receiver(&[500]).await;
    let cfg = cfg_with(&url, true, 300);
    let sim = start(cfg.clone()).await;
    let o = sim.create_order(new_order(1)).unwrap();
    assert_eq!(wait_for(&r, 1).await.len(), 1);
    sim.set_auto_push(false);
    sim.set_item_status(o.order_id, OrderItemStatus::Canceled)
        .unwrap();
    let got = wait_for(&r, 2).await;
    assert_eq!(body(&got[0].1)["data"]["order_status"], "pending");
    assert_eq!(
        body(&got[1].1)["data"]["order_status"],
        "canceled",
        "retry looks up the latest status"
    );
    // The receiver sees a request before the simulator records the answer.
    let mut log = sim.push_log();
    for _ in 0..50 {
        if log.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        log = sim.push_log();
    }
    assert_eq!(
        log.iter()
            .map(|p| (p.attempt, p.success))
            .collect::<Vec<_>>(),
        vec![(0, false), (1, true)]
    );
}

#[tokio::test]
async fn no_pushes_after_the_authorization_is_revoked() {
    let (url, r) = receiver(&[]).await;
    let cfg = cfg_with(&url, true, 60_000);
    let sim = start(cfg.clone()).await;
    sim.token_action(SELLER, TokenAction::RevokeAuthorization)
        .unwrap();
    sim.create_order(new_order(1)).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(r.got.lock().unwrap().is_empty());
    let log = sim.push_log();
    assert_eq!(log.len(), 1);
    assert!(log[0].dropped && !log[0].success);
}
