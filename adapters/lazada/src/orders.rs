//! Orders (docs/src/channels/lazada.md §8): `/orders/get` by update (or creation) time with `offset` paging, and
//! `/orders/items/get` for up to 50 orders per call.
//!
//! Lazada has **no quantity field and no order-level status**: each unit is its own order item with its own
//! status. So lines are folded per SKU (two items of one SKU → quantity 2) and the order's status is derived
//! from its items' statuses:
//! * every item cancelled → `Cancelled`;
//! * otherwise, ignoring cancelled and returned items, the *least advanced* of the rest
//!   (`Unpaid` < `Ready` < `Shipped` < `Delivered`) — the order is as far as its slowest live unit;
//! * nothing live but some item returned → `Returned`.
//!
//! Cancelled units of an order that is not cancelled as a whole are left out of its lines: they were never
//! sold, so their stock comes back exactly as for a cancelled order.

use chrono::{DateTime, FixedOffset, Utc};
use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{OrderPage, Orders};
use kho_channel::kit::orders::details_in_batches;
use kho_channel::kit::units::whole_vnd;
use kho_channel::{
    ChannelError, ErrorKind, OrderLine, OrderQuery, OrderRef, OrderStatus, OrderTimeField, Page,
    PageToken, RemoteId, RemoteOrder,
};
use reqwest::Method;

use crate::client::LazadaChannel;
use crate::inventory::numeric_id;
use crate::wire::{OrderItem, OrderItems, OrderItemsList, OrdersResponse};

pub const ORDERS_GET: &str = "/orders/get";
pub const ORDERS_ITEMS_GET: &str = "/orders/items/get";

/// Orders per `/orders/items/get` call (E038 above it).
pub const MAX_ORDER_IDS: usize = 50;
/// Lazada's maximum `limit` for `/orders/get`.
pub const PAGE_SIZE: i64 = 100;
/// `/orders/get` refuses offsets above this; paging then moves the time filter forward instead.
pub const MAX_OFFSET: i64 = 5000;

/// An item status → the canonical status (docs/src/channels/lazada.md §8.1 lists the values). `None` for a status kho does
/// not know.
pub fn item_status(status: &str) -> Option<OrderStatus> {
    let s = status.trim().to_ascii_lowercase();
    Some(match s.as_str() {
        "unpaid" => OrderStatus::Unpaid,
        // Paid (or COD confirmed) and not yet with the carrier.
        "pending"
        | "topack"
        | "packed"
        | "ready_to_ship"
        | "toship"
        | "repacked"
        | "ready_to_ship_pending" => OrderStatus::Ready,
        // With the carrier, including failed deliveries not yet on their way back, and units the carrier
        // lost or damaged: the stock has left the warehouse either way.
        "shipped" | "shipping" | "failed" | "failed_delivery" | "lost" | "lost_by_3pl"
        | "damaged_by_3pl" => OrderStatus::Shipped,
        "delivered" | "confirmed" => OrderStatus::Delivered,
        "canceled" | "cancelled" => OrderStatus::Cancelled,
        "returned"
        | "shipped_back"
        | "shipped_back_success"
        | "shipped_back_failed"
        | "package_scrapped" => OrderStatus::Returned,
        _ => return None,
    })
}

fn rank(s: OrderStatus) -> u8 {
    match s {
        OrderStatus::Unpaid => 0,
        OrderStatus::Ready => 1,
        OrderStatus::Shipped => 2,
        OrderStatus::Delivered => 3,
        OrderStatus::Cancelled | OrderStatus::Returned => 4,
    }
}

/// The order's status from its items' statuses (see the module docs). An unknown item status counts as
/// `Ready` — stock stays reserved, nothing is given back — and is logged. `None` when there are no items.
pub fn order_status<S: AsRef<str>>(statuses: &[S]) -> Option<OrderStatus> {
    let mapped: Vec<OrderStatus> = statuses
        .iter()
        .map(|s| {
            item_status(s.as_ref()).unwrap_or_else(|| {
                tracing::warn!(status = %s.as_ref(), "unknown Lazada order item status; treating as Ready");
                OrderStatus::Ready
            })
        })
        .collect();
    if mapped.is_empty() {
        return None;
    }
    if mapped.iter().all(|s| *s == OrderStatus::Cancelled) {
        return Some(OrderStatus::Cancelled);
    }
    mapped
        .iter()
        .copied()
        .filter(|s| !matches!(s, OrderStatus::Cancelled | OrderStatus::Returned))
        .min_by_key(|s| rank(*s))
        .or(Some(OrderStatus::Returned))
}

/// Lazada timestamps: `2018-02-09T22:44:30+08:00` (documented) or `2018-02-09 22:44:30 +0800` (seen in
/// answers).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S %z"))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%z"))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z"))
        .ok()
        .map(|d: DateTime<FixedOffset>| d.with_timezone(&Utc))
}

/// The `YYYY-MM-DDTHH:mm:ss±HH:MM` form `/orders/get` asks for (error 17 otherwise).
fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// What a unit's buyer pays, after item-level discounts (`paid_price`), else the list price.
fn unit_paid(i: &OrderItem) -> f64 {
    match i.paid_price {
        Some(p) if p > 0.0 => p,
        _ => i.item_price.unwrap_or(0.0),
    }
}

/// An order's items → the contract's order.
pub fn to_remote_order(entry: &OrderItems) -> Option<RemoteOrder> {
    let statuses: Vec<&str> = entry
        .order_items
        .iter()
        .map(|i| i.status.as_str())
        .collect();
    let status = order_status(&statuses)?;
    let mut raw: Vec<String> = Vec::new();
    for s in &statuses {
        let s = s.trim().to_owned();
        if !raw.contains(&s) {
            raw.push(s);
        }
    }
    let keep_cancelled = status == OrderStatus::Cancelled;
    // (remote, seller sku, units, paid total) in order of first appearance.
    let mut folded: Vec<(RemoteId, String, i64, f64)> = Vec::new();
    for item in &entry.order_items {
        if !keep_cancelled && item_status(&item.status) == Some(OrderStatus::Cancelled) {
            continue;
        }
        let remote = RemoteId::variant(item.product_id.clone(), item.sku_id.clone());
        let sku = item.sku.trim().to_owned();
        match folded
            .iter_mut()
            .find(|(r, s, _, _)| *r == remote && *s == sku)
        {
            Some(line) => {
                line.2 += 1;
                line.3 += unit_paid(item);
            }
            None => folded.push((remote, sku, 1, unit_paid(item))),
        }
    }
    let lines = folded
        .into_iter()
        .map(|(remote, seller_sku, quantity, total)| OrderLine {
            remote,
            seller_sku,
            quantity,
            unit_price_vnd: whole_vnd(total / quantity as f64),
        })
        .collect();
    let created_at = entry
        .order_items
        .iter()
        .filter_map(|i| parse_time(&i.created_at))
        .min();
    let updated_at = entry
        .order_items
        .iter()
        .filter_map(|i| parse_time(&i.updated_at))
        .max();
    let currency = entry
        .order_items
        .iter()
        .map(|i| i.currency.trim())
        .find(|c| !c.is_empty())
        .unwrap_or("VND")
        .to_owned();
    Some(
        RemoteOrder::new(&entry.order_id, status, raw.join(","), currency, lines)
            .at(created_at, updated_at),
    )
}

/// Page token `"<filter start, epoch seconds>:<offset>"`: the start moves forward when the offset cap is
/// reached.
fn parse_token(token: Option<&PageToken>, from: DateTime<Utc>) -> Option<(DateTime<Utc>, i64)> {
    match token {
        None => Some((from, 0)),
        Some(PageToken(t)) => {
            let (start, offset) = t.split_once(':')?;
            let start = DateTime::from_timestamp(start.parse().ok()?, 0)?;
            let offset: i64 = offset.parse().ok()?;
            (offset >= 0).then_some((start, offset))
        }
    }
}

#[async_trait]
impl Orders for LazadaChannel {
    async fn orders_page(&self, query: &OrderQuery, page: Option<&PageToken>) -> OrderPage {
        let (start, offset) = parse_token(page, query.window.from).ok_or_else(|| {
            self.kit.error(
                ORDERS_GET,
                ErrorKind::invalid_request("bad_page_token", "not an order page token"),
            )
        })?;
        if start >= query.window.to {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        let (after, before, sort_by) = match query.field {
            OrderTimeField::Created => ("created_after", "created_before", "created_at"),
            OrderTimeField::Updated => ("update_after", "update_before", "updated_at"),
        };
        let list: OrdersResponse = self
            .kit
            .send(Method::GET, ORDERS_GET, |call| {
                call.param(after, format_time(start))
                    .param(before, format_time(query.window.to))
                    .param("sort_by", sort_by)
                    .param("sort_direction", "ASC")
                    .param("offset", offset)
                    .param("limit", PAGE_SIZE)
            })
            .await?;
        let got = list.orders.len() as i64;
        let next_offset = offset + got;
        let more = got > 0
            && match list.count_total {
                Some(total) => next_offset < total,
                None => got >= PAGE_SIZE,
            };
        let next = if !more {
            None
        } else if next_offset <= MAX_OFFSET {
            Some(PageToken(format!("{}:{next_offset}", start.timestamp())))
        } else {
            // Past the offset cap: restart from the latest time seen (results are sorted ascending). Orders
            // at exactly that second are listed again — harmless, order handling is idempotent.
            let latest = list
                .orders
                .iter()
                .filter_map(|o| {
                    parse_time(match query.field {
                        OrderTimeField::Created => &o.created_at,
                        OrderTimeField::Updated => &o.updated_at,
                    })
                })
                .max();
            match latest {
                Some(latest) if latest.timestamp() > start.timestamp() => {
                    Some(PageToken(format!("{}:0", latest.timestamp())))
                }
                _ => {
                    tracing::warn!(account = %self.kit.name, offset = next_offset,
                        "more than 5000 Lazada orders share one second; the rest of the window is skipped");
                    None
                }
            }
        };
        let items = list
            .orders
            .iter()
            .map(|o| OrderRef::new(&o.order_id, order_status(&o.statuses)))
            .collect();
        Ok(Page { items, next })
    }

    async fn order_details(&self, ids: &[String]) -> Result<Vec<RemoteOrder>, ChannelError> {
        // Ids Lazada could not know are left out, as the contract asks.
        let valid: Vec<String> = ids
            .iter()
            .filter_map(|id| numeric_id("order", id).ok())
            .collect();
        details_in_batches(&valid, MAX_ORDER_IDS, |chunk| async move {
            self.items_call(&chunk).await
        })
        .await
    }
}

impl LazadaChannel {
    async fn items_call(&self, ids: &[String]) -> Result<Vec<RemoteOrder>, ChannelError> {
        let bracketed = format!("[{}]", ids.join(","));
        let entries: OrderItemsList = self
            .seller_call(Method::GET, ORDERS_ITEMS_GET, ("order_ids", &bracketed))
            .await?;
        Ok(entries
            .into_vec()
            .iter()
            .filter_map(to_remote_order)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use kho_channel::test_support::assert_order_statuses;

    #[test]
    fn item_statuses() {
        let documented: [(OrderStatus, &[&str]); 6] = [
            (OrderStatus::Unpaid, &["unpaid"]),
            (
                OrderStatus::Ready,
                &["pending", "topack", "packed", "ready_to_ship", "toship"],
            ),
            (
                OrderStatus::Shipped,
                &["shipped", "shipping", "failed", "lost_by_3pl"],
            ),
            (OrderStatus::Delivered, &["delivered"]),
            (OrderStatus::Cancelled, &["canceled"]),
            (OrderStatus::Returned, &["returned", "shipped_back_success"]),
        ];
        assert_order_statuses(item_status, &documented, "something_new");
    }

    #[test]
    fn order_status_from_items() {
        assert_eq!(order_status::<&str>(&[]), None);
        assert_eq!(
            order_status(&["canceled", "canceled"]),
            Some(OrderStatus::Cancelled)
        );
        assert_eq!(
            order_status(&["canceled", "pending"]),
            Some(OrderStatus::Ready)
        );
        assert_eq!(
            order_status(&["shipped", "delivered"]),
            Some(OrderStatus::Shipped)
        );
        assert_eq!(
            order_status(&["delivered", "returned"]),
            Some(OrderStatus::Delivered)
        );
        assert_eq!(
            order_status(&["canceled", "returned"]),
            Some(OrderStatus::Returned)
        );
        assert_eq!(order_status(&["unpaid"]), Some(OrderStatus::Unpaid));
        assert_eq!(
            order_status(&["mystery", "delivered"]),
            Some(OrderStatus::Ready)
        );
    }

    #[test]
    fn times_in_both_forms() {
        let want = Utc.with_ymd_and_hms(2018, 2, 9, 14, 44, 30).unwrap();
        assert_eq!(parse_time("2018-02-09T22:44:30+08:00"), Some(want));
        assert_eq!(parse_time("2018-02-09 22:44:30 +0800"), Some(want));
        assert_eq!(parse_time(""), None);
        assert_eq!(format_time(want), "2018-02-09T14:44:30+00:00");
    }

    #[test]
    fn units_fold_into_quantities_and_cancelled_units_drop_out() {
        let entry: OrderItems = serde_json::from_value(serde_json::json!({
            "order_id": 555, "order_items": [
                {"order_item_id": 1, "sku": "MO-250", "sku_id": 11, "product_id": 2001, "status": "pending", "item_price": 150000, "paid_price": 140000, "currency": "VND", "created_at": "2026-01-02 10:00:00 +0700", "updated_at": "2026-01-02 11:00:00 +0700"},
                {"order_item_id": 2, "sku": "MO-250", "sku_id": 11, "product_id": 2001, "status": "pending", "item_price": 150000, "paid_price": 150000, "currency": "VND", "created_at": "2026-01-02 10:00:00 +0700", "updated_at": "2026-01-02 12:00:00 +0700"},
                {"order_item_id": 3, "sku": "MO-500", "sku_id": 12, "product_id": 2001, "status": "canceled", "item_price": 280000, "paid_price": 280000}
            ]
        }))
        .unwrap();
        let o = to_remote_order(&entry).unwrap();
        assert_eq!(o.order_id, "555");
        assert_eq!(o.status, OrderStatus::Ready);
        assert_eq!(o.raw_status, "pending,canceled");
        assert_eq!(o.lines.len(), 1);
        assert_eq!(o.lines[0].quantity, 2);
        assert_eq!(o.lines[0].remote, RemoteId::variant("2001", "11"));
        assert_eq!(o.lines[0].unit_price_vnd, 145000);
        assert_eq!(
            o.created_at,
            Some(Utc.with_ymd_and_hms(2026, 1, 2, 3, 0, 0).unwrap())
        );
        assert_eq!(
            o.updated_at,
            Some(Utc.with_ymd_and_hms(2026, 1, 2, 5, 0, 0).unwrap())
        );
        assert_eq!(o.currency, "VND");
    }

    #[test]
    fn page_tokens() {
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(parse_token(None, from), Some((from, 0)));
        let t = PageToken(format!("{}:200", from.timestamp()));
        assert_eq!(parse_token(Some(&t), from), Some((from, 200)));
        assert_eq!(parse_token(Some(&PageToken("x".into())), from), None);
        assert_eq!(parse_token(Some(&PageToken("1:-5".into())), from), None);
    }
}
