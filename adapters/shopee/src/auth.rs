//! Shopee's token requests and their mapping (docs/src/channels/shopee.md §2); refreshing, persisting and the
//! refresh-once-and-repeat logic are the kit's [`kho_channel::kit::TokenManager`].
//!
//! Access tokens live 4 h; refresh tokens are **single-use and rotate**: every refresh burns the old refresh
//! token and returns a new one, which is why the kit persists each new pair before it is used.

use chrono::{DateTime, Utc};
use kho_channel::kit::TokenGrant;
use kho_channel::kit::tokens::expiry_from;
use kho_channel::{AccountClient, ChannelError, TokenSet};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::api::{Call, Credentials};
use crate::classify::Shape;
use crate::wire::TokenResponse;

pub const REFRESH_PATH: &str = "/api/v2/auth/access_token/get";
pub const TOKEN_GET_PATH: &str = "/api/v2/auth/token/get";

/// Documented refresh-token lifetime (§2.4); Shopee does not return it.
const REFRESH_TTL_DAYS: i64 = 30;

/// Shopee's token endpoints for one shop.
pub(crate) struct ShopeeGrant {
    pub creds: Credentials,
}

#[async_trait::async_trait]
impl TokenGrant for ShopeeGrant {
    const REFRESH_ENDPOINT: &'static str = REFRESH_PATH;

    async fn refresh(
        &self,
        http: &AccountClient,
        current: &TokenSet,
    ) -> Result<TokenSet, ChannelError> {
        let call: Call<'_, TokenResponse> = self.token_call(REFRESH_PATH).json(json!({
            "refresh_token": current.refresh_token.expose_secret(),
            "partner_id": self.creds.partner_id,
            "shop_id": self.creds.shop_id,
        }));
        Ok(token_set(http.execute(&call).await?, Utc::now()))
    }
}

impl ShopeeGrant {
    fn token_call<T>(&self, path: &'static str) -> Call<'_, T> {
        Call::public(
            &self.creds,
            Method::POST,
            path,
            Shape::TopLevel { sensitive: true },
        )
    }

    /// Exchange an authorisation `code` (from the redirect after the seller authorised) for tokens.
    pub async fn exchange_code(
        &self,
        http: &AccountClient,
        code: &SecretString,
    ) -> Result<(TokenSet, ()), ChannelError> {
        let call: Call<'_, TokenResponse> = self.token_call(TOKEN_GET_PATH).json(json!({
            "code": code.expose_secret(),
            "partner_id": self.creds.partner_id,
            "shop_id": self.creds.shop_id,
        }));
        Ok((token_set(http.execute(&call).await?, Utc::now()), ()))
    }
}

fn token_set(r: TokenResponse, now: DateTime<Utc>) -> TokenSet {
    TokenSet {
        access_token: r.access_token,
        refresh_token: r.refresh_token,
        access_expires_at: expiry_from(r.expire_in, now),
        refresh_expires_at: Some(now + chrono::Duration::days(REFRESH_TTL_DAYS)),
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
