//! What every adapter's channel holds for its account, built the same way for every marketplace: the HTTP
//! client with the account's rate limiter, the token manager, the capabilities and the credentials calls are
//! signed with. An adapter's channel is this plus its marketplace's own settings (shop ids, mapping).

use std::fmt;
use std::sync::Arc;

use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::capabilities::Capabilities;
use crate::error::{ChannelError, ErrorKind};
use crate::kit::call::{Call, Signing};
use crate::kit::tokens::{TokenGrant, TokenManager};
use crate::token::{TokenSet, TokenStore};
use crate::transport::{AccountClient, Exchange, RateLimit, Transport, TransportError};

use secrecy::SecretString;

/// What the core hands every adapter to build an account's channel on: the process-wide transport and the
/// core's token store (seeded by the core, then updated by every refresh).
#[derive(Clone)]
pub struct Setup<'a> {
    pub transport: &'a Arc<Transport>,
    pub store: Arc<dyn TokenStore>,
}

impl<'a> Setup<'a> {
    pub fn new(transport: &'a Arc<Transport>, store: Arc<dyn TokenStore>) -> Self {
        Self { transport, store }
    }
}

/// kho's side of one account, the same for every marketplace: the account's name and request rate (from its
/// config) and what the marketplace can do.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// kho's account name (logs, metrics, errors, token store key).
    pub name: String,
    pub rate_limit: RateLimit,
    pub capabilities: Capabilities,
}

impl AccountSettings {
    pub fn new(name: String, rate_limit: RateLimit, capabilities: Capabilities) -> Self {
        Self {
            name,
            rate_limit,
            capabilities,
        }
    }
}

/// One marketplace account: its name, its HTTP client (with the account's rate limiter), its tokens, what
/// the marketplace can do and the credentials `C` its calls are signed with. `G` asks for its tokens; for a
/// marketplace whose token calls need nothing but the credentials, `G` is `C` ([`Self::own_grant`]).
pub struct Account<G, C = G> {
    /// kho's account name (logs, metrics, errors, token store key).
    pub name: String,
    pub http: AccountClient,
    pub tokens: TokenManager<G>,
    pub capabilities: Capabilities,
    /// What every call is signed and addressed with.
    pub creds: C,
}

impl<G: TokenGrant, C> Account<G, C> {
    /// Tokens are refreshed `capabilities.tokens.refresh_ahead` before they expire. No network call happens
    /// here.
    pub fn new(
        setup: Setup<'_>,
        settings: AccountSettings,
        grant: G,
        creds: C,
    ) -> Result<Self, TransportError> {
        let AccountSettings {
            name,
            rate_limit,
            capabilities,
        } = settings;
        let http = setup
            .transport
            .account(capabilities.channel, name.clone(), rate_limit)?;
        let tokens = TokenManager::new(
            name.clone(),
            setup.store,
            grant,
            capabilities.tokens.refresh_ahead,
        );
        Ok(Self {
            name,
            http,
            tokens,
            capabilities,
            creds,
        })
    }

    /// Run one call with a usable access token; on an auth-expired answer refresh once and repeat it once
    /// (see [`TokenManager::call`]). `make` builds the call for a given access token.
    pub async fn call<E, F>(&self, make: F) -> Result<E::Output, ChannelError>
    where
        E: Exchange,
        F: Fn(SecretString) -> E,
    {
        self.tokens
            .call(&self.http, |token| {
                let call = make(token);
                async move { self.http.execute(&call).await }
            })
            .await
    }

    /// Complete an authorisation with the `code` from the seller's redirect (see [`TokenManager::authorize`]).
    pub async fn authorize(
        &self,
        code: &SecretString,
    ) -> Result<(TokenSet, G::Response), ChannelError> {
        self.tokens.authorize(&self.http, code).await
    }

    /// An error of this account at `endpoint`.
    pub fn error(&self, endpoint: &str, kind: ErrorKind) -> ChannelError {
        self.http.error(endpoint, kind)
    }
}

impl<G: TokenGrant + Signing<Credentials = C>, C> Account<G, C> {
    /// Run a call to `path` made with the account's token — refresh once and repeat once on an
    /// auth-expired answer; `add` adds its parameters and body to the [`Call`].
    pub async fn send<'a, T, F>(
        &'a self,
        method: Method,
        path: &'static str,
        add: F,
    ) -> Result<T, ChannelError>
    where
        T: DeserializeOwned + Send,
        F: Fn(Call<'a, G, T>) -> Call<'a, G, T>,
    {
        self.call(|token| add(Call::with_token(&self.creds, method.clone(), path, token)))
            .await
    }
}

impl<C: TokenGrant + Clone> Account<C, C> {
    /// For a marketplace whose token calls need nothing but the credentials (Shopee): they are the grant.
    pub fn own_grant(
        setup: Setup<'_>,
        settings: AccountSettings,
        creds: C,
    ) -> Result<Self, TransportError> {
        Self::new(setup, settings, creds.clone(), creds)
    }
}

/// Name, channel and credentials; the credentials' secrets are `SecretString`s, whose `Debug` redacts them.
impl<G, C: fmt::Debug> fmt::Debug for Account<G, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name)
            .field("channel", &self.capabilities.channel)
            .field("creds", &self.creds)
            .finish_non_exhaustive()
    }
}
