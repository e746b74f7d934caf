//! Marketplace accounts and their health, listings (desired against
//! acknowledged state), the sync queue, and dead letters with retry.
//! An account belongs to the producer whose shop it is; a cooperative sees
//! only its own producer's accounts.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Json, Page, PageParams, Path, Query};
use crate::auth::Principal;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Writer;
use crate::store::Store;
use crate::store::accounts::{AccountRow, AccountState};
use crate::store::admin::ListingState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_accounts))
        .routes(routes!(get_account))
        .routes(routes!(account_listings))
        .routes(routes!(sync_jobs))
        .routes(routes!(dead_letters))
        .routes(routes!(retry_dead_letters))
}

fn visible(who: &Principal, a: &AccountRow) -> bool {
    a.producer.as_deref().is_some_and(|p| who.sees_producer(p)) || who.producer_scope().is_none()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub name: String,
    /// shopee, tiktok, lazada or tiki.
    pub channel: String,
    pub producer: Option<String>,
    /// ok, paused or needs_reauth.
    pub state: String,
    /// True when the account is `ok` and nothing is dead in its queue.
    pub healthy: bool,
    pub last_error: Option<String>,
    pub last_push_at: Option<DateTime<Utc>>,
    pub access_expires_at: Option<DateTime<Utc>>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    pub listings: i64,
    /// Changes waiting to be pushed.
    pub pending: i64,
    /// Changes that failed for good (see dead letters).
    pub dead: i64,
    /// When the oldest waiting change was queued.
    pub oldest_pending: Option<DateTime<Utc>>,
}

async fn account_views(store: &Store, who: &Principal) -> ApiResult<Vec<(i64, AccountView)>> {
    let stats = store.queue_stats().await?;
    Ok(store
        .accounts(None)
        .await?
        .into_iter()
        .filter(|a| visible(who, a))
        .map(|a| {
            let q = stats.iter().find(|s| s.account == a.name);
            let (pending, dead, oldest) =
                q.map_or((0, 0, None), |q| (q.pending, q.dead, q.oldest_pending));
            (
                a.id,
                AccountView {
                    healthy: a.state == AccountState::Ok && dead == 0,
                    state: a.state.as_str().to_owned(),
                    name: a.name,
                    channel: a.channel,
                    producer: a.producer,
                    last_error: a.last_error,
                    last_push_at: a.last_push_at,
                    access_expires_at: a.access_expires_at,
                    refresh_expires_at: a.refresh_expires_at,
                    listings: a.listings,
                    pending,
                    dead,
                    oldest_pending: oldest,
                },
            )
        })
        .collect())
}

async fn visible_account(
    store: &Store,
    who: &Principal,
    name: &str,
) -> ApiResult<(i64, AccountView)> {
    account_views(store, who)
        .await?
        .into_iter()
        .find(|(_, a)| a.name == name)
        .ok_or_else(|| ApiError::not_found(format_args!("account {name:?}")))
}

#[utoipa::path(get, path = "/accounts", tag = "channels", params(PageParams),
    responses((status = 200, body = Page<AccountView>), (status = 401, body = crate::http::error::ErrorBody)))]
async fn list_accounts(
    State(state): State<AppState>,
    who: Principal,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<Page<AccountView>>> {
    let (limit, offset) = page.resolve()?;
    let all = account_views(&state.store, &who)
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    Ok(Json(Page::from_all(all, limit, offset)))
}

#[utoipa::path(get, path = "/accounts/{name}", tag = "channels",
    params(("name" = String, Path, description = "Account name")),
    responses((status = 200, body = AccountView), (status = 404, body = crate::http::error::ErrorBody)))]
async fn get_account(
    State(state): State<AppState>,
    who: Principal,
    Path(name): Path<String>,
) -> ApiResult<Json<AccountView>> {
    Ok(Json(visible_account(&state.store, &who, &name).await?.1))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingView {
    pub id: i64,
    pub sku: String,
    pub remote_item_id: String,
    pub remote_variant_id: String,
    /// What kho wants the marketplace to show.
    pub desired: ListingValues,
    /// What the marketplace last acknowledged from kho.
    pub acknowledged: ListingValues,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// What the marketplace last showed when kho read it.
    pub remote: RemoteValues,
    /// True when desired and acknowledged agree.
    pub in_sync: bool,
    pub pending_jobs: i64,
    pub dead_jobs: i64,
}

#[derive(Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ListingValues {
    pub stock: Option<i64>,
    pub price_vnd: Option<i64>,
    pub active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemoteValues {
    pub stock: Option<i64>,
    pub price_vnd: Option<i64>,
    pub status: Option<String>,
}

impl From<ListingState> for ListingView {
    fn from(l: ListingState) -> Self {
        let desired = ListingValues {
            stock: l.desired_stock,
            price_vnd: l.desired_price,
            active: l.desired_active,
        };
        let acknowledged = ListingValues {
            stock: l.acked_stock,
            price_vnd: l.acked_price,
            active: l.acked_active,
        };
        ListingView {
            in_sync: desired.stock == acknowledged.stock
                && desired.price_vnd == acknowledged.price_vnd
                && desired.active.unwrap_or(true) == acknowledged.active.unwrap_or(true),
            id: l.id,
            sku: l.sku,
            remote_item_id: l.remote_item_id,
            remote_variant_id: l.remote_variant_id,
            desired,
            acknowledged,
            acknowledged_at: l.acked_at,
            remote: RemoteValues {
                stock: l.remote_stock,
                price_vnd: l.remote_price,
                status: l.remote_status,
            },
            pending_jobs: l.pending_jobs,
            dead_jobs: l.dead_jobs,
        }
    }
}

#[utoipa::path(get, path = "/accounts/{name}/listings", tag = "channels",
    params(("name" = String, Path, description = "Account name"), PageParams),
    responses((status = 200, body = Page<ListingView>), (status = 404, body = crate::http::error::ErrorBody)))]
async fn account_listings(
    State(state): State<AppState>,
    who: Principal,
    Path(name): Path<String>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<Page<ListingView>>> {
    let (limit, offset) = page.resolve()?;
    let (id, _) = visible_account(&state.store, &who, &name).await?;
    let rows = state.store.listing_states(id, limit + 1, offset).await?;
    Ok(Json(
        Page::from_fetch(rows, limit, offset).map(ListingView::from),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueView {
    pub account: String,
    pub pending: i64,
    pub dead: i64,
    pub oldest_pending: Option<DateTime<Utc>>,
}

/// The sync queue per account: changes waiting and changes dead.
#[utoipa::path(get, path = "/sync/jobs", tag = "channels",
    responses((status = 200, body = Vec<QueueView>), (status = 401, body = crate::http::error::ErrorBody)))]
async fn sync_jobs(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<Vec<QueueView>>> {
    let views = account_views(&state.store, &who).await?;
    Ok(Json(
        views
            .into_iter()
            .map(|(_, a)| QueueView {
                account: a.name,
                pending: a.pending,
                dead: a.dead,
                oldest_pending: a.oldest_pending,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadLetterParams {
    /// Only this account's.
    pub account: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterView {
    pub id: i64,
    pub account: String,
    pub sku: String,
    /// stock, price or status.
    pub kind: String,
    pub attempts: i64,
    /// The marketplace's message.
    pub last_error: Option<String>,
}

/// Account names the caller may see, or 404 for a named one it may not.
pub(super) async fn scoped_accounts(
    store: &Store,
    who: &Principal,
    account: Option<&str>,
) -> ApiResult<Vec<String>> {
    let names: Vec<String> = account_views(store, who)
        .await?
        .into_iter()
        .map(|(_, a)| a.name)
        .collect();
    match account {
        Some(a) if names.iter().any(|n| n == a) => Ok(vec![a.to_owned()]),
        Some(a) => Err(ApiError::not_found(format_args!("account {a:?}"))),
        None => Ok(names),
    }
}

#[utoipa::path(get, path = "/sync/dead-letters", tag = "channels", params(DeadLetterParams),
    responses((status = 200, body = Page<DeadLetterView>), (status = 404, body = crate::http::error::ErrorBody)))]
async fn dead_letters(
    State(state): State<AppState>,
    who: Principal,
    Query(params): Query<DeadLetterParams>,
) -> ApiResult<Json<Page<DeadLetterView>>> {
    let (limit, offset) = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    }
    .resolve()?;
    let accounts = scoped_accounts(&state.store, &who, params.account.as_deref()).await?;
    let all: Vec<DeadLetterView> = state
        .store
        .dead_letters(params.account.as_deref())
        .await?
        .into_iter()
        .filter(|d| accounts.contains(&d.account))
        .map(|d| DeadLetterView {
            id: d.id,
            account: d.account,
            sku: d.sku,
            kind: d.kind,
            attempts: d.attempts,
            last_error: d.last_error,
        })
        .collect();
    Ok(Json(Page::from_all(all, limit, offset)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryRequest {
    /// Only this account's dead letters; every visible account's when omitted.
    pub account: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetryResult {
    /// Dead letters put back in the queue.
    pub retried: u64,
}

/// Puts dead letters back in the queue (after their cause was fixed).
#[utoipa::path(post, path = "/sync/dead-letters/retry", tag = "channels", request_body = RetryRequest,
    responses((status = 200, body = RetryResult), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody)))]
async fn retry_dead_letters(
    State(state): State<AppState>,
    Writer(who): Writer,
    Json(body): Json<RetryRequest>,
) -> ApiResult<Json<RetryResult>> {
    let retried = if who.producer_scope().is_none() && body.account.is_none() {
        state.store.retry_dead(None).await?
    } else {
        let mut n = 0;
        for a in scoped_accounts(&state.store, &who, body.account.as_deref()).await? {
            n += state.store.retry_dead(Some(&a)).await?;
        }
        n
    };
    Ok(Json(RetryResult { retried }))
}
