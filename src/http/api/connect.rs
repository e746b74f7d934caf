//! `POST /accounts/{name}/connect`: the marketplace's authorisation link for
//! a shop, as `kho accounts connect` prints it, for an admin or the
//! cooperative whose shop it is. The code comes back to
//! `/oauth/{channel}/callback`, never through this API.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Json, Path};
use crate::channels::connect::{self, ConnectError};
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Writer;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(connect_account))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectLink {
    pub account: String,
    /// shopee, tiktok or lazada.
    pub channel: String,
    /// The link the shop's seller opens to authorise kho.
    pub url: String,
    /// Where the marketplace sends the seller back (`{server.public_url}/oauth/{channel}/callback`).
    pub redirect_uri: String,
    /// When the link's single-use state expires.
    pub expires_at: DateTime<Utc>,
}

/// A fresh authorisation link for the account (its state works once).
#[utoipa::path(post, path = "/accounts/{name}/connect", tag = "channels",
    params(("name" = String, Path, description = "Account name")),
    responses((status = 200, body = ConnectLink), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody)))]
async fn connect_account(
    State(state): State<AppState>,
    Writer(who): Writer,
    Path(name): Path<String>,
) -> ApiResult<Json<ConnectLink>> {
    let row = state
        .store
        .accounts(Some(&name))
        .await?
        .into_iter()
        .find(|a| {
            who.producer_scope().is_none()
                || a.producer.as_deref().is_some_and(|p| who.sees_producer(p))
        })
        .ok_or_else(|| ApiError::not_found(format_args!("account {name:?}")))?;
    let not_here = || {
        ApiError::not_found(format_args!(
            "account {name:?} in this server's configuration"
        ))
    };
    let connector = state.connect.as_ref().ok_or_else(not_here)?;
    let config = connector.account(&row.name).ok_or_else(not_here)?;
    let link = connect::authorization_link(
        &state.store,
        &connector.transport,
        config,
        &connector.public_url,
    )
    .await
    .map_err(|e| match e {
        ConnectError::Store(e) => ApiError::from(e),
        other => ApiError::invalid(other.to_string()),
    })?;
    Ok(Json(ConnectLink {
        account: row.name,
        channel: row.channel,
        url: link.to_string(),
        redirect_uri: connect::redirect_uri(&connector.public_url, config),
        expires_at: Utc::now() + connect::STATE_TTL,
    }))
}
