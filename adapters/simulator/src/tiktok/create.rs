//! Product creation (§6.1): SKUs, sales attributes, prices and inventory checked as TikTok checks them,
//! and `idempotency_key` replays.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use serde_json::{Value, json};

use super::api::Outcome;
use super::error::{
    ApiError, PRICE_FORMAT, Rejection, STOCK_INVALID, TOO_MANY_SKUS, WAREHOUSE_NOT_FOUND,
};
use super::params::parse_body;
use super::state::{
    InventoryEntry, Product, ProductStatus, SalesAttribute, Sku, now_unix, parse_money,
};
use super::world::{Shop, World};

use super::products::*;

#[derive(Deserialize)]
pub(super) struct PriceIn {
    pub(super) amount: String,
    pub(super) currency: String,
}

/// Checks a price against the format and the shop's bounds (§7.2, §10); `Err` carries the detail.
pub(super) fn check_price(shop: &Shop, price: &PriceIn) -> Result<(), String> {
    if price.currency != shop.cfg.currency {
        return Err(format!(
            "currency must be {}, got {:?}",
            shop.cfg.currency, price.currency
        ));
    }
    let cents = parse_money(&price.amount)
        .ok_or_else(|| format!("amount {:?} is not a decimal string", price.amount))?;
    if shop.cfg.region == "VN" {
        if cents % 100 != 0 {
            return Err("VND amounts have no fraction digits".into());
        }
        let max: i128 = if shop.cfg.seller_type == "CROSS_BORDER" {
            1_000_000
        } else {
            180_000_000
        };
        if !(1..=max).contains(&(cents / 100)) {
            return Err(format!("amount must be between 1 and {max} VND"));
        }
    } else if cents <= 0 {
        return Err("amount must be positive".into());
    }
    Ok(())
}

#[derive(Deserialize)]
pub(super) struct InvIn {
    pub(super) warehouse_id: Option<String>,
    pub(super) quantity: i64,
}

#[derive(Deserialize)]
struct SalesAttrIn {
    id: Option<String>,
    name: Option<String>,
    value_id: Option<String>,
    value_name: Option<String>,
}

#[derive(Deserialize)]
struct CreateSku {
    seller_sku: Option<String>,
    price: PriceIn,
    inventory: Vec<InvIn>,
    #[serde(default)]
    sales_attributes: Vec<SalesAttrIn>,
    external_sku_id: Option<String>,
}

#[derive(Deserialize)]
struct ImageRef {
    uri: String,
}

#[derive(Deserialize)]
struct Weight {
    value: String,
    unit: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct CreateReq {
    title: String,
    description: String,
    category_id: String,
    category_version: Option<String>,
    main_images: Vec<ImageRef>,
    skus: Vec<CreateSku>,
    #[serde(default)]
    product_attributes: Vec<Value>,
    package_weight: Weight,
    package_dimensions: Option<Value>,
    brand_id: Option<String>,
    idempotency_key: Option<String>,
    external_product_id: Option<String>,
    is_cod_allowed: Option<bool>,
    save_mode: Option<String>,
}

/// `POST /product/202309/products` (§6.1). A repeated `idempotency_key` returns the first answer without
/// creating anything. New products start in `created_product_status` (PENDING: they go to audit).
pub fn create(world: &mut World, shop_id: &str, body: &[u8]) -> Result<Outcome, ApiError> {
    let req: CreateReq = parse_body(body)?;
    if let Some(key) = req.idempotency_key.as_ref().filter(|k| !k.is_empty())
        && let Some(data) = world
            .idempotency
            .get(&(shop_id.to_owned(), key.clone()))
            .cloned()
    {
        return Ok(Outcome::new(data));
    }
    if req.title.trim().is_empty() || req.description.trim().is_empty() {
        return Err(ApiError::invalid("`title` and `description` are required."));
    }
    if req.category_id.is_empty() {
        return Err(ApiError::invalid("`category_id` is required."));
    }
    if req.main_images.is_empty() {
        return Err(ApiError::invalid("`main_images` must not be empty."));
    }
    if let Some(bad) = req
        .main_images
        .iter()
        .find(|i| !world.images.contains(&i.uri))
    {
        return Err(ApiError::invalid(format!(
            "The image uri {:?} is unknown; upload it with /product/202309/images/upload first.",
            bad.uri
        )));
    }
    if parse_money(&req.package_weight.value).is_none()
        || !matches!(req.package_weight.unit.as_str(), "KILOGRAM" | "POUND")
    {
        return Err(ApiError::invalid(
            "`package_weight` needs a decimal `value` and `unit` KILOGRAM or POUND.",
        ));
    }
    let status = match req.save_mode.as_deref() {
        None | Some("LISTING") => world.cfg.created_product_status,
        Some("AS_DRAFT") => ProductStatus::Draft,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "`save_mode` {other:?} is invalid."
            )));
        }
    };
    if req.skus.is_empty() {
        return Err(ApiError::invalid("`skus` must not be empty."));
    }
    if req.skus.len() > MAX_SKUS {
        return Err(ApiError::business(
            TOO_MANY_SKUS,
            "The number of SKUs exceeds the limit of 100.",
            Rejection::BadParam,
        ));
    }
    let shop = shop_mut(world, shop_id)?;
    // `warehouse_id` may be left out only when the shop has a single warehouse (as for inventory updates, §7.1).
    let only_warehouse = match shop.cfg.warehouses.as_slice() {
        [only] => Some(only.id.clone()),
        _ => None,
    };
    let mut seller_skus = HashSet::new();
    let mut combos = HashSet::new();
    for s in &req.skus {
        check_price(shop, &s.price).map_err(|d| {
            ApiError::business(
                PRICE_FORMAT,
                format!("Incorrect price format: {d}."),
                Rejection::BadParam,
            )
        })?;
        if s.inventory.is_empty() {
            return Err(ApiError::invalid("Each SKU needs `inventory`."));
        }
        for i in &s.inventory {
            let wh = i
                .warehouse_id
                .as_deref()
                .or(only_warehouse.as_deref())
                .unwrap_or("");
            if !shop.has_warehouse(wh) {
                return Err(ApiError::business(
                    WAREHOUSE_NOT_FOUND,
                    format!("Warehouse {wh:?} does not belong to the shop."),
                    Rejection::NotFound,
                ));
            }
            if !(0..MAX_QUANTITY).contains(&i.quantity) {
                return Err(ApiError::business(
                    STOCK_INVALID,
                    "Stock count invalid: it must be between 0 and 99998.",
                    Rejection::BadParam,
                ));
            }
        }
        if let Some(sku) = s.seller_sku.as_ref().filter(|s| !s.is_empty())
            && !seller_skus.insert(sku.clone())
        {
            return Err(ApiError::invalid(format!("Duplicate seller_sku {sku:?}.")));
        }
        let combo: Vec<(String, String)> = s
            .sales_attributes
            .iter()
            .map(|a| {
                (
                    a.name.clone().or_else(|| a.id.clone()).unwrap_or_default(),
                    a.value_name
                        .clone()
                        .or_else(|| a.value_id.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        if combo.iter().any(|(n, v)| n.is_empty() || v.is_empty()) {
            return Err(ApiError::invalid(
                "Each sales attribute needs a name (or id) and a value_name (or value_id).",
            ));
        }
        if req.skus.len() > 1 && (combo.is_empty() || !combos.insert(combo)) {
            return Err(ApiError::invalid(
                "SKUs of a product with several SKUs need distinct sales_attributes.",
            ));
        }
    }
    let currency = shop.cfg.currency.clone();

    let product_id = world.new_id(1_729_592_969_712_200_000);
    let mut attr_ids: BTreeMap<String, String> = BTreeMap::new();
    let mut value_ids: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut skus = Vec::new();
    for s in req.skus {
        let id = world.new_id(1_729_592_969_712_300_000);
        let mut attrs = Vec::new();
        for a in s.sales_attributes {
            let name = a.name.clone().unwrap_or_default();
            let value_name = a.value_name.clone().unwrap_or_default();
            let attr_key = a.id.clone().unwrap_or_else(|| name.clone());
            let next_attr = (100_000 + attr_ids.len() as u64).to_string();
            let attr_id = a.id.clone().unwrap_or_else(|| {
                attr_ids
                    .entry(attr_key.clone())
                    .or_insert(next_attr)
                    .clone()
            });
            let value_key = (
                attr_key,
                a.value_id.clone().unwrap_or_else(|| value_name.clone()),
            );
            let next_value = (7_000_000 + value_ids.len() as u64).to_string();
            let value_id = a
                .value_id
                .clone()
                .unwrap_or_else(|| value_ids.entry(value_key).or_insert(next_value).clone());
            attrs.push(SalesAttribute {
                id: attr_id,
                name,
                value_id,
                value_name,
            });
        }
        skus.push(Sku {
            id,
            seller_sku: s.seller_sku.unwrap_or_default(),
            price: s.price.amount,
            currency: currency.clone(),
            inventory: s
                .inventory
                .into_iter()
                .map(|i| InventoryEntry {
                    warehouse_id: i
                        .warehouse_id
                        .or_else(|| only_warehouse.clone())
                        .unwrap_or_default(),
                    quantity: i.quantity,
                })
                .collect(),
            sales_attributes: attrs,
            external_sku_id: s.external_sku_id.unwrap_or_default(),
        });
    }
    let now = now_unix();
    let product = Product {
        id: product_id.clone(),
        shop_id: shop_id.to_owned(),
        title: req.title,
        description: req.description,
        category_id: req.category_id,
        status,
        create_time: now,
        update_time: now,
        main_images: req.main_images.into_iter().map(|i| i.uri).collect(),
        skus,
        package_weight: req.package_weight.value,
        is_cod_allowed: req.is_cod_allowed.unwrap_or(true),
        external_product_id: req.external_product_id.unwrap_or_default(),
        price_locked: false,
    };
    let data = json!({
        "product_id": product.id,
        "skus": product.skus.iter().map(|s| json!({
            "id": s.id,
            "seller_sku": s.seller_sku,
            "sales_attributes": s.sales_attributes.iter().map(|a| json!({"id": a.id, "value_id": a.value_id})).collect::<Vec<_>>(),
            "external_sku_id": s.external_sku_id,
        })).collect::<Vec<_>>(),
        "warnings": [],
    });
    shop_mut(world, shop_id)?
        .products
        .insert(product_id, product);
    if let Some(key) = req.idempotency_key.filter(|k| !k.is_empty()) {
        world
            .idempotency
            .insert((shop_id.to_owned(), key), data.clone());
    }
    Ok(Outcome::new(data))
}
