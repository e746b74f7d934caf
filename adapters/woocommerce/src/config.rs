//! One WooCommerce site: its root URL, its REST API key and the webhook secret
//! (the contract's `consumer_key, consumer_secret, webhook_secret`).

use kho_channel::RateLimit;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

/// One cooperative's WooCommerce site.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WooCommerceAccountConfig {
    /// kho's unique account name (logs, metrics, errors).
    pub name: String,
    /// The site root (`https://shop.example.vn`); kho appends `/wp-json/wc/v3`. Its scheme decides the
    /// authentication: Basic over https, OAuth 1.0a over http (WooCommerce ignores Basic over http).
    pub base_url: Url,
    pub consumer_key: String,
    pub consumer_secret: SecretString,
    /// The secret of the site's webhooks (`X-WC-Webhook-Signature`).
    pub webhook_secret: SecretString,
    /// For a server that drops the `Authorization` header ("Consumer key is missing"): send the key and secret
    /// as `consumer_key`/`consumer_secret` query parameters instead (https only).
    #[serde(default)]
    pub credentials_in_query: bool,
    /// WooCommerce publishes no limit: the site's own capacity decides, so the kit's conservative default.
    #[serde(default = "kho_channel::kit::config::default_rate_limit")]
    pub rate_limit: RateLimit,
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn deserializes_and_never_debugs_secrets() {
        let cfg: WooCommerceAccountConfig = serde_json::from_value(serde_json::json!({
            "name": "web-chi-lang",
            "base_url": "https://shop.example.vn",
            "consumer_key": "ck_123",
            "consumer_secret": "cs_SECRET",
            "webhook_secret": "HOOK-SECRET",
        }))
        .expect("valid config");
        assert_eq!(cfg.consumer_secret.expose_secret(), "cs_SECRET");
        assert!(!cfg.credentials_in_query);
        let debug = format!("{cfg:?}");
        assert!(
            !debug.contains("cs_SECRET") && !debug.contains("HOOK-SECRET"),
            "{debug}"
        );
    }

    #[test]
    fn rejects_unknown_keys_such_as_tokens() {
        let err = serde_json::from_value::<WooCommerceAccountConfig>(serde_json::json!({
            "name": "x", "base_url": "http://127.0.0.1:1", "consumer_key": "k",
            "consumer_secret": "s", "webhook_secret": "w", "access_token": "t"
        }))
        .expect_err("tokens are not WooCommerce's");
        assert!(err.to_string().contains("access_token"), "{err}");
    }
}
