//! Orders (`docs/src/channels/tiki-woocommerce.md` B8, B9): polled with `GET /orders?modified_after=` (UTC, since
//! `dates_are_gmt=true`), and pushed by webhooks whose payload is the same REST resource. Lines carry
//! `product_id`, `variation_id` (0 for a simple product), `sku`, `quantity` and a numeric `price`; a line of the
//! same SKU twice is folded into one.

use chrono::{DateTime, NaiveDateTime, Utc};
use kho_channel::kit::serde_ids;
use kho_channel::transport::AccountClient;
use kho_channel::{ChannelError, OrderLine, OrderStatus, RemoteId, RemoteOrder};
use reqwest::Method;
use serde::Deserialize;

use crate::classify::Shape;
use crate::listings::{PER_PAGE, Page};
use crate::sign::{Call, Credentials};

/// An order as the REST API (and a webhook) gives it; only what kho reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WooOrder {
    pub id: i64,
    pub status: String,
    pub currency: String,
    pub date_created_gmt: Option<String>,
    pub date_modified_gmt: Option<String>,
    pub line_items: Vec<WooLine>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WooLine {
    pub product_id: i64,
    pub variation_id: i64,
    pub sku: String,
    pub quantity: i64,
    /// A number in the REST answer (unit price after discounts); text in some webhook payloads.
    #[serde(deserialize_with = "serde_ids::opt_f64")]
    pub price: Option<f64>,
}

/// WooCommerce's statuses in kho's life cycle; `None` for one kho does not know (a plugin's own status).
pub fn canonical_status(raw: &str) -> Option<OrderStatus> {
    Some(match raw {
        "pending" | "on-hold" | "checkout-draft" => OrderStatus::Unpaid,
        "processing" => OrderStatus::Ready,
        "completed" => OrderStatus::Delivered,
        "cancelled" | "failed" | "trash" => OrderStatus::Cancelled,
        "refunded" => OrderStatus::Returned,
        _ => return None,
    })
}

/// A GMT stamp as WooCommerce writes it (`2026-12-06T10:00:00`, no zone).
fn gmt(stamp: Option<&str>) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(stamp?, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

/// kho's order, or `None` for a status kho does not know.
pub fn to_remote_order(order: &WooOrder) -> Option<RemoteOrder> {
    let status = canonical_status(&order.status)?;
    let mut lines: Vec<OrderLine> = Vec::new();
    for l in &order.line_items {
        let remote = if l.variation_id != 0 {
            RemoteId::variant(l.product_id.to_string(), l.variation_id.to_string())
        } else {
            RemoteId::item(l.product_id.to_string())
        };
        let unit = l.price.map_or(0, kho_channel::kit::units::whole_vnd);
        match lines.iter_mut().find(|x| x.remote == remote) {
            Some(x) => x.quantity = x.quantity.saturating_add(l.quantity),
            None => lines.push(OrderLine {
                remote,
                seller_sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price_vnd: unit,
            }),
        }
    }
    let currency = if order.currency.is_empty() {
        "VND"
    } else {
        &order.currency
    };
    Some(
        RemoteOrder::new(order.id.to_string(), status, &order.status, currency, lines).at(
            gmt(order.date_created_gmt.as_deref()),
            gmt(order.date_modified_gmt.as_deref()),
        ),
    )
}

/// One page of orders modified after `since`; `page` is 1-based. Returns the orders and the page count.
pub async fn modified_after(
    http: &AccountClient,
    creds: &Credentials,
    since: DateTime<Utc>,
    page: u64,
) -> Result<(Vec<WooOrder>, u64), ChannelError> {
    let call: Call<'_, Page<WooOrder>> =
        Call::without_token(creds, Method::GET, "/orders", Shape::Page)
            .param(
                "modified_after",
                since.naive_utc().format("%Y-%m-%dT%H:%M:%S"),
            )
            .param("dates_are_gmt", "true")
            .param("per_page", PER_PAGE)
            .param("page", page);
    let answer = http.execute(&call).await?;
    Ok((answer.items, answer.total_pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_has_its_place() {
        let documented = [
            ("pending", OrderStatus::Unpaid),
            ("on-hold", OrderStatus::Unpaid),
            ("processing", OrderStatus::Ready),
            ("completed", OrderStatus::Delivered),
            ("cancelled", OrderStatus::Cancelled),
            ("failed", OrderStatus::Cancelled),
            ("trash", OrderStatus::Cancelled),
            ("refunded", OrderStatus::Returned),
        ];
        for (raw, status) in documented {
            assert_eq!(canonical_status(raw), Some(status), "{raw}");
        }
        assert_eq!(canonical_status("wc-custom"), None);
    }

    #[test]
    fn a_webhook_payload_becomes_one_line_per_sku() {
        let order: WooOrder = serde_json::from_value(serde_json::json!({
            "id": 727, "status": "processing", "currency": "VND",
            "date_created_gmt": "2026-12-06T10:00:00", "date_modified_gmt": "2026-12-06T10:05:00",
            "line_items": [
                {"product_id": 93, "variation_id": 0, "sku": "RICE", "quantity": 1, "price": 120000},
                {"product_id": 22, "variation_id": 23, "sku": "COFFEE-500", "quantity": 2, "price": "160000.00"},
                {"product_id": 22, "variation_id": 23, "sku": "COFFEE-500", "quantity": 1, "price": 160000}
            ]
        }))
        .expect("payload");
        let remote = to_remote_order(&order).expect("known status");
        assert_eq!(remote.order_id, "727");
        assert_eq!(remote.lines.len(), 2);
        assert_eq!(remote.lines[1].remote, RemoteId::variant("22", "23"));
        assert_eq!(
            (remote.lines[1].quantity, remote.lines[1].unit_price_vnd),
            (3, 160000)
        );
        assert_eq!(
            remote.updated_at.map(|t| t.to_rfc3339()),
            Some("2026-12-06T10:05:00+00:00".to_owned())
        );
    }
}
