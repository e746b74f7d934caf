//! The Lazada channel for one seller: construction from account config. Every call goes through the kit's `Account::call`
//! (fresh token → call → on `IllegalAccessToken` refresh once and repeat once).

use std::time::Duration;

use kho_channel::kit::{Account, AccountSettings, Setup};
use kho_channel::transport::TransportError;
use kho_channel::{BatchScope, Capabilities, ChannelError, TokenModel};
use secrecy::SecretString;

use crate::api::Credentials;
use crate::auth::{Authorized, LazadaGrant};
use crate::config::{LazadaAccountConfig, LazadaMapping};
use crate::reauth::{ReauthWarning, RefreshTokenStatus};

/// Channel label in logs and metrics.
pub const CHANNEL: &str = "lazada";

/// Refresh a day before the 30-day access token expires. Lazada suggests 30 minutes; a day leaves room for
/// a failed refresh to be retried while the current token still works, and costs nothing because refreshing
/// never extends the refresh token anyway.
const REFRESH_AHEAD: Duration = Duration::from_secs(24 * 3600);

/// A Lazada seller account, implementing [`kho_channel::Channel`].
pub struct LazadaChannel {
    pub(crate) kit: Account<LazadaGrant, Credentials>,
    pub(crate) seller_id: Option<String>,
    pub(crate) warehouse_code: Option<String>,
    pub(crate) mapping: LazadaMapping,
}

// `Channel` routes each operation to this adapter's module for it; pushes are `channel.rs`.
kho_channel::kit_channel!(LazadaChannel, seller_id);

/// Lazada's capabilities for the given batch sizes (docs/src/channels/lazada.md §2.3, §7, §8, §9).
pub fn capabilities(stock_batch: usize, price_batch: usize) -> Capabilities {
    Capabilities {
        channel: CHANNEL,
        stock_batch: BatchScope::AcrossItems {
            max_variants: stock_batch,
        },
        price_batch: BatchScope::AcrossItems {
            max_variants: price_batch,
        },
        // Deactivation and activation take one product per call.
        max_status_items: 1,
        max_order_details: crate::orders::MAX_ORDER_IDS,
        // `/orders/get` documents no window cap (only the offset cap, handled by paging).
        max_order_window: None,
        webhooks: true,
        // Whether the old refresh token survives a refresh is undocumented; it is handled as if it did not
        // (serialised, persisted before use), which is safe either way. A refresh never extends it.
        tokens: TokenModel::rotating(Duration::from_secs(30 * 24 * 3600), REFRESH_AHEAD)
            .refresh_lifetime_fixed(),
    }
}

impl LazadaChannel {
    /// Build the channel for one seller on the core's transport and token store. No network call happens
    /// here.
    pub fn new(config: LazadaAccountConfig, setup: Setup<'_>) -> Result<Self, TransportError> {
        let capabilities =
            capabilities(config.stock_batch_size.get(), config.price_batch_size.get());
        let creds = Credentials::new(
            config.base_url,
            config.auth_url,
            config.app_key,
            config.app_secret,
        );
        let grant = LazadaGrant {
            creds: creds.clone(),
            warning: ReauthWarning::default(),
        };
        let settings = AccountSettings::new(config.name, config.rate_limit, capabilities);
        Ok(Self {
            kit: Account::new(setup, settings, grant, creds)?,
            seller_id: config.seller_id,
            warehouse_code: config.warehouse_code,
            mapping: config.mapping,
        })
    }

    /// The configured seller id (matches push `seller_id`).
    pub fn seller_id(&self) -> Option<&str> {
        self.seller_id.as_deref()
    }

    /// Finish a seller authorisation: exchange the callback's `code` for tokens and store them.
    pub async fn authorize(&self, code: &SecretString) -> Result<Authorized, ChannelError> {
        let (tokens, response) = self.kit.authorize(code).await?;
        let authorized = Authorized {
            tokens,
            seller_id: response.seller_id(),
            country: response.country,
        };
        if let (Some(configured), Some(got)) = (&self.seller_id, &authorized.seller_id)
            && configured != got
        {
            tracing::warn!(account = %self.kit.name, configured = %configured, authorised = %got,
                "the seller who authorised is not the configured seller_id");
        }
        Ok(authorized)
    }

    /// The link a seller opens to authorise kho (docs/src/channels/lazada.md §2.1); the code comes back on `redirect_uri`.
    pub fn authorization_url(
        &self,
        redirect_uri: &str,
        state: Option<&str>,
    ) -> Result<url::Url, ChannelError> {
        let mut url = self.kit.creds.auth_url.clone();
        url.set_path("/oauth/authorize");
        url.set_query(None);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("force_auth", "true")
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("client_id", &self.kit.creds.app_key);
            if let Some(state) = state {
                q.append_pair("state", state);
            }
        }
        Ok(url)
    }

    /// Where the seller's authorisation stands. Refreshing never extends the refresh token, so
    /// [`RefreshTokenStatus::EndingSoon`] means a person must re-authorise before the given time; the same is
    /// logged as a warning.
    pub async fn refresh_token_status(&self) -> Result<RefreshTokenStatus, ChannelError> {
        let tokens = self.kit.tokens.current().await?;
        Ok(self
            .kit
            .tokens
            .grant()
            .warning
            .warn_if_reauth_due(&self.kit.name, &tokens))
    }
}
