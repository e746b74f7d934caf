//! Wiring between the core and the marketplace adapters: building one
//! `Channel` per configured account, and the database-backed token store the
//! adapters persist rotated tokens through. The adapters never see the
//! database; the core never sees a wire format.

mod tokens;

use std::sync::Arc;

use kho_channel::secrecy::SecretString;
use kho_channel::{Channel, Transport, TransportConfig};

pub use tokens::StoreTokens;

use crate::config::{AccountConfig, ChannelKind, Credentials, RateLimit};
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

/// Checks a `mapping` table against the channel's shape at configuration
/// load, so a typo stops kho at start rather than at the first publish.
pub fn check_mapping(channel: ChannelKind, mapping: &serde_json::Value) -> Result<(), String> {
    match channel {
        ChannelKind::Shopee => serde_json::from_value::<kho_shopee::ShopeeMapping>(mapping.clone())
            .map(|_| ())
            .map_err(|e| e.to_string()),
        ChannelKind::Tiktok | ChannelKind::Lazada => Ok(()),
    }
}

fn limit(rl: RateLimit) -> kho_channel::RateLimit {
    let mut out = kho_channel::RateLimit::per_second(
        std::num::NonZeroU32::new(rl.per_second).unwrap_or(std::num::NonZeroU32::MIN),
    );
    out.burst = std::num::NonZeroU32::new(rl.burst).unwrap_or(std::num::NonZeroU32::MIN);
    out
}

/// Builds the adapter for one account.
pub fn build(
    account: &AccountConfig,
    transport: &Arc<Transport>,
    store: &Store,
) -> Result<Arc<dyn Channel>, SetupError> {
    let fail = |message: String| SetupError::Account {
        account: account.name.clone(),
        message,
    };
    let tokens = Arc::new(StoreTokens::new(store.clone()));
    match &account.credentials {
        Credentials::Shopee(c) => {
            let mapping = match &account.mapping {
                Some(m) => serde_json::from_value(m.clone()).map_err(|e| fail(e.to_string()))?,
                None => kho_shopee::ShopeeMapping::default(),
            };
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
            let channel = kho_shopee::ShopeeChannel::new(config, transport, tokens)
                .map_err(|e| fail(e.to_string()))?;
            Ok(Arc::new(channel))
        }
        Credentials::Tiktok(_) | Credentials::Lazada(_) => Err(fail(format!(
            "the {} adapter is not available in this build",
            account.channel.as_str()
        ))),
    }
}
