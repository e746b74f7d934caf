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
    /// Anything else (authorisation, bans, promotions …), kept for logging.
    Other {
        /// The marketplace's event code or type.
        code: String,
        shop_id: Option<String>,
    },
}
