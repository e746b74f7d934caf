//! Webhook verification (`docs/src/channels/tiki-woocommerce.md` B9): `X-WC-Webhook-Signature` is the base64
//! HMAC-SHA256 of the raw body as sent, keyed with the webhook secret — base64, not hex.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use kho_channel::{WebhookError, WebhookEvent, WebhookRequest};
use serde_json::Value;

use crate::orders::{WooOrder, canonical_status};
use kho_channel::kit::hmac::hmac_sha256;
use kho_channel::kit::push::check_signature;
use secrecy::{ExposeSecret, SecretString};

/// The header WooCommerce signs its deliveries in.
pub const SIGNATURE_HEADER: &str = "X-WC-Webhook-Signature";

/// The signature WooCommerce sends for `raw_body`.
pub fn webhook_signature(secret: &SecretString, raw_body: &[u8]) -> String {
    B64.encode(hmac_sha256(secret.expose_secret().as_bytes(), &[raw_body]))
}

/// Checks a delivery before anything reads it, in constant time and case-sensitively (base64).
pub fn verify_webhook(
    secret: &SecretString,
    raw_body: &[u8],
    signature: Option<&str>,
) -> Result<(), WebhookError> {
    check_signature(&webhook_signature(secret, raw_body), signature)
}

/// Checks a delivery as the HTTP layer hands it over: the signature is in `X-WC-Webhook-Signature`.
pub fn verify_request(
    secret: &SecretString,
    request: &WebhookRequest<'_>,
) -> Result<(), WebhookError> {
    let signature = request
        .headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    verify_webhook(secret, request.body, signature)
}

/// A verified delivery as kho's event. The body is the REST resource (B9), so its shape tells the topic: an
/// order has `line_items`, a product or variation a `sku`; a `deleted` event is only `{"id":…}`, and the ping
/// sent when a webhook is created is the form body `webhook_id=<id>`. WooCommerce names no shop in the body:
/// `site` (the account's `base_url`) stands for it.
pub fn parse_webhook(site: &str, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
    if body.starts_with(b"webhook_id=") {
        return Ok(vec![WebhookEvent::Verification]);
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| WebhookError::Malformed(format!("not JSON: {e}")))?;
    let id = value
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| WebhookError::Malformed("no numeric id".into()))?;
    if value.get("line_items").is_some() {
        let order: WooOrder = serde_json::from_value(value)
            .map_err(|e| WebhookError::Malformed(format!("order: {e}")))?;
        let updated_at = order
            .date_modified_gmt
            .as_deref()
            .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok())
            .map(|t| t.and_utc());
        return Ok(vec![WebhookEvent::OrderStatusChanged {
            shop_id: site.to_owned(),
            order_id: id.to_string(),
            status: canonical_status(&order.status),
            raw_status: order.status,
            updated_at,
        }]);
    }
    if value.get("sku").is_some() {
        let raw_status = value
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        return Ok(vec![WebhookEvent::ListingStatusChanged {
            shop_id: Some(site.to_owned()),
            item_id: id.to_string(),
            raw_status,
        }]);
    }
    Ok(vec![WebhookEvent::Other {
        code: "deleted".into(),
        shop_id: Some(site.to_owned()),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WC1 (published: WooCommerce's own unit test, empty secret) and WC2 (computed; regression value) from
    /// `docs/src/channels/tiki-woocommerce.md` B9.
    #[test]
    fn reference_vectors_wc1_wc2() {
        let wc1 = "GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs=";
        assert_eq!(webhook_signature(&SecretString::from(""), b"secret"), wc1);
        let secret = SecretString::from("s3cr3t");
        let body = br#"{"id":123,"status":"processing"}"#;
        let wc2 = "VJqaPzRA54aFHmXgLTmyW26E4wQye44AkuhlYr0j2dE=";
        assert_eq!(webhook_signature(&secret, body), wc2);
        assert!(verify_webhook(&secret, body, Some(wc2)).is_ok());
        assert!(matches!(
            verify_webhook(&secret, b"{\"id\":124}", Some(wc2)),
            Err(WebhookError::BadSignature)
        ));
        let lower = wc2.to_ascii_lowercase();
        assert!(
            verify_webhook(&secret, body, Some(&lower)).is_err(),
            "base64 is case-sensitive"
        );
        assert!(matches!(
            verify_webhook(&secret, body, None),
            Err(WebhookError::MissingSignature)
        ));
    }

    #[test]
    fn deliveries_become_events_by_their_shape() {
        let site = "https://shop.example.vn";
        assert_eq!(
            parse_webhook(site, b"webhook_id=7").ok(),
            Some(vec![WebhookEvent::Verification])
        );
        let order = br#"{"id":727,"status":"cancelled","date_modified_gmt":"2026-12-06T10:05:00","line_items":[]}"#;
        match parse_webhook(site, order).ok().as_deref() {
            Some(
                [
                    WebhookEvent::OrderStatusChanged {
                        shop_id,
                        order_id,
                        status,
                        ..
                    },
                ],
            ) => {
                assert_eq!((shop_id.as_str(), order_id.as_str()), (site, "727"));
                assert_eq!(*status, Some(kho_channel::OrderStatus::Cancelled));
            }
            other => panic!("{other:?}"),
        }
        let product = br#"{"id":93,"sku":"RICE","status":"private"}"#;
        assert!(matches!(
            parse_webhook(site, product).ok().as_deref(),
            Some([WebhookEvent::ListingStatusChanged { item_id, .. }]) if item_id == "93"
        ));
        assert!(matches!(
            parse_webhook(site, br#"{"id":93}"#).ok().as_deref(),
            Some([WebhookEvent::Other { code, .. }]) if code == "deleted"
        ));
        assert!(matches!(
            parse_webhook(site, b"<html>"),
            Err(WebhookError::Malformed(_))
        ));
    }

    #[test]
    fn the_request_is_checked_from_its_header() {
        let secret = SecretString::from("s3cr3t");
        let body = br#"{"id":123,"status":"processing"}"#;
        let mut headers = reqwest::header::HeaderMap::new();
        let request = WebhookRequest {
            url: "https://kho.example/webhooks/woocommerce",
            headers: &headers,
            body,
        };
        assert!(matches!(
            verify_request(&secret, &request),
            Err(WebhookError::MissingSignature)
        ));
        headers.insert(
            SIGNATURE_HEADER,
            reqwest::header::HeaderValue::from_static(
                "VJqaPzRA54aFHmXgLTmyW26E4wQye44AkuhlYr0j2dE=",
            ),
        );
        let request = WebhookRequest {
            url: "https://kho.example/webhooks/woocommerce",
            headers: &headers,
            body,
        };
        assert!(verify_request(&secret, &request).is_ok());
    }
}
