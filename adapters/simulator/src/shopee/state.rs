//! The simulated shop data: listings (items, models, seller stock, prices, status) and orders, plus the seed and
//! snapshot types tests use to set it up and read it back. Business rules that several endpoints share
//! (an order lowers stock, a cancellation restores it exactly once) live here.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch (Shopee timestamps are Unix seconds, §3.4).
pub fn now_unix() -> i64 {
    now_unix_ms() / 1000
}

pub fn now_unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Prices are JSON floats in Shopee's schema, but VN prices are whole đồng and samples print them as integers
/// (`"model_original_price":300000`), so whole values are emitted as JSON integers.
pub fn price_json(price: f64) -> serde_json::Value {
    if price.fract() == 0.0 && price.abs() < 9.0e15 {
        serde_json::Value::from(price as i64)
    } else {
        serde_json::Value::from(price)
    }
}

/// `item_status` values (§6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemStatus {
    #[default]
    Normal,
    Banned,
    Unlist,
    Reviewing,
    SellerDelete,
    ShopeeDelete,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "NORMAL",
            Self::Banned => "BANNED",
            Self::Unlist => "UNLIST",
            Self::Reviewing => "REVIEWING",
            Self::SellerDelete => "SELLER_DELETE",
            Self::ShopeeDelete => "SHOPEE_DELETE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }

    /// Deleted items stay readable but cannot be updated (§6.7).
    pub fn is_deleted(self) -> bool {
        matches!(self, Self::SellerDelete | Self::ShopeeDelete)
    }
}

/// Order statuses (§8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Unpaid,
    #[default]
    ReadyToShip,
    Processed,
    RetryShip,
    Shipped,
    ToConfirmReceive,
    InCancel,
    Cancelled,
    ToReturn,
    Completed,
    Pending,
    InvoicePending,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unpaid => "UNPAID",
            Self::ReadyToShip => "READY_TO_SHIP",
            Self::Processed => "PROCESSED",
            Self::RetryShip => "RETRY_SHIP",
            Self::Shipped => "SHIPPED",
            Self::ToConfirmReceive => "TO_CONFIRM_RECEIVE",
            Self::InCancel => "IN_CANCEL",
            Self::Cancelled => "CANCELLED",
            Self::ToReturn => "TO_RETURN",
            Self::Completed => "COMPLETED",
            Self::Pending => "PENDING",
            Self::InvoicePending => "INVOICE_PENDING",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// One variation option list (`tier_variation[]`, §6.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierVariation {
    pub name: String,
    pub options: Vec<String>,
}

/// A model (variation) of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub model_id: i64,
    pub model_sku: String,
    /// Option text(s) joined with "," (`model_name` in orders).
    pub name: String,
    pub tier_index: Vec<u32>,
    pub price: f64,
    /// Seller stock (available to sell).
    pub stock: i64,
    /// Stock held by promotions; `update_stock` may not go below it (§7.1).
    pub reserved_stock: i64,
    pub available: bool,
}

/// A listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub item_id: i64,
    pub item_name: String,
    pub item_sku: String,
    pub description: String,
    pub category_id: i64,
    pub status: ItemStatus,
    pub create_time: i64,
    pub update_time: i64,
    /// Kilograms.
    pub weight: f64,
    pub image_ids: Vec<String>,
    pub logistic_info: Vec<serde_json::Value>,
    /// Item price; meaningful only while the item has no models.
    pub price: f64,
    /// Item seller stock; meaningful only while the item has no models.
    pub stock: i64,
    pub reserved_stock: i64,
    /// A running promotion locks price and stock edits and blocks unlist/delete (§7.3).
    pub in_promotion: bool,
    pub tier_variation: Vec<TierVariation>,
    pub models: Vec<Model>,
}

impl Item {
    pub fn has_model(&self) -> bool {
        !self.models.is_empty()
    }

    pub fn model(&self, model_id: i64) -> Option<&Model> {
        self.models.iter().find(|m| m.model_id == model_id)
    }

    pub fn model_mut(&mut self, model_id: i64) -> Option<&mut Model> {
        self.models.iter_mut().find(|m| m.model_id == model_id)
    }

    pub fn total_stock(&self) -> i64 {
        if self.has_model() {
            self.models.iter().map(|m| m.stock).sum()
        } else {
            self.stock
        }
    }

    pub fn total_reserved(&self) -> i64 {
        if self.has_model() {
            self.models.iter().map(|m| m.reserved_stock).sum()
        } else {
            self.reserved_stock
        }
    }

    /// Changes the stock of one model (or of the item itself when `model_id` is 0 and it has no models).
    pub fn adjust_stock(&mut self, model_id: i64, delta: i64) -> Result<(), String> {
        let stock = if model_id == 0 && !self.has_model() {
            &mut self.stock
        } else {
            &mut self
                .model_mut(model_id)
                .ok_or_else(|| format!("model {model_id} not found"))?
                .stock
        };
        if *stock + delta < 0 {
            return Err(format!(
                "not enough stock: {} available, {} wanted",
                *stock, -delta
            ));
        }
        *stock += delta;
        Ok(())
    }
}

/// One line of an order: one item/model and its quantity (§8.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    pub item_id: i64,
    pub model_id: i64,
    pub item_name: String,
    pub item_sku: String,
    pub model_name: String,
    pub model_sku: String,
    pub quantity: i64,
    pub original_price: f64,
    pub discounted_price: f64,
    pub weight: f64,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub order_sn: String,
    pub shop_id: i64,
    pub status: OrderStatus,
    pub create_time: i64,
    pub update_time: i64,
    pub pay_time: Option<i64>,
    pub cod: bool,
    pub payment_method: String,
    pub shipping_carrier: String,
    pub estimated_shipping_fee: f64,
    pub message_to_seller: String,
    pub buyer_username: String,
    pub buyer_user_id: i64,
    pub cancel_by: String,
    pub cancel_reason: String,
    pub buyer_cancel_reason: String,
    pub lines: Vec<OrderLine>,
    /// Whether the order's quantities are currently taken out of stock (false once cancelled).
    pub holds_stock: bool,
}

impl Order {
    pub fn total_amount(&self) -> f64 {
        self.lines
            .iter()
            .map(|l| l.discounted_price * l.quantity as f64)
            .sum::<f64>()
            + self.estimated_shipping_fee
    }
}

/// A listing to create through the control API or the config.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedItem {
    /// Chosen by the simulator when absent.
    pub item_id: Option<i64>,
    pub item_name: String,
    pub item_sku: String,
    pub description: String,
    pub category_id: i64,
    pub status: ItemStatus,
    /// Item price (items without models).
    pub price: f64,
    /// Item stock (items without models).
    pub stock: i64,
    pub reserved_stock: i64,
    pub weight: f64,
    pub in_promotion: bool,
    /// Name of the single variation tier when `models` is non-empty.
    pub tier_name: String,
    pub models: Vec<SeedModel>,
}

impl Default for SeedItem {
    fn default() -> Self {
        Self {
            item_id: None,
            item_name: "Sản phẩm".to_owned(),
            item_sku: String::new(),
            description: String::new(),
            category_id: 100644,
            status: ItemStatus::Normal,
            price: 100_000.0,
            stock: 0,
            reserved_stock: 0,
            weight: 0.5,
            in_promotion: false,
            tier_name: "Phân loại".to_owned(),
            models: Vec::new(),
        }
    }
}

/// A model to create with a [`SeedItem`]; its option text is `name`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedModel {
    pub model_id: Option<i64>,
    pub model_sku: String,
    pub name: String,
    pub price: f64,
    pub stock: i64,
    pub reserved_stock: i64,
}

impl Default for SeedModel {
    fn default() -> Self {
        Self {
            model_id: None,
            model_sku: String::new(),
            name: String::new(),
            price: 100_000.0,
            stock: 0,
            reserved_stock: 0,
        }
    }
}

/// A hand edit of a listing (drift): only the given fields change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListingEdit {
    /// 0 or absent = the item itself.
    pub model_id: Option<i64>,
    pub stock: Option<i64>,
    pub price: Option<f64>,
    pub reserved_stock: Option<i64>,
    pub status: Option<ItemStatus>,
    pub item_sku: Option<String>,
    pub model_sku: Option<String>,
    pub item_name: Option<String>,
    pub in_promotion: Option<bool>,
}

/// A line of an order to create.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrderLine {
    pub item_id: i64,
    /// 0 or absent for an item without models.
    #[serde(default)]
    pub model_id: i64,
    pub quantity: i64,
    /// Discounted unit price; defaults to the listing's price.
    #[serde(default)]
    pub discounted_price: Option<f64>,
}

/// An order to create through the control API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewOrder {
    pub shop_id: i64,
    /// Chosen by the simulator when absent (14 chars, `YYMMDD` + 8, like `201218V2Y6E59M`).
    pub order_sn: Option<String>,
    pub status: OrderStatus,
    /// Defaults to now.
    pub create_time: Option<i64>,
    pub cod: bool,
    pub lines: Vec<NewOrderLine>,
    pub message_to_seller: String,
    pub estimated_shipping_fee: f64,
}

impl Default for NewOrder {
    fn default() -> Self {
        Self {
            shop_id: 0,
            order_sn: None,
            status: OrderStatus::ReadyToShip,
            create_time: None,
            cod: true,
            lines: Vec::new(),
            message_to_seller: String::new(),
            estimated_shipping_fee: 0.0,
        }
    }
}

/// One shop as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopState {
    pub shop_id: i64,
    pub region: String,
    pub currency: String,
    pub items: Vec<Item>,
}

/// The whole simulated state, as returned by `SimHandle::state()` and `GET /_sim/state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimState {
    pub shops: Vec<ShopState>,
    pub orders: Vec<Order>,
}

impl SimState {
    pub fn item(&self, shop_id: i64, item_id: i64) -> Option<&Item> {
        self.shops
            .iter()
            .find(|s| s.shop_id == shop_id)?
            .items
            .iter()
            .find(|i| i.item_id == item_id)
    }

    /// Finds a listing by seller SKU: `(item, Some(model))` for a model SKU, `(item, None)` for an item SKU.
    pub fn find_sku(&self, shop_id: i64, sku: &str) -> Option<(&Item, Option<&Model>)> {
        let shop = self.shops.iter().find(|s| s.shop_id == shop_id)?;
        for item in &shop.items {
            if let Some(m) = item.models.iter().find(|m| m.model_sku == sku) {
                return Some((item, Some(m)));
            }
            if !item.has_model() && item.item_sku == sku {
                return Some((item, None));
            }
        }
        None
    }

    /// Seller stock of a SKU (model SKU, or item SKU of an item without models).
    pub fn stock_of(&self, shop_id: i64, sku: &str) -> Option<i64> {
        self.find_sku(shop_id, sku)
            .map(|(i, m)| m.map(|m| m.stock).unwrap_or(i.stock))
    }

    /// Price of a SKU (model SKU, or item SKU of an item without models).
    pub fn price_of(&self, shop_id: i64, sku: &str) -> Option<f64> {
        self.find_sku(shop_id, sku)
            .map(|(i, m)| m.map(|m| m.price).unwrap_or(i.price))
    }

    pub fn order(&self, order_sn: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.order_sn == order_sn)
    }
}

/// A shop's listings by item id.
pub(crate) type ItemMap = BTreeMap<i64, Item>;

/// `YYMMDD` of a Unix timestamp (UTC), for order numbers.
pub(crate) fn yymmdd(unix: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{:02}{:02}{:02}", y.rem_euclid(100), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_sn_date() {
        assert_eq!(yymmdd(1_608_249_600), "201218");
        assert_eq!(yymmdd(1_712_650_000), "240409");
    }

    #[test]
    fn whole_prices_are_json_integers() {
        assert_eq!(price_json(300000.0).to_string(), "300000");
        assert_eq!(price_json(12.5).to_string(), "12.5");
    }
}
