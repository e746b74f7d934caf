//! Shopee's token requests and their mapping (docs/src/channels/shopee.md §2); refreshing, persisting and the
//! refresh-once-and-repeat logic are the kit's [`kho_channel::kit::TokenManager`].
//!
//! Access tokens live 4 h; refresh tokens are **single-use and rotate**: every refresh burns the old refresh
//! token and returns a new one, which is why the kit persists each new pair before it is used.

use chrono::{DateTime, Utc};
use kho_channel::kit::tokens::expiry_from;
use kho_channel::kit::{TokenGrant, TokenRequest};
use kho_channel::{Exchange, TokenSet};
use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::api::{Call, Credentials};
use crate::classify::Shape;
use crate::wire::TokenResponse;

pub const REFRESH_PATH: &str = "/api/v2/auth/access_token/get";
pub const TOKEN_GET_PATH: &str = "/api/v2/auth/token/get";

/// Documented refresh-token lifetime (§2.4); Shopee does not return it.
const REFRESH_TTL_DAYS: i64 = 30;

/// Token requests need nothing but the credentials every call is signed with.
impl TokenGrant for Credentials {
    type Response = TokenResponse;

    /// A signed Public API POST with the refresh token or the code, and the partner and shop it is for.
    fn call(&self, request: TokenRequest<'_>) -> impl Exchange<Output = TokenResponse> {
        let (path, field) =
            request.either((REFRESH_PATH, "refresh_token"), (TOKEN_GET_PATH, "code"));
        let sensitive = Shape::TopLevel { sensitive: true };
        Call::without_token(self, Method::POST, path, sensitive).json(json!({
            field: request.secret().expose_secret(),
            "partner_id": self.partner_id,
            "shop_id": self.shop_id,
        }))
    }

    fn token_set(r: &TokenResponse, _: TokenRequest<'_>, now: DateTime<Utc>) -> TokenSet {
        TokenSet {
            access_token: r.access_token.clone(),
            refresh_token: r.refresh_token.clone(),
            access_expires_at: expiry_from(r.expire_in, now),
            refresh_expires_at: Some(now + chrono::Duration::days(REFRESH_TTL_DAYS)),
        }
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
