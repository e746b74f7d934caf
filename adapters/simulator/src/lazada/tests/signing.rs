//! Every signing vector of docs/src/channels/lazada.md (§3.4 L1–L4, §9.2 P1–P2), computed with the simulator's `sign` module and
//! with the test-only signer.

use super::super::sign::{push_authorization, sign, signs_equal, string_to_sign};
use super::{hmac_hex, kv, test_sign};

fn l1_params() -> Vec<(String, String)> {
    kv(&[
        ("app_key", "123456"),
        ("access_token", "test"),
        ("timestamp", "1517820392000"),
        ("sign_method", "sha256"),
        ("order_id", "1234"),
    ])
}

const L3_PAYLOAD: &str = "<Request><Product><Skus><Sku><ItemId>234234234</ItemId><SkuId>234</SkuId><SellableQuantity>20</SellableQuantity></Sku></Skus></Product></Request>";

/// (secret, API path, parameters, expected sign).
type Vector = (
    &'static str,
    &'static str,
    Vec<(String, String)>,
    &'static str,
);

fn vectors() -> Vec<Vector> {
    vec![
        (
            "helloworld",
            "/order/get",
            l1_params(),
            "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A",
        ),
        (
            "1234",
            "/test/api",
            kv(&[
                ("foo", "1"),
                ("bar", "2"),
                ("foo_bar", "3"),
                ("foobar", "4"),
            ]),
            "988085883BF9D32D251478D23122C7ECC91518CDF63BA22F792000A378F52409",
        ),
        (
            "helloworld",
            "/product/stock/sellable/update",
            kv(&[
                ("app_key", "123456"),
                ("access_token", "test"),
                ("timestamp", "1517820392000"),
                ("sign_method", "sha256"),
                ("payload", L3_PAYLOAD),
            ]),
            "0D7B6906784B9492ACFB5A3582775CDB854DF8C977038E452E05A5C233A86368",
        ),
        (
            "helloworld",
            "/auth/token/create",
            kv(&[
                ("app_key", "123456"),
                ("timestamp", "1517820392000"),
                ("sign_method", "sha256"),
                ("code", "0_TryzT8Vd9T1pwS7VWZ2qlMOS5"),
            ]),
            "42613DA347AD5303FDBFBC324DD0BE1E5CE0A47903A4F0315BB40CC479AD10B5",
        ),
    ]
}

#[test]
fn request_vectors_l1_to_l4() {
    for (secret, path, params, expected) in vectors() {
        assert_eq!(
            sign(secret, path, &params),
            expected,
            "simulator signer, {path}"
        );
        assert_eq!(
            test_sign(secret, path, &params),
            expected,
            "test signer, {path}"
        );
    }
}

#[test]
fn strings_to_sign_are_path_then_sorted_pairs() {
    assert_eq!(
        string_to_sign("/order/get", &l1_params()),
        "/order/getaccess_tokentestapp_key123456order_id1234sign_methodsha256timestamp1517820392000"
    );
    // L2: plain byte order, foo < foo_bar < foobar.
    assert_eq!(
        string_to_sign(
            "/test/api",
            &kv(&[
                ("foo", "1"),
                ("bar", "2"),
                ("foo_bar", "3"),
                ("foobar", "4")
            ])
        ),
        "/test/apibar2foo1foo_bar3foobar4"
    );
    // `sign` itself is never part of it, wherever it appears.
    let mut with_sign = l1_params();
    with_sign.insert(0, ("sign".into(), "X".into()));
    assert_eq!(
        string_to_sign("/order/get", &with_sign),
        string_to_sign("/order/get", &l1_params())
    );
}

#[test]
fn signs_are_64_upper_hex_and_compared_exactly() {
    let s = sign("helloworld", "/order/get", &l1_params());
    assert_eq!(s.len(), 64);
    assert!(
        s.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    );
    assert!(signs_equal(&s, &s));
    assert!(!signs_equal(&s, &s.to_lowercase()));
    assert!(!signs_equal(&s, &s[..63]));
}

#[test]
fn push_vectors_p1_and_p2() {
    let p1 = r#"{"seller_id":"1234567", "message_type":0, "data":{...}..}"#;
    let p1_sig = "f3d2ca947f16a50b577c036adecd18bec126ea19cadedd59816e255d3b6104ab";
    assert_eq!(
        push_authorization("3412gyo124goi3124", "123456", p1.as_bytes()),
        p1_sig
    );
    assert_eq!(
        hmac_hex("3412gyo124goi3124", format!("123456{p1}").as_bytes()),
        p1_sig
    );

    let p2 = r#"{"seller_id":"1234567","message_type":0,"data":{"order_status":"unpaid","trade_order_id":"260422900198363","trade_order_line_id":"260422900298363","status_update_time":1603698638},"timestamp":1603766859530,"site":"lazada_vn"}"#;
    let p2_sig = "b0cfd0349e915667babf3c35e2335fb09653527421c46a94bd9e70e874c16322";
    assert_eq!(
        push_authorization("helloworld", "123456", p2.as_bytes()),
        p2_sig
    );
    assert_eq!(
        hmac_hex("helloworld", format!("123456{p2}").as_bytes()),
        p2_sig
    );
}
