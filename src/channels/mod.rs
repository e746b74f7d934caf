//! Wiring between the core and the marketplace adapters: building one
//! `Channel` per configured account, and the database-backed token store the
//! adapters persist rotated tokens through. The adapters never see the
//! database; the core never sees a wire format.

pub mod connect;
mod tokens;

use std::sync::Arc;

use kho_channel::secrecy::SecretString;
use kho_channel::{Channel, Transport, TransportConfig};

pub use tokens::StoreTokens;

use crate::config::{AccountConfig, Credentials, RateLimit};
use crate::store::Store;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("account {account}: {message}")]
    Account { account: String, message: String },
    #[error("cannot set up the HTTP transport: {0}")]
    Transport(String),
}

/// The process-wide HTTP transport (one connection pool for every account).
pub fn transport() -> Result<Arc<Transport>, SetupError> {
    Transport::new(TransportConfig::default()).map_err(|e| SetupError::Transport(e.to_string()))
}

/// The transport of a `kho serve` instance: its `User-Agent` names the
/// instance, so a marketplace's (or a simulator's) logs tell apart the
/// instances of a fleet that work one shop in turn.
pub fn instance_transport(instance: &str) -> Result<Arc<Transport>, SetupError> {
    let default = TransportConfig::default();
    let user_agent = format!("{} ({instance})", default.user_agent);
    Transport::new(TransportConfig {
        user_agent,
        ..default
    })
    .map_err(|e| SetupError::Transport(e.to_string()))
}

fn limit(rl: RateLimit) -> kho_channel::RateLimit {
    let mut out = kho_channel::RateLimit::per_second(
        std::num::NonZeroU32::new(rl.per_second).unwrap_or(std::num::NonZeroU32::MIN),
    );
    out.burst = std::num::NonZeroU32::new(rl.burst).unwrap_or(std::num::NonZeroU32::MIN);
    out.with_margin(std::time::Duration::from_millis(rl.margin_ms))
}

/// Builds the adapter for one account.
pub fn build(
    account: &AccountConfig,
    transport: &Arc<Transport>,
    store: &Store,
) -> Result<Arc<dyn Channel>, SetupError> {
    Ok(match build_concrete(account, transport, store)? {
        Adapter::Shopee(c) => c,
        Adapter::Tiktok(c) => c,
        Adapter::Lazada(c) => c,
        Adapter::WooCommerce(c) => c,
        Adapter::Tiki(c) => c,
    })
}

/// One account's adapter as its own type, for what only that marketplace
/// offers (its authorisation link and code exchange).
pub(crate) enum Adapter {
    Shopee(Arc<kho_shopee::ShopeeChannel>),
    Tiktok(Arc<kho_tiktok::TikTokChannel>),
    Lazada(Arc<kho_lazada::LazadaChannel>),
    WooCommerce(Arc<kho_woocommerce::WooCommerceChannel>),
    Tiki(Arc<kho_tiki::TikiChannel>),
}

pub(crate) fn build_concrete(
    account: &AccountConfig,
    transport: &Arc<Transport>,
    store: &Store,
) -> Result<Adapter, SetupError> {
    let fail = |message: String| SetupError::Account {
        account: account.name.clone(),
        message,
    };
    let tokens = Arc::new(StoreTokens::new(store.clone()));
    match &account.credentials {
        Credentials::Shopee(c) => {
            let mapping: kho_shopee::ShopeeMapping = mapping(account).map_err(fail)?;
            let config = kho_shopee::ShopeeAccountConfig {
                name: account.name.clone(),
                base_url: account.base_url.clone(),
                partner_id: c.partner_id,
                partner_key: SecretString::from(c.partner_key.expose().to_owned()),
                shop_id: c.shop_id,
                push_key: None,
                rate_limit: limit(account.rate_limit),
                location_id: account.warehouse.clone(),
                mapping,
            };
            let channel = kho_shopee::ShopeeChannel::new(
                config,
                kho_channel::kit::Setup::new(transport, tokens),
            )
            .map_err(|e| fail(e.to_string()))?;
            Ok(Adapter::Shopee(Arc::new(channel)))
        }
        Credentials::Tiktok(c) => {
            let config = kho_tiktok::TikTokAccountConfig {
                name: account.name.clone(),
                base_url: account.base_url.clone(),
                auth_url: auth_url(account).map_err(fail)?,
                app_key: c.app_key.clone(),
                app_secret: SecretString::from(c.app_secret.expose().to_owned()),
                shop_cipher: Some(c.shop_cipher.clone()),
                shop_id: c.shop_id.clone(),
                service_id: c.service_id.clone(),
                consent_url: account.consent_url.clone(),
                rate_limit: limit(account.rate_limit),
                warehouse_id: account.warehouse.clone(),
                mapping: mapping(account).map_err(fail)?,
            };
            let channel = kho_tiktok::TikTokChannel::new(
                config,
                kho_channel::kit::Setup::new(transport, tokens),
            )
            .map_err(|e| fail(e.to_string()))?;
            Ok(Adapter::Tiktok(Arc::new(channel)))
        }
        Credentials::Lazada(c) => {
            // One knob for both writes: they share Lazada's 50-SKU cap and
            // its advice to stay at 20 under load.
            let batch = match account.batch_size {
                Some(n) => kho_lazada::BatchSize::new(n).map_err(fail)?,
                None => kho_lazada::BatchSize::default(),
            };
            let config = kho_lazada::LazadaAccountConfig {
                name: account.name.clone(),
                base_url: account.base_url.clone(),
                auth_url: auth_url(account).map_err(fail)?,
                app_key: c.app_key.clone(),
                app_secret: SecretString::from(c.app_secret.expose().to_owned()),
                seller_id: c.seller_id.clone(),
                rate_limit: limit(account.rate_limit),
                stock_batch_size: batch,
                price_batch_size: batch,
                warehouse_code: account.warehouse.clone(),
                mapping: mapping(account).map_err(fail)?,
            };
            let channel = kho_lazada::LazadaChannel::new(
                config,
                kho_channel::kit::Setup::new(transport, tokens),
            )
            .map_err(|e| fail(e.to_string()))?;
            Ok(Adapter::Lazada(Arc::new(channel)))
        }
        Credentials::WooCommerce(c) => {
            let config = kho_woocommerce::WooCommerceAccountConfig {
                name: account.name.clone(),
                base_url: account.base_url.clone(),
                consumer_key: c.consumer_key.clone(),
                consumer_secret: SecretString::from(c.consumer_secret.expose().to_owned()),
                webhook_secret: SecretString::from(c.webhook_secret.expose().to_owned()),
                credentials_in_query: c.auth == crate::config::WooAuth::Query,
                rate_limit: limit(account.rate_limit),
            };
            let channel = kho_woocommerce::WooCommerceChannel::new(config, transport)
                .map_err(|e| fail(e.to_string()))?;
            Ok(Adapter::WooCommerce(Arc::new(channel)))
        }
        Credentials::Tiki(c) => {
            let config = kho_tiki::TikiAccountConfig {
                name: account.name.clone(),
                base_url: account.base_url.clone(),
                auth_url: account
                    .auth_url
                    .clone()
                    .unwrap_or_else(|| account.base_url.clone()),
                client_id: c.client_id.clone(),
                client_secret: SecretString::from(c.client_secret.expose().to_owned()),
                rate_limit: limit(account.rate_limit),
                warehouse_id: match &account.warehouse {
                    Some(w) => Some(w.trim().parse().map_err(|_| {
                        fail(format!("warehouse {w:?} is not a Tiki seller warehouse id"))
                    })?),
                    None => None,
                },
                batch_size: account
                    .batch_size
                    .unwrap_or(kho_tiki::config::DEFAULT_BATCH_SIZE),
                mapping: mapping(account).map_err(fail)?,
            };
            let channel =
                kho_tiki::TikiChannel::new(config, kho_channel::kit::Setup::new(transport, tokens))
                    .map_err(|e| fail(e.to_string()))?;
            Ok(Adapter::Tiki(Arc::new(channel)))
        }
    }
}

/// TikTok and Lazada take their tokens from a host of their own. It is never
/// defaulted to production, so a test or demo configuration cannot refresh
/// real tokens by omission; configuration loading already reports a missing
/// one with its key path, this is the last line of defence.
fn auth_url(account: &AccountConfig) -> Result<url::Url, String> {
    account.auth_url.clone().ok_or_else(|| {
        format!(
            "auth_url is required for {} accounts (the marketplace's token host)",
            account.channel.as_str()
        )
    })
}

/// The account's `mapping` table in the adapter's own shape (already checked
/// by [`crate::config::check_mapping`] at load), or the adapter's defaults.
fn mapping<M: serde::de::DeserializeOwned + Default>(account: &AccountConfig) -> Result<M, String> {
    match &account.mapping {
        Some(m) => serde_json::from_value(m.clone()).map_err(|e| format!("mapping: {e}")),
        None => Ok(M::default()),
    }
}
