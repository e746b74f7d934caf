//! The golden fixtures themselves: valid JSON, listed in the folder's README, envelope rules of §2.2/§4, and the
//! push fixture signs to vector P2. (Each fixture is compared with a live answer in its endpoint's test.)
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use serde_json::Value;

use super::{fixture, hmac_hex};

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lazada")
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
        let v: Value = fixture(&name);
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name} is not listed in README.md"
        );
        if name != "push_order_status.json" {
            assert!(v["code"].is_string(), "{name}: code must be a string");
            assert!(v["request_id"].is_string(), "{name}: request_id");
            if v["code"] == "0" {
                assert!(v.get("type").is_none(), "{name}");
            } else {
                assert!(
                    v["type"].is_string() && v["message"].is_string() && v.get("data").is_none(),
                    "{name}"
                );
            }
        }
        count += 1;
    }
    assert_eq!(count, 13);
}

#[test]
fn token_answers_are_flat() {
    for name in ["token_create.json", "token_refresh.json"] {
        let v = fixture(name);
        assert!(v.get("data").is_none(), "{name}");
        assert!(
            v["access_token"].is_string() && v["expires_in"].is_number(),
            "{name}"
        );
    }
    assert!(fixture("token_create.json")["country_user_info"].is_array());
    assert!(fixture("token_refresh.json")["country_user_info_list"].is_array());
}

#[test]
fn the_push_fixture_is_vector_p2() {
    let raw = std::fs::read(dir().join("push_order_status.json")).unwrap();
    let mut msg = b"123456".to_vec();
    msg.extend_from_slice(&raw);
    assert_eq!(
        hmac_hex("helloworld", &msg),
        "b0cfd0349e915667babf3c35e2335fb09653527421c46a94bd9e70e874c16322"
    );
}
