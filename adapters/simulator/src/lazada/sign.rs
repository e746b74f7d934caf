//! Lazada signatures (docs/src/channels/lazada.md §3 and §9.2).
//!
//! Requests: HMAC-SHA256 keyed with the app secret over `api_path + k1v1k2v2…`, every parameter except `sign` and
//! file parameters, sorted by name in plain byte order, values raw (not URL-encoded), hex in **UPPER** case.
//! Pushes: lower-case hex HMAC-SHA256 over `app_key + raw_body`. The simulator recomputes every request's sign
//! with this code, so it is kept tiny and checked against every vector in docs/src/channels/lazada.md.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Raw HMAC-SHA256 of the concatenated `parts` under `key` (the key's UTF-8 bytes).
fn hmac(key: &str, parts: &[&[u8]]) -> Vec<u8> {
    // HMAC takes keys of any length, so this never fails; an empty result would simply never match a sign.
    let Ok(mut mac) = HmacSha256::new_from_slice(key.as_bytes()) else {
        return Vec::new();
    };
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The string to sign: the API path (no `/rest`, no host) followed by `name + value` of every parameter except
/// `sign`, sorted by name in byte order (`foo` < `foo_bar` < `foobar`).
pub fn string_to_sign<K: AsRef<str>, V: AsRef<str>>(api_path: &str, params: &[(K, V)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .filter(|(k, _)| *k != "sign")
        .collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = String::from(api_path);
    for (k, v) in sorted {
        out.push_str(k);
        out.push_str(v);
    }
    out
}

/// The `sign` parameter: UPPER-case hex HMAC-SHA256(app_secret, string_to_sign).
pub fn sign<K: AsRef<str>, V: AsRef<str>>(
    app_secret: &str,
    api_path: &str,
    params: &[(K, V)],
) -> String {
    hex::encode_upper(hmac(
        app_secret,
        &[string_to_sign(api_path, params).as_bytes()],
    ))
}

/// The push `Authorization` header: lower-case hex HMAC-SHA256(app_secret, app_key + raw_body) (§9.2).
pub fn push_authorization(app_secret: &str, app_key: &str, raw_body: &[u8]) -> String {
    hex::encode(hmac(app_secret, &[app_key.as_bytes(), raw_body]))
}

pub use crate::common::tokens::signs_equal;
