//! Webhooks (§9): JSON POSTed to the registered address (or the configured callback URL) with
//! `Authorization = hex(HMAC-SHA256(app_secret, app_key + raw_body))` (§9.3). Each notification has a unique
//! `tts_notification_id`; a duplicate copy carries the same id, because that is what clients must dedupe on.
//! Holding, dropping, duplicating and sending them in order is `common::push`'s job.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use std::sync::MutexGuard;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::SimCore;
use super::config::WebhookConfig;
use super::sign::webhook_authorization;
use super::state::{Cancellation, Order, Product, Return, now_unix};
use super::world::World;
use crate::common::faults::PushFault;
use crate::common::push::{Acknowledgement, Attempt, Courier, DeliveryOptions, Queue, Signed};

/// Webhook types the simulator sends (§9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebhookType {
    OrderStatusChange,
    ProductStatusChange,
    SellerDeauthorization,
    UpcomingAuthorizationExpiration,
    CancellationStatusChange,
    ReturnStatusChange,
}

impl WebhookType {
    /// The numeric `type` of the payload.
    pub fn code(self) -> u32 {
        match self {
            Self::OrderStatusChange => 1,
            Self::ProductStatusChange => 5,
            Self::SellerDeauthorization => 6,
            Self::UpcomingAuthorizationExpiration => 7,
            Self::CancellationStatusChange => 11,
            Self::ReturnStatusChange => 12,
        }
    }

    /// The `event_type` name used when registering an address.
    pub fn name(self) -> &'static str {
        match self {
            Self::OrderStatusChange => "ORDER_STATUS_CHANGE",
            Self::ProductStatusChange => "PRODUCT_STATUS_CHANGE",
            Self::SellerDeauthorization => "SELLER_DEAUTHORIZATION",
            Self::UpcomingAuthorizationExpiration => "UPCOMING_AUTHORIZATION_EXPIRATION",
            Self::CancellationStatusChange => "CANCELLATION_STATUS_CHANGE",
            Self::ReturnStatusChange => "RETURN_STATUS_CHANGE",
        }
    }
}

/// Event types `PUT /event/202309/webhooks` accepts (the §9.2 table; only some are ever sent by the simulator).
pub const REGISTRABLE_EVENTS: &[&str] = &[
    "ORDER_STATUS_CHANGE",
    "REVERSE_STATUS_UPDATE",
    "RECIPIENT_ADDRESS_UPDATE",
    "PACKAGE_UPDATE",
    "PRODUCT_STATUS_CHANGE",
    "SELLER_DEAUTHORIZATION",
    "UPCOMING_AUTHORIZATION_EXPIRATION",
    "CANCELLATION_STATUS_CHANGE",
    "RETURN_STATUS_CHANGE",
    "PRODUCT_INFORMATION_CHANGE",
    "PRODUCT_CREATION",
];

/// One webhook body, built once so every copy carries identical bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookMsg {
    pub notification_id: String,
    pub shop_id: String,
    pub event: WebhookType,
    /// The exact bytes sent (and signed).
    pub body: String,
}

/// How to deliver a webhook (control API / in-process); duplicate copies carry the same `tts_notification_id`.
pub type WebhookOptions = DeliveryOptions;

/// What happened to one delivery attempt (one copy of a webhook).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRecord {
    pub notification_id: String,
    pub event: WebhookType,
    pub shop_id: String,
    pub url: String,
    pub body: String,
    pub authorization: String,
    /// `None` when the webhook was dropped or no answer came.
    pub status: Option<u16>,
    pub success: bool,
    pub dropped: bool,
    pub error: Option<String>,
}

// Field order of the envelope follows the published samples (§9.2) so the bytes look like TikTok's.
#[derive(Serialize)]
struct Envelope<'a> {
    r#type: u32,
    tts_notification_id: &'a str,
    shop_id: &'a str,
    timestamp: i64,
    data: Value,
}

#[derive(Serialize)]
struct OrderStatusData<'a> {
    order_id: &'a str,
    order_status: &'a str,
    update_time: i64,
    is_on_hold_order: bool,
}

/// Webhook settings and bookkeeping (inside the world lock).
#[derive(Debug)]
pub struct WebhookState {
    pub callback_url: Option<String>,
    pub auto: bool,
    pub timeout_ms: u64,
    pub product_id_as_number: bool,
    pub held: Vec<WebhookMsg>,
    pub records: Vec<WebhookRecord>,
    next_id: u64,
}

impl WebhookState {
    pub fn new(cfg: &WebhookConfig) -> Self {
        Self {
            callback_url: cfg.callback_url.clone(),
            auto: cfg.auto,
            timeout_ms: cfg.timeout_ms,
            product_id_as_number: cfg.product_id_as_number,
            held: Vec::new(),
            records: Vec::new(),
            next_id: 1,
        }
    }

    fn build(&mut self, shop_id: &str, event: WebhookType, data: Value) -> WebhookMsg {
        // Unique per notification; 19 digits like TikTok's ids.
        let notification_id = (7_327_112_393_057_000_000u64 + self.next_id).to_string();
        self.next_id += 1;
        let body = serde_json::to_string(&Envelope {
            r#type: event.code(),
            tts_notification_id: &notification_id,
            shop_id,
            timestamp: now_unix(),
            data,
        })
        .unwrap_or_default();
        WebhookMsg {
            notification_id,
            shop_id: shop_id.to_owned(),
            event,
            body,
        }
    }

    /// Type 1 for the order's current status.
    pub fn order_status(&mut self, order: &Order) -> WebhookMsg {
        let data = serde_json::to_value(OrderStatusData {
            order_id: &order.id,
            order_status: order.status.as_str(),
            update_time: order.update_time,
            is_on_hold_order: false,
        })
        .unwrap_or_default();
        self.build(&order.shop_id, WebhookType::OrderStatusChange, data)
    }

    /// Type 5 for the product's current status (`product_id` a bare number like the sample, unless configured).
    pub fn product_status(&mut self, product: &Product) -> WebhookMsg {
        let id = match product.id.parse::<u64>() {
            Ok(n) if self.product_id_as_number => json!(n),
            _ => json!(product.id),
        };
        let data = json!({
            "product_id": id,
            "status": product.status.as_str(),
            "suspended_reason": "",
            "update_time": product.update_time,
        });
        self.build(&product.shop_id, WebhookType::ProductStatusChange, data)
    }

    /// Type 11.
    pub fn cancellation(&mut self, c: &Cancellation) -> WebhookMsg {
        let data = json!({
            "order_id": c.order_id,
            "cancel_id": c.cancel_id,
            "cancellations_role": c.role,
            "cancel_status": c.status.as_str(),
            "create_time": c.create_time,
        });
        self.build(&c.shop_id, WebhookType::CancellationStatusChange, data)
    }

    /// Type 12.
    pub fn return_status(&mut self, r: &Return) -> WebhookMsg {
        let data = json!({
            "order_id": r.order_id,
            "return_id": r.return_id,
            "return_role": r.role,
            "return_type": r.return_type.as_str(),
            "return_status": r.status.as_str(),
            "create_time": r.create_time,
            "update_time": r.update_time,
        });
        self.build(&r.shop_id, WebhookType::ReturnStatusChange, data)
    }

    /// Type 6.
    pub fn deauthorization(&mut self, shop_id: &str) -> WebhookMsg {
        let data = json!({"message": "The seller has deauthorized your application."});
        self.build(shop_id, WebhookType::SellerDeauthorization, data)
    }

    /// Type 7.
    pub fn upcoming_expiration(&mut self, shop_id: &str, expiration_time: i64) -> WebhookMsg {
        let data = json!({
            "message": "The authorization of your application will expire soon.",
            "expiration_time": expiration_time,
        });
        self.build(shop_id, WebhookType::UpcomingAuthorizationExpiration, data)
    }
}

/// A webhook's request: signed over the App key and the body (§9.3); delivered on any 2xx.
impl Courier for SimCore {
    type World = World;
    type Msg = WebhookMsg;

    const NAME: &'static str = "tiktok";
    const ACKNOWLEDGEMENT: Acknowledgement = Acknowledgement::Success;
    const NO_DESTINATION: &'static str =
        "no webhook address registered and no callback_url configured";
    const CHECK_DESTINATION_ON_EMIT: bool = false;

    fn world(&self) -> MutexGuard<'_, World> {
        SimCore::world(self)
    }
    fn queue(&self) -> &Queue<WebhookMsg> {
        &self.webhook_tx
    }
    fn push_fault(world: &mut World) -> PushFault {
        world.faults.decide_push()
    }
    fn held(world: &mut World) -> &mut Vec<WebhookMsg> {
        &mut world.webhooks.held
    }
    fn destination(world: &World, msg: &WebhookMsg) -> Option<String> {
        world.webhook_url(msg)
    }
    fn prepare(world: &mut World, msg: &mut WebhookMsg, attempt: u32) -> Result<Signed, Attempt> {
        let Some(url) = world.webhook_url(msg) else {
            let error = Some(Self::NO_DESTINATION.to_owned());
            return Err(Attempt::not_sent(attempt, "", false, error));
        };
        Ok(Signed {
            authorization: webhook_authorization(
                &world.cfg.app_key,
                &world.cfg.app_secret,
                msg.body.as_bytes(),
            ),
            url,
            body: msg.body.clone(),
            timeout: Duration::from_millis(world.webhooks.timeout_ms),
        })
    }
    fn note(world: &mut World, msg: &WebhookMsg, attempt: Attempt) {
        world.webhooks.records.push(WebhookRecord {
            notification_id: msg.notification_id.clone(),
            event: msg.event,
            shop_id: msg.shop_id.clone(),
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
