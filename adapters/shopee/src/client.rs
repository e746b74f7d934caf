//! The Shopee channel for one shop: construction from account config. Every call goes through the kit's `Account::call`
//! (fresh token → call → on "invalid access token" refresh once and repeat once).
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use std::time::Duration;

use kho_channel::kit::url::endpoint_url;
use kho_channel::kit::{Account, AccountSettings, Setup};
use kho_channel::transport::TransportError;
use kho_channel::{BatchScope, Capabilities, ChannelError, TokenModel, TokenSet};
use secrecy::SecretString;

use crate::api::Credentials;
use crate::config::{ShopeeAccountConfig, ShopeeMapping};

/// Channel label in logs and metrics.
pub const CHANNEL: &str = "shopee";

/// Refresh this long before the 4 h access token expires.
const REFRESH_AHEAD: Duration = Duration::from_secs(10 * 60);

/// Orders are listed in windows of at most 15 days (§8.1); one second less keeps clear of an inclusive
/// `time_to` on Shopee's side.
pub(crate) const MAX_ORDER_WINDOW_SECS: i64 = 15 * 24 * 3600 - 1;

/// A Shopee shop, implementing [`kho_channel::Channel`].
pub struct ShopeeChannel {
    pub(crate) kit: Account<Credentials>,
    pub(crate) push_key: Option<SecretString>,
    pub(crate) location_id: Option<String>,
    pub(crate) mapping: ShopeeMapping,
}

// `Channel` routes each operation to this adapter's module for it; pushes are `channel.rs`. The shop id is
// in the credentials, which the account's `Debug` shows.
kho_channel::kit_channel!(ShopeeChannel);

/// Shopee's capabilities (docs/src/channels/shopee.md §6.10, §2.4, §9).
pub fn capabilities() -> Capabilities {
    Capabilities {
        channel: CHANNEL,
        stock_batch: BatchScope::PerItem {
            max_variants: Some(50),
        },
        price_batch: BatchScope::PerItem {
            max_variants: Some(50),
        },
        max_status_items: 50,
        max_order_details: 50,
        max_order_window: Some(chrono::Duration::seconds(MAX_ORDER_WINDOW_SECS)),
        webhooks: true,
        tokens: TokenModel::rotating(Duration::from_secs(4 * 3600), REFRESH_AHEAD),
    }
}

impl ShopeeChannel {
    /// Build the channel for one shop on the core's transport and token store. No network call happens here.
    pub fn new(config: ShopeeAccountConfig, setup: Setup<'_>) -> Result<Self, TransportError> {
        let creds = Credentials {
            base_url: config.base_url,
            partner_id: config.partner_id,
            partner_key: config.partner_key,
            shop_id: config.shop_id,
        };
        let settings = AccountSettings::new(config.name, config.rate_limit, capabilities());
        Ok(Self {
            kit: Account::own_grant(setup, settings, creds)?,
            push_key: config.push_key,
            location_id: config.location_id,
            mapping: config.mapping,
        })
    }

    pub fn shop_id(&self) -> u64 {
        self.kit.creds.shop_id
    }

    /// Finish a shop authorisation: exchange the redirect's `code` for tokens and store them.
    pub async fn authorize(&self, code: &SecretString) -> Result<TokenSet, ChannelError> {
        Ok(self.kit.authorize(code).await?.0)
    }

    /// The (legacy, signed) shop authorisation link (docs/src/channels/shopee.md §2.1), valid 5 minutes.
    pub fn authorization_url(&self, redirect: &str) -> Result<url::Url, ChannelError> {
        let path = "/api/v2/shop/auth_partner";
        let ts = chrono::Utc::now().timestamp();
        let sign = crate::sign::sign(
            &self.kit.creds.partner_key,
            &crate::sign::public_base_string(self.kit.creds.partner_id, path, ts),
        );
        let mut url = endpoint_url(&self.kit.creds.base_url, path)
            .map_err(|kind| self.kit.error(path, kind))?;
        url.query_pairs_mut()
            .append_pair("partner_id", &self.kit.creds.partner_id.to_string())
            .append_pair("timestamp", &ts.to_string())
            .append_pair("sign", &sign)
            .append_pair("redirect", redirect);
        Ok(url)
    }
}
