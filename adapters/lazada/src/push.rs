//! Push (webhook) parsing (docs/src/channels/lazada.md §9.4). Verification is in [`crate::verify_push`] and must run
//! first, over the raw bytes.
//!
//! A trade-order push (`message_type` 0) is about **one order line** (`trade_order_line_id`), not the order:
//! other units of the same order may be in other states, so the event carries the line's status as
//! `raw_status` but no canonical order status — the core re-fetches the order, whose status is derived from all
//! its items. Reverse-order pushes (10, returns/refunds) name the trade order too and are reported the same
//! way. The daily "authorisation expires within 48 h" push (8) becomes `AuthorizationExpiring`; product QC,
//! creation, edit and deletion pushes (1, 3, 4, 5) become `ListingStatusChanged`; everything else (stock,
//! promotions, IM …) is `Other` with the message type as code.
//! Deliveries are at-least-once and retried up to 12 × 30 min, so consumers must be idempotent.

use chrono::DateTime;
use kho_channel::kit::push_body;
use kho_channel::{WebhookError, WebhookEvent};

use crate::wire::{Push, ReverseOrderPush, TradeOrderPush};

/// `message_type` 8: `{app_key, seller_id, auth_expiry_time}`.
#[derive(Debug, Default, serde::Deserialize)]
struct TokenExpiringPush {
    #[serde(default, deserialize_with = "kho_channel::kit::serde_ids::opt_string")]
    seller_id: Option<String>,
    #[serde(default, deserialize_with = "kho_channel::kit::serde_ids::opt_i64")]
    auth_expiry_time: Option<i64>,
}

/// `message_type` 1 (`itemId`, `status`) and 3–5 (`item_id`, `action`).
#[derive(Debug, Default, serde::Deserialize)]
struct ProductPush {
    #[serde(
        default,
        alias = "itemId",
        deserialize_with = "kho_channel::kit::serde_ids::opt_string"
    )]
    item_id: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    action: Option<String>,
}

pub const TRADE_ORDER: i64 = 0;
pub const REVERSE_ORDER: i64 = 10;
/// "Your authorisation expires within 48 h", sent daily (§2.3, §9.4).
pub const TOKEN_EXPIRING: i64 = 8;
/// Product QC result.
pub const PRODUCT_QC: i64 = 1;
pub const PRODUCT_CREATED: i64 = 3;
pub const PRODUCT_EDITED: i64 = 4;
pub const PRODUCT_DELETED: i64 = 5;

/// Seconds or milliseconds (the unit varies between push types, §9.4).
fn epoch(t: i64) -> Option<DateTime<chrono::Utc>> {
    // `unsigned_abs`: `i64::MIN.abs()` overflows (found by fuzzing).
    if t.unsigned_abs() >= 100_000_000_000 {
        DateTime::from_timestamp_millis(t)
    } else {
        DateTime::from_timestamp(t, 0)
    }
}

/// Parse a verified push body into events. Pushes only signal a change: re-fetch the order.
pub fn parse_push(body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
    let push: Push = push_body::envelope(body)?;
    let message_type = push_body::required(push.message_type, "push without message_type")?;
    // `data` arrives as an object; accept JSON text too, as some push relays re-wrap it.
    let data = push_body::data(&push.data)?;
    let need_seller =
        || push_body::required(push.seller_id.clone(), "order push without seller_id");
    let event = match message_type {
        TRADE_ORDER => {
            let line: TradeOrderPush = push_body::fields(data, "trade order push")?;
            WebhookEvent::OrderStatusChanged {
                shop_id: need_seller()?,
                order_id: line.trade_order_id,
                status: None,
                raw_status: line.order_status,
                updated_at: line.status_update_time.or(push.timestamp).and_then(epoch),
            }
        }
        REVERSE_ORDER => {
            let reverse: ReverseOrderPush = push_body::fields(data, "reverse order push")?;
            WebhookEvent::OrderStatusChanged {
                shop_id: need_seller()?,
                order_id: reverse.trade_order_id,
                status: None,
                raw_status: reverse.reverse_status,
                updated_at: reverse
                    .status_update_time
                    .or(push.timestamp)
                    .and_then(epoch),
            }
        }
        TOKEN_EXPIRING => {
            let expiring: TokenExpiringPush = serde_json::from_value(data).unwrap_or_default();
            let shop_id = push.seller_id.clone().or(expiring.seller_id);
            tracing::warn!(
                seller_id = shop_id.as_deref().unwrap_or(""),
                "Lazada says this seller's authorisation expires within 48 h: the seller must re-authorise kho"
            );
            WebhookEvent::AuthorizationExpiring {
                shop_id,
                expires_at: expiring.auth_expiry_time.and_then(epoch),
                message: "Lazada authorisation expires within 48 h; refreshing cannot extend it"
                    .into(),
            }
        }
        PRODUCT_QC | PRODUCT_CREATED | PRODUCT_EDITED | PRODUCT_DELETED => {
            let product: ProductPush = serde_json::from_value(data).unwrap_or_default();
            match product.item_id {
                Some(item_id) => WebhookEvent::ListingStatusChanged {
                    shop_id: push.seller_id,
                    item_id,
                    // QC pushes carry `status`, the others `action` (PUBLISHED, EDITED_UPDATED, DELETED …).
                    raw_status: product.status.or(product.action).unwrap_or_default(),
                },
                None => WebhookEvent::Other {
                    code: message_type.to_string(),
                    shop_id: push.seller_id,
                },
            }
        }
        other => WebhookEvent::Other {
            code: other.to_string(),
            shop_id: push.seller_id,
        },
    };
    Ok(vec![event])
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::test_support::{
        assert_listing_push, assert_malformed_pushes, assert_other_push,
    };

    /// Found by the `webhook_lazada` fuzz target (long run): a push whose
    /// timestamp is `i64::MIN` overflowed `abs()` in the epoch conversion.
    #[test]
    fn a_timestamp_of_i64_min_is_malformed_time_not_a_panic() {
        let body = format!(
            r#"{{"seller_id":"1234567","message_type":0,"data":{{"order_status":"unpaid","trade_order_id":"130211450099181"}},"timestamp":{},"site":"lazada_vn"}}"#,
            i64::MIN
        );
        let events = parse_push(body.as_bytes()).expect("an order push");
        match &events[..] {
            [WebhookEvent::OrderStatusChanged { updated_at, .. }] => assert_eq!(*updated_at, None),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn trade_order_push_carries_the_order_not_an_order_status() {
        let body = br#"{"seller_id":"1234567","message_type":0,"data":{"order_status":"unpaid","trade_order_id":"260422900198363","trade_order_line_id":"260422900298363","status_update_time":1603698638},"timestamp":1603766859530,"site":"lazada_vn"}"#;
        assert_eq!(
            parse_push(body).unwrap(),
            vec![WebhookEvent::OrderStatusChanged {
                shop_id: "1234567".into(),
                order_id: "260422900198363".into(),
                status: None,
                raw_status: "unpaid".into(),
                updated_at: DateTime::from_timestamp(1603698638, 0),
            }]
        );
    }

    #[test]
    fn numeric_ids_ms_timestamps_and_other_types() {
        let body = br#"{"seller_id":1234567,"message_type":0,"data":{"order_status":"canceled","trade_order_id":260422900198363},"timestamp":1603766859530,"site":"LAZADA_SG"}"#;
        match &parse_push(body).unwrap()[0] {
            WebhookEvent::OrderStatusChanged {
                shop_id,
                order_id,
                updated_at,
                ..
            } => {
                assert_eq!(shop_id, "1234567");
                assert_eq!(order_id, "260422900198363");
                assert_eq!(*updated_at, DateTime::from_timestamp_millis(1603766859530));
            }
            other => panic!("{other:?}"),
        }
        let reverse = br#"{"seller_id":"1","message_type":10,"data":{"reverse_order_id":9,"reverse_order_line_id":8,"reverse_status":"REQUEST_INITIATE","trade_order_id":"77"},"timestamp":1603766859}"#;
        assert!(matches!(
            &parse_push(reverse).unwrap()[0],
            WebhookEvent::OrderStatusChanged { order_id, raw_status, .. } if order_id == "77" && raw_status == "REQUEST_INITIATE"
        ));
        let token = br#"{"seller_id":"1","message_type":8,"data":{"app_key":"123456","seller_id":"1","auth_expiry_time":1603766859000},"timestamp":1603766859}"#;
        assert_eq!(
            parse_push(token).unwrap(),
            vec![WebhookEvent::AuthorizationExpiring {
                shop_id: Some("1".into()),
                expires_at: DateTime::from_timestamp_millis(1603766859000),
                message: "Lazada authorisation expires within 48 h; refreshing cannot extend it"
                    .into(),
            }]
        );
        let qc = br#"{"seller_id":"1","message_type":1,"data":{"itemId":2100000001,"status":"REJECTED","reason":"image"},"timestamp":1603766859}"#;
        assert_listing_push(parse_push, qc, Some("1"), "2100000001", "REJECTED");
        let deleted = br#"{"seller_id":"1","message_type":5,"data":{"item_id":"42","action":"DELETED","status_update_time":1603766859000},"timestamp":1603766859}"#;
        assert!(matches!(
            &parse_push(deleted).unwrap()[0],
            WebhookEvent::ListingStatusChanged { item_id, raw_status, .. } if item_id == "42" && raw_status == "DELETED"
        ));
        let stock = br#"{"seller_id":"1","message_type":6,"data":{"seller_sku":"A"},"timestamp":1603766859}"#;
        assert_other_push(parse_push, stock, "6", Some("1"));
        // An order push without its seller, and a push without a type.
        let malformed: [&[u8]; 2] = [
            br#"{"message_type":0,"data":{"trade_order_id":"1"}}"#,
            br#"{"seller_id":"1","data":{}}"#,
        ];
        assert_malformed_pushes(parse_push, &malformed);
    }
}
