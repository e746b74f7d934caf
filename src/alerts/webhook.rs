//! The outgoing webhook: a JSON body signed with HMAC-SHA256 over
//! `"{timestamp}.{body}"`, so that a receiver (a Zalo Official Account
//! bridge, a chat bot) can check it came from kho and refuse replays of
//! old calls by their timestamp.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

/// Unix seconds at which the call was signed.
pub const TIMESTAMP_HEADER: &str = "x-kho-timestamp";
/// `sha256=` and the hex HMAC of `"{timestamp}.{body}"`.
pub const SIGNATURE_HEADER: &str = "x-kho-signature";
/// A receiver that does not answer within this is counted as failed (and
/// tried again at the next run).
const TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("webhook call failed: {0}")]
    Http(String),
    #[error("webhook answered {0}")]
    Status(u16),
}

/// The signature header's value for `body` sent at `timestamp`.
pub fn signature(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Posts `body` to `url`, signed.
pub async fn post(
    client: &reqwest::Client,
    url: &url::Url,
    secret: &Secret,
    body: Vec<u8>,
) -> Result<(), WebhookError> {
    let timestamp = chrono::Utc::now().timestamp();
    let res = client
        .post(url.clone())
        .timeout(TIMEOUT)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, signature(secret, timestamp, &body))
        .body(body)
        .send()
        .await
        // Without the URL: a webhook URL may carry a token of its own.
        .map_err(|e| WebhookError::Http(e.without_url().to_string()))?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(WebhookError::Status(res.status().as_u16()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_timestamp_and_body() {
        let s = Secret::new("s3cret");
        let a = signature(&s, 1_700_000_000, b"{}");
        assert!(a.starts_with("sha256=") && a.len() == 7 + 64);
        assert_ne!(a, signature(&s, 1_700_000_001, b"{}"));
        assert_ne!(a, signature(&s, 1_700_000_000, b"{ }"));
        assert_ne!(a, signature(&Secret::new("other"), 1_700_000_000, b"{}"));
        // What a receiver computes: the timestamp, a dot, then the body.
        let known = signature(&Secret::new("key"), 0, b"x");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"key").unwrap();
        mac.update(b"0.x");
        assert_eq!(
            known,
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        );
    }
}
