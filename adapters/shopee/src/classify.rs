//! Reading Shopee's envelope and mapping its error strings onto kho's error classes (docs/src/channels/shopee.md §4).
//!
//! Success is `error == ""`, whatever the HTTP status (§4.3: the status that accompanies errors is
//! unconfirmed, so both 200-with-error and non-2xx are handled). Auth and public endpoints put their fields at
//! the top level; everything else wraps the payload in `response`. Batch writes can partly fail: with
//! `error` empty (or `error_busi_update_stock_failed`) and entries in `response.failure_list`.

use std::time::Duration;

use chrono::{FixedOffset, TimeZone, Utc};
use kho_channel::kit::Envelope;
use kho_channel::kit::decode::decode_payload;
use kho_channel::kit::envelope::{classify_json, text, unexplained};
use kho_channel::transport::retry::retry_after;
use kho_channel::{Classified, ErrorKind, RawResponse};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Where the payload is; by default where the account's calls have it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    /// Inside `response`.
    #[default]
    Wrapped,
    /// A batch write: inside `response`, and still a result (not an error) when `failure_list` is
    /// non-empty even if `error` is set. The envelope's error is injected as `_error`/`_message`.
    Batch,
    /// At the top level (auth and public endpoints). `sensitive` responses carry tokens, so decode errors
    /// are reported without serde's excerpt of the offending value.
    TopLevel { sensitive: bool },
}

/// The kit's calls classify through the shape each call carries.
impl Envelope for Shape {
    fn classify<T: DeserializeOwned>(self, response: &RawResponse) -> Classified<T> {
        classify(response, self)
    }
}

pub fn classify<T: DeserializeOwned>(raw: &RawResponse, shape: Shape) -> Classified<T> {
    classify_json(raw, |v| {
        let error = text(&v, "error");
        let message = text(&v, "message");
        if error.is_empty() && !raw.status.is_success() {
            Err(unexplained(raw, message))
        } else if !(error.is_empty() || shape == Shape::Batch && has_failures(&v)) {
            Err(error_kind(&error, &message, &raw.headers))
        } else {
            decode(v, shape, error, message)
        }
    })
}

fn has_failures(v: &Value) -> bool {
    v.get("response")
        .and_then(|r| r.get("failure_list"))
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

fn decode<T: DeserializeOwned>(
    v: Value,
    shape: Shape,
    error: String,
    message: String,
) -> Result<T, ErrorKind> {
    let (payload, sensitive) = match shape {
        Shape::TopLevel { sensitive } => (v, sensitive),
        Shape::Wrapped | Shape::Batch => {
            let mut payload = match v.get("response") {
                Some(r) if !r.is_null() => r.clone(),
                // Bare envelope (e.g. delete_item): decode from an empty object.
                _ => Value::Object(Default::default()),
            };
            if shape == Shape::Batch
                && let Value::Object(map) = &mut payload
            {
                map.insert("_error".into(), Value::String(error));
                map.insert("_message".into(), Value::String(message));
            }
            (payload, false)
        }
    };
    decode_payload(payload, sensitive)
}

/// Map an `error` string (possibly module-prefixed: `product.error_param`, `common.error_auth`) and its
/// message to an error class (docs/src/channels/shopee.md §4.4).
pub fn error_kind(code: &str, message: &str, headers: &HeaderMap) -> ErrorKind {
    let base = code.rsplit('.').next().unwrap_or(code);
    let msg = message.to_ascii_lowercase();
    let owned = || (code.to_owned(), message.to_owned());

    if base == "error_rate_limit" || code.contains("rate_limit") {
        return ErrorKind::RateLimited {
            retry_after: retry_after(headers),
            code: code.to_owned(),
        };
    }
    if base == "error_limit" {
        // Daily app-wide cap: resets at 00:00 UTC+8.
        return ErrorKind::RateLimited {
            retry_after: Some(until_next_midnight_utc8(Utc::now())),
            code: code.to_owned(),
        };
    }
    match base {
        "error_server" | "error_inner" | "error_system_busy" | "error_network" => {
            return ErrorKind::Transient {
                message: format!("{code}: {message}"),
            };
        }
        "invalid_acceess_token" | "invalid_access_token" => {
            let (code, message) = owned();
            return ErrorKind::AuthExpired { code, message };
        }
        "shop_access_expired"
        | "refresh_token_expired"
        | "shop_no_linked"
        | "partner_shop_no_link"
        | "shop_banned"
        | "error_shop_refresh_token"
        | "invalid_code" => {
            let (code, message) = owned();
            return ErrorKind::ReauthRequired { code, message };
        }
        _ => {}
    }
    if base == "error_auth" {
        let (code, message) = owned();
        return if msg.contains("refresh_token")
            || msg.contains("refresh token")
            || msg.contains("invalid code")
        {
            ErrorKind::ReauthRequired { code, message }
        } else if msg.contains("access_token") || msg.contains("access token") {
            ErrorKind::AuthExpired { code, message }
        } else if msg.contains("system error") || msg.contains("try again") {
            ErrorKind::Transient {
                message: format!("{code}: {message}"),
            }
        } else {
            ErrorKind::Permanent { code, message }
        };
    }
    if base.contains("not_found") {
        let (code, message) = owned();
        return ErrorKind::NotFound { code, message };
    }
    let (code, message) = owned();
    ErrorKind::Permanent { code, message }
}

fn until_next_midnight_utc8(now: chrono::DateTime<Utc>) -> Duration {
    let Some(tz) = FixedOffset::east_opt(8 * 3600) else {
        return Duration::from_secs(3600);
    };
    let local = now.with_timezone(&tz);
    let next = local
        .date_naive()
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|dt| tz.from_local_datetime(&dt).single());
    match next {
        Some(next) => (next.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::from_secs(60)),
        None => Duration::from_secs(3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::test_support::{
        Probe, assert_classifies_envelope, assert_sensitive_mismatch_is_quiet, raw_response as raw,
    };

    fn kind(code: &str, message: &str) -> ErrorKind {
        error_kind(code, message, &HeaderMap::new())
    }

    #[test]
    fn retry_classes() {
        for code in [
            "error_server",
            "error_inner",
            "error_system_busy",
            "error_network",
            "product.error_server",
        ] {
            assert!(
                matches!(kind(code, "x"), ErrorKind::Transient { .. }),
                "{code}"
            );
        }
        assert!(matches!(
            kind("error_rate_limit", "Too many requests."),
            ErrorKind::RateLimited {
                retry_after: None,
                ..
            }
        ));
        assert!(matches!(
            kind("ads.rate_limit.exceed_api", ""),
            ErrorKind::RateLimited { .. }
        ));
        match kind("error_limit", "try again after 00: 00 (UTC+08:00)") {
            ErrorKind::RateLimited {
                retry_after: Some(d),
                ..
            } => assert!(d <= Duration::from_secs(24 * 3600) && d > Duration::ZERO),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn auth_classes() {
        assert!(matches!(
            kind("error_auth", "Invalid access_token."),
            ErrorKind::AuthExpired { .. }
        ));
        assert!(matches!(
            kind("invalid_acceess_token", ""),
            ErrorKind::AuthExpired { .. }
        ));
        assert!(matches!(
            kind("error_auth", "Invalid refresh_token."),
            ErrorKind::ReauthRequired { .. }
        ));
        assert!(matches!(
            kind("error_auth", "Invalid code"),
            ErrorKind::ReauthRequired { .. }
        ));
        for code in [
            "shop_access_expired",
            "refresh_token_expired",
            "shop_no_linked",
        ] {
            assert!(
                matches!(kind(code, ""), ErrorKind::ReauthRequired { .. }),
                "{code}"
            );
        }
        assert!(matches!(
            kind("error_auth", "System error, please try again later."),
            ErrorKind::Transient { .. }
        ));
        assert!(matches!(
            kind("error_auth", "No permission to current api."),
            ErrorKind::Permanent { .. }
        ));
        assert!(matches!(
            kind("common.error_auth", "Invalid sign"),
            ErrorKind::Permanent { .. }
        ));
    }

    #[test]
    fn permanent_and_not_found_keep_code_and_message() {
        assert_eq!(
            kind(
                "product.error_param",
                "invalid field ItemId: value must  Not Null"
            ),
            ErrorKind::Permanent {
                code: "product.error_param".into(),
                message: "invalid field ItemId: value must  Not Null".into()
            }
        );
        for code in [
            "error_sign",
            "error_busi",
            "error_api_permission",
            "source_ip_undeclared",
            "order.order_list_invalid_time",
        ] {
            assert!(
                matches!(kind(code, ""), ErrorKind::Permanent { .. }),
                "{code}"
            );
        }
        for code in [
            "error_not_found",
            "error_item_not_found",
            "common.error_not_found",
        ] {
            assert!(
                matches!(kind(code, ""), ErrorKind::NotFound { .. }),
                "{code}"
            );
        }
    }

    #[test]
    fn envelope_handling() {
        assert_classifies_envelope(
            |raw| classify(raw, Shape::Wrapped),
            r#"{"request_id":"r1","error":"","message":"","response":{"x":1}}"#,
        );
        assert_sensitive_mismatch_is_quiet(
            |raw| classify(raw, Shape::TopLevel { sensitive: true }),
            r#"{"error":"","response":{"x":"SECRETVALUE"}}"#,
        );

        let err: Classified<Probe> = classify(
            &raw(
                200,
                r#"{"request_id":"r2","error":"error_param","message":"Wrong model_id."}"#,
            ),
            Shape::Wrapped,
        );
        assert!(matches!(err.result, Err(ErrorKind::Permanent { .. })));

        let top: Classified<Probe> = classify(
            &raw(200, r#"{"x":7,"error":"","request_id":"r3"}"#),
            Shape::TopLevel { sensitive: true },
        );
        assert_eq!(top.result.unwrap().x, 7);

        let status_only: Classified<Probe> = classify(
            &raw(429, r#"{"error":"","request_id":"r4"}"#),
            Shape::Wrapped,
        );
        assert!(matches!(
            status_only.result,
            Err(ErrorKind::RateLimited { .. })
        ));
    }

    #[test]
    fn batch_with_error_and_failure_list_is_a_result() {
        #[derive(serde::Deserialize, Debug)]
        struct B {
            #[serde(rename = "_error")]
            error: String,
            failure_list: Vec<Value>,
        }
        let r: Classified<B> = classify(
            &raw(
                200,
                r#"{"error":"error_busi_update_stock_failed","message":"Update stock failed, please check failure_list","response":{"failure_list":[{"model_id":1,"failed_reason":"x"}]}}"#,
            ),
            Shape::Batch,
        );
        let b = r.result.unwrap();
        assert_eq!(b.error, "error_busi_update_stock_failed");
        assert_eq!(b.failure_list.len(), 1);
    }
}
