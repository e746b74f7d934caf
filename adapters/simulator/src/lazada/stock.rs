//! Stock and price writes (§7): `/product/price_quantity/update` (price, sale price, **total** quantity; XML or
//! JSON), `/product/stock/sellable/update` (absolute sellable) and `/product/stock/sellable/adjust` (sellable
//! delta); the sellable APIs take XML only. Each takes up to 50 SKUs from any products of the seller, addressed by
//! `ItemId`+`SkuId` or `SellerSku`. SKUs are applied one by one in payload order; a SKU that fails is reported in
//! `detail` of a `501` roll-up while the others stay applied (the per-SKU partial failure of §4).
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use serde_json::{Value, json};

use super::api::Payload;
use super::error::{ApiError, ErrorType, Rejection};
use super::params::{
    Params, PayloadFormats, at, entries, int_field, num_field, parse_payload, text,
};
use super::state::{ProductStatus, Sku, now_ms};
use super::world::World;

/// Documented batch limit for all three APIs (§7.1, §7.2).
pub const MAX_SKUS: usize = 50;

/// How a SKU entry names its SKU, for `detail`.
#[derive(Debug, Clone, Default)]
struct SkuRef {
    item_id: i64,
    sku_id: i64,
    seller_sku: String,
}

impl SkuRef {
    fn failure(&self, field: &str, code: &str, message: impl Into<String>) -> Value {
        json!({
            "field": field,
            "message": message.into(),
            "code": code,
            "seller_sku": self.seller_sku,
            "item_id": self.item_id,
            "sku_id": self.sku_id,
        })
    }
}

/// The SKU entries of `<Request><Product><Skus><Sku>…`, refusing more than 50.
fn sku_entries(payload: &Value) -> Result<Vec<&Value>, ApiError> {
    let skus = at(payload, &["Request", "Product", "Skus", "Sku"])
        .map(entries)
        .unwrap_or_default();
    if skus.is_empty() {
        return Err(ApiError::bad_format(
            "payload must be <Request><Product><Skus><Sku>…</Sku></Skus></Product></Request> with at least one Sku",
        ));
    }
    if skus.len() > MAX_SKUS {
        return Err(ApiError::new(
            ErrorType::Isv,
            "4171",
            format!("The number of SKUs exceeds the maximum number {MAX_SKUS}"),
            400,
            Rejection::BadParam,
        ));
    }
    Ok(skus)
}

/// Finds the SKU an entry addresses. `Err` carries the `detail` entry.
fn resolve<'w>(
    world: &'w mut World,
    seller_id: i64,
    entry: &Value,
) -> Result<(SkuRef, &'w mut Sku, i64), Value> {
    let mut r = SkuRef::default();
    let ids = (int_field(entry, "ItemId"), int_field(entry, "SkuId"));
    let seller_sku = text(entry, "SellerSku")
        .unwrap_or_default()
        .unwrap_or_default();
    r.seller_sku = seller_sku.clone();
    let (item_id, sku_id) = match ids {
        (Ok(i), Ok(s)) => (i, s),
        (Err(e), _) | (_, Err(e)) => return Err(r.failure("SkuId", "5", e)),
    };
    r.item_id = item_id.unwrap_or(0);
    r.sku_id = sku_id.unwrap_or(0);
    let Ok(seller) = world.seller_mut(seller_id) else {
        return Err(r.failure("SellerSku", "207", "unknown seller"));
    };
    let found = match (item_id, sku_id) {
        (Some(item), Some(sku)) => {
            let Some(product) = seller.products.get_mut(&item) else {
                return Err(r.failure("ItemId", "208", format!("Item {item} does not exist")));
            };
            let status = product.status;
            product
                .skus
                .iter_mut()
                .find(|s| s.sku_id == sku)
                .map(|s| (item, status, s))
                .ok_or_else(|| {
                    r.failure(
                        "SkuId",
                        "207",
                        format!("SKU {sku} does not exist in item {item}"),
                    )
                })?
        }
        (None, None) if !seller_sku.is_empty() => seller
            .products
            .values_mut()
            .find_map(|p| {
                let (item, status) = (p.item_id, p.status);
                p.skus
                    .iter_mut()
                    .find(|s| s.seller_sku == seller_sku)
                    .map(|s| (item, status, s))
            })
            .ok_or_else(|| {
                r.failure(
                    "SellerSku",
                    "207",
                    format!("SellerSku {seller_sku} does not exist"),
                )
            })?,
        _ => {
            return Err(r.failure(
                "SkuId",
                "5",
                "each Sku needs ItemId and SkuId, or SellerSku",
            ));
        }
    };
    let (item, status, sku) = found;
    if !seller_sku.is_empty() && sku.seller_sku != seller_sku {
        return Err(r.failure(
            "SellerSku",
            "207",
            format!("SellerSku {seller_sku} does not match SKU {}", sku.sku_id),
        ));
    }
    r.item_id = item;
    r.sku_id = sku.sku_id;
    r.seller_sku = sku.seller_sku.clone();
    if status == ProductStatus::Deleted {
        return Err(r.failure("ItemId", "208", format!("Item {item} is deleted")));
    }
    Ok((r, sku, item))
}

/// The campaign-lock floor of sellable stock (§7.2, §7.3), with the documented `E0501` wording.
fn check_floor(r: &SkuRef, sku: &Sku) -> Result<(), Value> {
    if sku.sellable() < sku.channel_locked {
        return Err(r.failure(
            "bizCheck",
            "E0501",
            format!(
                "negative sellable on channel inventory, sellable quantity {} is below the {} locked by campaigns",
                sku.sellable(),
                sku.channel_locked
            ),
        ));
    }
    Ok(())
}

/// Runs `apply` on every entry; the `501` roll-up lists the failures (the rest stay applied).
fn batch(
    world: &mut World,
    seller_id: i64,
    entries: Vec<&Value>,
    apply: impl Fn(&SkuRef, &Value, &mut Sku) -> Result<(), Value>,
) -> Result<Payload, ApiError> {
    let total = entries.len();
    let mut failures = Vec::new();
    let now = now_ms();
    for entry in entries {
        let outcome = resolve(world, seller_id, entry).and_then(|(r, sku, item)| {
            let mut next = sku.clone();
            apply(&r, entry, &mut next)?;
            *sku = next;
            Ok(item)
        });
        match outcome {
            Ok(item) => {
                if let Ok(s) = world.seller_mut(seller_id)
                    && let Some(p) = s.products.get_mut(&item)
                {
                    p.updated_ms = now;
                }
            }
            Err(d) => failures.push(d),
        }
    }
    if failures.is_empty() {
        return Ok(Payload::Bare);
    }
    let reason = if failures.len() == total {
        Rejection::Business
    } else {
        Rejection::PartialFailure
    };
    Err(ApiError::new(
        ErrorType::Isp,
        "501",
        "E501: Update product failed",
        200,
        reason,
    )
    .with_detail(failures))
}

/// Refuses the multi-warehouse forms: the simulated sellers are single-warehouse, and single-warehouse sellers
/// must not use them (§7.1).
fn no_multi_warehouse(r: &SkuRef, entry: &Value) -> Result<(), Value> {
    if entry.get("MultiWarehouseInventories").is_some()
        || entry.get("MultiWarehouseInventory").is_some()
    {
        return Err(r.failure(
            "MultiWarehouseInventories",
            "5",
            "single-warehouse sellers must not use the multi-warehouse form",
        ));
    }
    Ok(())
}

/// `POST /product/price_quantity/update`: `Price`, `SalePrice` (+ dates), `Quantity` = total stock (§7.1).
pub fn price_quantity_update(
    world: &mut World,
    seller_id: i64,
    params: &Params,
) -> Result<Payload, ApiError> {
    let (payload, _) = parse_payload(params, PayloadFormats::XmlOrJson)?;
    let skus = sku_entries(&payload)?;
    batch(world, seller_id, skus, |r, entry, sku| {
        no_multi_warehouse(r, entry)?;
        let price = num_field(entry, "Price").map_err(|e| r.failure("Price", "5", e))?;
        let sale = num_field(entry, "SalePrice").map_err(|e| r.failure("SalePrice", "5", e))?;
        let quantity = int_field(entry, "Quantity").map_err(|e| r.failure("Quantity", "5", e))?;
        for date in ["SaleStartDate", "SaleEndDate"] {
            if let Ok(Some(d)) = text(entry, date)
                && d.is_empty()
            {
                return Err(r.failure(date, "5", format!("{date} is empty")));
            }
        }
        if price.is_none() && sale.is_none() && quantity.is_none() {
            return Err(r.failure(
                "Sku",
                "5",
                "nothing to update: give Price, SalePrice or Quantity",
            ));
        }
        if let Some(p) = price {
            if p <= 0.0 {
                return Err(r.failure("Price", "5", format!("Price must be positive, got {p}")));
            }
            sku.price = p;
        }
        if let Some(s) = sale {
            if s < 0.0 || (s > 0.0 && s >= sku.price) {
                return Err(r.failure(
                    "SalePrice",
                    "5",
                    format!("SalePrice {s} must be below Price {}", sku.price),
                ));
            }
            sku.special_price = s;
        } else if sku.special_price >= sku.price {
            return Err(r.failure(
                "Price",
                "5",
                format!(
                    "Price {} must stay above the SalePrice {}",
                    sku.price, sku.special_price
                ),
            ));
        }
        if let Some(q) = quantity {
            if q < 0 {
                return Err(r.failure(
                    "Quantity",
                    "5",
                    format!("Quantity must not be negative, got {q}"),
                ));
            }
            sku.quantity = q;
            if sku.sellable() < 0 {
                return Err(r.failure(
                    "Quantity",
                    "5",
                    format!(
                        "Quantity is the total stock and must cover withhold {} + occupy {}",
                        sku.withhold, sku.occupy
                    ),
                ));
            }
            check_floor(r, sku)?;
        }
        Ok(())
    })
}

/// `/product/stock/sellable/update`: absolute sellable stock (§7.2). Total becomes sellable + withhold + occupy.
pub fn sellable_update(
    world: &mut World,
    seller_id: i64,
    params: &Params,
) -> Result<Payload, ApiError> {
    let (payload, _) = parse_payload(params, PayloadFormats::XmlOnly)?;
    let skus = sku_entries(&payload)?;
    batch(world, seller_id, skus, |r, entry, sku| {
        no_multi_warehouse(r, entry)?;
        let q = int_field(entry, "SellableQuantity")
            .map_err(|e| r.failure("SellableQuantity", "5", e))?
            .ok_or_else(|| r.failure("SellableQuantity", "5", "SellableQuantity is required"))?;
        if q < 0 {
            return Err(r.failure(
                "SellableQuantity",
                "212",
                "INV_NEGATIVE_SELLABLE: sellable quantity must not be negative",
            ));
        }
        sku.quantity = q + sku.withhold + sku.occupy;
        check_floor(r, sku)
    })
}

/// `POST /product/stock/sellable/adjust`: a sellable delta, may be negative; the result must stay ≥ 0 (212) and
/// ≥ the campaign lock (§7.2). Pre-order entries (`BizType`) are not simulated and fail per SKU.
pub fn sellable_adjust(
    world: &mut World,
    seller_id: i64,
    params: &Params,
) -> Result<Payload, ApiError> {
    let (payload, _) = parse_payload(params, PayloadFormats::XmlOnly)?;
    let skus = sku_entries(&payload)?;
    batch(world, seller_id, skus, |r, entry, sku| {
        no_multi_warehouse(r, entry)?;
        if entry.get("BizType").is_some() {
            return Err(r.failure("BizType", "5", "pre-order adjustments are not simulated"));
        }
        let delta = int_field(entry, "SellableQuantity")
            .map_err(|e| r.failure("SellableQuantity", "5", e))?
            .ok_or_else(|| r.failure("SellableQuantity", "5", "SellableQuantity is required"))?;
        if sku.sellable() + delta < 0 {
            return Err(r.failure(
                "SellableQuantity",
                "212",
                format!(
                    "INV_NEGATIVE_SELLABLE: sellable {} adjusted by {delta} would be negative",
                    sku.sellable()
                ),
            ));
        }
        sku.quantity += delta;
        check_floor(r, sku)
    })
}
