//! Request and push signatures (docs/src/channels/shopee.md §3, §9.4).
//!
//! `sign = lower-hex(HMAC-SHA256(key = partner_key as UTF-8 text, msg = base string))`, always 64 characters
//! (the official Java demo's `%032x` drops leading zeros — a bug we must not copy). The base string is the
//! plain concatenation, no separator, of `partner_id + api_path + timestamp`, plus `access_token + shop_id`
//! for Shop APIs. Query parameters and bodies are not signed.

use secrecy::{ExposeSecret, SecretString};

use kho_channel::WebhookError;
use kho_channel::kit::hmac::hmac_sha256_hex;
use kho_channel::kit::push::check_hex_signature;

/// Which base string an endpoint uses (its `api_type` in the reference). Merchant APIs are for
/// cross-border sellers only; local VN shops never need them, but the base string is here for completeness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiType {
    Public,
    Shop,
}

/// `partner_id + api_path + timestamp`
pub fn public_base_string(partner_id: u64, api_path: &str, timestamp: i64) -> String {
    format!("{partner_id}{api_path}{timestamp}")
}

/// `partner_id + api_path + timestamp + access_token + shop_id`
pub fn shop_base_string(
    partner_id: u64,
    api_path: &str,
    timestamp: i64,
    access_token: &str,
    shop_id: u64,
) -> String {
    format!("{partner_id}{api_path}{timestamp}{access_token}{shop_id}")
}

/// `partner_id + api_path + timestamp + access_token + merchant_id`
pub fn merchant_base_string(
    partner_id: u64,
    api_path: &str,
    timestamp: i64,
    access_token: &str,
    merchant_id: u64,
) -> String {
    format!("{partner_id}{api_path}{timestamp}{access_token}{merchant_id}")
}

/// Sign a base string with the partner key (used as UTF-8 text, not hex-decoded).
pub fn sign(partner_key: &SecretString, base_string: &str) -> String {
    hmac_sha256_hex(
        partner_key.expose_secret().as_bytes(),
        &[base_string.as_bytes()],
    )
}

/// The push `Authorization` value: `lower-hex(HMAC-SHA256(partner_key, callback_url + "|" + raw_body))`.
pub fn push_authorization(
    partner_key: &SecretString,
    callback_url: &str,
    raw_body: &[u8],
) -> String {
    hmac_sha256_hex(
        partner_key.expose_secret().as_bytes(),
        &[callback_url.as_bytes(), b"|", raw_body],
    )
}

/// Verify a push before anything parses it: recompute over the raw bytes (re-serialised JSON would not
/// match) and compare in constant time. Hex case in the header is tolerated.
pub fn verify_push(
    partner_key: &SecretString,
    callback_url: &str,
    raw_body: &[u8],
    authorization: Option<&str>,
) -> Result<(), WebhookError> {
    check_hex_signature(
        &push_authorization(partner_key, callback_url, raw_body),
        authorization,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::test_support::{HexCase, assert_sha256_hex};

    /// The demo key printed in the official Go sample [G20], used as UTF-8 text (docs/src/channels/shopee.md §3.6).
    const KEY: &str = "1391fd986fe8ec7569bebed75b0c33ee35eb5a305bed7038657a5cd5f75b1c88";
    const PARTNER: u64 = 2001887;
    const TS: i64 = 1655714431;
    const TOKEN: &str = "59777174636562737266615546704c6d";
    const SHOP: u64 = 14701711;

    fn key() -> SecretString {
        SecretString::from(KEY)
    }

    fn assert_sign(base: &str, expected: &str) {
        let got = sign(&key(), base);
        assert_sha256_hex(&got, HexCase::Lower);
        assert_eq!(got, expected, "base string {base}");
    }

    // §3.5: the official base strings re-assemble from their inputs. (Their published signs come without a
    // key and are deliberately not used as vectors.)
    #[test]
    fn official_base_strings() {
        assert_eq!(
            shop_base_string(PARTNER, "/api/v2/shop/get_shop_info", TS, TOKEN, SHOP),
            "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"
        );
        assert_eq!(
            merchant_base_string(
                PARTNER,
                "/api/v2/global_product/get_category",
                TS,
                "09777174636962737266615546704c6d",
                1000000
            ),
            "2001887/api/v2/global_product/get_category165571443109777174636962737266615546704c6d1000000"
        );
        assert_eq!(
            public_base_string(PARTNER, "/api/v2/public/get_shops_by_partner", TS),
            "2001887/api/v2/public/get_shops_by_partner1655714431"
        );
        assert_eq!(
            public_base_string(10090, "/api/v2/shop/auth_partner", 1594897040),
            "10090/api/v2/shop/auth_partner1594897040"
        );
    }

    // §3.6, every row (computed from the documented algorithm; regression values).
    #[test]
    fn vector_shop_api() {
        assert_sign(
            &shop_base_string(PARTNER, "/api/v2/shop/get_shop_info", TS, TOKEN, SHOP),
            "87407e32ecf3a44d7b7262be1fe2a80a3ac0f71b11ceddc74c984d308afb5aa6",
        );
    }

    #[test]
    fn vector_merchant() {
        assert_sign(
            &merchant_base_string(
                PARTNER,
                "/api/v2/global_product/get_category",
                TS,
                "09777174636962737266615546704c6d",
                1000000,
            ),
            "db0ff209754b0d1b0c7dc9f497d2aa7366eea172c1cec4c9fd94f891e8f2c149",
        );
    }

    #[test]
    fn vector_public() {
        assert_sign(
            &public_base_string(PARTNER, "/api/v2/public/get_shops_by_partner", TS),
            "1c35e367d9270ebea7f4aba889457b2e9f2ab8ab7b7b422bc9afa7c794612b12",
        );
    }

    #[test]
    fn vector_auth_link() {
        assert_sign(
            &public_base_string(PARTNER, "/api/v2/shop/auth_partner", TS),
            "05c24f4195f95412a791412560c56620df4274d92b04b1e73675b292c1c724ad",
        );
    }

    #[test]
    fn vector_token_get() {
        assert_sign(
            &public_base_string(PARTNER, "/api/v2/auth/token/get", TS),
            "cbb23b64b4928204e705d6959b7e5d8f55db746d81f0572e04a789f1f1aeb5a0",
        );
    }

    #[test]
    fn vector_update_stock() {
        assert_sign(
            &shop_base_string(PARTNER, "/api/v2/product/update_stock", TS, TOKEN, SHOP),
            "5ddf42c3b82694bb7a6404e557d9ce2a33cdaeb900e26c5d6ba134c5aeec5141",
        );
    }

    const P1_BODY: &str = r#"{"data":{"items":[],"ordersn":"220810QSK8S7BX","status":"PROCESSED","completed_scenario":"","update_time":1660123127},"shop_id":727720655,"code":3,"timestamp":1660123127}"#;
    const P1_AUTH: &str = "d0f255a9c6c6b24cdd2f6738bc64e8eb9f50b9534d19bb74025e5da1e56a4bd4";

    // §9.4 vector P1.
    #[test]
    fn vector_push_p1() {
        assert_eq!(
            push_authorization(
                &key(),
                "https://example.com/shopee/push",
                P1_BODY.as_bytes()
            ),
            P1_AUTH
        );
        assert_eq!(
            verify_push(
                &key(),
                "https://example.com/shopee/push",
                P1_BODY.as_bytes(),
                Some(P1_AUTH)
            ),
            Ok(())
        );
    }

    #[test]
    fn push_verification_rejects_tampering() {
        let url = "https://example.com/shopee/push";
        let tampered = P1_BODY.replace("PROCESSED", "CANCELLED");
        assert_eq!(
            verify_push(&key(), url, tampered.as_bytes(), Some(P1_AUTH)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_push(
                &key(),
                "https://example.com/other",
                P1_BODY.as_bytes(),
                Some(P1_AUTH)
            ),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_push(&key(), url, P1_BODY.as_bytes(), None),
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            verify_push(
                &key(),
                url,
                P1_BODY.as_bytes(),
                Some(&P1_AUTH.to_uppercase())
            ),
            Ok(())
        );
        // Re-serialised JSON (whitespace) must not verify.
        let reserialised = P1_BODY.replace(",", ", ");
        assert_eq!(
            verify_push(&key(), url, reserialised.as_bytes(), Some(P1_AUTH)),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn signs_are_always_64_lower_hex() {
        // Many inputs: any leading zero byte must still give 64 chars.
        for ts in 0..2000 {
            let s = sign(&key(), &public_base_string(PARTNER, "/api/v2/x", ts));
            assert_sha256_hex(&s, HexCase::Lower);
        }
    }
}
