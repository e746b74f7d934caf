//! Push (webhook) parsing (docs/src/channels/shopee.md §9). Verification is in [`crate::sign::verify_push`] and must run first.

use chrono::DateTime;
use kho_channel::kit::push_body;
use kho_channel::{WebhookError, WebhookEvent};

use crate::orders::canonical_status;
use crate::wire::{OrderStatusPush, Push};

/// Code 3: order status update.
const ORDER_STATUS: i64 = 3;

/// Parse a verified push body into events. Pushes only signal a change: re-fetch the order.
pub fn parse_push(body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
    let push: Push = push_body::envelope(body)?;
    // Lost-push listings give `data` as JSON text (§9.6): accept both forms.
    let data = push_body::data(&push.data)?;
    let shop_id = push.shop_id.map(|s| s.to_string());
    let event = match push.code {
        0 if data.get("verify_info").is_some() => WebhookEvent::Verification,
        ORDER_STATUS => {
            let order: OrderStatusPush = push_body::fields(data, "order status push")?;
            let shop_id = push_body::required(shop_id, "order status push without shop_id")?;
            WebhookEvent::OrderStatusChanged {
                shop_id,
                order_id: order.ordersn,
                status: canonical_status(&order.status),
                raw_status: order.status,
                updated_at: order
                    .update_time
                    .or(push.timestamp)
                    .and_then(|t| DateTime::from_timestamp(t, 0)),
            }
        }
        code => WebhookEvent::Other {
            code: code.to_string(),
            shop_id,
        },
    };
    Ok(vec![event])
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::OrderStatus;
    use kho_channel::test_support::{assert_malformed_pushes, assert_other_push};

    #[test]
    fn order_status_push_uses_ordersn() {
        let body = br#"{"data":{"items":[],"ordersn":"220810QSK8S7BX","status":"PROCESSED","completed_scenario":"","update_time":1660123127},"shop_id":727720655,"code":3,"timestamp":1660123127}"#;
        let events = parse_push(body).unwrap();
        assert_eq!(
            events,
            vec![WebhookEvent::OrderStatusChanged {
                shop_id: "727720655".into(),
                order_id: "220810QSK8S7BX".into(),
                status: Some(OrderStatus::Ready),
                raw_status: "PROCESSED".into(),
                updated_at: DateTime::from_timestamp(1660123127, 0),
            }]
        );
    }

    #[test]
    fn data_as_json_text_and_other_codes() {
        let body = br#"{"code":3,"shop_id":1,"timestamp":5,"data":"{\"ordersn\":\"X1\",\"status\":\"CANCELLED\"}"}"#;
        match &parse_push(body).unwrap()[0] {
            WebhookEvent::OrderStatusChanged {
                order_id, status, ..
            } => {
                assert_eq!(order_id, "X1");
                assert_eq!(*status, Some(OrderStatus::Cancelled));
            }
            other => panic!("{other:?}"),
        }
        let auth = br#"{"shop_id": 123, "code": 1, "success": 1, "extra": "shop_id 123 is authorized successfully", "data": {"more_info": "more info"}, "timestamp": 1470198856}"#;
        assert_other_push(parse_push, auth, "1", Some("123"));
        let verify = br#"{"code":0,"data":{"verify_info":"This is a Verification message.Please respond in the certain format."}}"#;
        assert_eq!(
            parse_push(verify).unwrap(),
            vec![WebhookEvent::Verification]
        );
        assert_malformed_pushes(parse_push, &[]);
    }
}
