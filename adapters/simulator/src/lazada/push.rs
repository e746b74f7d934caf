//! The push emitter (§9): one message_type 0 push per order item status change, POSTed to the App's callback
//! URL with `Authorization = lower-hex HMAC-SHA256(app_secret, app_key + body)`. A delivery counts only on HTTP
//! 200 within the timeout (500 ms, body ignored); failures are redelivered up to `max_retries` times every
//! `retry_interval_ms`, each time with the item's *current* status (§9.3). Tests can drop, duplicate, delay and
//! hold pushes; held pushes are released in order or reversed, to reorder them. One dispatcher task sends them
//! one at a time, so their order is exactly the order they were released in.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::SimCore;
use super::config::PushConfig;
use super::sign::push_authorization;
use super::state::{OrderItem, now_ms};

/// One push body, built once so every copy carries identical bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushMsg {
    pub id: u64,
    pub seller_id: i64,
    pub order_id: i64,
    pub order_item_id: i64,
    /// The exact bytes sent (and signed).
    pub body: String,
}

/// How to deliver a push (control API / in-process).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushOptions {
    /// Do not send it at all (a lost push; no retries either).
    pub drop: bool,
    /// Extra copies to send after the first (at-least-once delivery).
    pub duplicate: u32,
    /// Wait this long before sending.
    pub delay_ms: u64,
    /// Keep it until `release_held_pushes`.
    pub hold: bool,
}

/// What happened to one delivery attempt (one copy of a push).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRecord {
    pub id: u64,
    pub order_id: i64,
    pub order_item_id: i64,
    /// 0 = first delivery, n = n-th redelivery.
    pub attempt: u32,
    pub url: String,
    pub body: String,
    pub authorization: String,
    /// `None` when the push was dropped or no answer came.
    pub status: Option<u16>,
    pub success: bool,
    pub dropped: bool,
    pub error: Option<String>,
}

// Field order of the §9.2 P2 sample, so the bytes look like Lazada's.
#[derive(Serialize)]
struct TradeData<'a> {
    order_status: &'a str,
    trade_order_id: String,
    trade_order_line_id: String,
    status_update_time: i64,
}

#[derive(Serialize)]
struct PushBody<'a> {
    seller_id: String,
    message_type: u32,
    data: TradeData<'a>,
    timestamp: i64,
    site: &'a str,
}

/// Push settings and bookkeeping (inside the world lock).
#[derive(Debug)]
pub struct PushState {
    pub callback_url: Option<String>,
    pub auto_order_status: bool,
    pub timeout_ms: u64,
    pub max_retries: u32,
    pub retry_interval_ms: u64,
    pub site: String,
    pub held: Vec<PushMsg>,
    pub records: Vec<PushRecord>,
    next_id: u64,
}

impl PushState {
    pub fn new(cfg: &PushConfig) -> Self {
        Self {
            callback_url: cfg.callback_url.clone(),
            auto_order_status: cfg.auto_order_status,
            timeout_ms: cfg.timeout_ms,
            max_retries: cfg.max_retries,
            retry_interval_ms: cfg.retry_interval_ms,
            site: cfg.site.clone(),
            held: Vec::new(),
            records: Vec::new(),
            next_id: 1,
        }
    }

    /// The body of a message_type 0 push for the item's current status.
    pub fn body_for(&self, seller_id: i64, item: &OrderItem) -> String {
        let body = PushBody {
            seller_id: seller_id.to_string(),
            message_type: 0,
            data: TradeData {
                order_status: item.status.as_str(),
                trade_order_id: item.order_id.to_string(),
                trade_order_line_id: item.order_item_id.to_string(),
                status_update_time: item.updated_ms / 1000,
            },
            timestamp: now_ms(),
            site: &self.site,
        };
        serde_json::to_string(&body).unwrap_or_default()
    }

    /// A new message_type 0 push for the item's current status.
    pub fn item_msg(&mut self, seller_id: i64, item: &OrderItem) -> PushMsg {
        let id = self.next_id;
        self.next_id += 1;
        PushMsg {
            id,
            seller_id,
            order_id: item.order_id,
            order_item_id: item.order_item_id,
            body: self.body_for(seller_id, item),
        }
    }
}

/// Work for the dispatcher.
#[derive(Debug)]
pub(crate) struct Outgoing {
    msg: PushMsg,
    attempt: u32,
}

pub(crate) type PushSender = mpsc::UnboundedSender<Outgoing>;

/// Queues `msg` for delivery, applying the options and the seeded push faults.
pub(crate) fn emit(core: &Arc<SimCore>, msg: PushMsg, opts: PushOptions) {
    let mut world = core.world();
    let fault = world.faults.decide_push();
    if opts.hold {
        world.push.held.push(msg);
        return;
    }
    if opts.drop || fault.drop {
        let url = world.push.callback_url.clone().unwrap_or_default();
        world
            .push
            .records
            .push(record(&msg, 0, &url, "", true, None));
        return;
    }
    drop(world);
    let copies = 1 + opts.duplicate + u32::from(fault.duplicate);
    let tx = core.push_tx.clone();
    let send_all = move || {
        for _ in 0..copies {
            let _ = tx.send(Outgoing {
                msg: msg.clone(),
                attempt: 0,
            });
        }
    };
    if opts.delay_ms == 0 {
        send_all();
    } else {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(opts.delay_ms)).await;
            send_all();
        });
    }
}

/// Sends every held push, oldest first or (`reverse`) newest first.
pub(crate) fn release_held(core: &Arc<SimCore>, reverse: bool) -> usize {
    let mut held = std::mem::take(&mut core.world().push.held);
    if reverse {
        held.reverse();
    }
    let n = held.len();
    for msg in held {
        emit(core, msg, PushOptions::default());
    }
    n
}

fn record(
    msg: &PushMsg,
    attempt: u32,
    url: &str,
    authorization: &str,
    dropped: bool,
    error: Option<String>,
) -> PushRecord {
    PushRecord {
        id: msg.id,
        order_id: msg.order_id,
        order_item_id: msg.order_item_id,
        attempt,
        url: url.to_owned(),
        body: msg.body.clone(),
        authorization: authorization.to_owned(),
        status: None,
        success: false,
        dropped,
        error,
    }
}

/// Delivers queued pushes one by one until the simulator shuts down. Holds only a weak reference so the
/// simulator's state (and with it the queue's sender) can be dropped, which ends this task.
pub(crate) async fn dispatcher(core: Weak<SimCore>, mut rx: mpsc::UnboundedReceiver<Outgoing>) {
    let client = reqwest::Client::new();
    while let Some(Outgoing { mut msg, attempt }) = rx.recv().await {
        let Some(core) = core.upgrade() else { break };
        let (url, secret, key, timeout, authorized) = {
            let w = core.world();
            if attempt > 0 {
                // A redelivery looks up the latest status first (§9.3).
                if let Some(item) = w.order_item(msg.order_id, msg.order_item_id) {
                    msg.body = w.push.body_for(msg.seller_id, item);
                }
            }
            (
                w.push.callback_url.clone(),
                w.cfg.app_secret.clone(),
                w.cfg.app_key.clone(),
                w.push.timeout_ms,
                w.seller_authorized(msg.seller_id),
            )
        };
        let Some(url) = url else {
            let rec = record(
                &msg,
                attempt,
                "",
                "",
                false,
                Some("no callback_url configured".into()),
            );
            core.world().push.records.push(rec);
            continue;
        };
        if !authorized {
            let rec = record(
                &msg,
                attempt,
                &url,
                "",
                true,
                Some("seller authorization revoked or expired".into()),
            );
            core.world().push.records.push(rec);
            continue;
        }
        let auth = push_authorization(&secret, &key, msg.body.as_bytes());
        let mut rec = record(&msg, attempt, &url, &auth, false, None);
        let sent = client
            .post(&url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .body(msg.body.clone())
            .timeout(Duration::from_millis(timeout))
            .send()
            .await;
        match sent {
            Ok(resp) => {
                rec.status = Some(resp.status().as_u16());
                if resp.status().as_u16() == 200 {
                    rec.success = true;
                } else {
                    rec.error = Some(format!("HTTP {}", resp.status()));
                }
            }
            Err(e) => rec.error = Some(e.to_string()),
        }
        tracing::debug!(
            push_id = rec.id,
            order_id = rec.order_id,
            attempt,
            success = rec.success,
            "lazada simulator push"
        );
        let mut w = core.world();
        let retry = !rec.success && attempt < w.push.max_retries;
        let interval = w.push.retry_interval_ms;
        w.push.records.push(rec);
        drop(w);
        if retry {
            let tx = core.push_tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(interval)).await;
                let _ = tx.send(Outgoing {
                    msg,
                    attempt: attempt + 1,
                });
            });
        }
    }
}
