//! The simulated seller data: products with SKUs (total, withheld, occupied and campaign-locked stock, prices,
//! status) and orders whose items are one unit each, plus the seed and snapshot types tests use to set it up and
//! read it back. The stock model is docs/src/channels/lazada.md §7.3: sellable = total − withhold − occupy; campaign locks
//! (`channelInventories`) are part of sellable and set its floor.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, FixedOffset, Offset, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch (Lazada timestamps are ms, §3.2).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Vietnam's offset; order times are printed like `2018-02-09T22:44:30+08:00` with the venture's offset (§8.1).
fn vn() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| Utc.fix())
}

/// `2026-11-29T21:44:30+07:00` for a millisecond timestamp.
pub(crate) fn vn_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&vn())
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        })
        .unwrap_or_default()
}

/// Parses an ISO 8601 time with an offset (`2018-02-10T16:00:00+08:00` or `…+0800`, §6.1/§8.1) to ms.
pub(crate) fn parse_iso(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z"))
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Product status as `/products/get` prints it (the `filter` values map onto these, §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ProductStatus {
    #[default]
    Active,
    InActive,
    Deleted,
    Pending,
    Rejected,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::InActive => "InActive",
            Self::Deleted => "Deleted",
            Self::Pending => "Pending",
            Self::Rejected => "Rejected",
        }
    }
}

/// SKU `Status` (`active` / `inactive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SkuStatus {
    #[default]
    Active,
    Inactive,
}

impl SkuStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }
}

/// One SKU (variant) of a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sku {
    pub sku_id: i64,
    pub seller_sku: String,
    pub shop_sku: String,
    pub status: SkuStatus,
    pub price: f64,
    /// 0 = no sale price.
    pub special_price: f64,
    /// Total (warehouse) stock — what `price_quantity/update` `Quantity` sets (§7.1).
    pub quantity: i64,
    /// Held by unpaid orders.
    pub withhold: i64,
    /// Held by paid orders until ready-to-ship.
    pub occupy: i64,
    /// Locked by campaigns (`channelInventories`); sellable may not go below it.
    pub channel_locked: i64,
    pub package_weight: f64,
    pub package_length: f64,
    pub package_width: f64,
    pub package_height: f64,
    pub package_content: String,
}

impl Sku {
    /// sellable = total − withhold − occupy (§7.3).
    pub fn sellable(&self) -> i64 {
        self.quantity - self.withhold - self.occupy
    }
}

/// A product (Lazada "item").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub item_id: i64,
    pub seller_id: i64,
    pub primary_category: i64,
    pub name: String,
    pub description: String,
    pub brand: String,
    pub images: Vec<String>,
    pub status: ProductStatus,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub skus: Vec<Sku>,
}

/// Order item status; there is no order-level status (§8.1). Names as the API spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OrderItemStatus {
    Unpaid,
    #[default]
    Pending,
    Topack,
    Packed,
    ReadyToShip,
    Toship,
    Shipping,
    Shipped,
    Delivered,
    Canceled,
    Returned,
    Failed,
    FailedDelivery,
    Lost,
    #[serde(rename = "lost_by_3pl")]
    LostBy3pl,
    #[serde(rename = "damaged_by_3pl")]
    DamagedBy3pl,
    ShippedBack,
    ShippedBackSuccess,
    ShippedBackFailed,
    PackageScrapped,
}

/// How an item in a given status holds stock of its SKU (§7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StockHold {
    /// Unpaid: withheld.
    Withhold,
    /// Paid, up to packed: occupied.
    Occupy,
    /// Ready to ship and later: left the warehouse, total stock lowered.
    Consumed,
    /// Canceled: holds nothing.
    Released,
}

impl OrderItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unpaid => "unpaid",
            Self::Pending => "pending",
            Self::Topack => "topack",
            Self::Packed => "packed",
            Self::ReadyToShip => "ready_to_ship",
            Self::Toship => "toship",
            Self::Shipping => "shipping",
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Canceled => "canceled",
            Self::Returned => "returned",
            Self::Failed => "failed",
            Self::FailedDelivery => "failed_delivery",
            Self::Lost => "lost",
            Self::LostBy3pl => "lost_by_3pl",
            Self::DamagedBy3pl => "damaged_by_3pl",
            Self::ShippedBack => "shipped_back",
            Self::ShippedBackSuccess => "shipped_back_success",
            Self::ShippedBackFailed => "shipped_back_failed",
            Self::PackageScrapped => "package_scrapped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }

    pub(crate) fn hold(self) -> StockHold {
        match self {
            Self::Unpaid => StockHold::Withhold,
            Self::Pending | Self::Topack | Self::Packed => StockHold::Occupy,
            Self::Canceled => StockHold::Released,
            _ => StockHold::Consumed,
        }
    }
}

/// Moves one unit of `sku` from `from` to `to`. Fails (changing nothing) if sellable would go negative.
pub(crate) fn move_hold(sku: &mut Sku, from: StockHold, to: StockHold) -> Result<(), String> {
    let mut s = sku.clone();
    match from {
        StockHold::Withhold => s.withhold -= 1,
        StockHold::Occupy => s.occupy -= 1,
        StockHold::Consumed => s.quantity += 1,
        StockHold::Released => {}
    }
    match to {
        StockHold::Withhold => s.withhold += 1,
        StockHold::Occupy => s.occupy += 1,
        StockHold::Consumed => s.quantity -= 1,
        StockHold::Released => {}
    }
    if s.sellable() < 0 {
        return Err(format!(
            "SKU {} has no sellable stock left ({} sellable)",
            sku.seller_sku,
            sku.sellable()
        ));
    }
    *sku = s;
    Ok(())
}

/// One order item = one unit (§8.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    pub order_item_id: i64,
    pub order_id: i64,
    pub seller_sku: String,
    pub shop_sku: String,
    pub sku_id: i64,
    pub product_id: i64,
    pub name: String,
    pub status: OrderItemStatus,
    pub item_price: f64,
    pub paid_price: f64,
    pub reason: String,
    pub cancel_return_initiator: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: i64,
    pub order_number: i64,
    pub seller_id: i64,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub payment_method: String,
    pub shipping_fee: f64,
    pub voucher: f64,
    pub items: Vec<OrderItem>,
}

impl Order {
    /// The distinct item statuses (`statuses[]`, §8.1), in first-seen order.
    pub fn statuses(&self) -> Vec<OrderItemStatus> {
        let mut out: Vec<OrderItemStatus> = Vec::new();
        for i in &self.items {
            if !out.contains(&i.status) {
                out.push(i.status);
            }
        }
        out
    }

    /// Sum of item prices (order `price`).
    pub fn price(&self) -> f64 {
        self.items.iter().map(|i| i.item_price).sum()
    }

    /// Units of a seller SKU in this order (= its number of items).
    pub fn units_of(&self, seller_sku: &str) -> usize {
        self.items
            .iter()
            .filter(|i| i.seller_sku == seller_sku)
            .count()
    }
}

/// A product to create through the control API or the config.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedProduct {
    /// Chosen by the simulator when absent.
    pub item_id: Option<i64>,
    pub name: String,
    pub description: String,
    pub brand: String,
    pub primary_category: i64,
    pub status: ProductStatus,
    pub skus: Vec<SeedSku>,
}

impl Default for SeedProduct {
    fn default() -> Self {
        Self {
            item_id: None,
            name: "Sản phẩm".to_owned(),
            description: String::new(),
            brand: "No Brand".to_owned(),
            primary_category: 10002019,
            status: ProductStatus::Active,
            skus: Vec::new(),
        }
    }
}

/// A SKU to create with a [`SeedProduct`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedSku {
    pub sku_id: Option<i64>,
    pub seller_sku: String,
    pub price: f64,
    pub special_price: f64,
    /// Total stock (all sellable at first).
    pub quantity: i64,
    pub channel_locked: i64,
    pub status: SkuStatus,
    pub package_weight: f64,
}

impl Default for SeedSku {
    fn default() -> Self {
        Self {
            sku_id: None,
            seller_sku: String::new(),
            price: 100_000.0,
            special_price: 0.0,
            quantity: 0,
            channel_locked: 0,
            status: SkuStatus::Active,
            package_weight: 0.5,
        }
    }
}

/// A hand edit of a product in Seller Center (drift): only the given fields change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProductEdit {
    /// Activate / deactivate (or any other status).
    pub status: Option<ProductStatus>,
    pub name: Option<String>,
}

/// A hand edit of one SKU (drift): only the given fields change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SkuEdit {
    /// Total stock; must stay ≥ withhold + occupy.
    pub quantity: Option<i64>,
    /// Sellable stock; sets total = sellable + withhold + occupy.
    pub sellable: Option<i64>,
    pub price: Option<f64>,
    pub special_price: Option<f64>,
    pub status: Option<SkuStatus>,
    pub channel_locked: Option<i64>,
}

/// One SKU of an order to create: `units` items are created for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrderLine {
    pub seller_sku: String,
    pub units: u32,
    /// Price paid per unit; defaults to the SKU's sale price if any, else its price.
    #[serde(default)]
    pub paid_price: Option<f64>,
}

/// An order to create through the control API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewOrder {
    pub seller_id: i64,
    /// Chosen by the simulator when absent.
    pub order_id: Option<i64>,
    /// Status of every item (default `pending`, i.e. paid).
    pub status: OrderItemStatus,
    pub payment_method: String,
    pub shipping_fee: f64,
    pub voucher: f64,
    /// Defaults to now (ms).
    pub created_at_ms: Option<i64>,
    pub lines: Vec<NewOrderLine>,
}

impl Default for NewOrder {
    fn default() -> Self {
        Self {
            seller_id: 0,
            order_id: None,
            status: OrderItemStatus::Pending,
            payment_method: "COD".to_owned(),
            shipping_fee: 0.0,
            voucher: 0.0,
            created_at_ms: None,
            lines: Vec::new(),
        }
    }
}

/// One seller as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SellerState {
    pub seller_id: i64,
    pub short_code: String,
    pub products: Vec<Product>,
}

/// The whole simulated state, as returned by `SimControl::state()` and `GET /_sim/state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimState {
    pub sellers: Vec<SellerState>,
    pub orders: Vec<Order>,
}

impl SimState {
    pub fn product(&self, seller_id: i64, item_id: i64) -> Option<&Product> {
        self.sellers
            .iter()
            .find(|s| s.seller_id == seller_id)?
            .products
            .iter()
            .find(|p| p.item_id == item_id)
    }

    /// Finds a SKU by seller SKU.
    pub fn sku(&self, seller_id: i64, seller_sku: &str) -> Option<(&Product, &Sku)> {
        let seller = self.sellers.iter().find(|s| s.seller_id == seller_id)?;
        seller.products.iter().find_map(|p| {
            p.skus
                .iter()
                .find(|s| s.seller_sku == seller_sku)
                .map(|s| (p, s))
        })
    }

    pub fn sellable_of(&self, seller_id: i64, seller_sku: &str) -> Option<i64> {
        self.sku(seller_id, seller_sku).map(|(_, s)| s.sellable())
    }

    /// Total stock of a SKU.
    pub fn quantity_of(&self, seller_id: i64, seller_sku: &str) -> Option<i64> {
        self.sku(seller_id, seller_sku).map(|(_, s)| s.quantity)
    }

    pub fn price_of(&self, seller_id: i64, seller_sku: &str) -> Option<f64> {
        self.sku(seller_id, seller_sku).map(|(_, s)| s.price)
    }

    pub fn order(&self, order_id: i64) -> Option<&Order> {
        self.orders.iter().find(|o| o.order_id == order_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_use_the_vietnam_offset() {
        assert_eq!(vn_time(1_517_820_392_000), "2018-02-05T15:46:32+07:00");
        assert_eq!(
            parse_iso("2018-02-05T15:46:32+07:00"),
            Some(1_517_820_392_000)
        );
        assert_eq!(
            parse_iso("2018-02-05T16:46:32+0800"),
            Some(1_517_820_392_000)
        );
        assert_eq!(parse_iso("2018-02-05 15:46:32"), None);
    }

    #[test]
    fn a_unit_moves_between_holds_without_going_negative() {
        let mut sku = Sku {
            sku_id: 1,
            seller_sku: "A".into(),
            shop_sku: String::new(),
            status: SkuStatus::Active,
            price: 1.0,
            special_price: 0.0,
            quantity: 1,
            withhold: 0,
            occupy: 0,
            channel_locked: 0,
            package_weight: 0.0,
            package_length: 0.0,
            package_width: 0.0,
            package_height: 0.0,
            package_content: String::new(),
        };
        move_hold(&mut sku, StockHold::Released, StockHold::Withhold).unwrap();
        assert_eq!((sku.sellable(), sku.withhold), (0, 1));
        assert!(move_hold(&mut sku, StockHold::Released, StockHold::Occupy).is_err());
        move_hold(&mut sku, StockHold::Withhold, StockHold::Consumed).unwrap();
        assert_eq!((sku.quantity, sku.withhold, sku.sellable()), (0, 0, 0));
        move_hold(&mut sku, StockHold::Consumed, StockHold::Released).unwrap();
        assert_eq!(sku.sellable(), 1);
    }
}
