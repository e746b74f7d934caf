//! The bearer-token extractor: a handler that takes a [`Principal`] argument
//! only runs for a caller with a live token; everyone else gets 401 with
//! `WWW-Authenticate: Bearer`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::auth::Principal;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::store::Store;

/// The token of an `Authorization: Bearer <token>` header (the scheme is
/// case-insensitive, as RFC 7235 says).
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Checks a token against the store: the principal, or 401.
pub async fn authenticate(store: &Store, token: Option<&str>) -> Result<Principal, ApiError> {
    let Some(token) = token else {
        return Err(ApiError::unauthorized());
    };
    store
        .authenticate_token(token)
        .await?
        .ok_or_else(ApiError::unauthorized)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        let principal = authenticate(&state.store, bearer_token(&parts.headers)).await?;
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

/// A principal allowed to change things: admin, or a cooperative (whose
/// handlers still check the producer). Department tokens get 403.
#[derive(Debug, Clone)]
pub struct Writer(pub Principal);

impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let p = Principal::from_request_parts(parts, state).await?;
        if p.can_write() {
            Ok(Writer(p))
        } else {
            Err(ApiError::forbidden(
                "this token is read-only (department role)",
            ))
        }
    }
}

/// An admin principal; anyone else gets 403.
#[derive(Debug, Clone)]
pub struct Admin(pub Principal);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let p = Principal::from_request_parts(parts, state).await?;
        if p.is_admin() {
            Ok(Admin(p))
        } else {
            Err(ApiError::forbidden("only an admin token may do this"))
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::bearer_token;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(header::AUTHORIZATION, v);
        }
        h
    }

    #[test]
    fn reads_bearer_tokens_only() {
        assert_eq!(bearer_token(&headers("Bearer kho_x")), Some("kho_x"));
        assert_eq!(bearer_token(&headers("bearer kho_x")), Some("kho_x"));
        assert_eq!(bearer_token(&headers("Basic a2hvOng=")), None);
        assert_eq!(bearer_token(&headers("Bearer ")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }
}
