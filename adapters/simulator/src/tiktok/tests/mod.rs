//! Tests of the TikTok simulator, through its public API and over real HTTP. The helpers here include a
//! request/webhook signer written from docs/src/channels/tiktok.md §3.1/§9.3 independently of [`super::sign`] (different code
//! path: a `BTreeMap`, string formatting and manual hex), so a bug in the simulator's signer cannot hide in both.
//! They live inside the crate (not `tests/`) only so this module's files stay within `src/tiktok/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod config;
mod control_http;
mod faults;
mod fixtures;
mod gate;
mod media;
mod orders;
mod products;
mod rate_limit;
mod signing;
mod tokens;
mod webhooks;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::{SimConfig, SimHandle, Simulator};

pub const SHOP: &str = "7495274531001436791";
pub const CIPHER: &str = "ROW_aiVo7gAAAAB2vvlFyfTxbVr4ZFHoDbhK";
pub const WAREHOUSE: &str = "7068517275539719942";

/// `hex(HMAC-SHA256(key, msg))`, lower case, formatted by hand.
pub fn hmac_hex(key: &str, msg: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(msg);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The test-only request signer (§3.1): secret + path + sorted `{k}{v}` (no `sign`, `access_token`) + body + secret.
pub fn test_sign(secret: &str, path: &str, query: &[(&str, &str)], body: &[u8]) -> String {
    let sorted: BTreeMap<&str, &str> = query
        .iter()
        .filter(|(k, _)| *k != "sign" && *k != "access_token")
        .copied()
        .collect();
    let mut s = format!("{secret}{path}");
    for (k, v) in sorted {
        s.push_str(k);
        s.push_str(v);
    }
    let mut msg = s.into_bytes();
    msg.extend_from_slice(body);
    msg.extend_from_slice(secret.as_bytes());
    hmac_hex(secret, &msg)
}

/// The test-only webhook signer (§9.3): HMAC(app_secret, app_key + body).
pub fn test_webhook_sign(app_key: &str, secret: &str, body: &[u8]) -> String {
    let mut msg = app_key.as_bytes().to_vec();
    msg.extend_from_slice(body);
    hmac_hex(secret, &msg)
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

/// How to build one request.
pub struct Req {
    pub method: reqwest::Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub content_type: Option<String>,
    pub token: Option<String>,
    pub cipher: bool,
    pub timestamp: Option<i64>,
    /// Replace the computed sign with this one.
    pub sign: Option<String>,
    /// Sign over these body bytes instead of the sent ones.
    pub signed_body: Option<Vec<u8>>,
    pub multipart: Option<reqwest::multipart::Form>,
}

impl Req {
    pub fn new(method: reqwest::Method, path: &str) -> Self {
        Self {
            method,
            path: path.to_owned(),
            query: Vec::new(),
            body: None,
            content_type: None,
            token: None,
            cipher: true,
            timestamp: None,
            sign: None,
            signed_body: None,
            multipart: None,
        }
    }

    pub fn get(path: &str) -> Self {
        Self::new(reqwest::Method::GET, path)
    }

    pub fn post(path: &str, body: &Value) -> Self {
        Self::new(reqwest::Method::POST, path).json(body)
    }

    /// Serialises once; the same bytes are signed and sent (trap 2).
    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some(serde_json::to_vec(body).expect("json"));
        self.content_type = Some("application/json".into());
        self
    }

    pub fn q(mut self, k: &str, v: &str) -> Self {
        self.query.push((k.into(), v.into()));
        self
    }

    pub fn no_cipher(mut self) -> Self {
        self.cipher = false;
        self
    }
}

/// A signed TikTok client for tests.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub app_key: String,
    pub secret: String,
    pub cipher: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Client {
    pub fn new(sim: &SimHandle, cfg: &SimConfig) -> Self {
        Self {
            base: sim.base_url(),
            app_key: cfg.app_key.clone(),
            secret: cfg.app_secret.clone(),
            cipher: CIPHER.to_owned(),
            token: sim.tokens(SHOP).expect("tokens").access_token,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
        }
    }

    pub fn url(&self, r: &Req) -> String {
        let ts = r.timestamp.unwrap_or_else(now).to_string();
        let mut q: Vec<(String, String)> = vec![
            ("app_key".into(), self.app_key.clone()),
            ("timestamp".into(), ts),
        ];
        if r.cipher {
            q.push(("shop_cipher".into(), self.cipher.clone()));
        }
        q.extend(r.query.iter().cloned());
        let pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let signed_body = r
            .signed_body
            .clone()
            .or_else(|| r.body.clone())
            .unwrap_or_default();
        let sign = r
            .sign
            .clone()
            .unwrap_or_else(|| test_sign(&self.secret, &r.path, &pairs, &signed_body));
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &q {
            ser.append_pair(k, v);
        }
        ser.append_pair("sign", &sign);
        format!("{}{}?{}", self.base, r.path, ser.finish())
    }

    pub async fn send(&self, r: Req) -> (u16, Value) {
        let url = self.url(&r);
        let mut b = self.http.request(r.method.clone(), url);
        let token = r.token.clone().unwrap_or_else(|| self.token.clone());
        if !token.is_empty() {
            b = b.header("x-tts-access-token", token);
        }
        if let Some(ct) = &r.content_type {
            b = b.header("content-type", ct);
        }
        if let Some(form) = r.multipart {
            b = b.multipart(form);
        } else if let Some(body) = r.body {
            b = b.body(body);
        }
        let resp = b.send().await.expect("answer");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Sends and asserts `code == 0`, returning `data`.
    pub async fn ok(&self, r: Req) -> Value {
        let (status, v) = self.send(r).await;
        assert_eq!((status, &v["code"]), (200, &Value::from(0)), "{v}");
        v["data"].clone()
    }

    pub async fn auth_get(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in query {
            ser.append_pair(k, v);
        }
        let resp = self
            .http
            .get(format!("{}{path}?{}", self.base, ser.finish()))
            .send()
            .await
            .expect("answer");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("json"))
    }
}

/// Same keys and JSON types, recursively; each element of an actual array must match the shape of some element of
/// the expected array.
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
    let path = format!("{}/fixtures/tiktok/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

pub fn assert_shape(name: &str, actual: &Value) {
    let expected = fixture(name);
    let mut diffs = Vec::new();
    shape_diff(&expected, actual, "$", &mut diffs);
    assert!(diffs.is_empty(), "{name}: {diffs:#?}\nactual: {actual:#}");
}

/// Asserts an error answer: the envelope of `fixture`, this code, a message containing `fragment`, and a
/// request id in TikTok's look.
pub fn assert_error(v: &Value, fixture_name: &str, code: i64, fragment: &str) {
    assert_shape(fixture_name, v);
    assert_eq!(v["code"], code, "{v}");
    let msg = v["message"].as_str().unwrap_or("");
    assert!(msg.contains(fragment), "{msg:?} lacks {fragment:?}");
    let rid = v["request_id"].as_str().unwrap_or("");
    assert!(
        rid.len() == 34 && rid.chars().all(|c| c.is_ascii_hexdigit()),
        "request_id {rid}"
    );
}

/// A valid PNG header of `w`×`h` (enough for the simulator's dimension check).
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    v
}
