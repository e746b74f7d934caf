//! Per-account configuration: credentials, host, limits, and the mapping from kho's catalog to Shopee's
//! category/attribute/logistics ids (which only the seller's shop knows, so they are configured, not guessed).

use std::collections::BTreeMap;

use kho_channel::RateLimit;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

/// One Shopee shop.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopeeAccountConfig {
    /// kho's unique account name (logs, metrics, errors, token store key).
    pub name: String,
    /// `https://partner.shopeemobile.com` in production; a simulator's address in tests and the demo.
    pub base_url: Url,
    pub partner_id: u64,
    pub partner_key: SecretString,
    pub shop_id: u64,
    /// Key for push signatures when it differs from `partner_key` (the Console's "Live Push Partner Key";
    /// which key production uses is unconfirmed, docs/src/channels/shopee.md §9.4).
    pub push_key: Option<SecretString>,
    /// Shopee publishes no QPS (docs/src/channels/shopee.md §5): the kit's conservative 10/s unless set.
    #[serde(default = "kho_channel::kit::config::default_rate_limit")]
    pub rate_limit: RateLimit,
    /// Warehouse `location_id` for stock writes; leave out for shops without warehouses (docs/src/channels/shopee.md §7.1).
    pub location_id: Option<String>,
    #[serde(default)]
    pub mapping: ShopeeMapping,
}

/// How kho's catalog maps onto this shop's Shopee ids, for publishing. Every key is optional: what is left
/// out comes from [`Default`] (also when the whole mapping is).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShopeeMapping {
    /// kho category name → Shopee leaf category and its mandatory attributes.
    pub categories: BTreeMap<String, CategoryMapping>,
    /// Logistics channels enabled on every new item (from `logistics/get_channel_list`).
    pub logistics: Vec<LogisticMapping>,
    /// Brand for new items; Shopee's "No brand" is id 0.
    pub brand: Option<BrandMapping>,
    /// Name of the variation tier shown to buyers ("Phân loại", "Khối lượng" …).
    pub variation_name: String,
    /// Publish as `NORMAL` (live) or `UNLIST` (hidden until reviewed by the seller).
    pub publish_unlisted: bool,
}

impl Default for ShopeeMapping {
    fn default() -> Self {
        Self {
            categories: BTreeMap::new(),
            logistics: Vec::new(),
            brand: None,
            variation_name: "Phân loại".to_owned(),
            publish_unlisted: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryMapping {
    pub category_id: u64,
    #[serde(default)]
    pub attributes: Vec<AttributeMapping>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeMapping {
    pub attribute_id: u64,
    pub values: Vec<AttributeValueMapping>,
}

/// A predefined value (`value_id`), or a custom one (`value_id: 0` + `original_value_name`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeValueMapping {
    #[serde(default)]
    pub value_id: u64,
    pub original_value_name: Option<String>,
    pub value_unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticMapping {
    pub logistic_id: u64,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub shipping_fee: Option<f64>,
    pub size_id: Option<u64>,
    pub is_free: Option<bool>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandMapping {
    pub brand_id: u64,
    pub original_brand_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn deserializes_and_never_debugs_the_key() {
        let cfg: ShopeeAccountConfig = serde_json::from_value(serde_json::json!({
            "name": "shopee-chi-lang",
            "base_url": "https://partner.shopeemobile.com",
            "partner_id": 2001887,
            "partner_key": "SECRET-KEY",
            "shop_id": 14701711,
            "rate_limit": {"per_second": 5},
            "mapping": {
                "categories": {"tea": {"category_id": 100644, "attributes": [
                    {"attribute_id": 1, "values": [{"value_id": 0, "original_value_name": "Hà Giang"}]}
                ]}},
                "logistics": [{"logistic_id": 50018}],
                "brand": {"brand_id": 0, "original_brand_name": "NoBrand"}
            }
        }))
        .unwrap();
        assert_eq!(cfg.partner_key.expose_secret(), "SECRET-KEY");
        assert_eq!(cfg.rate_limit.per_second.get(), 5);
        assert_eq!(cfg.mapping.categories["tea"].category_id, 100644);
        assert!(cfg.mapping.logistics[0].enabled);
        assert_eq!(cfg.mapping.variation_name, "Phân loại");
        assert!(!format!("{cfg:?}").contains("SECRET"));
    }

    #[test]
    fn rejects_unknown_keys() {
        let err = serde_json::from_value::<ShopeeAccountConfig>(serde_json::json!({
            "name": "x", "base_url": "http://127.0.0.1:1", "partner_id": 1,
            "partner_key": "k", "shop_id": 2, "shopid": 3
        }))
        .unwrap_err();
        assert!(err.to_string().contains("shopid"), "{err}");
    }
}
