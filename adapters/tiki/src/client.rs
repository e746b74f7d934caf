//! The Tiki channel for one seller: construction, capabilities, the seller's authorisation link and code
//! exchange, and the seller warehouse stock is written to.

use std::sync::Mutex;
use std::time::Duration;

use kho_channel::kit::{Account, AccountSettings, Setup};
use kho_channel::transport::TransportError;
use kho_channel::{BatchScope, Capabilities, ChannelError, TokenModel, TokenSet};
use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;

use crate::api::Credentials;
use crate::auth::TikiGrant;
use crate::config::{TikiAccountConfig, TikiMapping};

/// Channel label in logs and metrics.
pub const CHANNEL: &str = "tiki";

pub const WAREHOUSES: &str = "/integration/v2/sellers/me/warehouses";

/// The scopes kho asks a seller for (docs/src/channels/tiki-woocommerce.md §A2): refresh tokens, products, orders, stock.
pub const SCOPES: &str = "offline product order inventory";

/// Tiki states no token lifetimes; refreshing ten minutes ahead suits the hour the simulator and common
/// OAuth servers give, and a longer-lived token is simply refreshed earlier than needed.
const REFRESH_AHEAD: Duration = Duration::from_secs(600);

pub struct TikiChannel {
    pub(crate) kit: Account<TikiGrant, Credentials>,
    pub(crate) warehouse: Mutex<Option<i64>>,
    pub(crate) mapping: TikiMapping,
    /// The app's own token and this account's queue code, once known (see `queue.rs`).
    pub(crate) queue: crate::queue::QueueState,
}

kho_channel::kit_channel!(TikiChannel, mapping);

/// Tiki's capabilities: `updateSkus` takes products of any kind together (each variant is a product),
/// `updateSku` one product per status change, one order per detail call, no pushes.
pub fn capabilities(batch_size: usize) -> Capabilities {
    let batch = BatchScope::AcrossItems {
        max_variants: batch_size.clamp(1, crate::config::DEFAULT_BATCH_SIZE),
    };
    Capabilities {
        channel: CHANNEL,
        stock_batch: batch,
        price_batch: batch,
        max_status_items: 1,
        max_order_details: 1,
        max_order_window: None,
        webhooks: false,
        tokens: TokenModel::rotating(Duration::from_secs(3600), REFRESH_AHEAD),
    }
}

#[derive(Deserialize)]
struct Warehouses {
    data: Vec<Warehouse>,
}

#[derive(Deserialize)]
struct Warehouse {
    id: i64,
}

impl TikiChannel {
    /// No network call happens here.
    pub fn new(config: TikiAccountConfig, setup: Setup<'_>) -> Result<Self, TransportError> {
        let creds = Credentials::new(
            config.base_url,
            config.auth_url,
            config.client_id,
            config.client_secret,
        );
        let grant = TikiGrant {
            creds: creds.clone(),
            redirect_uri: Mutex::new(None),
        };
        let settings = AccountSettings::new(
            config.name,
            config.rate_limit,
            capabilities(config.batch_size),
        );
        Ok(Self {
            kit: Account::new(setup, settings, grant, creds)?,
            warehouse: Mutex::new(config.warehouse_id),
            mapping: config.mapping,
            queue: Default::default(),
        })
    }

    /// The link a seller opens to authorise kho (`/sc/oauth2/auth`, reference §A2); Tiki sends the code
    /// and the same `state` back to `redirect_uri`.
    pub fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &str,
    ) -> Result<url::Url, ChannelError> {
        if let Ok(mut r) = self.kit.tokens.grant().redirect_uri.lock() {
            *r = Some(redirect_uri.to_owned());
        }
        let mut url =
            kho_channel::kit::url::endpoint_url(&self.kit.creds.auth_url, "/sc/oauth2/auth")
                .map_err(|k| self.kit.error("/sc/oauth2/auth", k))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.kit.creds.app_key)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", SCOPES)
            .append_pair("state", state);
        Ok(url)
    }

    /// Exchanges the code from the seller's redirect (sent back to `redirect_uri`) for the first pair.
    pub async fn authorize(
        &self,
        code: &SecretString,
        redirect_uri: &str,
    ) -> Result<TokenSet, ChannelError> {
        if let Ok(mut r) = self.kit.tokens.grant().redirect_uri.lock() {
            *r = Some(redirect_uri.to_owned());
        }
        Ok(self.kit.authorize(code).await?.0)
    }

    /// The warehouse stock is written to: configured, else the seller's first.
    pub(crate) async fn warehouse(&self) -> Result<i64, ChannelError> {
        if let Some(id) = self.warehouse.lock().ok().and_then(|w| *w) {
            return Ok(id);
        }
        let list: Warehouses = self.kit.send(Method::GET, WAREHOUSES, |c| c).await?;
        let id = list.data.first().map(|w| w.id).ok_or_else(|| {
            self.kit.error(
                WAREHOUSES,
                kho_channel::ErrorKind::invalid_request(
                    "no_warehouse",
                    "the seller has no warehouse to hold stock",
                ),
            )
        })?;
        if let Ok(mut w) = self.warehouse.lock() {
            *w = Some(id);
        }
        Ok(id)
    }
}
