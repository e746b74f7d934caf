//! Webhook verification (`docs/src/channels/tiki-woocommerce.md` B9): `X-WC-Webhook-Signature` is the base64
//! HMAC-SHA256 of the raw body as sent, keyed with the webhook secret — base64, not hex.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use kho_channel::WebhookError;
use kho_channel::kit::hmac::hmac_sha256;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// The header WooCommerce signs its deliveries in.
pub const SIGNATURE_HEADER: &str = "X-WC-Webhook-Signature";

/// The signature WooCommerce sends for `raw_body`.
pub fn webhook_signature(secret: &SecretString, raw_body: &[u8]) -> String {
    B64.encode(hmac_sha256(secret.expose_secret().as_bytes(), &[raw_body]))
}

/// Checks a delivery before anything reads it, in constant time. Not the kit's `check_signature`: that one
/// folds hex case, and base64 is case-sensitive.
pub fn verify_webhook(
    secret: &SecretString,
    raw_body: &[u8],
    signature: Option<&str>,
) -> Result<(), WebhookError> {
    let given = signature
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(WebhookError::MissingSignature)?;
    let expected = webhook_signature(secret, raw_body);
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
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
}
