//! The golden fixtures themselves: valid JSON, listed in their README, envelopes and webhook envelopes as §4 and
//! §9.2 describe, the three-identical-line-items order, and a shape comparison that really detects drift. (Each
//! fixture is compared with a live answer in the endpoint's own test.)
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use serde_json::{Value, json};

use super::shape_diff;

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tiktok")
}

#[test]
fn every_fixture_parses_is_documented_and_has_the_right_envelope() {
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
            "{name} not in README"
        );
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        if name.starts_with("webhook_") {
            for k in ["type", "shop_id", "timestamp", "data"] {
                assert!(keys.contains(&k), "{name}: {k}");
            }
            assert!(v["shop_id"].is_string());
        } else if name.starts_with("error_") {
            let mut k = keys.clone();
            k.sort_unstable();
            assert_eq!(k, ["code", "message", "request_id"], "{name}");
            assert_ne!(v["code"], 0);
        } else {
            assert_eq!(v["code"], 0, "{name}");
            assert!(v["data"].is_object(), "{name}");
            assert!(
                v["request_id"].is_string() && v["message"].is_string(),
                "{name}"
            );
        }
        count += 1;
    }
    assert!(count >= 30, "{count}");
}

#[test]
fn order_fixture_has_one_line_item_per_unit() {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("order_detail.json")).unwrap())
            .unwrap();
    let o = &v["data"]["orders"][0];
    let items = o["line_items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|l| l["sku_id"] == "1729700293904534135" && l["sale_price"] == "168000")
    );
    assert!(items.iter().all(|l| l.get("quantity").is_none()));
    assert_eq!(o["payment"]["original_total_product_price"], "504000");
}

#[test]
fn shape_comparison_detects_drift() {
    let expected = json!({"a": "1", "b": [{"c": 1}], "d": {"e": true}});
    let mut d = Vec::new();
    shape_diff(
        &expected,
        &json!({"a": "2", "b": [{"c": 2}, {"c": 3}], "d": {"e": false}}),
        "$",
        &mut d,
    );
    assert!(d.is_empty(), "{d:?}");
    for bad in [
        json!({"a": 1, "b": [], "d": {"e": true}}),
        json!({"a": "1", "b": [{"c": "1"}], "d": {"e": true}}),
        json!({"a": "1", "b": [], "d": {}}),
        json!({"a": "1", "b": [], "d": {"e": true}, "quantity": 3}),
    ] {
        let mut d = Vec::new();
        shape_diff(&expected, &bad, "$", &mut d);
        assert!(!d.is_empty(), "{bad}");
    }
}
