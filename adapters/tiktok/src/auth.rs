//! TikTok's token requests and their mapping (docs/src/channels/tiktok.md §2); refreshing, persisting and the
//! refresh-once-and-repeat logic are the kit's [`kho_channel::kit::TokenManager`].
//!
//! * `access_token_expire_in` / `refresh_token_expire_in` are **absolute Unix timestamps**, not durations
//!   (trap 7); access tokens live about 7 days.
//! * Refresh goes to the auth host (`GET /api/v2/token/refresh`, unsigned, `app_secret` in the query) and
//!   returns a new refresh token; whether the old one keeps working is undocumented, so the kit's rotation
//!   rules (serialised, persisted before use) apply.

use chrono::{DateTime, Utc};
use kho_channel::kit::tokens::expiry_from;
use kho_channel::kit::{TokenGrant, TokenRequest};
use kho_channel::{Exchange, TokenSet};
use reqwest::Method;
use secrecy::ExposeSecret;

use crate::api::{Credentials, Request};
use crate::wire::TokenData;

pub const REFRESH_PATH: &str = "/api/v2/token/refresh";
pub const TOKEN_GET_PATH: &str = "/api/v2/token/get";

/// TikTok's token endpoints for one app: they need nothing but the credentials every call is signed with.
pub(crate) struct TikTokGrant(pub Credentials);

impl TokenGrant for TikTokGrant {
    type Response = TokenData;

    /// An unsigned GET on the auth host, the secret and its `grant_type` in the query.
    fn call(&self, request: TokenRequest<'_>) -> impl Exchange<Output = TokenData> {
        let (path, field, grant_type) = request.either(
            (REFRESH_PATH, "refresh_token", "refresh_token"),
            (TOKEN_GET_PATH, "auth_code", "authorized_code"),
        );
        let query = Request::new(Method::GET, path)
            .query(field, request.secret().expose_secret())
            .query("grant_type", grant_type);
        query.auth_call(&self.0)
    }

    fn token_set(d: &TokenData, _: TokenRequest<'_>, now: DateTime<Utc>) -> TokenSet {
        TokenSet {
            access_expires_at: d
                .access_token_expire_in
                .map_or(now, |v| expiry_from(v, now)),
            refresh_expires_at: d.refresh_token_expire_in.map(|v| expiry_from(v, now)),
            access_token: d.access_token.clone(),
            refresh_token: d.refresh_token.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn expire_in_is_an_epoch() {
        let now = Utc.with_ymd_and_hms(2022, 8, 8, 9, 46, 23).unwrap();
        // SKIT AuthGetTokenResponse.json: +7 days and ≈ +1 year.
        assert_eq!(
            expiry_from(1660556783, now),
            DateTime::from_timestamp(1660556783, 0).unwrap()
        );
        assert_eq!((expiry_from(1660556783, now) - now).num_days(), 7);
        assert!(expiry_from(1691487031, now) > now + chrono::Duration::days(360));
        // A duration is not mistaken for 1970.
        assert_eq!(expiry_from(604800, now), now + chrono::Duration::days(7));
    }

    #[test]
    fn token_data_maps_both_expiries() {
        let d: TokenData = serde_json::from_str(
            r#"{"access_token":"A","access_token_expire_in":1660556783,"refresh_token":"R","refresh_token_expire_in":1691487031,"open_id":"o","seller_name":"s","seller_base_region":"VN","user_type":0}"#,
        )
        .unwrap();
        let code = secrecy::SecretString::from("c");
        let t = TikTokGrant::token_set(&d, TokenRequest::Code(&code), Utc::now());
        assert_eq!(t.access_token.expose_secret(), "A");
        assert_eq!(t.access_expires_at.timestamp(), 1660556783);
        assert_eq!(
            t.refresh_expires_at.map(|t| t.timestamp()),
            Some(1691487031)
        );
    }
}
