//! The token manager every adapter uses; an adapter supplies only its marketplace's token request and
//! response mapping (a [`TokenGrant`], for refreshes and code exchanges alike).
//!
//! Refresh tokens are treated as **single-use and rotating** (Shopee's are; TikTok's and Lazada's may be —
//! it is undocumented, and treating them so is safe either way). Hence:
//! * refreshes are serialised per account (one `tokio::sync::Mutex`), and a task that waited re-checks
//!   whether another task (or a re-authorisation stored by the core) already refreshed, so calls racing
//!   through an expiry cause exactly one refresh;
//! * a new pair is persisted through the core's [`TokenStore`] **before** it is used; if persisting fails the
//!   pair is kept aside (never used) and persisting is retried on the next attempt, instead of spending the
//!   — possibly already burnt — refresh token again;
//! * tokens are refreshed ahead of expiry; when that early refresh fails, calls keep using the access token
//!   while it still works (the scheduler's [`TokenManager::refresh_if_due`] reports the failure), and only
//!   an access token that has really expired fails the call;
//! * on an auth-expired answer, [`TokenManager::call`] refreshes once and repeats the call once;
//! * a refresh token known to have ended is not even sent: only the seller can re-authorise.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::error::{ChannelError, ErrorKind};
pub use crate::kit::grant::{TokenGrant, TokenRequest};
use crate::token::{TokenSet, TokenStore};
use crate::transport::{AccountClient, Exchange};

/// After a successful refresh, do not refresh *ahead of expiry* again for this long: a marketplace that
/// hands back a token still inside the refresh-ahead margin would otherwise cause a refresh on every call.
/// Expired tokens and auth-expired answers still refresh at once.
const AHEAD_COOLDOWN: Duration = Duration::from_secs(10 * 60);

/// After a failed refresh ahead of expiry, calls keep using the still-valid token and do not try again for
/// this long, so an auth-host outage neither fails calls nor multiplies refresh attempts.
const AHEAD_RETRY: Duration = Duration::from_secs(60);

/// An access token with less life than this left is treated as expired: a call started with it could see it
/// expire on the way.
const STILL_VALID_MARGIN: chrono::Duration = chrono::Duration::minutes(1);

/// One account's tokens: cached, refreshed and persisted as the module docs describe.
pub struct TokenManager<G> {
    account: String,
    store: Arc<dyn TokenStore>,
    grant: G,
    /// The tokens in use. A std mutex: held only to clone or replace, never across an await.
    cached: Mutex<Option<TokenSet>>,
    /// Serialises refreshes. Holds a pair obtained from the marketplace whose persisting failed.
    refresh: tokio::sync::Mutex<Option<TokenSet>>,
    /// The last refresh ahead of expiry: when, and whether it succeeded.
    last_ahead: Mutex<Option<(Instant, bool)>>,
    refresh_ahead: chrono::Duration,
}

impl<G: TokenGrant> TokenManager<G> {
    /// `refresh_ahead` is the channel's [`crate::TokenModel::refresh_ahead`].
    pub fn new(
        account: impl Into<String>,
        store: Arc<dyn TokenStore>,
        grant: G,
        refresh_ahead: Duration,
    ) -> Self {
        Self {
            account: account.into(),
            store,
            grant,
            cached: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(None),
            last_ahead: Mutex::new(None),
            refresh_ahead: chrono::Duration::from_std(refresh_ahead)
                .unwrap_or(chrono::Duration::hours(1)),
        }
    }

    pub fn grant(&self) -> &G {
        &self.grant
    }

    pub fn account(&self) -> &str {
        &self.account
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

    /// Tokens good for a call. An access token that has (nearly) expired is refreshed first, or the call
    /// fails. One that merely expires within the margin is refreshed ahead; if that fails, the still-valid
    /// token is used and the failure only logged — [`Self::refresh_if_due`] reports it.
    pub async fn usable(&self, http: &AccountClient) -> Result<TokenSet, ChannelError> {
        let t = self.current().await?;
        self.grant.observe(&self.account, &t);
        let now = Utc::now();
        if t.access_expires_within(now, STILL_VALID_MARGIN) {
            return self.refresh(http, &t).await;
        }
        if !t.access_expires_within(now, self.refresh_ahead) || !self.ahead_allowed() {
            return Ok(t);
        }
        match self.refresh(http, &t).await {
            Ok(fresh) => Ok(fresh),
            Err(e) => {
                self.note_ahead(false);
                tracing::warn!(account = %self.account, error = %e,
                    access_expires_at = %t.access_expires_at,
                    "refreshing ahead of expiry failed; using the current token until it expires");
                Ok(t)
            }
        }
    }

    /// For the core's token scheduler: refresh when within the margin, and report failures.
    pub async fn refresh_if_due(&self, http: &AccountClient) -> Result<(), ChannelError> {
        let t = self.current().await?;
        self.grant.observe(&self.account, &t);
        if t.access_expires_within(Utc::now(), self.refresh_ahead) {
            self.refresh(http, &t).await?;
        }
        Ok(())
    }

    /// Run a call with a usable access token; on an auth-expired answer refresh once and repeat it once.
    pub async fn call<T, F, Fut>(&self, http: &AccountClient, run: F) -> Result<T, ChannelError>
    where
        F: Fn(SecretString) -> Fut,
        Fut: Future<Output = Result<T, ChannelError>>,
    {
        let tokens = self.usable(http).await?;
        match run(tokens.access_token.clone()).await {
            Err(e) if matches!(e.kind, ErrorKind::AuthExpired { .. }) => {
                tracing::info!(account = %self.account, endpoint = %e.endpoint,
                    "access token rejected; refreshing");
                let fresh = self.refresh(http, &tokens).await?;
                run(fresh.access_token).await
            }
            Err(e) if matches!(e.kind, ErrorKind::ReauthRequired { .. }) => {
                // The seller may have authorised again since these tokens were cached (by another
                // process, e.g. `kho accounts connect --code`): a newer stored pair gets one try.
                match self.adopt_newer(&tokens).await {
                    Some(newer) => run(newer.access_token).await,
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    /// The stored pair, when it is not `used` (a new authorisation stored since); cached from then on.
    async fn adopt_newer(&self, used: &TokenSet) -> Option<TokenSet> {
        let stored = self.load().await.ok().flatten()?;
        if stored.same_access_token(used) {
            return None;
        }
        self.set_cached(stored.clone());
        Some(stored)
    }

    /// Replace `stale` with a new pair — unless another task (or a re-authorisation stored by the core)
    /// already did, in which case that pair is returned.
    pub async fn refresh(
        &self,
        http: &AccountClient,
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
            None => self.request(http, &latest).await?,
        };
        if let Err(e) = self.store.save(&self.account, &fresh).await {
            // Never use a pair that is not stored; keep it to persist on the next attempt.
            *unsaved = Some(fresh);
            let call = self.grant.call(TokenRequest::Refresh(&latest));
            return Err(self.store_error(call.endpoint(), e));
        }
        tracing::info!(
            account = %self.account,
            expires_at = %fresh.access_expires_at,
            refresh_expires_at = ?fresh.refresh_expires_at,
            "access token refreshed"
        );
        self.note_ahead(true);
        self.set_cached(fresh.clone());
        self.grant.observe(&self.account, &fresh);
        Ok(fresh)
    }

    /// Ask the marketplace for a new pair, unless the refresh token is known to have ended.
    async fn request(
        &self,
        http: &AccountClient,
        latest: &TokenSet,
    ) -> Result<TokenSet, ChannelError> {
        let request = TokenRequest::Refresh(latest);
        let call = self.grant.call(request);
        if let Some(ended) = latest.refresh_expires_at.filter(|at| *at <= Utc::now()) {
            self.grant.observe(&self.account, latest);
            return Err(ErrorKind::ReauthRequired {
                code: "kho.refresh_token_expired".into(),
                message: format!(
                    "the refresh token ended at {ended}: the seller must re-authorise the shop"
                ),
            }
            .at(self.account.clone(), call.endpoint()));
        }
        let response = http.execute(&call).await.map_err(|mut e| {
            // On the refresh endpoint an auth answer means the refresh token itself is refused: only
            // re-authorisation helps.
            if let ErrorKind::AuthExpired { code, message } = e.kind {
                e.kind = ErrorKind::ReauthRequired { code, message };
            }
            e
        })?;
        Ok(G::token_set(&response, request, Utc::now()))
    }

    /// Complete an authorisation: exchange the seller's `code` for a first pair and persist it before it is
    /// used. The marketplace's whole answer comes back too, for whatever else it says about the account.
    pub async fn authorize(
        &self,
        http: &AccountClient,
        code: &SecretString,
    ) -> Result<(TokenSet, G::Response), ChannelError> {
        let _guard = self.refresh.lock().await;
        let request = TokenRequest::Code(code);
        let call = self.grant.call(request);
        let response = http.execute(&call).await?;
        let tokens = G::token_set(&response, request, Utc::now());
        self.store
            .save(&self.account, &tokens)
            .await
            .map_err(|e| self.store_error(call.endpoint(), e))?;
        self.set_cached(tokens.clone());
        Ok((tokens, response))
    }
}

/// An expiry the marketplace gives either as an epoch or as seconds from now (Shopee's docs say seconds and
/// its sample shows an epoch; TikTok's are epochs). A value too small to be a date after 2001 can only be a
/// duration; reading it as a date in 1970 would refresh on every call.
pub fn expiry_from(value: i64, now: DateTime<Utc>) -> DateTime<Utc> {
    const EPOCH_THRESHOLD: i64 = 1_000_000_000;
    if value >= EPOCH_THRESHOLD {
        DateTime::from_timestamp(value, 0).unwrap_or(now)
    } else {
        now + chrono::Duration::seconds(value.max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::MemoryTokenStore;
    use crate::transport::{Transport, TransportConfig};
    use secrecy::ExposeSecret;

    /// Never asked: these tests do not refresh.
    struct NoGrant;

    /// A token call that cannot be built, so any refresh would fail loudly.
    struct NoCall;

    impl crate::transport::Exchange for NoCall {
        type Output = ();

        fn endpoint(&self) -> &str {
            "/refresh"
        }

        fn build(&self, _: &reqwest::Client) -> Result<reqwest::RequestBuilder, ErrorKind> {
            Err(ErrorKind::Permanent {
                code: "test".into(),
                message: "no refresh in this test".into(),
            })
        }

        fn classify(&self, _: crate::transport::RawResponse) -> crate::transport::Classified<()> {
            unreachable!("never built")
        }
    }

    impl TokenGrant for NoGrant {
        type Response = ();

        fn call(&self, _: TokenRequest<'_>) -> impl crate::transport::Exchange<Output = ()> {
            NoCall
        }

        fn token_set(_: &(), _: TokenRequest<'_>, _: DateTime<Utc>) -> TokenSet {
            pair("never")
        }
    }

    fn pair(access: &str) -> TokenSet {
        TokenSet {
            access_token: SecretString::from(access.to_owned()),
            refresh_token: SecretString::from(format!("r-{access}")),
            access_expires_at: Utc::now() + chrono::Duration::days(7),
            refresh_expires_at: None,
        }
    }

    fn refused() -> ChannelError {
        ErrorKind::ReauthRequired {
            code: "36009004".into(),
            message: "the access token header is invalid".into(),
        }
        .at("shop", "/call")
    }

    #[tokio::test]
    async fn a_token_refused_for_good_gives_way_to_a_newer_stored_pair_once() {
        let store = Arc::new(MemoryTokenStore::new().with("shop", pair("old")));
        let transport = Transport::new(TransportConfig::default()).unwrap();
        let http = transport
            .account(
                "test",
                "shop",
                crate::RateLimit::per_second(std::num::NonZeroU32::MIN),
            )
            .unwrap();
        let tokens = TokenManager::new("shop", store.clone(), NoGrant, Duration::from_secs(60));
        let seen = Mutex::new(Vec::new());
        let run = |t: SecretString| {
            let used = t.expose_secret().to_owned();
            seen.lock().unwrap().push(used.clone());
            async move {
                if used == "new" {
                    Ok(())
                } else {
                    Err(refused())
                }
            }
        };

        // Nothing newer stored: the refusal stands, and the call is not repeated.
        let err = tokens.call(&http, run).await.unwrap_err();
        assert!(matches!(err.kind, ErrorKind::ReauthRequired { .. }));
        assert_eq!(*seen.lock().unwrap(), ["old"]);

        // The seller authorised again (stored by another process): one more try, with the new pair.
        store.save("shop", &pair("new")).await.unwrap();
        tokens.call(&http, run).await.unwrap();
        assert_eq!(*seen.lock().unwrap(), ["old", "old", "new"]);
        // And the new pair is the one in use from then on.
        tokens.call(&http, run).await.unwrap();
        assert_eq!(seen.lock().unwrap().last().map(String::as_str), Some("new"));
    }
}
