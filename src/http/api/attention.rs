//! What needs a person, as the dashboard's overview and `kho status` list
//! it (`crate::attention`): a cooperative sees only its own items.

use axum::extract::State;
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Json;
use crate::attention::Item;
use crate::auth::Principal;
use crate::http::AppState;
use crate::http::error::ApiResult;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(attention))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttentionReport {
    /// The day certificates were judged by, in the configured time zone.
    pub today: chrono::NaiveDate,
    pub items: Vec<Item>,
}

/// Failed pushes, drift awaiting a person, shops to re-authorise, expired
/// and expiring OCOP certificates and out-of-stock SKUs, each with what it
/// means and what to do in Vietnamese and English.
#[utoipa::path(get, path = "/attention", tag = "attention",
    responses((status = 200, body = AttentionReport)))]
async fn attention(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<AttentionReport>> {
    let today = Utc::now().with_timezone(&state.timezone).date_naive();
    let items = crate::attention::build(&state.store, who.producer_scope(), today).await?;
    Ok(Json(AttentionReport { today, items }))
}
