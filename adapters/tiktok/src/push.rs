//! Webhook parsing (docs/src/channels/tiktok.md §9.2). Verification is [`crate::verify_webhook`] and must run first.
//!
//! Deliveries are at-least-once: [`notification_id`] exposes `tts_notification_id` for deduplication (also
//! through `Channel::webhook_notification_id`). Pushes only signal a change; the core re-fetches the order
//! or listing.

use chrono::DateTime;
use kho_channel::kit::push_body;
use kho_channel::{WebhookError, WebhookEvent};
use serde_json::Value;

use crate::orders::canonical_status;
use crate::wire::WebhookEnvelope;

pub const ORDER_STATUS_CHANGE: i64 = 1;
pub const REVERSE_STATUS_UPDATE: i64 = 2;
pub const RECIPIENT_ADDRESS_UPDATE: i64 = 3;
pub const PACKAGE_UPDATE: i64 = 4;
pub const PRODUCT_STATUS_CHANGE: i64 = 5;
pub const SELLER_DEAUTHORIZATION: i64 = 6;
pub const UPCOMING_AUTHORIZATION_EXPIRATION: i64 = 7;
pub const CANCELLATION_STATUS_CHANGE: i64 = 11;
pub const RETURN_STATUS_CHANGE: i64 = 12;
pub const PRODUCT_INFORMATION_CHANGE: i64 = 15;
pub const PRODUCT_CREATION: i64 = 16;

/// The documented name of an event type, for logs and `WebhookEvent::Other`.
pub fn event_name(kind: i64) -> Option<&'static str> {
    Some(match kind {
        ORDER_STATUS_CHANGE => "ORDER_STATUS_CHANGE",
        REVERSE_STATUS_UPDATE => "REVERSE_STATUS_UPDATE",
        RECIPIENT_ADDRESS_UPDATE => "RECIPIENT_ADDRESS_UPDATE",
        PACKAGE_UPDATE => "PACKAGE_UPDATE",
        PRODUCT_STATUS_CHANGE => "PRODUCT_STATUS_CHANGE",
        SELLER_DEAUTHORIZATION => "SELLER_DEAUTHORIZATION",
        UPCOMING_AUTHORIZATION_EXPIRATION => "UPCOMING_AUTHORIZATION_EXPIRATION",
        CANCELLATION_STATUS_CHANGE => "CANCELLATION_STATUS_CHANGE",
        RETURN_STATUS_CHANGE => "RETURN_STATUS_CHANGE",
        PRODUCT_INFORMATION_CHANGE => "PRODUCT_INFORMATION_CHANGE",
        PRODUCT_CREATION => "PRODUCT_CREATION",
        _ => return None,
    })
}

/// `tts_notification_id` of a (verified) body, `None` when absent (older payloads) or unreadable.
pub fn notification_id(body: &[u8]) -> Option<String> {
    let env: WebhookEnvelope = serde_json::from_slice(body).ok()?;
    Some(env.tts_notification_id).filter(|s| !s.is_empty())
}

/// A string field of `data` (ids may be bare numbers, trap 10).
fn text(data: &Value, key: &str) -> Option<String> {
    match data.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

fn int(data: &Value, key: &str) -> Option<i64> {
    match data.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parse a verified webhook body into events.
pub fn parse_webhook(body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
    let env: WebhookEnvelope = push_body::envelope(body)?;
    let kind = push_body::required(env.kind, "webhook without a numeric type")?;
    let shop_id = Some(env.shop_id.clone()).filter(|s| !s.is_empty());
    let data = &env.data;
    let order_id = || {
        text(data, "order_id")
            .ok_or_else(|| WebhookError::Malformed(format!("type {kind} without data.order_id")))
    };
    let require_shop = || {
        shop_id
            .clone()
            .ok_or_else(|| WebhookError::Malformed(format!("type {kind} without shop_id")))
    };
    let at = |t: Option<i64>| {
        t.or(env.timestamp)
            .and_then(|t| DateTime::from_timestamp(t, 0))
    };
    let event = match kind {
        ORDER_STATUS_CHANGE => {
            let raw_status = text(data, "order_status").unwrap_or_default();
            WebhookEvent::OrderStatusChanged {
                shop_id: require_shop()?,
                order_id: order_id()?,
                status: canonical_status(&raw_status),
                raw_status,
                updated_at: at(int(data, "update_time")),
            }
        }
        // A cancellation or return changes what the order means for stock without (yet) changing the
        // order's status: signal the order, with the request's status as the raw status, so the core
        // re-fetches it.
        CANCELLATION_STATUS_CHANGE => WebhookEvent::OrderStatusChanged {
            shop_id: require_shop()?,
            order_id: order_id()?,
            status: None,
            raw_status: text(data, "cancel_status").unwrap_or_default(),
            updated_at: at(int(data, "update_time").or(int(data, "create_time"))),
        },
        RETURN_STATUS_CHANGE | REVERSE_STATUS_UPDATE => WebhookEvent::OrderStatusChanged {
            shop_id: require_shop()?,
            order_id: order_id()?,
            status: None,
            raw_status: text(data, "return_status")
                .or_else(|| text(data, "reverse_event_type"))
                .unwrap_or_default(),
            updated_at: at(int(data, "update_time").or(int(data, "create_time"))),
        },
        PRODUCT_STATUS_CHANGE => WebhookEvent::ListingStatusChanged {
            shop_id,
            item_id: text(data, "product_id").ok_or_else(|| {
                WebhookError::Malformed("PRODUCT_STATUS_CHANGE without data.product_id".into())
            })?,
            raw_status: text(data, "status").unwrap_or_default(),
        },
        SELLER_DEAUTHORIZATION => WebhookEvent::Deauthorized {
            shop_id,
            message: text(data, "message").unwrap_or_default(),
        },
        UPCOMING_AUTHORIZATION_EXPIRATION => WebhookEvent::AuthorizationExpiring {
            shop_id,
            expires_at: int(data, "expiration_time").and_then(|t| DateTime::from_timestamp(t, 0)),
            message: text(data, "message").unwrap_or_default(),
        },
        other => WebhookEvent::Other {
            code: event_name(other).map_or_else(|| other.to_string(), str::to_owned),
            shop_id,
        },
    };
    Ok(vec![event])
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::OrderStatus;
    use kho_channel::test_support::{
        assert_listing_push, assert_malformed_pushes, assert_other_push,
    };

    #[test]
    fn order_status_change() {
        let body = br#"{"type":1,"tts_notification_id":"7327112393057371910","shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":"576684019603311365","order_status":"AWAITING_SHIPMENT","update_time":1664095610,"is_on_hold_order":false}}"#;
        assert_eq!(
            parse_webhook(body).unwrap(),
            vec![WebhookEvent::OrderStatusChanged {
                shop_id: "7494726673780148744".into(),
                order_id: "576684019603311365".into(),
                status: Some(OrderStatus::Ready),
                raw_status: "AWAITING_SHIPMENT".into(),
                updated_at: DateTime::from_timestamp(1664095610, 0),
            }]
        );
        assert_eq!(
            notification_id(body).as_deref(),
            Some("7327112393057371910")
        );
    }

    #[test]
    fn other_types() {
        let product = br#"{"type":5,"shop_id":"1","timestamp":5,"data":{"product_id":1729592969712207008,"status":"PRODUCT_FIRST_PASS_REVIEW","suspended_reason":"","update_time":5}}"#;
        let (item, status) = ("1729592969712207008", "PRODUCT_FIRST_PASS_REVIEW");
        assert_listing_push(parse_webhook, product, Some("1"), item, status);
        assert_eq!(notification_id(product), None);
        let deauth =
            br#"{"type":6,"shop_id":"1","timestamp":5,"data":{"message":"seller deauthorized"}}"#;
        assert!(
            matches!(&parse_webhook(deauth).unwrap()[0], WebhookEvent::Deauthorized { message, .. } if message == "seller deauthorized")
        );
        let expiring = br#"{"type":7,"shop_id":"1","timestamp":5,"data":{"message":"expires soon","expiration_time":1700000000}}"#;
        assert!(matches!(&parse_webhook(expiring).unwrap()[0],
            WebhookEvent::AuthorizationExpiring { expires_at: Some(t), .. } if t.timestamp() == 1700000000));
        let cancel = br#"{"type":11,"shop_id":"1","timestamp":5,"data":{"order_id":"O1","cancel_id":"C1","cancellations_role":"BUYER","cancel_status":"CANCELLATION_REQUEST_PENDING","create_time":4}}"#;
        assert!(matches!(&parse_webhook(cancel).unwrap()[0],
            WebhookEvent::OrderStatusChanged { order_id, status: None, raw_status, .. } if order_id == "O1" && raw_status == "CANCELLATION_REQUEST_PENDING"));
        let ret = br#"{"type":12,"shop_id":"1","timestamp":5,"data":{"order_id":"O2","return_id":"R","return_role":"BUYER","return_type":"RETURN_AND_REFUND","return_status":"RETURN_OR_REFUND_REQUEST_PENDING","create_time":4,"update_time":5}}"#;
        assert!(matches!(&parse_webhook(ret).unwrap()[0],
            WebhookEvent::OrderStatusChanged { order_id, raw_status, .. } if order_id == "O2" && raw_status == "RETURN_OR_REFUND_REQUEST_PENDING"));
        let package = br#"{"type":4,"shop_id":"1","timestamp":5,"data":{}}"#;
        assert_other_push(parse_webhook, package, "PACKAGE_UPDATE", Some("1"));
        assert_malformed_pushes(
            parse_webhook,
            &[b"nope", br#"{"type":1,"shop_id":"1","data":{}}"#],
        );
    }
}
