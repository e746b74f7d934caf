//! Access and refresh tokens of one shop's seller (§2). Expiry is kept in milliseconds so lifetimes can be set
//! down to seconds in tests, and reported as absolute Unix seconds (`*_expire_in`, trap 7). A refresh rotates
//! both tokens; what happens to the old ones is undocumented, so it is configurable (strict by default).
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::sign::signs_equal;
use crate::common::tokens::Issued;

/// A token in TikTok's visible style (`ROW_` + random), never derived from anything secret.
pub fn new_token() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    format!("ROW_{}", hex::encode(bytes))
}

/// How a test wants to break a shop's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAction {
    /// Every access token expires now: calls answer 105002 until the client refreshes.
    ExpireAccessToken,
    /// Every access token is revoked: calls answer 36009004 (invalid token); a refresh fixes it.
    RevokeAccessToken,
    /// The refresh token expires now: refresh fails.
    ExpireRefreshToken,
    /// The refresh token is revoked: refresh fails.
    RevokeRefreshToken,
}

/// The current token pair of a shop, for tests that sign their own calls. Expiries are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    pub shop_id: String,
    pub access_token: String,
    pub access_token_expire_in: i64,
    pub refresh_token: String,
    pub refresh_token_expire_in: i64,
}

/// Outcome of looking up an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessCheck {
    Valid,
    Expired,
    Unknown,
}

/// Why a refresh failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshFailure {
    Unknown,
    Expired,
}

#[derive(Debug, Clone, Default)]
pub struct ShopTokens {
    access: Vec<Issued>,
    /// The current refresh token last; earlier ones only when they stay valid after rotation.
    refresh: Vec<Issued>,
    /// Expired or superseded access tokens are remembered so they answer "expired", not "unknown".
    expired: Vec<String>,
    deauthorized: bool,
}

/// Lifetimes applied when issuing tokens.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub access_ms: i64,
    pub refresh_ms: i64,
    pub old_access_grace_ms: i64,
    pub old_refresh_stays_valid: bool,
}

impl ShopTokens {
    pub fn new(access: String, refresh: String, now_ms: i64, life: Lifetimes) -> Self {
        Self {
            access: vec![Issued {
                token: access,
                expires_at_ms: now_ms + life.access_ms,
            }],
            refresh: vec![Issued {
                token: refresh,
                expires_at_ms: now_ms + life.refresh_ms,
            }],
            expired: Vec::new(),
            deauthorized: false,
        }
    }

    /// Looks up an access token (constant-time compare of each candidate).
    pub fn check_access(&self, token: &str, now_ms: i64) -> AccessCheck {
        if self.deauthorized {
            return AccessCheck::Unknown;
        }
        match self.access.iter().find(|t| signs_equal(&t.token, token)) {
            Some(t) if t.expires_at_ms > now_ms => AccessCheck::Valid,
            Some(_) => AccessCheck::Expired,
            None if self.expired.iter().any(|t| signs_equal(t, token)) => AccessCheck::Expired,
            None => AccessCheck::Unknown,
        }
    }

    /// Whether `token` is a refresh token of this shop (for attributing a refresh call).
    pub fn knows_refresh(&self, token: &str) -> bool {
        self.refresh.iter().any(|t| signs_equal(&t.token, token))
    }

    /// Spends `refresh_token` and issues a new pair.
    pub fn refresh(
        &mut self,
        refresh_token: &str,
        now_ms: i64,
        life: Lifetimes,
    ) -> Result<(String, String), RefreshFailure> {
        if self.deauthorized {
            return Err(RefreshFailure::Unknown);
        }
        let current = self
            .refresh
            .iter()
            .find(|t| signs_equal(&t.token, refresh_token))
            .cloned()
            .ok_or(RefreshFailure::Unknown)?;
        if current.expires_at_ms <= now_ms {
            return Err(RefreshFailure::Expired);
        }
        Ok(self.issue(now_ms, life))
    }

    /// Issues a fresh pair (refresh or a new authorization), retiring the old ones as configured.
    pub fn issue(&mut self, now_ms: i64, life: Lifetimes) -> (String, String) {
        let grace_end = now_ms + life.old_access_grace_ms;
        for t in &mut self.access {
            t.expires_at_ms = t.expires_at_ms.min(grace_end);
        }
        let (live, dead): (Vec<Issued>, Vec<Issued>) = std::mem::take(&mut self.access)
            .into_iter()
            .partition(|t| t.expires_at_ms > now_ms);
        self.expired.extend(dead.into_iter().map(|t| t.token));
        self.access = live;
        if !life.old_refresh_stays_valid {
            self.refresh.clear();
        }
        let access = new_token();
        let refresh = new_token();
        self.access.push(Issued {
            token: access.clone(),
            expires_at_ms: now_ms + life.access_ms,
        });
        self.refresh.push(Issued {
            token: refresh.clone(),
            expires_at_ms: now_ms + life.refresh_ms,
        });
        self.deauthorized = false;
        (access, refresh)
    }

    pub fn apply(&mut self, action: TokenAction, now_ms: i64) {
        match action {
            TokenAction::ExpireAccessToken => self
                .access
                .iter_mut()
                .for_each(|t| t.expires_at_ms = now_ms),
            TokenAction::RevokeAccessToken => self.access.clear(),
            TokenAction::ExpireRefreshToken => self
                .refresh
                .iter_mut()
                .for_each(|t| t.expires_at_ms = now_ms),
            TokenAction::RevokeRefreshToken => self.refresh.clear(),
        }
    }

    /// The seller removed the App: every token stops working until a new authorization.
    pub fn deauthorize(&mut self) {
        self.deauthorized = true;
        self.access.clear();
        self.refresh.clear();
    }

    pub fn is_deauthorized(&self) -> bool {
        self.deauthorized
    }

    /// Expiry of the current refresh token (Unix seconds): when the authorization lapses.
    pub fn refresh_expires_at(&self) -> i64 {
        self.refresh.last().map_or(0, |t| t.expires_at_ms / 1000)
    }

    pub fn pair(&self, shop_id: &str) -> TokenPair {
        let access = self.access.last();
        let refresh = self.refresh.last();
        TokenPair {
            shop_id: shop_id.to_owned(),
            access_token: access.map(|t| t.token.clone()).unwrap_or_default(),
            access_token_expire_in: access.map_or(0, |t| t.expires_at_ms / 1000),
            refresh_token: refresh.map(|t| t.token.clone()).unwrap_or_default(),
            refresh_token_expire_in: refresh.map_or(0, |t| t.expires_at_ms / 1000),
        }
    }
}
