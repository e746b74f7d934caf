//! What every adapter's channel holds for its account, built the same way for every marketplace.

use std::sync::Arc;

use crate::capabilities::Capabilities;
use crate::error::{ChannelError, ErrorKind};
use crate::kit::tokens::{TokenGrant, TokenManager};
use crate::token::{TokenSet, TokenStore};
use crate::transport::{AccountClient, Exchange, RateLimit, Transport, TransportError};

use secrecy::SecretString;

/// One marketplace account: its name, its HTTP client (with the account's rate limiter), its tokens and
/// what the marketplace can do.
pub struct Account<G> {
    /// kho's account name (logs, metrics, errors, token store key).
    pub name: String,
    pub http: AccountClient,
    pub tokens: TokenManager<G>,
    pub capabilities: Capabilities,
}

impl<G: TokenGrant> Account<G> {
    /// `transport` is the process-wide transport; `store` the core's token store. Tokens are refreshed
    /// `capabilities.tokens.refresh_ahead` before they expire. No network call happens here.
    pub fn new(
        transport: &Arc<Transport>,
        name: String,
        rate_limit: RateLimit,
        store: Arc<dyn TokenStore>,
        grant: G,
        capabilities: Capabilities,
    ) -> Result<Self, TransportError> {
        let http = transport.account(capabilities.channel, name.clone(), rate_limit)?;
        let tokens = TokenManager::new(
            name.clone(),
            store,
            grant,
            capabilities.tokens.refresh_ahead,
        );
        Ok(Self {
            name,
            http,
            tokens,
            capabilities,
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
