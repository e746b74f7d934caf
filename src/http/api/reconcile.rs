//! Reconciliation reports: runs (each a comparison of one marketplace
//! account with the canonical store) and their drift items.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::channels::scoped_accounts;
use super::{Json, Page, PageParams, Path, Query};
use crate::auth::Principal;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store::reconcile::{ReconcileItem, ReconcileRun, value_json};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_runs))
        .routes(routes!(get_run))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    pub id: i64,
    pub account: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// running, clean, drift or failed.
    pub outcome: String,
    pub error: Option<String>,
    /// Whether the run repaired what it found.
    pub fixed: bool,
    /// Drift items per kind.
    pub counts: BTreeMap<String, i64>,
}

impl From<ReconcileRun> for RunView {
    fn from(r: ReconcileRun) -> Self {
        RunView {
            id: r.id,
            account: r.account,
            started_at: r.started_at,
            finished_at: r.finished_at,
            outcome: r.outcome,
            error: r.error,
            fixed: r.fixed,
            counts: r.counts,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    pub id: i64,
    pub kind: String,
    pub sku: Option<String>,
    pub remote_item_id: Option<String>,
    pub remote_variant_id: Option<String>,
    pub field: Option<String>,
    /// What kho holds: a number for `stock` and `price`, text otherwise.
    #[schema(value_type = Option<Object>)]
    pub kho_value: Option<serde_json::Value>,
    /// What kho last pushed and the marketplace acknowledged.
    #[schema(value_type = Option<Object>)]
    pub pushed_value: Option<serde_json::Value>,
    /// What the marketplace shows.
    #[schema(value_type = Option<Object>)]
    pub remote_value: Option<serde_json::Value>,
    /// The likely cause.
    pub cause: String,
    pub detail: Option<String>,
}

impl From<ReconcileItem> for ItemView {
    fn from(i: ReconcileItem) -> Self {
        ItemView {
            id: i.id,
            kind: i.kind,
            sku: i.sku,
            remote_item_id: i.remote_item_id,
            remote_variant_id: i.remote_variant_id,
            kho_value: value_json(i.field.as_deref(), i.kho_value.as_deref()),
            pushed_value: value_json(i.field.as_deref(), i.pushed_value.as_deref()),
            remote_value: value_json(i.field.as_deref(), i.remote_value.as_deref()),
            field: i.field,
            cause: i.cause,
            detail: i.detail,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunReport {
    pub run: RunView,
    pub items: Vec<ItemView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunFilter {
    /// Only this account's runs.
    pub account: Option<String>,
    /// Only the latest finished run of each account.
    #[serde(default)]
    pub latest: bool,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Runs, newest first.
#[utoipa::path(get, path = "/reconciliation/runs", tag = "channels", params(RunFilter),
    responses((status = 200, body = Page<RunView>), (status = 404, body = crate::http::error::ErrorBody)))]
async fn list_runs(
    State(state): State<AppState>,
    who: Principal,
    Query(filter): Query<RunFilter>,
) -> ApiResult<Json<Page<RunView>>> {
    let (limit, offset) = PageParams {
        limit: filter.limit,
        cursor: filter.cursor,
    }
    .resolve()?;
    let accounts = scoped_accounts(&state.store, &who, filter.account.as_deref()).await?;
    let runs: Vec<ReconcileRun> = if filter.latest {
        state
            .store
            .latest_reconcile_runs()
            .await?
            .into_iter()
            .filter(|r| accounts.contains(&r.account))
            .collect()
    } else if filter.account.is_none() && who.producer_scope().is_none() {
        state.store.reconcile_runs(None, offset + limit + 1).await?
    } else {
        let mut all = Vec::new();
        for a in &accounts {
            all.extend(
                state
                    .store
                    .reconcile_runs(Some(a), offset + limit + 1)
                    .await?,
            );
        }
        all.sort_by_key(|r| std::cmp::Reverse(r.id));
        all
    };
    Ok(Json(Page::from_all(runs, limit, offset).map(RunView::from)))
}

/// One run with every drift item it found.
#[utoipa::path(get, path = "/reconciliation/runs/{id}", tag = "channels",
    params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, body = RunReport), (status = 404, body = crate::http::error::ErrorBody)))]
async fn get_run(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<RunReport>> {
    let not_found = || ApiError::not_found(format_args!("reconciliation run {id}"));
    let run = state.store.reconcile_run(id).await?.ok_or_else(not_found)?;
    if !scoped_accounts(&state.store, &who, None)
        .await?
        .contains(&run.account)
    {
        return Err(not_found());
    }
    let items = state.store.reconcile_items(id).await?;
    Ok(Json(RunReport {
        run: run.into(),
        items: items.into_iter().map(ItemView::from).collect(),
    }))
}
