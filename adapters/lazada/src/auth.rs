//! Lazada's token requests and their mapping (docs/src/channels/lazada.md §2); refreshing, persisting and the
//! refresh-once-and-repeat logic are the kit's [`kho_channel::kit::TokenManager`].
//!
//! Tokens are created (`/auth/token/create`, from the seller's authorisation code) and refreshed
//! (`/auth/token/refresh`) on the separate auth gateway, signed like any call but without `access_token`.
//! Access tokens live 30 days (Online apps; 7 for Test apps); refreshing does not extend the refresh token
//! (see [`crate::reauth`]). Lazada says to always keep the newest refresh token; whether the old one stays
//! valid is undocumented, so the kit's rotation rules (serialised, persisted before use) apply.

use chrono::{DateTime, Utc};
use kho_channel::kit::{TokenGrant, TokenRequest};
use kho_channel::{Exchange, TokenSet};
use secrecy::ExposeSecret;

use crate::api::{Credentials, auth_call};
use crate::reauth::ReauthWarning;
use crate::wire::TokenResponse;

pub const TOKEN_CREATE: &str = "/auth/token/create";
pub const TOKEN_REFRESH: &str = "/auth/token/refresh";

/// What a completed authorisation yields.
#[derive(Debug, Clone)]
pub struct Authorized {
    pub tokens: TokenSet,
    /// The seller id for the token's country, for routing pushes.
    pub seller_id: Option<String>,
    /// `vn`, `sg`, … or `cb` (cross-border).
    pub country: String,
}

/// Lazada's token endpoints for one app, and the re-authorisation warning every pair in use is checked
/// against.
pub(crate) struct LazadaGrant {
    pub creds: Credentials,
    pub warning: ReauthWarning,
}

impl TokenGrant for LazadaGrant {
    type Response = TokenResponse;

    /// A signed POST to the auth gateway with the refresh token, or the code (valid 30 minutes, single use).
    fn call(&self, request: TokenRequest<'_>) -> impl Exchange<Output = TokenResponse> {
        let (path, field) =
            request.either((TOKEN_REFRESH, "refresh_token"), (TOKEN_CREATE, "code"));
        auth_call(&self.creds, path).param(field, request.secret().expose_secret())
    }

    /// `refresh_expires_in` is the refresh token's *remaining* life (refreshing does not reset it); `0`
    /// means it cannot be refreshed at all. When Lazada leaves it out, the refreshed pair's end is kept.
    fn token_set(r: &TokenResponse, request: TokenRequest<'_>, now: DateTime<Utc>) -> TokenSet {
        let refresh_expires_at = match r.refresh_expires_in {
            Some(secs) if secs <= 0 => Some(now),
            Some(secs) => Some(now + chrono::Duration::seconds(secs)),
            None => request.current().and_then(|c| c.refresh_expires_at),
        };
        TokenSet {
            access_token: r.access_token.clone(),
            refresh_token: r.refresh_token.clone(),
            access_expires_at: now + chrono::Duration::seconds(r.expires_in.max(0)),
            refresh_expires_at,
        }
    }

    fn observe(&self, account: &str, tokens: &TokenSet) {
        self.warning.warn_if_reauth_due(account, tokens);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use secrecy::SecretString;

    fn response(expires_in: i64, refresh_expires_in: Option<i64>) -> TokenResponse {
        TokenResponse {
            access_token: SecretString::from("a"),
            refresh_token: SecretString::from("r"),
            expires_in,
            refresh_expires_in,
            country: "vn".into(),
            country_user_info: vec![],
            country_user_info_list: vec![],
        }
    }

    #[test]
    fn refresh_lifetime_is_read_not_assumed() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let code = SecretString::from("c");
        let exchange = TokenRequest::Code(&code);
        let t = LazadaGrant::token_set(&response(2_592_000, Some(86_400)), exchange, now);
        assert_eq!(t.access_expires_at, now + chrono::Duration::days(30));
        assert_eq!(t.refresh_expires_at, Some(now + chrono::Duration::days(1)));
        // 0: cannot be refreshed.
        let t = LazadaGrant::token_set(&response(604_800, Some(0)), exchange, now);
        assert_eq!(t.refresh_expires_at, Some(now));
        // Missing: keep the refreshed pair's end (a refresh never extends it).
        let prev = now + chrono::Duration::days(3);
        let current = TokenSet {
            refresh_expires_at: Some(prev),
            ..LazadaGrant::token_set(&response(60, None), exchange, now)
        };
        let refresh = TokenRequest::Refresh(&current);
        let t = LazadaGrant::token_set(&response(604_800, None), refresh, now);
        assert_eq!(t.refresh_expires_at, Some(prev));
        // A code exchange has no earlier end to keep.
        let t = LazadaGrant::token_set(&response(604_800, None), exchange, now);
        assert_eq!(t.refresh_expires_at, None);
    }
}
