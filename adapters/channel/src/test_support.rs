//! Test doubles shared by every adapter's tests (feature `test-support`; adapters enable it in their
//! dev-dependencies): a token store that records what was persisted, and the token-rotation contract each
//! adapter must pass against its marketplace's simulator.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{Duration, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::channel::Channel;
use crate::error::ErrorKind;
use crate::kit::AppCredentials;
use crate::token::{TokenSet, TokenStore, TokenStoreError};
use crate::transport::{Classified, RawResponse};

pub mod checks;
pub use checks::{
    assert_listing_push, assert_malformed_pushes, assert_order_statuses, assert_other_push,
};

/// Credentials for an app-key marketplace's signing tests: the app key and secret its documentation signs
/// examples with, and its `[API host, auth host]`.
///
/// Panics on a host that is not a URL, which is a mistake in the test itself.
pub fn app_credentials(
    app_key: &str,
    app_secret: &str,
    [base_url, auth_url]: [&str; 2],
) -> AppCredentials {
    let url = |u: &str| url::Url::parse(u).unwrap_or_else(|e| panic!("test host {u}: {e}"));
    AppCredentials::new(
        url(base_url),
        url(auth_url),
        app_key.to_owned(),
        SecretString::from(app_secret),
    )
}

/// A response as an adapter's classifier would receive it, for classification tests: no headers, because
/// every adapter's envelope handling must work without them (rate-limit hints are optional).
///
/// Panics on a status outside 100..=999, which is a mistake in the test itself.
pub fn raw_response(status: u16, body: impl Into<Vec<u8>>) -> RawResponse {
    RawResponse {
        status: reqwest::StatusCode::from_u16(status)
            .unwrap_or_else(|e| panic!("test status {status}: {e}")),
        headers: reqwest::header::HeaderMap::new(),
        body: body.into(),
    }
}

/// Assert that a sensitive payload which failed to decode became a permanent error without quoting
/// `secret`: decode errors end up in logs, and a sensitive body (tokens, buyer data) must never follow.
pub fn assert_permanent_without<T: std::fmt::Debug>(result: Result<T, ErrorKind>, secret: &str) {
    match result {
        Err(ErrorKind::Permanent { message, .. }) => {
            assert!(!message.contains(secret), "{message}")
        }
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

/// The payload of the shared classification checks: `{"x": …}` wherever the marketplace puts payloads.
#[derive(Debug, serde::Deserialize)]
pub struct Probe {
    pub x: i64,
}

/// What every adapter's classifier must do whatever its envelope. `ok` is the marketplace's success
/// envelope carrying the payload `{"x": 1}` and the request id `r1`. A body that is not JSON is a gateway's
/// or proxy's page: transient, with a 503 as with a 200.
pub fn assert_classifies_envelope(classify: impl Fn(&RawResponse) -> Classified<Probe>, ok: &str) {
    let decoded = classify(&raw_response(200, ok));
    assert_eq!(decoded.request_id.as_deref(), Some("r1"), "{ok}");
    match decoded.result {
        Ok(Probe { x }) => assert_eq!(x, 1, "{ok}"),
        Err(e) => panic!("{ok}: {e:?}"),
    }
    for status in [503, 200] {
        let page = classify(&raw_response(status, "<html>busy</html>"));
        assert!(
            matches!(page.result, Err(ErrorKind::Transient { .. })),
            "HTTP {status}: {:?}",
            page.result
        );
    }
}

/// A sensitive answer (tokens) whose payload does not decode must become a permanent error that does not
/// quote it: decode errors end up in logs. `body` is a success envelope whose `x` is `"SECRETVALUE"`.
pub fn assert_sensitive_mismatch_is_quiet(
    classify: impl Fn(&RawResponse) -> Classified<Probe>,
    body: &str,
) {
    assert_permanent_without(classify(&raw_response(200, body)).result, "SECRETVALUE");
}

/// The hex case a marketplace's signatures use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HexCase {
    Lower,
    Upper,
}

/// Assert that `signature` is a whole HMAC-SHA256 in the marketplace's hex case: 64 characters, never
/// shortened by a dropped leading zero, never in the other case (which the marketplace would refuse).
pub fn assert_sha256_hex(signature: &str, case: HexCase) {
    let letters = match case {
        HexCase::Lower => 'a'..='f',
        HexCase::Upper => 'A'..='F',
    };
    assert_eq!(signature.len(), 64, "{signature}");
    assert!(
        signature
            .chars()
            .all(|c| c.is_ascii_digit() || letters.contains(&c)),
        "{signature}"
    );
}

/// A token store that records saves and can be read synchronously (e.g. from a mock server's responder,
/// to check that a token was persisted before it was used).
#[derive(Debug, Default)]
pub struct RecordingStore {
    pub tokens: Mutex<Option<TokenSet>>,
    /// The access token of every pair saved, in order.
    pub saves: Mutex<Vec<String>>,
    /// Fail this many of the next saves (a database briefly unavailable).
    pub failing_saves: Mutex<usize>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl RecordingStore {
    /// A store holding `access`/`refresh`, the access token expiring `access_in` from now and the refresh
    /// token `refresh_in` from now (`None`: the marketplace did not say).
    pub fn seeded(
        access: &str,
        refresh: &str,
        access_in: Duration,
        refresh_in: Option<Duration>,
    ) -> Arc<Self> {
        let store = Arc::new(Self::default());
        store.put(TokenSet {
            access_token: SecretString::from(access),
            refresh_token: SecretString::from(refresh),
            access_expires_at: Utc::now() + access_in,
            refresh_expires_at: refresh_in.map(|d| Utc::now() + d),
        });
        store
    }

    /// Replace the stored pair without recording a save (as the core seeds tokens from its config).
    pub fn put(&self, tokens: TokenSet) {
        *lock(&self.tokens) = Some(tokens);
    }

    pub fn current(&self) -> Option<TokenSet> {
        lock(&self.tokens).clone()
    }

    /// The stored access token, `""` when none.
    pub fn access_token(&self) -> String {
        self.current()
            .map(|t| t.access_token.expose_secret().to_owned())
            .unwrap_or_default()
    }

    /// The stored refresh token, `""` when none.
    pub fn refresh_token(&self) -> String {
        self.current()
            .map(|t| t.refresh_token.expose_secret().to_owned())
            .unwrap_or_default()
    }

    /// The access tokens of the pairs saved so far.
    pub fn saves(&self) -> Vec<String> {
        lock(&self.saves).clone()
    }

    /// Make the next `n` saves fail.
    pub fn fail_saves(&self, n: usize) {
        *lock(&self.failing_saves) = n;
    }
}

#[async_trait::async_trait]
impl TokenStore for RecordingStore {
    async fn load(&self, _account: &str) -> Result<Option<TokenSet>, TokenStoreError> {
        Ok(self.current())
    }

    async fn save(&self, _account: &str, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        {
            let mut failing = lock(&self.failing_saves);
            if *failing > 0 {
                *failing -= 1;
                return Err(TokenStoreError("database unavailable".into()));
            }
        }
        lock(&self.saves).push(tokens.access_token.expose_secret().to_owned());
        self.put(tokens.clone());
        Ok(())
    }
}

/// The token-rotation contract, run against a marketplace simulator. `connect` builds the adapter's channel
/// on `store` and returns it with the pair the simulator issued for that shop. The contract then checks that:
/// * an access token about to expire is refreshed by the scheduler's call, once, and the new pair — with a
///   new refresh token — is persisted;
/// * concurrent calls through an expiry cause exactly one refresh, and every call succeeds with the new
///   pair;
/// * a pair that could not be persisted is never used, and is persisted (not refreshed again) on the next
///   attempt, so a single-use refresh token is never spent twice;
/// * a refresh token the marketplace refuses (already spent) asks for re-authorisation.
pub async fn token_rotation_contract<F, Fut>(connect: F)
where
    F: Fn(Arc<dyn TokenStore>) -> Fut,
    Fut: Future<Output = (Arc<dyn Channel>, TokenSet)>,
{
    // Refreshed by the scheduler, persisted with a new refresh token.
    let store = Arc::new(RecordingStore::default());
    let (channel, issued) = connect(store.clone()).await;
    let issued_refresh = issued.refresh_token.expose_secret().to_owned();
    store.put(expiring(issued));
    channel
        .refresh_tokens_if_due()
        .await
        .unwrap_or_else(|e| panic!("refresh: {e}"));
    assert_eq!(store.saves().len(), 1, "one refresh, persisted");
    assert_ne!(
        store.refresh_token(),
        issued_refresh,
        "refresh token rotated"
    );
    let second = store.current().expect("a stored pair");
    assert!(second.access_expires_at > Utc::now() + Duration::minutes(5));
    // Not due any more: nothing happens.
    channel
        .refresh_tokens_if_due()
        .await
        .unwrap_or_else(|e| panic!("second check: {e}"));
    assert_eq!(store.saves().len(), 1, "a fresh pair is not refreshed");

    // Concurrent calls through an expiry: one refresh, all calls succeed.
    let store = Arc::new(RecordingStore::default());
    let (channel, issued) = connect(store.clone()).await;
    store.put(expiring(issued));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let channel = channel.clone();
        tasks.spawn(async move { channel.list_listings(None).await.map(|_| ()) });
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(result) => result.unwrap_or_else(|e| panic!("call during expiry: {e}")),
            Err(e) => panic!("task: {e}"),
        }
    }
    assert_eq!(store.saves().len(), 1, "exactly one refresh");

    // A pair that could not be stored is not used, and is stored — not obtained again — next time.
    let store = Arc::new(RecordingStore::default());
    let (channel, issued) = connect(store.clone()).await;
    let spent = issued.clone();
    store.put(expired(issued));
    store.fail_saves(1);
    let err = channel
        .list_listings(None)
        .await
        .expect_err("a call with an unstored pair must fail");
    assert!(
        matches!(err.kind, ErrorKind::Transient { .. }) && err.to_string().contains("token store"),
        "{err}"
    );
    assert!(store.saves().is_empty());
    channel
        .list_listings(None)
        .await
        .unwrap_or_else(|e| panic!("after the store recovered: {e}"));
    assert_eq!(store.saves().len(), 1);

    // The spent refresh token is refused by the marketplace: only re-authorisation helps.
    let store = Arc::new(RecordingStore::default());
    let (channel, _) = connect(store.clone()).await;
    store.put(expired(spent));
    let err = channel
        .refresh_tokens_if_due()
        .await
        .expect_err("a spent refresh token must be refused");
    assert!(
        matches!(err.kind, ErrorKind::ReauthRequired { .. }),
        "{err}"
    );
}

/// The pair, as if its access token expired within seconds (inside every refresh-ahead margin).
fn expiring(mut tokens: TokenSet) -> TokenSet {
    tokens.access_expires_at = Utc::now() + Duration::seconds(30);
    tokens
}

/// The pair, as if its access token had expired.
fn expired(mut tokens: TokenSet) -> TokenSet {
    tokens.access_expires_at = Utc::now() - Duration::minutes(1);
    tokens
}
