//! Shopee v2 signatures (docs/src/channels/shopee.md §3 and §9.4).
//!
//! The simulator recomputes every request's sign with this code, so it is kept tiny and checked against every
//! vector in docs/src/channels/shopee.md. Keys are used as UTF-8 text, never hex-decoded (§3.2), and the output is always 64
//! lower-case hex characters (the Java demo's dropped-leading-zeros bug is what we must *not* accept).

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Which base string an endpoint uses (§3.1). Merchant APIs are for cross-border sellers and are not simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiType {
    /// `partner_id + api_path + timestamp`.
    Public,
    /// `partner_id + api_path + timestamp + access_token + shop_id`.
    Shop,
}

/// Lower-case hex HMAC-SHA256 of `message` under `key` (the key's UTF-8 bytes).
pub fn hmac_sha256_hex(key: &str, message: &str) -> String {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac =
        HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Base string of a Public API call: `partner_id + api_path + timestamp`, no separators.
pub fn public_base_string(partner_id: i64, api_path: &str, timestamp: i64) -> String {
    format!("{partner_id}{api_path}{timestamp}")
}

/// Base string of a Shop API call: `partner_id + api_path + timestamp + access_token + shop_id`.
pub fn shop_base_string(
    partner_id: i64,
    api_path: &str,
    timestamp: i64,
    access_token: &str,
    shop_id: i64,
) -> String {
    format!("{partner_id}{api_path}{timestamp}{access_token}{shop_id}")
}

/// Base string of a Merchant API call (only used to check the documented vector; not served).
pub fn merchant_base_string(
    partner_id: i64,
    api_path: &str,
    timestamp: i64,
    access_token: &str,
    merchant_id: i64,
) -> String {
    format!("{partner_id}{api_path}{timestamp}{access_token}{merchant_id}")
}

/// The `sign` query parameter for a base string.
pub fn sign(partner_key: &str, base_string: &str) -> String {
    hmac_sha256_hex(partner_key, base_string)
}

/// The push `Authorization` header (§9.4): `hex(HMAC-SHA256(partner_key, callback_url + "|" + raw_body))`.
pub fn push_authorization(partner_key: &str, callback_url: &str, raw_body: &[u8]) -> String {
    let mut mac =
        HmacSha256::new_from_slice(partner_key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(callback_url.as_bytes());
    mac.update(b"|");
    mac.update(raw_body);
    hex::encode(mac.finalize().into_bytes())
}

pub use crate::common::tokens::signs_equal;
