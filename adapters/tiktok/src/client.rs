//! The TikTok channel for one shop: construction from account config, shop discovery (`shop_cipher`),
//! warehouses, and the call helper every operation uses (fresh token → call → on 105002 refresh once and
//! repeat once).

use std::time::Duration;

use kho_channel::kit::{Account, AccountSettings, Setup};
use kho_channel::transport::TransportError;
use kho_channel::{BatchScope, Capabilities, ChannelError, ErrorKind, TokenModel, TokenSet};
use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use crate::api::{Credentials, Request, is_shop_scoped};
use crate::auth::TikTokGrant;
use crate::config::{TikTokAccountConfig, TikTokMapping};
use crate::wire::{Shop, ShopsData, Warehouse, WarehousesData};

/// Channel label in logs and metrics.
pub const CHANNEL: &str = "tiktok";

pub const SHOPS_PATH: &str = "/authorization/202309/shops";
pub const WAREHOUSES_PATH: &str = "/logistics/202309/warehouses";

/// Refresh this long before the (7-day) access token expires, so a late or briefly stopped token scheduler
/// still refreshes in time (calls also refresh on demand).
const REFRESH_AHEAD: Duration = Duration::from_secs(60 * 60);

/// A TikTok shop, implementing [`kho_channel::Channel`].
pub struct TikTokChannel {
    pub(crate) kit: Account<TikTokGrant, Credentials>,
    pub(crate) shop_id: Option<String>,
    /// The configured cipher, or the one learnt from `/authorization/202309/shops` on first use.
    pub(crate) shop_cipher: tokio::sync::OnceCell<String>,
    pub(crate) warehouse_id: Option<String>,
    pub(crate) mapping: TikTokMapping,
    /// Set with a service id: the seller is sent to TikTok's current consent page.
    pub(crate) consent: Option<crate::connect::ServiceConsent>,
}

// `Channel` routes each operation to this adapter's module for it; pushes are `channel.rs`.
kho_channel::kit_channel!(TikTokChannel, shop_id, shop_cipher);

/// TikTok's capabilities (docs/src/channels/tiktok.md §6.4, §7, §8, §9).
pub fn capabilities() -> Capabilities {
    Capabilities {
        channel: CHANNEL,
        // One product per call; TikTok gives no SKU cap (≤ 100 SKUs per product anyway).
        stock_batch: BatchScope::PerItem { max_variants: None },
        price_batch: BatchScope::PerItem { max_variants: None },
        // A limit exists (12019120); 20 is the only figure seen (unconfirmed) — conservative.
        max_status_items: crate::inventory::MAX_STATUS_ITEMS,
        max_order_details: crate::orders::MAX_DETAILS,
        // No documented cap on the search window.
        max_order_window: None,
        webhooks: true,
        tokens: TokenModel::rotating(Duration::from_secs(7 * 24 * 3600), REFRESH_AHEAD),
    }
}

impl TikTokChannel {
    /// Build the channel for one shop on the core's transport and token store. No network call happens here.
    pub fn new(config: TikTokAccountConfig, setup: Setup<'_>) -> Result<Self, TransportError> {
        let shop_cipher = match config.shop_cipher.filter(|c| !c.trim().is_empty()) {
            Some(c) => tokio::sync::OnceCell::new_with(Some(c)),
            None => tokio::sync::OnceCell::new(),
        };
        let creds = Credentials::new(
            config.base_url,
            config.auth_url,
            config.app_key,
            config.app_secret,
        );
        let settings = AccountSettings::new(config.name, config.rate_limit, capabilities());
        Ok(Self {
            kit: Account::new(setup, settings, TikTokGrant(creds.clone()), creds)?,
            shop_id: config.shop_id,
            shop_cipher,
            warehouse_id: config.warehouse_id,
            mapping: config.mapping,
            consent: crate::connect::ServiceConsent::new(config.service_id, config.consent_url),
        })
    }

    /// Finish a shop authorisation: exchange the redirect's `code` for tokens and store them.
    pub async fn authorize(&self, code: &SecretString) -> Result<TokenSet, ChannelError> {
        Ok(self.kit.authorize(code).await?.0)
    }

    /// The shops this authorisation covers, with their ciphers (`GET /authorization/202309/shops`).
    pub async fn shops(&self) -> Result<Vec<Shop>, ChannelError> {
        let data: ShopsData = self
            .call_with(&Request::new(Method::GET, SHOPS_PATH), None)
            .await?;
        Ok(data.shops)
    }

    /// The shop's warehouses (`GET /logistics/202309/warehouses`), e.g. to choose `warehouse_id`.
    pub async fn warehouses(&self) -> Result<Vec<Warehouse>, ChannelError> {
        let data: WarehousesData = self
            .api(&Request::new(Method::GET, WAREHOUSES_PATH))
            .await?;
        Ok(data.warehouses)
    }

    /// The shop cipher: configured, or discovered once (the `OnceCell` makes concurrent first calls share
    /// one discovery; a failed discovery is retried by the next call).
    pub async fn shop_cipher(&self) -> Result<&str, ChannelError> {
        self.shop_cipher
            .get_or_try_init(|| async {
                let shops = self.shops().await?;
                let chosen = pick_shop(&shops, self.shop_id.as_deref()).map_err(|msg| {
                    self.kit.error(
                        SHOPS_PATH,
                        ErrorKind::invalid_request("shop_discovery", msg),
                    )
                })?;
                tracing::info!(account = %self.kit.name, shop_id = %chosen.id, shop = %chosen.name,
                    region = %chosen.region, "discovered TikTok shop cipher");
                Ok(chosen.cipher.clone())
            })
            .await
            .map(String::as_str)
    }

    /// Run an Open API call, adding `shop_cipher` exactly on shop-scoped paths.
    pub(crate) async fn api<T>(&self, request: &Request) -> Result<T, ChannelError>
    where
        T: DeserializeOwned + Send,
    {
        let cipher = if is_shop_scoped(&request.method, &request.path) {
            Some(self.shop_cipher().await?)
        } else {
            None
        };
        self.call_with(request, cipher).await
    }

    /// Run a call with a valid token; on an auth answer (105002) refresh once and repeat once.
    async fn call_with<T>(&self, request: &Request, cipher: Option<&str>) -> Result<T, ChannelError>
    where
        T: DeserializeOwned + Send,
    {
        self.kit
            .call(|token| request.api_call(&self.kit.creds, cipher, token))
            .await
    }
}

/// Which shop of an authorisation is ours: the one with `shop_id`, else the only one.
pub(crate) fn pick_shop<'a>(shops: &'a [Shop], shop_id: Option<&str>) -> Result<&'a Shop, String> {
    let usable = || shops.iter().filter(|s| !s.cipher.is_empty());
    match shop_id {
        Some(id) => usable()
            .find(|s| s.id == id)
            .ok_or_else(|| format!("no authorised shop has id {id}")),
        None => {
            let mut it = usable();
            match (it.next(), it.next()) {
                (Some(only), None) => Ok(only),
                (None, _) => Err("the authorisation covers no shop".into()),
                (Some(_), Some(_)) => Err(format!(
                    "the authorisation covers several shops ({}); set shop_id or shop_cipher",
                    usable()
                        .map(|s| format!("{} {:?}", s.id, s.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop(id: &str, cipher: &str) -> Shop {
        Shop {
            cipher: cipher.into(),
            code: String::new(),
            id: id.into(),
            name: format!("shop {id}"),
            region: "VN".into(),
            seller_type: "LOCAL".into(),
        }
    }

    #[test]
    fn picks_the_configured_or_only_shop() {
        let one = [shop("1", "ROW_a")];
        assert_eq!(pick_shop(&one, None).unwrap().cipher, "ROW_a");
        let two = [shop("1", "ROW_a"), shop("2", "ROW_b")];
        assert_eq!(pick_shop(&two, Some("2")).unwrap().cipher, "ROW_b");
        assert!(pick_shop(&two, None).unwrap_err().contains("several shops"));
        assert!(pick_shop(&two, Some("3")).is_err());
        assert!(pick_shop(&[], None).is_err());
    }
}
