//! Producers, products and variants (create, update, deactivate), catalog
//! import, and the OCOP certificate watch list.
//!
//! Every field passes the catalog file's own rules (`catalog::validate`):
//! a value the CLI would reject in a spreadsheet is rejected here with the
//! same message.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Json, Page, PageParams, Path, Query, Upload};
use crate::auth::Principal;
use crate::catalog::file::{RawTable, entry_cells};
use crate::catalog::{
    COLUMNS, CatalogEntry, CatalogRow, Problems, Producer, RowError, file, limits, validate,
};
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Admin, Writer};
use crate::store::Store;
use crate::store::admin::{ProductEdit, ProductRow, VariantEdit};
use crate::store::catalog::{ImportError, Provenance};

mod certificates;
mod import;
mod variants;
pub use import::{ImportForm, ImportParams, ImportReport, import_file, import_router};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_producers, create_producer))
        .routes(routes!(get_producer, update_producer))
        .routes(routes!(list_products, create_product))
        .routes(routes!(get_product, update_product, deactivate_product))
        .merge(variants::router())
        .merge(certificates::router())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProducerView {
    pub code: String,
    pub name: String,
    pub district: String,
}

impl From<Producer> for ProducerView {
    fn from(p: Producer) -> Self {
        ProducerView {
            code: p.code,
            name: p.name,
            district: p.district,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VariantView {
    pub sku: String,
    pub product: String,
    pub producer: String,
    pub name: String,
    pub price_vnd: i64,
    pub weight_g: i64,
    pub image_urls: Vec<String>,
    /// False once deactivated (its listings are then unlisted).
    pub active: bool,
    /// At the producer's default location.
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
}

impl From<CatalogEntry> for VariantView {
    fn from(e: CatalogEntry) -> Self {
        VariantView {
            image_urls: split_urls(&e.image_urls),
            available: e.stock - e.reserved,
            sku: e.variant_sku,
            product: e.product_code,
            producer: e.producer_code,
            name: e.variant_name,
            price_vnd: e.price_vnd,
            weight_g: e.weight_g,
            active: e.variant_active,
            on_hand: e.stock,
            reserved: e.reserved,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub code: String,
    pub producer: String,
    pub name: String,
    pub category: String,
    pub description: String,
    /// OCOP rating: 3, 4 or 5.
    pub ocop_stars: Option<i64>,
    pub ocop_cert_no: Option<String>,
    pub ocop_cert_expires: Option<NaiveDate>,
    pub active: bool,
    pub variants: Vec<VariantView>,
}

fn split_urls(s: &str) -> Vec<String> {
    s.split('|')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn product_view(store: &Store, p: ProductRow) -> ApiResult<ProductView> {
    let variants = store.variant_entries(Some(&p.code), None).await?;
    Ok(with_variants(p, variants))
}

fn with_variants(p: ProductRow, variants: Vec<CatalogEntry>) -> ProductView {
    ProductView {
        code: p.code,
        producer: p.producer,
        name: p.name,
        category: p.category,
        description: p.description,
        ocop_stars: p.ocop_stars,
        ocop_cert_no: p.ocop_cert_no,
        ocop_cert_expires: p.ocop_cert_expires,
        active: p.active,
        variants: variants.into_iter().map(VariantView::from).collect(),
    }
}

/// The product if the caller may see it; 404 otherwise (missing and
/// not-yours look the same).
async fn visible_product(store: &Store, who: &Principal, code: &str) -> ApiResult<ProductRow> {
    store
        .product_rows(None, Some(code), 1, 0)
        .await?
        .into_iter()
        .next()
        .filter(|p| who.sees_producer(&p.producer))
        .ok_or_else(|| ApiError::not_found(format_args!("product {code:?}")))
}

async fn visible_variant(store: &Store, who: &Principal, sku: &str) -> ApiResult<CatalogEntry> {
    store
        .variant_entries(None, Some(sku))
        .await?
        .into_iter()
        .next()
        .filter(|v| who.sees_producer(&v.producer_code))
        .ok_or_else(|| ApiError::not_found(format_args!("variant {sku:?}")))
}

async fn visible_producer(store: &Store, who: &Principal, code: &str) -> ApiResult<Producer> {
    store
        .producer(code)
        .await?
        .filter(|p| who.sees_producer(&p.code))
        .ok_or_else(|| ApiError::not_found(format_args!("producer {code:?}")))
}

/// Runs catalog rows (as file cells) through the file format's rules.
/// Errors name the API field (`price_vnd`, `variants[1].sku`).
#[doc(hidden)] // public for the fuzz target of the API's bodies (fuzz/)
pub fn validate_cells(
    rows: Vec<[String; 16]>,
    variant_base: Option<usize>,
) -> ApiResult<Vec<CatalogRow>> {
    let table = RawTable {
        header: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, cells)| (i + 2, cells.to_vec()))
            .collect(),
    };
    validate::validate(&table).map_err(|errors| invalid_fields(&errors, variant_base))
}

fn invalid_fields(errors: &[RowError], variant_base: Option<usize>) -> ApiError {
    let details: Vec<serde_json::Value> = errors
        .iter()
        .map(|e| {
            let field = api_field(&e.column);
            let field = match variant_base {
                Some(base) if is_variant_field(&e.column) && e.line >= 2 => {
                    format!("variants[{}].{field}", e.line - 2 + base)
                }
                _ => field.to_owned(),
            };
            json!({ "field": field, "message": e.message })
        })
        .collect();
    let first = details
        .first()
        .map(|d| {
            format!(
                "{}: {}",
                d["field"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            )
        })
        .unwrap_or_default();
    ApiError::invalid(first).with_details(details)
}

fn is_variant_field(column: &str) -> bool {
    matches!(
        column,
        "variant_sku" | "variant_name" | "price_vnd" | "stock" | "weight_g" | "image_urls"
    )
}

fn api_field(column: &str) -> &str {
    match column {
        "producer_code" => "producer",
        "product_code" => "code",
        "product_name" => "name",
        "variant_sku" => "sku",
        "variant_name" => "name",
        other => other,
    }
}

/// A rejected create, as the caller may see it: a cooperative is not told
/// which producer holds a code (the 409 checks before an import normally
/// answer first; this covers a code taken in between).
fn import_error(who: &Principal, e: ImportError) -> ApiError {
    match e {
        ImportError::Rejected(errors) => {
            let errors = if who.producer_scope().is_some() {
                errors.map(without_owner)
            } else {
                errors
            };
            let message = errors.first().map(ToString::to_string).unwrap_or_default();
            ApiError::invalid(message).with_details(
                errors
                    .iter()
                    .map(|e| json!({ "field": api_field(&e.column), "message": e.message }))
                    .collect(),
            )
        }
        ImportError::Store(e) => e.into(),
    }
}

fn provenance(who: &Principal, reference: String) -> Provenance {
    Provenance {
        actor: actor(who),
        reference: Some(reference),
    }
}

/// Who is acting, for the ledger: the token's id and name, never its secret.
pub fn actor(who: &Principal) -> String {
    format!("api:{}:{}", who.token_id, who.name)
}

// ---- producers ----

#[utoipa::path(get, path = "/producers", tag = "catalog",
    params(PageParams),
    responses((status = 200, body = Page<ProducerView>), (status = 401, body = crate::http::error::ErrorBody)))]
async fn list_producers(
    State(state): State<AppState>,
    who: Principal,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<Page<ProducerView>>> {
    let (limit, offset) = page.resolve()?;
    let all: Vec<Producer> = state
        .store
        .producers()
        .await?
        .into_iter()
        .filter(|p| who.sees_producer(&p.code))
        .collect();
    Ok(Json(
        Page::from_all(all, limit, offset).map(ProducerView::from),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProducer {
    /// 1–64 characters of A–Z, a–z, 0–9, `-`, `_`, `.`, `/`.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub district: String,
}

/// Admin only: a cooperative's token is bound to one producer already.
#[utoipa::path(post, path = "/producers", tag = "catalog", request_body = NewProducer,
    responses((status = 201, body = ProducerView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 409, body = crate::http::error::ErrorBody), (status = 422, body = crate::http::error::ErrorBody)))]
async fn create_producer(
    State(state): State<AppState>,
    Admin(_who): Admin,
    Json(body): Json<NewProducer>,
) -> ApiResult<(StatusCode, Json<ProducerView>)> {
    let code = body.code.trim();
    check_code("code", code)?;
    let name = body.name.trim();
    if name.is_empty() {
        return Err(ApiError::invalid("name: is required")
            .with_details(vec![json!({ "field": "name", "message": "is required" })]));
    }
    check_line("name", name)?;
    check_line("district", &body.district)?;
    let created = state
        .store
        .create_producer(code, name, body.district.trim())
        .await?
        .ok_or_else(|| ApiError::conflict(format!("producer {code:?} already exists")))?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// The catalog format's rule for names: one line of printable text.
fn check_line(field: &str, v: &str) -> ApiResult<()> {
    match limits::control_character(v, limits::Lines::One) {
        None => Ok(()),
        Some(message) => Err(ApiError::invalid(format!("{field}: {message}"))
            .with_details(vec![json!({ "field": field, "message": message })])),
    }
}

/// A field that cannot be empty: left out keeps its value, `null` is an
/// error (it used to be read as "left out", so a client clearing a name was
/// answered 200 with nothing changed).
fn not_null<T>(field: &str, v: Option<Option<T>>) -> ApiResult<Option<T>> {
    match v {
        Some(None) => {
            let message = "must not be null (leave the field out to keep its value)";
            Err(ApiError::invalid(format!("{field}: {message}"))
                .with_details(vec![json!({ "field": field, "message": message })]))
        }
        Some(Some(v)) => Ok(Some(v)),
        None => Ok(None),
    }
}

/// The catalog format's rule for codes.
#[doc(hidden)] // public for the fuzz target of the API's bodies (fuzz/)
pub fn check_code(field: &str, v: &str) -> ApiResult<()> {
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b));
    if ok {
        Ok(())
    } else {
        let message = format!("{v:?} must be 1-64 characters of A-Z, a-z, 0-9, '-', '_', '.', '/'");
        Err(ApiError::invalid(format!("{field}: {message}"))
            .with_details(vec![json!({ "field": field, "message": message })]))
    }
}

#[utoipa::path(get, path = "/producers/{code}", tag = "catalog",
    params(("code" = String, Path, description = "Producer code")),
    responses((status = 200, body = ProducerView), (status = 404, body = crate::http::error::ErrorBody)))]
async fn get_producer(
    State(state): State<AppState>,
    who: Principal,
    Path(code): Path<String>,
) -> ApiResult<Json<ProducerView>> {
    Ok(Json(
        visible_producer(&state.store, &who, &code).await?.into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProducerPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub district: Option<Option<String>>,
}

#[utoipa::path(patch, path = "/producers/{code}", tag = "catalog", request_body = ProducerPatch,
    params(("code" = String, Path, description = "Producer code")),
    responses((status = 200, body = ProducerView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody)))]
async fn update_producer(
    State(state): State<AppState>,
    Writer(who): Writer,
    Path(code): Path<String>,
    Json(patch): Json<ProducerPatch>,
) -> ApiResult<Json<ProducerView>> {
    let p = visible_producer(&state.store, &who, &code).await?;
    let name = not_null("name", patch.name)?
        .as_deref()
        .map(str::trim)
        .unwrap_or(&p.name)
        .to_owned();
    if name.is_empty() {
        return Err(ApiError::invalid("name: is required")
            .with_details(vec![json!({ "field": "name", "message": "is required" })]));
    }
    check_line("name", &name)?;
    let district = not_null("district", patch.district)?
        .as_deref()
        .map(str::trim)
        .unwrap_or(&p.district)
        .to_owned();
    check_line("district", &district)?;
    if !state.store.update_producer(&code, &name, &district).await? {
        return Err(ApiError::not_found(format_args!("producer {code:?}")));
    }
    Ok(Json(
        visible_producer(&state.store, &who, &code).await?.into(),
    ))
}

// ---- products ----

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductFilter {
    /// Only this producer's products.
    pub producer: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/products", tag = "catalog", params(ProductFilter),
    responses((status = 200, body = Page<ProductView>), (status = 401, body = crate::http::error::ErrorBody),
              (status = 404, description = "Unknown producer", body = crate::http::error::ErrorBody)))]
async fn list_products(
    State(state): State<AppState>,
    who: Principal,
    Query(filter): Query<ProductFilter>,
) -> ApiResult<Json<Page<ProductView>>> {
    let (limit, offset) = PageParams {
        limit: filter.limit,
        cursor: filter.cursor,
    }
    .resolve()?;
    if let Some(asked) = filter.producer.as_deref() {
        // Another producer answers 404, as a missing one does.
        visible_producer(&state.store, &who, asked).await?;
    }
    let producer = who.producer_scope().or(filter.producer.as_deref());
    let rows = state
        .store
        .product_rows(producer, None, limit + 1, offset)
        .await?;
    let page = Page::from_fetch(rows, limit, offset);
    let codes: Vec<String> = page.items.iter().map(|p| p.code.clone()).collect();
    let mut by_product: std::collections::HashMap<String, Vec<CatalogEntry>> =
        std::collections::HashMap::new();
    for e in state.store.variant_entries_of(&codes).await? {
        by_product
            .entry(e.product_code.clone())
            .or_default()
            .push(e);
    }
    Ok(Json(page.map(|p| {
        let variants = by_product.remove(&p.code).unwrap_or_default();
        with_variants(p, variants)
    })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVariant {
    pub sku: String,
    pub name: String,
    pub price_vnd: i64,
    pub weight_g: i64,
    /// Opening balance at the producer's default location.
    #[serde(default)]
    pub stock: i64,
    #[serde(default)]
    pub image_urls: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    pub producer: String,
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
    pub ocop_stars: Option<i64>,
    pub ocop_cert_no: Option<String>,
    pub ocop_cert_expires: Option<NaiveDate>,
    /// At least one: a product is sold as variants (SKUs).
    pub variants: Vec<NewVariant>,
}

#[doc(hidden)] // public for the fuzz target of the API's bodies (fuzz/)
pub fn variant_cells(base: &CatalogEntry, v: &NewVariant) -> [String; 16] {
    let mut e = base.clone();
    e.variant_sku = v.sku.clone();
    e.variant_name = v.name.clone();
    e.price_vnd = v.price_vnd;
    e.weight_g = v.weight_g;
    e.stock = v.stock;
    e.image_urls = v.image_urls.join("|");
    entry_cells(&e)
}

#[doc(hidden)] // public for the fuzz target of the API's bodies (fuzz/)
pub fn blank_entry(producer: &Producer) -> CatalogEntry {
    CatalogEntry {
        producer_code: producer.code.clone(),
        producer_name: producer.name.clone(),
        district: producer.district.clone(),
        product_code: String::new(),
        product_name: String::new(),
        variant_sku: String::new(),
        variant_name: String::new(),
        price_vnd: 0,
        stock: 0,
        reserved: 0,
        weight_g: 0,
        ocop_stars: None,
        ocop_cert_no: None,
        ocop_cert_expires: None,
        category: String::new(),
        description: String::new(),
        image_urls: String::new(),
        product_active: true,
        variant_active: true,
    }
}

/// Refuses SKUs that exist already (an import would update them).
async fn check_new_skus(store: &Store, variants: &[NewVariant]) -> ApiResult<()> {
    for v in variants {
        if store.find_sku(v.sku.trim()).await?.is_some() {
            return Err(ApiError::conflict(format!(
                "SKU {:?} already exists",
                v.sku
            )));
        }
    }
    Ok(())
}

#[utoipa::path(post, path = "/products", tag = "catalog", request_body = NewProduct,
    responses((status = 201, body = ProductView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody), (status = 409, body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody)))]
async fn create_product(
    State(state): State<AppState>,
    Writer(who): Writer,
    Json(body): Json<NewProduct>,
) -> ApiResult<(StatusCode, Json<ProductView>)> {
    let producer = visible_producer(&state.store, &who, &body.producer).await?;
    if body.variants.is_empty() {
        return Err(
            ApiError::invalid("variants: at least one variant is required").with_details(vec![
                json!({ "field": "variants", "message": "at least one variant is required" }),
            ]),
        );
    }
    if !state
        .store
        .product_rows(None, Some(body.code.trim()), 1, 0)
        .await?
        .is_empty()
    {
        return Err(ApiError::conflict(format!(
            "product {:?} already exists",
            body.code
        )));
    }
    check_new_skus(&state.store, &body.variants).await?;
    let mut base = blank_entry(&producer);
    base.product_code = body.code.clone();
    base.product_name = body.name.clone();
    base.category = body.category.clone();
    base.description = body.description.clone();
    base.ocop_stars = body.ocop_stars;
    base.ocop_cert_no = body.ocop_cert_no.clone();
    base.ocop_cert_expires = body.ocop_cert_expires;
    let rows = validate_cells(
        body.variants
            .iter()
            .map(|v| variant_cells(&base, v))
            .collect(),
        Some(0),
    )?;
    state
        .store
        .import_catalog(
            &rows,
            false,
            &provenance(&who, format!("api:product:{}", body.code)),
        )
        .await
        .map_err(|e| import_error(&who, e))?;
    let p = visible_product(&state.store, &who, body.code.trim()).await?;
    Ok((
        StatusCode::CREATED,
        Json(product_view(&state.store, p).await?),
    ))
}

#[utoipa::path(get, path = "/products/{code}", tag = "catalog",
    params(("code" = String, Path, description = "Product code")),
    responses((status = 200, body = ProductView), (status = 404, body = crate::http::error::ErrorBody)))]
async fn get_product(
    State(state): State<AppState>,
    who: Principal,
    Path(code): Path<String>,
) -> ApiResult<Json<ProductView>> {
    let p = visible_product(&state.store, &who, &code).await?;
    Ok(Json(product_view(&state.store, p).await?))
}

/// Fields left out keep their value; `null` clears an optional one (the
/// certificate fields) and is refused for the others.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub ocop_stars: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub ocop_cert_no: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ocop_cert_expires: Option<Option<NaiveDate>>,
    /// `false` deactivates (its listings are unlisted), `true` reactivates.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<bool>)]
    pub active: Option<Option<bool>>,
}

/// Tells a missing field (keep) from an explicit `null` (clear).
fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

async fn apply_product_patch(
    state: &AppState,
    who: &Principal,
    code: &str,
    patch: ProductPatch,
) -> ApiResult<ProductView> {
    let p = visible_product(&state.store, who, code).await?;
    let producer = visible_producer(&state.store, who, &p.producer).await?;
    let name = not_null("name", patch.name)?;
    let category = not_null("category", patch.category)?;
    let description = not_null("description", patch.description)?;
    let active = not_null("active", patch.active)?;
    let mut e = blank_entry(&producer);
    e.product_code = p.code.clone();
    e.product_name = name.unwrap_or(p.name);
    e.category = category.unwrap_or(p.category);
    e.description = description.unwrap_or(p.description);
    e.ocop_stars = patch.ocop_stars.unwrap_or(p.ocop_stars);
    e.ocop_cert_no = patch.ocop_cert_no.unwrap_or(p.ocop_cert_no);
    e.ocop_cert_expires = patch.ocop_cert_expires.unwrap_or(p.ocop_cert_expires);
    // A placeholder variant: only the product's cells are being checked.
    e.variant_sku = "x".into();
    e.variant_name = "x".into();
    let row = validate_cells(vec![entry_cells(&e)], None)?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("validation returned no row"))?;
    let edit = ProductEdit {
        name: row.product_name,
        category: row.category,
        description: row.description,
        ocop_stars: row.ocop_stars,
        ocop_cert_no: row.ocop_cert_no,
        ocop_cert_expires: row.ocop_cert_expires,
        active: active.unwrap_or(p.active),
    };
    if !state.store.edit_product(code, &edit).await? {
        return Err(ApiError::not_found(format_args!("product {code:?}")));
    }
    let p = visible_product(&state.store, who, code).await?;
    product_view(&state.store, p).await
}

#[utoipa::path(patch, path = "/products/{code}", tag = "catalog", request_body = ProductPatch,
    params(("code" = String, Path, description = "Product code")),
    responses((status = 200, body = ProductView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody), (status = 422, body = crate::http::error::ErrorBody)))]
async fn update_product(
    State(state): State<AppState>,
    Writer(who): Writer,
    Path(code): Path<String>,
    Json(patch): Json<ProductPatch>,
) -> ApiResult<Json<ProductView>> {
    Ok(Json(apply_product_patch(&state, &who, &code, patch).await?))
}

/// Deactivates the product: nothing is deleted, its listings are unlisted
/// on every marketplace; `PATCH {"active": true}` brings it back.
#[utoipa::path(delete, path = "/products/{code}", tag = "catalog",
    params(("code" = String, Path, description = "Product code")),
    responses((status = 200, body = ProductView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody)))]
async fn deactivate_product(
    State(state): State<AppState>,
    Writer(who): Writer,
    Path(code): Path<String>,
) -> ApiResult<Json<ProductView>> {
    let patch = ProductPatch {
        active: Some(Some(false)),
        ..ProductPatch::default()
    };
    Ok(Json(apply_product_patch(&state, &who, &code, patch).await?))
}

/// For a cooperative: a code taken by another producer is reported
/// without naming who holds it. Codes and SKUs are unique across the store,
/// so that the code is taken is all a cooperative may learn.
fn without_owner(mut e: RowError) -> RowError {
    if e.message.contains(" belongs to producer ") {
        e.message = match e.column.as_str() {
            "variant_sku" => {
                "this SKU belongs to another producer (a SKU is unique across the store)"
            }
            "product_code" => {
                "this product code belongs to another producer (a code is unique across the store)"
            }
            _ => "belongs to another producer",
        }
        .into();
    } else if e.message.contains(" belongs to ") {
        e.message = "is already used elsewhere in the catalog".into();
    }
    e
}
