//! Simulator configuration. Every field has a default so `SimConfig::default()` (or an empty TOML/JSON document)
//! gives a working simulator with one authorised VN shop and one sales warehouse; tests override only what they
//! measure.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::state::{ProductStatus, SeedProduct};

/// Top-level configuration of the TikTok Shop simulator.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    /// The App's `app_key` (query parameter of every call, prefix of the webhook signature, §3.2, §9.3).
    pub app_key: String,
    /// The App's secret: signs requests (§3.1) and webhooks (§9.3). Never logged.
    pub app_secret: String,
    /// Authorised shops (one seller = one shop in this simulator).
    pub shops: Vec<ShopConfig>,
    /// Access-token lifetime in seconds (documented default: 7 days, §2). Can be set to a few seconds.
    pub access_token_ttl_secs: u64,
    /// Refresh-token lifetime in seconds (≈1 year inferred from one sample, §2 — unconfirmed).
    pub refresh_token_ttl_secs: u64,
    /// How long the previous access token keeps working after a refresh issued a new one. docs/src/channels/tiktok.md is silent;
    /// 0 (the default) revokes it at once, so a client that keeps using a stale token is caught.
    pub old_access_token_grace_secs: u64,
    /// Whether a refresh token stays usable after it was rotated by a refresh. Undocumented (§2); off by default
    /// (strict: single use).
    pub old_refresh_token_stays_valid: bool,
    /// Whether `token/refresh` also accepts `grant_type=authorized_code` (what the official Node SDK sends, §2;
    /// unconfirmed that the server allows it). Off by default: only `refresh_token` is accepted.
    pub refresh_accepts_authorized_code_grant: bool,
    /// How far in the past a `timestamp` may be (documented: 5 minutes, §3.3).
    pub timestamp_max_age_secs: u64,
    /// How far in the future a `timestamp` may be (documented: 30 seconds, §3.3).
    pub timestamp_max_future_secs: u64,
    /// Default per-shop rate limit: at most N calls in any sliding second; `None` = unlimited. TikTok publishes no
    /// number (§5); a shop's own `rate_limit_per_second` overrides this.
    pub rate_limit_per_second: Option<u32>,
    /// How error codes map to HTTP statuses (only 106001 → 401 is observed, §4.1).
    pub error_http_status: ErrorStatusMode,
    /// Status a product created through the API starts in (documented: products go to audit, §6.1).
    pub created_product_status: ProductStatus,
    /// Seeded fault injection.
    pub faults: FaultConfig,
    /// Webhook delivery.
    pub webhooks: WebhookConfig,
    /// The redirect URL registered for the App in Partner Center (§2): where the authorisation page sends
    /// the seller with `code` and `state`. `None`: the page refuses, as TikTok does for an App without one.
    pub redirect_url: Option<String>,
    /// The App's service id in Partner Center (§2): names the App on the current consent page,
    /// `/open/authorize?service_id=…`. Empty: the App has none, and that page refuses every link.
    pub service_id: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            app_key: "68xu9ks5p4i8".to_owned(),
            app_secret: "e59af819cc".to_owned(),
            shops: vec![ShopConfig::default()],
            access_token_ttl_secs: 7 * 24 * 3600,
            refresh_token_ttl_secs: 365 * 24 * 3600,
            old_access_token_grace_secs: 0,
            old_refresh_token_stays_valid: false,
            refresh_accepts_authorized_code_grant: false,
            timestamp_max_age_secs: 300,
            timestamp_max_future_secs: 30,
            rate_limit_per_second: None,
            error_http_status: ErrorStatusMode::default(),
            created_product_status: ProductStatus::Pending,
            faults: FaultConfig::default(),
            webhooks: WebhookConfig::default(),
            redirect_url: None,
            service_id: "7310000000000000001".to_owned(),
        }
    }
}

/// One authorised shop and its seller.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShopConfig {
    /// Shop id (a 64-bit number kept as a string, §4).
    pub shop_id: String,
    /// `shop_cipher` the App must send on shop endpoints (§2, §3.2).
    pub cipher: String,
    /// Shop `code` in `authorization/202309/shops`.
    pub code: String,
    pub name: String,
    pub region: String,
    /// `LOCAL` or `CROSS_BORDER`.
    pub seller_type: String,
    pub currency: String,
    /// Seller's `open_id` in token answers.
    pub open_id: String,
    pub seller_name: String,
    /// Initial access token; empty = generated.
    pub access_token: String,
    /// Initial refresh token; empty = generated.
    pub refresh_token: String,
    /// The shop's warehouses; the first `SALES_WAREHOUSE` is the default one.
    pub warehouses: Vec<WarehouseConfig>,
    /// Overrides `SimConfig::rate_limit_per_second` for this shop.
    pub rate_limit_per_second: Option<u32>,
    /// Listings the shop starts with.
    pub products: Vec<SeedProduct>,
}

impl Default for ShopConfig {
    fn default() -> Self {
        Self {
            shop_id: "7495274531001436791".to_owned(),
            cipher: "ROW_aiVo7gAAAAB2vvlFyfTxbVr4ZFHoDbhK".to_owned(),
            code: "VNLCTNWY6A".to_owned(),
            name: "Fujiwa Vietnam Store".to_owned(),
            region: "VN".to_owned(),
            seller_type: "LOCAL".to_owned(),
            currency: "VND".to_owned(),
            open_id: "bdv1NQAAAAB5Q5IVzkmy4XMN9q9JKrNR".to_owned(),
            seller_name: "Fujiwa Vietnam".to_owned(),
            access_token: String::new(),
            refresh_token: String::new(),
            warehouses: vec![WarehouseConfig::default()],
            rate_limit_per_second: None,
            products: Vec::new(),
        }
    }
}

/// A warehouse of a shop (§6.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WarehouseConfig {
    pub id: String,
    pub name: String,
    /// `SALES_WAREHOUSE` or `RETURN_WAREHOUSE`.
    pub r#type: String,
    pub is_default: bool,
}

impl Default for WarehouseConfig {
    fn default() -> Self {
        Self {
            id: "7068517275539719942".to_owned(),
            name: "Kho Đà Lạt".to_owned(),
            r#type: "SALES_WAREHOUSE".to_owned(),
            is_default: true,
        }
    }
}

/// HTTP status of error answers. Only 106001 → 401 is observed (§4.1); the rest is the simulator's mapping.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorStatusMode {
    /// 106001/105002 → 401, 105005 → 403, parameter errors → 400, unknown path → 404, wrong method → 405,
    /// 36009002 → 429, injected 36009003 → 500; business errors and token-endpoint errors stay 200.
    #[default]
    Mapped,
    /// Every error envelope is sent with HTTP 200 (clients must read `code`, trap 8).
    AlwaysOk,
}

/// Seeded fault injection. Decisions come from one RNG seeded with `seed`, drawn in request order, so a sequential
/// test sees the same faults on every run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    pub seed: u64,
    /// Probability of answering with a 5xx before doing anything.
    pub server_error: f64,
    /// Statuses picked (uniformly) for an injected 5xx: 500 carries the envelope with 36009003 (internal error),
    /// 504 with 36009007 (request timeout); others a plain-text gateway body.
    pub server_error_statuses: Vec<u16>,
    /// Probability of answering slowly (the call is still applied).
    pub slow: f64,
    /// Delay of a slow answer, in milliseconds.
    pub slow_delay_ms: u64,
    /// Probability of closing the socket without an answer, before applying the call.
    pub drop_connection: f64,
    /// Probability of applying the call and then closing the socket without an answer (a lost response).
    pub drop_after_apply: f64,
    /// Probability that a webhook is silently not sent.
    pub webhook_drop: f64,
    /// Probability that a webhook is sent twice (same `tts_notification_id`).
    pub webhook_duplicate: f64,
    /// Paths no fault touches (matched at the end of the request path), e.g. the token endpoint: a lost
    /// answer to a refresh that rotated the single-use refresh token costs the shop its authorisation, which no
    /// client can prevent.
    pub spared_paths: Vec<String>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            server_error: 0.0,
            server_error_statuses: vec![500, 502, 503, 504],
            slow: 0.0,
            slow_delay_ms: 2000,
            drop_connection: 0.0,
            drop_after_apply: 0.0,
            webhook_drop: 0.0,
            webhook_duplicate: 0.0,
            spared_paths: Vec::new(),
        }
    }
}

/// Webhook delivery (§9).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where webhooks go when no address is registered for the event type with `PUT /event/202309/webhooks`;
    /// `None` = such webhooks are recorded as undeliverable.
    pub callback_url: Option<String>,
    /// Send webhooks automatically when orders, cancellations, returns or product statuses change.
    pub auto: bool,
    /// Delivery timeout in milliseconds ("respond 2xx quickly", §9.1).
    pub timeout_ms: u64,
    /// Send `product_id` of PRODUCT_STATUS_CHANGE as a bare JSON number, like the published sample (§9.2, trap 10).
    pub product_id_as_number: bool,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            callback_url: None,
            auto: true,
            timeout_ms: 3000,
            product_id_as_number: true,
        }
    }
}

/// Hand-written so the app secret never reaches a log line through `{:?}`.
impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("app_key", &self.app_key)
            .field("app_secret", &"<redacted>")
            .field("shops", &self.shops)
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("refresh_token_ttl_secs", &self.refresh_token_ttl_secs)
            .field(
                "old_access_token_grace_secs",
                &self.old_access_token_grace_secs,
            )
            .field(
                "old_refresh_token_stays_valid",
                &self.old_refresh_token_stays_valid,
            )
            .field(
                "refresh_accepts_authorized_code_grant",
                &self.refresh_accepts_authorized_code_grant,
            )
            .field("timestamp_max_age_secs", &self.timestamp_max_age_secs)
            .field("timestamp_max_future_secs", &self.timestamp_max_future_secs)
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("error_http_status", &self.error_http_status)
            .field("created_product_status", &self.created_product_status)
            .field("faults", &self.faults)
            .field("webhooks", &self.webhooks)
            .field("redirect_url", &self.redirect_url)
            .field("service_id", &self.service_id)
            .finish()
    }
}

/// Hand-written so tokens never reach a log line through `{:?}`.
impl fmt::Debug for ShopConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShopConfig")
            .field("shop_id", &self.shop_id)
            .field("cipher", &self.cipher)
            .field("code", &self.code)
            .field("name", &self.name)
            .field("region", &self.region)
            .field("seller_type", &self.seller_type)
            .field("currency", &self.currency)
            .field("open_id", &self.open_id)
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("warehouses", &self.warehouses)
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("products", &self.products.len())
            .finish()
    }
}

crate::common::faults::fault_settings!(FaultConfig, webhook_drop, webhook_duplicate);
