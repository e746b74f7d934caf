//! Tiki's token requests (docs/src/channels/tiki-woocommerce.md §A2): `POST {auth_url}/sc/oauth2/token`, form-encoded, the client's
//! id and secret as HTTP Basic. `authorization_code` gives the first pair, `refresh_token` a new access
//! token **and** a new refresh token — the old one is spent, so the kit's rotation rules apply. Lifetimes
//! come from `expires_in`; Tiki states none for refresh tokens, so their end is left open and a refused
//! refresh asks the seller to authorise again. The app's own `client_credentials` token (for its event
//! queues) is requested the same way, see `queue.rs`.

use chrono::{DateTime, Utc};
use kho_channel::kit::{TokenGrant, TokenRequest};
use kho_channel::{Exchange, TokenSet};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::api::{Call, Credentials, Shape};

pub const TOKEN: &str = "/sc/oauth2/token";

#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: SecretString,
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    pub expires_in: i64,
}

pub(crate) struct TikiGrant {
    pub creds: Credentials,
    /// Where the seller was sent back to, which a code exchange must name again.
    pub redirect_uri: std::sync::Mutex<Option<String>>,
}

pub(crate) fn token_call<'a>(creds: &'a Credentials) -> Call<'a, TokenResponse> {
    Call::without_token(creds, Method::POST, TOKEN, Shape::Token)
}

impl TokenGrant for TikiGrant {
    type Response = TokenResponse;

    fn call(&self, request: TokenRequest<'_>) -> impl Exchange<Output = TokenResponse> {
        let secret = request.secret().expose_secret();
        match request {
            TokenRequest::Refresh(_) => token_call(&self.creds)
                .param("grant_type", "refresh_token")
                .param("refresh_token", secret),
            TokenRequest::Code(_) => {
                let redirect = self.redirect_uri.lock().ok().and_then(|r| r.clone());
                let call = token_call(&self.creds)
                    .param("grant_type", "authorization_code")
                    .param("code", secret);
                match redirect {
                    Some(r) => call.param("redirect_uri", r),
                    None => call,
                }
            }
        }
    }

    /// A refresh answer without a refresh token keeps the one it was made with.
    fn token_set(r: &TokenResponse, request: TokenRequest<'_>, now: DateTime<Utc>) -> TokenSet {
        let refresh = r
            .refresh_token
            .clone()
            .or_else(|| request.current().map(|c| c.refresh_token.clone()));
        TokenSet {
            access_token: r.access_token.clone(),
            refresh_token: refresh.unwrap_or_else(|| SecretString::from(String::new())),
            access_expires_at: now + chrono::Duration::seconds(r.expires_in.max(0)),
            refresh_expires_at: None,
        }
    }
}
