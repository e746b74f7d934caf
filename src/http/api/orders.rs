//! Orders pulled from the marketplaces, and sales figures. A cooperative
//! sees the orders of its producer's shops and the sales of its products.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Json, Page, PageParams, Query};
use crate::auth::Principal;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::orders::report::GroupBy;
use crate::reports::{self, Period, ReportError, SalesQuery};

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
    /// day (default), channel, producer, product, district or stars.
    pub by: Option<String>,
    /// Time zone days are counted in (default: the configured `sync.timezone`).
    pub tz: Option<String>,
    /// json (default), csv (UTF-8 with a byte-order mark) or xlsx.
    pub format: Option<String>,
    /// Best sellers listed (default 10, at most 100).
    pub top: Option<usize>,
    /// Column titles of the XLSX file: vi (default) or en.
    pub lang: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesRow {
    pub key: String,
    /// The producer's name when grouped by producer; else the key.
    pub label: String,
    pub orders: usize,
    pub units: i64,
    pub revenue_vnd: i64,
    pub previous_orders: usize,
    pub previous_units: i64,
    pub previous_revenue_vnd: i64,
    pub change_vnd: i64,
    /// Per cent of the previous revenue; absent when there was none.
    pub change_pct: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BestSellerView {
    pub product: String,
    pub producer: String,
    pub producer_name: String,
    pub orders: usize,
    pub units: i64,
    pub revenue_vnd: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The previous period of equal length, beside which the rows sit.
    pub previous_from: NaiveDate,
    pub previous_to: NaiveDate,
    pub timezone: String,
    pub by: String,
    pub rows: Vec<SalesRow>,
    pub total_orders: usize,
    pub total_units: i64,
    pub total_revenue_vnd: i64,
    pub previous_revenue_vnd: i64,
    pub change_vnd: i64,
    pub change_pct: Option<f64>,
    pub best_sellers: Vec<BestSellerView>,
    /// Units written off as expired in the period (and their value at
    /// today's prices), beside the sales.
    pub written_off_units: i64,
    pub written_off_value_vnd: i64,
    pub previous_written_off_units: i64,
}

/// Units and revenue (whole VND) of orders not cancelled or returned, with
/// the previous period of equal length beside each row, as
/// `kho report sales` computes them; as JSON, CSV or XLSX. A cooperative
/// gets its own producer's sales only.
#[utoipa::path(get, path = "/reports/sales", tag = "orders", params(SalesParams),
    responses((status = 200, body = SalesReport,
               description = "JSON; with format=csv text/csv, with format=xlsx a workbook"),
              (status = 400, body = crate::http::error::ErrorBody)))]
async fn sales_report(
    State(state): State<AppState>,
    who: Principal,
    Query(params): Query<SalesParams>,
) -> ApiResult<Response> {
    let tz: Tz = match params.tz.as_deref() {
        None => state.timezone,
        Some(name) => name
            .parse()
            .map_err(|_| ApiError::bad_request(format!("unknown time zone {name:?}")))?,
    };
    let by_name = params.by.as_deref().unwrap_or("day");
    let by = GroupBy::parse(by_name).ok_or_else(|| {
        ApiError::bad_request(format!(
            "by {by_name:?} is not one of day, channel, producer, product, district, stars"
        ))
    })?;
    let format = params.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "xlsx") {
        return Err(ApiError::bad_request(format!(
            "format {format:?} is not one of json, csv, xlsx"
        )));
    }
    let vi = match params.lang.as_deref().unwrap_or("vi") {
        "vi" => true,
        "en" => false,
        other => {
            return Err(ApiError::bad_request(format!(
                "lang {other:?} is not vi or en"
            )));
        }
    };
    let today = Utc::now().with_timezone(&tz).date_naive();
    let period = Period::or_default(params.from, params.to, today).map_err(report_error)?;
    let q = SalesQuery {
        period,
        by,
        producer: who.producer_scope().map(str::to_owned),
        top: params.top.unwrap_or(reports::sales::DEFAULT_TOP).min(100),
    };
    let r = reports::sales_report(&state.store, tz, &q)
        .await
        .map_err(report_error)?;
    let stem = format!("kho-sales-{}-{}-{}", by.as_str(), r.from, r.to);
    match format {
        "csv" => {
            let mut out = Vec::new();
            reports::export::write_csv(&mut out, &r).map_err(report_error)?;
            Ok(download(
                out,
                "text/csv; charset=utf-8",
                &format!("{stem}.csv"),
            ))
        }
        "xlsx" => {
            let out = reports::export::write_xlsx(&r, vi).map_err(report_error)?;
            Ok(download(out, XLSX_TYPE, &format!("{stem}.xlsx")))
        }
        _ => Ok(Json(view(r)).into_response()),
    }
}

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file the browser saves under `name` (ASCII: every name kho makes is).
pub fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub fn report_error(e: ReportError) -> ApiError {
    match e {
        ReportError::Invalid(m) => ApiError::bad_request(m),
        ReportError::Store(e) => e.into(),
        ReportError::Write(e) => ApiError::internal(e),
    }
}

fn view(r: reports::SalesReport) -> SalesReport {
    SalesReport {
        from: r.from,
        to: r.to,
        previous_from: r.previous_from,
        previous_to: r.previous_to,
        timezone: r.timezone,
        by: r.by.as_str().to_owned(),
        total_orders: r.orders,
        total_units: r.units,
        total_revenue_vnd: r.revenue_vnd,
        previous_revenue_vnd: r.previous_revenue_vnd,
        change_vnd: r.change_vnd,
        change_pct: r.change_pct,
        written_off_units: r.written_off.units,
        written_off_value_vnd: r.written_off.value_vnd,
        previous_written_off_units: r.written_off.previous_units,
        rows: r
            .rows
            .into_iter()
            .map(|r| SalesRow {
                key: r.key,
                label: r.label,
                orders: r.orders,
                units: r.units,
                revenue_vnd: r.revenue_vnd,
                previous_orders: r.previous_orders,
                previous_units: r.previous_units,
                previous_revenue_vnd: r.previous_revenue_vnd,
                change_vnd: r.change_vnd,
                change_pct: r.change_pct,
            })
            .collect(),
        best_sellers: r
            .best_sellers
            .into_iter()
            .map(|b| BestSellerView {
                product: b.product,
                producer: b.producer,
                producer_name: b.producer_name,
                orders: b.orders,
                units: b.units,
                revenue_vnd: b.revenue_vnd,
            })
            .collect(),
    }
}
