//! Product endpoints (§6, §7): listing reads, item creation and edits, and the stock/price batch writes with
//! their per-model `failure_list` semantics.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Value, json};

use super::api::Payload;
use super::error::{ApiError, Rejection};
use super::params::{Module, Query, parse_body};
use super::state::{Item, ItemStatus, now_unix, price_json};
use super::world::{Shop, World};

pub use super::variations::{add_model, init_tier_variation};

pub(super) const MAX_BATCH: usize = 50;
const MAX_PAGE_SIZE: i64 = 100;
/// `get_item_limit.stock_limit.max_limit` as this simulator reports it (the real VN value is UNCONFIRMED).
pub(super) const MAX_STOCK: i64 = 999_999;

pub(super) fn shop_mut(world: &mut World, shop_id: Option<i64>) -> Result<&mut Shop, ApiError> {
    shop_id
        .and_then(|id| world.shops.get_mut(&id))
        .ok_or_else(|| {
            ApiError::new(
                "error_auth",
                "Invalid partner_id or shopid.",
                403,
                Rejection::InvalidShop,
            )
        })
}

pub(crate) fn item_not_found(item_id: i64) -> ApiError {
    ApiError::new(
        "error_item_not_found",
        format!("Item {item_id} is not found."),
        200,
        Rejection::NotFound,
    )
}

/// "For SG/MY/BR/MX/PL/ES/AR seller: Sellers can set the price with two decimal place, other regions can only set
/// the price as an integer." (§10)
pub(super) fn whole_prices_only(region: &str) -> bool {
    !matches!(region, "SG" | "MY" | "BR" | "MX" | "PL" | "ES" | "AR")
}

pub(super) fn image_url(image_id: &str) -> String {
    format!("https://cf.shopee.vn/file/{image_id}")
}

pub(super) fn stock_info_v2(location_id: &str, stock: i64, reserved: i64) -> Value {
    json!({
        "summary_info": {"total_reserved_stock": reserved, "total_available_stock": stock},
        "seller_stock": [{"location_id": location_id, "stock": stock, "if_saleable": true}],
    })
}

pub(super) fn check_batch_len(name: &str, len: usize) -> Result<(), ApiError> {
    if (1..=MAX_BATCH).contains(&len) {
        Ok(())
    } else {
        Err(ApiError::bad_param(format!(
            "Wrong parameters, detail: the length of {name} should be in [1, {MAX_BATCH}]."
        )))
    }
}

/// `GET /api/v2/product/get_item_list` (§6.1).
pub fn get_item_list(
    world: &mut World,
    shop_id: Option<i64>,
    q: &Query,
) -> Result<Payload, ApiError> {
    let offset = q.required_i64("offset")?;
    let page_size = q.required_i64("page_size")?;
    if offset < 0 {
        return Err(ApiError::bad_param(
            "Wrong parameters, detail: offset should be no less than 0.",
        ));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(ApiError::bad_param(
            "Wrong parameters, detail: page_size should be in [1, 100].",
        ));
    }
    let statuses = q.get_all("item_status");
    if statuses.is_empty() {
        return Err(ApiError::bad_param(
            "Wrong parameters, detail: item_status is required.",
        ));
    }
    let statuses = statuses
        .iter()
        .map(|s| {
            ItemStatus::parse(s).ok_or_else(|| {
                ApiError::bad_param(format!(
                    "Wrong parameters, detail: invalid item_status {s:?}."
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let from = q.optional_i64("update_time_from")?;
    let to = q.optional_i64("update_time_to")?;
    let shop = shop_mut(world, shop_id)?;
    let matching: Vec<&Item> = shop
        .items
        .values()
        .filter(|i| statuses.contains(&i.status))
        .filter(|i| {
            from.is_none_or(|f| i.update_time >= f) && to.is_none_or(|t| i.update_time <= t)
        })
        .collect();
    let total = matching.len() as i64;
    let page: Vec<Value> = matching
        .iter()
        .skip(offset as usize)
        .take(page_size as usize)
        .map(|i| json!({"item_id": i.item_id, "item_status": i.status.as_str(), "update_time": i.update_time, "tag": {"kit": false}}))
        .collect();
    let next = offset + page.len() as i64;
    Ok(Payload::Wrapped(json!({
        "item": page,
        "total_count": total,
        "has_next_page": next < total,
        "next_offset": next,
    })))
}

fn base_info(shop: &Shop, item: &Item) -> Value {
    let mut v = json!({
        "item_id": item.item_id,
        "category_id": item.category_id,
        "item_name": item.item_name,
        "description": item.description,
        "item_sku": item.item_sku,
        "item_status": item.status.as_str(),
        "create_time": item.create_time,
        "update_time": item.update_time,
        "image": {
            "image_url_list": item.image_ids.iter().map(|i| image_url(i)).collect::<Vec<_>>(),
            "image_id_list": item.image_ids,
        },
        "weight": format!("{:.3}", item.weight),
        "dimension": {"package_length": 10, "package_width": 10, "package_height": 10},
        "logistic_info": item.logistic_info,
        "has_model": item.has_model(),
        "brand": {"brand_id": 0, "original_brand_name": "NoBrand"},
        "attribute_list": [],
        "stock_info_v2": stock_info_v2(&shop.cfg.location_id, item.total_stock(), item.total_reserved()),
    });
    // §6.2: price_info is not returned when the item has models.
    if !item.has_model()
        && let Some(obj) = v.as_object_mut()
    {
        obj.insert(
            "price_info".into(),
            json!([{"currency": shop.cfg.currency, "original_price": price_json(item.price), "current_price": price_json(item.price)}]),
        );
    }
    v
}

/// `GET /api/v2/product/get_item_base_info` (§6.2).
pub fn get_item_base_info(
    world: &mut World,
    shop_id: Option<i64>,
    q: &Query,
) -> Result<Payload, ApiError> {
    let ids = q
        .list("item_id_list")
        .iter()
        .map(|v| super::params::parse_i64("item_id_list", v))
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Err(ApiError::bad_param(
            "Wrong parameters, detail: item_id_list is required.",
        ));
    }
    if ids.len() > MAX_BATCH {
        return Err(ApiError::bad_param(
            "Wrong parameters, detail: the length of item_id_list should be in [1, 50].",
        ));
    }
    q.optional_bool("need_tax_info")?;
    q.optional_bool("need_complaint_policy")?;
    let shop = shop_mut(world, shop_id)?;
    let list: Vec<Value> = ids
        .iter()
        .filter_map(|id| shop.items.get(id))
        .map(|i| base_info(shop, i))
        .collect();
    Ok(Payload::Wrapped(json!({ "item_list": list })))
}

/// `GET /api/v2/product/get_model_list` (§6.3).
pub fn get_model_list(
    world: &mut World,
    shop_id: Option<i64>,
    q: &Query,
) -> Result<Payload, ApiError> {
    let item_id = q.required_i64("item_id")?;
    let shop = shop_mut(world, shop_id)?;
    let item = shop
        .items
        .get(&item_id)
        .ok_or_else(|| item_not_found(item_id))?;
    let tiers: Vec<Value> = item
        .tier_variation
        .iter()
        .map(|t| json!({"name": t.name, "option_list": t.options.iter().map(|o| json!({"option": o})).collect::<Vec<_>>()}))
        .collect();
    let models: Vec<Value> = item
        .models
        .iter()
        .map(|m| {
            json!({
                "model_id": m.model_id,
                "tier_index": m.tier_index,
                "model_sku": m.model_sku,
                "model_status": if m.available { "MODEL_NORMAL" } else { "MODEL_UNAVAILABLE" },
                "price_info": [{"currency": shop.cfg.currency, "current_price": price_json(m.price), "original_price": price_json(m.price)}],
                "stock_info_v2": stock_info_v2(&shop.cfg.location_id, m.stock, m.reserved_stock),
                "pre_order": {"is_pre_order": false, "days_to_ship": 2},
                "promotion_id": 0,
            })
        })
        .collect();
    Ok(Payload::Wrapped(
        json!({"tier_variation": tiers, "model": models, "standardise_tier_variation": []}),
    ))
}

#[derive(Deserialize)]
struct SellerStock {
    location_id: Option<String>,
    stock: i64,
}

#[derive(Deserialize)]
struct StockEntry {
    #[serde(default)]
    model_id: i64,
    seller_stock: Vec<SellerStock>,
}

#[derive(Deserialize)]
struct UpdateStock {
    item_id: i64,
    stock_list: Vec<StockEntry>,
}

pub(super) fn editable_item(shop: &mut Shop, item_id: i64) -> Result<&mut Item, ApiError> {
    match shop.items.get_mut(&item_id) {
        Some(item) if !item.status.is_deleted() => Ok(item),
        _ => Err(item_not_found(item_id)),
    }
}

/// Checks the model ids of a batch: no repeats, and each one addresses this item (0 = item without models).
pub(super) fn check_model_ids(item: &Item, ids: impl Iterator<Item = i64>) -> Result<(), ApiError> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(ApiError::bad_param("Repeat model_id."));
        }
        let ok = if id == 0 {
            !item.has_model()
        } else {
            item.model(id).is_some()
        };
        if !ok {
            return Err(ApiError::bad_param("Wrong model_id."));
        }
    }
    Ok(())
}

/// `POST /api/v2/product/update_stock` (§7.1): one item, 1–50 models, `seller_stock` only.
pub fn update_stock(
    world: &mut World,
    shop_id: Option<i64>,
    body: &[u8],
) -> Result<Payload, ApiError> {
    let req: UpdateStock = parse_body(body, Module::Product)?;
    check_batch_len("stock_list", req.stock_list.len())?;
    let shop = shop_mut(world, shop_id)?;
    let location = shop.cfg.location_id.clone();
    let item = editable_item(shop, req.item_id)?;
    if item.has_model() && req.stock_list.iter().any(|e| e.model_id == 0) {
        return Err(ApiError::new(
            "error_edit_item_stock_for_item_has_model",
            "The item has models, please update the stock of each model_id.",
            200,
            Rejection::BadParam,
        ));
    }
    check_model_ids(item, req.stock_list.iter().map(|e| e.model_id))?;
    let with_location = req
        .stock_list
        .iter()
        .flat_map(|e| &e.seller_stock)
        .filter(|s| s.location_id.is_some())
        .count();
    let total_entries = req
        .stock_list
        .iter()
        .map(|e| e.seller_stock.len())
        .sum::<usize>();
    if with_location != 0 && with_location != total_entries {
        return Err(ApiError::bad_param(
            "Can not update item with different stock structure, please keep the location_id of all stock consistent.",
        ));
    }
    if item.in_promotion {
        return Err(ApiError::new(
            "error_cannt_edit_stock_in_promotion",
            "Can not edit stock while the item is in a promotion.",
            200,
            Rejection::Business,
        ));
    }
    let mut failures = Vec::new();
    let mut successes = Vec::new();
    for entry in &req.stock_list {
        let fail = |reason: &str| json!({"model_id": entry.model_id, "failed_reason": reason});
        let [only] = entry.seller_stock.as_slice() else {
            failures.push(fail("Lack of location_id"));
            continue;
        };
        if only.location_id.as_deref().is_some_and(|l| l != location) {
            failures.push(fail("Invalid location_id."));
            continue;
        }
        let reserved = if entry.model_id == 0 {
            item.reserved_stock
        } else {
            item.model(entry.model_id).map_or(0, |m| m.reserved_stock)
        };
        if only.stock < 0 {
            failures.push(fail("Stock should be no less than 0."));
            continue;
        }
        if only.stock > MAX_STOCK {
            failures.push(fail("Stock should be no more than 999999."));
            continue;
        }
        if only.stock < reserved {
            failures.push(fail(
                "Can not update item with stock less than reserved stock",
            ));
            continue;
        }
        if entry.model_id == 0 {
            item.stock = only.stock;
        } else if let Some(m) = item.model_mut(entry.model_id) {
            m.stock = only.stock;
        }
        successes.push(
            json!({"model_id": entry.model_id, "location_id": location, "stock": only.stock}),
        );
    }
    if !successes.is_empty() {
        item.update_time = now_unix();
    }
    let response = json!({"failure_list": failures, "success_list": successes});
    if successes.is_empty() {
        return Err(ApiError::new(
            "error_busi_update_stock_failed",
            "Update stock failed, please check failure_list",
            200,
            Rejection::Business,
        )
        .with_response(response));
    }
    Ok(Payload::Wrapped(response))
}

#[derive(Deserialize)]
struct PriceEntry {
    #[serde(default)]
    model_id: i64,
    original_price: f64,
}

#[derive(Deserialize)]
struct UpdatePrice {
    item_id: i64,
    price_list: Vec<PriceEntry>,
}

/// `POST /api/v2/product/update_price` (§7.2): one item, 1–50 models; a price outside the shop's limits, a
/// fractional VN price, or a variation spread over the region's ratio fails that model only.
pub fn update_price(
    world: &mut World,
    shop_id: Option<i64>,
    body: &[u8],
) -> Result<Payload, ApiError> {
    let req: UpdatePrice = parse_body(body, Module::Product)?;
    check_batch_len("price_list", req.price_list.len())?;
    let shop = shop_mut(world, shop_id)?;
    let limit = shop.cfg.price_limit;
    let whole_only = whole_prices_only(&shop.cfg.region);
    let ratio = shop.cfg.max_price_ratio;
    let item = editable_item(shop, req.item_id)?;
    check_model_ids(item, req.price_list.iter().map(|e| e.model_id))?;
    if item.in_promotion {
        return Err(ApiError::new(
            "error_cannt_edit_price_in_promotion",
            "Can not edit price while the item is in a promotion.",
            200,
            Rejection::Business,
        ));
    }
    let mut failures = Vec::new();
    let mut successes = Vec::new();
    for entry in &req.price_list {
        let p = entry.original_price;
        let reason = if !p.is_finite() || p <= 0.0 {
            Some("Price should be more than 0.".to_owned())
        } else if whole_only && p.fract() != 0.0 {
            Some("The price should be an integer for this region.".to_owned())
        } else if p < limit.min_limit {
            Some(format!(
                "error_price_exceed_min_limitt: price {p} is lower than min_limit {}",
                limit.min_limit
            ))
        } else if p > limit.max_limit {
            Some(format!(
                "error_price_exceed_max_limitt: price {p} is higher than max_limit {}",
                limit.max_limit
            ))
        } else if let Some(r) = ratio.filter(|_| item.has_model()) {
            let prices = item.models.iter().map(|m| {
                if m.model_id == entry.model_id {
                    p
                } else {
                    m.price
                }
            });
            let (lo, hi) = prices.fold((f64::MAX, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
            (hi > lo * r).then(|| format!("The price of the most expensive model should be at most {r} times the cheapest."))
        } else {
            None
        };
        if let Some(reason) = reason {
            failures.push(json!({"model_id": entry.model_id, "failed_reason": reason}));
            continue;
        }
        if entry.model_id == 0 {
            item.price = p;
        } else if let Some(m) = item.model_mut(entry.model_id) {
            m.price = p;
        }
        successes.push(json!({"model_id": entry.model_id, "original_price": price_json(p)}));
    }
    if !successes.is_empty() {
        item.update_time = now_unix();
    }
    Ok(Payload::Wrapped(
        json!({"failure_list": failures, "success_list": successes}),
    ))
}

#[derive(Deserialize)]
struct UnlistEntry {
    item_id: i64,
    unlist: bool,
}

#[derive(Deserialize)]
struct UnlistItem {
    item_list: Vec<UnlistEntry>,
}

/// `POST /api/v2/product/unlist_item` (§6.6): `unlist:false` re-lists.
pub fn unlist_item(
    world: &mut World,
    shop_id: Option<i64>,
    body: &[u8],
) -> Result<Payload, ApiError> {
    let req: UnlistItem = parse_body(body, Module::Product)?;
    check_batch_len("item_list", req.item_list.len())?;
    let shop = shop_mut(world, shop_id)?;
    let now = now_unix();
    let mut failures = Vec::new();
    let mut successes = Vec::new();
    for e in &req.item_list {
        let fail = |r: &str| json!({"item_id": e.item_id, "failed_reason": r});
        match shop.items.get_mut(&e.item_id) {
            None => failures.push(fail("Item is not found.")),
            Some(i) if i.status.is_deleted() => failures.push(fail("Item is not found.")),
            Some(i) if i.in_promotion => {
                failures.push(fail("Can't unlist item when item is under promotion"))
            }
            Some(i) if !matches!(i.status, ItemStatus::Normal | ItemStatus::Unlist) => failures
                .push(fail(&format!(
                    "Can't change the status of an item in status {}",
                    i.status.as_str()
                ))),
            Some(i) => {
                i.status = if e.unlist {
                    ItemStatus::Unlist
                } else {
                    ItemStatus::Normal
                };
                i.update_time = now;
                successes.push(json!({"item_id": e.item_id, "unlist": e.unlist}));
            }
        }
    }
    Ok(Payload::Wrapped(
        json!({"failure_list": failures, "success_list": successes}),
    ))
}

#[derive(Deserialize)]
struct DeleteItem {
    item_id: i64,
}

/// `POST /api/v2/product/delete_item` (§6.7): the item stays readable as `SELLER_DELETE`.
pub fn delete_item(
    world: &mut World,
    shop_id: Option<i64>,
    body: &[u8],
) -> Result<Payload, ApiError> {
    let req: DeleteItem = parse_body(body, Module::Product)?;
    let shop = shop_mut(world, shop_id)?;
    let item = editable_item(shop, req.item_id)?;
    if item.in_promotion {
        return Err(ApiError::new(
            "product.error_busi",
            "Can't delete item when item is under promotion",
            200,
            Rejection::Business,
        ));
    }
    item.status = ItemStatus::SellerDelete;
    item.update_time = now_unix();
    Ok(Payload::Bare)
}

#[derive(Deserialize)]
struct ImageIds {
    image_id_list: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct NewStock {
    pub(super) location_id: Option<String>,
    pub(super) stock: i64,
}

#[derive(Deserialize)]
struct AddItem {
    original_price: f64,
    description: String,
    weight: f64,
    item_name: String,
    category_id: i64,
    image: ImageIds,
    logistic_info: Vec<Value>,
    item_status: Option<String>,
    item_sku: Option<String>,
    seller_stock: Option<Vec<NewStock>>,
}

/// A `location_id` given in `seller_stock` must be the shop's own (shops without warehouses may omit it).
pub(super) fn check_locations(stock: &[NewStock], location: &str) -> Result<(), ApiError> {
    match stock
        .iter()
        .find_map(|s| s.location_id.as_deref().filter(|l| *l != location))
    {
        Some(bad) => Err(ApiError::product_param(format!(
            "Wrong parameters, detail: invalid location_id {bad:?}."
        ))),
        None => Ok(()),
    }
}

pub(super) fn item_reply(shop: &Shop, item: &Item) -> Value {
    json!({
        "item_id": item.item_id,
        "item_name": item.item_name,
        "item_status": item.status.as_str(),
        "category_id": item.category_id,
        "description": item.description,
        "item_sku": item.item_sku,
        "price_info": {"current_price": price_json(item.price), "original_price": price_json(item.price)},
        "images": {
            "image_id_list": item.image_ids,
            "image_url_list": item.image_ids.iter().map(|i| image_url(i)).collect::<Vec<_>>(),
        },
        "weight": item.weight,
        "logistic_info": item.logistic_info,
        "seller_stock": [{"location_id": shop.cfg.location_id, "stock": item.total_stock()}],
    })
}

/// `POST /api/v2/product/add_item` (§6.4). Images must come from `upload_image`; decimals in a whole-number
/// region are rounded ("we will do rounding", [GCP]).
pub fn add_item(world: &mut World, shop_id: Option<i64>, body: &[u8]) -> Result<Payload, ApiError> {
    let req: AddItem = parse_body(body, Module::Product)?;
    if req.item_name.trim().is_empty() {
        return Err(ApiError::product_param(
            "invalid field ItemName: value must  Not Null",
        ));
    }
    if req.category_id <= 0 {
        return Err(ApiError::new(
            "product.error_param",
            "Invalid category",
            400,
            Rejection::BadParam,
        ));
    }
    if req.image.image_id_list.is_empty() || req.image.image_id_list.len() > 9 {
        return Err(ApiError::product_param(
            "Wrong parameters, detail: image_id_list should have 1 to 9 images.",
        ));
    }
    if let Some(bad) = req
        .image
        .image_id_list
        .iter()
        .find(|i| !world.images.contains(*i))
    {
        return Err(ApiError::product_param(format!(
            "Wrong parameters, detail: invalid image_id {bad}."
        )));
    }
    if req.logistic_info.is_empty() {
        return Err(ApiError::product_param(
            "invalid field LogisticInfo: value must  Not Null",
        ));
    }
    if !req.weight.is_finite() || req.weight <= 0.0 {
        return Err(ApiError::product_param(
            "Wrong parameters, detail: weight should be more than 0.",
        ));
    }
    let status = match req.item_status.as_deref() {
        None | Some("NORMAL") => ItemStatus::Normal,
        Some("UNLIST") => ItemStatus::Unlist,
        Some(s) => {
            return Err(ApiError::product_param(format!(
                "Wrong parameters, detail: invalid item_status {s:?}."
            )));
        }
    };
    let stock = req
        .seller_stock
        .as_deref()
        .map(|s| s.iter().map(|s| s.stock).sum::<i64>())
        .unwrap_or(0);
    if req
        .seller_stock
        .as_deref()
        .is_some_and(|s| s.iter().any(|s| s.stock < 0))
    {
        return Err(ApiError::product_param(
            "Wrong parameters, detail: stock should be no less than 0.",
        ));
    }
    let shop = shop_mut(world, shop_id)?;
    check_locations(
        req.seller_stock.as_deref().unwrap_or_default(),
        &shop.cfg.location_id,
    )?;
    let whole_only = whole_prices_only(&shop.cfg.region);
    let price = if whole_only {
        req.original_price.round()
    } else {
        req.original_price
    };
    let limit = shop.cfg.price_limit;
    if price < limit.min_limit {
        return Err(ApiError::new(
            "error_price_exceed_min_limitt",
            format!("Price is lower than min_limit {}.", limit.min_limit),
            200,
            Rejection::Business,
        ));
    }
    if price > limit.max_limit {
        return Err(ApiError::new(
            "error_price_exceed_max_limitt",
            format!("Price is higher than max_limit {}.", limit.max_limit),
            200,
            Rejection::Business,
        ));
    }
    let item_id = world.allocate_item_id();
    let now = now_unix();
    let item = Item {
        item_id,
        item_name: req.item_name,
        item_sku: req.item_sku.unwrap_or_default(),
        description: req.description,
        category_id: req.category_id,
        status,
        create_time: now,
        update_time: now,
        weight: req.weight,
        image_ids: req.image.image_id_list,
        logistic_info: req.logistic_info,
        price,
        stock,
        reserved_stock: 0,
        in_promotion: false,
        tier_variation: Vec::new(),
        models: Vec::new(),
    };
    let shop = shop_mut(world, shop_id)?;
    let reply = item_reply(shop, &item);
    shop.items.insert(item_id, item);
    Ok(Payload::Wrapped(reply))
}

#[derive(Deserialize)]
struct UpdateItem {
    item_id: i64,
    item_name: Option<String>,
    description: Option<String>,
    item_sku: Option<String>,
    weight: Option<f64>,
    category_id: Option<i64>,
    item_status: Option<String>,
}

/// `POST /api/v2/product/update_item` (§6.5): descriptive fields only; price and stock are not touched.
pub fn update_item(
    world: &mut World,
    shop_id: Option<i64>,
    body: &[u8],
) -> Result<Payload, ApiError> {
    let req: UpdateItem = parse_body(body, Module::Product)?;
    let shop = shop_mut(world, shop_id)?;
    let item = editable_item(shop, req.item_id)?;
    if let Some(s) = req.item_status.as_deref() {
        item.status = match s {
            "NORMAL" => ItemStatus::Normal,
            "UNLIST" => ItemStatus::Unlist,
            _ => {
                return Err(ApiError::product_param(format!(
                    "Wrong parameters, detail: invalid item_status {s:?}."
                )));
            }
        };
    }
    if let Some(n) = req.item_name {
        if n.trim().is_empty() {
            return Err(ApiError::product_param(
                "invalid field ItemName: value must  Not Null",
            ));
        }
        item.item_name = n;
    }
    if let Some(d) = req.description {
        item.description = d;
    }
    if let Some(s) = req.item_sku {
        item.item_sku = s; // an empty string deletes the SKU (§6.5)
    }
    if let Some(w) = req.weight {
        item.weight = w;
    }
    if let Some(c) = req.category_id {
        item.category_id = c;
    }
    item.update_time = now_unix();
    let item = item.clone();
    let shop = shop_mut(world, shop_id)?;
    Ok(Payload::Wrapped(item_reply(shop, &item)))
}

/// `GET /api/v2/product/get_item_limit` (§6.9): the shop's configured price limit plus placeholder limits.
pub fn get_item_limit(world: &mut World, shop_id: Option<i64>) -> Result<Payload, ApiError> {
    let shop = shop_mut(world, shop_id)?;
    let l = shop.cfg.price_limit;
    Ok(Payload::Wrapped(json!({
        "price_limit": {"min_limit": price_json(l.min_limit), "max_limit": price_json(l.max_limit)},
        "stock_limit": {"min_limit": 0, "max_limit": MAX_STOCK},
        "item_name_length_limit": {"min_limit": 10, "max_limit": 120},
        "item_image_count_limit": {"min_limit": 1, "max_limit": 9},
        "item_description_length_limit": {"min_limit": 100, "max_limit": 3000},
    })))
}
