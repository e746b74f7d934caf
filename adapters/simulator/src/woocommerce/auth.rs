//! Who is calling, as `WC_REST_Authentication` decides (`docs/src/channels/tiki-woocommerce.md` B2 and
//! "Corrections"): over https, `consumer_key`/`consumer_secret` query parameters first, then HTTP Basic; then (the
//! only way over plain http) OAuth 1.0a one-legged from the query or an `Authorization: OAuth …` header, with a
//! ±15-minute timestamp window and nonces refused once used for a timestamp. A request without credentials is
//! anonymous and the route answers its own 401.

use std::collections::HashSet;

use axum::http::{HeaderMap, Method};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use subtle::ConstantTimeEq;

use super::error::WcError;
use super::oauth;

/// How far an OAuth timestamp may be from the site's clock.
pub const TIMESTAMP_WINDOW_SECS: i64 = 15 * 60;

/// The one REST API key of the simulated site.
#[derive(Debug, Clone)]
pub struct Keys {
    pub consumer_key: String,
    pub consumer_secret: String,
}

/// The parts of a request authentication looks at.
pub struct Call<'a> {
    pub method: &'a Method,
    /// The URL the client addressed, without the query (`http://host/wp-json/wc/v3/...`).
    pub url: String,
    /// The decoded query parameters in order.
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    /// The site is served over https (a TLS terminator in front of the simulator).
    pub https: bool,
    /// The web server drops the `Authorization` header before WordPress sees it.
    pub strips_authorization: bool,
    pub now: i64,
}

/// Authenticated, anonymous, or refused with WooCommerce's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    User,
    Anonymous,
}

fn eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn query<'q>(call: &'q Call<'_>, name: &str) -> Option<&'q str> {
    call.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn authorization(call: &Call<'_>) -> Option<String> {
    if call.strips_authorization {
        return None;
    }
    call.headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
}

/// `perform_basic_authentication`: an unknown key leaves the request anonymous; a wrong secret is an error.
fn basic(call: &Call<'_>, keys: &Keys) -> Result<Outcome, WcError> {
    let from_query = query(call, "consumer_key").zip(query(call, "consumer_secret"));
    let from_header = || {
        let header = authorization(call)?;
        let encoded = header.strip_prefix("Basic ")?;
        let decoded = String::from_utf8(B64.decode(encoded.trim()).ok()?).ok()?;
        let (k, s) = decoded.split_once(':')?;
        Some((k.to_owned(), s.to_owned()))
    };
    let (key, secret) = match from_query {
        Some((k, s)) => (k.to_owned(), s.to_owned()),
        None => match from_header() {
            Some(pair) if !pair.0.is_empty() && !pair.1.is_empty() => pair,
            _ => return Ok(Outcome::Anonymous),
        },
    };
    if !eq(&key, &keys.consumer_key) {
        return Ok(Outcome::Anonymous);
    }
    if !eq(&secret, &keys.consumer_secret) {
        return Err(WcError::auth("Consumer secret is invalid."));
    }
    Ok(Outcome::User)
}

/// Parses `OAuth k="v", k2="v2"` into decoded pairs (WordPress keeps only `oauth_*` names).
fn header_params(header: &str) -> Vec<(String, String)> {
    let Some(rest) = header.strip_prefix("OAuth ") else {
        return Vec::new();
    };
    rest.split(',')
        .filter_map(|part| {
            let (k, v) = part.trim().split_once('=')?;
            let v = v.trim().trim_matches('"');
            k.starts_with("oauth_")
                .then(|| (k.to_owned(), oauth::rawurldecode(v)))
        })
        .collect()
}

/// `perform_oauth_authentication`; `nonces` holds the `(timestamp, nonce)` pairs already used.
fn oauth1(
    call: &Call<'_>,
    keys: &Keys,
    nonces: &mut HashSet<(i64, String)>,
) -> Result<Outcome, WcError> {
    let mut params = call.query.clone();
    if let Some(h) = authorization(call) {
        for (k, v) in header_params(&h) {
            params.retain(|(pk, _)| *pk != k);
            params.push((k, v));
        }
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let required = [
        "oauth_consumer_key",
        "oauth_timestamp",
        "oauth_nonce",
        "oauth_signature",
        "oauth_signature_method",
    ];
    let missing: Vec<&str> = required.into_iter().filter(|n| get(n).is_none()).collect();
    if missing.len() == required.len() {
        return Ok(Outcome::Anonymous);
    }
    if !missing.is_empty() {
        let noun = if missing.len() == 1 {
            "parameter"
        } else {
            "parameters"
        };
        return Err(WcError::new(
            401,
            "woocommerce_rest_authentication_missing_parameter",
            format!("Missing OAuth {noun} {}", missing.join(", ")),
        ));
    }
    let field = |n: &str| get(n).unwrap_or_default();
    if !eq(&field("oauth_consumer_key"), &keys.consumer_key) {
        return Err(WcError::auth("Consumer key is invalid."));
    }
    let provided = oauth::rawurldecode(&field("oauth_signature").replace(' ', "+"));
    let timestamp_field = field("oauth_timestamp");
    let nonce = field("oauth_nonce");
    let method = oauth::Method::parse(&field("oauth_signature_method"));
    params.retain(|(k, _)| k != "oauth_signature");
    let Some(method) = method else {
        return Err(WcError::auth(
            "Invalid signature - signature method is invalid.",
        ));
    };
    let base = oauth::base_string(call.method.as_str(), &call.url, &params);
    let expected = oauth::sign(method, &format!("{}&", keys.consumer_secret), &base);
    if !eq(&expected, &provided) {
        return Err(WcError::auth(
            "Invalid signature - provided signature does not match.",
        ));
    }
    let timestamp: i64 = timestamp_field.parse().unwrap_or(i64::MIN);
    if timestamp
        .checked_sub(call.now)
        .is_none_or(|d| d.abs() > TIMESTAMP_WINDOW_SECS)
    {
        return Err(WcError::auth("Invalid timestamp."));
    }
    if !nonces.insert((timestamp, nonce)) {
        return Err(WcError::auth(
            "Invalid nonce - nonce has already been used.",
        ));
    }
    Ok(Outcome::User)
}

/// Runs WooCommerce's authentication for one call.
pub fn authenticate(
    call: &Call<'_>,
    keys: &Keys,
    nonces: &mut HashSet<(i64, String)>,
) -> Result<Outcome, WcError> {
    if call.https && basic(call, keys)? == Outcome::User {
        return Ok(Outcome::User);
    }
    oauth1(call, keys, nonces)
}

/// The route's own 401 for an anonymous caller, by what it was about to do.
pub fn forbidden(method: &Method, path: &str) -> WcError {
    let (code, message) = if path.ends_with("/batch") {
        (
            "woocommerce_rest_cannot_batch",
            "Sorry, you are not allowed to batch manipulate this resource.",
        )
    } else if method == Method::GET {
        (
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        )
    } else if method == Method::POST {
        (
            "woocommerce_rest_cannot_create",
            "Sorry, you are not allowed to create resources.",
        )
    } else {
        (
            "woocommerce_rest_cannot_edit",
            "Sorry, you are not allowed to edit this resource.",
        )
    };
    WcError::new(401, code, message)
}
