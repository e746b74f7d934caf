//! What a marketplace adds to the shared token manager: how it is asked for tokens and how its answer maps
//! to a [`TokenSet`]. Refreshing, persisting, the refresh-once-and-repeat logic and completing an
//! authorisation are the kit's ([`crate::kit::TokenManager`]); an adapter's grant is only the mapping.

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::token::TokenSet;
use crate::transport::Exchange;

/// One token request, for the adapter to turn into its marketplace's call.
#[derive(Debug, Clone, Copy)]
pub enum TokenRequest<'a> {
    /// A new pair for `current`, sent with its refresh token.
    Refresh(&'a TokenSet),
    /// A first pair for the authorisation code the marketplace handed the seller's redirect.
    Code(&'a SecretString),
}

impl<'a> TokenRequest<'a> {
    /// The secret the request is made with: the refresh token, or the authorisation code.
    pub fn secret(&self) -> &'a SecretString {
        match self {
            Self::Refresh(current) => &current.refresh_token,
            Self::Code(code) => code,
        }
    }

    /// `refresh` for a refresh, `code` for a code exchange: the one place an adapter tells them apart,
    /// e.g. to pick the endpoint and the name its secret is sent under.
    pub fn either<T>(&self, refresh: T, code: T) -> T {
        match self {
            Self::Refresh(_) => refresh,
            Self::Code(_) => code,
        }
    }

    /// The pair being refreshed; `None` for a code exchange.
    pub fn current(&self) -> Option<&'a TokenSet> {
        match self {
            Self::Refresh(current) => Some(current),
            Self::Code(_) => None,
        }
    }
}

/// A marketplace's token endpoints for one account.
pub trait TokenGrant: Send + Sync {
    /// The marketplace's token answer, decoded. A code exchange hands it back to the adapter, which may read
    /// more than tokens from it (Lazada's seller and country).
    type Response: Send;

    /// The call that makes `request`: endpoint, parameters, signing and classification are the adapter's.
    /// An auth-expired answer to a refresh means the refresh token itself is refused; the manager turns it
    /// into [`crate::ErrorKind::ReauthRequired`].
    fn call(&self, request: TokenRequest<'_>) -> impl Exchange<Output = Self::Response>;

    /// The pair to store from the answer to `request`, received at `now`.
    fn token_set(
        response: &Self::Response,
        request: TokenRequest<'_>,
        now: DateTime<Utc>,
    ) -> TokenSet;

    /// Sees every pair the manager is about to use, e.g. to warn that the seller must re-authorise soon.
    fn observe(&self, _account: &str, _tokens: &TokenSet) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> TokenSet {
        TokenSet {
            access_token: SecretString::from("A"),
            refresh_token: SecretString::from("R"),
            access_expires_at: Utc::now(),
            refresh_expires_at: None,
        }
    }

    #[test]
    fn a_request_names_its_secret_and_kind() {
        use secrecy::ExposeSecret;
        let current = pair();
        let refresh = TokenRequest::Refresh(&current);
        assert_eq!(refresh.secret().expose_secret(), "R");
        assert_eq!(refresh.either("refresh", "code"), "refresh");
        assert!(refresh.current().is_some());
        let code = SecretString::from("C");
        let exchange = TokenRequest::Code(&code);
        assert_eq!(exchange.secret().expose_secret(), "C");
        assert_eq!(exchange.either("refresh", "code"), "code");
        assert!(exchange.current().is_none());
    }
}
