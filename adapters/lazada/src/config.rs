//! Per-account configuration: credentials, hosts, limits, batch sizes and the mapping from kho's catalog to
//! Lazada's category/attribute names (which only the seller's shop knows, so they are configured, not guessed).

use std::collections::BTreeMap;

use kho_channel::RateLimit;
use kho_channel::kit::config::ProductionHosts;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

/// Lazada's hard cap on SKUs per stock/price call (docs/src/channels/lazada.md §7.1, §7.2: error 4171 above it).
pub const MAX_BATCH_SIZE: usize = 50;
/// Lazada's recommended batch size (error 513 "reduce to ≤ 20 SKUs" under load, docs/src/channels/lazada.md §7.1).
pub const DEFAULT_BATCH_SIZE: usize = 20;

/// Vietnam's API gateway; the token host is shared by every venture.
pub const PRODUCTION: ProductionHosts = ProductionHosts {
    base_url: "https://api.lazada.vn/rest",
    auth_url: "https://auth.lazada.com/rest",
};

/// One Lazada seller account (one venture; kho targets Vietnam).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LazadaAccountConfig {
    /// kho's unique account name (logs, metrics, errors, token store key).
    pub name: String,
    /// The venture's API gateway including `/rest`: `https://api.lazada.vn/rest` in production; a
    /// simulator's address in tests and the demo.
    pub base_url: Url,
    /// The auth gateway for token creation and refresh: `https://auth.lazada.com/rest` in production (shared by
    /// all ventures). Required rather than defaulted, so a test or demo config can never refresh against
    /// production by omission.
    pub auth_url: Url,
    pub app_key: String,
    pub app_secret: SecretString,
    /// The seller id Lazada reports (token response `country_user_info`, push `seller_id`); lets the core
    /// route pushes to this account.
    pub seller_id: Option<String>,
    /// Only the inventory APIs publish a limit (50/s per seller, docs/src/channels/lazada.md §5); product and
    /// order QPS are unconfirmed, so the kit's conservative 10/s for the account as a whole unless set.
    #[serde(default = "kho_channel::kit::config::default_rate_limit")]
    pub rate_limit: RateLimit,
    /// SKUs per sellable-stock call (1–50; default 20, Lazada's recommendation).
    #[serde(default)]
    pub stock_batch_size: BatchSize,
    /// SKUs per `price_quantity/update` call (1–50; default 20).
    #[serde(default)]
    pub price_batch_size: BatchSize,
    /// Multi-warehouse sellers must name the warehouse in stock writes; single-warehouse sellers must not
    /// (docs/src/channels/lazada.md §7.1). Leave out for a single warehouse.
    pub warehouse_code: Option<String>,
    #[serde(default)]
    pub mapping: LazadaMapping,
}

/// SKUs per stock/price call, validated to 1..=50 when the config is read so a bad value fails at start-up,
/// not as error 4171 on every sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u64")]
pub struct BatchSize(usize);

impl BatchSize {
    pub fn new(n: usize) -> Result<Self, String> {
        if (1..=MAX_BATCH_SIZE).contains(&n) {
            Ok(Self(n))
        } else {
            Err(format!(
                "batch size {n} out of range: Lazada takes 1 to {MAX_BATCH_SIZE} SKUs per call"
            ))
        }
    }

    pub fn get(self) -> usize {
        self.0
    }
}

impl Default for BatchSize {
    fn default() -> Self {
        Self(DEFAULT_BATCH_SIZE)
    }
}

impl TryFrom<u64> for BatchSize {
    type Error = String;

    fn try_from(n: u64) -> Result<Self, Self::Error> {
        Self::new(usize::try_from(n).unwrap_or(usize::MAX))
    }
}

/// How kho's catalog maps onto Lazada, for publishing (`/product/create`, docs/src/channels/lazada.md §6.3).
/// Every key is optional: what is left out comes from [`Default`].
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LazadaMapping {
    /// kho category name → Lazada primary category and its mandatory attributes.
    pub categories: BTreeMap<String, CategoryMapping>,
    /// `Attributes.brand` for new products (Lazada's generic brand is "No Brand").
    pub brand: String,
    /// Package dimensions in cm for every SKU (Lazada requires them; kho's catalog only knows weight).
    pub package_length_cm: u32,
    pub package_width_cm: u32,
    pub package_height_cm: u32,
}

impl Default for LazadaMapping {
    fn default() -> Self {
        Self {
            categories: BTreeMap::new(),
            brand: "No Brand".to_owned(),
            package_length_cm: DEFAULT_DIMENSION_CM,
            package_width_cm: DEFAULT_DIMENSION_CM,
            package_height_cm: DEFAULT_DIMENSION_CM,
        }
    }
}

/// Package side when the mapping gives none.
const DEFAULT_DIMENSION_CM: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryMapping {
    /// `PrimaryCategory`: a leaf category id from Lazada's category tree.
    pub primary_category: u64,
    /// Extra product-level `Attributes` the category requires (`"warranty_type" = "No Warranty"`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// The SKU-level sale property that carries each variant's name (`"size"`, `"color_family"` …) when a
    /// product has several variants. Lazada requires one for multi-SKU products; which one depends on the
    /// category.
    pub variation_attribute: Option<String>,
    /// Extra SKU-level attributes for every SKU.
    #[serde(default)]
    pub sku_attributes: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use serde_json::json;

    fn base() -> serde_json::Value {
        json!({
            "name": "lazada-chi-lang",
            "base_url": "https://api.lazada.vn/rest",
            "auth_url": "https://auth.lazada.com/rest",
            "app_key": "123456",
            "app_secret": "SECRET-VALUE",
        })
    }

    #[test]
    fn deserializes_with_defaults_and_never_debugs_the_secret() {
        let cfg: LazadaAccountConfig = serde_json::from_value(base()).unwrap();
        assert_eq!(cfg.app_secret.expose_secret(), "SECRET-VALUE");
        assert_eq!(cfg.stock_batch_size.get(), 20);
        assert_eq!(cfg.price_batch_size.get(), 20);
        assert_eq!(cfg.rate_limit.per_second.get(), 10);
        assert_eq!(cfg.mapping.brand, "No Brand");
        assert!(cfg.seller_id.is_none());
        assert!(!format!("{cfg:?}").contains("SECRET"));
    }

    #[test]
    fn full_config_with_mapping() {
        let mut v = base();
        v["seller_id"] = json!("1000212345");
        v["stock_batch_size"] = json!(50);
        v["price_batch_size"] = json!(1);
        v["rate_limit"] = json!({"per_second": 5});
        v["warehouse_code"] = json!("dropshipping");
        v["mapping"] = json!({
            "brand": "HTX Chi Lăng",
            "categories": {"honey": {
                "primary_category": 10002019,
                "attributes": {"warranty_type": "No Warranty"},
                "variation_attribute": "size"
            }}
        });
        let cfg: LazadaAccountConfig = serde_json::from_value(v).unwrap();
        assert_eq!(cfg.stock_batch_size.get(), 50);
        assert_eq!(cfg.price_batch_size.get(), 1);
        let honey = &cfg.mapping.categories["honey"];
        assert_eq!(honey.primary_category, 10002019);
        assert_eq!(honey.variation_attribute.as_deref(), Some("size"));
        assert_eq!(cfg.mapping.package_length_cm, 10);
    }

    #[test]
    fn rejects_unknown_keys_and_bad_batch_sizes() {
        let mut v = base();
        v["sellerid"] = json!("1");
        let err = serde_json::from_value::<LazadaAccountConfig>(v)
            .unwrap_err()
            .to_string();
        assert!(err.contains("sellerid"), "{err}");
        for bad in [0, 51, 1000] {
            let mut v = base();
            v["stock_batch_size"] = json!(bad);
            let err = serde_json::from_value::<LazadaAccountConfig>(v)
                .unwrap_err()
                .to_string();
            assert!(err.contains("out of range"), "{bad}: {err}");
        }
        let mut v = base();
        v.as_object_mut().map(|o| o.remove("auth_url"));
        assert!(serde_json::from_value::<LazadaAccountConfig>(v).is_err());
        let mut v = base();
        v["mapping"] = json!({"categories": {"x": {"primary_category": 1, "colour": "red"}}});
        assert!(serde_json::from_value::<LazadaAccountConfig>(v).is_err());
    }
}
