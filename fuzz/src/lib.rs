//! Shared pieces of kho's fuzz targets: how a target's bytes are split into
//! the parts of a request or response, and adapters built with fixed test
//! credentials so webhook signatures can be computed inside a target.
//!
//! Input framing is deliberately simple (a selector byte, an optional header
//! line, then the body) so the committed seeds stay readable and a crash
//! input can be turned into a regression test by hand.

use std::sync::Arc;

use http::StatusCode;
use http::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use kho_channel::kit::Setup;
use kho_channel::{
    Channel, MemoryTokenStore, RawResponse, Transport, TransportConfig, WebhookEvent,
    WebhookRequest,
};

/// Test credentials for the adapters the targets build. Not real keys.
pub const SHOPEE_PARTNER_KEY: &str = "fuzz-shopee-partner-key";
pub const SHOPEE_CALLBACK_URL: &str = "https://kho.example/webhooks/shopee";
pub const TIKTOK_APP_KEY: &str = "fuzzappkey";
pub const TIKTOK_APP_SECRET: &str = "fuzz-tiktok-app-secret";
pub const LAZADA_APP_KEY: &str = "100200";
pub const LAZADA_APP_SECRET: &str = "fuzz-lazada-app-secret";

/// A cursor over the fuzzer's bytes.
pub struct Input<'a> {
    rest: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    /// The next byte, or 0 when the input is exhausted.
    pub fn byte(&mut self) -> u8 {
        match self.rest.split_first() {
            Some((b, rest)) => {
                self.rest = rest;
                *b
            }
            None => 0,
        }
    }

    /// Bytes up to (not including) the next `\n`, or everything left.
    pub fn line(&mut self) -> &'a [u8] {
        match self.rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let (line, rest) = self.rest.split_at(i);
                self.rest = &rest[1..];
                line
            }
            None => std::mem::take(&mut self.rest),
        }
    }

    pub fn rest(self) -> &'a [u8] {
        self.rest
    }
}

fn transport() -> Arc<Transport> {
    Transport::new(TransportConfig::default()).expect("the default transport builds")
}

/// A Shopee shop with known keys, built as the daemon builds it (from its account config).
pub fn shopee_channel() -> kho_shopee::ShopeeChannel {
    let config: kho_shopee::ShopeeAccountConfig = serde_json::from_value(serde_json::json!({
        "name": "fuzz-shopee",
        "base_url": "http://127.0.0.1:9",
        "partner_id": 2001887,
        "partner_key": SHOPEE_PARTNER_KEY,
        "shop_id": 14701711,
    }))
    .expect("fixed Shopee config");
    kho_shopee::ShopeeChannel::new(config, Setup::new(&transport(), Arc::new(MemoryTokenStore::new())))
        .expect("Shopee channel")
}

pub fn tiktok_channel() -> kho_tiktok::TikTokChannel {
    let config: kho_tiktok::TikTokAccountConfig = serde_json::from_value(serde_json::json!({
        "name": "fuzz-tiktok",
        "base_url": "http://127.0.0.1:9",
        "auth_url": "http://127.0.0.1:9",
        "app_key": TIKTOK_APP_KEY,
        "app_secret": TIKTOK_APP_SECRET,
        "shop_id": "7494049642642441621",
    }))
    .expect("fixed TikTok config");
    kho_tiktok::TikTokChannel::new(config, Setup::new(&transport(), Arc::new(MemoryTokenStore::new())))
        .expect("TikTok channel")
}

pub fn lazada_channel() -> kho_lazada::LazadaChannel {
    let config: kho_lazada::LazadaAccountConfig = serde_json::from_value(serde_json::json!({
        "name": "fuzz-lazada",
        "base_url": "http://127.0.0.1:9",
        "auth_url": "http://127.0.0.1:9",
        "app_key": LAZADA_APP_KEY,
        "app_secret": LAZADA_APP_SECRET,
        "seller_id": "100010001",
    }))
    .expect("fixed Lazada config");
    kho_lazada::LazadaChannel::new(config, Setup::new(&transport(), Arc::new(MemoryTokenStore::new())))
        .expect("Lazada channel")
}

/// One webhook delivery through a channel, the way the daemon's intake handles it: verify over the raw
/// bytes, parse only what verified, read the delivery id.
///
/// Framing: the first byte's low bit asks the target to sign the body correctly (bit 1 sends the
/// signature in upper-case hex); otherwise the next line is sent as the `Authorization` header as is.
/// A correctly signed body that fails verification is a bug, and so is an error that shows the key.
pub fn drive_webhook(
    channel: &dyn Channel,
    url: &str,
    secret: &str,
    data: &[u8],
    sign: impl Fn(&[u8]) -> String,
) {
    let mut input = Input::new(data);
    let mode = input.byte();
    let signed = mode & 1 == 1;
    let (authorization, body) = if signed {
        let body = input.rest();
        let mut signature = sign(body);
        if mode & 2 == 2 {
            signature = signature.to_ascii_uppercase();
        }
        (Some(signature.into_bytes()), body)
    } else {
        let header = input.line().to_vec();
        (Some(header), input.rest())
    };
    let mut headers = HeaderMap::new();
    if let Some(value) = authorization.and_then(|a| HeaderValue::from_bytes(&a).ok()) {
        headers.insert(AUTHORIZATION, value);
    }
    let request = WebhookRequest {
        url,
        headers: &headers,
        body,
    };
    let verified = channel.verify_webhook(&request);
    if let Err(e) = &verified {
        assert!(!signed, "a correctly signed delivery was refused: {e}");
        assert!(
            !leaks(&e.to_string(), body, secret),
            "a webhook error shows the key"
        );
        return;
    }
    match channel.parse_webhook(body) {
        Ok(events) => {
            for event in &events {
                let json = serde_json::to_string(event).expect("events serialise");
                let back: WebhookEvent = serde_json::from_str(&json).expect("events read back");
                assert_eq!(&back, event, "an event changes through JSON");
            }
        }
        Err(e) => {
            assert!(
                !leaks(&e.to_string(), body, secret),
                "a parse error shows the key"
            );
        }
    }
    let _ = channel.webhook_notification_id(body);
    let _ = String::from_utf8_lossy(body);
}

/// Whether `text` shows the key. A body that itself contains the key may be quoted back: that shows
/// the sender nothing it did not send.
fn leaks(text: &str, body: &[u8], secret: &str) -> bool {
    text.contains(secret) && !body.windows(secret.len()).any(|w| w == secret.as_bytes())
}

/// The HTTP statuses marketplaces answer with, chosen by one byte.
const STATUSES: [u16; 12] = [200, 200, 200, 201, 400, 401, 403, 404, 429, 500, 502, 503];

/// A response as the transport hands it to an adapter. Framing: a status byte, a header-flags byte (bit 0:
/// the next line is `Retry-After`, bit 1: the next line is a `content-type`), then the body.
pub fn raw_response(mut input: Input<'_>) -> RawResponse {
    let status = StatusCode::from_u16(STATUSES[usize::from(input.byte()) % STATUSES.len()])
        .unwrap_or(StatusCode::OK);
    let flags = input.byte();
    let mut headers = HeaderMap::new();
    if flags & 1 == 1
        && let Ok(v) = HeaderValue::from_bytes(input.line())
    {
        headers.insert(RETRY_AFTER, v);
    }
    if flags & 2 == 2
        && let Ok(v) = HeaderValue::from_bytes(input.line())
    {
        headers.insert(http::header::CONTENT_TYPE, v);
    }
    RawResponse {
        status,
        headers,
        body: input.rest().to_vec(),
    }
}

/// An error class's text must be printable (logs, `kho status`) without panicking.
pub fn show<E: std::fmt::Display + std::fmt::Debug>(e: &E) {
    let _ = e.to_string();
    let _ = format!("{e:?}");
}
