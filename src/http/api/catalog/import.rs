//! `POST /catalog/import`: a catalog file, all or nothing.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Uploads get their own, larger body limit.
pub fn import_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Compute and return the plan; change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What an import changed (or, with `dry_run`, would change).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub new_producers: usize,
    pub updated_producers: usize,
    pub new_products: usize,
    pub updated_products: usize,
    pub new_variants: usize,
    pub updated_variants: usize,
    pub stock_counts: usize,
    pub unchanged: usize,
    /// The full plan, field by field.
    #[schema(value_type = Object)]
    pub plan: serde_json::Value,
}

/// A file of the form, for the OpenAPI document.
#[derive(ToSchema)]
pub struct ImportForm {
    /// The catalog file, CSV (UTF-8) or XLSX.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A catalog file (CSV or XLSX, the format of `kho import`), either as the
/// raw request body (its name in `X-File-Name`) or as the field `file` of a
/// `multipart/form-data` form (`curl -F file=@catalog.xlsx`). All or
/// nothing: a file with any error changes nothing and the answer lists every
/// problem by line and column (422). A cooperative token may import only
/// rows of its own producer.
#[utoipa::path(post, path = "/catalog/import", tag = "catalog", params(ImportParams),
    request_body(description = "CSV (UTF-8) or XLSX, at most 20 MiB: the raw body, or a form's `file` field",
                 content((Vec<u8> = "text/csv"),
                         (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                         (ImportForm = "multipart/form-data"))),
    responses((status = 200, body = ImportReport), (status = 400, body = crate::http::error::ErrorBody),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 413, body = crate::http::error::ErrorBody),
              (status = 422, description = "Rejected; `details` has one {line, column, message} per problem", body = crate::http::error::ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    Writer(who): Writer,
    Query(params): Query<ImportParams>,
    upload: Upload,
) -> ApiResult<Json<ImportReport>> {
    let bytes = upload.bytes;
    let rejected = |errors: Problems| {
        let message = format!(
            "{} in the file; nothing was changed (first: {})",
            errors.count_text(),
            errors.first().map(ToString::to_string).unwrap_or_default()
        );
        ApiError::invalid(message).with_details(
            errors
                .iter()
                .map(|e| json!({ "line": e.line, "column": e.column, "message": e.message }))
                .collect(),
        )
    };
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "send the catalog file (CSV or XLSX) as the request body or a form's \"file\" field",
        ));
    }
    let name = upload.file_name.as_deref().unwrap_or_default();
    let plan = match import_file(
        &state.store,
        who.producer_scope(),
        &bytes,
        name,
        params.dry_run,
        actor(&who),
    )
    .await
    {
        Ok(plan) => plan,
        Err(ImportError::Rejected(errors)) => return Err(rejected(errors)),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    Ok(Json(ImportReport {
        dry_run: params.dry_run,
        new_producers: plan.new_producers.len(),
        updated_producers: plan.producer_updates.len(),
        new_products: plan.new_products.len(),
        updated_products: plan.product_updates.len(),
        new_variants: plan.new_variants.len(),
        updated_variants: plan.variant_updates.len(),
        stock_counts: plan.stock_counts.len(),
        unchanged: plan.unchanged,
        plan: serde_json::to_value(&plan).map_err(ApiError::internal)?,
    }))
}

/// A catalog file read and imported (or, with `dry_run`, planned) for a
/// caller bound to `scope` (a cooperative's producer; `None` for an admin):
/// the one path the API and the dashboard's upload share. Rows of another
/// producer are refused line by line, and a cooperative is never told who
/// holds a code it cannot use.
pub async fn import_file(
    store: &Store,
    scope: Option<&str>,
    bytes: &[u8],
    file_name: &str,
    dry_run: bool,
    actor: String,
) -> Result<crate::catalog::plan::Plan, ImportError> {
    let rows = file::read_rows(bytes).map_err(ImportError::Rejected)?;
    if let Some(own) = scope {
        let mut foreign = Problems::new();
        for r in rows.iter().filter(|r| r.producer_code != own) {
            foreign.push(RowError::new(
                r.line,
                "producer_code",
                format!(
                    "this token may import only producer {own:?}, not {:?}",
                    r.producer_code
                ),
            ));
        }
        if !foreign.is_empty() {
            return Err(ImportError::Rejected(foreign));
        }
    }
    let name: String = Some(file_name)
        .filter(|n| !n.is_empty())
        .unwrap_or("upload")
        .chars()
        .take(200)
        .collect();
    let provenance = Provenance {
        actor,
        reference: Some(format!("import:{name}")),
    };
    match store.import_catalog(&rows, dry_run, &provenance).await {
        Err(ImportError::Rejected(errors)) if scope.is_some() => {
            Err(ImportError::Rejected(errors.map(without_owner)))
        }
        other => other,
    }
}
