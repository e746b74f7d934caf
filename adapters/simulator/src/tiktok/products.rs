//! Product endpoints (§6, §7): create (with SKUs, sales attributes and `idempotency_key`), get, search with
//! `page_token`, activate / deactivate / delete / recover with per-product `data.errors`, inventory update with
//! per-SKU/per-warehouse `data.errors` (partial success inside `code 0`), price update, and inventory search.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Value, json};

use super::api::Outcome;
use super::error::{
    ApiError, MULTIPLE_WAREHOUSES, PRICE_FORMAT, PRICE_LOCKED, PRODUCT_STATUS_INVALID, Rejection,
    SKU_ID_NECESSARY, SKU_NOT_FOUND, STOCK_INVALID, TOO_MANY_PRODUCT_IDS, TOO_MANY_SELLER_SKUS,
    WAREHOUSE_NOT_FOUND,
};
use super::params::{Query, page, parse_body};
use super::state::{OrderStatus, Product, ProductStatus, Sku, now_unix};
use super::webhook::WebhookMsg;
use super::world::{Shop, World};

pub use super::create::create;
use super::create::{InvIn, PriceIn, check_price};

pub(super) const MAX_PAGE_SIZE: usize = 100;
pub(super) const MAX_SKUS: usize = 100;
pub(super) const MAX_BATCH_IDS: usize = 20;
pub(super) const MAX_SELLER_SKUS: usize = 10;
/// "Quantity non-negative, less than 99999" (§7.1).
pub(super) const MAX_QUANTITY: i64 = 99_999;

pub(super) fn shop_mut<'a>(world: &'a mut World, shop_id: &str) -> Result<&'a mut Shop, ApiError> {
    world
        .shops
        .get_mut(shop_id)
        .ok_or_else(|| ApiError::invalid("The shop is not authorized."))
}

pub(super) fn image_url(uri: &str) -> String {
    format!("https://p16-oec-va.ibyteimg.com/{uri}~tplv-o3syd03w52-origin-jpeg.jpeg")
}

pub(super) fn price_json(sku: &Sku) -> Value {
    json!({"currency": sku.currency, "sale_price": sku.price, "tax_exclusive_price": sku.price})
}

pub(super) fn inventory_json(sku: &Sku) -> Vec<Value> {
    sku.inventory
        .iter()
        .map(|i| json!({"quantity": i.quantity, "warehouse_id": i.warehouse_id}))
        .collect()
}

/// The product detail object of `GET /product/202309/products/{id}` (§6.2).
pub(crate) fn detail_json(p: &Product) -> Value {
    let skus: Vec<Value> = p
        .skus
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "seller_sku": s.seller_sku,
                "price": price_json(s),
                "inventory": inventory_json(s),
                "sales_attributes": s.sales_attributes.iter().map(|a| json!({
                    "id": a.id, "name": a.name, "value_id": a.value_id, "value_name": a.value_name,
                })).collect::<Vec<_>>(),
                "external_sku_id": s.external_sku_id,
            })
        })
        .collect();
    json!({
        "id": p.id,
        "title": p.title,
        "description": p.description,
        "status": p.status.as_str(),
        "category_chains": [{"id": p.category_id, "parent_id": "0", "local_name": "Cà phê", "is_leaf": true}],
        "main_images": p.main_images.iter().map(|u| json!({
            "uri": u, "urls": [image_url(u)], "height": 800, "width": 800,
        })).collect::<Vec<_>>(),
        "skus": skus,
        "package_weight": {"value": p.package_weight, "unit": "KILOGRAM"},
        "is_cod_allowed": p.is_cod_allowed,
        "product_attributes": [],
        "external_product_id": p.external_product_id,
        "create_time": p.create_time,
        "update_time": p.update_time,
    })
}

pub(super) fn summary_json(p: &Product, region: &str) -> Value {
    let skus: Vec<Value> = p
        .skus
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "seller_sku": s.seller_sku,
                "price": price_json(s),
                "inventory": inventory_json(s),
            })
        })
        .collect();
    json!({
        "id": p.id,
        "title": p.title,
        "status": p.status.as_str(),
        "skus": skus,
        "sales_regions": [region],
        "create_time": p.create_time,
        "update_time": p.update_time,
    })
}

/// `GET /product/202309/products/{product_id}`.
pub fn get(world: &mut World, shop_id: &str, product_id: &str) -> Result<Outcome, ApiError> {
    let shop = shop_mut(world, shop_id)?;
    let p = shop
        .products
        .get(product_id)
        .ok_or_else(|| ApiError::product_not_found(product_id))?;
    Ok(Outcome::new(detail_json(p)))
}

#[derive(Deserialize)]
struct SearchBody {
    status: Option<String>,
    seller_skus: Option<Vec<String>>,
    create_time_ge: Option<i64>,
    create_time_le: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_le: Option<i64>,
    #[allow(dead_code)]
    category_version: Option<String>,
}

/// `POST /product/202309/products/search?page_size&page_token` (§6.2). Sorted by product id (stable paging).
/// Without a `status` filter (or with `ALL`) deleted products are left out.
pub fn search(
    world: &mut World,
    shop_id: &str,
    q: &Query,
    body: &[u8],
) -> Result<Outcome, ApiError> {
    let size = q.page_size(MAX_PAGE_SIZE)?;
    let offset = q.page_offset()?;
    let f: SearchBody = parse_body(body)?;
    let status =
        match f.status.as_deref() {
            None | Some("ALL") => None,
            Some(s) => Some(ProductStatus::parse(s).ok_or_else(|| {
                ApiError::invalid(format!("The `status` filter {s:?} is invalid."))
            })?),
        };
    let skus = f.seller_skus.unwrap_or_default();
    if skus.len() > MAX_SELLER_SKUS {
        return Err(ApiError::business(
            TOO_MANY_SELLER_SKUS,
            "The number of seller_skus exceeds the limit of 10.",
            Rejection::BadParam,
        ));
    }
    let shop = shop_mut(world, shop_id)?;
    let region = shop.cfg.region.clone();
    let matching: Vec<&Product> = shop
        .products
        .values()
        .filter(|p| match status {
            None => p.status != ProductStatus::Deleted,
            Some(s) => p.status == s,
        })
        .filter(|p| skus.is_empty() || p.skus.iter().any(|s| skus.contains(&s.seller_sku)))
        .filter(|p| f.create_time_ge.is_none_or(|t| p.create_time >= t))
        .filter(|p| f.create_time_le.is_none_or(|t| p.create_time <= t))
        .filter(|p| f.update_time_ge.is_none_or(|t| p.update_time >= t))
        .filter(|p| f.update_time_le.is_none_or(|t| p.update_time <= t))
        .collect();
    let (items, next, total) = page(&matching, offset, size);
    let products: Vec<Value> = items.iter().map(|p| summary_json(p, &region)).collect();
    Ok(Outcome::new(json!({
        "products": products,
        "next_page_token": next,
        "total_count": total,
    })))
}

#[derive(Deserialize)]
struct IdsBody {
    product_ids: Vec<String>,
}

pub(super) fn product_error(code: i64, message: &str, product_id: &str) -> Value {
    json!({"code": code, "message": message, "detail": {"product_id": product_id, "extra_errors": []}})
}

/// `data` of a batch write: `{}` when everything worked (like the VN capture), else `{"errors": [...]}`.
pub(super) fn errors_data(errors: Vec<Value>) -> Value {
    if errors.is_empty() {
        json!({})
    } else {
        json!({ "errors": errors })
    }
}

/// Applies `transition` to each product of a `{"product_ids": [...]}` batch (≤20, §6.4), collecting per-product
/// errors (§6.3) and PRODUCT_STATUS_CHANGE webhooks.
fn status_batch(
    world: &mut World,
    shop_id: &str,
    body: &[u8],
    transition: impl Fn(ProductStatus) -> Option<ProductStatus>,
) -> Result<Outcome, ApiError> {
    let req: IdsBody = parse_body(body)?;
    if req.product_ids.is_empty() {
        return Err(ApiError::invalid("`product_ids` must not be empty."));
    }
    if req.product_ids.len() > MAX_BATCH_IDS {
        return Err(ApiError::business(
            TOO_MANY_PRODUCT_IDS,
            "The number of provided product IDs exceeds the limit.",
            Rejection::BadParam,
        ));
    }
    let auto = world.webhooks.auto;
    let now = now_unix();
    let mut errors = Vec::new();
    let mut changed = Vec::new();
    let shop = shop_mut(world, shop_id)?;
    for id in &req.product_ids {
        let Some(p) = shop.products.get_mut(id) else {
            errors.push(product_error(
                super::error::PRODUCT_NOT_FOUND,
                "Product does not exist.",
                id,
            ));
            continue;
        };
        match transition(p.status) {
            Some(next) => {
                if next != p.status {
                    p.status = next;
                    p.update_time = now;
                    changed.push(p.clone());
                }
            }
            None => errors.push(product_error(
                PRODUCT_STATUS_INVALID,
                &format!(
                    "Product status invalid: the product is {}.",
                    p.status.as_str()
                ),
                id,
            )),
        }
    }
    let msgs: Vec<WebhookMsg> = if auto {
        changed
            .iter()
            .map(|p| world.webhooks.product_status(p))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Outcome::new(errors_data(errors)).with_webhooks(msgs))
}

/// `POST /product/202309/products/activate`: SELLER_DEACTIVATED → ACTIVATE (already active is a no-op).
pub fn activate(world: &mut World, shop_id: &str, body: &[u8]) -> Result<Outcome, ApiError> {
    status_batch(world, shop_id, body, |s| match s {
        ProductStatus::SellerDeactivated | ProductStatus::Activate => Some(ProductStatus::Activate),
        _ => None,
    })
}

/// `POST /product/202309/products/deactivate`: ACTIVATE → SELLER_DEACTIVATED.
pub fn deactivate(world: &mut World, shop_id: &str, body: &[u8]) -> Result<Outcome, ApiError> {
    status_batch(world, shop_id, body, |s| match s {
        ProductStatus::Activate | ProductStatus::SellerDeactivated => {
            Some(ProductStatus::SellerDeactivated)
        }
        _ => None,
    })
}

/// `DELETE /product/202309/products` (JSON body): any status but DELETED → DELETED (still readable).
pub fn delete(world: &mut World, shop_id: &str, body: &[u8]) -> Result<Outcome, ApiError> {
    status_batch(world, shop_id, body, |s| match s {
        ProductStatus::Deleted => None,
        _ => Some(ProductStatus::Deleted),
    })
}

/// `POST /product/202309/products/recover`: DELETED → SELLER_DEACTIVATED.
pub fn recover(world: &mut World, shop_id: &str, body: &[u8]) -> Result<Outcome, ApiError> {
    status_batch(world, shop_id, body, |s| match s {
        ProductStatus::Deleted => Some(ProductStatus::SellerDeactivated),
        _ => None,
    })
}

#[derive(Deserialize)]
struct InvSkuIn {
    id: Option<String>,
    inventory: Vec<InvIn>,
}

#[derive(Deserialize)]
struct UpdateInventoryReq {
    skus: Vec<InvSkuIn>,
}

pub(super) fn sku_error(code: i64, message: &str, sku_id: &str, extra: Vec<Value>) -> Value {
    json!({"code": code, "message": message, "detail": {"sku_id": sku_id, "extra_errors": extra}})
}

/// `POST /product/202309/products/{product_id}/inventory/update` (§7.1). Each SKU is applied or refused as a
/// whole; refusals are reported in `data.errors` with per-warehouse `extra_errors`, inside `code 0`.
pub fn update_inventory(
    world: &mut World,
    shop_id: &str,
    product_id: &str,
    body: &[u8],
) -> Result<Outcome, ApiError> {
    let req: UpdateInventoryReq = parse_body(body)?;
    if req.skus.is_empty() {
        return Err(ApiError::invalid("`skus` must not be empty."));
    }
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for s in &req.skus {
        let id = s.id.as_deref().filter(|i| !i.is_empty()).ok_or_else(|| {
            ApiError::business(
                SKU_ID_NECESSARY,
                "SKU ID necessary: each entry of `skus` needs an `id`.",
                Rejection::BadParam,
            )
        })?;
        if !seen.insert(id) {
            return Err(ApiError::invalid(format!("Duplicate SKU id {id}.")));
        }
        ids.push(id.to_owned());
    }
    let shop = shop_mut(world, shop_id)?;
    let default_wh = shop.default_warehouse().unwrap_or_default().to_owned();
    let warehouses: Vec<String> = shop.cfg.warehouses.iter().map(|w| w.id.clone()).collect();
    let product = shop
        .products
        .get_mut(product_id)
        .ok_or_else(|| ApiError::product_not_found(product_id))?;
    if product.status == ProductStatus::Deleted {
        return Err(ApiError::business(
            PRODUCT_STATUS_INVALID,
            "Product status invalid: the product is DELETED.",
            Rejection::Business,
        ));
    }
    let mut errors = Vec::new();
    let mut changed = false;
    for (entry, id) in req.skus.iter().zip(&ids) {
        let Some(sku) = product.sku_mut(id) else {
            errors.push(sku_error(
                SKU_NOT_FOUND,
                "The SKU does not belong to this product.",
                id,
                Vec::new(),
            ));
            continue;
        };
        if entry.inventory.is_empty() {
            errors.push(sku_error(
                STOCK_INVALID,
                "Stock count invalid: `inventory` is empty.",
                id,
                Vec::new(),
            ));
            continue;
        }
        if entry.inventory.iter().any(|i| i.warehouse_id.is_none()) && sku.inventory.len() > 1 {
            errors.push(sku_error(
                MULTIPLE_WAREHOUSES,
                "Multiple warehouses detected: include the warehouse_id of every warehouse.",
                id,
                Vec::new(),
            ));
            continue;
        }
        let mut extra = Vec::new();
        let mut updates = Vec::new();
        for i in &entry.inventory {
            let wh = match &i.warehouse_id {
                Some(w) => w.clone(),
                None => sku
                    .inventory
                    .first()
                    .map(|e| e.warehouse_id.clone())
                    .unwrap_or_else(|| default_wh.clone()),
            };
            if !warehouses.contains(&wh) {
                extra.push(json!({"warehouse_id": wh, "code": WAREHOUSE_NOT_FOUND, "message": "The warehouse does not belong to the shop."}));
            } else if !(0..MAX_QUANTITY).contains(&i.quantity) {
                extra.push(json!({"warehouse_id": wh, "code": STOCK_INVALID, "message": "Stock count invalid: it must be between 0 and 99998."}));
            } else {
                updates.push((wh, i.quantity));
            }
        }
        if let Some(first) = extra.first() {
            let code = first["code"].as_i64().unwrap_or(STOCK_INVALID);
            errors.push(sku_error(
                code,
                "The inventory of this SKU was not updated.",
                id,
                extra,
            ));
            continue;
        }
        for (wh, qty) in updates {
            let current = sku.quantity_in(&wh).unwrap_or(0);
            let _ = sku.adjust(&wh, qty - current);
        }
        changed = true;
    }
    if changed {
        product.update_time = now_unix();
    }
    Ok(Outcome::new(errors_data(errors)))
}

#[derive(Deserialize)]
struct PriceSkuIn {
    id: String,
    price: PriceIn,
}

#[derive(Deserialize)]
struct UpdatePriceReq {
    skus: Vec<PriceSkuIn>,
}

/// `POST /product/202309/products/{product_id}/prices/update` (§7.2). All or nothing: one bad SKU refuses the
/// call (docs/src/channels/tiktok.md documents whole-call codes only). Only live (ACTIVATE) products can be updated.
pub fn update_price(
    world: &mut World,
    shop_id: &str,
    product_id: &str,
    body: &[u8],
) -> Result<Outcome, ApiError> {
    let req: UpdatePriceReq = parse_body(body)?;
    if req.skus.is_empty() {
        return Err(ApiError::invalid("`skus` must not be empty."));
    }
    let shop = shop_mut(world, shop_id)?;
    for s in &req.skus {
        check_price(shop, &s.price).map_err(|d| {
            ApiError::business(
                PRICE_FORMAT,
                format!("Incorrect price format: {d}."),
                Rejection::BadParam,
            )
        })?;
    }
    let product = shop
        .products
        .get_mut(product_id)
        .ok_or_else(|| ApiError::product_not_found(product_id))?;
    if product.status != ProductStatus::Activate {
        return Err(ApiError::business(
            PRODUCT_STATUS_INVALID,
            format!(
                "Product status invalid: only live products can be updated, the product is {}.",
                product.status.as_str()
            ),
            Rejection::Business,
        ));
    }
    if product.price_locked {
        return Err(ApiError::business(
            PRICE_LOCKED,
            "The price is locked and cannot be updated now.",
            Rejection::Business,
        ));
    }
    if let Some(bad) = req.skus.iter().find(|s| product.sku(&s.id).is_none()) {
        return Err(ApiError::business(
            SKU_NOT_FOUND,
            format!("SKU {} does not belong to this product.", bad.id),
            Rejection::NotFound,
        ));
    }
    for s in req.skus {
        if let Some(sku) = product.sku_mut(&s.id) {
            sku.price = s.price.amount;
        }
    }
    product.update_time = now_unix();
    Ok(Outcome::new(json!({})))
}

#[derive(Deserialize)]
struct InventorySearchReq {
    product_ids: Option<Vec<String>>,
    sku_ids: Option<Vec<String>>,
}

/// `POST /product/202309/inventory/search` (§6): by ≤100 product ids or ≤600 SKU ids. The response shape is
/// not in docs/src/channels/tiktok.md; `committed_quantity` counts units of open orders that still hold stock.
pub fn inventory_search(
    world: &mut World,
    shop_id: &str,
    body: &[u8],
) -> Result<Outcome, ApiError> {
    let req: InventorySearchReq = parse_body(body)?;
    let product_ids = req.product_ids.unwrap_or_default();
    let sku_ids = req.sku_ids.unwrap_or_default();
    if product_ids.is_empty() == sku_ids.is_empty() {
        return Err(ApiError::invalid(
            "Give exactly one of `product_ids` and `sku_ids`.",
        ));
    }
    if product_ids.len() > 100 || sku_ids.len() > 600 {
        return Err(ApiError::invalid(
            "At most 100 product_ids or 600 sku_ids per call.",
        ));
    }
    let committed = |sku_id: &str, wh: &str| -> i64 {
        world
            .orders
            .values()
            .filter(|o| {
                o.holds_stock
                    && matches!(
                        o.status,
                        OrderStatus::Unpaid
                            | OrderStatus::OnHold
                            | OrderStatus::AwaitingShipment
                            | OrderStatus::AwaitingCollection
                            | OrderStatus::PartiallyShipping
                    )
            })
            .flat_map(|o| &o.line_items)
            .filter(|l| l.sku_id == sku_id && l.warehouse_id == wh)
            .count() as i64
    };
    let shop = world
        .shops
        .get(shop_id)
        .ok_or_else(|| ApiError::invalid("The shop is not authorized."))?;
    let mut out = Vec::new();
    for p in shop.products.values() {
        let skus: Vec<&Sku> = p
            .skus
            .iter()
            .filter(|s| product_ids.contains(&p.id) || sku_ids.contains(&s.id))
            .collect();
        if skus.is_empty() {
            continue;
        }
        let skus: Vec<Value> = skus
            .iter()
            .map(|s| {
                let per_wh: Vec<Value> = s
                    .inventory
                    .iter()
                    .map(|i| json!({"warehouse_id": i.warehouse_id, "available_quantity": i.quantity, "committed_quantity": committed(&s.id, &i.warehouse_id)}))
                    .collect();
                let committed_total: i64 = s.inventory.iter().map(|i| committed(&s.id, &i.warehouse_id)).sum();
                json!({
                    "id": s.id,
                    "seller_sku": s.seller_sku,
                    "total_available_quantity": s.total_quantity(),
                    "total_committed_quantity": committed_total,
                    "warehouse_inventory": per_wh,
                })
            })
            .collect();
        out.push(json!({"product_id": p.id, "skus": skus}));
    }
    Ok(Outcome::new(json!({ "inventory": out })))
}
