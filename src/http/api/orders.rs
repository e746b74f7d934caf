//! Orders pulled from the marketplaces, and sales figures. A cooperative
//! sees the orders of its producer's shops and the sales of its products.

use axum::extract::State;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Json, Page, PageParams, Query};
use crate::auth::Principal;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::orders::report::{self, GroupBy};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orders))
        .routes(routes!(sales_report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilter {
    /// Only this account's orders.
    pub account: Option<String>,
    /// unpaid, ready, shipped, delivered, cancelled or returned.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    pub id: i64,
    pub account: String,
    pub channel: String,
    pub remote_order_id: String,
    /// kho's status: unpaid, ready, shipped, delivered, cancelled, returned.
    pub status: String,
    /// The marketplace's own status text.
    pub raw_status: String,
    pub total_vnd: i64,
    pub ordered_at: DateTime<Utc>,
    pub units: i64,
    /// Lines whose SKU kho does not know.
    pub unknown_lines: i64,
}

/// Orders, newest first.
#[utoipa::path(get, path = "/orders", tag = "orders", params(OrderFilter),
    responses((status = 200, body = Page<OrderView>), (status = 400, body = crate::http::error::ErrorBody),
              (status = 404, description = "Unknown account", body = crate::http::error::ErrorBody)))]
async fn list_orders(
    State(state): State<AppState>,
    who: Principal,
    Query(filter): Query<OrderFilter>,
) -> ApiResult<Json<Page<OrderView>>> {
    let (limit, offset) = PageParams {
        limit: filter.limit,
        cursor: filter.cursor,
    }
    .resolve()?;
    if let Some(s) = filter.status.as_deref()
        && crate::orders::state::parse(s).is_none()
    {
        return Err(ApiError::bad_request(format!(
            "status {s:?} is not one of unpaid, ready, shipped, delivered, cancelled, returned"
        )));
    }
    if let Some(a) = filter.account.as_deref() {
        // Another producer's account answers 404, as a missing one does.
        super::channels::scoped_accounts(&state.store, &who, Some(a)).await?;
    }
    let rows = state
        .store
        .orders_page(
            who.producer_scope(),
            filter.account.as_deref(),
            filter.status.as_deref(),
            limit + 1,
            offset,
        )
        .await?;
    Ok(Json(Page::from_fetch(rows, limit, offset).map(|o| {
        OrderView {
            id: o.id,
            account: o.account,
            channel: o.channel,
            remote_order_id: o.remote_order_id,
            status: o.status,
            raw_status: o.raw_status,
            total_vnd: o.total_vnd,
            ordered_at: o.ordered_at,
            units: o.units,
            unknown_lines: o.unknown_lines,
        }
    })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SalesParams {
    /// First day (YYYY-MM-DD); 30 days before `to` by default.
    pub from: Option<NaiveDate>,
    /// Last day, included; today by default.
    pub to: Option<NaiveDate>,
    /// day (default), channel, producer, product or district.
    pub by: Option<String>,
    /// Time zone days are counted in (default Asia/Ho_Chi_Minh).
    pub tz: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesRow {
    pub key: String,
    pub orders: usize,
    pub units: i64,
    pub revenue_vnd: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: String,
    pub rows: Vec<SalesRow>,
    pub total_units: i64,
    pub total_revenue_vnd: i64,
}

/// Units and revenue (whole VND) of orders not cancelled or returned, as
/// `kho report sales` computes them.
#[utoipa::path(get, path = "/reports/sales", tag = "orders", params(SalesParams),
    responses((status = 200, body = SalesReport), (status = 400, body = crate::http::error::ErrorBody)))]
async fn sales_report(
    State(state): State<AppState>,
    who: Principal,
    Query(params): Query<SalesParams>,
) -> ApiResult<Json<SalesReport>> {
    let tz: Tz = match params.tz.as_deref() {
        None => chrono_tz::Asia::Ho_Chi_Minh,
        Some(name) => name
            .parse()
            .map_err(|_| ApiError::bad_request(format!("unknown time zone {name:?}")))?,
    };
    let (by, by_name) = match params.by.as_deref().unwrap_or("day") {
        "day" => (GroupBy::Day, "day"),
        "channel" => (GroupBy::Channel, "channel"),
        "producer" => (GroupBy::Producer, "producer"),
        "product" => (GroupBy::Product, "product"),
        "district" => (GroupBy::District, "district"),
        other => {
            return Err(ApiError::bad_request(format!(
                "by {other:?} is not one of day, channel, producer, product, district"
            )));
        }
    };
    let today = Utc::now().with_timezone(&tz).date_naive();
    let to = params.to.unwrap_or(today);
    let from = params.from.unwrap_or(to - chrono::Duration::days(29));
    if from > to {
        return Err(ApiError::bad_request(format!(
            "from {from} is after to {to}"
        )));
    }
    if (to - from).num_days() > 3660 {
        return Err(ApiError::bad_request("a report covers at most ten years"));
    }
    let start = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| ApiError::bad_request(format!("{d} does not exist in {tz}")))
    };
    let end = to
        .succ_opt()
        .ok_or_else(|| ApiError::bad_request(format!("to {to} is out of range")))?;
    let lines: Vec<_> = state
        .store
        .sale_lines(start(from)?, start(end)?)
        .await?
        .into_iter()
        .filter(|l| who.sees_producer(&l.producer))
        .collect();
    let rows = report::aggregate(&lines, by, tz);
    Ok(Json(SalesReport {
        from,
        to,
        by: by_name.to_owned(),
        total_units: rows.iter().map(|r| r.units).sum(),
        total_revenue_vnd: rows.iter().map(|r| r.revenue_vnd).sum(),
        rows: rows
            .into_iter()
            .map(|r| SalesRow {
                key: r.key,
                orders: r.orders,
                units: r.units,
                revenue_vnd: r.revenue_vnd,
            })
            .collect(),
    }))
}
