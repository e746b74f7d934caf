//! Test helpers: a tiny request signer written from docs/src/channels/shopee.md §3 (deliberately *not* the simulator's `sign`
//! module, so a bug there cannot hide in both), and a minimal signed HTTP client.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use kho_simulator::shopee::{SimConfig, SimHandle, Simulator};
use serde_json::Value;
use sha2::Sha256;

pub const SHOP: i64 = 14701711;

/// `hex(HMAC-SHA256(key as UTF-8, msg))`, lower case (§3.2).
pub fn hmac_hex(key: &str, msg: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(msg);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

pub async fn start(cfg: SimConfig) -> SimHandle {
    Simulator::start(cfg).await.expect("simulator starts")
}

/// A signed Shopee client for tests.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub partner_id: i64,
    pub key: String,
    pub http: reqwest::Client,
}

impl Client {
    pub fn new(sim: &SimHandle, cfg: &SimConfig) -> Self {
        Self {
            base: sim.base_url(),
            partner_id: cfg.partner_id,
            key: cfg.partner_key.clone(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .expect("client"),
        }
    }

    /// Query string of common parameters for a Shop API call at `ts`.
    pub fn shop_query(&self, path: &str, shop_id: i64, token: &str, ts: i64) -> String {
        let base = format!("{}{path}{ts}{token}{shop_id}", self.partner_id);
        let sign = hmac_hex(&self.key, base.as_bytes());
        format!(
            "partner_id={}&timestamp={ts}&access_token={token}&shop_id={shop_id}&sign={sign}",
            self.partner_id
        )
    }

    pub fn public_query(&self, path: &str, ts: i64) -> String {
        let base = format!("{}{path}{ts}", self.partner_id);
        let sign = hmac_hex(&self.key, base.as_bytes());
        format!("partner_id={}&timestamp={ts}&sign={sign}", self.partner_id)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = req.send().await.expect("answer");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json)
    }

    pub async fn get_raw(&self, path_and_query: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{path_and_query}", self.base)))
            .await
    }

    pub async fn shop_get(&self, path: &str, token: &str, extra: &str) -> (u16, Value) {
        let q = self.shop_query(path, SHOP, token, now());
        self.get_raw(&format!("{path}?{q}{extra}")).await
    }

    pub async fn shop_post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let q = self.shop_query(path, SHOP, token, now());
        self.send(
            self.http
                .post(format!("{}{path}?{q}", self.base))
                .json(body),
        )
        .await
    }

    pub async fn public_post(&self, path: &str, body: &Value) -> (u16, Value) {
        let q = self.public_query(path, now());
        self.send(
            self.http
                .post(format!("{}{path}?{q}", self.base))
                .json(body),
        )
        .await
    }
}

/// Same keys and JSON types, recursively. Numbers are one type (Shopee prices are floats with integer values);
/// each element of an actual array must match the shape of some element of the expected array.
pub fn shape_diff(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for k in e.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{path}.{k}: missing"));
            }
            for k in a.keys().filter(|k| !e.contains_key(*k)) {
                out.push(format!("{path}.{k}: unexpected"));
            }
            for (k, ev) in e {
                if let Some(av) = a.get(k) {
                    shape_diff(ev, av, &format!("{path}.{k}"), out);
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.is_empty() {
                return;
            }
            for (i, av) in a.iter().enumerate() {
                let best = e
                    .iter()
                    .map(|ev| {
                        let mut d = Vec::new();
                        shape_diff(ev, av, &format!("{path}[{i}]"), &mut d);
                        d
                    })
                    .min_by_key(Vec::len)
                    .unwrap_or_default();
                out.extend(best);
            }
        }
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => {}
        _ => out.push(format!("{path}: expected {expected}, got {actual}")),
    }
}

pub fn assert_shape(fixture: &str, actual: &Value) {
    let path = format!("{}/fixtures/shopee/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture");
    let expected: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let mut diffs = Vec::new();
    shape_diff(&expected, actual, "$", &mut diffs);
    assert!(
        diffs.is_empty(),
        "{fixture}: {diffs:#?}\nactual: {actual:#}"
    );
}

/// Asserts a Shopee error answer: exactly `{request_id, error, message}` with these strings.
pub fn assert_error(v: &Value, error: &str, message: &str) {
    assert_shape("error_envelope.json", v);
    assert_eq!(v["error"], error, "{v}");
    assert_eq!(v["message"], message, "{v}");
    let rid = v["request_id"].as_str().unwrap_or("");
    assert!(
        rid.len() == 32 && rid.chars().all(|c| c.is_ascii_hexdigit()),
        "request_id {rid}"
    );
}
