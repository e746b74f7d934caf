//! The adapters' token store, backed by the database.

use kho_channel::secrecy::{ExposeSecret, SecretString};
use kho_channel::{TokenSet, TokenStore, TokenStoreError};

use crate::store::Store;
use crate::store::accounts::StoredTokens;

/// Persists rotated tokens in `account_tokens`; `save` returns only once the
/// write is committed, which is what single-use refresh tokens require.
#[derive(Clone)]
pub struct StoreTokens {
    store: Store,
}

impl StoreTokens {
    pub fn new(store: Store) -> Self {
        StoreTokens { store }
    }
}

#[async_trait::async_trait]
impl TokenStore for StoreTokens {
    async fn load(&self, account: &str) -> Result<Option<TokenSet>, TokenStoreError> {
        let stored = self
            .store
            .load_tokens(account)
            .await
            .map_err(|e| TokenStoreError(e.to_string()))?;
        Ok(stored.map(|t| TokenSet {
            access_token: SecretString::from(t.access_token),
            refresh_token: SecretString::from(t.refresh_token),
            access_expires_at: t.access_expires_at,
            refresh_expires_at: t.refresh_expires_at,
        }))
    }

    async fn save(&self, account: &str, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        self.store
            .save_tokens(
                account,
                &StoredTokens {
                    access_token: tokens.access_token.expose_secret().to_owned(),
                    refresh_token: tokens.refresh_token.expose_secret().to_owned(),
                    access_expires_at: tokens.access_expires_at,
                    refresh_expires_at: tokens.refresh_expires_at,
                },
            )
            .await
            .map_err(|e| TokenStoreError(e.to_string()))
    }
}
