//! The parts of response classification that do not depend on the marketplace: decoding the payload into
//! the documented shape, and what a body that is not JSON at all means.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ErrorKind;
use crate::transport::classify_http_status;

/// Decode a payload into the documented shape. A mismatch is permanent (retrying gets the same answer);
/// for a `sensitive` payload (tokens) the message names only the class of mismatch, never a value.
pub fn decode_payload<T: DeserializeOwned>(
    payload: Value,
    sensitive: bool,
) -> Result<T, ErrorKind> {
    serde_json::from_value(payload).map_err(|e| ErrorKind::Permanent {
        code: "kho.unexpected_response".into(),
        message: if sensitive {
            format!(
                "response does not match the documented shape ({:?})",
                e.classify()
            )
        } else {
            format!("response does not match the documented shape: {e}")
        },
    })
}

/// A body that is not JSON: the HTTP status decides; a 200 that is not JSON is a proxy or gateway page,
/// not the marketplace's answer, so it is tried again later.
pub fn non_json(status: StatusCode, headers: &HeaderMap) -> ErrorKind {
    if let Some(kind) = classify_http_status(status, headers) {
        return kind;
    }
    if status.is_success() {
        ErrorKind::Transient {
            message: "response is not JSON".into(),
        }
    } else {
        ErrorKind::Permanent {
            code: format!("http_{}", status.as_u16()),
            message: "response is not JSON".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_mismatches_do_not_echo_values() {
        let err = decode_payload::<u32>(Value::String("SECRET-token".into()), true).unwrap_err();
        assert!(!format!("{err:?}").contains("SECRET"), "{err:?}");
        assert!(decode_payload::<u32>(Value::from(7), false).is_ok());
        assert!(matches!(
            non_json(StatusCode::OK, &HeaderMap::new()),
            ErrorKind::Transient { .. }
        ));
        assert!(matches!(
            non_json(StatusCode::FORBIDDEN, &HeaderMap::new()),
            ErrorKind::Permanent { ref code, .. } if code == "http_403"
        ));
    }
}
