//! Request and push signatures (docs/src/channels/lazada.md §3, §9.2).
//!
//! Requests: `sign = UPPER-hex(HMAC-SHA256(key = app_secret, msg = api_path + k1 v1 k2 v2 …))` over **every**
//! parameter sent — system (`app_key`, `timestamp`, `access_token`, `sign_method`) and business (`payload`
//! included, as the exact string sent) — sorted by name in plain byte order, without `sign` and without file
//! parameters. The path is the API path only (`/products/get`): no host and no `/rest` prefix. Values are
//! signed raw, before any URL encoding.
//!
//! Pushes: `Authorization = lower-hex(HMAC-SHA256(app_secret, app_key + raw_body))` — note the different hex
//! case, a classic trap (docs/src/channels/lazada.md §11).

use secrecy::{ExposeSecret, SecretString};

use kho_channel::kit::hmac::hmac_sha256;

/// The string the request signature covers: the API path, then `key + value` for each parameter sorted by
/// name (byte order: `foo` < `foo_bar` < `foobar`). `sign` itself is skipped if present.
pub fn string_to_sign<K: AsRef<str>, V: AsRef<str>>(api_path: &str, params: &[(K, V)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .filter(|(k, _)| *k != "sign")
        .collect();
    // `str`'s `Ord` is byte-wise, which is what the documented "ASCII order" means.
    sorted.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(b.1)));
    let mut out = String::with_capacity(
        api_path.len() + sorted.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>(),
    );
    out.push_str(api_path);
    for (k, v) in sorted {
        out.push_str(k);
        out.push_str(v);
    }
    out
}

/// The request `sign` parameter: 64 UPPER-case hex characters.
pub fn sign<K: AsRef<str>, V: AsRef<str>>(
    app_secret: &SecretString,
    api_path: &str,
    params: &[(K, V)],
) -> String {
    let base = string_to_sign(api_path, params);
    // Empty only if HMAC refused the key (it cannot): Lazada then answers `IncompleteSignature`.
    hex::encode_upper(hmac_sha256(
        app_secret.expose_secret().as_bytes(),
        &[base.as_bytes()],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{push_authorization, verify_push};
    use kho_channel::WebhookError;
    use kho_channel::test_support::{HexCase, assert_sha256_hex};

    fn secret(s: &str) -> SecretString {
        SecretString::from(s)
    }

    // docs/src/channels/lazada.md §3.4 L1 — published vector (ALITRIP 108069).
    #[test]
    fn vector_l1_published() {
        let params = [
            ("app_key", "123456"),
            ("access_token", "test"),
            ("timestamp", "1517820392000"),
            ("sign_method", "sha256"),
            ("order_id", "1234"),
        ];
        assert_eq!(
            string_to_sign("/order/get", &params),
            "/order/getaccess_tokentestapp_key123456order_id1234sign_methodsha256timestamp1517820392000"
        );
        let s = sign(&secret("helloworld"), "/order/get", &params);
        assert_sha256_hex(&s, HexCase::Upper);
        assert_eq!(
            s,
            "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"
        );
    }

    // L2 — published vector (branch8 SDK snapshot); byte order `foo` < `foo_bar` < `foobar`.
    #[test]
    fn vector_l2_published_byte_order() {
        let params = [
            ("foo", "1"),
            ("bar", "2"),
            ("foo_bar", "3"),
            ("foobar", "4"),
        ];
        assert_eq!(
            string_to_sign("/test/api", &params),
            "/test/apibar2foo1foo_bar3foobar4"
        );
        assert_eq!(
            sign(&secret("1234"), "/test/api", &params),
            "988085883BF9D32D251478D23122C7ECC91518CDF63BA22F792000A378F52409"
        );
    }

    // L3 — computed (regression value): `payload` is signed like any other parameter.
    #[test]
    fn vector_l3_payload_is_signed() {
        let payload = "<Request><Product><Skus><Sku><ItemId>234234234</ItemId><SkuId>234</SkuId><SellableQuantity>20</SellableQuantity></Sku></Skus></Product></Request>";
        let params = [
            ("app_key", "123456"),
            ("access_token", "test"),
            ("timestamp", "1517820392000"),
            ("sign_method", "sha256"),
            ("payload", payload),
        ];
        assert_eq!(
            sign(
                &secret("helloworld"),
                "/product/stock/sellable/update",
                &params
            ),
            "0D7B6906784B9492ACFB5A3582775CDB854DF8C977038E452E05A5C233A86368"
        );
    }

    // L4 — computed (regression value): token creation, no access_token.
    #[test]
    fn vector_l4_token_create() {
        let params = [
            ("app_key", "123456"),
            ("timestamp", "1517820392000"),
            ("sign_method", "sha256"),
            ("code", "0_TryzT8Vd9T1pwS7VWZ2qlMOS5"),
        ];
        assert_eq!(
            sign(&secret("helloworld"), "/auth/token/create", &params),
            "42613DA347AD5303FDBFBC324DD0BE1E5CE0A47903A4F0315BB40CC479AD10B5"
        );
    }

    #[test]
    fn sign_parameter_is_never_signed_and_order_does_not_matter() {
        let a = [("b", "2"), ("a", "1"), ("sign", "XYZ")];
        let b = [("a", "1"), ("b", "2")];
        assert_eq!(sign(&secret("k"), "/p", &a), sign(&secret("k"), "/p", &b));
    }

    #[test]
    fn signs_are_always_64_upper_hex() {
        for ts in 0..500 {
            let ts = ts.to_string();
            assert_sha256_hex(
                &sign(&secret("helloworld"), "/x", &[("timestamp", ts)]),
                HexCase::Upper,
            );
        }
    }

    // §9.2 P1 — published vector, base taken literally.
    #[test]
    fn vector_p1_push_published() {
        let body = br#"{"seller_id":"1234567", "message_type":0, "data":{...}..}"#;
        let key = secret("3412gyo124goi3124");
        let auth = push_authorization(&key, "123456", body);
        assert_eq!(
            auth,
            "f3d2ca947f16a50b577c036adecd18bec126ea19cadedd59816e255d3b6104ab"
        );
        assert_eq!(verify_push(&key, "123456", body, Some(&auth)), Ok(()));
    }

    const P2_BODY: &str = r#"{"seller_id":"1234567","message_type":0,"data":{"order_status":"unpaid","trade_order_id":"260422900198363","trade_order_line_id":"260422900298363","status_update_time":1603698638},"timestamp":1603766859530,"site":"lazada_vn"}"#;
    const P2_AUTH: &str = "b0cfd0349e915667babf3c35e2335fb09653527421c46a94bd9e70e874c16322";

    // §9.2 P2 — computed (regression value).
    #[test]
    fn vector_p2_push_computed() {
        let key = secret("helloworld");
        assert_eq!(
            push_authorization(&key, "123456", P2_BODY.as_bytes()),
            P2_AUTH
        );
        assert_eq!(
            verify_push(&key, "123456", P2_BODY.as_bytes(), Some(P2_AUTH)),
            Ok(())
        );
    }

    #[test]
    fn push_verification_rejects_tampering_and_missing_headers() {
        let key = secret("helloworld");
        let body = P2_BODY.as_bytes();
        assert_eq!(
            verify_push(
                &key,
                "123456",
                P2_BODY.replace("unpaid", "canceled").as_bytes(),
                Some(P2_AUTH)
            ),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_push(&key, "654321", body, Some(P2_AUTH)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_push(&secret("other"), "123456", body, Some(P2_AUTH)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_push(&key, "123456", body, None),
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            verify_push(&key, "123456", body, Some("  ")),
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            verify_push(&key, "123456", body, Some(&P2_AUTH.to_uppercase())),
            Ok(())
        );
        // Re-serialised JSON must not verify.
        assert_eq!(
            verify_push(
                &key,
                "123456",
                P2_BODY.replace(',', ", ").as_bytes(),
                Some(P2_AUTH)
            ),
            Err(WebhookError::BadSignature)
        );
        // Not a prefix match.
        assert_eq!(
            verify_push(&key, "123456", body, Some(&P2_AUTH[..32])),
            Err(WebhookError::BadSignature)
        );
    }
}
