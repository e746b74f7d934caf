//! Access and refresh tokens of one shop (§2.4): access tokens live `access_token_ttl_secs` and stay valid for a
//! grace period after a refresh issues a successor; refresh tokens are single use and rotate.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, Rejection};
use super::sign::signs_equal;
use crate::common::tokens::Issued;

/// A 32-hex-char token, like every sample in the docs.
pub fn new_token() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

/// How a test wants to break a shop's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAction {
    /// Every access token expires now (a refresh fixes it).
    ExpireAccessToken,
    /// Every access token is revoked (a refresh fixes it).
    RevokeAccessToken,
    /// The refresh token expires now: refresh answers `refresh_token_expired`.
    ExpireRefreshToken,
    /// The refresh token is revoked: refresh answers `error_auth` "Invalid refresh_token.".
    RevokeRefreshToken,
    /// The shop's authorization expired: all tokens stop working, refresh answers `shop_access_expired`.
    ExpireAuthorization,
}

/// The current token pair of a shop, for tests that sign their own calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    pub shop_id: i64,
    pub access_token: String,
    pub access_expires_at: i64,
    pub refresh_token: String,
    pub refresh_expires_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ShopTokens {
    access: Vec<Issued>,
    refresh: Option<Issued>,
    authorization_expired: bool,
}

impl ShopTokens {
    pub fn new(
        access: String,
        refresh: String,
        now_ms: i64,
        access_ttl_s: u64,
        refresh_ttl_s: u64,
    ) -> Self {
        Self {
            access: vec![Issued {
                token: access,
                expires_at_ms: now_ms + access_ttl_s as i64 * 1000,
            }],
            refresh: Some(Issued {
                token: refresh,
                expires_at_ms: now_ms + refresh_ttl_s as i64 * 1000,
            }),
            authorization_expired: false,
        }
    }

    /// Whether `token` is a live access token of this shop (constant-time compare of each candidate).
    pub fn access_valid(&self, token: &str, now_ms: i64) -> bool {
        !self.authorization_expired
            && self
                .access
                .iter()
                .any(|t| t.expires_at_ms > now_ms && signs_equal(&t.token, token))
    }

    /// Spends `refresh_token` and issues a new pair; previous access tokens keep working for `grace_s`.
    pub fn refresh(
        &mut self,
        refresh_token: &str,
        now_ms: i64,
        access_ttl_s: u64,
        refresh_ttl_s: u64,
        grace_s: u64,
    ) -> Result<(String, String), ApiError> {
        if self.authorization_expired {
            return Err(ApiError::new(
                "shop_access_expired",
                "The shop authorization has expired, please re-authorize.",
                403,
                Rejection::InvalidRefresh,
            ));
        }
        let current = match &self.refresh {
            Some(t) if signs_equal(&t.token, refresh_token) => t.clone(),
            _ => return Err(invalid_refresh()),
        };
        if current.expires_at_ms <= now_ms {
            return Err(ApiError::new(
                "refresh_token_expired",
                "refresh_token is expired.",
                403,
                Rejection::InvalidRefresh,
            ));
        }
        Ok(self.issue(now_ms, access_ttl_s, refresh_ttl_s, grace_s))
    }

    /// Issues a fresh pair (refresh or a new authorization), retiring the old ones.
    pub fn issue(
        &mut self,
        now_ms: i64,
        access_ttl_s: u64,
        refresh_ttl_s: u64,
        grace_s: u64,
    ) -> (String, String) {
        let grace_end = now_ms + grace_s as i64 * 1000;
        self.access.retain(|t| t.expires_at_ms > now_ms);
        for t in &mut self.access {
            t.expires_at_ms = t.expires_at_ms.min(grace_end);
        }
        let access = new_token();
        let refresh = new_token();
        self.access.push(Issued {
            token: access.clone(),
            expires_at_ms: now_ms + access_ttl_s as i64 * 1000,
        });
        self.refresh = Some(Issued {
            token: refresh.clone(),
            expires_at_ms: now_ms + refresh_ttl_s as i64 * 1000,
        });
        self.authorization_expired = false;
        (access, refresh)
    }

    pub fn apply(&mut self, action: TokenAction, now_ms: i64) {
        match action {
            TokenAction::ExpireAccessToken => self
                .access
                .iter_mut()
                .for_each(|t| t.expires_at_ms = now_ms),
            TokenAction::RevokeAccessToken => self.access.clear(),
            TokenAction::ExpireRefreshToken => {
                if let Some(t) = &mut self.refresh {
                    t.expires_at_ms = now_ms;
                }
            }
            TokenAction::RevokeRefreshToken => self.refresh = None,
            TokenAction::ExpireAuthorization => self.authorization_expired = true,
        }
    }

    pub fn pair(&self, shop_id: i64) -> TokenPair {
        let access = self.access.last();
        TokenPair {
            shop_id,
            access_token: access.map(|t| t.token.clone()).unwrap_or_default(),
            access_expires_at: access.map(|t| t.expires_at_ms / 1000).unwrap_or(0),
            refresh_token: self
                .refresh
                .as_ref()
                .map(|t| t.token.clone())
                .unwrap_or_default(),
            refresh_expires_at: self
                .refresh
                .as_ref()
                .map(|t| t.expires_at_ms / 1000)
                .unwrap_or(0),
        }
    }
}

pub fn invalid_refresh() -> ApiError {
    ApiError::new(
        "error_auth",
        "Invalid refresh_token.",
        403,
        Rejection::InvalidRefresh,
    )
}
