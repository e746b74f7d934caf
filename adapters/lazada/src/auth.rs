//! Access and refresh tokens (docs/src/channels/lazada.md §2).
//!
//! Tokens are created (`/auth/token/create`, from the seller's authorisation code) and refreshed
//! (`/auth/token/refresh`) on the separate auth gateway, signed like any call but without `access_token`.
//! Access tokens live 30 days (Online apps; 7 for Test apps). **Refreshing does not extend the refresh token's
//! own life** (180 days Online; 14 or 30 for Test apps — the guides disagree, so `refresh_expires_in` is read,
//! not assumed): at its end the seller must authorise the app again, whatever kho does. Hence:
//! * the refresh token's end is tracked (from `refresh_expires_in`), exposed through
//!   [`crate::LazadaChannel::refresh_token_status`] and logged as a warning (never with the token) once it is
//!   within [`REAUTH_WARNING_DAYS`], so a person re-authorises in time;
//! * a refresh token known to be expired is not even sent: the call fails as
//!   [`ErrorKind::ReauthRequired`], as does Lazada's `IllegalRefreshToken`;
//! * refreshes are serialised per account (one `tokio::sync::Mutex`), and a task that waited re-checks whether
//!   another task already refreshed, so calls racing through an expiry cause exactly one refresh;
//! * the new pair is persisted through the core's [`TokenStore`] **before** it is used (Lazada says to always
//!   keep the newest refresh token; whether the old one stays valid is undocumented, so a pair that could not
//!   be stored is kept aside and stored on the next attempt instead of refreshing again).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kho_channel::{AccountClient, ChannelError, ErrorKind, TokenSet, TokenStore};
use secrecy::{ExposeSecret, SecretString};

use crate::api::{Call, Credentials};
use crate::wire::TokenResponse;

pub const TOKEN_CREATE: &str = "/auth/token/create";
pub const TOKEN_REFRESH: &str = "/auth/token/refresh";

/// Warn this many days before the refresh token ends. Lazada's own push (type 8) warns only 48 h ahead; a
/// week leaves a cooperative time to find whoever holds the Seller Center login.
pub const REAUTH_WARNING_DAYS: i64 = 7;

/// Repeat the warning at most this often per account (it is checked on every call).
const WARNING_INTERVAL: Duration = Duration::from_secs(3600);

/// When the access token can be used without a refresh and a refresh failed anyway, keep using it as long as
/// it has at least this much life left.
const STILL_VALID_MARGIN: chrono::Duration = chrono::Duration::minutes(1);

/// Where the seller's authorisation stands, for the core and operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshTokenStatus {
    /// Lazada did not say when the refresh token ends.
    Unknown,
    Valid {
        expires_at: DateTime<Utc>,
    },
    /// Within [`REAUTH_WARNING_DAYS`] of its end: the seller should re-authorise now.
    EndingSoon {
        expires_at: DateTime<Utc>,
    },
    /// Ended (or Lazada said it cannot be refreshed): the seller must re-authorise once the access token
    /// expires.
    Expired {
        expires_at: DateTime<Utc>,
    },
}

impl RefreshTokenStatus {
    pub fn of(tokens: &TokenSet, now: DateTime<Utc>) -> Self {
        match tokens.refresh_expires_at {
            None => Self::Unknown,
            Some(at) if at <= now => Self::Expired { expires_at: at },
            Some(at) if at - chrono::Duration::days(REAUTH_WARNING_DAYS) <= now => {
                Self::EndingSoon { expires_at: at }
            }
            Some(at) => Self::Valid { expires_at: at },
        }
    }
}

/// What a completed authorisation yields.
#[derive(Debug, Clone)]
pub struct Authorized {
    pub tokens: TokenSet,
    /// The seller id for the token's country, for routing pushes.
    pub seller_id: Option<String>,
    /// `vn`, `sg`, … or `cb` (cross-border).
    pub country: String,
}

pub(crate) struct TokenManager {
    account: String,
    store: Arc<dyn TokenStore>,
    /// The tokens in use. A std mutex: held only to clone or replace, never across an await.
    cached: Mutex<Option<TokenSet>>,
    /// Serialises refreshes. Holds a pair obtained from Lazada whose persisting failed.
    refresh: tokio::sync::Mutex<Option<TokenSet>>,
    refresh_ahead: chrono::Duration,
    last_warning: Mutex<Option<Instant>>,
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
            last_warning: Mutex::new(None),
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
                message: "no tokens stored for this account: authorise the seller first".into(),
            }
            .at(self.account.clone(), "token_store.load")),
        }
    }

    /// Log (without any token) that the seller must re-authorise soon; at most once per
    /// [`WARNING_INTERVAL`].
    pub fn warn_if_reauth_due(&self, tokens: &TokenSet) -> RefreshTokenStatus {
        let status = RefreshTokenStatus::of(tokens, Utc::now());
        let (expires_at, ended) = match status {
            RefreshTokenStatus::EndingSoon { expires_at } => (expires_at, false),
            RefreshTokenStatus::Expired { expires_at } => (expires_at, true),
            _ => return status,
        };
        let due = match self.last_warning.lock() {
            Ok(mut last) => {
                let due = last.is_none_or(|at| at.elapsed() >= WARNING_INTERVAL);
                if due {
                    *last = Some(Instant::now());
                }
                due
            }
            Err(_) => true,
        };
        if due {
            let days_left = (expires_at - Utc::now()).num_hours() as f64 / 24.0;
            if ended {
                tracing::warn!(account = %self.account, refresh_expires_at = %expires_at,
                    "Lazada refresh token has ended: the seller must re-authorise kho in Seller Center before the access token expires");
            } else {
                tracing::warn!(account = %self.account, refresh_expires_at = %expires_at, days_left,
                    "Lazada refresh token ends soon and refreshing does not extend it: the seller must re-authorise kho");
            }
        }
        status
    }

    /// Tokens good for a call: refreshed first when the access token expires within the margin. If that
    /// refresh fails while the access token still works, the call goes ahead with it (and the failure is
    /// logged); the scheduler's [`Self::refresh_due`] reports such failures.
    pub async fn usable(
        &self,
        http: &AccountClient,
        creds: &Credentials,
    ) -> Result<TokenSet, ChannelError> {
        let t = self.current().await?;
        self.warn_if_reauth_due(&t);
        let now = Utc::now();
        if !t.access_expires_within(now, self.refresh_ahead) {
            return Ok(t);
        }
        match self.refresh(http, creds, &t).await {
            Ok(fresh) => Ok(fresh),
            Err(e) if !t.access_expires_within(now, STILL_VALID_MARGIN) => {
                tracing::warn!(account = %self.account, error = %e,
                    access_expires_at = %t.access_expires_at,
                    "refreshing the Lazada access token ahead of expiry failed; using the current one meanwhile");
                Ok(t)
            }
            Err(e) => Err(e),
        }
    }

    /// For the core's refresh scheduler: refresh if due and report any failure.
    pub async fn refresh_due(
        &self,
        http: &AccountClient,
        creds: &Credentials,
    ) -> Result<(), ChannelError> {
        let t = self.current().await?;
        self.warn_if_reauth_due(&t);
        if t.access_expires_within(Utc::now(), self.refresh_ahead) {
            self.refresh(http, creds, &t).await?;
        }
        Ok(())
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
                // Newer than ours (e.g. the seller re-authorised): adopt it.
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
                if let RefreshTokenStatus::Expired { expires_at } =
                    RefreshTokenStatus::of(&latest, now)
                {
                    self.warn_if_reauth_due(&latest);
                    return Err(ErrorKind::ReauthRequired {
                        code: "kho.refresh_token_expired".into(),
                        message: format!(
                            "the refresh token ended at {expires_at} (refreshing never extends it): the seller must re-authorise"
                        ),
                    }
                    .at(self.account.clone(), TOKEN_REFRESH));
                }
                let response = request_refresh(http, creds, &latest.refresh_token).await?;
                token_set(response, Utc::now(), latest.refresh_expires_at)
            }
        };
        if let Err(e) = self.store.save(&self.account, &fresh).await {
            // Never use a pair that is not stored; keep it to persist on the next attempt.
            *unsaved = Some(fresh);
            return Err(self.store_error(TOKEN_REFRESH, e));
        }
        tracing::info!(
            account = %self.account,
            expires_at = %fresh.access_expires_at,
            refresh_expires_at = ?fresh.refresh_expires_at,
            "Lazada access token refreshed"
        );
        self.set_cached(fresh.clone());
        self.warn_if_reauth_due(&fresh);
        Ok(fresh)
    }

    /// Exchange an authorisation `code` (valid 30 minutes, single use) for tokens and persist them.
    pub async fn exchange_code(
        &self,
        http: &AccountClient,
        creds: &Credentials,
        code: &SecretString,
    ) -> Result<Authorized, ChannelError> {
        let _guard = self.refresh.lock().await;
        let call: Call<'_, TokenResponse> =
            Call::auth(creds, TOKEN_CREATE).param("code", code.expose_secret());
        let response = http.execute(&call).await?;
        let seller_id = response.seller_id();
        let country = response.country.clone();
        let tokens = token_set(response, Utc::now(), None);
        self.store
            .save(&self.account, &tokens)
            .await
            .map_err(|e| self.store_error(TOKEN_CREATE, e))?;
        self.set_cached(tokens.clone());
        Ok(Authorized {
            tokens,
            seller_id,
            country,
        })
    }
}

async fn request_refresh(
    http: &AccountClient,
    creds: &Credentials,
    refresh_token: &SecretString,
) -> Result<TokenResponse, ChannelError> {
    let call: Call<'_, TokenResponse> =
        Call::auth(creds, TOKEN_REFRESH).param("refresh_token", refresh_token.expose_secret());
    http.execute(&call).await.map_err(|mut e| {
        // On the refresh endpoint, any auth error means the refresh token is gone: only re-authorisation
        // helps.
        if let ErrorKind::AuthExpired { code, message } = e.kind {
            e.kind = ErrorKind::ReauthRequired { code, message };
        }
        e
    })
}

/// Build the stored pair. `refresh_expires_in` is the refresh token's *remaining* life (refreshing does not
/// reset it); `0` means it cannot be refreshed at all. When Lazada leaves it out, the previous end is kept.
pub(crate) fn token_set(
    r: TokenResponse,
    now: DateTime<Utc>,
    previous_refresh_end: Option<DateTime<Utc>>,
) -> TokenSet {
    let refresh_expires_at = match r.refresh_expires_in {
        Some(secs) if secs <= 0 => Some(now),
        Some(secs) => Some(now + chrono::Duration::seconds(secs)),
        None => previous_refresh_end,
    };
    TokenSet {
        access_token: r.access_token,
        refresh_token: r.refresh_token,
        access_expires_at: now + chrono::Duration::seconds(r.expires_in.max(0)),
        refresh_expires_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn response(expires_in: i64, refresh_expires_in: Option<i64>) -> TokenResponse {
        TokenResponse {
            access_token: SecretString::from("a"),
            refresh_token: SecretString::from("r"),
            expires_in,
            refresh_expires_in,
            country: "vn".into(),
            country_user_info: vec![],
            country_user_info_list: vec![],
        }
    }

    #[test]
    fn refresh_lifetime_is_read_not_assumed() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let t = token_set(response(2_592_000, Some(86_400)), now, None);
        assert_eq!(t.access_expires_at, now + chrono::Duration::days(30));
        assert_eq!(t.refresh_expires_at, Some(now + chrono::Duration::days(1)));
        // 0: cannot be refreshed.
        let t = token_set(response(604_800, Some(0)), now, None);
        assert_eq!(t.refresh_expires_at, Some(now));
        // Missing: keep the previous end (a refresh never extends it).
        let prev = now + chrono::Duration::days(3);
        let t = token_set(response(604_800, None), now, Some(prev));
        assert_eq!(t.refresh_expires_at, Some(prev));
    }

    #[test]
    fn status_thresholds() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let at = |days: i64| TokenSet {
            access_token: SecretString::from("a"),
            refresh_token: SecretString::from("r"),
            access_expires_at: now,
            refresh_expires_at: Some(now + chrono::Duration::days(days)),
        };
        assert!(matches!(
            RefreshTokenStatus::of(&at(30), now),
            RefreshTokenStatus::Valid { .. }
        ));
        assert!(matches!(
            RefreshTokenStatus::of(&at(6), now),
            RefreshTokenStatus::EndingSoon { .. }
        ));
        assert!(matches!(
            RefreshTokenStatus::of(&at(0), now),
            RefreshTokenStatus::Expired { .. }
        ));
        let mut unknown = at(1);
        unknown.refresh_expires_at = None;
        assert_eq!(
            RefreshTokenStatus::of(&unknown, now),
            RefreshTokenStatus::Unknown
        );
    }
}
