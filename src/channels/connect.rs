//! Connecting a shop: the marketplace's authorisation link for an account,
//! and the one exchange of the code that comes back for the shop's first
//! tokens (`kho accounts connect`, the `/oauth/{channel}/callback` page and
//! the admin API share it). See docs/src/guide/connecting-a-shop.md.
//!
//! Where the link can carry a `state` (TikTok Shop, Lazada) kho issues one,
//! bound to the account and spent by the callback. Shopee's signed link has
//! no state of its own (docs/src/channels/shopee.md §2.1), so kho puts it in
//! the redirect URL, which Shopee calls back with `code` and `shop_id`
//! appended (that a redirect's own query survives is not documented; the
//! callback page then asks for `--code`). A failed exchange stores nothing:
//! the account stays as it was.

use std::sync::Arc;

use chrono::TimeDelta;
use kho_channel::secrecy::SecretString;
use kho_channel::{ChannelError, Transport};
use url::Url;

use super::{Adapter, SetupError, build_concrete};
use crate::config::AccountConfig;
use crate::store::{Store, StoreError};

/// How long a printed link stays usable. Lazada's and TikTok's codes live
/// 30 minutes once issued; the seller needs a moment to log in first.
pub const STATE_TTL: TimeDelta = TimeDelta::minutes(30);

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The account cannot be set up (configuration).
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// What came back does not belong to this account (e.g. another shop).
    #[error("{0}")]
    Mismatch(String),
    /// The marketplace refused the code, or could not be reached.
    #[error("the marketplace refused the exchange: {0}")]
    Exchange(ChannelError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The channel has no authorisation to connect (WooCommerce): what the
    /// account needs instead.
    #[error("{0}")]
    NoConnect(String),
}

/// What a channel without OAuth needs instead of a connect.
fn no_connect(account: &AccountConfig) -> ConnectError {
    ConnectError::NoConnect(format!(
        "{} is a {} account: there is nothing to authorise, kho signs every call with the site's REST API key. \
         Create a key with Read/Write permission (WooCommerce → Settings → Advanced → REST API) and put it in \
         the account's credentials as consumer_key and consumer_secret, with the secret of the site's webhook \
         (delivery URL {{server.public_url}}/webhooks/woocommerce) as webhook_secret",
        account.name,
        account.channel.as_str()
    ))
}

/// A connected account, and what the operator should know about it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Connected {
    pub account: String,
    pub access_expires_at: chrono::DateTime<chrono::Utc>,
    /// Something to check, e.g. a seller other than the configured one.
    pub warnings: Vec<String>,
}

/// `{server.public_url}/oauth/{channel}/callback`: where the marketplace
/// sends the seller back.
pub fn redirect_uri(public_url: &Url, account: &AccountConfig) -> String {
    format!(
        "{}/oauth/{}/callback",
        public_url.as_str().trim_end_matches('/'),
        account.channel.as_str()
    )
}

/// The link a seller opens to authorise `account`, with a fresh state.
pub async fn authorization_link(
    store: &Store,
    transport: &Arc<Transport>,
    account: &AccountConfig,
    public_url: &Url,
) -> Result<Url, ConnectError> {
    if !account.channel.has_tokens() {
        return Err(no_connect(account));
    }
    let adapter = build_concrete(account, transport, store)?;
    let state = store.create_oauth_state(&account.name, STATE_TTL).await?;
    let redirect = redirect_uri(public_url, account);
    let link = match adapter {
        Adapter::Shopee(c) => {
            let mut back = Url::parse(&redirect).map_err(|e| {
                ConnectError::Mismatch(format!("server.public_url gives no valid redirect: {e}"))
            })?;
            back.query_pairs_mut().append_pair("state", &state);
            c.authorization_url(back.as_str())
        }
        Adapter::Tiktok(c) => c.authorization_url(&state),
        Adapter::Lazada(c) => c.authorization_url(&redirect, Some(&state)),
        Adapter::WooCommerce(_) => return Err(no_connect(account)),
        Adapter::Tiki(c) => c.authorization_url(&redirect, &state),
    };
    link.map_err(ConnectError::Exchange)
}

/// Exchanges `code` for the account's first tokens, stores them sealed and
/// takes the account out of `needs_reauth`. `shop_id` is the shop Shopee
/// says authorised; it must be the configured one. `public_url` gives the
/// redirect the code was sent to, which Tiki's exchange names again.
pub async fn exchange(
    store: &Store,
    transport: &Arc<Transport>,
    account: &AccountConfig,
    code: &str,
    shop_id: Option<&str>,
    public_url: &Url,
) -> Result<Connected, ConnectError> {
    let code = SecretString::from(code.trim().to_owned());
    let mut warnings = Vec::new();
    let tokens = match build_concrete(account, transport, store)? {
        Adapter::Shopee(c) => {
            if let Some(got) = shop_id
                && got.trim() != c.shop_id().to_string()
            {
                return Err(ConnectError::Mismatch(format!(
                    "shop {got} authorised, but account {} is shop {}: authorise with that shop's login",
                    account.name,
                    c.shop_id()
                )));
            }
            c.authorize(&code).await.map_err(ConnectError::Exchange)?
        }
        Adapter::Tiktok(c) => {
            let tokens = c.authorize(&code).await.map_err(ConnectError::Exchange)?;
            warnings.extend(tiktok_shop_check(&c, account).await);
            tokens
        }
        Adapter::Lazada(c) => {
            let authorized = c.authorize(&code).await.map_err(ConnectError::Exchange)?;
            if let (Some(configured), Some(got)) = (c.seller_id(), &authorized.seller_id)
                && configured != got
            {
                warnings.push(format!(
                    "seller {got} authorised, but the configuration names seller_id {configured}"
                ));
            }
            authorized.tokens
        }
        Adapter::WooCommerce(_) => return Err(no_connect(account)),
        Adapter::Tiki(c) => {
            // OAuth 2.0 asks for the redirect the code was sent to again.
            c.authorize(&code, &redirect_uri(public_url, account))
                .await
                .map_err(ConnectError::Exchange)?
        }
    };
    store.mark_connected(&account.name).await?;
    tracing::info!(account = %account.name, access_expires_at = %tokens.access_expires_at,
        "shop connected: tokens stored");
    Ok(Connected {
        account: account.name.clone(),
        access_expires_at: tokens.access_expires_at,
        warnings,
    })
}

/// TikTok names the authorised shops and their ciphers only through the
/// shop list (docs/src/channels/tiktok.md §2): the configured cipher must
/// be among them, or every shop call will be refused.
async fn tiktok_shop_check(
    channel: &kho_tiktok::TikTokChannel,
    account: &AccountConfig,
) -> Option<String> {
    let crate::config::Credentials::Tiktok(c) = &account.credentials else {
        return None;
    };
    match channel.shops().await {
        Ok(shops) if shops.iter().any(|s| s.cipher == c.shop_cipher) => None,
        Ok(shops) => Some(format!(
            "the configured shop_cipher is not among the authorised shops ({}): set credentials.shop_cipher to one of them",
            shops
                .iter()
                .map(|s| format!("{} {:?} cipher {}", s.id, s.name, s.cipher))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Err(e) => Some(format!("could not list the authorised shops: {e}")),
    }
}
