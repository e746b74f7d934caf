//! Sign-in links made through the API, so that an admin can sign staff in
//! to the dashboard without a shell on the server (`kho login-link` is the
//! same thing on the command line).

use axum::extract::State;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Json;
use super::catalog::actor;
use crate::auth::Role;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Admin;
use crate::store::sessions::{Grant, LINK_DEFAULT_VALIDITY, SignInError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_login_link))
}

/// Who the link signs in: a role (admin, department), or a cooperative's
/// producer; the person's name is recorded with everything they do.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLoginLink {
    #[schema(value_type = Option<String>, example = "department")]
    pub role: Option<Role>,
    pub producer: Option<String>,
    /// The person's name; without it they type it when opening the link.
    pub name: Option<String>,
    /// How long the link works, like "15m" or "2d" (default 15m, at most 7 days).
    pub valid: Option<String>,
}

/// The link (shown once: only a hash is stored) and when it expires.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginLinkView {
    pub url: String,
    pub expires_at: DateTime<Utc>,
    #[schema(value_type = String, example = "department")]
    pub role: Role,
    pub producer: Option<String>,
    pub name: Option<String>,
}

/// Admin only: a one-time dashboard sign-in URL for a person.
#[utoipa::path(post, path = "/login-links", tag = "tokens", request_body = NewLoginLink,
    responses((status = 201, body = LoginLinkView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody)))]
async fn create_login_link(
    State(state): State<AppState>,
    Admin(who): Admin,
    Json(req): Json<NewLoginLink>,
) -> ApiResult<(axum::http::StatusCode, Json<LoginLinkView>)> {
    let role = match (req.role, &req.producer) {
        (Some(r), _) => r,
        (None, Some(_)) => Role::Cooperative,
        (None, None) => return Err(ApiError::invalid("give a role, or a producer")),
    };
    let valid = match req.valid.as_deref() {
        None => LINK_DEFAULT_VALIDITY,
        Some(text) => humantime::parse_duration(text)
            .ok()
            .and_then(|d| TimeDelta::from_std(d).ok())
            .ok_or_else(|| {
                ApiError::invalid(format!("valid={text:?} is not a duration like \"15m\""))
            })?,
    };
    let grant = Grant {
        role,
        producer: req.producer.clone(),
    };
    let link = state
        .store
        .create_login_link(&grant, req.name.as_deref(), valid, &actor(&who))
        .await
        .map_err(|e| match e {
            SignInError::Store(e) => e.into(),
            other => ApiError::invalid(other.to_string()),
        })?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(LoginLinkView {
            url: crate::cli::login_link_url(&state.public_url, &link.secret),
            expires_at: link.expires_at,
            role,
            producer: req.producer,
            name: req.name.map(|n| n.trim().to_owned()),
        }),
    ))
}
