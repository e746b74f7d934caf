//! Order endpoints (§8): search by create/update-time window with `page_token`, detail by ≤50 ids, and the
//! cancellation and return searches. Orders carry **one line item per unit** and no quantity field (§8.5):
//! three units of a SKU are three identical line items with distinct ids.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api::Outcome;
use super::error::ApiError;
use super::params::{Query, page, parse_body};
use super::state::{Cancellation, LineItem, Order, OrderStatus, Return, format_money, parse_money};
use super::world::World;

const MAX_PAGE_SIZE: usize = 100;
const MAX_DETAIL_IDS: usize = 50;

fn package_status(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Unpaid | OrderStatus::OnHold => "",
        OrderStatus::AwaitingShipment | OrderStatus::PartiallyShipping => "TO_FULFILL",
        OrderStatus::AwaitingCollection => "PROCESSING",
        OrderStatus::InTransit => "FULFILLING",
        OrderStatus::Delivered | OrderStatus::Completed => "COMPLETED",
        OrderStatus::Cancelled => "CANCELLED",
    }
}

fn line_item_json(o: &Order, l: &LineItem) -> Value {
    let discount =
        parse_money(&l.original_price).unwrap_or(0) - parse_money(&l.sale_price).unwrap_or(0);
    let cancelled = o.status == OrderStatus::Cancelled;
    json!({
        "id": l.id,
        "sku_id": l.sku_id,
        "seller_sku": l.seller_sku,
        "product_id": l.product_id,
        "product_name": l.product_name,
        "sku_name": l.sku_name,
        "sku_image": "",
        "sale_price": l.sale_price,
        "original_price": l.original_price,
        "seller_discount": format_money(discount.max(0)),
        "platform_discount": "0",
        "currency": l.currency,
        "display_status": o.status.display_status(),
        "package_id": "",
        "package_status": package_status(o.status),
        "sku_type": "NORMAL",
        "is_gift": false,
        "cancel_user": if cancelled { o.cancellation_initiator.as_str() } else { "" },
        "cancel_reason": if cancelled { o.cancel_reason.as_str() } else { "" },
        "tracking_number": "",
    })
}

/// The order object of search and detail answers (§8.4). Money fields are decimal strings.
pub(crate) fn order_json(o: &Order) -> Value {
    let sub_total = o.sub_total_cents();
    let original = o.original_total_cents();
    let shipping = parse_money(&o.shipping_fee).unwrap_or(0);
    let mut v = Map::new();
    v.insert("id".into(), json!(o.id));
    v.insert("status".into(), json!(o.status.as_str()));
    v.insert("create_time".into(), json!(o.create_time));
    v.insert("update_time".into(), json!(o.update_time));
    // Unpaid and COD orders have no paid time yet; the field is then left out.
    if let Some(t) = o.paid_time {
        v.insert("paid_time".into(), json!(t));
    }
    v.insert("is_cod".into(), json!(o.is_cod));
    v.insert(
        "payment_method_name".into(),
        json!(if o.is_cod {
            "Cash on delivery"
        } else {
            "TikTok Shop Balance"
        }),
    );
    v.insert("shipping_type".into(), json!("TIKTOK"));
    v.insert("shipping_provider".into(), json!("J&T Express"));
    v.insert(
        "warehouse_id".into(),
        json!(
            o.line_items
                .first()
                .map(|l| l.warehouse_id.as_str())
                .unwrap_or("")
        ),
    );
    v.insert("user_id".into(), json!("7494726673780148001"));
    v.insert("buyer_message".into(), json!(o.buyer_message));
    v.insert("cancel_reason".into(), json!(o.cancel_reason));
    v.insert(
        "cancellation_initiator".into(),
        json!(o.cancellation_initiator),
    );
    v.insert(
        "payment".into(),
        json!({
            "currency": o.currency,
            "sub_total": format_money(sub_total),
            "shipping_fee": format_money(shipping),
            "seller_discount": format_money((original - sub_total).max(0)),
            "platform_discount": "0",
            "total_amount": format_money(sub_total + shipping),
            "original_total_product_price": format_money(original),
            "original_shipping_fee": format_money(shipping),
            "shipping_fee_seller_discount": "0",
            "shipping_fee_platform_discount": "0",
            "tax": "0",
        }),
    );
    // Platform logistics: the address is masked (§8.4).
    v.insert(
        "recipient_address".into(),
        json!({
            "name": "N***n",
            "phone_number": "(+84)90*****12",
            "full_address": "Phường 1, Đà Lạt, Lâm Đồng",
            "region_code": "VN",
            "postal_code": "",
        }),
    );
    v.insert(
        "line_items".into(),
        Value::Array(o.line_items.iter().map(|l| line_item_json(o, l)).collect()),
    );
    Value::Object(v)
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct OrderSearchBody {
    order_status: Option<String>,
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_lt: Option<i64>,
    shipping_type: Option<String>,
    buyer_user_id: Option<String>,
    is_buyer_request_cancel: Option<bool>,
}

/// `POST /order/202309/orders/search?page_size&page_token&sort_field&sort_order` (§8.1). Windows are
/// `[ge, lt)`; ties in the sort field are broken by order id so paging is stable.
pub fn search(
    world: &mut World,
    shop_id: &str,
    q: &Query,
    body: &[u8],
) -> Result<Outcome, ApiError> {
    let size = q.page_size(MAX_PAGE_SIZE)?;
    let offset = q.page_offset()?;
    let by_update = match q.get("sort_field").unwrap_or("create_time") {
        "create_time" => false,
        "update_time" => true,
        other => {
            return Err(ApiError::invalid(format!(
                "The `sort_field` query parameter {other:?} is invalid."
            )));
        }
    };
    let descending = match q.get("sort_order").unwrap_or("DESC") {
        "DESC" => true,
        "ASC" => false,
        other => {
            return Err(ApiError::invalid(format!(
                "The `sort_order` query parameter {other:?} is invalid."
            )));
        }
    };
    let f: OrderSearchBody = parse_body(body)?;
    let status = match f.order_status.as_deref() {
        None => None,
        Some(s) => Some(OrderStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(format!("The `order_status` filter {s:?} is invalid."))
        })?),
    };
    let key = |o: &Order| {
        if by_update {
            o.update_time
        } else {
            o.create_time
        }
    };
    let mut matching: Vec<&Order> = world
        .orders
        .values()
        .filter(|o| o.shop_id == shop_id)
        .filter(|o| status.is_none_or(|s| o.status == s))
        .filter(|o| f.create_time_ge.is_none_or(|t| o.create_time >= t))
        .filter(|o| f.create_time_lt.is_none_or(|t| o.create_time < t))
        .filter(|o| f.update_time_ge.is_none_or(|t| o.update_time >= t))
        .filter(|o| f.update_time_lt.is_none_or(|t| o.update_time < t))
        .collect();
    matching.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id)));
    if descending {
        matching.reverse();
    }
    let (items, next, total) = page(&matching, offset, size);
    Ok(Outcome::new(json!({
        "orders": items.iter().map(|o| order_json(o)).collect::<Vec<_>>(),
        "next_page_token": next,
        "total_count": total,
    })))
}

/// `GET /order/202309/orders?ids=a,b` (§8.2): ≤50 ids; ids of other shops or unknown ids are left out.
pub fn detail(world: &mut World, shop_id: &str, q: &Query) -> Result<Outcome, ApiError> {
    let ids: Vec<&str> = q
        .required("ids")?
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() || ids.len() > MAX_DETAIL_IDS {
        return Err(ApiError::invalid(
            "The `ids` query parameter must list between 1 and 50 order ids.",
        ));
    }
    let orders: Vec<Value> = ids
        .iter()
        .filter_map(|id| world.orders.get(*id))
        .filter(|o| o.shop_id == shop_id)
        .map(order_json)
        .collect();
    Ok(Outcome::new(json!({ "orders": orders })))
}

fn reverse_line_items(world: &World, order_id: &str, only: Option<&[String]>) -> Vec<Value> {
    world
        .orders
        .get(order_id)
        .map(|o| {
            o.line_items
                .iter()
                .filter(|l| only.is_none_or(|ids| ids.contains(&l.id)))
                .map(|l| {
                    json!({
                        "order_line_item_id": l.id,
                        "sku_id": l.sku_id,
                        "seller_sku": l.seller_sku,
                        "product_id": l.product_id,
                        "product_name": l.product_name,
                        "sku_name": l.sku_name,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReverseSearchBody {
    order_ids: Vec<String>,
    cancel_ids: Vec<String>,
    cancel_status: Vec<String>,
    cancel_types: Vec<String>,
    return_ids: Vec<String>,
    return_status: Vec<String>,
    return_types: Vec<String>,
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_lt: Option<i64>,
}

impl ReverseSearchBody {
    fn times(&self, create: i64, update: i64) -> bool {
        self.create_time_ge.is_none_or(|t| create >= t)
            && self.create_time_lt.is_none_or(|t| create < t)
            && self.update_time_ge.is_none_or(|t| update >= t)
            && self.update_time_lt.is_none_or(|t| update < t)
    }
}

fn any_or(filter: &[String], value: &str) -> bool {
    filter.is_empty() || filter.iter().any(|f| f == value)
}

fn cancellation_json(world: &World, c: &Cancellation) -> Value {
    json!({
        "cancel_id": c.cancel_id,
        "order_id": c.order_id,
        "cancel_status": c.status.as_str(),
        "cancel_type": c.cancel_type,
        "role": c.role,
        "cancel_reason": c.reason,
        "create_time": c.create_time,
        "update_time": c.update_time,
        "should_replenish_stock": c.should_replenish_stock,
        "cancel_line_items": reverse_line_items(world, &c.order_id, None),
    })
}

/// `POST /return_refund/202309/cancellations/search` (§8.6). Response shape beyond the statuses is the
/// simulator's reading of the SKIT sample names (unconfirmed).
pub fn search_cancellations(
    world: &mut World,
    shop_id: &str,
    q: &Query,
    body: &[u8],
) -> Result<Outcome, ApiError> {
    let size = q.page_size(MAX_PAGE_SIZE)?;
    let offset = q.page_offset()?;
    let f: ReverseSearchBody = parse_body(body)?;
    let matching: Vec<&Cancellation> = world
        .cancellations
        .values()
        .filter(|c| c.shop_id == shop_id)
        .filter(|c| any_or(&f.order_ids, &c.order_id) && any_or(&f.cancel_ids, &c.cancel_id))
        .filter(|c| any_or(&f.cancel_status, c.status.as_str()))
        .filter(|c| any_or(&f.cancel_types, &c.cancel_type))
        .filter(|c| f.times(c.create_time, c.update_time))
        .collect();
    let (items, next, total) = page(&matching, offset, size);
    Ok(Outcome::new(json!({
        "cancellations": items.iter().map(|c| cancellation_json(world, c)).collect::<Vec<_>>(),
        "next_page_token": next,
        "total_count": total,
    })))
}

fn return_json(world: &World, r: &Return) -> Value {
    json!({
        "return_id": r.return_id,
        "order_id": r.order_id,
        "return_status": r.status.as_str(),
        "return_type": r.return_type.as_str(),
        "role": r.role,
        "return_reason": r.reason,
        "create_time": r.create_time,
        "update_time": r.update_time,
        "return_line_items": reverse_line_items(world, &r.order_id, Some(&r.line_item_ids)),
    })
}

/// `POST /return_refund/202309/returns/search` (§8.7). Return line items reference `order_line_item_id`.
pub fn search_returns(
    world: &mut World,
    shop_id: &str,
    q: &Query,
    body: &[u8],
) -> Result<Outcome, ApiError> {
    let size = q.page_size(MAX_PAGE_SIZE)?;
    let offset = q.page_offset()?;
    let f: ReverseSearchBody = parse_body(body)?;
    let matching: Vec<&Return> = world
        .returns
        .values()
        .filter(|r| r.shop_id == shop_id)
        .filter(|r| any_or(&f.order_ids, &r.order_id) && any_or(&f.return_ids, &r.return_id))
        .filter(|r| any_or(&f.return_status, r.status.as_str()))
        .filter(|r| any_or(&f.return_types, r.return_type.as_str()))
        .filter(|r| f.times(r.create_time, r.update_time))
        .collect();
    let (items, next, total) = page(&matching, offset, size);
    Ok(Outcome::new(json!({
        "return_orders": items.iter().map(|r| return_json(world, r)).collect::<Vec<_>>(),
        "next_page_token": next,
        "total_count": total,
    })))
}
