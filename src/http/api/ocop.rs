//! The province's OCOP register: the department (or an admin) replaces it
//! with the certificate list its own system exports; everyone reads the
//! differences with the catalog (a cooperative only its own) and the
//! month's sales for that system to load.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::orders::{XLSX_TYPE, download, report_error};
use super::{Json, Query, Upload};
use crate::auth::{Principal, Role};
use crate::catalog::Problems;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::reports::ocop;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(compare))
        .routes(routes!(export_sales))
}

/// Uploads get the import body limit.
pub fn import_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterImportParams {
    /// Check the file and count its certificates; store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterImportReport {
    pub dry_run: bool,
    pub file_name: String,
    pub entries: usize,
}

/// The problems of a refused file, one `{line, column, message}` each.
pub fn rejected(errors: &Problems) -> ApiError {
    ApiError::invalid(format!(
        "{} in the file; the register was not changed (first: {})",
        errors.count_text(),
        errors.first().map(ToString::to_string).unwrap_or_default()
    ))
    .with_details(
        errors
            .iter()
            .map(|e| json!({ "line": e.line, "column": e.column, "message": e.message }))
            .collect(),
    )
}

/// Replaces the stored register with the department's certificate list
/// (CSV or XLSX; columns product, producer, stars, certificate, expires and
/// optionally district, named in Vietnamese or English, in any order). All
/// or nothing. Admin and department tokens only.
#[utoipa::path(post, path = "/ocop/register", tag = "catalog", params(RegisterImportParams),
    request_body(description = "CSV (UTF-8) or XLSX: the raw body (name in X-File-Name) or a form's `file` field",
                 content((Vec<u8> = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 200, body = RegisterImportReport), (status = 403, body = crate::http::error::ErrorBody),
              (status = 422, description = "Rejected; `details` lists every problem", body = crate::http::error::ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    who: Principal,
    Query(params): Query<RegisterImportParams>,
    upload: Upload,
) -> ApiResult<Json<RegisterImportReport>> {
    if who.role == Role::Cooperative {
        return Err(ApiError::forbidden(
            "the OCOP register is the department's: import it with a department or admin token",
        ));
    }
    let file_name = upload.file_name.unwrap_or_else(|| "register".into());
    let entries = ocop::read_register(&upload.bytes).map_err(|p| rejected(&p))?;
    if !params.dry_run {
        state
            .store
            .replace_ocop_register(&file_name, &format!("api:{}", who.name), &entries)
            .await?;
    }
    Ok(Json(RegisterImportReport {
        dry_run: params.dry_run,
        file_name,
        entries: entries.len(),
    }))
}

/// Every difference between the imported register and the catalog (a
/// cooperative sees its own products only). `source` is null and the list
/// empty while no register was imported.
#[utoipa::path(get, path = "/ocop/compare", tag = "catalog", responses((status = 200, body = Object)))]
async fn compare(State(state): State<AppState>, who: Principal) -> ApiResult<Response> {
    let Some((source, register)) = state.store.ocop_register().await? else {
        return Ok(Json(json!({ "source": null, "differences": [] })).into_response());
    };
    let today = Utc::now().with_timezone(&state.timezone).date_naive();
    let mut diffs = ocop::compare(&register, &state.store.catalog_ocop().await?, today);
    if let Some(own) = who.producer_scope() {
        let name = state
            .store
            .producers()
            .await?
            .into_iter()
            .find(|p| p.code == own)
            .map(|p| p.name)
            .unwrap_or_default();
        diffs = ocop::compare::of_producer(diffs, own, &name);
    }
    Ok(Json(json!({ "source": source, "today": today, "differences": diffs })).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// The month, YYYY-MM.
    pub month: String,
    /// json (default), csv or xlsx.
    pub format: Option<String>,
}

/// One month's sales per product, producer and district, with certificate
/// and stars: what the department's OCOP system loads.
#[utoipa::path(get, path = "/ocop/sales", tag = "catalog", params(ExportParams),
    responses((status = 200, body = Object), (status = 400, body = crate::http::error::ErrorBody)))]
async fn export_sales(
    State(state): State<AppState>,
    who: Principal,
    Query(params): Query<ExportParams>,
) -> ApiResult<Response> {
    let rows = ocop::sales::month_sales(
        &state.store,
        state.timezone,
        &params.month,
        who.producer_scope(),
    )
    .await
    .map_err(report_error)?;
    let name = format!("kho-ocop-sales-{}", params.month);
    match params.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(json!({ "month": params.month, "rows": rows })).into_response()),
        "csv" => {
            let mut out = Vec::new();
            ocop::sales::write_csv(&mut out, &rows).map_err(report_error)?;
            Ok(download(
                out,
                "text/csv; charset=utf-8",
                &format!("{name}.csv"),
            ))
        }
        "xlsx" => Ok(download(
            ocop::sales::write_xlsx(&rows).map_err(report_error)?,
            XLSX_TYPE,
            &format!("{name}.xlsx"),
        )),
        other => Err(ApiError::bad_request(format!(
            "format {other:?} is not one of json, csv, xlsx"
        ))),
    }
}
