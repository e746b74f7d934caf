//! TikTok Shop 202309 signatures (docs/src/channels/tiktok.md §3.1) and webhook signatures (§9.3).
//!
//! The simulator recomputes every request's sign with this code, so it is kept tiny and checked against every
//! vector in docs/src/channels/tiktok.md §3.4 and §9.3. The body is appended as the exact bytes received (never re-serialised,
//! trap 2) and the output is always 64 lower-case hex characters (trap 1).

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Query parameters never signed (§3.1 step 1).
pub const UNSIGNED_PARAMS: [&str; 2] = ["sign", "access_token"];

/// Whether a `Content-Type` is multipart, whose body is not signed (§3.1 step 5).
pub fn is_multipart(content_type: &str) -> bool {
    content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
}

/// The wrapped string that is HMAC'd: `app_secret + path + sorted {key}{value} + body + app_secret`.
///
/// `params` are the decoded query parameters as received (empty values included: the server signs what it gets,
/// trap 11); `sign` and `access_token` are skipped here. Keys are sorted by bytes (ordinal), stable for repeats.
/// `body` is `None` for multipart requests; an empty body appends nothing.
pub fn string_to_sign(
    app_secret: &str,
    path: &str,
    params: &[(String, String)],
    body: Option<&[u8]>,
) -> Vec<u8> {
    let mut signed: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, _)| !UNSIGNED_PARAMS.contains(&k.as_str()))
        .collect();
    signed.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = Vec::with_capacity(64 + body.map_or(0, <[u8]>::len));
    out.extend_from_slice(app_secret.as_bytes());
    out.extend_from_slice(path.as_bytes());
    for (k, v) in signed {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(v.as_bytes());
    }
    if let Some(body) = body {
        out.extend_from_slice(body);
    }
    out.extend_from_slice(app_secret.as_bytes());
    out
}

/// Lower-case hex HMAC-SHA256 of `message` under `key` (the key's UTF-8 bytes).
pub fn hmac_sha256_hex(key: &str, message: &[u8]) -> String {
    // HMAC accepts keys of any length, so this constructor cannot fail; an empty MAC would never match a sign.
    let Ok(mut mac) = HmacSha256::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// The `sign` query parameter of a request (§3.1).
pub fn sign(
    app_secret: &str,
    path: &str,
    params: &[(String, String)],
    body: Option<&[u8]>,
) -> String {
    hmac_sha256_hex(app_secret, &string_to_sign(app_secret, path, params, body))
}

/// The webhook `Authorization` header (§9.3): `hex(HMAC-SHA256(app_secret, app_key + raw_body))`.
pub fn webhook_authorization(app_key: &str, app_secret: &str, raw_body: &[u8]) -> String {
    let mut msg = Vec::with_capacity(app_key.len() + raw_body.len());
    msg.extend_from_slice(app_key.as_bytes());
    msg.extend_from_slice(raw_body);
    hmac_sha256_hex(app_secret, &msg)
}

pub use crate::common::tokens::signs_equal;
