//! Reading WooCommerce's answers (`docs/src/channels/tiki-woocommerce.md` B4, B6): a success is the bare JSON
//! resource (lists with `X-WP-Total` / `X-WP-TotalPages`), an error `{code, message, data:{status}}`. A failed
//! batch item carries the same error object inside an HTTP 200, so [`error_kind`] classifies both.

use kho_channel::ErrorKind;
use kho_channel::kit::Envelope;
use kho_channel::kit::decode::decode_payload;
use kho_channel::kit::envelope::{classify_json, text, unexplained};
use kho_channel::transport::{Classified, RawResponse, classify_http_status};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// How a call's answer is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    /// The resource itself.
    #[default]
    Json,
    /// A collection page, read as `{items, total, total_pages}` from the body and the paging headers.
    Page,
}

fn header_number(raw: &RawResponse, name: &str) -> u64 {
    raw.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The class of a WooCommerce error object answered with HTTP `status`.
pub fn error_kind(status: u16, error: &Value) -> ErrorKind {
    let code = text(error, "code");
    let message = text(error, "message");
    if message.starts_with("Invalid nonce") {
        // The next attempt is signed with a fresh nonce.
        return ErrorKind::Transient { message };
    }
    if status == 401 || status == 403 || code.starts_with("woocommerce_rest_authentication") {
        // A wrong, revoked or read-only key: only a person with the site's admin can fix it.
        return ErrorKind::ReauthRequired { code, message };
    }
    if status == 404 || code.ends_with("_invalid_id") {
        return ErrorKind::NotFound { code, message };
    }
    ErrorKind::Permanent { code, message }
}

impl Envelope for Shape {
    fn classify<T: DeserializeOwned>(self, raw: &RawResponse) -> Classified<T> {
        classify_json(raw, |v| {
            if !raw.status.is_success() {
                if let Some(kind) = classify_http_status(raw.status, &raw.headers) {
                    return Err(kind);
                }
                if v.get("code").is_none() {
                    return Err(unexplained(raw, "an error without a code"));
                }
                return Err(error_kind(raw.status.as_u16(), &v));
            }
            let payload = match self {
                Shape::Json => v,
                Shape::Page => json!({
                    "items": v,
                    "total": header_number(raw, "X-WP-Total"),
                    "total_pages": header_number(raw, "X-WP-TotalPages"),
                }),
            };
            decode_payload(payload, false)
        })
    }
}
