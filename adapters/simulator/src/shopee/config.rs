//! Simulator configuration. Every field has a default so `SimConfig::default()` (or an empty TOML/JSON document)
//! gives a working simulator with one demo shop; tests override only what they measure.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::state::SeedItem;

/// Top-level configuration of the Shopee simulator.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    /// The App's partner id (query `partner_id`).
    pub partner_id: i64,
    /// The App's partner key: signs requests (§3) and pushes (§9.4). Never logged.
    pub partner_key: String,
    /// Shops authorised for this App.
    pub shops: Vec<ShopConfig>,
    /// Access-token lifetime in seconds (documented: 4 h, §2.4).
    pub access_token_ttl_secs: u64,
    /// Refresh-token lifetime in seconds (documented: 30 days, §2.4).
    pub refresh_token_ttl_secs: u64,
    /// How long an access token keeps working after a refresh issued its successor (documented: 5 minutes, §2.4).
    pub old_access_token_grace_secs: u64,
    /// Allowed distance between the request's `timestamp` and the simulator's clock (documented: 5 minutes, §3.4).
    pub timestamp_tolerance_secs: u64,
    /// Whether timestamps in the future (beyond the tolerance) are rejected too (UNCONFIRMED in §3.4; on by default).
    pub reject_future_timestamps: bool,
    /// Default per-shop rate limit in calls per second (sliding one-second window); `None` = unlimited.
    /// Shopee publishes no number (§5); a shop's own `rate_limit_per_second` overrides this.
    pub rate_limit_per_second: Option<u32>,
    /// How errors map to HTTP status codes (UNCONFIRMED in §4.3, so both forms are available).
    pub error_http_status: ErrorStatusMode,
    /// Seeded fault injection.
    pub faults: FaultConfig,
    /// Push (webhook) settings.
    pub push: PushConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            partner_id: 2001887,
            partner_key: "1391fd986fe8ec7569bebed75b0c33ee35eb5a305bed7038657a5cd5f75b1c88"
                .to_owned(),
            shops: vec![ShopConfig::default()],
            access_token_ttl_secs: 4 * 3600,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            old_access_token_grace_secs: 300,
            timestamp_tolerance_secs: 300,
            reject_future_timestamps: true,
            rate_limit_per_second: None,
            error_http_status: ErrorStatusMode::default(),
            faults: FaultConfig::default(),
            push: PushConfig::default(),
        }
    }
}

/// One authorised shop.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShopConfig {
    pub shop_id: i64,
    /// Initial access token (32 hex chars like Shopee's); issued "now" with the configured lifetime.
    pub access_token: String,
    /// Initial refresh token; single use.
    pub refresh_token: String,
    /// ISO alpha-2 region; VN shops may only set whole-number prices (§10).
    pub region: String,
    /// Currency of `price_info` and orders.
    pub currency: String,
    /// The `location_id` reported in `seller_stock` (shops without warehouses may omit it in requests).
    pub location_id: String,
    /// `get_item_limit.price_limit`: prices outside `[min, max]` fail per model (§7.2).
    pub price_limit: PriceLimit,
    /// Most expensive variation / cheapest variation (documented 5× for VN, §7.2); `None` disables the check.
    pub max_price_ratio: Option<f64>,
    /// Overrides `SimConfig::rate_limit_per_second` for this shop.
    pub rate_limit_per_second: Option<u32>,
    /// Listings the shop starts with.
    pub items: Vec<SeedItem>,
}

impl Default for ShopConfig {
    fn default() -> Self {
        Self {
            shop_id: 14701711,
            access_token: "59777174636562737266615546704c6d".to_owned(),
            refresh_token: "516c6b577753554375764a63704d7245".to_owned(),
            region: "VN".to_owned(),
            currency: "VND".to_owned(),
            location_id: "VNZ".to_owned(),
            price_limit: PriceLimit::default(),
            max_price_ratio: Some(5.0),
            rate_limit_per_second: None,
            items: Vec::new(),
        }
    }
}

/// `price_limit{min_limit, max_limit}` of `get_item_limit` (VN values are UNCONFIRMED; these are placeholders).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceLimit {
    pub min_limit: f64,
    pub max_limit: f64,
}

impl Default for PriceLimit {
    fn default() -> Self {
        Self {
            min_limit: 1000.0,
            max_limit: 120_000_000.0,
        }
    }
}

/// HTTP status of error answers. Shopee's is undocumented (§4.3), so clients must cope with both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorStatusMode {
    /// Gateway errors get 400 (param), 403 (sign/auth), 429 (rate limit); business errors stay 200.
    #[default]
    Mapped,
    /// Every Shopee error envelope is sent with HTTP 200.
    AlwaysOk,
}

pub use crate::common::faults::FaultConfig;

/// Push mechanism (§9).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushConfig {
    /// The App's callback URL; `None` = no pushes are sent.
    pub callback_url: Option<String>,
    /// Send an order-status push (code 3) whenever an order is created or changes status.
    pub auto_order_status: bool,
    /// Delivery timeout: a push not answered 2xx with an empty body in this time failed (3 s, §9.5).
    pub timeout_ms: u64,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            callback_url: None,
            auto_order_status: true,
            timeout_ms: 3000,
        }
    }
}

/// Hand-written so the partner key never reaches a log line through `{:?}`.
impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("partner_id", &self.partner_id)
            .field("partner_key", &"<redacted>")
            .field("shops", &self.shops)
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("refresh_token_ttl_secs", &self.refresh_token_ttl_secs)
            .field(
                "old_access_token_grace_secs",
                &self.old_access_token_grace_secs,
            )
            .field("timestamp_tolerance_secs", &self.timestamp_tolerance_secs)
            .field("reject_future_timestamps", &self.reject_future_timestamps)
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("error_http_status", &self.error_http_status)
            .field("faults", &self.faults)
            .field("push", &self.push)
            .finish()
    }
}

/// Hand-written so tokens never reach a log line through `{:?}`.
impl fmt::Debug for ShopConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShopConfig")
            .field("shop_id", &self.shop_id)
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("region", &self.region)
            .field("currency", &self.currency)
            .field("location_id", &self.location_id)
            .field("price_limit", &self.price_limit)
            .field("max_price_ratio", &self.max_price_ratio)
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("items", &self.items.len())
            .finish()
    }
}
