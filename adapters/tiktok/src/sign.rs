//! Request and webhook signatures (docs/src/channels/tiktok.md §3, §9.3).
//!
//! Request: `sign = lower-hex(HMAC-SHA256(key = app_secret, msg = app_secret + path + sorted{key value} +
//! body + app_secret))`, where the sorted pairs are every query parameter except `sign` and `access_token`
//! (byte order of keys, no separators) and `body` is the exact bytes sent — absent for GET and multipart.
//! Signing takes the bytes rather than a JSON value on purpose: re-serialising (key order, whitespace,
//! escaping of Vietnamese text) is the classic cause of 106001, so callers serialise once and hand the same
//! buffer to [`sign`] and to the HTTP request.
//!
//! Webhook: `Authorization = lower-hex(HMAC-SHA256(app_secret, app_key + raw_body))`, checked in constant
//! time against the raw bytes before anything parses them.

use kho_channel::kit::hmac::hmac_sha256_hex;
use secrecy::{ExposeSecret, SecretString};

/// Query parameters that never enter the signature.
const UNSIGNED: [&str; 2] = ["sign", "access_token"];

/// The text between the two `app_secret`s: `path + sorted{key value}` (+ body, appended separately because
/// it is bytes). Exposed for tests against the documented intermediate strings.
pub fn canonical_query<'a>(
    path: &str,
    query: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .into_iter()
        .filter(|(k, _)| !UNSIGNED.contains(k))
        .collect();
    // Ordinal (byte) order of keys, as SKIT's `StringComparer.Ordinal` and PHP's `ksort` do; values break
    // ties so the result never depends on insertion order.
    pairs.sort_unstable();
    let mut out = String::from(path);
    for (k, v) in pairs {
        out.push_str(k);
        out.push_str(v);
    }
    out
}

/// Sign one request. `body` is `None` for GET and multipart requests, otherwise the exact bytes sent.
pub fn sign<'a>(
    app_secret: &SecretString,
    path: &str,
    query: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: Option<&[u8]>,
) -> String {
    let secret = app_secret.expose_secret().as_bytes();
    let middle = canonical_query(path, query);
    hmac_sha256_hex(
        secret,
        &[secret, middle.as_bytes(), body.unwrap_or_default(), secret],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{verify_webhook, webhook_authorization};
    use kho_channel::WebhookError;
    use kho_channel::test_support::{HexCase, assert_sha256_hex};

    const SECRET: &str = "e59af819cc";
    const APP_KEY: &str = "68xu9ks5p4i8";
    const CIPHER: &str = "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK";
    const TS: &str = "1696909648";

    fn secret(s: &str) -> SecretString {
        SecretString::from(s)
    }

    fn common() -> Vec<(&'static str, &'static str)> {
        vec![
            ("app_key", APP_KEY),
            ("shop_cipher", CIPHER),
            ("timestamp", TS),
        ]
    }

    // docs/src/channels/tiktok.md §3.4 V1 (published, DOC-SIGN worked example), with its exact pre-HMAC string.
    #[test]
    fn v1_doc_worked_example() {
        let q = [("timestamp", "1623812664"), ("app_key", "29a39d")];
        assert_eq!(
            format!(
                "{SECRET}{}{SECRET}",
                canonical_query("/authorization/202309/shops", q)
            ),
            "e59af819cc/authorization/202309/shopsapp_key29a39dtimestamp1623812664e59af819cc"
        );
        let s = sign(&secret(SECRET), "/authorization/202309/shops", q, None);
        assert_sha256_hex(&s, HexCase::Lower);
        assert_eq!(
            s,
            "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
        );
    }

    // V2 (published, SKIT GET webhooks).
    #[test]
    fn v2_get_webhooks() {
        assert_eq!(
            sign(&secret(SECRET), "/event/202309/webhooks", common(), None),
            "ed58e1b5e59865c22a7b828c1cab65007441f43cc91a6cb2f2cdc638e0995a37"
        );
    }

    // V3 (published, SKIT PUT webhooks), with its exact pre-HMAC string.
    #[test]
    fn v3_put_webhooks_with_body() {
        let body = br#"{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}"#;
        let pre = format!(
            "{SECRET}{}{}{SECRET}",
            canonical_query("/event/202309/webhooks", common()),
            std::str::from_utf8(body).unwrap()
        );
        assert_eq!(
            pre,
            r#"e59af819cc/event/202309/webhooksapp_key68xu9ks5p4i8shop_cipherROW_xkMbgAAAeVAQra0eZWebFQq5aIKtimestamp1696909648{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}e59af819cc"#
        );
        assert_eq!(
            sign(
                &secret(SECRET),
                "/event/202309/webhooks",
                common(),
                Some(body)
            ),
            "701dd6deb2389fe4c469b89bd37fc56f96a6da6afeb4d01c9077a65169752fa7"
        );
    }

    // V4 (published, ECOMPHP testPrepareSignature).
    #[test]
    fn v4_ecomphp() {
        assert_eq!(
            sign(&secret("app_secret"), "/test-api", [("foo", "bar")], None),
            "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f"
        );
    }

    // C1 (computed): same body as V3 with the opposite key order — a different sign, which is why the body
    // must be signed exactly as sent.
    #[test]
    fn c1_key_order_changes_the_sign() {
        let body = br#"{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}"#;
        let s = sign(
            &secret(SECRET),
            "/event/202309/webhooks",
            common(),
            Some(body),
        );
        assert_eq!(
            s,
            "cd0d6268252f4ba293bf7ea4c0a2873bf9beec600d22530638564ab301435f7a"
        );
        assert_ne!(
            s,
            "701dd6deb2389fe4c469b89bd37fc56f96a6da6afeb4d01c9077a65169752fa7"
        );
    }

    // C2 (computed): inventory update; an `access_token` (and `sign`) in the query change nothing.
    #[test]
    fn c2_inventory_update_ignores_access_token() {
        let path = "/product/202309/products/1729592969712207008/inventory/update";
        let body = br#"{"skus":[{"id":"1729592969712207013","inventory":[{"warehouse_id":"7068517275539719942","quantity":999}]}]}"#;
        let want = "ed8a27fe3f5a119a55411b7aecd7faa116c897e4525cfa6e9063e11b219524f5";
        assert_eq!(sign(&secret(SECRET), path, common(), Some(body)), want);
        let mut with_token = common();
        with_token.push(("access_token", "TTP_abc"));
        with_token.push(("sign", "stale"));
        assert_eq!(sign(&secret(SECRET), path, with_token, Some(body)), want);
    }

    // C3 (computed): VND price update.
    #[test]
    fn c3_price_update_vnd() {
        let body = br#"{"skus":[{"id":"1734952449674217079","price":{"amount":"72000","currency":"VND"}}]}"#;
        assert_eq!(
            sign(
                &secret(SECRET),
                "/product/202309/products/1734952395144267383/prices/update",
                common(),
                Some(body)
            ),
            "f36b958699c7060e9ecc1b8e9e157d3aafb881cd8122bce33b164afd657af6f8"
        );
    }

    // C4 (computed): order search with extra query parameters, given out of order.
    #[test]
    fn c4_order_search() {
        let mut q = vec![
            ("sort_order", "ASC"),
            ("page_size", "100"),
            ("sort_field", "update_time"),
        ];
        q.extend(common());
        assert_eq!(
            sign(
                &secret(SECRET),
                "/order/202309/orders/search",
                q,
                Some(br#"{"update_time_ge":1696900000,"update_time_lt":1696909648}"#)
            ),
            "db5d774d61c674fcf968bb9f9053812d9de42b2396f2fd0475d82b8d6b7207ff"
        );
    }

    // Vietnamese text: the UTF-8 bytes as sent are signed (serde_json writes non-ASCII unescaped), and an
    // escaped rendering of the same JSON value gives a different sign. Computed with Python `hmac`.
    #[test]
    fn non_ascii_body_signs_the_utf8_bytes() {
        let body = r#"{"title":"Mật ong bạc hà Đồng Văn","description":"<p>Quốc gia xuất xứ: Việt Nam</p>"}"#;
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(
            String::from_utf8(serde_json::to_vec(&value).unwrap())
                .unwrap()
                .contains("Mật ong")
        );
        let path = "/product/202309/products";
        let s = sign(&secret(SECRET), path, common(), Some(body.as_bytes()));
        assert_eq!(
            s,
            "6ed725a8f3fa4ce1550c113b34cd406875aa55c694f686bedfcd1a9407f61ffc"
        );
        let escaped = br#"{"title":"M\u1eadt ong b\u1ea1c h\u00e0 \u0110\u1ed3ng V\u0103n","description":"<p>Qu\u1ed1c gia xu\u1ea5t x\u1ee9: Vi\u1ec7t Nam</p>"}"#;
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(escaped).unwrap(),
            value
        );
        assert_ne!(s, sign(&secret(SECRET), path, common(), Some(escaped)));
    }

    // §9.3 W1 (computed from the documented algorithm).
    #[test]
    fn w1_webhook() {
        let body = br#"{"type":1,"shop_id":"7494726673780148744","timestamp":1664095733,"data":{"order_id":"576684019603311365","order_status":"AWAITING_SHIPMENT","update_time":1664095610}}"#;
        let want = "21109834de72ec53c9959716d8514ae388ce1f123e5ffdcafc46713fcdf62b27";
        let secret = secret("fake_app_secret");
        assert_eq!(webhook_authorization(&secret, "fake_app_key", body), want);
        assert_eq!(
            verify_webhook(&secret, "fake_app_key", body, Some(want)),
            Ok(())
        );
        assert_eq!(
            verify_webhook(&secret, "fake_app_key", body, Some(&want.to_uppercase())),
            Ok(())
        );
        assert_eq!(
            verify_webhook(&secret, "fake_app_key", body, None),
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            verify_webhook(&secret, "other_key", body, Some(want)),
            Err(WebhookError::BadSignature)
        );
        let reserialised = std::str::from_utf8(body).unwrap().replace(',', ", ");
        assert_eq!(
            verify_webhook(&secret, "fake_app_key", reserialised.as_bytes(), Some(want)),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn signs_are_always_64_lower_hex() {
        for ts in 0..2000 {
            let t = ts.to_string();
            let s = sign(&secret(SECRET), "/x", [("timestamp", t.as_str())], None);
            assert_sha256_hex(&s, HexCase::Lower);
        }
    }
}
