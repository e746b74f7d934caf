//! Tests of the Lazada simulator, over HTTP against a running instance. They live inside the module (rather than
//! in the crate's `tests/` folder) so the Lazada work stays within `src/lazada`. The request signer here is
//! written again from docs/src/channels/lazada.md §3 and deliberately does not use [`super::sign`], so a bug there cannot hide in
//! both.

mod control_http;
mod faults;
mod fixtures;
mod gate;
mod orders;
mod products;
mod push;
mod rate_limit;
mod signing;
mod stock;
mod tokens;

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::{SeedProduct, SeedSku, SimConfig, SimHandle, Simulator};

pub const SELLER: i64 = 200162025;

/// Test-only signer (§3.1): BTreeMap orders `String` keys by bytes; `sign` is left out; UPPER-case hex.
pub fn test_sign(secret: &str, path: &str, params: &[(String, String)]) -> String {
    let sorted: BTreeMap<&str, &str> = params
        .iter()
        .filter(|(k, _)| k != "sign")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut base = path.to_owned();
    for (k, v) in sorted {
        base.push_str(k);
        base.push_str(v);
    }
    hmac_hex(secret, base.as_bytes()).to_uppercase()
}

/// Lower-case hex HMAC-SHA256 (the push signature's case, §9.2).
pub fn hmac_hex(key: &str, msg: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(msg);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

pub fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A config with a small catalogue: product A (SKU `ST25-5KG`, 100 units) and B (`CAFE-500G`, 10 units).
pub fn config() -> SimConfig {
    let mut cfg = SimConfig::default();
    if let Some(seller) = cfg.sellers.first_mut() {
        seller.products = vec![
            SeedProduct {
                name: "Gạo ST25 túi 5kg".into(),
                skus: vec![SeedSku {
                    seller_sku: "ST25-5KG".into(),
                    price: 180_000.0,
                    quantity: 100,
                    ..Default::default()
                }],
                ..Default::default()
            },
            SeedProduct {
                name: "Cà phê rang 500g".into(),
                skus: vec![SeedSku {
                    seller_sku: "CAFE-500G".into(),
                    price: 120_000.0,
                    quantity: 10,
                    ..Default::default()
                }],
                ..Default::default()
            },
        ];
    }
    cfg
}

pub async fn start(cfg: SimConfig) -> SimHandle {
    Simulator::start(cfg).await.expect("simulator starts")
}

/// A minimal signed Lazada client for tests.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub control: String,
    pub app_key: String,
    pub secret: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Client {
    pub fn new(sim: &SimHandle, cfg: &SimConfig) -> Self {
        Self {
            base: sim.base_url(),
            control: sim.control_url(),
            app_key: cfg.app_key.clone(),
            secret: cfg.app_secret.clone(),
            token: sim.tokens(SELLER).expect("seller").access_token,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .expect("client"),
        }
    }

    /// System parameters (with `access_token` when `token` is given) + `extra`, signed.
    pub fn signed(
        &self,
        path: &str,
        token: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let ts = now_ms().to_string();
        let mut p = kv(&[
            ("app_key", &self.app_key),
            ("timestamp", &ts),
            ("sign_method", "sha256"),
        ]);
        if let Some(t) = token {
            p.push(("access_token".into(), t.to_owned()));
        }
        p.extend(kv(extra));
        let sign = test_sign(&self.secret, path, &p);
        p.push(("sign".into(), sign));
        p
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = req.send().await.expect("answer");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json)
    }

    /// GET with every parameter in the query string.
    pub async fn get_params(&self, path: &str, params: &[(String, String)]) -> (u16, Value) {
        self.send(
            self.http
                .get(with_query(&format!("{}{path}", self.base), params)),
        )
        .await
    }

    /// POST with every parameter in a urlencoded body.
    pub async fn post_params(&self, path: &str, params: &[(String, String)]) -> (u16, Value) {
        self.send(form(self.http.post(format!("{}{path}", self.base)), params))
            .await
    }

    /// A signed seller GET.
    pub async fn get(&self, path: &str, extra: &[(&str, &str)]) -> (u16, Value) {
        let p = self.signed(path, Some(&self.token), extra);
        self.get_params(path, &p).await
    }

    /// A signed seller POST (urlencoded body).
    pub async fn post(&self, path: &str, extra: &[(&str, &str)]) -> (u16, Value) {
        let p = self.signed(path, Some(&self.token), extra);
        self.post_params(path, &p).await
    }

    pub async fn ctl_get(&self, route: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}/_sim{route}", self.control)))
            .await
    }

    pub async fn ctl(&self, method: reqwest::Method, route: &str, body: &Value) -> (u16, Value) {
        self.send(
            self.http
                .request(method, format!("{}/_sim{route}", self.control))
                .json(body),
        )
        .await
    }
}

/// `k=v&…`, form-urlencoded (reqwest's `query`/`form` need features this crate does not enable).
pub fn encode(params: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

pub fn with_query(url: &str, params: &[(String, String)]) -> String {
    format!("{url}?{}", encode(params))
}

pub fn form(req: reqwest::RequestBuilder, params: &[(String, String)]) -> reqwest::RequestBuilder {
    req.header("Content-Type", "application/x-www-form-urlencoded")
        .body(encode(params))
}

/// Same keys and JSON types, recursively; each element of an actual array must match some expected element.
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

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/lazada/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture"))
        .expect("fixture is JSON")
}

pub fn assert_shape(name: &str, actual: &Value) {
    let mut diffs = Vec::new();
    shape_diff(&fixture(name), actual, "$", &mut diffs);
    assert!(diffs.is_empty(), "{name}: {diffs:#?}\nactual: {actual:#}");
}

/// Asserts a Lazada error answer with this `code`: `{type, code, message, request_id}` (+ `detail` if any).
pub fn assert_error(v: &Value, code: &str) {
    assert_eq!(v["code"], code, "{v}");
    for k in ["type", "message", "request_id"] {
        assert!(v[k].is_string(), "{k} in {v}");
    }
    assert!(v.get("data").is_none(), "{v}");
    assert_eq!(v["request_id"].as_str().map(str::len), Some(25), "{v}");
}

/// Asserts `code:"0"` (a string).
pub fn assert_ok(v: &Value) {
    assert_eq!(v["code"], Value::String("0".into()), "{v}");
}

/// `<Request><Product><Skus>…</Skus></Product></Request>` with one `<Sku>` per entry of `skus` (inner XML).
pub fn sku_payload(skus: &[String]) -> String {
    let inner: String = skus.iter().map(|s| format!("<Sku>{s}</Sku>")).collect();
    format!("<Request><Product><Skus>{inner}</Skus></Product></Request>")
}
