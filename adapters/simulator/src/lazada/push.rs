//! The push emitter (§9): one message_type 0 push per order item status change, POSTed to the App's callback
//! URL with `Authorization = lower-hex HMAC-SHA256(app_secret, app_key + body)`. A delivery counts only on HTTP
//! 200 within the timeout (500 ms, body ignored); failures are redelivered up to `max_retries` times every
//! `retry_interval_ms`, each time with the item's *current* status (§9.3). Holding, dropping, duplicating and
//! sending them in order is `common::push`'s job.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use std::sync::MutexGuard;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::SimCore;
use super::config::PushConfig;
use super::sign::push_authorization;
use super::state::{OrderItem, now_ms};
use super::world::World;
use crate::common::faults::PushFault;
use crate::common::push::{Acknowledgement, Attempt, Courier, DeliveryOptions, Queue, Signed};

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

/// How to deliver a push (control API / in-process); a dropped push is not redelivered either.
pub type PushOptions = DeliveryOptions;

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

/// A push's request: signed over the App key and the body (§9.2); delivered on exactly 200, redelivered with the
/// item's current status otherwise, and not sent for a seller whose authorization lapsed.
impl Courier for SimCore {
    type World = World;
    type Msg = PushMsg;

    const NAME: &'static str = "lazada";
    const ACKNOWLEDGEMENT: Acknowledgement = Acknowledgement::Ok200;
    const NO_DESTINATION: &'static str = "no callback_url configured";
    const CHECK_DESTINATION_ON_EMIT: bool = false;

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
        if attempt > 0 {
            // A redelivery looks up the latest status first (§9.3).
            if let Some(item) = world.order_item(msg.order_id, msg.order_item_id) {
                msg.body = world.push.body_for(msg.seller_id, item);
            }
        }
        let Some(url) = world.push.callback_url.clone() else {
            let error = Some(Self::NO_DESTINATION.to_owned());
            return Err(Attempt::not_sent(attempt, "", false, error));
        };
        if !world.seller_authorized(msg.seller_id) {
            let error = Some("seller authorization revoked or expired".to_owned());
            return Err(Attempt::not_sent(attempt, &url, true, error));
        }
        Ok(Signed {
            authorization: push_authorization(
                &world.cfg.app_secret,
                &world.cfg.app_key,
                msg.body.as_bytes(),
            ),
            url,
            body: msg.body.clone(),
            timeout: Duration::from_millis(world.push.timeout_ms),
        })
    }
    fn note(world: &mut World, msg: &PushMsg, attempt: Attempt) {
        world.push.records.push(PushRecord {
            id: msg.id,
            order_id: msg.order_id,
            order_item_id: msg.order_item_id,
            attempt: attempt.attempt,
            url: attempt.url,
            body: msg.body.clone(),
            authorization: attempt.authorization,
            status: attempt.status,
            success: attempt.success,
            dropped: attempt.dropped,
            error: attempt.error,
        });
    }
    fn redeliver_after(world: &World, attempt: u32) -> Option<Duration> {
        (attempt < world.push.max_retries)
            .then(|| Duration::from_millis(world.push.retry_interval_ms))
    }
}
