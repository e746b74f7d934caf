//! The part of reading a response that is the same for every marketplace: the body must be JSON, and the
//! envelope's `request_id` is kept for the logs whatever the outcome. What the envelope means (success
//! codes, where the payload is, error classes) is the adapter's.

use serde_json::Value;

use crate::error::ErrorKind;
use crate::kit::decode::non_json;
use crate::transport::{Classified, RawResponse, classify_http_status};

/// Classify `raw`: a body that is not JSON by its HTTP status ([`non_json`]), a JSON one by `read`, the
/// marketplace's envelope rules. The request id is the envelope's `request_id`, text or number.
pub fn classify_json<T>(
    raw: &RawResponse,
    read: impl FnOnce(Value) -> Result<T, ErrorKind>,
) -> Classified<T> {
    match serde_json::from_slice::<Value>(&raw.body) {
        Err(_) => Classified {
            request_id: None,
            result: Err(non_json(raw.status, &raw.headers)),
        },
        Ok(v) => Classified {
            request_id: Some(text(&v, "request_id")).filter(|id| !id.is_empty()),
            result: read(v),
        },
    }
}

/// The error for an envelope that does not say how the call went (no code, or a success code the HTTP
/// status contradicts): the status decides where it can (429, 5xx, …, see [`classify_http_status`]);
/// otherwise a permanent error named after it — `http_NNN`, or `kho.unexpected_response` for a 2xx.
pub fn unexplained(raw: &RawResponse, message: impl Into<String>) -> ErrorKind {
    classify_http_status(raw.status, &raw.headers).unwrap_or_else(|| ErrorKind::Permanent {
        code: if raw.status.is_success() {
            "kho.unexpected_response".into()
        } else {
            format!("http_{}", raw.status.as_u16())
        },
        message: message.into(),
    })
}

/// A top-level field as text: a string as it is, a number written out, anything else (or nothing) empty.
pub fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw_response(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: reqwest::header::HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn json_goes_to_the_reader_and_keeps_its_request_id() {
        let c = classify_json(&raw_response(200, r#"{"request_id":7,"v":1}"#), |v| {
            Ok(v["v"].as_i64())
        });
        assert_eq!(c.request_id.as_deref(), Some("7"));
        assert_eq!(c.result.ok().flatten(), Some(1));
        let empty = classify_json(&raw_response(200, r#"{"request_id":""}"#), |_| Ok(()));
        assert_eq!(empty.request_id, None);
    }

    #[test]
    fn other_bodies_are_classified_by_status_without_the_reader() {
        let c = classify_json(&raw_response(200, "<html>"), |_| -> Result<(), _> {
            panic!("not JSON")
        });
        assert!(matches!(c.result, Err(ErrorKind::Transient { .. })));
        let c = classify_json(&raw_response(404, "nope"), |_| Ok(()));
        assert!(matches!(c.result, Err(ErrorKind::Permanent { .. })));
    }

    #[test]
    fn unexplained_envelopes_are_named_after_their_status() {
        let code = |status| match unexplained(&raw_response(status, "{}"), "m") {
            ErrorKind::Permanent { code, message } => {
                assert_eq!(message, "m");
                code
            }
            other => format!("{other:?}"),
        };
        assert_eq!(code(200), "kho.unexpected_response");
        assert_eq!(code(400), "http_400");
        assert!(code(503).starts_with("Transient"));
        assert!(code(429).starts_with("RateLimited"));
    }
}
