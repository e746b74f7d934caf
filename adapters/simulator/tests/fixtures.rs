//! The golden fixtures themselves: valid JSON, listed in the folder's README, and the shape comparison the other
//! tests rely on really detects drift. (Each fixture is compared with a live simulator answer in the endpoint's
//! own test: products.rs, orders.rs, tokens.rs, gate.rs, rate_limit.rs, push.rs.)

mod common;

use common::shape_diff;
use serde_json::{Value, json};

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shopee")
}

#[test]
fn every_fixture_parses_and_is_documented() {
    let readme = std::fs::read_to_string(dir().join("README.md")).unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name} is not listed in README.md"
        );
        if name != "push_order_status.json" {
            assert!(
                v.get("request_id").is_some() && v.get("error").is_some(),
                "{name}: envelope"
            );
        }
        count += 1;
    }
    assert!(count >= 15);
}

#[test]
fn auth_fixtures_have_no_response_wrapper() {
    for name in [
        "token_get.json",
        "token_refresh.json",
        "error_envelope.json",
        "error_rate_limit.json",
    ] {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(dir().join(name)).unwrap()).unwrap();
        assert!(v.get("response").is_none(), "{name}");
    }
}

#[test]
fn shape_comparison_detects_drift() {
    let expected = json!({"a": 1, "b": [{"c": "x"}], "d": {"e": true}});
    let mut d = Vec::new();
    shape_diff(
        &expected,
        &json!({"a": 2.5, "b": [{"c": "y"}, {"c": "z"}], "d": {"e": false}}),
        "$",
        &mut d,
    );
    assert!(d.is_empty(), "{d:?}");
    for bad in [
        json!({"a": "1", "b": [], "d": {"e": true}}),
        json!({"a": 1, "b": [{"c": 1}], "d": {"e": true}}),
        json!({"a": 1, "b": [], "d": {}}),
        json!({"a": 1, "b": [], "d": {"e": true}, "extra": 0}),
    ] {
        let mut d = Vec::new();
        shape_diff(&expected, &bad, "$", &mut d);
        assert!(!d.is_empty(), "{bad}");
    }
}
