//! The simulated Tiki: sellers with their tokens, products (one per variant, `original_sku` the seller's
//! SKU), reviewed product requests, orders and the app's event queues. Written from
//! `docs/src/channels/tiki-woocommerce.md` (Part A); where Tiki publishes nothing (shapes of lists and
//! errors, limits, lifetimes) the simulator's choice is named there as such.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::tokens::{Issued, TokenStore};

/// Statuses of orders Tiki has not accepted yet: a client must leave them out (`status=nin|…`).
pub const UNACCEPTED: [&str; 2] = ["processing", "waiting_payment"];

/// Every order status Tiki names (order-status-v2).
pub const STATUSES: [&str; 18] = [
    "queueing",
    "processing",
    "waiting_payment",
    "paid",
    "payment_review",
    "holded",
    "packaging",
    "finished_packing",
    "picking",
    "ready_to_ship",
    "handover_to_partner",
    "shipping",
    "successful_delivery",
    "delivered",
    "complete",
    "closed",
    "canceled",
    "returned",
];

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub product_id: i64,
    /// Tiki's own SKU.
    pub sku: String,
    pub original_sku: String,
    pub name: String,
    pub price: i64,
    /// 1 active, 0 inactive.
    pub active: i64,
    /// Warehouse id → `qty_available`.
    pub warehouse_quantities: BTreeMap<i64, i64>,
}

impl Product {
    pub fn wire(&self) -> Value {
        let quantities: Vec<Value> = self
            .warehouse_quantities
            .iter()
            .map(|(w, q)| json!({"warehouse_id": w, "qty_available": q}))
            .collect();
        json!({
            "product_id": self.product_id, "sku": self.sku, "original_sku": self.original_sku,
            "name": self.name, "price": self.price, "active": self.active,
            "warehouse_quantities": quantities,
        })
    }
}

/// What a product request's review will decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Review {
    /// Approved at its first tracking.
    Approve,
    /// Rejected at its first tracking, with this reason.
    Reject { reason: String },
    /// Left `awaiting_approve` until the control API decides.
    Manual,
}

#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub track_id: String,
    pub request_id: i64,
    pub seller_id: i64,
    pub state: String,
    pub reason: Option<String>,
    pub body: Value,
    /// Products an approval created.
    pub product_ids: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderItem {
    pub product_id: i64,
    pub original_sku: String,
    pub qty: i64,
    pub price: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub code: String,
    pub seller_id: i64,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub items: Vec<OrderItem>,
}

impl Order {
    pub fn wire(&self) -> Value {
        let time = |s: i64| {
            chrono::DateTime::from_timestamp(s, 0)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default()
        };
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|i| {
                json!({
                    "product": {"id": i.product_id, "seller_product_code": i.original_sku},
                    "invoice": {"price": i.price, "quantity": i.qty, "subtotal": i.price * i.qty},
                })
            })
            .collect();
        json!({
            "code": self.code, "status": self.status,
            "created_at": time(self.created_at), "updated_at": time(self.updated_at),
            "items": items,
        })
    }

    pub fn accepted(&self) -> bool {
        !UNACCEPTED.contains(&self.status.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Position in the queue; the `ack_id` a pull hands back is the last event's.
    pub seq: u64,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub sid: i64,
    pub created_at: i64,
    pub payload: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub code: String,
    pub name: String,
    pub status: String,
    /// Unacknowledged events, oldest first.
    pub events: Vec<Event>,
}

#[derive(Debug)]
pub struct Seller {
    pub seller_id: i64,
    pub name: String,
    pub warehouses: Vec<i64>,
    pub(crate) tokens: TokenStore,
    pub rate_limit: u32,
    /// Event type → queue code.
    pub subscriptions: BTreeMap<String, String>,
}

/// The whole simulated marketplace.
#[derive(Debug, Default)]
pub struct World {
    pub sellers: Vec<Seller>,
    /// Product id → (seller id, product).
    pub products: BTreeMap<i64, (i64, Product)>,
    pub requests: BTreeMap<String, Request>,
    pub orders: BTreeMap<String, Order>,
    pub queues: BTreeMap<String, Queue>,
    /// App access tokens (client credentials).
    pub(crate) app_tokens: Vec<Issued>,
    /// Authorisation code → seller id.
    pub codes: BTreeMap<String, i64>,
    pub next_id: i64,
    pub next_event: u64,
}

impl World {
    pub fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn seller(&mut self, seller_id: i64) -> Option<&mut Seller> {
        self.sellers.iter_mut().find(|s| s.seller_id == seller_id)
    }

    pub fn seller_products(&self, seller_id: i64) -> impl Iterator<Item = &Product> {
        self.products
            .values()
            .filter(move |(s, _)| *s == seller_id)
            .map(|(_, p)| p)
    }

    pub fn find_sku(&mut self, seller_id: i64, original_sku: &str) -> Option<&mut Product> {
        self.products
            .values_mut()
            .find(|(s, p)| *s == seller_id && p.original_sku == original_sku)
            .map(|(_, p)| p)
    }

    pub fn add_product(
        &mut self,
        seller_id: i64,
        original_sku: &str,
        name: &str,
        price: i64,
        qty: i64,
        active: bool,
    ) -> Product {
        let product_id = 100_000 + self.id();
        let warehouse = self
            .seller(seller_id)
            .and_then(|s| s.warehouses.first().copied())
            .unwrap_or(0);
        let product = Product {
            product_id,
            sku: format!("{}", 4_000_000_000i64 + product_id),
            original_sku: original_sku.to_owned(),
            name: name.to_owned(),
            price,
            active: i64::from(active),
            warehouse_quantities: BTreeMap::from([(warehouse, qty)]),
        };
        self.products
            .insert(product_id, (seller_id, product.clone()));
        product
    }

    /// Routes one event of `seller_id` to the queue subscribed to its type, if any.
    pub fn emit(&mut self, seller_id: i64, kind: &str, payload: Value, now: i64) {
        let Some(code) = self
            .seller(seller_id)
            .and_then(|s| s.subscriptions.get(kind).cloned())
        else {
            return;
        };
        self.next_event += 1;
        let seq = self.next_event;
        if let Some(queue) = self.queues.get_mut(&code) {
            queue.events.push(Event {
                seq,
                id: format!("evt-{seq}"),
                kind: kind.to_owned(),
                sid: seller_id,
                created_at: now,
                payload,
            });
        }
    }

    /// Sets an order's status and emits its events: `ORDER_CREATED_SUCCESSFULLY` when it reaches
    /// acceptance, `ORDER_STATUS_UPDATED` on every change after. Cancelled and returned orders give
    /// their stock back.
    pub fn set_order_status(&mut self, code: &str, status: &str, now: i64) -> Option<Order> {
        let order = self.orders.get_mut(code)?;
        let was_accepted = order.accepted();
        let before = std::mem::replace(&mut order.status, status.to_owned());
        order.updated_at = now;
        let order = order.clone();
        let gives_back = |s: &str| matches!(s, "canceled" | "closed" | "returned");
        if gives_back(status) && !gives_back(&before) {
            for item in &order.items {
                if let Some((_, p)) = self.products.get_mut(&item.product_id)
                    && let Some(q) = p.warehouse_quantities.values_mut().next()
                {
                    *q += item.qty;
                }
            }
        }
        if order.accepted() && !was_accepted {
            let payload = json!({"order_code": order.code, "status": order.status});
            self.emit(order.seller_id, "ORDER_CREATED_SUCCESSFULLY", payload, now);
        } else if order.accepted() {
            let payload = json!({"order_code": order.code, "status": order.status});
            self.emit(order.seller_id, "ORDER_STATUS_UPDATED", payload, now);
        }
        Some(order)
    }
}
