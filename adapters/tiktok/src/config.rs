//! Per-account configuration: credentials, hosts, limits, and the mapping from kho's catalog to TikTok's
//! category/attribute/brand ids (which only the seller's shop knows, so they are configured, not guessed).

use std::collections::BTreeMap;

use kho_channel::RateLimit;
use kho_channel::kit::config::ProductionHosts;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

/// One API host for every region outside the US, Vietnam included.
pub const PRODUCTION: ProductionHosts = ProductionHosts {
    base_url: "https://open-api.tiktokglobalshop.com",
    auth_url: "https://auth.tiktok-shops.com",
};

/// One TikTok Shop.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TikTokAccountConfig {
    /// kho's unique account name (logs, metrics, errors, token store key).
    pub name: String,
    /// `https://open-api.tiktokglobalshop.com` in production (VN included); a simulator's address in tests.
    pub base_url: Url,
    /// `https://auth.tiktok-shops.com` in production. A URL already ending in `/api/v2` is accepted too
    /// (SKIT writes the sandbox host that way).
    pub auth_url: Url,
    pub app_key: String,
    pub app_secret: SecretString,
    /// The app's service id from Partner Center (apps registered there now get one). With it the seller
    /// opens TikTok's current consent page, `{consent_url}/open/authorize?service_id=…`; without it the
    /// older `{auth_url}/oauth/authorize?app_key=…` (docs/src/channels/tiktok.md §2).
    #[serde(default)]
    pub service_id: Option<String>,
    /// Host of the current consent page: [`crate::connect::DEFAULT_CONSENT_URL`] (ROW, VN included) when
    /// unset, `https://services.us.tiktokshop.com` for US shops, a simulator's address in tests. Only used
    /// with `service_id`.
    #[serde(default)]
    pub consent_url: Option<Url>,
    /// Selects the shop on shop-scoped endpoints. Leave it out to learn it from
    /// `/authorization/202309/shops` on first use (then `shop_id` picks the shop when the token covers
    /// several).
    pub shop_cipher: Option<String>,
    /// TikTok's shop id (as in webhooks' `shop_id`), used to pick the shop during discovery.
    pub shop_id: Option<String>,
    /// TikTok's numeric limits are all unconfirmed (docs/src/channels/tiktok.md §5): the kit's conservative
    /// 10/s unless set.
    #[serde(default = "kho_channel::kit::config::default_rate_limit")]
    pub rate_limit: RateLimit,
    /// Warehouse for stock writes and new listings. Optional for shops with one default warehouse
    /// (docs/src/channels/tiktok.md §7.1: TikTok then accepts stock writes without it); mandatory with several (12019028).
    pub warehouse_id: Option<String>,
    #[serde(default)]
    pub mapping: TikTokMapping,
}

/// How kho's catalog maps onto this shop's TikTok ids, for publishing. Every key is optional: what is left
/// out comes from [`Default`].
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TikTokMapping {
    /// kho category name → TikTok leaf category and its mandatory attributes.
    pub categories: BTreeMap<String, CategoryMapping>,
    /// Brand for new products when the category mapping names none; leave out for "no brand".
    pub brand_id: Option<String>,
    /// Name of the sales attribute shown to buyers on multi-variant products ("Phân loại", "Khối lượng" …).
    pub sales_attribute_name: String,
    /// `is_cod_allowed` on new products (COD is common in VN); left to TikTok's default when unset.
    pub is_cod_allowed: Option<bool>,
}

impl Default for TikTokMapping {
    fn default() -> Self {
        Self {
            categories: BTreeMap::new(),
            brand_id: None,
            sales_attribute_name: "Phân loại".to_owned(),
            is_cod_allowed: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryMapping {
    /// TikTok leaf category id (a 64-bit number kept as text, like every TikTok id).
    pub category_id: String,
    /// `v1` (default outside the US) or `v2`.
    #[serde(default = "default_category_version")]
    pub category_version: String,
    /// Overrides the account-wide brand.
    pub brand_id: Option<String>,
    #[serde(default)]
    pub attributes: Vec<AttributeMapping>,
}

fn default_category_version() -> String {
    "v1".to_owned()
}

/// A product attribute, e.g. `100149` "Quốc gia xuất xứ".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeMapping {
    pub id: String,
    pub values: Vec<AttributeValueMapping>,
}

/// A predefined value (`id`, e.g. `1000854` "Việt Nam") or a custom one (`name`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeValueMapping {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn deserializes_and_never_debugs_the_secret() {
        let cfg: TikTokAccountConfig = serde_json::from_value(serde_json::json!({
            "name": "tiktok-chi-lang",
            "base_url": "https://open-api.tiktokglobalshop.com",
            "auth_url": "https://auth.tiktok-shops.com",
            "app_key": "68xu9ks5p4i8",
            "app_secret": "SECRET-VALUE",
            "service_id": "7310000000000000001",
            "consent_url": "https://services.us.tiktokshop.com",
            "shop_cipher": "ROW_aiVo7gAAAAB2vvlFyfTxbVr4ZFHoDbhK",
            "shop_id": "7495274531001436791",
            "rate_limit": {"per_second": 5},
            "warehouse_id": "7068517275539719942",
            "mapping": {
                "categories": {"honey": {"category_id": "700645", "attributes": [
                    {"id": "100149", "values": [{"id": "1000854"}]},
                    {"id": "100216", "values": [{"name": "Hà Giang"}]}
                ]}},
                "brand_id": "7082427311584347905"
            }
        }))
        .unwrap();
        assert_eq!(cfg.app_secret.expose_secret(), "SECRET-VALUE");
        assert_eq!(cfg.rate_limit.per_second.get(), 5);
        assert_eq!(cfg.service_id.as_deref(), Some("7310000000000000001"));
        assert_eq!(
            cfg.consent_url.as_ref().map(Url::as_str),
            Some("https://services.us.tiktokshop.com/")
        );
        let honey = &cfg.mapping.categories["honey"];
        assert_eq!(honey.category_id, "700645");
        assert_eq!(honey.category_version, "v1");
        assert_eq!(cfg.mapping.sales_attribute_name, "Phân loại");
        assert!(!format!("{cfg:?}").contains("SECRET"));
    }

    #[test]
    fn minimal_config_and_unknown_keys() {
        let minimal = serde_json::json!({
            "name": "x", "base_url": "http://127.0.0.1:1", "auth_url": "http://127.0.0.1:2",
            "app_key": "k", "app_secret": "s"
        });
        let cfg: TikTokAccountConfig = serde_json::from_value(minimal.clone()).unwrap();
        assert!(cfg.shop_cipher.is_none() && cfg.warehouse_id.is_none());
        assert!(cfg.service_id.is_none() && cfg.consent_url.is_none());
        assert_eq!(cfg.rate_limit.per_second.get(), 10);

        let mut typo = minimal;
        typo["shopcipher"] = "ROW_x".into();
        let err = serde_json::from_value::<TikTokAccountConfig>(typo).unwrap_err();
        assert!(err.to_string().contains("shopcipher"), "{err}");
    }
}
