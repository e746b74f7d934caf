//! The push emitter (§9): order-status pushes (code 3) POSTed to the App's callback URL with
//! `Authorization = hex(HMAC-SHA256(partner_key, callback_url + "|" + body))`. A delivery counts as successful only
//! on a 2xx with an empty body within the timeout (§9.5); an undelivered push is kept for the lost-push API.
//! Holding, dropping, duplicating and sending them in order is `common::push`'s job.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use std::sync::MutexGuard;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::SimCore;
use super::config::PushConfig;
use super::sign::push_authorization;
use super::state::{Order, now_unix};
use super::world::World;
use crate::common::faults::PushFault;
use crate::common::push::{Acknowledgement, Attempt, Courier, DeliveryOptions, Queue, Signed};

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
pub type PushOptions = DeliveryOptions;

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

/// A push's request: signed over the callback URL and the body (§9.2); delivered on a 2xx with an empty body.
impl Courier for SimCore {
    type World = World;
    type Msg = PushMsg;

    const NAME: &'static str = "shopee";
    const ACKNOWLEDGEMENT: Acknowledgement = Acknowledgement::EmptySuccess;
    const NO_DESTINATION: &'static str = "no callback_url configured";
    const CHECK_DESTINATION_ON_EMIT: bool = true;

    fn world(&self) -> MutexGuard<'_, World> {
        SimCore::world(self)
    }
    fn queue(&self) -> &Queue<PushMsg> {
        &self.push_tx
    }
    fn push_fault(world: &mut World) -> PushFault {
        world.faults.decide_push()
    }
    fn held(world: &mut World) -> &mut Vec<PushMsg> {
        &mut world.push.held
    }
    fn destination(world: &World, _: &PushMsg) -> Option<String> {
        world.push.callback_url.clone()
    }
    fn prepare(world: &mut World, msg: &mut PushMsg, attempt: u32) -> Result<Signed, Attempt> {
        let Some(url) = world.push.callback_url.clone() else {
            let error = Some(Self::NO_DESTINATION.to_owned());
            return Err(Attempt::not_sent(attempt, "", false, error));
        };
        Ok(Signed {
            authorization: push_authorization(&world.cfg.partner_key, &url, msg.body.as_bytes()),
            url,
            body: msg.body.clone(),
            timeout: Duration::from_millis(world.push.timeout_ms),
        })
    }
    fn note(world: &mut World, msg: &PushMsg, attempt: Attempt) {
        if attempt.success {
            world.push.mark_delivered(msg);
        } else {
            world.push.mark_lost(msg);
        }
        world.push.records.push(PushRecord {
            id: msg.id,
            order_sn: msg.order_sn.clone(),
            url: attempt.url,
            body: msg.body.clone(),
            authorization: attempt.authorization,
            status: attempt.status,
            success: attempt.success,
            dropped: attempt.dropped,
            error: attempt.error,
        });
    }
    fn redeliver_after(_: &World, _: u32) -> Option<Duration> {
        None
    }
}

/// `GET /api/v2/push/get_lost_push_message` (§9.6): the earliest 100 lost, unconfirmed pushes.
pub fn get_lost_push_message(
    world: &mut World,
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
    world: &mut World,
    body: &[u8],
) -> Result<super::api::Payload, super::error::ApiError> {
    let req: ConfirmLost = super::params::parse_body(body, super::params::Module::Common)?;
    let push = &mut world.push;
    push.confirmed_up_to = push.confirmed_up_to.max(req.last_message_id);
    let confirmed = push.confirmed_up_to;
    push.lost.retain(|id, _| *id > confirmed);
    Ok(super::api::Payload::Bare)
}
