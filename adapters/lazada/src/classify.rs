//! Reading Lazada's envelope and mapping its error codes onto kho's error classes (docs/src/channels/lazada.md §4, §5).
//!
//! Success is `code == "0"` — a **string** (a number is tolerated) — whatever the HTTP status, which client
//! libraries ignore and Lazada does not document for errors. Token APIs answer flat; everything else puts its
//! payload in `data`. Batch writes (stock, price) fail partly inside an error envelope: code `501` (a roll-up)
//! with per-SKU entries in `detail`, which is a result for the caller to read, not an error of the whole call.

use std::time::Duration;

use kho_channel::kit::Envelope;
use kho_channel::kit::decode::decode_payload;
use kho_channel::kit::envelope::{classify_json, text, unexplained};
use kho_channel::{Classified, ErrorKind, RawResponse};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Where the payload is; by default where the account's calls have it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    /// Inside `data` (an absent or null `data` decodes from an empty object).
    #[default]
    Data,
    /// A batch write: the whole envelope is the result when `code` is `"0"` or when `detail` lists per-item
    /// failures, so the caller can read `code`, `message` and `detail`.
    Batch,
    /// At the top level (token APIs). `sensitive` responses carry tokens, so decode errors are reported
    /// without serde's excerpt of the offending value.
    TopLevel { sensitive: bool },
}

/// The envelope's `code` as text: Lazada sends a string, but a number must not make a success look like an
/// error.
pub fn envelope_code(v: &Value) -> Option<String> {
    match v.get("code")? {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The kit's calls classify through the shape each call carries.
impl Envelope for Shape {
    fn classify<T: DeserializeOwned>(self, response: &RawResponse) -> Classified<T> {
        classify(response, self)
    }
}

pub fn classify<T: DeserializeOwned>(raw: &RawResponse, shape: Shape) -> Classified<T> {
    classify_json(raw, |v| match envelope_code(&v) {
        Some(code) if code == "0" => decode(v, shape),
        Some(_) if shape == Shape::Batch && has_detail(&v) => decode(v, shape),
        Some(code) => Err(error_kind(&code, &text(&v, "type"), &text(&v, "message"))),
        None => Err(unexplained(raw, "response has no `code`")),
    })
}

fn has_detail(v: &Value) -> bool {
    v.get("detail")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

fn decode<T: DeserializeOwned>(v: Value, shape: Shape) -> Result<T, ErrorKind> {
    let (payload, sensitive) = match shape {
        Shape::TopLevel { sensitive } => (v, sensitive),
        Shape::Batch => (v, false),
        Shape::Data => (
            match v.get("data") {
                Some(d) if !d.is_null() => d.clone(),
                _ => Value::Object(Default::default()),
            },
            false,
        ),
    };
    decode_payload(payload, sensitive)
}

/// `E006` → 6, `901` → 901; `None` for symbolic codes.
fn numeric(code: &str) -> Option<u32> {
    let digits = code.strip_prefix('E').unwrap_or(code);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// "… this ban will last 1 seconds" → 1 s (docs/src/channels/lazada.md §5).
pub fn ban_duration(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    let rest = &lower[lower.find("ban will last")? + "ban will last".len()..];
    let number: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let secs: f64 = number.parse().ok()?;
    // Too many digits for a Duration: as good as forever (the limiter caps its pauses).
    (secs.is_finite() && secs >= 0.0)
        .then(|| Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

/// Map an error `code` (with the envelope's `type`: ISV, ISP or SYSTEM) and message to an error class
/// (docs/src/channels/lazada.md §4.1, §2.4, §5). Explicit codes win over the type.
pub fn error_kind(code: &str, error_type: &str, message: &str) -> ErrorKind {
    let owned = || (code.to_owned(), message.to_owned());
    let n = numeric(code);

    // Rate limits: per-API traffic limiting. 901 says "retry in the next second".
    if code == "ApiCallLimit" || code == "SYS_REQUEST_TOO_FAST" || matches!(n, Some(901 | 4154)) {
        let hint = ban_duration(message).or((n == Some(901)).then(|| Duration::from_secs(1)));
        return ErrorKind::RateLimited {
            retry_after: hint,
            code: code.to_owned(),
        };
    }
    match code {
        "IllegalAccessToken" => {
            let (code, message) = owned();
            return ErrorKind::AuthExpired { code, message };
        }
        // The authorisation itself is gone (expired or revoked refresh token, spent or stale code, an app
        // type that cannot refresh): only the seller re-authorising helps.
        "IllegalRefreshToken" | "InvalidCode" | "AUTH_TYPE_UNSUPPORTED" => {
            let (code, message) = owned();
            return ErrorKind::ReauthRequired { code, message };
        }
        "E037" | "E039" | "EDIT_ITEM_NOT_BELONG_SELLER" => {
            let (code, message) = owned();
            return ErrorKind::NotFound { code, message };
        }
        "IncompleteSignature" | "MissingParameter" | "SellerNotVerified" => {
            let (code, message) = owned();
            return ErrorKind::Permanent { code, message };
        }
        _ => {}
    }
    if let Some(n) = n {
        match n {
            // Internal error, "system busy" style failures, and a concurrent edit of the same product.
            6 | 1000 | 4147 => {
                return ErrorKind::Transient {
                    message: format!("{code}: {message}"),
                };
            }
            // "Internal call exception: reduce to ≤ 20 SKUs": worth a retry (the batch size is the config's).
            513 => {
                return ErrorKind::Transient {
                    message: format!("{code}: {message} (consider a batch size of 20 or less)"),
                };
            }
            207 | 208 => {
                let (code, message) = owned();
                return ErrorKind::NotFound { code, message };
            }
            // Business roll-ups ("Create product failed", "Update product failed", campaign locks): the same
            // request fails the same way, whatever its `type` says.
            500 | 501 => {
                let (code, message) = owned();
                return ErrorKind::Permanent { code, message };
            }
            _ => {}
        }
    }
    if n.is_none() && matches!(error_type, "ISP" | "SYSTEM") {
        // Backend or platform errors: "try again after some time" (docs/src/channels/lazada.md §4).
        return ErrorKind::Transient {
            message: format!("{code}: {message}"),
        };
    }
    let (code, message) = owned();
    ErrorKind::Permanent { code, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::test_support::{
        Probe, assert_classifies_envelope, assert_sensitive_mismatch_is_quiet, raw_response as raw,
    };

    fn kind(code: &str, t: &str, m: &str) -> ErrorKind {
        error_kind(code, t, m)
    }

    #[test]
    fn huge_ban_duration_is_not_a_panic() {
        // Found by the `response_lazada` fuzz target: Duration::from_secs_f64 panicked.
        let message = format!("ban will last {} seconds", "9".repeat(300));
        assert_eq!(ban_duration(&message), Some(Duration::MAX));
    }

    #[test]
    fn rate_limits_parse_the_ban_duration() {
        assert_eq!(
            kind(
                "ApiCallLimit",
                "ISP",
                "Api access frequency exceeds the limit. this ban will last 1 seconds"
            ),
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(1)),
                code: "ApiCallLimit".into()
            }
        );
        assert_eq!(
            kind("ApiCallLimit", "", "this ban will last 37 seconds").retry_after(),
            Some(Duration::from_secs(37))
        );
        assert_eq!(kind("ApiCallLimit", "", "slow down").retry_after(), None);
        assert_eq!(
            kind("901", "ISP", "The request is too frequent").retry_after(),
            Some(Duration::from_secs(1))
        );
        assert!(matches!(
            kind("4154", "ISV", "SYS_REQUEST_TOO_FAST"),
            ErrorKind::RateLimited { .. }
        ));
        assert_eq!(
            ban_duration("ban will last 0.5 seconds"),
            Some(Duration::from_millis(500))
        );
    }

    #[test]
    fn token_codes() {
        assert!(matches!(
            kind(
                "IllegalAccessToken",
                "ISV",
                "The specified access token is invalid or expired"
            ),
            ErrorKind::AuthExpired { .. }
        ));
        for code in [
            "IllegalRefreshToken",
            "InvalidCode",
            "AUTH_TYPE_UNSUPPORTED",
        ] {
            assert!(
                matches!(kind(code, "ISV", "x"), ErrorKind::ReauthRequired { .. }),
                "{code}"
            );
        }
    }

    #[test]
    fn retry_permanent_and_not_found_classes() {
        for (code, t) in [
            ("6", "ISP"),
            ("E006", "ISP"),
            ("1000", ""),
            ("513", "ISP"),
            ("4147", "ISV"),
            ("SomethingNew", "ISP"),
            ("X", "SYSTEM"),
        ] {
            assert!(
                matches!(kind(code, t, "m"), ErrorKind::Transient { .. }),
                "{code}"
            );
        }
        for code in [
            "IncompleteSignature",
            "MissingParameter",
            "SellerNotVerified",
            "5",
            "14",
            "17",
            "19",
            "36",
            "70",
            "204",
            "212",
            "4105",
            "4170",
            "4171",
            "4225",
            "500",
            "501",
            "1001",
        ] {
            assert!(
                matches!(kind(code, "ISP", "m"), ErrorKind::Permanent { .. }),
                "{code}"
            );
        }
        for code in ["207", "208", "E037", "E039"] {
            assert!(
                matches!(kind(code, "ISV", "m"), ErrorKind::NotFound { .. }),
                "{code}"
            );
        }
        assert_eq!(
            kind(
                "IncompleteSignature",
                "ISV",
                "The request signature does not conform to lazada standards"
            ),
            ErrorKind::Permanent {
                code: "IncompleteSignature".into(),
                message: "The request signature does not conform to lazada standards".into()
            }
        );
    }

    #[test]
    fn envelope_handling() {
        assert_classifies_envelope(
            |raw| classify(raw, Shape::Data),
            r#"{"code":"0","data":{"x":1},"request_id":"r1"}"#,
        );
        assert_sensitive_mismatch_is_quiet(
            |raw| classify(raw, Shape::TopLevel { sensitive: true }),
            r#"{"code":"0","x":"SECRETVALUE"}"#,
        );

        // A numeric 0 is a success too; a numeric non-zero an error.
        let num: Classified<Probe> =
            classify(&raw(200, r#"{"code":0,"data":{"x":2}}"#), Shape::Data);
        assert_eq!(num.result.unwrap().x, 2);

        let err: Classified<Probe> = classify(
            &raw(
                200,
                r#"{"type":"ISV","code":"IllegalAccessToken","message":"The specified access token is invalid or expired","request_id":"r2"}"#,
            ),
            Shape::Data,
        );
        assert!(matches!(err.result, Err(ErrorKind::AuthExpired { .. })));
        assert_eq!(err.request_id.as_deref(), Some("r2"));

        // HTTP status is ignored when the body speaks.
        let e500: Classified<Probe> = classify(
            &raw(
                500,
                r#"{"type":"ISV","code":"MissingParameter","message":"m"}"#,
            ),
            Shape::Data,
        );
        assert!(matches!(e500.result, Err(ErrorKind::Permanent { .. })));

        let throttled: Classified<Probe> = classify(&raw(429, "{}"), Shape::Data);
        assert!(matches!(
            throttled.result,
            Err(ErrorKind::RateLimited { .. })
        ));

        let top: Classified<Probe> = classify(
            &raw(200, r#"{"x":7,"code":"0","request_id":"r3"}"#),
            Shape::TopLevel { sensitive: true },
        );
        assert_eq!(top.result.unwrap().x, 7);
    }

    #[test]
    fn batch_error_with_detail_is_a_result() {
        #[derive(serde::Deserialize, Debug)]
        struct B {
            code: String,
            detail: Vec<Value>,
        }
        let body = r#"{"code":"501","type":"ISP","detail":[{"code":"E0501","field":"bizCheck","item_id":12345,"message":"negative sellable on channel inventory"}],"message":"E501: Update product failed","request_id":"r"}"#;
        let b: Classified<B> = classify(&raw(200, body), Shape::Batch);
        let b = b.result.unwrap();
        assert_eq!(b.code, "501");
        assert_eq!(b.detail.len(), 1);
        // Without `detail`, the same code fails the whole call.
        let whole: Classified<B> = classify(
            &raw(
                200,
                r#"{"code":"501","type":"ISP","message":"E501: Update product failed"}"#,
            ),
            Shape::Batch,
        );
        assert!(matches!(whole.result, Err(ErrorKind::Permanent { .. })));
        // And outside a batch, detail does not turn an error into a result.
        let data: Classified<Value> = classify(&raw(200, body), Shape::Data);
        assert!(data.result.is_err());
    }
}
