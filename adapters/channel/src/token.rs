//! OAuth tokens and where they are kept.
//!
//! Adapters never touch the database: the core implements [`TokenStore`]. The contract that matters for
//! rotating refresh tokens (Shopee): a newly obtained pair is **persisted before it is used**. If persisting
//! fails the adapter does not use the new pair and reports the failure, because a pair that is in use but
//! not stored is lost at the next restart, and with it the shop's authorisation.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

/// An access/refresh token pair with expiries. `Debug` redacts the tokens (via `secrecy`).
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    pub access_expires_at: DateTime<Utc>,
    /// `None` when the marketplace does not say.
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

impl TokenSet {
    /// True when the access token expires within `margin` of `now` (or already has).
    pub fn access_expires_within(&self, now: DateTime<Utc>, margin: chrono::Duration) -> bool {
        self.access_expires_at - margin <= now
    }

    /// Same tokens? Used to detect that another task refreshed while we waited.
    pub fn same_access_token(&self, other: &TokenSet) -> bool {
        self.access_token.expose_secret() == other.access_token.expose_secret()
    }
}

/// Why the store failed; the message must not contain tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token store: {0}")]
pub struct TokenStoreError(pub String);

/// Durable storage of each account's current tokens, implemented by the core.
#[async_trait::async_trait]
pub trait TokenStore: Send + Sync {
    /// The account's current tokens, `None` if it has never been authorised.
    async fn load(&self, account: &str) -> Result<Option<TokenSet>, TokenStoreError>;
    /// Durably replace the account's tokens. Must not return before the write is committed.
    async fn save(&self, account: &str, tokens: &TokenSet) -> Result<(), TokenStoreError>;
}

/// An in-memory store for tests, the demo and the simulators.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, TokenSet>>,
}

impl MemoryTokenStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Seed an account (as the core seeds tokens from the config file).
    pub fn with(self, account: &str, tokens: TokenSet) -> Self {
        if let Ok(mut map) = self.tokens.lock() {
            map.insert(account.to_owned(), tokens);
        }
        self
    }

    fn lock(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, HashMap<String, TokenSet>>, TokenStoreError> {
        self.tokens
            .lock()
            .map_err(|_| TokenStoreError("poisoned lock".into()))
    }
}

#[async_trait::async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self, account: &str) -> Result<Option<TokenSet>, TokenStoreError> {
        Ok(self.lock()?.get(account).cloned())
    }

    async fn save(&self, account: &str, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        self.lock()?.insert(account.to_owned(), tokens.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_tokens() {
        let t = TokenSet {
            access_token: SecretString::from("access-SECRET-1"),
            refresh_token: SecretString::from("refresh-SECRET-2"),
            access_expires_at: Utc::now(),
            refresh_expires_at: None,
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
