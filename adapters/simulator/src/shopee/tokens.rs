//! Access and refresh tokens of one shop (§2.4): access tokens live `access_token_ttl_secs` and stay valid for a
//! grace period after a refresh issues a successor; refresh tokens are single use and rotate.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, Rejection};
use crate::common::tokens::{Issued, TokenStore, shown};

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
pub struct ShopTokens(TokenStore);

impl ShopTokens {
    pub fn new(
        access: String,
        refresh: String,
        now_ms: i64,
        access_ttl_s: u64,
        refresh_ttl_s: u64,
    ) -> Self {
        Self(TokenStore::new(
            Issued::new(access, now_ms, access_ttl_s as i64 * 1000),
            Issued::new(refresh, now_ms, refresh_ttl_s as i64 * 1000),
        ))
    }

    /// Whether `token` is a live access token of this shop (constant-time compare of each candidate).
    pub fn access_valid(&self, token: &str, now_ms: i64) -> bool {
        self.0.access_valid(token, now_ms)
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
        if self.0.is_lapsed() {
            return Err(ApiError::new(
                "shop_access_expired",
                "The shop authorization has expired, please re-authorize.",
                403,
                Rejection::InvalidRefresh,
            ));
        }
        let current = self
            .0
            .find_refresh(refresh_token)
            .ok_or_else(invalid_refresh)?;
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
        self.0.retire_access(now_ms, now_ms + grace_s as i64 * 1000);
        let access = new_token();
        let refresh = new_token();
        let access_ms = access_ttl_s as i64 * 1000;
        let refresh_ms = refresh_ttl_s as i64 * 1000;
        self.0
            .add_access(Issued::new(access.clone(), now_ms, access_ms));
        self.0
            .replace_refresh(Issued::new(refresh.clone(), now_ms, refresh_ms), false);
        self.0.restore();
        (access, refresh)
    }

    pub fn apply(&mut self, action: TokenAction, now_ms: i64) {
        match action {
            TokenAction::ExpireAccessToken => self.0.expire_access(now_ms),
            TokenAction::RevokeAccessToken => self.0.revoke_access(),
            TokenAction::ExpireRefreshToken => self.0.expire_refresh(now_ms),
            TokenAction::RevokeRefreshToken => self.0.revoke_refresh(),
            TokenAction::ExpireAuthorization => self.0.lapse(),
        }
    }

    pub fn pair(&self, shop_id: i64) -> TokenPair {
        let (access_token, access_expires_at) = shown(self.0.current_access());
        let (refresh_token, refresh_expires_at) = shown(self.0.current_refresh());
        TokenPair {
            shop_id,
            access_token,
            access_expires_at,
            refresh_token,
            refresh_expires_at,
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
