//! `/variants/{sku}`: one variant of a product, created, read, changed or
//! deactivated.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_variant))
        .routes(routes!(get_variant, update_variant, deactivate_variant))
}

#[utoipa::path(post, path = "/products/{code}/variants", tag = "catalog", request_body = NewVariant,
    params(("code" = String, Path, description = "Product code")),
    responses((status = 201, body = VariantView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody), (status = 409, body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody)))]
async fn create_variant(
    State(state): State<AppState>,
    Writer(who): Writer,
    Path(code): Path<String>,
    Json(body): Json<NewVariant>,
) -> ApiResult<(StatusCode, Json<VariantView>)> {
    let p = visible_product(&state.store, &who, &code).await?;
    let producer = visible_producer(&state.store, &who, &p.producer).await?;
    check_new_skus(&state.store, std::slice::from_ref(&body)).await?;
    let mut base = blank_entry(&producer);
    base.product_code = p.code.clone();
    base.product_name = p.name.clone();
    base.category = p.category.clone();
    base.description = p.description.clone();
    base.ocop_stars = p.ocop_stars;
    base.ocop_cert_no = p.ocop_cert_no.clone();
    base.ocop_cert_expires = p.ocop_cert_expires;
    let rows = validate_cells(vec![variant_cells(&base, &body)], None)?;
    state
        .store
        .import_catalog(
            &rows,
            false,
            &provenance(&who, format!("api:variant:{}", body.sku)),
        )
        .await
        .map_err(|e| import_error(&who, e))?;
    let v = visible_variant(&state.store, &who, body.sku.trim()).await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

#[utoipa::path(get, path = "/variants/{sku}", tag = "catalog",
    params(("sku" = String, Path, description = "Variant SKU")),
    responses((status = 200, body = VariantView), (status = 404, body = crate::http::error::ErrorBody)))]
async fn get_variant(
    State(state): State<AppState>,
    who: Principal,
    Path(sku): Path<String>,
) -> ApiResult<Json<VariantView>> {
    Ok(Json(
        visible_variant(&state.store, &who, &sku).await?.into(),
    ))
}

/// Fields left out keep their value. Stock is changed through `/stock`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub price_vnd: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub weight_g: Option<Option<i64>>,
    /// `[]` clears the images; `null` is refused.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    pub image_urls: Option<Option<Vec<String>>>,
    /// `false` deactivates (its listings are unlisted), `true` reactivates.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<bool>)]
    pub active: Option<Option<bool>>,
}

async fn apply_variant_patch(
    state: &AppState,
    who: &Principal,
    sku: &str,
    patch: VariantPatch,
) -> ApiResult<VariantView> {
    let mut e = visible_variant(&state.store, who, sku).await?;
    if let Some(v) = not_null("name", patch.name)? {
        e.variant_name = v;
    }
    if let Some(v) = not_null("price_vnd", patch.price_vnd)? {
        e.price_vnd = v;
    }
    if let Some(v) = not_null("weight_g", patch.weight_g)? {
        e.weight_g = v;
    }
    if let Some(v) = not_null("image_urls", patch.image_urls)? {
        e.image_urls = v.join("|");
    }
    let active = not_null("active", patch.active)?.unwrap_or(e.variant_active);
    let row = validate_cells(vec![entry_cells(&e)], None)?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("validation returned no row"))?;
    let edit = VariantEdit {
        name: row.variant_name,
        price_vnd: row.price_vnd,
        weight_g: row.weight_g,
        image_urls: row.image_urls,
        active,
    };
    if !state.store.edit_variant(sku, &edit).await? {
        return Err(ApiError::not_found(format_args!("variant {sku:?}")));
    }
    Ok(visible_variant(&state.store, who, sku).await?.into())
}

#[utoipa::path(patch, path = "/variants/{sku}", tag = "catalog", request_body = VariantPatch,
    params(("sku" = String, Path, description = "Variant SKU")),
    responses((status = 200, body = VariantView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody), (status = 422, body = crate::http::error::ErrorBody)))]
async fn update_variant(
    State(state): State<AppState>,
    Writer(who): Writer,
    Path(sku): Path<String>,
    Json(patch): Json<VariantPatch>,
) -> ApiResult<Json<VariantView>> {
    Ok(Json(apply_variant_patch(&state, &who, &sku, patch).await?))
}

/// Deactivates the variant (its listings are unlisted); nothing is deleted.
#[utoipa::path(delete, path = "/variants/{sku}", tag = "catalog",
    params(("sku" = String, Path, description = "Variant SKU")),
    responses((status = 200, body = VariantView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody)))]
async fn deactivate_variant(
    State(state): State<AppState>,
    Writer(who): Writer,
    Path(sku): Path<String>,
) -> ApiResult<Json<VariantView>> {
    let patch = VariantPatch {
        active: Some(Some(false)),
        ..VariantPatch::default()
    };
    Ok(Json(apply_variant_patch(&state, &who, &sku, patch).await?))
}
