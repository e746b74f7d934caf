//! Access and refresh tokens of one seller (§2). A refresh issues a new access token with a full lifetime but
//! does **not** extend the refresh token's life (§2.3); whether the refresh-token string changes and whether the
//! old access token keeps working are configurable because docs/src/channels/lazada.md is silent on them.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::common::tokens::{Issued, TokenStore, shown};

/// A 60-character token shaped like the samples (`50000601c30atpedfgu3L…`).
pub fn new_token(prefix: &str) -> String {
    let tail: String = rand::rng()
        .sample_iter(&rand::distr::Alphanumeric)
        .take(60 - prefix.len())
        .map(char::from)
        .collect();
    format!("{prefix}{tail}")
}

/// How a test wants to break a seller's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAction {
    /// Every access token expires now (a refresh fixes it).
    ExpireAccessToken,
    /// Every access token is revoked (a refresh fixes it).
    RevokeAccessToken,
    /// The refresh token expires now: the seller must re-authorize.
    ExpireRefreshToken,
    /// The refresh token is revoked.
    RevokeRefreshToken,
    /// The seller revoked the App: every token stops working and pushes stop (§9.3).
    RevokeAuthorization,
}

/// The current token pair of a seller (Unix seconds), for tests that sign their own calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    pub seller_id: i64,
    pub access_token: String,
    pub access_expires_at: i64,
    pub refresh_token: String,
    pub refresh_expires_at: i64,
}

/// What a successful token call hands out.
#[derive(Debug, Clone)]
pub struct Grant {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub refresh_expires_in: i64,
}

/// A seller's tokens; a revoked authorization keeps them listed but none works.
#[derive(Debug, Clone, Default)]
pub struct SellerTokens(TokenStore);

impl SellerTokens {
    pub fn new(
        access: String,
        refresh: String,
        now_ms: i64,
        access_ttl_s: u64,
        refresh_ttl_s: u64,
    ) -> Self {
        Self(TokenStore::new(
            Issued::new(access, now_ms, secs_to_ms(access_ttl_s)),
            Issued::new(refresh, now_ms, secs_to_ms(refresh_ttl_s)),
        ))
    }

    /// Whether `token` is a live access token of this seller (constant-time compare of each candidate).
    pub fn access_valid(&self, token: &str, now_ms: i64) -> bool {
        self.0.access_valid(token, now_ms)
    }

    /// Whether the authorization still stands (not revoked, refresh token alive): pushes stop otherwise (§9.3).
    pub fn authorized(&self, now_ms: i64) -> bool {
        !self.0.is_lapsed()
            && self
                .0
                .current_refresh()
                .is_some_and(|r| r.expires_at_ms > now_ms)
    }

    /// `/auth/token/refresh`: a new access token with a full lifetime; the refresh token keeps its expiry.
    pub fn refresh(
        &mut self,
        refresh_token: &str,
        now_ms: i64,
        access_ttl_s: u64,
        rotate: bool,
        keep_old_access: bool,
    ) -> Result<Grant, ApiError> {
        let current = match self.0.find_refresh(refresh_token) {
            Some(t) if !self.0.is_lapsed() => t.clone(),
            _ => return Err(ApiError::illegal_refresh_token()),
        };
        if current.expires_at_ms <= now_ms {
            return Err(ApiError::illegal_refresh_token());
        }
        if !keep_old_access {
            self.0.revoke_access();
        }
        self.0.retire_access(now_ms, i64::MAX);
        let access = new_token("50000");
        self.0.add_access(Issued::new(
            access.clone(),
            now_ms,
            secs_to_ms(access_ttl_s),
        ));
        let refresh = if rotate {
            new_token("50001")
        } else {
            current.token
        };
        self.0.replace_refresh(
            Issued {
                token: refresh.clone(),
                expires_at_ms: current.expires_at_ms,
            },
            false,
        );
        Ok(Grant {
            access_token: access,
            refresh_token: refresh,
            expires_in: access_ttl_s as i64,
            refresh_expires_in: (current.expires_at_ms - now_ms) / 1000,
        })
    }

    /// `/auth/token/create` (a new authorization): a fresh pair with full lifetimes. Earlier access tokens keep
    /// their own expiry (none survives a revoked authorization); the previous refresh token is replaced.
    pub fn authorize(&mut self, now_ms: i64, access_ttl_s: u64, refresh_ttl_s: u64) -> Grant {
        self.0.retire_access(now_ms, i64::MAX);
        if self.0.is_lapsed() {
            self.0.revoke_access();
        }
        let access = new_token("50000");
        let refresh = new_token("50001");
        self.0.add_access(Issued::new(
            access.clone(),
            now_ms,
            secs_to_ms(access_ttl_s),
        ));
        self.0.replace_refresh(
            Issued::new(refresh.clone(), now_ms, secs_to_ms(refresh_ttl_s)),
            false,
        );
        self.0.restore();
        Grant {
            access_token: access,
            refresh_token: refresh,
            expires_in: access_ttl_s as i64,
            refresh_expires_in: refresh_ttl_s as i64,
        }
    }

    pub fn apply(&mut self, action: TokenAction, now_ms: i64) {
        match action {
            TokenAction::ExpireAccessToken => self.0.expire_access(now_ms),
            TokenAction::RevokeAccessToken => self.0.revoke_access(),
            TokenAction::ExpireRefreshToken => self.0.expire_refresh(now_ms),
            TokenAction::RevokeRefreshToken => self.0.revoke_refresh(),
            TokenAction::RevokeAuthorization => self.0.lapse(),
        }
    }

    pub fn pair(&self, seller_id: i64) -> TokenPair {
        let (access_token, access_expires_at) = shown(self.0.current_access());
        let (refresh_token, refresh_expires_at) = shown(self.0.current_refresh());
        TokenPair {
            seller_id,
            access_token,
            access_expires_at,
            refresh_token,
            refresh_expires_at,
        }
    }
}

fn secs_to_ms(s: u64) -> i64 {
    i64::try_from(s)
        .unwrap_or(i64::MAX / 4)
        .saturating_mul(1000)
}
