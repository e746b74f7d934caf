//! Stock: levels per location, counts (set), adjustments, and the ledger.
//! The rules (no negative availability, the default location, the ledger
//! entry) are `inventory`'s, as for `kho stock set|add`.

use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::catalog::actor;
use super::{Json, Page, PageParams, Path, Query};
use crate::auth::Principal;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Writer;
use crate::inventory::{self, MoveOptions, StockError};
use crate::store::Store;
use crate::store::inventory::{MovementOutcome, SkuRef};
use crate::store::lots::LotSpec;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_stock, set_stock))
        .routes(routes!(adjust_stock))
        .routes(routes!(stock_history))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocationStock {
    pub location: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LotStock {
    pub location: String,
    pub lot: String,
    pub harvested_on: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
    pub on_hand: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockView {
    pub sku: String,
    pub producer: String,
    pub locations: Vec<LocationStock>,
    /// Lots that hold units, earliest best-before first per location; the
    /// lot without a code holds what was received without one.
    pub lots: Vec<LotStock>,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MovementView {
    pub id: i64,
    pub location: String,
    /// The lot it moved ('' for units kept without a lot).
    pub lot: String,
    /// receipt, adjustment, count, sale, cancellation, return or expiry.
    pub kind: String,
    pub quantity: i64,
    pub balance_after: i64,
    pub reason: String,
    pub reference: Option<String>,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// The SKU if the caller may see it; 404 otherwise.
async fn visible_sku(store: &Store, who: &Principal, sku: &str) -> ApiResult<SkuRef> {
    store
        .find_sku(sku)
        .await?
        .filter(|s| who.sees_producer(&s.producer_code))
        .ok_or_else(|| ApiError::not_found(format_args!("SKU {sku:?}")))
}

async fn stock_view(store: &Store, s: SkuRef) -> ApiResult<StockView> {
    let levels = store.stock_levels(s.variant_id).await?;
    let locations: Vec<LocationStock> = levels
        .into_iter()
        .map(|l| LocationStock {
            available: l.on_hand - l.reserved,
            location: l.location,
            on_hand: l.on_hand,
            reserved: l.reserved,
        })
        .collect();
    let lots = store
        .lot_levels(s.variant_id)
        .await?
        .into_iter()
        .map(|l| LotStock {
            location: l.location,
            lot: l.code,
            harvested_on: l.harvested_on,
            best_before: l.best_before,
            on_hand: l.on_hand,
        })
        .collect();
    let on_hand = locations.iter().map(|l| l.on_hand).sum();
    let reserved = locations.iter().map(|l| l.reserved).sum();
    Ok(StockView {
        sku: s.sku,
        producer: s.producer_code,
        locations,
        lots,
        on_hand,
        reserved,
        available: on_hand - reserved,
    })
}

fn stock_error(e: StockError) -> ApiError {
    match e {
        StockError::UnknownSku(sku) => ApiError::not_found(format_args!("SKU {sku:?}")),
        e @ StockError::UnknownLocation { .. } => ApiError::invalid(e.to_string()),
        e @ StockError::WouldGoNegative { .. } => ApiError::conflict(e.to_string()),
        e @ StockError::AboveLimit { .. } => ApiError::invalid(e.to_string()),
        e @ StockError::UnknownLot { .. } => ApiError::invalid(e.to_string()),
        e @ (StockError::LotShort { .. } | StockError::LotDates { .. }) => {
            ApiError::conflict(e.to_string())
        }
        StockError::Invalid(m) => ApiError::invalid(m),
        StockError::Store(e) => e.into(),
    }
}

#[utoipa::path(get, path = "/stock/{sku}", tag = "stock",
    params(("sku" = String, Path, description = "Variant SKU")),
    responses((status = 200, body = StockView), (status = 404, body = crate::http::error::ErrorBody)))]
async fn get_stock(
    State(state): State<AppState>,
    who: Principal,
    Path(sku): Path<String>,
) -> ApiResult<Json<StockView>> {
    let s = visible_sku(&state.store, &who, &sku).await?;
    Ok(Json(stock_view(&state.store, s).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockCount {
    /// On hand after a physical count.
    pub quantity: i64,
    #[serde(default)]
    pub reason: String,
    /// Location code; the producer's default location when omitted.
    pub location: Option<String>,
    /// Count this lot only (it must exist); the total when omitted.
    pub lot: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockChange {
    /// applied, or unchanged (a count that matched).
    pub outcome: String,
    pub movement_id: Option<i64>,
    pub delta: i64,
    pub stock: StockView,
}

fn change(outcome: MovementOutcome, stock: StockView) -> StockChange {
    match outcome {
        MovementOutcome::Applied {
            movement_id, delta, ..
        } => StockChange {
            outcome: "applied".into(),
            movement_id: Some(movement_id),
            delta,
            stock,
        },
        _ => StockChange {
            outcome: "unchanged".into(),
            movement_id: None,
            delta: 0,
            stock,
        },
    }
}

/// Sets on hand after a count (a `count` movement of the difference).
#[utoipa::path(put, path = "/stock/{sku}", tag = "stock", request_body = StockCount,
    params(("sku" = String, Path, description = "Variant SKU")),
    responses((status = 200, body = StockChange), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody),
              (status = 409, description = "Would leave less than the reserved units", body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody)))]
async fn set_stock(
    State(state): State<AppState>,
    Writer(who): Writer,
    Path(sku): Path<String>,
    Json(body): Json<StockCount>,
) -> ApiResult<Json<StockChange>> {
    let s = visible_sku(&state.store, &who, &sku).await?;
    let who_acts = actor(&who);
    let opts = MoveOptions {
        lot: body.lot.as_deref().map(|code| LotSpec {
            code,
            ..LotSpec::default()
        }),
        reason: &body.reason,
        location: body.location.as_deref(),
        reference: None,
        actor: &who_acts,
    };
    let outcome = inventory::set(&state.store, &s.sku, body.quantity, &opts)
        .await
        .map_err(stock_error)?;
    Ok(Json(change(outcome, stock_view(&state.store, s).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockAdjustment {
    /// Units added (a receipt) or, negative, removed (an adjustment).
    pub delta: i64,
    #[serde(default)]
    pub reason: String,
    pub location: Option<String>,
    /// The harvest lot: a receipt creates it or adds to it, a removal takes
    /// from it only. Without one, a receipt is kept without a lot and a
    /// removal takes the earliest best-before first.
    pub lot: Option<String>,
    /// The lot's harvest or production day (a new lot's).
    pub harvested: Option<NaiveDate>,
    /// The lot's last day of sale; by default the harvest day plus the
    /// product's shelf life.
    pub best_before: Option<NaiveDate>,
}

#[utoipa::path(post, path = "/stock/{sku}/adjustments", tag = "stock", request_body = StockAdjustment,
    params(("sku" = String, Path, description = "Variant SKU")),
    responses((status = 200, body = StockChange), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody),
              (status = 409, description = "Would leave less than the reserved units", body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody)))]
async fn adjust_stock(
    State(state): State<AppState>,
    Writer(who): Writer,
    Path(sku): Path<String>,
    Json(body): Json<StockAdjustment>,
) -> ApiResult<Json<StockChange>> {
    let s = visible_sku(&state.store, &who, &sku).await?;
    let who_acts = actor(&who);
    if body.lot.is_none() && (body.harvested.is_some() || body.best_before.is_some()) {
        return Err(ApiError::invalid(
            "harvested and best_before belong to a lot: give its code",
        ));
    }
    let opts = MoveOptions {
        lot: body.lot.as_deref().map(|code| LotSpec {
            code,
            harvested: body.harvested,
            best_before: body.best_before,
        }),
        reason: &body.reason,
        location: body.location.as_deref(),
        reference: None,
        actor: &who_acts,
    };
    let outcome = inventory::add(&state.store, &s.sku, body.delta, &opts)
        .await
        .map_err(stock_error)?;
    Ok(Json(change(outcome, stock_view(&state.store, s).await?)))
}

/// The ledger, newest first.
#[utoipa::path(get, path = "/stock/{sku}/history", tag = "stock", params(("sku" = String, Path, description = "Variant SKU"), PageParams),
    responses((status = 200, body = Page<MovementView>), (status = 404, body = crate::http::error::ErrorBody)))]
async fn stock_history(
    State(state): State<AppState>,
    who: Principal,
    Path(sku): Path<String>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<Page<MovementView>>> {
    let (limit, offset) = page.resolve()?;
    let s = visible_sku(&state.store, &who, &sku).await?;
    let rows = state
        .store
        .stock_history_page(s.variant_id, limit + 1, offset)
        .await?;
    Ok(Json(Page::from_fetch(rows, limit, offset).map(|m| {
        MovementView {
            id: m.id,
            location: m.location,
            lot: m.lot,
            kind: m.kind,
            quantity: m.quantity,
            balance_after: m.balance_after,
            reason: m.reason,
            reference: m.reference,
            actor: m.actor,
            created_at: m.created_at,
        }
    })))
}
