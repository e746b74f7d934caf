//! The push emitter (§9): order-status pushes (code 3) POSTed to the App's callback URL with
//! `Authorization = hex(HMAC-SHA256(partner_key, callback_url + "|" + body))`. A delivery counts as successful only
//! on a 2xx with an empty body within the timeout (§9.5). Tests can drop, duplicate, delay and hold pushes;
//! held pushes are released in order or reversed, to reorder them. Pushes are sent one at a time by a single
//! dispatcher task, so their order is exactly the order they were released in.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::SimCore;
use super::config::PushConfig;
use super::sign::push_authorization;
use super::state::{Order, now_unix};

/// One push body, built once so every copy carries identical bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushMsg {
    pub id: u64,
    pub shop_id: i64,
    pub order_sn: String,
    /// The exact bytes sent (and signed).
    pub body: String,
}

/// How to deliver a push (control API / in-process).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushOptions {
    /// Do not send it at all (a lost push).
    pub drop: bool,
    /// Extra copies to send after the first.
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
    pub order_sn: String,
    pub url: String,
    pub body: String,
    pub authorization: String,
    /// `None` when the push was dropped or no answer came.
    pub status: Option<u16>,
    pub success: bool,
    pub dropped: bool,
    pub error: Option<String>,
}

// The order and field names follow the official sample (§9.3) so the bytes look like Shopee's.
#[derive(Serialize)]
struct OrderStatusData<'a> {
    items: [(); 0],
    ordersn: &'a str,
    status: &'a str,
    completed_scenario: &'a str,
    update_time: i64,
}

#[derive(Serialize)]
struct PushBody<'a> {
    data: OrderStatusData<'a>,
    shop_id: i64,
    code: u32,
    timestamp: i64,
}

/// Push settings and bookkeeping (inside the world lock).
#[derive(Debug)]
pub struct PushState {
    pub callback_url: Option<String>,
    pub auto_order_status: bool,
    pub timeout_ms: u64,
    pub held: Vec<PushMsg>,
    pub records: Vec<PushRecord>,
    /// Pushes that were dropped or not acknowledged, for `get_lost_push_message` (§9.6), by message id.
    pub lost: std::collections::BTreeMap<u64, LostPush>,
    /// Highest message id confirmed with `confirm_consumed_lost_push_message`.
    pub confirmed_up_to: u64,
    next_id: u64,
}

/// A push Shopee could not deliver, kept for the lost-push API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostPush {
    pub message_id: u64,
    pub shop_id: i64,
    pub code: u32,
    pub timestamp: i64,
    pub data: serde_json::Value,
}

impl PushState {
    pub fn new(cfg: &PushConfig) -> Self {
        Self {
            callback_url: cfg.callback_url.clone(),
            auto_order_status: cfg.auto_order_status,
            timeout_ms: cfg.timeout_ms,
            held: Vec::new(),
            records: Vec::new(),
            lost: std::collections::BTreeMap::new(),
            confirmed_up_to: 0,
            next_id: 1,
        }
    }

    /// Records a push as lost (once per message id).
    pub fn mark_lost(&mut self, msg: &PushMsg) {
        if msg.id <= self.confirmed_up_to || self.lost.contains_key(&msg.id) {
            return;
        }
        let parsed: serde_json::Value = serde_json::from_str(&msg.body).unwrap_or_default();
        self.lost.insert(
            msg.id,
            LostPush {
                message_id: msg.id,
                shop_id: msg.shop_id,
                code: parsed["code"].as_u64().unwrap_or(3) as u32,
                timestamp: parsed["timestamp"].as_i64().unwrap_or_default(),
                data: parsed["data"].clone(),
            },
        );
    }

    /// Whether a later copy of this message was delivered, so it is no longer lost.
    pub fn mark_delivered(&mut self, msg: &PushMsg) {
        self.lost.remove(&msg.id);
    }

    /// A code 3 push for the order's current status.
    pub fn order_status_msg(&mut self, order: &Order) -> PushMsg {
        let body = PushBody {
            data: OrderStatusData {
                items: [],
                ordersn: &order.order_sn,
                status: order.status.as_str(),
                completed_scenario: "",
                update_time: order.update_time,
            },
            shop_id: order.shop_id,
            code: 3,
            timestamp: now_unix(),
        };
        let id = self.next_id;
        self.next_id += 1;
        PushMsg {
            id,
            shop_id: order.shop_id,
            order_sn: order.order_sn.clone(),
            body: serde_json::to_string(&body).unwrap_or_default(),
        }
    }
}

/// Work for the dispatcher.
#[derive(Debug)]
pub(crate) struct Outgoing {
    msg: PushMsg,
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
    let Some(url) = world.push.callback_url.clone() else {
        world.push.records.push(record(
            &msg,
            "",
            "",
            false,
            Some("no callback_url configured".into()),
        ));
        world.push.mark_lost(&msg);
        return;
    };
    if opts.drop || fault.drop {
        world.push.records.push(record(&msg, &url, "", true, None));
        world.push.mark_lost(&msg);
        return;
    }
    drop(world);
    let copies = 1 + opts.duplicate + u32::from(fault.duplicate);
    let tx = core.push_tx.clone();
    if opts.delay_ms == 0 {
        for _ in 0..copies {
            let _ = tx.send(Outgoing { msg: msg.clone() });
        }
    } else {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(opts.delay_ms)).await;
            for _ in 0..copies {
                let _ = tx.send(Outgoing { msg: msg.clone() });
            }
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
    url: &str,
    authorization: &str,
    dropped: bool,
    error: Option<String>,
) -> PushRecord {
    PushRecord {
        id: msg.id,
        order_sn: msg.order_sn.clone(),
        url: url.to_owned(),
        body: msg.body.clone(),
        authorization: authorization.to_owned(),
        status: None,
        success: false,
        dropped,
        error,
    }
}

/// Delivers queued pushes one by one until the simulator shuts down.
/// Holds only a weak reference so the simulator's state (and with it the queue's sender) can be dropped, which
/// ends this task.
pub(crate) async fn dispatcher(core: Weak<SimCore>, mut rx: mpsc::UnboundedReceiver<Outgoing>) {
    let client = reqwest::Client::new();
    while let Some(Outgoing { msg }) = rx.recv().await {
        let Some(core) = core.upgrade() else { break };
        let (url, key, timeout) = {
            let w = core.world();
            (
                w.push.callback_url.clone(),
                w.cfg.partner_key.clone(),
                w.push.timeout_ms,
            )
        };
        let Some(url) = url else {
            let mut w = core.world();
            let rec = record(
                &msg,
                "",
                "",
                false,
                Some("no callback_url configured".into()),
            );
            w.push.records.push(rec);
            w.push.mark_lost(&msg);
            continue;
        };
        let auth = push_authorization(&key, &url, msg.body.as_bytes());
        let mut rec = record(&msg, &url, &auth, false, None);
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
                let status = resp.status();
                rec.status = Some(status.as_u16());
                match resp.bytes().await {
                    Ok(body) if status.is_success() && body.is_empty() => rec.success = true,
                    Ok(_) if status.is_success() => {
                        rec.error = Some("non-empty response body".into())
                    }
                    Ok(_) => rec.error = Some(format!("HTTP {status}")),
                    Err(e) => rec.error = Some(format!("reading answer: {e}")),
                }
            }
            Err(e) => rec.error = Some(e.to_string()),
        }
        tracing::debug!(push_id = rec.id, order_sn = %rec.order_sn, success = rec.success, "shopee simulator push");
        let mut w = core.world();
        if rec.success {
            w.push.mark_delivered(&msg);
        } else {
            w.push.mark_lost(&msg);
        }
        w.push.records.push(rec);
    }
}

/// `GET /api/v2/push/get_lost_push_message` (§9.6): the earliest 100 lost, unconfirmed pushes.
pub fn get_lost_push_message(
    world: &mut super::world::World,
) -> Result<super::api::Payload, super::error::ApiError> {
    const PAGE: usize = 100;
    let push = &world.push;
    let pending: Vec<&LostPush> = push
        .lost
        .values()
        .filter(|l| l.message_id > push.confirmed_up_to)
        .collect();
    let page: Vec<serde_json::Value> = pending
        .iter()
        .take(PAGE)
        .map(|l| serde_json::json!({"shop_id": l.shop_id, "code": l.code, "timestamp": l.timestamp, "data": l.data}))
        .collect();
    let last = pending[..pending.len().min(PAGE)]
        .last()
        .map(|l| l.message_id)
        .unwrap_or(0);
    Ok(super::api::Payload::Wrapped(serde_json::json!({
        "push_message_list": page,
        "has_next_page": pending.len() > PAGE,
        "last_message_id": last,
    })))
}

#[derive(Deserialize)]
struct ConfirmLost {
    last_message_id: u64,
}

/// `POST /api/v2/push/confirm_consumed_lost_push_message` (§9.6): acknowledges everything up to the id.
pub fn confirm_consumed_lost_push_message(
    world: &mut super::world::World,
    body: &[u8],
) -> Result<super::api::Payload, super::error::ApiError> {
    let req: ConfirmLost = super::params::parse_body(body, super::params::Module::Common)?;
    let push = &mut world.push;
    push.confirmed_up_to = push.confirmed_up_to.max(req.last_message_id);
    let confirmed = push.confirmed_up_to;
    push.lost.retain(|id, _| *id > confirmed);
    Ok(super::api::Payload::Bare)
}
