//! Access and refresh tokens of one shop's seller (§2). Expiry is kept in milliseconds so lifetimes can be set
//! down to seconds in tests, and reported as absolute Unix seconds (`*_expire_in`, trap 7). A refresh rotates
//! both tokens; what happens to the old ones is undocumented, so it is configurable (strict by default).
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use rand::Rng;
use serde::{Deserialize, Serialize};

pub use crate::common::tokens::AccessCheck;
use crate::common::tokens::{Issued, TokenStore, shown};

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

/// Why a refresh failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshFailure {
    Unknown,
    Expired,
}

/// A shop's tokens; a deauthorised shop's are gone until a new authorization.
#[derive(Debug, Clone, Default)]
pub struct ShopTokens(TokenStore);

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
        Self(TokenStore::new(
            Issued::new(access, now_ms, life.access_ms),
            Issued::new(refresh, now_ms, life.refresh_ms),
        ))
    }

    /// Looks up an access token (constant-time compare of each candidate).
    pub fn check_access(&self, token: &str, now_ms: i64) -> AccessCheck {
        self.0.check_access(token, now_ms)
    }

    /// Whether `token` is a refresh token of this shop (for attributing a refresh call).
    pub fn knows_refresh(&self, token: &str) -> bool {
        self.0.find_refresh(token).is_some()
    }

    /// Spends `refresh_token` and issues a new pair.
    pub fn refresh(
        &mut self,
        refresh_token: &str,
        now_ms: i64,
        life: Lifetimes,
    ) -> Result<(String, String), RefreshFailure> {
        if self.0.is_lapsed() {
            return Err(RefreshFailure::Unknown);
        }
        let current = self
            .0
            .find_refresh(refresh_token)
            .ok_or(RefreshFailure::Unknown)?;
        if current.expires_at_ms <= now_ms {
            return Err(RefreshFailure::Expired);
        }
        Ok(self.issue(now_ms, life))
    }

    /// Issues a fresh pair (refresh or a new authorization), retiring the old ones as configured.
    pub fn issue(&mut self, now_ms: i64, life: Lifetimes) -> (String, String) {
        self.0
            .retire_access(now_ms, now_ms + life.old_access_grace_ms);
        let access = new_token();
        let refresh = new_token();
        self.0
            .add_access(Issued::new(access.clone(), now_ms, life.access_ms));
        self.0.replace_refresh(
            Issued::new(refresh.clone(), now_ms, life.refresh_ms),
            life.old_refresh_stays_valid,
        );
        self.0.restore();
        (access, refresh)
    }

    pub fn apply(&mut self, action: TokenAction, now_ms: i64) {
        match action {
            TokenAction::ExpireAccessToken => self.0.expire_access(now_ms),
            TokenAction::RevokeAccessToken => self.0.revoke_access(),
            TokenAction::ExpireRefreshToken => self.0.expire_refresh(now_ms),
            TokenAction::RevokeRefreshToken => self.0.revoke_refresh(),
        }
    }

    /// The seller removed the App: every token stops working until a new authorization.
    pub fn deauthorize(&mut self) {
        self.0.lapse();
        self.0.revoke_access();
        self.0.revoke_refresh();
    }

    pub fn is_deauthorized(&self) -> bool {
        self.0.is_lapsed()
    }

    /// Expiry of the current refresh token (Unix seconds): when the authorization lapses.
    pub fn refresh_expires_at(&self) -> i64 {
        shown(self.0.current_refresh()).1
    }

    pub fn pair(&self, shop_id: &str) -> TokenPair {
        let (access_token, access_token_expire_in) = shown(self.0.current_access());
        let (refresh_token, refresh_token_expire_in) = shown(self.0.current_refresh());
        TokenPair {
            shop_id: shop_id.to_owned(),
            access_token,
            access_token_expire_in,
            refresh_token,
            refresh_token_expire_in,
        }
    }
}
