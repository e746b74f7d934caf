//! Product endpoints (§6): `/products/get` (filter, dates, `limit` ≤ 50, `offset` ≤ 10000, `options=1` for the
//! stock breakdown, `sku_seller_list`), `/product/item/get`, `/product/create` (XML or JSON payload; JSON lists
//! must be arrays; SellerSku unique per seller; only Lazada-hosted images) and `/image/migrate`, which is how a
//! client gets a Lazada-hosted image URL to put in a product.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::api::Payload;
use super::error::{ApiError, ErrorType, Rejection};
use super::params::{
    Params, PayloadFormats, at, entries, int_field, num_field, parse_payload, text,
};
use super::state::{Product, ProductStatus, SkuStatus, now_ms, parse_iso};
use super::world::World;

const MAX_LIMIT: i64 = 50;
const DEFAULT_LIMIT: i64 = 20;
const MAX_OFFSET: i64 = 10_000;
const MAX_SKU_LIST: usize = 100;
const MAX_IMAGES: usize = 8;

/// The JSON of one product as `/products/get` and `/product/item/get` print it. `options` adds the stock
/// breakdown (warehouse, campaign and FBL inventories).
pub fn product_json(p: &Product, options: bool) -> Value {
    let skus: Vec<Value> = p
        .skus
        .iter()
        .map(|s| {
            let mut v = json!({
                "SkuId": s.sku_id,
                "SellerSku": s.seller_sku,
                "ShopSku": s.shop_sku,
                "Status": s.status.as_str(),
                "quantity": s.quantity,
                "Available": s.sellable(),
                "price": s.price,
                "special_price": s.special_price,
                "package_weight": s.package_weight,
                "package_length": s.package_length,
                "package_width": s.package_width,
                "package_height": s.package_height,
                "package_content": s.package_content,
            });
            if options && let Value::Object(m) = &mut v {
                m.insert(
                    "multiWarehouseInventories".into(),
                    json!([{
                        "warehouseCode": "dropshipping",
                        "quantity": s.quantity,
                        "totalQuantity": s.quantity,
                        "sellableQuantity": s.sellable(),
                        "withholdQuantity": s.withhold,
                        "occupyQuantity": s.occupy,
                    }]),
                );
                let locks: Vec<Value> = if s.channel_locked > 0 {
                    vec![json!({"channelName": "campaign", "sellableQuantity": s.channel_locked})]
                } else {
                    Vec::new()
                };
                m.insert("channelInventories".into(), Value::Array(locks));
                m.insert("fblWarehouseInventories".into(), json!([]));
            }
            v
        })
        .collect();
    json!({
        "item_id": p.item_id,
        "primary_category": p.primary_category,
        "attributes": {"name": p.name, "description": p.description, "brand": p.brand},
        "images": p.images,
        "status": p.status.as_str(),
        "created_time": p.created_ms.to_string(),
        "updated_time": p.updated_ms.to_string(),
        "skus": skus,
    })
}

fn int_param(params: &Params, key: &str, code: u32, what: &str) -> Result<Option<i64>, ApiError> {
    params
        .get(key)
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| ApiError::numbered(code, format!("Invalid {what}: {v:?}")))
        })
        .transpose()
}

fn date_param(params: &Params, key: &str) -> Result<Option<i64>, ApiError> {
    params
        .get(key)
        .map(|v| {
            parse_iso(v).ok_or_else(|| {
                ApiError::numbered(
                    17,
                    format!(
                        "Invalid Date Format for {key}: expected ISO 8601 with offset, got {v:?}"
                    ),
                )
            })
        })
        .transpose()
}

/// `GET /products/get`.
pub fn products_get(
    world: &mut World,
    seller_id: i64,
    params: &Params,
) -> Result<Payload, ApiError> {
    let filter = params.required("filter")?;
    if ![
        "all", "live", "inactive", "deleted", "pending", "rejected", "sold-out",
    ]
    .contains(&filter)
    {
        return Err(ApiError::numbered(
            36,
            format!("Invalid status filter {filter:?}"),
        ));
    }
    let limit = int_param(params, "limit", 19, "Limit")?.unwrap_or(DEFAULT_LIMIT);
    if limit < 1 {
        return Err(ApiError::numbered(19, format!("Invalid Limit {limit}")));
    }
    if limit > MAX_LIMIT {
        return Err(ApiError::numbered(
            19,
            "Limit should not exceed a maximum of 50",
        ));
    }
    let offset = int_param(params, "offset", 14, "Offset")?.unwrap_or(0);
    if !(0..=MAX_OFFSET).contains(&offset) {
        return Err(ApiError::numbered(
            14,
            format!("Invalid Offset {offset}: must be 0..={MAX_OFFSET}"),
        ));
    }
    let options = match params.get("options") {
        None | Some("0") => false,
        Some("1") => true,
        Some(other) => {
            return Err(ApiError::bad_format(format!(
                "options must be 1, got {other:?}"
            )));
        }
    };
    let create_after = date_param(params, "create_after")?;
    let create_before = date_param(params, "create_before")?;
    let update_after = date_param(params, "update_after")?;
    let update_before = date_param(params, "update_before")?;
    let sku_list: Option<Vec<String>> = params
        .get("sku_seller_list")
        .map(|raw| {
            serde_json::from_str::<Vec<String>>(raw)
                .ok()
                .filter(|l| !l.is_empty() && l.len() <= MAX_SKU_LIST)
                .ok_or_else(|| {
                    ApiError::numbered(
                        70,
                        "Invalid sku_seller_list: a JSON array of 1 to 100 seller SKUs is required",
                    )
                })
        })
        .transpose()?;

    let seller = world
        .seller(seller_id)
        .map_err(|_| ApiError::illegal_access_token())?;
    let matching: Vec<&Product> = seller
        .products
        .values()
        .filter(|p| match filter {
            "all" => p.status != ProductStatus::Deleted,
            "live" => p.status == ProductStatus::Active,
            "inactive" => p.status == ProductStatus::InActive,
            "deleted" => p.status == ProductStatus::Deleted,
            "pending" => p.status == ProductStatus::Pending,
            "rejected" => p.status == ProductStatus::Rejected,
            _ => p.status == ProductStatus::Active && p.skus.iter().all(|s| s.sellable() <= 0),
        })
        .filter(|p| create_after.is_none_or(|t| p.created_ms >= t))
        .filter(|p| create_before.is_none_or(|t| p.created_ms < t))
        .filter(|p| update_after.is_none_or(|t| p.updated_ms >= t))
        .filter(|p| update_before.is_none_or(|t| p.updated_ms < t))
        .filter(|p| {
            sku_list
                .as_ref()
                .is_none_or(|l| p.skus.iter().any(|s| l.contains(&s.seller_sku)))
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|p| product_json(p, options))
        .collect();
    Ok(Payload::Data(json!({
        "total_products": matching.len(),
        "products": page,
    })))
}

/// `GET /product/item/get?item_id=`.
pub fn product_item_get(
    world: &mut World,
    seller_id: i64,
    params: &Params,
) -> Result<Payload, ApiError> {
    let raw = params.required("item_id")?;
    let item_id: i64 = raw
        .parse()
        .map_err(|_| ApiError::bad_format(format!("item_id must be a number, got {raw:?}")))?;
    if let Some(p) = world
        .seller(seller_id)
        .ok()
        .and_then(|s| s.products.get(&item_id))
    {
        return Ok(Payload::Data(product_json(p, false)));
    }
    if world
        .sellers
        .values()
        .any(|s| s.products.contains_key(&item_id))
    {
        return Err(ApiError::new(
            ErrorType::Isv,
            "EDIT_ITEM_NOT_BELONG_SELLER",
            "The item does not belong to this seller",
            400,
            Rejection::NotFound,
        ));
    }
    Err(not_found_item(item_id))
}

fn not_found_item(item_id: i64) -> ApiError {
    ApiError::new(
        ErrorType::Isv,
        "208",
        format!("E208: Item {item_id} does not exist"),
        400,
        Rejection::NotFound,
    )
}

/// Whether a URL is Lazada-hosted (what product payloads accept, §6.3): the simulator treats `*.slatic.net`
/// (where `/image/migrate` puts images) and `*.lazcdn.com` as Lazada's.
fn lazada_hosted(url: &str) -> bool {
    url::Url::parse(url).ok().is_some_and(|u| {
        u.scheme() == "https"
            && u.host_str()
                .is_some_and(|h| h.ends_with(".slatic.net") || h.ends_with(".lazcdn.com"))
    })
}

fn detail(field: &str, message: impl Into<String>, code: &str, seller_sku: &str) -> Value {
    json!({"field": field, "message": message.into(), "code": code, "seller_sku": seller_sku})
}

/// A list that must be a JSON array in a JSON payload (error 1001, §6.3); XML gives an object for one entry.
fn list_of<'a>(
    v: Option<&'a Value>,
    is_json: bool,
    name: &str,
) -> Result<Vec<&'a Value>, ApiError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a.iter().collect()),
        Some(Value::String(_)) if !is_json => Ok(v.into_iter().collect()),
        Some(other) if is_json => Err(ApiError::new(
            ErrorType::Isv,
            "1001",
            format!("parameters are not in JSON format: {name} must be an array, got {other}"),
            400,
            Rejection::BadParam,
        )),
        Some(other) => Ok(entries(other)),
    }
}

/// `POST /product/create`.
pub fn product_create(
    world: &mut World,
    seller_id: i64,
    params: &Params,
) -> Result<Payload, ApiError> {
    let (payload, is_json) = parse_payload(params, PayloadFormats::XmlOrJson)?;
    let product = at(&payload, &["Request", "Product"])
        .filter(|p| p.is_object())
        .ok_or_else(|| {
            ApiError::bad_format("payload must be <Request><Product>…</Product></Request>")
        })?;
    let mut problems: Vec<Value> = Vec::new();
    let category = match int_field(product, "PrimaryCategory") {
        Ok(Some(c)) if c > 0 => c,
        Ok(_) => {
            problems.push(detail(
                "PrimaryCategory",
                "PrimaryCategory is required",
                "500",
                "",
            ));
            0
        }
        Err(e) => {
            problems.push(detail("PrimaryCategory", e, "500", ""));
            0
        }
    };
    let attrs = product.get("Attributes").cloned().unwrap_or(Value::Null);
    let name = text(&attrs, "name").ok().flatten().unwrap_or_default();
    if name.is_empty() {
        problems.push(detail("name", "Attributes.name is required", "500", ""));
    }
    let description = text(&attrs, "description")
        .ok()
        .flatten()
        .unwrap_or_default();
    let brand = text(&attrs, "brand")
        .ok()
        .flatten()
        .or_else(|| text(&attrs, "brand_id").ok().flatten())
        .unwrap_or_else(|| "No Brand".to_owned());
    let images: Vec<String> = list_of(at(product, &["Images", "Image"]), is_json, "Image")?
        .into_iter()
        .map(|v| v.as_str().unwrap_or("").trim().to_owned())
        .collect();
    if images.len() > MAX_IMAGES {
        problems.push(detail(
            "Images",
            format!("at most {MAX_IMAGES} images per list"),
            "500",
            "",
        ));
    }
    for url in &images {
        if !lazada_hosted(url) {
            problems.push(detail(
                "Images",
                format!("{url:?} is not a Lazada-hosted image URL; migrate it first"),
                "500",
                "",
            ));
        }
    }
    let sku_values = list_of(at(product, &["Skus", "Sku"]), is_json, "Sku")?;
    if sku_values.is_empty() {
        problems.push(detail("Skus", "at least one Sku is required", "500", ""));
    }
    let mut skus = Vec::new();
    for s in sku_values {
        let seller_sku = text(s, "SellerSku").ok().flatten().unwrap_or_default();
        if seller_sku.is_empty() {
            problems.push(detail("SellerSku", "SellerSku is required", "500", ""));
            continue;
        }
        if world.seller_sku_taken(seller_id, &seller_sku)
            || skus
                .iter()
                .any(|k: &super::state::SeedSku| k.seller_sku == seller_sku)
        {
            problems.push(detail(
                "SellerSku",
                format!("SellerSku {seller_sku} is repeated"),
                "4105",
                &seller_sku,
            ));
            continue;
        }
        let price = match num_field(s, "price") {
            Ok(Some(p)) if p > 0.0 => p,
            Ok(_) => {
                problems.push(detail(
                    "price",
                    "price is required and must be positive",
                    "500",
                    &seller_sku,
                ));
                continue;
            }
            Err(e) => {
                problems.push(detail("price", e, "500", &seller_sku));
                continue;
            }
        };
        let quantity = match int_field(s, "quantity") {
            Ok(q) if q.unwrap_or(0) >= 0 => q.unwrap_or(0),
            Ok(_) => {
                problems.push(detail(
                    "quantity",
                    "quantity must not be negative",
                    "500",
                    &seller_sku,
                ));
                continue;
            }
            Err(e) => {
                problems.push(detail("quantity", e, "500", &seller_sku));
                continue;
            }
        };
        let special_price = match num_field(s, "special_price") {
            Ok(v) => v.unwrap_or(0.0),
            Err(e) => {
                problems.push(detail("special_price", e, "500", &seller_sku));
                continue;
            }
        };
        if special_price < 0.0 || (special_price > 0.0 && special_price >= price) {
            problems.push(detail(
                "special_price",
                "special_price must be below price",
                "500",
                &seller_sku,
            ));
            continue;
        }
        let weight = num_field(s, "package_weight").ok().flatten().unwrap_or(0.5);
        skus.push(super::state::SeedSku {
            sku_id: None,
            seller_sku,
            price,
            special_price,
            quantity,
            channel_locked: 0,
            status: SkuStatus::Active,
            package_weight: weight,
        });
    }
    if !problems.is_empty() {
        return Err(ApiError::new(
            ErrorType::Isv,
            "500",
            "E500: Create product failed",
            400,
            Rejection::BadParam,
        )
        .with_detail(problems));
    }
    let seed = super::state::SeedProduct {
        item_id: None,
        name,
        description,
        brand,
        primary_category: category,
        status: ProductStatus::Active,
        skus,
    };
    let mut created = world.seed_product(seller_id, seed).map_err(|e| {
        ApiError::new(
            ErrorType::Isp,
            "500",
            format!("E500: Create product failed: {e}"),
            500,
            Rejection::Business,
        )
    })?;
    if !images.is_empty() {
        created.images = images;
        if let Ok(s) = world.seller_mut(seller_id)
            && let Some(p) = s.products.get_mut(&created.item_id)
        {
            p.images = created.images.clone();
            p.updated_ms = now_ms();
        }
    }
    let sku_list: Vec<Value> = created
        .skus
        .iter()
        .map(|s| json!({"shop_sku": s.shop_sku, "seller_sku": s.seller_sku, "sku_id": s.sku_id}))
        .collect();
    Ok(Payload::Data(json!({
        "item_id": created.item_id,
        "sku_list": sku_list,
        "item_status": created.status.as_str(),
    })))
}

/// `POST /image/migrate`: `<Request><Image><Url>…</Url></Image></Request>` → `data.image{url, hash_code}`.
/// Only JPG/PNG sources over http(s) are taken (§6.4); the image is not fetched.
pub fn image_migrate(params: &Params) -> Result<Payload, ApiError> {
    let (payload, _) = parse_payload(params, PayloadFormats::XmlOnly)?;
    let url = at(&payload, &["Request", "Image", "Url"])
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            ApiError::bad_format("payload must be <Request><Image><Url>…</Url></Image></Request>")
        })?;
    let parsed =
        url::Url::parse(url).map_err(|_| ApiError::bad_format(format!("{url:?} is not a URL")))?;
    let path = parsed.path().to_ascii_lowercase();
    if !matches!(parsed.scheme(), "http" | "https")
        || !(path.ends_with(".jpg") || path.ends_with(".jpeg") || path.ends_with(".png"))
    {
        return Err(ApiError::bad_format(format!(
            "{url:?}: only JPG and PNG images can be migrated"
        )));
    }
    let hash = hex::encode(Sha256::digest(url.as_bytes()));
    let hash_code = &hash[..32];
    let ext = if path.ends_with(".png") { "png" } else { "jpg" };
    Ok(Payload::Data(json!({
        "image": {
            "url": format!("https://vn-live-01.slatic.net/p/{hash_code}.{ext}"),
            "hash_code": hash_code,
        }
    })))
}
