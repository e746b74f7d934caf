//! Tokens: listed for everyone who may read (a cooperative sees its own
//! producer's tokens), revoked by admins. Creation stays on the command
//! line, where the secret can be shown once to the person who runs it.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Json, Page, PageParams, Path, Query};
use crate::auth::{Principal, Role};
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Admin;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens))
        .routes(routes!(revoke_token))
}

/// A token without its secret (only a hash of it is stored).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    #[schema(value_type = String, example = "cooperative")]
    pub role: Role,
    pub producer: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Every token (a cooperative: its producer's); never a secret.
#[utoipa::path(get, path = "/tokens", tag = "tokens", params(PageParams),
    responses((status = 200, body = Page<TokenView>), (status = 403, body = crate::http::error::ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    who: Principal,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<Page<TokenView>>> {
    let (limit, offset) = page.resolve()?;
    let all: Vec<_> = state
        .store
        .list_tokens()
        .await?
        .into_iter()
        .filter(|t| who.producer_scope().is_none() || t.producer.as_deref() == who.producer_scope())
        .collect();
    Ok(Json(Page::from_all(all, limit, offset).map(view)))
}

fn view(t: crate::store::tokens::TokenInfo) -> TokenView {
    TokenView {
        id: t.id,
        name: t.name,
        role: t.role,
        producer: t.producer,
        created_at: t.created_at,
        last_used_at: t.last_used_at,
        revoked_at: t.revoked_at,
    }
}

/// Admin only: the token stops working at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 200, body = TokenView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    Admin(_who): Admin,
    Path(id): Path<i64>,
) -> ApiResult<Json<TokenView>> {
    if !state.store.revoke_token(id).await? {
        return Err(ApiError::not_found(format_args!("live token {id}")));
    }
    let t = state
        .store
        .list_tokens()
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::not_found(format_args!("token {id}")))?;
    Ok(Json(view(t)))
}
