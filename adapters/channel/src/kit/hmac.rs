//! HMAC-SHA256, the primitive under every marketplace's request and push signatures. What is signed, with
//! which key and in which hex case stays the adapter's; the push scheme TikTok and Lazada share is here
//! once.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::error::WebhookError;
use crate::kit::push::check_hex_signature;
use crate::webhook::WebhookRequest;

/// HMAC-SHA256 of the concatenated `parts`. HMAC accepts keys of any length, so the key cannot be refused;
/// were it ever, the result is empty rather than a panic in the daemon, and an empty signature is simply
/// refused by the marketplace (or by [`check_hex_signature`]).
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// [`hmac_sha256`] as lower-case hex (64 characters; empty in the case it documents).
pub fn hmac_sha256_hex(key: &[u8], parts: &[&[u8]]) -> String {
    hex::encode(hmac_sha256(key, parts))
}

/// The push signature TikTok and Lazada both use: lower-hex HMAC-SHA256 keyed with the app secret over
/// `app_key + raw_body`, the raw bytes exactly as received (re-serialised JSON would not match).
pub fn app_key_body_signature(app_secret: &SecretString, app_key: &str, raw_body: &[u8]) -> String {
    hmac_sha256_hex(
        app_secret.expose_secret().as_bytes(),
        &[app_key.as_bytes(), raw_body],
    )
}

/// Check a push signed as [`app_key_body_signature`] describes, before anything parses the body; the
/// comparison is constant-time and tolerates upper-case hex (see [`check_hex_signature`]).
pub fn verify_app_key_body(
    app_secret: &SecretString,
    app_key: &str,
    raw_body: &[u8],
    authorization: Option<&str>,
) -> Result<(), WebhookError> {
    check_hex_signature(
        &app_key_body_signature(app_secret, app_key, raw_body),
        authorization,
    )
}

/// [`verify_app_key_body`] for a received push: its raw body and its `Authorization` header.
pub fn verify_app_key_body_push(
    app_secret: &SecretString,
    app_key: &str,
    request: &WebhookRequest<'_>,
) -> Result<(), WebhookError> {
    verify_app_key_body(app_secret, app_key, request.body, request.authorization())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 test case 2.
    #[test]
    fn rfc_4231_vector_over_split_parts() {
        let want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(
            hmac_sha256_hex(b"Jefe", &[b"what do ya want ", b"for nothing?"]),
            want
        );
        assert_eq!(
            hmac_sha256(b"Jefe", &[b"what do ya want for nothing?"]).len(),
            32
        );
    }

    #[test]
    fn app_key_body_pushes_verify_only_the_exact_bytes() {
        let secret = SecretString::from("s");
        let body = br#"{"a":1,"b":2}"#;
        let sig = app_key_body_signature(&secret, "key", body);
        assert_eq!(sig, hmac_sha256_hex(b"s", &[b"key", body]));
        assert_eq!(
            verify_app_key_body(&secret, "key", body, Some(&sig)),
            Ok(())
        );
        assert_eq!(
            verify_app_key_body(&secret, "key", br#"{"a":1, "b":2}"#, Some(&sig)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_app_key_body(&secret, "other", body, Some(&sig)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_app_key_body(&secret, "key", body, None),
            Err(WebhookError::MissingSignature)
        );
    }
}
