//! Webhook (push) requests and the events parsed from them.

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::order::OrderStatus;

/// What the HTTP layer hands over: verification needs the raw bytes exactly as received (re-serialised JSON
/// breaks every marketplace's signature) and, for Shopee, the callback URL as configured.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    /// The public callback URL as registered with the marketplace.
    pub url: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl WebhookRequest<'_> {
    /// The `Authorization` header, where every supported marketplace puts its push signature.
    pub fn authorization(&self) -> Option<&str> {
        self.headers
            .get(reqwest::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
    }
}

/// A push, translated. Pushes only signal a change: the core re-fetches the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WebhookEvent {
    OrderStatusChanged {
        /// The marketplace's shop/seller id, used to find the account.
        shop_id: String,
        order_id: String,
        status: Option<OrderStatus>,
        raw_status: String,
        updated_at: Option<DateTime<Utc>>,
    },
    /// The marketplace's console check; answer 2xx and do nothing.
    Verification,
    /// The seller revoked the app's authorisation (TikTok `SELLER_DEAUTHORIZATION`). Calls fail until a
    /// person re-authorises the shop, so the core flags the account instead of retrying.
    Deauthorized {
        shop_id: Option<String>,
        /// The marketplace's text, for operators.
        message: String,
    },
    /// The authorisation ends soon (TikTok `UPCOMING_AUTHORIZATION_EXPIRATION`): ask the seller to
    /// re-authorise before `expires_at`, since refreshing tokens cannot extend it.
    AuthorizationExpiring {
        shop_id: Option<String>,
        expires_at: Option<DateTime<Utc>>,
        message: String,
    },
    /// A listing's status changed on the marketplace's side (review passed or failed, frozen, deleted):
    /// the core re-reads the listing rather than trusting the push.
    ListingStatusChanged {
        shop_id: Option<String>,
        item_id: String,
        raw_status: String,
    },
    /// Anything else (authorisation, bans, promotions …), kept for logging.
    Other {
        /// The marketplace's event code or type.
        code: String,
        shop_id: Option<String>,
    },
}

/// One pull of a marketplace's event queue (Tiki has no pushes: kho pulls): the events, and the id that
/// acknowledges them when handed to the next pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBatch {
    pub events: Vec<WebhookEvent>,
    /// Pass to [`crate::Channel::pull_events`] once the orders these events name are stored; `None` when
    /// the pull returned nothing new.
    pub ack: Option<String>,
}
