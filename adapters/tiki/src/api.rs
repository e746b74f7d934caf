//! How a Tiki call is addressed and read (docs/src/channels/tiki-woocommerce.md §A2–§A4): Bearer tokens on the integration API, the
//! token endpoint form-encoded with the client's HTTP Basic credentials; answers are bare JSON on success
//! and `{"errors":[…]}` (API) or RFC 6749 `{"error":…}` (token endpoint) with an HTTP status otherwise.

use kho_channel::ErrorKind;
use kho_channel::kit::envelope::unexplained;
use kho_channel::kit::url::endpoint_url;
use kho_channel::kit::{self, Built, Envelope, Signing};
use kho_channel::transport::{Classified, RawResponse, classify_http_status};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::TikiGrant;

pub(crate) use kho_channel::kit::AppCredentials as Credentials;

pub(crate) type Call<'a, T> = kit::Call<'a, TikiGrant, T>;

/// Which side of Tiki answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Shape {
    #[default]
    Api,
    Token,
}

impl Envelope for Shape {
    fn classify<T: DeserializeOwned>(self, raw: &RawResponse) -> Classified<T> {
        kho_channel::kit::envelope::classify_json(raw, |v| {
            if raw.status.is_success() {
                return kho_channel::kit::decode::decode_payload(v, self == Shape::Token);
            }
            Err(match self {
                Shape::Token => token_error(raw, &v),
                Shape::Api => api_error(raw, &v),
            })
        })
    }
}

/// The API's `errors` list as one message.
fn messages(v: &Value) -> String {
    match v.get("errors") {
        Some(Value::Array(list)) => list
            .iter()
            .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("; "),
        _ => v
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    }
}

pub(crate) fn api_error(raw: &RawResponse, v: &Value) -> ErrorKind {
    let message = messages(v);
    let code = format!("http_{}", raw.status.as_u16());
    match raw.status.as_u16() {
        401 => ErrorKind::AuthExpired { code, message },
        404 => ErrorKind::NotFound { code, message },
        _ => classify_http_status(raw.status, &raw.headers)
            .unwrap_or_else(|| unexplained(raw, message)),
    }
}

/// A refused grant (spent or expired refresh token, used code) can only be mended by the seller.
fn token_error(raw: &RawResponse, v: &Value) -> ErrorKind {
    let code = v
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let message = v
        .get("error_description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match code.as_str() {
        "invalid_grant" => ErrorKind::ReauthRequired { code, message },
        "" => unexplained(raw, message),
        _ => classify_http_status(raw.status, &raw.headers)
            .unwrap_or(ErrorKind::Permanent { code, message }),
    }
}

impl Signing for TikiGrant {
    type Credentials = Credentials;
    type Shape = Shape;

    fn build<T>(call: &Call<'_, T>, client: &reqwest::Client) -> Built {
        let creds = call.creds;
        let Some(token) = &call.access_token else {
            let url = endpoint_url(&creds.auth_url, call.path())?;
            let form = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(call.params.iter())
                .finish();
            return Ok(call
                .request_to(client, url)
                .basic_auth(&creds.app_key, Some(creds.app_secret.expose_secret()))
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(form));
        };
        let mut url = endpoint_url(&creds.base_url, call.path())?;
        if !call.params.is_empty() {
            url.query_pairs_mut().extend_pairs(call.params.iter());
        }
        call.body_onto(
            call.request_to(client, url)
                .bearer_auth(token.expose_secret()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::test_support::raw_response;

    fn kind(shape: Shape, status: u16, body: &str) -> ErrorKind {
        shape
            .classify::<Value>(&raw_response(status, body))
            .result
            .unwrap_err()
    }

    #[test]
    fn errors_are_classed_by_status_and_grant_errors_need_the_seller() {
        assert!(matches!(
            kind(Shape::Api, 401, r#"{"errors":["Token expired"]}"#),
            ErrorKind::AuthExpired { .. }
        ));
        assert!(
            matches!(kind(Shape::Api, 404, r#"{"errors":["Product not found"]}"#),
            ErrorKind::NotFound { ref message, .. } if message == "Product not found")
        );
        assert!(matches!(
            kind(Shape::Api, 429, r#"{"errors":["Too many requests"]}"#),
            ErrorKind::RateLimited { .. }
        ));
        assert!(matches!(
            kind(Shape::Api, 502, "<html>"),
            ErrorKind::Transient { .. }
        ));
        assert!(
            matches!(kind(Shape::Api, 400, r#"{"errors":["Category not found id: 1"]}"#),
            ErrorKind::Permanent { ref code, ref message } if code == "http_400" && message.contains("Category"))
        );
        assert!(matches!(
            kind(
                Shape::Token,
                400,
                r#"{"error":"invalid_grant","error_description":"used"}"#
            ),
            ErrorKind::ReauthRequired { .. }
        ));
        assert!(matches!(
            kind(Shape::Token, 401, r#"{"error":"invalid_client"}"#),
            ErrorKind::Permanent { .. }
        ));
        let ok = Shape::Api.classify::<Value>(&raw_response(200, r#"{"data":[]}"#));
        assert!(ok.result.is_ok());
    }
}
