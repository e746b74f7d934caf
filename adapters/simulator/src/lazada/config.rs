//! Simulator configuration. Every field has a default so `SimConfig::default()` (or an empty TOML/JSON document)
//! gives a working simulator with one demo seller; tests override only what they measure. Lifetimes are in
//! seconds so a test can make tokens expire in a second or two.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::state::SeedProduct;

/// Top-level configuration of the Lazada simulator.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    /// The App's `app_key` (system parameter, §3.2; also prefixes the push signature, §9.2).
    pub app_key: String,
    /// The App's secret: signs requests (§3.1) and pushes (§9.2). Never logged.
    pub app_secret: String,
    /// Sellers that authorised this App.
    pub sellers: Vec<SellerConfig>,
    /// Access-token lifetime (documented: 30 days for Online apps, 7 days for Test apps, §2.3).
    pub access_token_ttl_secs: u64,
    /// Refresh-token lifetime (documented: 180 days Online; 30 or 14 days Test, §2.3). Refreshing never extends it.
    pub refresh_token_ttl_secs: u64,
    /// Lifetime of an authorization code (documented: 30 minutes, single use, §2.1).
    pub auth_code_ttl_secs: u64,
    /// `false` models an App whose tokens cannot be refreshed: token answers carry `refresh_expires_in: 0` and
    /// `/auth/token/refresh` answers `AUTH_TYPE_UNSUPPORTED` (§2.3, §2.4).
    pub refresh_supported: bool,
    /// Whether a refresh hands out a new refresh-token string (same absolute expiry) and retires the old one.
    /// docs/src/channels/lazada.md only says "always store the newest refresh_token" (§2.3); rotating catches clients that do not.
    pub rotate_refresh_token: bool,
    /// Whether an access token keeps working until its own expiry after a refresh issued a successor (silent in
    /// docs/src/channels/lazada.md; `false` makes the old one invalid at once).
    pub keep_old_access_token_on_refresh: bool,
    /// Allowed distance between `timestamp` and the simulator's clock, either direction (documented: 7200 s, §3.2).
    pub timestamp_tolerance_secs: u64,
    /// Refuse parameters with an empty value. Whether Lazada signs them is UNCONFIRMED (§3.1: "never send empty
    /// parameters"), so a client that sends one is flagged.
    pub reject_empty_params: bool,
    /// Rate limits (§5), changeable at runtime.
    pub rate_limits: RateLimits,
    /// How errors map to HTTP status codes (UNCONFIRMED, §4).
    pub error_http_status: ErrorStatusMode,
    /// Seeded fault injection.
    pub faults: FaultConfig,
    /// Push (LPM webhook) settings.
    pub push: PushConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            app_key: "123456".to_owned(),
            app_secret: "helloworld".to_owned(),
            // The demo seller gets fixed tokens so a standalone simulator can be configured before it starts.
            sellers: vec![SellerConfig {
                access_token: "50000601c30atpedfgu3LVvik87Ixlsvle3mSoB7701ceb156fPunYZ43GBg"
                    .to_owned(),
                refresh_token: "50001600c30atpedfgu3LVvik87Ixlsvle3mSoB7702ceb156fPunYZ43GBh"
                    .to_owned(),
                ..SellerConfig::default()
            }],
            access_token_ttl_secs: 30 * 24 * 3600,
            refresh_token_ttl_secs: 180 * 24 * 3600,
            auth_code_ttl_secs: 30 * 60,
            refresh_supported: true,
            rotate_refresh_token: true,
            keep_old_access_token_on_refresh: true,
            timestamp_tolerance_secs: 7200,
            reject_empty_params: true,
            rate_limits: RateLimits::default(),
            error_http_status: ErrorStatusMode::default(),
            faults: FaultConfig::default(),
            push: PushConfig::default(),
        }
    }
}

/// Rate limits, each counted as at most N *admitted* calls in any sliding one-second window (§5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// Per seller, over the inventory APIs together (`/product/price_quantity/update`,
    /// `/product/stock/sellable/update`, `/product/stock/sellable/adjust`). Documented: 50 calls/s (§5, §7).
    pub inventory_per_seller_per_second: Option<u32>,
    /// Per seller over every seller-scoped API (not published by Lazada; off by default). A seller's own
    /// `rate_limit_per_second` overrides it.
    pub seller_per_second: Option<u32>,
    /// Per App and API path (e.g. `"/products/get": 10`): "API-level QPS" whose values are UNCONFIRMED (§5).
    pub api_per_second: BTreeMap<String, u32>,
    /// Calls the App may make per UTC day (documented: 10 000 for Test apps, 10 000 000 Online; off by default).
    pub daily_app_calls: Option<u64>,
    /// After a refusal the key stays banned this long ("this ban will last N seconds", §5). 0 = only the window.
    pub ban_secs: u64,
    /// Which documented signal answers a refused call.
    pub signal: RateLimitSignal,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            inventory_per_seller_per_second: Some(50),
            seller_per_second: None,
            api_per_second: BTreeMap::new(),
            daily_app_calls: None,
            ban_secs: 1,
            signal: RateLimitSignal::default(),
        }
    }
}

/// The two documented rate-limit answers (§5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitSignal {
    /// `ApiCallLimit` "Api access frequency exceeds the limit. this ban will last N seconds".
    #[default]
    ApiCallLimit,
    /// `901` "The request is too frequent…" (API-level QPS flow control).
    Code901,
}

/// One seller that authorised the App.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SellerConfig {
    pub seller_id: i64,
    pub user_id: i64,
    pub short_code: String,
    /// Seller Center login (`account` in token answers).
    pub account: String,
    /// Initial access token; empty = generated. Issued "now" with the configured lifetime.
    pub access_token: String,
    /// Initial refresh token; empty = generated.
    pub refresh_token: String,
    /// Overrides `RateLimits::seller_per_second` for this seller.
    pub rate_limit_per_second: Option<u32>,
    /// Listings the seller starts with.
    pub products: Vec<SeedProduct>,
}

impl Default for SellerConfig {
    fn default() -> Self {
        Self {
            seller_id: 200162025,
            user_id: 300162025,
            short_code: "VN1HTXLUA".to_owned(),
            account: "htx.lua.gao@example.vn".to_owned(),
            access_token: String::new(),
            refresh_token: String::new(),
            rate_limit_per_second: None,
            products: Vec::new(),
        }
    }
}

/// HTTP status of error answers. Lazada's is UNCONFIRMED and clients check the body `code` (§4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorStatusMode {
    /// Every envelope, error or not, is sent with HTTP 200, so a client that trusts the status is caught.
    #[default]
    AlwaysOk,
    /// Gateway errors get 400 (parameters), 403 (sign/token), 429 (rate limit); business errors stay 200.
    Mapped,
}

pub use crate::common::faults::FaultConfig;

/// Push mechanism (§9).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushConfig {
    /// The App's callback URL; `None` = no pushes are sent.
    pub callback_url: Option<String>,
    /// Send a message_type 0 push per order item whenever an order is created or an item changes status.
    pub auto_order_status: bool,
    /// An answer must be HTTP 200 within this time (documented: 500 ms, §9.3).
    pub timeout_ms: u64,
    /// Redeliveries after a failed attempt (documented: 12, §9.3). Each carries the item's *current* status.
    pub max_retries: u32,
    /// Wait between redeliveries (documented: 30 min, §9.3).
    pub retry_interval_ms: u64,
    /// The push `site` field (§9.4).
    pub site: String,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            callback_url: None,
            auto_order_status: true,
            timeout_ms: 500,
            max_retries: 12,
            retry_interval_ms: 30 * 60 * 1000,
            site: "lazada_vn".to_owned(),
        }
    }
}

/// Hand-written so the app secret never reaches a log line through `{:?}`.
impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("app_key", &self.app_key)
            .field("app_secret", &"<redacted>")
            .field("sellers", &self.sellers)
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("refresh_token_ttl_secs", &self.refresh_token_ttl_secs)
            .field("auth_code_ttl_secs", &self.auth_code_ttl_secs)
            .field("refresh_supported", &self.refresh_supported)
            .field("rotate_refresh_token", &self.rotate_refresh_token)
            .field(
                "keep_old_access_token_on_refresh",
                &self.keep_old_access_token_on_refresh,
            )
            .field("timestamp_tolerance_secs", &self.timestamp_tolerance_secs)
            .field("reject_empty_params", &self.reject_empty_params)
            .field("rate_limits", &self.rate_limits)
            .field("error_http_status", &self.error_http_status)
            .field("faults", &self.faults)
            .field("push", &self.push)
            .finish()
    }
}

/// Hand-written so tokens never reach a log line through `{:?}`.
impl fmt::Debug for SellerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SellerConfig")
            .field("seller_id", &self.seller_id)
            .field("user_id", &self.user_id)
            .field("short_code", &self.short_code)
            .field("account", &self.account)
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("products", &self.products.len())
            .finish()
    }
}
