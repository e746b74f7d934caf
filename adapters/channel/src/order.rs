//! Orders pulled back from a marketplace.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::listing::RemoteId;

/// The canonical order life cycle the core reasons about (reservations, stock give-back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed but not paid (or payment pending); stock is reserved, not sold.
    Unpaid,
    /// Paid (or COD confirmed) and waiting to be shipped, including a pending cancellation request.
    Ready,
    /// Handed to the carrier.
    Shipped,
    /// Received by the buyer / completed.
    Delivered,
    /// Cancelled before delivery; the stock comes back.
    Cancelled,
    /// Returned (or being returned) after delivery.
    Returned,
}

/// A reference returned by order listing; fetch details with `Channel::get_orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRef {
    pub order_id: String,
    /// Present when the listing call returns it cheaply.
    pub status: Option<OrderStatus>,
}

impl OrderRef {
    /// A listed order: every adapter maps its listing's id and status word through this.
    pub fn new(order_id: impl Into<String>, status: Option<OrderStatus>) -> Self {
        Self {
            order_id: order_id.into(),
            status,
        }
    }
}

/// One order line: one SKU and how many units. Marketplaces that return one line per unit (TikTok, Lazada)
/// are folded by their adapter so each SKU appears once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub remote: RemoteId,
    pub seller_sku: String,
    pub quantity: i64,
    /// What the buyer pays per unit, in whole đồng, after item-level discounts.
    pub unit_price_vnd: i64,
}

/// An order with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteOrder {
    pub order_id: String,
    pub status: OrderStatus,
    /// The marketplace's own status string, for operators and audits.
    pub raw_status: String,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub currency: String,
    pub lines: Vec<OrderLine>,
}
