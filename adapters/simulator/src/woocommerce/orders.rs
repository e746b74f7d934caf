//! Orders (`docs/src/channels/tiki-woocommerce.md` B8 and "Corrections"): `GET /orders` with `page`, `per_page`,
//! `modified_after`, `after`, `status`; `line_items[]` with `product_id`, `variation_id`, `quantity`, `sku`,
//! `price`, `total`. A new order in `processing` takes managed stock; `cancelled` puts it back, `refunded` does
//! not (a refund restocks only when the admin ticks "Restock refunded items").

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::error::WcError;
use super::state::Catalog;

/// Every status WooCommerce's order list accepts as a filter (besides `any`).
pub const STATUSES: [&str; 8] = [
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub product_id: i64,
    /// 0 for a simple product.
    pub variation_id: i64,
    pub sku: String,
    pub quantity: i64,
    /// Whole đồng per unit, from the item's `regular_price`.
    pub price: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: i64,
    pub status: String,
    pub lines: Vec<OrderLine>,
    pub date_created_gmt: DateTime<Utc>,
    pub date_modified_gmt: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct Orders {
    pub by_id: BTreeMap<i64, Order>,
    next_id: i64,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Moves managed stock of each line by `sign × quantity`.
fn move_stock(catalog: &mut Catalog, lines: &[OrderLine], sign: i64) {
    for line in lines {
        let id = if line.variation_id != 0 {
            line.variation_id
        } else {
            line.product_id
        };
        if let Some(item) = catalog.items.get_mut(&id)
            && item.manage_stock
        {
            let q = item.stock_quantity.unwrap_or(0) + sign * line.quantity;
            item.stock_quantity = Some(q);
            item.stock_status = if q > 0 { "instock" } else { "outofstock" }.into();
            item.date_modified_gmt = Utc::now();
        }
    }
}

impl Orders {
    /// A buyer's order of `(sku, quantity)` lines, in `processing` (paid).
    pub fn create(
        &mut self,
        catalog: &mut Catalog,
        lines: &[(&str, i64)],
    ) -> Result<Order, WcError> {
        let mut out = Vec::new();
        for (sku, quantity) in lines {
            let item = catalog
                .items
                .values()
                .find(|i| i.sku == *sku && i.kind != "variable")
                .ok_or_else(|| {
                    WcError::new(
                        400,
                        "woocommerce_rest_invalid_product_id",
                        format!("No product with SKU {sku}."),
                    )
                })?;
            // The store's checkout sells no more than managed stock (backorders
            // are off by default): the buyer sees this message instead.
            let available = item.stock_quantity.unwrap_or(0);
            if item.manage_stock && available < *quantity {
                return Err(WcError::new(
                    400,
                    "woocommerce_rest_product_out_of_stock",
                    format!(
                        "Sorry, we do not have enough \"{sku}\" in stock to fulfill your order ({available} available)."
                    ),
                ));
            }
            let (product_id, variation_id) = if item.kind == "variation" {
                (item.parent_id, item.id)
            } else {
                (item.id, 0)
            };
            out.push(OrderLine {
                product_id,
                variation_id,
                sku: (*sku).to_owned(),
                quantity: *quantity,
                price: item
                    .regular_price
                    .parse::<f64>()
                    .map_or(0, |p| p.round() as i64),
            });
        }
        self.next_id += 1;
        let now = Utc::now();
        let order = Order {
            id: 1000 + self.next_id,
            status: "processing".into(),
            lines: out,
            date_created_gmt: now,
            date_modified_gmt: now,
        };
        move_stock(catalog, &order.lines, -1);
        self.by_id.insert(order.id, order.clone());
        Ok(order)
    }

    /// Changes an order's status as the shop admin would, with WooCommerce's stock side effects.
    pub fn set_status(
        &mut self,
        catalog: &mut Catalog,
        id: i64,
        status: &str,
    ) -> Result<Order, WcError> {
        if !STATUSES.contains(&status) {
            return Err(WcError::invalid_param(
                "status",
                "status is not a valid order status.",
            ));
        }
        let order = self.by_id.get_mut(&id).ok_or_else(|| {
            WcError::new(400, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        })?;
        let held = ["processing", "on-hold", "completed"].contains(&order.status.as_str());
        if held && status == "cancelled" {
            move_stock(catalog, &order.lines, 1);
        }
        order.status = status.to_owned();
        order.date_modified_gmt = Utc::now();
        Ok(order.clone())
    }
}

/// The REST representation of an order.
pub fn json(order: &Order) -> Value {
    let lines: Vec<Value> = order
        .lines
        .iter()
        .enumerate()
        .map(|(n, l)| {
            json!({
                "id": n + 1, "product_id": l.product_id, "variation_id": l.variation_id,
                "sku": l.sku, "quantity": l.quantity, "price": l.price,
                "subtotal": format!("{}.00", l.price * l.quantity),
                "total": format!("{}.00", l.price * l.quantity),
            })
        })
        .collect();
    let total: i64 = order.lines.iter().map(|l| l.price * l.quantity).sum();
    json!({
        "id": order.id, "status": order.status, "currency": "VND",
        "date_created": stamp(order.date_created_gmt), "date_created_gmt": stamp(order.date_created_gmt),
        "date_modified": stamp(order.date_modified_gmt), "date_modified_gmt": stamp(order.date_modified_gmt),
        "total": format!("{total}.00"), "line_items": lines,
    })
}
