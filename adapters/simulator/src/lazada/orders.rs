//! Order endpoints (§8): `/orders/get` (created/updated window — one of `created_after`/`update_after` is
//! mandatory — status, sort, `offset` ≤ 5000, `limit` ≤ 100), `/order/get`, `/order/items/get` and
//! `/orders/items/get` (≤ 50 ids, bracketed `[1,2]`). There is no order-level status: orders carry `statuses[]`,
//! the distinct statuses of their items, and every item is one unit.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use serde_json::{Value, json};

use super::api::Payload;
use super::error::{ApiError, ErrorType, Rejection};
use super::params::Params;
use super::state::{Order, OrderItem, OrderItemStatus, parse_iso, vn_time};
use super::world::World;

const MAX_LIMIT: i64 = 100;
const MAX_OFFSET: i64 = 5000;
const MAX_IDS: usize = 50;

/// `status` filter values accepted by `/orders/get` (API list, error-6 text and `all`, §8.1).
const STATUSES: &[&str] = &[
    "all",
    "unpaid",
    "pending",
    "canceled",
    "ready_to_ship",
    "delivered",
    "returned",
    "shipped",
    "failed",
    "topack",
    "toship",
    "shipping",
    "lost",
    "packed",
    "lost_by_3pl",
    "damaged_by_3pl",
    "failed_delivery",
    "shipped_back",
    "shipped_back_success",
    "shipped_back_failed",
    "package_scrapped",
];

fn address() -> Value {
    json!({
        "first_name": "Nguyễn Văn",
        "last_name": "An",
        "phone": "84*****678",
        "address1": "12 Lê Lợi",
        "city": "Cần Thơ",
        "post_code": "900000",
        "country": "Vietnam",
    })
}

pub fn order_json(o: &Order) -> Value {
    let statuses: Vec<&str> = o
        .statuses()
        .into_iter()
        .map(OrderItemStatus::as_str)
        .collect();
    json!({
        "order_id": o.order_id,
        "order_number": o.order_number,
        "created_at": vn_time(o.created_ms),
        "updated_at": vn_time(o.updated_ms),
        "price": format!("{:.2}", o.price()),
        "shipping_fee": o.shipping_fee,
        "voucher": o.voucher,
        "voucher_platform": 0,
        "voucher_seller": o.voucher,
        "payment_method": o.payment_method,
        "items_count": o.items.len(),
        "statuses": statuses,
        "address_shipping": address(),
        "address_billing": address(),
        "warehouse_code": "dropshipping",
        "need_cancel_confirm": false,
        "is_cancel_pending": false,
    })
}

pub fn item_json(o: &Order, i: &OrderItem) -> Value {
    let units = o.items.len().max(1) as f64;
    json!({
        "order_item_id": i.order_item_id,
        "order_id": i.order_id,
        "sku": i.seller_sku,
        "shop_sku": i.shop_sku,
        "sku_id": i.sku_id,
        "product_id": i.product_id,
        "name": i.name,
        "variation": "",
        "status": i.status.as_str(),
        "item_price": i.item_price,
        "paid_price": i.paid_price,
        "currency": "VND",
        "voucher_amount": 0,
        "voucher_platform": 0,
        "voucher_seller": 0,
        "shipping_amount": o.shipping_fee / units,
        "shipping_type": "Dropshipping",
        "tracking_code": "",
        "package_id": "",
        "shipment_provider": "",
        "reason": i.reason,
        "cancel_return_initiator": i.cancel_return_initiator,
        "created_at": vn_time(i.created_ms),
        "updated_at": vn_time(i.updated_ms),
        "warehouse_code": "dropshipping",
        "is_fbl": 0,
        "order_type": "Normal",
        "sla_time_stamp": vn_time(i.created_ms + 2 * 86_400_000),
    })
}

fn date(params: &Params, key: &str) -> Result<Option<i64>, ApiError> {
    params
        .get(key)
        .map(|v| {
            parse_iso(v).ok_or_else(|| {
                ApiError::numbered(
                    17,
                    format!(
                        "Invalid Date Format for {key}: use YYYY-MM-DDTHH:mm:ss±HH:MM, got {v:?}"
                    ),
                )
            })
        })
        .transpose()
}

fn int(params: &Params, key: &str, code: u32, what: &str) -> Result<Option<i64>, ApiError> {
    params
        .get(key)
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| ApiError::numbered(code, format!("Invalid {what}: {v:?}")))
        })
        .transpose()
}

/// `GET /orders/get`.
pub fn orders_get(world: &mut World, seller_id: i64, params: &Params) -> Result<Payload, ApiError> {
    let created_after = date(params, "created_after")?;
    let created_before = date(params, "created_before")?;
    let update_after = date(params, "update_after")?;
    let update_before = date(params, "update_before")?;
    if created_after.is_none() && update_after.is_none() {
        return Err(ApiError::missing("created_after or update_after"));
    }
    let status = params.get("status").unwrap_or("all");
    if !STATUSES.contains(&status) {
        return Err(ApiError::numbered(
            6,
            format!(
                "Invalid status {status:?}; use one of {}",
                STATUSES.join(", ")
            ),
        ));
    }
    let by_update = match params.get("sort_by") {
        None | Some("created_at") => false,
        Some("updated_at") => true,
        Some(other) => {
            return Err(ApiError::bad_format(format!(
                "sort_by must be created_at or updated_at, got {other:?}"
            )));
        }
    };
    let ascending = match params.get("sort_direction") {
        None | Some("DESC") => false,
        Some("ASC") => true,
        Some(other) => {
            return Err(ApiError::bad_format(format!(
                "sort_direction must be ASC or DESC, got {other:?}"
            )));
        }
    };
    let offset = int(params, "offset", 14, "Offset")?.unwrap_or(0);
    if !(0..=MAX_OFFSET).contains(&offset) {
        return Err(ApiError::numbered(
            14,
            format!(
                "Invalid Offset {offset}: must be 0..={MAX_OFFSET}; move created_after forward instead"
            ),
        ));
    }
    let limit = int(params, "limit", 19, "Limit")?.unwrap_or(MAX_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::numbered(
            19,
            format!("Invalid Limit {limit}: must be 1..={MAX_LIMIT}"),
        ));
    }
    let wanted = OrderItemStatus::parse(status);
    let mut matching: Vec<&Order> = world
        .orders
        .values()
        .filter(|o| o.seller_id == seller_id)
        .filter(|o| created_after.is_none_or(|t| o.created_ms >= t))
        .filter(|o| created_before.is_none_or(|t| o.created_ms < t))
        .filter(|o| update_after.is_none_or(|t| o.updated_ms >= t))
        .filter(|o| update_before.is_none_or(|t| o.updated_ms < t))
        .filter(|o| wanted.is_none_or(|s| o.items.iter().any(|i| i.status == s)))
        .collect();
    matching.sort_by_key(|o| {
        (
            if by_update {
                o.updated_ms
            } else {
                o.created_ms
            },
            o.order_id,
        )
    });
    if !ascending {
        matching.reverse();
    }
    let page: Vec<Value> = matching
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|o| order_json(o))
        .collect();
    Ok(Payload::Data(json!({
        "count": page.len(),
        "countTotal": matching.len(),
        "orders": page,
    })))
}

fn not_found(id: i64) -> ApiError {
    ApiError::new(
        ErrorType::Isv,
        "39",
        format!("E039: Order {id} was not found"),
        400,
        Rejection::NotFound,
    )
}

fn own_order(world: &World, seller_id: i64, id: i64) -> Result<&Order, ApiError> {
    world
        .orders
        .get(&id)
        .filter(|o| o.seller_id == seller_id)
        .ok_or_else(|| not_found(id))
}

fn order_id_param(params: &Params) -> Result<i64, ApiError> {
    let raw = params.required("order_id")?;
    raw.parse()
        .map_err(|_| ApiError::numbered(37, format!("Invalid Order ID {raw:?}")))
}

/// `GET /order/get?order_id=`.
pub fn order_get(world: &mut World, seller_id: i64, params: &Params) -> Result<Payload, ApiError> {
    let id = order_id_param(params)?;
    Ok(Payload::Data(order_json(own_order(world, seller_id, id)?)))
}

/// `GET /order/items/get?order_id=`.
pub fn order_items_get(
    world: &mut World,
    seller_id: i64,
    params: &Params,
) -> Result<Payload, ApiError> {
    let id = order_id_param(params)?;
    let o = own_order(world, seller_id, id)?;
    Ok(Payload::Data(Value::Array(
        o.items.iter().map(|i| item_json(o, i)).collect(),
    )))
}

/// `GET /orders/items/get?order_ids=[1,2]` (at most 50 ids, §8.2).
pub fn orders_items_get(
    world: &mut World,
    seller_id: i64,
    params: &Params,
) -> Result<Payload, ApiError> {
    let raw = params.required("order_ids")?.trim();
    let bad = || {
        ApiError::numbered(
            56,
            format!("Invalid order_ids {raw:?}: use the bracketed form [1,2]"),
        )
    };
    let inner = raw
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(bad)?;
    let ids: Vec<i64> = inner
        .split(',')
        .map(|s| s.trim().parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    if ids.is_empty() {
        return Err(bad());
    }
    if ids.len() > MAX_IDS {
        return Err(ApiError::numbered(
            38,
            format!("Too many orders were requested: {} > {MAX_IDS}", ids.len()),
        ));
    }
    let mut out = Vec::new();
    for id in ids {
        let o = own_order(world, seller_id, id)?;
        out.push(json!({
            "order_id": o.order_id,
            "order_number": o.order_number,
            "order_items": o.items.iter().map(|i| item_json(o, i)).collect::<Vec<_>>(),
        }));
    }
    Ok(Payload::Data(Value::Array(out)))
}
