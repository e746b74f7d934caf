//! Access and refresh tokens (docs/src/channels/shopee.md §2).
//!
//! Access tokens live 4 h; refresh tokens are **single-use and rotate**: every refresh burns the old refresh
//! token and returns a new one. Hence:
//! * refreshes are serialised per shop (one `tokio::sync::Mutex`), and a task that waited re-checks whether
//!   another task already refreshed, so two calls racing through an expiry cause exactly one refresh;
//! * the new pair is persisted through the core's [`TokenStore`] **before** it is used; if persisting fails
//!   the pair is kept aside (never used) and persisting is retried on the next refresh instead of burning
//!   the — already rotated — refresh token again;
//! * tokens are refreshed ahead of expiry, and on an "invalid access token" answer (the caller then repeats
//!   its call once).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use kho_channel::{AccountClient, ChannelError, ErrorKind, TokenSet, TokenStore};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::api::{Call, Credentials};
use crate::classify::Shape;
use crate::wire::TokenResponse;

pub const REFRESH_PATH: &str = "/api/v2/auth/access_token/get";
pub const TOKEN_GET_PATH: &str = "/api/v2/auth/token/get";

/// Documented refresh-token lifetime (§2.4); Shopee does not return it.
const REFRESH_TTL_DAYS: i64 = 30;

pub(crate) struct TokenManager {
    account: String,
    store: Arc<dyn TokenStore>,
    /// The tokens in use. A std mutex: held only to clone or replace, never across an await.
    cached: Mutex<Option<TokenSet>>,
    /// Serialises refreshes. Holds a pair obtained from Shopee whose persisting failed.
    refresh: tokio::sync::Mutex<Option<TokenSet>>,
    refresh_ahead: chrono::Duration,
}

impl TokenManager {
    pub fn new(
        account: String,
        store: Arc<dyn TokenStore>,
        refresh_ahead: chrono::Duration,
    ) -> Self {
        Self {
            account,
            store,
            cached: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(None),
            refresh_ahead,
        }
    }

    fn cached(&self) -> Option<TokenSet> {
        self.cached.lock().ok().and_then(|c| c.clone())
    }

    fn set_cached(&self, tokens: TokenSet) {
        if let Ok(mut c) = self.cached.lock() {
            *c = Some(tokens);
        }
    }

    fn store_error(&self, endpoint: &str, e: impl std::fmt::Display) -> ChannelError {
        ErrorKind::Transient {
            message: format!("token store: {e}"),
        }
        .at(self.account.clone(), endpoint)
    }

    async fn load(&self) -> Result<Option<TokenSet>, ChannelError> {
        self.store
            .load(&self.account)
            .await
            .map_err(|e| self.store_error("token_store.load", e))
    }

    /// The tokens in use, loaded from the store on first use.
    pub async fn current(&self) -> Result<TokenSet, ChannelError> {
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        match self.load().await? {
            Some(t) => {
                self.set_cached(t.clone());
                Ok(t)
            }
            None => Err(ErrorKind::ReauthRequired {
                code: "kho.no_tokens".into(),
                message: "no tokens stored for this account: authorise the shop first".into(),
            }
            .at(self.account.clone(), "token_store.load")),
        }
    }

    /// Tokens good for a call: refreshed first when the access token expires within the margin.
    pub async fn usable(
        &self,
        http: &AccountClient,
        creds: &Credentials,
    ) -> Result<TokenSet, ChannelError> {
        let t = self.current().await?;
        if t.access_expires_within(Utc::now(), self.refresh_ahead) {
            self.refresh(http, creds, &t).await
        } else {
            Ok(t)
        }
    }

    /// Replace `stale` with a new pair — unless another task (or a re-authorisation stored by the core)
    /// already did, in which case that pair is returned.
    pub async fn refresh(
        &self,
        http: &AccountClient,
        creds: &Credentials,
        stale: &TokenSet,
    ) -> Result<TokenSet, ChannelError> {
        let mut unsaved = self.refresh.lock().await;
        if let Some(cur) = self.cached()
            && !cur.same_access_token(stale)
        {
            return Ok(cur);
        }
        let latest = match self.load().await? {
            Some(stored) if !stored.same_access_token(stale) => {
                // Newer than ours (e.g. the shop was re-authorised): adopt it.
                self.set_cached(stored.clone());
                if !stored.access_expires_within(Utc::now(), self.refresh_ahead) {
                    return Ok(stored);
                }
                stored
            }
            Some(stored) => stored,
            None => stale.clone(),
        };
        let fresh = match unsaved.take() {
            Some(pending) => pending,
            None => {
                let response = request_refresh(http, creds, &latest.refresh_token).await?;
                token_set(response, Utc::now())
            }
        };
        if let Err(e) = self.store.save(&self.account, &fresh).await {
            // Never use a pair that is not stored; keep it to persist on the next attempt.
            *unsaved = Some(fresh);
            return Err(self.store_error(REFRESH_PATH, e));
        }
        tracing::info!(
            account = %self.account,
            expires_at = %fresh.access_expires_at,
            "access token refreshed"
        );
        self.set_cached(fresh.clone());
        Ok(fresh)
    }

    /// Exchange an authorisation `code` (from the redirect after the seller authorised) for tokens and
    /// persist them.
    pub async fn exchange_code(
        &self,
        http: &AccountClient,
        creds: &Credentials,
        code: &SecretString,
    ) -> Result<TokenSet, ChannelError> {
        let _guard = self.refresh.lock().await;
        let call: Call<'_, TokenResponse> = Call::public(
            creds,
            Method::POST,
            TOKEN_GET_PATH,
            Shape::TopLevel { sensitive: true },
        )
        .json(json!({
            "code": code.expose_secret(),
            "partner_id": creds.partner_id,
            "shop_id": creds.shop_id,
        }));
        let tokens = token_set(http.execute(&call).await?, Utc::now());
        self.store
            .save(&self.account, &tokens)
            .await
            .map_err(|e| self.store_error(TOKEN_GET_PATH, e))?;
        self.set_cached(tokens.clone());
        Ok(tokens)
    }
}

async fn request_refresh(
    http: &AccountClient,
    creds: &Credentials,
    refresh_token: &SecretString,
) -> Result<TokenResponse, ChannelError> {
    let call: Call<'_, TokenResponse> = Call::public(
        creds,
        Method::POST,
        REFRESH_PATH,
        Shape::TopLevel { sensitive: true },
    )
    .json(json!({
        "refresh_token": refresh_token.expose_secret(),
        "partner_id": creds.partner_id,
        "shop_id": creds.shop_id,
    }));
    http.execute(&call).await.map_err(|mut e| {
        // On the refresh endpoint, an auth error means the refresh token is gone: only re-authorisation helps.
        if let ErrorKind::AuthExpired { code, message } = e.kind {
            e.kind = ErrorKind::ReauthRequired { code, message };
        }
        e
    })
}

fn token_set(r: TokenResponse, now: DateTime<Utc>) -> TokenSet {
    TokenSet {
        access_token: r.access_token,
        refresh_token: r.refresh_token,
        access_expires_at: expiry_from(r.expire_in, now),
        refresh_expires_at: Some(now + chrono::Duration::days(REFRESH_TTL_DAYS)),
    }
}

/// `expire_in` is documented as seconds (and guide examples are durations), but the reference sample shows an
/// epoch (§2.2): accept both, telling them apart by size.
pub(crate) fn expiry_from(expire_in: i64, now: DateTime<Utc>) -> DateTime<Utc> {
    const EPOCH_THRESHOLD: i64 = 1_000_000_000;
    if expire_in >= EPOCH_THRESHOLD {
        DateTime::from_timestamp(expire_in, 0).unwrap_or(now)
    } else {
        now + chrono::Duration::seconds(expire_in.max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn expire_in_as_duration_or_epoch() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(expiry_from(14400, now), now + chrono::Duration::hours(4));
        assert_eq!(
            expiry_from(1767001812, now),
            DateTime::from_timestamp(1767001812, 0).unwrap()
        );
    }
}
