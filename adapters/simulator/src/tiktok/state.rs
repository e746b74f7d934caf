//! The simulated shop data: products with SKUs, per-warehouse inventory and prices, orders (one line item per unit,
//! §8.5), cancellations and returns, plus the seed and snapshot types tests use to set it up and read it back.
//! IDs are strings and money is a decimal string, exactly as on the wire (§4).
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::config::WarehouseConfig;

/// Seconds since the Unix epoch (TikTok timestamps are 10-digit Unix seconds, §3.3).
pub fn now_unix() -> i64 {
    now_unix_ms() / 1000
}

pub fn now_unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Parses a decimal money string (`"72000"`, `"1.32"`) into hundredths. At most two fraction digits, no sign,
/// no exponent, no spaces: anything else is "incorrect price format" (12052012).
pub fn parse_money(s: &str) -> Option<i128> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    if whole.is_empty() || whole.len() > 15 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut cents = whole.parse::<i128>().ok()? * 100;
    if let Some(f) = frac {
        if f.is_empty() || f.len() > 2 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let f: i128 = f.parse().ok()?;
        cents += if f_len_one(s) { f * 10 } else { f };
    }
    Some(cents)
}

fn f_len_one(s: &str) -> bool {
    s.split_once('.').is_some_and(|(_, f)| f.len() == 1)
}

/// Formats hundredths as TikTok does: whole amounts without a fraction (`"72000"`, §10), others with two digits.
pub fn format_money(cents: i128) -> String {
    if cents % 100 == 0 {
        (cents / 100).to_string()
    } else {
        format!("{}.{:02}", cents / 100, (cents % 100).abs())
    }
}

/// Product `status` (§6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductStatus {
    Draft,
    Pending,
    Failed,
    #[default]
    Activate,
    SellerDeactivated,
    PlatformDeactivated,
    Freeze,
    Deleted,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Pending => "PENDING",
            Self::Failed => "FAILED",
            Self::Activate => "ACTIVATE",
            Self::SellerDeactivated => "SELLER_DEACTIVATED",
            Self::PlatformDeactivated => "PLATFORM_DEACTIVATED",
            Self::Freeze => "FREEZE",
            Self::Deleted => "DELETED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// Order statuses (§8.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Unpaid,
    OnHold,
    PartiallyShipping,
    #[default]
    AwaitingShipment,
    AwaitingCollection,
    InTransit,
    Delivered,
    Completed,
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unpaid => "UNPAID",
            Self::OnHold => "ON_HOLD",
            Self::PartiallyShipping => "PARTIALLY_SHIPPING",
            Self::AwaitingShipment => "AWAITING_SHIPMENT",
            Self::AwaitingCollection => "AWAITING_COLLECTION",
            Self::InTransit => "IN_TRANSIT",
            Self::Delivered => "DELIVERED",
            Self::Completed => "COMPLETED",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }

    /// Line-item `display_status` for this order status. docs/src/channels/tiktok.md lists the field, not its values; these are the
    /// simulator's choice.
    pub fn display_status(self) -> &'static str {
        match self {
            Self::Unpaid => "UNPAID",
            Self::OnHold | Self::AwaitingShipment | Self::PartiallyShipping => "TO_SHIP",
            Self::AwaitingCollection => "TO_SHIP",
            Self::InTransit => "SHIPPED",
            Self::Delivered => "DELIVERED",
            Self::Completed => "COMPLETED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// Cancellation statuses seen in docs/src/channels/tiktok.md §8.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CancelStatus {
    #[default]
    CancellationRequestPending,
    CancellationRequestComplete,
}

impl CancelStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CancellationRequestPending => "CANCELLATION_REQUEST_PENDING",
            Self::CancellationRequestComplete => "CANCELLATION_REQUEST_COMPLETE",
        }
    }
}

/// Return statuses seen in docs/src/channels/tiktok.md §8.7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReturnStatus {
    #[default]
    ReturnOrRefundRequestPending,
    ReturnOrRefundRequestComplete,
    ReturnOrRefundRequestCancel,
}

impl ReturnStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReturnOrRefundRequestPending => "RETURN_OR_REFUND_REQUEST_PENDING",
            Self::ReturnOrRefundRequestComplete => "RETURN_OR_REFUND_REQUEST_COMPLETE",
            Self::ReturnOrRefundRequestCancel => "RETURN_OR_REFUND_REQUEST_CANCEL",
        }
    }
}

/// `return_type` (§8.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReturnType {
    #[default]
    Refund,
    ReturnAndRefund,
}

impl ReturnType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refund => "REFUND",
            Self::ReturnAndRefund => "RETURN_AND_REFUND",
        }
    }
}

/// Stock of a SKU in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryEntry {
    pub warehouse_id: String,
    pub quantity: i64,
}

/// A sales attribute (variation) value of a SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesAttribute {
    pub id: String,
    pub name: String,
    pub value_id: String,
    pub value_name: String,
}

/// A SKU of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sku {
    pub id: String,
    pub seller_sku: String,
    /// Decimal amount (`"72000"`).
    pub price: String,
    pub currency: String,
    pub inventory: Vec<InventoryEntry>,
    pub sales_attributes: Vec<SalesAttribute>,
    pub external_sku_id: String,
}

impl Sku {
    pub fn total_quantity(&self) -> i64 {
        self.inventory.iter().map(|i| i.quantity).sum()
    }

    pub fn quantity_in(&self, warehouse_id: &str) -> Option<i64> {
        self.inventory
            .iter()
            .find(|i| i.warehouse_id == warehouse_id)
            .map(|i| i.quantity)
    }

    /// Changes the stock in one warehouse; refuses to go below zero.
    pub(crate) fn adjust(&mut self, warehouse_id: &str, delta: i64) -> Result<(), String> {
        let entry = match self
            .inventory
            .iter_mut()
            .find(|i| i.warehouse_id == warehouse_id)
        {
            Some(e) => e,
            None => {
                self.inventory.push(InventoryEntry {
                    warehouse_id: warehouse_id.to_owned(),
                    quantity: 0,
                });
                let last = self.inventory.len() - 1;
                &mut self.inventory[last]
            }
        };
        if entry.quantity + delta < 0 {
            return Err(format!(
                "SKU {}: {} available in warehouse {warehouse_id}, {} wanted",
                self.id, entry.quantity, -delta
            ));
        }
        entry.quantity += delta;
        Ok(())
    }
}

/// A product (listing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub shop_id: String,
    pub title: String,
    pub description: String,
    pub category_id: String,
    pub status: ProductStatus,
    pub create_time: i64,
    pub update_time: i64,
    /// Image `uri`s.
    pub main_images: Vec<String>,
    pub skus: Vec<Sku>,
    /// `package_weight.value` in kilograms.
    pub package_weight: String,
    pub is_cod_allowed: bool,
    pub external_product_id: String,
    /// A locked price (e.g. during a campaign) refuses price updates with 12019045.
    #[serde(default)]
    pub price_locked: bool,
}

impl Product {
    pub fn sku(&self, sku_id: &str) -> Option<&Sku> {
        self.skus.iter().find(|s| s.id == sku_id)
    }

    pub(crate) fn sku_mut(&mut self, sku_id: &str) -> Option<&mut Sku> {
        self.skus.iter_mut().find(|s| s.id == sku_id)
    }
}

/// One unit of an order: TikTok has no quantity field (§8.5), so N units of a SKU are N line items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    pub id: String,
    pub sku_id: String,
    pub product_id: String,
    pub seller_sku: String,
    pub product_name: String,
    pub sku_name: String,
    pub sale_price: String,
    pub original_price: String,
    pub currency: String,
    /// Warehouse the unit was taken from (where a cancellation gives it back).
    pub warehouse_id: String,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub shop_id: String,
    pub status: OrderStatus,
    pub create_time: i64,
    pub update_time: i64,
    pub paid_time: Option<i64>,
    pub is_cod: bool,
    pub currency: String,
    pub shipping_fee: String,
    pub buyer_message: String,
    pub cancel_reason: String,
    pub cancellation_initiator: String,
    pub line_items: Vec<LineItem>,
    /// Whether the order's units are currently taken out of stock (false once cancelled).
    pub holds_stock: bool,
}

impl Order {
    /// Units of a SKU in this order: the number of its line items (§8.5).
    pub fn quantity_of(&self, sku_id: &str) -> usize {
        self.line_items
            .iter()
            .filter(|l| l.sku_id == sku_id)
            .count()
    }

    /// Sum of the line items' sale prices, in hundredths.
    pub fn sub_total_cents(&self) -> i128 {
        self.line_items
            .iter()
            .filter_map(|l| parse_money(&l.sale_price))
            .sum()
    }

    pub fn original_total_cents(&self) -> i128 {
        self.line_items
            .iter()
            .filter_map(|l| parse_money(&l.original_price))
            .sum()
    }
}

/// A cancellation request (§8.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub cancel_id: String,
    pub order_id: String,
    pub shop_id: String,
    pub status: CancelStatus,
    /// `BUYER_CANCEL` or `SELLER_CANCEL` (simulator's vocabulary; docs/src/channels/tiktok.md names only the filter).
    pub cancel_type: String,
    /// `BUYER`, `SELLER` or `SYSTEM`.
    pub role: String,
    pub reason: String,
    pub create_time: i64,
    pub update_time: i64,
    pub should_replenish_stock: bool,
}

/// A return or refund request (§8.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Return {
    pub return_id: String,
    pub order_id: String,
    pub shop_id: String,
    pub status: ReturnStatus,
    pub return_type: ReturnType,
    /// `BUYER`, `SELLER` or `SYSTEM`.
    pub role: String,
    pub reason: String,
    pub create_time: i64,
    pub update_time: i64,
    /// The order line items returned (one per unit).
    pub line_item_ids: Vec<String>,
    /// Whether the returned units went back into stock.
    pub restocked: bool,
}

/// A product to create through the control API or the config.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedProduct {
    /// Chosen by the simulator when absent.
    pub product_id: Option<String>,
    pub title: String,
    pub description: String,
    pub category_id: String,
    pub status: ProductStatus,
    pub skus: Vec<SeedSku>,
}

impl Default for SeedProduct {
    fn default() -> Self {
        Self {
            product_id: None,
            title: "Cà phê Arabica Cầu Đất 500g".to_owned(),
            description: "<p>Cà phê hạt rang mộc từ hợp tác xã Cầu Đất.</p>".to_owned(),
            category_id: "600001".to_owned(),
            status: ProductStatus::Activate,
            skus: vec![SeedSku::default()],
        }
    }
}

/// A SKU to create with a [`SeedProduct`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedSku {
    pub sku_id: Option<String>,
    pub seller_sku: String,
    /// Decimal amount in the shop's currency.
    pub price: String,
    /// Stock in the shop's default warehouse (ignored when `inventory` is given).
    pub quantity: i64,
    /// Stock per warehouse.
    pub inventory: Vec<InventoryEntry>,
    /// `(name, value)` pairs, e.g. `("Trọng lượng", "500g")`.
    pub sales_attributes: Vec<(String, String)>,
}

impl Default for SeedSku {
    fn default() -> Self {
        Self {
            sku_id: None,
            seller_sku: String::new(),
            price: "72000".to_owned(),
            quantity: 0,
            inventory: Vec::new(),
            sales_attributes: Vec::new(),
        }
    }
}

/// A hand edit in Seller Center (drift): only the given fields change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListingEdit {
    /// The SKU the SKU fields apply to (required for them when the product has several SKUs).
    pub sku_id: Option<String>,
    /// Warehouse whose stock `quantity` sets; default: the shop's default warehouse.
    pub warehouse_id: Option<String>,
    pub quantity: Option<i64>,
    pub price: Option<String>,
    pub seller_sku: Option<String>,
    pub status: Option<ProductStatus>,
    pub title: Option<String>,
    /// Lock or unlock price updates (12019045).
    pub price_locked: Option<bool>,
}

/// Units of one SKU in an order to create: `quantity` identical line items.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrderLine {
    pub sku_id: String,
    #[serde(default = "one")]
    pub quantity: u32,
    /// Unit sale price; defaults to the SKU's price.
    #[serde(default)]
    pub sale_price: Option<String>,
}

fn one() -> u32 {
    1
}

/// An order to create through the control API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewOrder {
    /// Empty = the first configured shop.
    pub shop_id: String,
    /// Chosen by the simulator when absent.
    pub order_id: Option<String>,
    pub status: OrderStatus,
    /// Defaults to now.
    pub create_time: Option<i64>,
    pub is_cod: bool,
    pub lines: Vec<NewOrderLine>,
    pub shipping_fee: String,
    pub buyer_message: String,
}

impl Default for NewOrder {
    fn default() -> Self {
        Self {
            shop_id: String::new(),
            order_id: None,
            status: OrderStatus::AwaitingShipment,
            create_time: None,
            is_cod: true,
            lines: Vec::new(),
            shipping_fee: "0".to_owned(),
            buyer_message: String::new(),
        }
    }
}

/// One shop as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopState {
    pub shop_id: String,
    pub cipher: String,
    pub region: String,
    pub currency: String,
    /// False after the seller deauthorised the App.
    pub authorized: bool,
    pub warehouses: Vec<WarehouseConfig>,
    pub products: Vec<Product>,
    /// Webhook addresses registered with `PUT /event/202309/webhooks`, by event type.
    pub webhook_addresses: std::collections::BTreeMap<String, String>,
}

/// The whole simulated state, as returned by `SimControl::state()` and `GET /_sim/state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimState {
    pub shops: Vec<ShopState>,
    pub orders: Vec<Order>,
    pub cancellations: Vec<Cancellation>,
    pub returns: Vec<Return>,
}

impl SimState {
    pub fn shop(&self, shop_id: &str) -> Option<&ShopState> {
        self.shops.iter().find(|s| s.shop_id == shop_id)
    }

    pub fn product(&self, shop_id: &str, product_id: &str) -> Option<&Product> {
        self.shop(shop_id)?
            .products
            .iter()
            .find(|p| p.id == product_id)
    }

    /// Finds a SKU by seller SKU.
    pub fn find_seller_sku(&self, shop_id: &str, seller_sku: &str) -> Option<(&Product, &Sku)> {
        self.shop(shop_id)?.products.iter().find_map(|p| {
            p.skus
                .iter()
                .find(|s| s.seller_sku == seller_sku)
                .map(|s| (p, s))
        })
    }

    /// Total stock of a seller SKU over all warehouses.
    pub fn quantity_of(&self, shop_id: &str, seller_sku: &str) -> Option<i64> {
        self.find_seller_sku(shop_id, seller_sku)
            .map(|(_, s)| s.total_quantity())
    }

    /// Price (decimal string) of a seller SKU.
    pub fn price_of(&self, shop_id: &str, seller_sku: &str) -> Option<&str> {
        self.find_seller_sku(shop_id, seller_sku)
            .map(|(_, s)| s.price.as_str())
    }

    pub fn order(&self, order_id: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.id == order_id)
    }
}

/// `(year, month, day, hour, minute, second)` of a Unix timestamp (UTC), for request ids.
pub(crate) fn civil(unix: i64) -> (i64, i64, i64, i64, i64, i64) {
    // Howard Hinnant's days-to-civil algorithm.
    let secs = unix.rem_euclid(86_400);
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
    (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trips_and_rejects_bad_formats() {
        assert_eq!(parse_money("72000"), Some(7_200_000));
        assert_eq!(parse_money("1.32"), Some(132));
        assert_eq!(parse_money("1.3"), Some(130));
        assert_eq!(format_money(7_200_000), "72000");
        assert_eq!(format_money(132), "1.32");
        for bad in ["", "-1", "1e5", " 1", "1.", "1.234", "72,000", "abc"] {
            assert_eq!(parse_money(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_date() {
        assert_eq!(civil(1_660_556_783), (2022, 8, 15, 9, 46, 23));
    }
}
