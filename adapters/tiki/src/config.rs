//! One Tiki seller account as the adapter needs it. Tiki publishes no rate limit, no batch cap for
//! `updateSkus` and no token lifetimes (docs/src/channels/tiki-woocommerce.md §A5, §A7, §A2), so the defaults here are conservative
//! choices, each overridable.

use std::collections::BTreeMap;

use kho_channel::RateLimit;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

/// Entries per `updateSkus` call unless configured: Tiki names no cap, and 50 keeps one refused call cheap.
pub const DEFAULT_BATCH_SIZE: usize = 50;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TikiAccountConfig {
    /// kho's account name (logs, metrics, errors, token store key).
    pub name: String,
    /// Serves `/integration/…`: `https://api.tiki.vn` in production.
    pub base_url: Url,
    /// Serves `/sc/oauth2/…`; the same host as the API in production.
    pub auth_url: Url,
    pub client_id: String,
    pub client_secret: SecretString,
    #[serde(default = "kho_channel::kit::config::default_rate_limit")]
    pub rate_limit: RateLimit,
    /// The seller warehouse stock is written to; the first of `sellers/me/warehouses` when left out.
    pub warehouse_id: Option<i64>,
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    #[serde(default)]
    pub mapping: TikiMapping,
}

fn default_batch() -> usize {
    DEFAULT_BATCH_SIZE
}

/// How kho's catalog maps onto Tiki for product requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TikiMapping {
    /// kho category name → Tiki `category_id`.
    pub categories: BTreeMap<String, u64>,
    /// How long `publish` follows a request's review before reporting it still pending. Tiki reviews by
    /// hand, so this is short: a request approved later is linked by `kho link` by its `original_sku`.
    pub review_wait_secs: u64,
}

impl Default for TikiMapping {
    fn default() -> Self {
        Self {
            categories: BTreeMap::new(),
            review_wait_secs: 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_unknown_keys() {
        let base = json!({"name": "tiki-a", "base_url": "https://api.tiki.vn", "auth_url": "https://api.tiki.vn",
            "client_id": "id", "client_secret": "SECRET-X"});
        let cfg: TikiAccountConfig = serde_json::from_value(base.clone()).unwrap();
        assert_eq!((cfg.batch_size, cfg.rate_limit.per_second.get()), (50, 10));
        assert_eq!(cfg.mapping.review_wait_secs, 10);
        assert!(!format!("{cfg:?}").contains("SECRET-X"));
        let mut bad = base;
        bad["warehouse"] = json!(1);
        let err = serde_json::from_value::<TikiAccountConfig>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("warehouse"), "{err}");
    }
}
