//! Reading TikTok's envelope `{code, message, request_id, data}` and mapping its codes onto kho's error
//! classes (docs/src/channels/tiktok.md §4).
//!
//! Success is `code == 0`; the HTTP status alone means nothing (106001 comes with 401, business errors with
//! 200). Codes with a documented class win over the HTTP status; unknown codes fall back to it (429 → rate
//! limited, 5xx → transient), then to permanent. Batch writes can succeed as a whole (`code 0`) and still
//! fail per element in `data.errors` — callers inspect that themselves (see [`crate::wire::WriteErrors`]).

use kho_channel::kit::Envelope;
use kho_channel::kit::decode::decode_payload;
use kho_channel::kit::envelope::{classify_json, text, unexplained};
use kho_channel::transport::retry::retry_after;
use kho_channel::{Classified, ErrorKind, RawResponse};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Invalid `sign` (fix signing or the clock; never retried).
pub const INVALID_SIGN: i64 = 106001;
/// Expired access token: refresh, then repeat once.
pub const EXPIRED_TOKEN: i64 = 105002;
pub const MISSING_SCOPE: i64 = 105005;
pub const MISSING_SHOP_CIPHER: i64 = 106013;
/// The overloaded "invalid parameter" code; see [`InvalidParameter`].
pub const INVALID_PARAMETER: i64 = 36009004;
pub const RATE_LIMITED: i64 = 36009002;
pub const INTERNAL_ERROR: i64 = 36009003;
pub const REQUEST_TIMEOUT: i64 = 36009007;
pub const INVALID_AUTH_CODE: i64 = 36004004;
/// "Invalid `category_asset_cipher` or `x-tts-access-token`".
pub const INVALID_CIPHER_OR_TOKEN: i64 = 101000;

/// What a 36009004 is about, read from its message by keywords (never by full text: live messages differ
/// from the documented ones in quoting). Every cause is permanent — repeating the same request cannot help —
/// but the operator's fix differs, so the cause is logged with the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidParameter {
    /// Host clock outside TikTok's −5 min / +30 s window (or a timestamp in ms).
    Timestamp,
    /// `shop_cipher` sent where it is not allowed: an adapter bug (see `api::is_shop_scoped`).
    UnexpectedShopCipher,
    AppKey,
    AccessToken,
    ShopId,
    Signature,
    Version,
    Other,
}

impl InvalidParameter {
    pub fn from_message(message: &str) -> Self {
        let m = message.to_ascii_lowercase();
        if m.contains("timestamp") {
            Self::Timestamp
        } else if m.contains("shop_cipher") || m.contains("category_asset_cipher") {
            Self::UnexpectedShopCipher
        } else if m.contains("app_key") {
            Self::AppKey
        } else if m.contains("access_token") || m.contains("access-token") {
            Self::AccessToken
        } else if m.contains("shop_id") {
            Self::ShopId
        } else if m.contains("sign") {
            Self::Signature
        } else if m.contains("version") {
            Self::Version
        } else {
            Self::Other
        }
    }

    /// What an operator should do about it.
    pub fn hint(self) -> &'static str {
        match self {
            Self::Timestamp => "check the host clock (NTP)",
            Self::UnexpectedShopCipher => "shop_cipher sent on a non-shop endpoint (adapter bug)",
            Self::AppKey => "check app_key in the account config",
            Self::AccessToken => "the stored access token is malformed; re-authorise the shop",
            Self::ShopId => "check shop_id / shop_cipher in the account config",
            Self::Signature => "the request was not signed",
            Self::Version => "the API version in the path is not accepted",
            Self::Other => "see TikTok's message",
        }
    }
}

/// Map a non-zero `code` (and its message) to an error class.
pub fn error_kind(code: i64, message: &str, status: StatusCode, headers: &HeaderMap) -> ErrorKind {
    let owned = || (code.to_string(), message.to_owned());
    match code {
        RATE_LIMITED => {
            return ErrorKind::RateLimited {
                retry_after: retry_after(headers),
                code: code.to_string(),
            };
        }
        INTERNAL_ERROR | REQUEST_TIMEOUT => {
            return ErrorKind::Transient {
                message: format!("{code}: {message}"),
            };
        }
        EXPIRED_TOKEN => {
            let (code, message) = owned();
            return ErrorKind::AuthExpired { code, message };
        }
        INVALID_CIPHER_OR_TOKEN if message.to_ascii_lowercase().contains("access") => {
            let (code, message) = owned();
            return ErrorKind::AuthExpired { code, message };
        }
        INVALID_AUTH_CODE => {
            let (code, message) = owned();
            return ErrorKind::ReauthRequired { code, message };
        }
        INVALID_PARAMETER => {
            let cause = InvalidParameter::from_message(message);
            if cause == InvalidParameter::AccessToken {
                // The token itself is refused, not a parameter: refreshing cannot mend a token TikTok
                // no longer recognises, only the seller authorising again can (§4.1, trap 14). The
                // core logs the account's change of state once, so nothing is logged here per call.
                let (code, message) = owned();
                return ErrorKind::ReauthRequired { code, message };
            }
            tracing::warn!(
                code,
                ?cause,
                hint = cause.hint(),
                "TikTok rejected a parameter"
            );
            let (code, message) = owned();
            return ErrorKind::Permanent { code, message };
        }
        INVALID_SIGN => {
            tracing::warn!(
                code,
                "TikTok rejected the signature; check app_secret and the host clock"
            );
            let (code, message) = owned();
            return ErrorKind::Permanent { code, message };
        }
        MISSING_SCOPE | MISSING_SHOP_CIPHER => {
            let (code, message) = owned();
            return ErrorKind::Permanent { code, message };
        }
        _ => {}
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        return ErrorKind::RateLimited {
            retry_after: retry_after(headers),
            code: code.to_string(),
        };
    }
    if status.is_server_error() {
        return ErrorKind::Transient {
            message: format!("{code}: {message} (HTTP {status})"),
        };
    }
    let lower = message.to_ascii_lowercase();
    let (code, message) = owned();
    if lower.contains("not found") || lower.contains("not exist") {
        ErrorKind::NotFound { code, message }
    } else {
        ErrorKind::Permanent { code, message }
    }
}

/// `code` as TikTok sends it: a number (a numeric string is accepted too).
pub(crate) fn code_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Which answer a call gets: an Open API one (the default), or the auth host's, which carries tokens
/// (sensitive).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    #[default]
    Api,
    Token,
}

/// The kit's calls classify through the shape each call carries.
impl Envelope for Shape {
    fn classify<T: DeserializeOwned>(self, response: &RawResponse) -> Classified<T> {
        classify(response, self == Shape::Token)
    }
}

/// Classify a response. `sensitive` responses carry tokens: decode errors then omit serde's excerpt.
pub fn classify<T: DeserializeOwned>(raw: &RawResponse, sensitive: bool) -> Classified<T> {
    classify_json(raw, |mut v| {
        let message = text(&v, "message");
        match v.get("code").and_then(code_of) {
            Some(0) if raw.status.is_success() => decode(v["data"].take(), sensitive),
            Some(0) | None if message.is_empty() => Err(unexplained(raw, "response has no code")),
            Some(0) | None => Err(unexplained(raw, message)),
            Some(code) => Err(error_kind(code, &message, raw.status, &raw.headers)),
        }
    })
}

fn decode<T: DeserializeOwned>(data: Value, sensitive: bool) -> Result<T, ErrorKind> {
    // Bare envelope (`"data":{}` or none, e.g. inventory update): decode from an empty object.
    let data = if data.is_null() {
        Value::Object(Default::default())
    } else {
        data
    };
    decode_payload(data, sensitive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::test_support::{
        Probe, assert_classifies_envelope, assert_sensitive_mismatch_is_quiet, raw_response as raw,
    };

    fn kind(code: i64, message: &str) -> ErrorKind {
        error_kind(code, message, StatusCode::OK, &HeaderMap::new())
    }

    #[test]
    fn documented_classes() {
        assert!(
            matches!(kind(36009002, "Too many requests."), ErrorKind::RateLimited { ref code, .. } if code == "36009002")
        );
        assert!(matches!(
            kind(36009003, "Internal error"),
            ErrorKind::Transient { .. }
        ));
        assert!(matches!(
            kind(36009007, "Request timeout"),
            ErrorKind::Transient { .. }
        ));
        assert!(matches!(
            kind(
                105002,
                "Expired credentials. The `access_token` or `x-tts-access-token` header has expired."
            ),
            ErrorKind::AuthExpired { .. }
        ));
        assert!(matches!(
            kind(105002, "access token is expired, please refresh it"),
            ErrorKind::AuthExpired { .. }
        ));
        for code in [
            106001, 105005, 106013, 36009004, 36009033, 36009009, 36009010, 36009014, 36009021,
            36009022, 36009023, 12019045, 12052050,
        ] {
            assert!(
                matches!(kind(code, "x"), ErrorKind::Permanent { .. }),
                "{code}"
            );
        }
        assert!(matches!(
            kind(36004004, "Invalid auth code."),
            ErrorKind::ReauthRequired { .. }
        ));
        assert!(matches!(
            kind(12052900, "The product does not exist"),
            ErrorKind::NotFound { .. }
        ));
    }

    #[test]
    fn documented_codes_win_over_http_status() {
        // 106001 is observed with HTTP 401; 36009004 with 400; a 36009002 may come with 429 or 200.
        let invalid_sign = error_kind(
            106001,
            "Invalid credentials. The 'sign' query parameter is invalid. For more details: https://m.tiktok.shop/s/x",
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
        );
        assert!(matches!(invalid_sign, ErrorKind::Permanent { ref code, .. } if code == "106001"));
        assert!(matches!(
            error_kind(
                36009004,
                "Invalid app_key",
                StatusCode::BAD_REQUEST,
                &HeaderMap::new()
            ),
            ErrorKind::Permanent { .. }
        ));
        assert!(matches!(
            error_kind(
                36009002,
                "",
                StatusCode::TOO_MANY_REQUESTS,
                &HeaderMap::new()
            ),
            ErrorKind::RateLimited { .. }
        ));
        // Unknown codes fall back on the status.
        assert!(matches!(
            error_kind(99999, "", StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new()),
            ErrorKind::RateLimited { .. }
        ));
        assert!(matches!(
            error_kind(99999, "", StatusCode::BAD_GATEWAY, &HeaderMap::new()),
            ErrorKind::Transient { .. }
        ));
    }

    #[test]
    fn an_invalid_access_token_header_needs_reauthorisation_other_causes_stay_permanent() {
        for msg in [
            "Invalid credentials. The `x-tts-access-token` header is invalid.",
            "Invalid credentials. The 'x-tts-access-token' header is invalid. access_token format",
        ] {
            assert!(
                matches!(kind(INVALID_PARAMETER, msg), ErrorKind::ReauthRequired { ref code, .. } if code == "36009004"),
                "{msg}"
            );
        }
        for msg in [
            "Invalid app_key. The `app_key` query parameter is invalid.",
            "Invalid timestamp. The 'timestamp' query parameter has expired.",
            "Unexpected identifier. The `shop_cipher` query parameter is not required for this request.",
        ] {
            assert!(
                matches!(kind(INVALID_PARAMETER, msg), ErrorKind::Permanent { .. }),
                "{msg}"
            );
        }
    }

    #[test]
    fn invalid_parameter_causes_by_keyword() {
        use InvalidParameter::*;
        for (msg, want) in [
            (
                "Invalid timestamp. The `timestamp` query parameter is more than 30 seconds in the future.",
                Timestamp,
            ),
            (
                "Invalid timestamp. The 'timestamp' query parameter has expired.",
                Timestamp,
            ),
            (
                "Unexpected identifier. The `shop_cipher` query parameter is not required for this request.",
                UnexpectedShopCipher,
            ),
            (
                "Invalid app_key. The `app_key` query parameter is invalid.",
                AppKey,
            ),
            (
                "Invalid credentials. The 'x-tts-access-token' header is invalid. access_token format",
                AccessToken,
            ),
            ("Invalid shop_id.", ShopId),
            ("Missing signature.", Signature),
            ("Invalid version.", Version),
            ("Something else", Other),
        ] {
            assert_eq!(InvalidParameter::from_message(msg), want, "{msg}");
        }
    }

    #[test]
    fn envelope() {
        assert_classifies_envelope(
            |raw| classify(raw, false),
            r#"{"code":0,"message":"Success","request_id":"r1","data":{"x":1}}"#,
        );
        assert_sensitive_mismatch_is_quiet(
            |raw| classify(raw, true),
            r#"{"code":0,"data":{"x":"SECRETVALUE"}}"#,
        );

        #[derive(serde::Deserialize, Debug)]
        struct E {
            y: Option<i64>,
        }
        let bare: Classified<E> = classify(
            &raw(
                200,
                r#"{"code":0,"message":"Success","request_id":"r","data":{}}"#,
            ),
            false,
        );
        assert!(bare.result.unwrap().y.is_none());
        let no_data: Classified<E> =
            classify(&raw(200, r#"{"code":0,"message":"Success"}"#), false);
        assert!(no_data.result.is_ok());

        let err: Classified<Probe> = classify(
            &raw(
                401,
                r#"{"code":106001,"message":"Invalid credentials.","request_id":"r2"}"#,
            ),
            false,
        );
        assert_eq!(err.request_id.as_deref(), Some("r2"));
        assert!(
            matches!(err.result, Err(ErrorKind::Permanent { ref code, .. }) if code == "106001")
        );

        let string_code: Classified<Probe> = classify(
            &raw(200, r#"{"code":"36009002","message":"Too many"}"#),
            false,
        );
        assert!(matches!(
            string_code.result,
            Err(ErrorKind::RateLimited { .. })
        ));

        let zero_but_500: Classified<Probe> =
            classify(&raw(500, r#"{"code":0,"data":{"x":1}}"#), false);
        assert!(matches!(
            zero_but_500.result,
            Err(ErrorKind::Transient { .. })
        ));
        let plain_429: Classified<Probe> = classify(&raw(429, r#"{"message":"slow down"}"#), false);
        assert!(matches!(
            plain_429.result,
            Err(ErrorKind::RateLimited { .. })
        ));
    }
}
