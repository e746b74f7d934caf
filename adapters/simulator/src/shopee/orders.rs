//! Order endpoints (§8): the cursor-paged order list over a ≤15-day window, and order details where
//! `item_list` and other extras appear only when asked for in `response_optional_fields`.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::api::Payload;
use super::error::{ApiError, Rejection};
use super::params::Query;
use super::state::{Order, OrderStatus, price_json};
use super::world::World;

const MAX_WINDOW_SECS: i64 = 15 * 24 * 3600;
const MAX_DETAIL: usize = 50;

/// Order statuses accepted as the `order_status` filter (§8.1).
const FILTERABLE: &[OrderStatus] = &[
    OrderStatus::Unpaid,
    OrderStatus::ReadyToShip,
    OrderStatus::Processed,
    OrderStatus::Shipped,
    OrderStatus::Completed,
    OrderStatus::InCancel,
    OrderStatus::Cancelled,
    OrderStatus::InvoicePending,
];

/// `response_optional_fields` names get_order_detail accepts (§8.3).
const DETAIL_OPTIONAL: &[&str] = &[
    "buyer_user_id",
    "buyer_username",
    "estimated_shipping_fee",
    "recipient_address",
    "actual_shipping_fee",
    "goods_to_declare",
    "note",
    "note_update_time",
    "item_list",
    "pay_time",
    "dropshipper",
    "dropshipper_phone",
    "split_up",
    "buyer_cancel_reason",
    "cancel_by",
    "cancel_reason",
    "actual_shipping_fee_confirmed",
    "buyer_cpf_id",
    "fulfillment_flag",
    "pickup_done_time",
    "package_list",
    "shipping_carrier",
    "payment_method",
    "total_amount",
    "invoice_data",
    "order_chargeable_weight_gram",
    "return_request_due_date",
    "edt",
    "payment_info",
    "international_label",
];

/// `GET /api/v2/order/get_order_list` (§8.1).
pub fn get_order_list(
    world: &mut World,
    shop_id: Option<i64>,
    q: &Query,
) -> Result<Payload, ApiError> {
    let field = q.required("time_range_field")?;
    if field != "create_time" && field != "update_time" {
        return Err(ApiError::bad_param(
            "Wrong parameters, detail: time_range_field should be create_time or update_time.",
        ));
    }
    let from = q.required_i64("time_from")?;
    let to = q.required_i64("time_to")?;
    let page_size = q.required_i64("page_size")?;
    if !(1..=100).contains(&page_size) {
        return Err(ApiError::bad_param(
            "Wrong parameters, detail: page_size should be in [1, 100].",
        ));
    }
    if from > to || to - from > MAX_WINDOW_SECS {
        return Err(ApiError::new(
            "order.order_list_invalid_time",
            "Start time must be earlier than end time and diff in 15days.",
            200,
            Rejection::BadParam,
        ));
    }
    let offset: usize = match q.get("cursor").unwrap_or("") {
        "" => 0,
        c => c
            .parse()
            .map_err(|_| ApiError::bad_param("Wrong parameters, detail: invalid cursor."))?,
    };
    let status = match q.get("order_status").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match OrderStatus::parse(s) {
            Some(OrderStatus::Pending)
                if q.optional_bool("request_order_status_pending")? == Some(true) =>
            {
                Some(OrderStatus::Pending)
            }
            Some(st) if FILTERABLE.contains(&st) => Some(st),
            _ => {
                return Err(ApiError::bad_param(format!(
                    "Wrong parameters, detail: invalid order_status {s:?}."
                )));
            }
        },
    };
    let with_status = match q.get("response_optional_fields").unwrap_or("") {
        "" => false,
        "order_status" => true,
        other => {
            return Err(ApiError::bad_param(format!(
                "Wrong parameters, detail: invalid response_optional_fields {other:?}."
            )));
        }
    };
    let shop_id = shop_id.unwrap_or_default();
    let key = |o: &Order| {
        if field == "create_time" {
            o.create_time
        } else {
            o.update_time
        }
    };
    let mut matching: Vec<&Order> = world
        .orders
        .values()
        .filter(|o| o.shop_id == shop_id)
        .filter(|o| (from..=to).contains(&key(o)))
        .filter(|o| status.is_none_or(|s| o.status == s))
        .collect();
    matching.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then_with(|| a.order_sn.cmp(&b.order_sn))
    });
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(page_size as usize)
        .map(|o| {
            if with_status {
                json!({"order_sn": o.order_sn, "order_status": o.status.as_str()})
            } else {
                json!({"order_sn": o.order_sn})
            }
        })
        .collect();
    let next = offset + page.len();
    let more = next < matching.len();
    Ok(Payload::Wrapped(json!({
        "more": more,
        "next_cursor": if more { next.to_string() } else { String::new() },
        "order_list": page,
    })))
}

/// `GET /api/v2/order/get_order_detail` (§8.3). Orders of other shops are treated as not found.
pub fn get_order_detail(
    world: &mut World,
    shop_id: Option<i64>,
    q: &Query,
) -> Result<Payload, ApiError> {
    let sns: Vec<String> = q
        .required("order_sn_list")?
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if sns.is_empty() || sns.len() > MAX_DETAIL {
        return Err(ApiError::bad_param(
            "Wrong parameters, detail: the length of order_sn_list should be in [1, 50].",
        ));
    }
    let optional: HashSet<String> = q
        .get("response_optional_fields")
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(bad) = optional
        .iter()
        .find(|f| !DETAIL_OPTIONAL.contains(&f.as_str()))
    {
        return Err(ApiError::bad_param(format!(
            "Wrong parameters, detail: invalid response_optional_fields {bad:?}."
        )));
    }
    let shop_id = shop_id.unwrap_or_default();
    let (region, currency) = world
        .shops
        .get(&shop_id)
        .map(|s| (s.cfg.region.clone(), s.cfg.currency.clone()))
        .unwrap_or_default();
    let list: Vec<Value> = sns
        .iter()
        .filter_map(|sn| world.orders.get(sn))
        .filter(|o| o.shop_id == shop_id)
        .map(|o| order_detail(o, &region, &currency, &optional))
        .collect();
    if list.is_empty() {
        return Err(ApiError::new(
            "error_not_found",
            "Wrong parameters, detail: the order is not found.",
            200,
            Rejection::NotFound,
        ));
    }
    Ok(Payload::Wrapped(json!({ "order_list": list })))
}

fn order_detail(o: &Order, region: &str, currency: &str, optional: &HashSet<String>) -> Value {
    let mut v = Map::new();
    v.insert("order_sn".into(), json!(o.order_sn));
    v.insert("region".into(), json!(region));
    v.insert("currency".into(), json!(currency));
    v.insert("cod".into(), json!(o.cod));
    v.insert("order_status".into(), json!(o.status.as_str()));
    v.insert("create_time".into(), json!(o.create_time));
    v.insert("update_time".into(), json!(o.update_time));
    v.insert("days_to_ship".into(), json!(2));
    v.insert("ship_by_date".into(), json!(o.create_time + 2 * 86_400));
    v.insert("message_to_seller".into(), json!(o.message_to_seller));
    v.insert("booking_sn".into(), json!(""));
    let wants = |f: &str| optional.contains(f);
    if wants("pay_time") {
        // Unpaid and COD orders have no pay time yet; Shopee then omits it (treat as optional).
        if let Some(t) = o.pay_time {
            v.insert("pay_time".into(), json!(t));
        }
    }
    if wants("total_amount") {
        v.insert("total_amount".into(), price_json(o.total_amount()));
    }
    if wants("payment_method") {
        v.insert("payment_method".into(), json!(o.payment_method));
    }
    if wants("shipping_carrier") {
        v.insert("shipping_carrier".into(), json!(o.shipping_carrier));
    }
    if wants("estimated_shipping_fee") {
        v.insert(
            "estimated_shipping_fee".into(),
            price_json(o.estimated_shipping_fee),
        );
    }
    if wants("buyer_username") {
        v.insert("buyer_username".into(), json!(o.buyer_username));
    }
    if wants("buyer_user_id") {
        v.insert("buyer_user_id".into(), json!(o.buyer_user_id));
    }
    for (name, value) in [
        ("cancel_by", &o.cancel_by),
        ("cancel_reason", &o.cancel_reason),
        ("buyer_cancel_reason", &o.buyer_cancel_reason),
    ] {
        if wants(name) {
            v.insert(name.into(), json!(value));
        }
    }
    if wants("item_list") {
        let items: Vec<Value> = o
            .lines
            .iter()
            .map(|l| {
                json!({
                    "item_id": l.item_id,
                    "item_name": l.item_name,
                    "item_sku": l.item_sku,
                    "model_id": l.model_id,
                    "model_name": l.model_name,
                    "model_sku": l.model_sku,
                    "model_quantity_purchased": l.quantity,
                    "model_original_price": price_json(l.original_price),
                    "model_discounted_price": price_json(l.discounted_price),
                    "order_item_id": l.item_id,
                    "promotion_type": "",
                    "promotion_id": 0,
                    "weight": l.weight,
                })
            })
            .collect();
        v.insert("item_list".into(), Value::Array(items));
    }
    Value::Object(v)
}
