//! Access and refresh tokens (docs/src/channels/tiktok.md §2).
//!
//! * `access_token_expire_in` / `refresh_token_expire_in` are **absolute Unix timestamps**, not durations
//!   (trap 7); access tokens live about 7 days.
//! * Refresh goes to the auth host (`GET /api/v2/token/refresh`, unsigned, `app_secret` in the query) and
//!   returns a new refresh token; whether the old one keeps working is undocumented, so refreshes are
//!   treated as rotating: serialised per account (one `tokio::sync::Mutex`; a task that waited re-checks
//!   whether another already refreshed, so concurrent calls through an expiry cause exactly one refresh), and
//!   the new pair is persisted through the core's [`TokenStore`] **before** it is used. If persisting fails
//!   the pair is kept aside (never used) and persisting is retried on the next attempt instead of spending
//!   the refresh token again.
//! * Tokens are refreshed ahead of expiry, and on 105002 (the caller then repeats its call once).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kho_channel::{AccountClient, ChannelError, ErrorKind, TokenSet, TokenStore};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};

use crate::api::{Call, Credentials, Request};
use crate::wire::TokenData;

pub const REFRESH_PATH: &str = "/api/v2/token/refresh";
pub const TOKEN_GET_PATH: &str = "/api/v2/token/get";

/// After a successful refresh, do not refresh *ahead of expiry* again for this long. Guards against a
/// refresh that hands back a token still inside the refresh-ahead margin (e.g. TikTok returning the current
/// token), which would otherwise trigger a refresh on every call. Expired tokens and 105002 still refresh at
/// once.
const AHEAD_COOLDOWN: Duration = Duration::from_secs(10 * 60);

/// After a failed refresh ahead of expiry, calls keep using the still-valid token and do not try again for
/// this long, so an auth-host outage neither fails calls nor multiplies refresh attempts.
const AHEAD_RETRY: Duration = Duration::from_secs(60);

pub(crate) struct TokenManager {
    account: String,
    store: Arc<dyn TokenStore>,
    /// The tokens in use. A std mutex: held only to clone or replace, never across an await.
    cached: Mutex<Option<TokenSet>>,
    /// Serialises refreshes. Holds a pair obtained from TikTok whose persisting failed.
    refresh: tokio::sync::Mutex<Option<TokenSet>>,
    /// The last refresh ahead of expiry: when, and whether it succeeded.
    last_ahead: Mutex<Option<(Instant, bool)>>,
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
            last_ahead: Mutex::new(None),
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

    /// Whether a refresh ahead of expiry is allowed now (see [`AHEAD_COOLDOWN`], [`AHEAD_RETRY`]).
    fn ahead_allowed(&self) -> bool {
        match self.last_ahead.lock().ok().and_then(|l| *l) {
            Some((at, true)) => at.elapsed() >= AHEAD_COOLDOWN,
            Some((at, false)) => at.elapsed() >= AHEAD_RETRY,
            None => true,
        }
    }

    fn note_ahead(&self, ok: bool) {
        if let Ok(mut l) = self.last_ahead.lock() {
            *l = Some((Instant::now(), ok));
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

    /// Tokens good for a call. An expired access token is refreshed first (or the call fails). One that
    /// merely expires within the margin is refreshed ahead; if that fails, the still-valid token is used and
    /// the failure only logged — the scheduler's [`Self::refresh_if_due`] reports it.
    pub async fn usable(
        &self,
        http: &AccountClient,
        creds: &Credentials,
    ) -> Result<TokenSet, ChannelError> {
        let t = self.current().await?;
        let now = Utc::now();
        if t.access_expires_at <= now {
            return self.refresh(http, creds, &t).await;
        }
        if !t.access_expires_within(now, self.refresh_ahead) || !self.ahead_allowed() {
            return Ok(t);
        }
        match self.refresh(http, creds, &t).await {
            Ok(fresh) => Ok(fresh),
            Err(e) => {
                self.note_ahead(false);
                tracing::warn!(account = %self.account, error = %e,
                    "refreshing ahead of expiry failed; using the current token until it expires");
                Ok(t)
            }
        }
    }

    /// For the core's token scheduler: refresh when within the margin, and report failures.
    pub async fn refresh_if_due(
        &self,
        http: &AccountClient,
        creds: &Credentials,
    ) -> Result<(), ChannelError> {
        let t = self.current().await?;
        if t.access_expires_within(Utc::now(), self.refresh_ahead) {
            self.refresh(http, creds, &t).await.map(|_| ())
        } else {
            Ok(())
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
                let now = Utc::now();
                if latest.refresh_expires_at.is_some_and(|at| at <= now) {
                    return Err(ErrorKind::ReauthRequired {
                        code: "kho.refresh_token_expired".into(),
                        message: "the refresh token has expired: re-authorise the shop".into(),
                    }
                    .at(self.account.clone(), REFRESH_PATH));
                }
                let data = request_refresh(http, creds, &latest.refresh_token).await?;
                token_set(data, now)
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
        self.note_ahead(true);
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
        let request = Request::new(Method::GET, TOKEN_GET_PATH)
            .query("auth_code", code.expose_secret())
            .query("grant_type", "authorized_code");
        let call: Call<'_, TokenData> = Call::auth(creds, &request);
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
) -> Result<TokenData, ChannelError> {
    let request = Request::new(Method::GET, REFRESH_PATH)
        .query("refresh_token", refresh_token.expose_secret())
        .query("grant_type", "refresh_token");
    let call: Call<'_, TokenData> = Call::auth(creds, &request);
    http.execute(&call).await.map_err(|mut e| {
        // On the refresh endpoint an auth answer means the refresh token itself is refused: only
        // re-authorisation helps.
        if let ErrorKind::AuthExpired { code, message } = e.kind {
            e.kind = ErrorKind::ReauthRequired { code, message };
        }
        e
    })
}

fn token_set(d: TokenData, now: DateTime<Utc>) -> TokenSet {
    TokenSet {
        access_expires_at: d
            .access_token_expire_in
            .map_or(now, |v| expiry_from(v, now)),
        refresh_expires_at: d.refresh_token_expire_in.map(|v| expiry_from(v, now)),
        access_token: d.access_token,
        refresh_token: d.refresh_token,
    }
}

/// `*_expire_in` are absolute epochs. A value far too small to be a date (before 2001) can only be a
/// duration; it is read as one rather than as a date in 1970, which would refresh on every call.
pub(crate) fn expiry_from(expire_in: i64, now: DateTime<Utc>) -> DateTime<Utc> {
    const EPOCH_THRESHOLD: i64 = 1_000_000_000;
    if expire_in >= EPOCH_THRESHOLD {
        DateTime::from_timestamp(expire_in, 0).unwrap_or(now)
    } else {
        tracing::warn!(
            expire_in,
            "token expiry looks like a duration, not an epoch; reading it as seconds from now"
        );
        now + chrono::Duration::seconds(expire_in.max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn expire_in_is_an_epoch() {
        let now = Utc.with_ymd_and_hms(2022, 8, 8, 9, 46, 23).unwrap();
        // SKIT AuthGetTokenResponse.json: +7 days and ≈ +1 year.
        assert_eq!(
            expiry_from(1660556783, now),
            DateTime::from_timestamp(1660556783, 0).unwrap()
        );
        assert_eq!((expiry_from(1660556783, now) - now).num_days(), 7);
        assert!(expiry_from(1691487031, now) > now + chrono::Duration::days(360));
        // A duration is not mistaken for 1970.
        assert_eq!(expiry_from(604800, now), now + chrono::Duration::days(7));
    }

    #[test]
    fn token_data_maps_both_expiries() {
        let d: TokenData = serde_json::from_str(
            r#"{"access_token":"A","access_token_expire_in":1660556783,"refresh_token":"R","refresh_token_expire_in":1691487031,"open_id":"o","seller_name":"s","seller_base_region":"VN","user_type":0}"#,
        )
        .unwrap();
        let t = token_set(d, Utc::now());
        assert_eq!(t.access_token.expose_secret(), "A");
        assert_eq!(t.access_expires_at.timestamp(), 1660556783);
        assert_eq!(
            t.refresh_expires_at.map(|t| t.timestamp()),
            Some(1691487031)
        );
    }
}
