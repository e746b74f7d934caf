//! TikTok's JSON shapes (docs/src/channels/tiktok.md §2, §6–§9), as received (`data` of the envelope) or sent. Only the
//! fields kho reads are declared; unknown fields are ignored so additions on TikTok's side do not break
//! decoding. Ids are 64-bit numbers serialised as strings — kept as strings, and a bare number (seen in one
//! webhook sample) is accepted too (trap 10). Request bodies are typed structs so the field order on the wire
//! is the documented one, whatever serde_json's map features are.

use kho_channel::kit::serde_ids;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

// ---- auth (auth host; `data` of the envelope) ------------------------------------------------------------

/// Tokens are wrapped on arrival so not even a `Debug` of the wire type can print them.
#[derive(Debug, Deserialize)]
pub struct TokenData {
    pub access_token: SecretString,
    /// An absolute Unix timestamp, not a duration (docs/src/channels/tiktok.md §2, trap 7).
    #[serde(deserialize_with = "serde_ids::opt_i64")]
    pub access_token_expire_in: Option<i64>,
    pub refresh_token: SecretString,
    #[serde(default, deserialize_with = "serde_ids::opt_i64")]
    pub refresh_token_expire_in: Option<i64>,
    #[serde(default)]
    pub seller_name: String,
    #[serde(default)]
    pub seller_base_region: String,
}

// ---- shops and warehouses ------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShopsData {
    pub shops: Vec<Shop>,
}

/// An authorised shop (`/authorization/202309/shops`).
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Shop {
    pub cipher: String,
    pub code: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub id: String,
    pub name: String,
    pub region: String,
    /// `LOCAL` or `CROSS_BORDER`.
    pub seller_type: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WarehousesData {
    pub warehouses: Vec<Warehouse>,
}

/// A warehouse (`/logistics/202309/warehouses`).
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Warehouse {
    #[serde(deserialize_with = "serde_ids::string")]
    pub id: String,
    pub name: String,
    /// `ENABLED` …
    pub effect_status: String,
    /// `SALES_WAREHOUSE` | `RETURN_WAREHOUSE`.
    #[serde(rename = "type")]
    pub kind: String,
    pub sub_type: String,
    pub is_default: bool,
}

// ---- products ------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProductSearchData {
    pub products: Vec<ProductSummary>,
    pub next_page_token: String,
    pub total_count: i64,
}

#[derive(Debug, Deserialize)]
pub struct ProductSummary {
    #[serde(deserialize_with = "serde_ids::string")]
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub status: String,
}

/// `GET /product/202309/products/{id}`.
#[derive(Debug, Deserialize)]
pub struct ProductDetail {
    #[serde(deserialize_with = "serde_ids::string")]
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub skus: Vec<Sku>,
}

#[derive(Debug, Deserialize)]
pub struct Sku {
    #[serde(deserialize_with = "serde_ids::string")]
    pub id: String,
    #[serde(default)]
    pub seller_sku: String,
    pub price: Option<SkuPrice>,
    #[serde(default)]
    pub inventory: Vec<SkuInventory>,
    #[serde(default)]
    pub sales_attributes: Vec<SalesAttribute>,
}

/// Read prices come as `sale_price` / `tax_exclusive_price`, not `amount` (docs/src/channels/tiktok.md §6.2).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SkuPrice {
    pub currency: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub sale_price: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub tax_exclusive_price: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub amount: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SkuInventory {
    #[serde(deserialize_with = "serde_ids::opt_i64")]
    pub quantity: Option<i64>,
    #[serde(deserialize_with = "serde_ids::string")]
    pub warehouse_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SalesAttribute {
    #[serde(deserialize_with = "serde_ids::string")]
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub value_id: String,
    pub value_name: String,
}

/// `data.errors[]` of a batch write that answered `code 0` (docs/src/channels/tiktok.md §6.3, §7.1). Empty = all succeeded.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WriteErrors {
    pub errors: Vec<WriteError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WriteError {
    #[serde(deserialize_with = "serde_ids::opt_i64")]
    pub code: Option<i64>,
    pub message: String,
    pub detail: Option<WriteErrorDetail>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WriteErrorDetail {
    #[serde(deserialize_with = "serde_ids::string")]
    pub sku_id: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub product_id: String,
    pub extra_errors: Vec<ExtraError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExtraError {
    #[serde(deserialize_with = "serde_ids::string")]
    pub warehouse_id: String,
    #[serde(deserialize_with = "serde_ids::opt_i64")]
    pub code: Option<i64>,
    pub message: String,
}

// Write bodies, in the documented field order.

#[derive(Debug, Serialize)]
pub struct InventoryUpdate<'a> {
    pub skus: Vec<InventorySku<'a>>,
}

#[derive(Debug, Serialize)]
pub struct InventorySku<'a> {
    pub id: &'a str,
    pub inventory: Vec<InventoryEntry<'a>>,
}

#[derive(Debug, Serialize)]
pub struct InventoryEntry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse_id: Option<&'a str>,
    pub quantity: i64,
}

#[derive(Debug, Serialize)]
pub struct PriceUpdateBody<'a> {
    pub skus: Vec<PriceSku<'a>>,
}

#[derive(Debug, Serialize)]
pub struct PriceSku<'a> {
    pub id: &'a str,
    pub price: Money,
}

/// Money on writes: a decimal string and a currency (`{"amount":"72000","currency":"VND"}`).
#[derive(Debug, Clone, Serialize)]
pub struct Money {
    pub amount: String,
    pub currency: &'static str,
}

impl Money {
    pub fn vnd(amount: i64) -> Self {
        Self {
            amount: amount.to_string(),
            currency: "VND",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ProductIds<'a> {
    pub product_ids: Vec<&'a str>,
}

/// `POST /product/202309/images/upload`.
#[derive(Debug, Deserialize)]
pub struct UploadImageData {
    pub uri: String,
    #[serde(default)]
    pub url: String,
}

/// `POST /product/202309/products`.
#[derive(Debug, Deserialize)]
pub struct CreateProductData {
    #[serde(deserialize_with = "serde_ids::string")]
    pub product_id: String,
    #[serde(default)]
    pub skus: Vec<CreatedSku>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Deserialize)]
pub struct CreatedSku {
    #[serde(deserialize_with = "serde_ids::string")]
    pub id: String,
    #[serde(default)]
    pub seller_sku: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Warning {
    pub message: String,
}

// ---- orders --------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderSearchData {
    pub orders: Vec<OrderSummary>,
    pub next_page_token: String,
    pub total_count: i64,
}

#[derive(Debug, Deserialize)]
pub struct OrderSummary {
    #[serde(deserialize_with = "serde_ids::string")]
    pub id: String,
    #[serde(default)]
    pub status: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderDetailData {
    pub orders: Vec<Order>,
}

#[derive(Debug, Deserialize)]
pub struct Order {
    #[serde(deserialize_with = "serde_ids::string")]
    pub id: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "serde_ids::opt_i64")]
    pub create_time: Option<i64>,
    #[serde(default, deserialize_with = "serde_ids::opt_i64")]
    pub update_time: Option<i64>,
    pub payment: Option<Payment>,
    #[serde(default)]
    pub cancel_reason: String,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Payment {
    pub currency: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub total_amount: String,
}

/// One line item = **one unit** (no quantity field; docs/src/channels/tiktok.md §8.5).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LineItem {
    #[serde(deserialize_with = "serde_ids::string")]
    pub id: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub sku_id: String,
    pub seller_sku: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub product_id: String,
    pub product_name: String,
    pub sku_name: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub sale_price: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub original_price: String,
    pub currency: String,
    pub display_status: String,
    pub is_gift: bool,
    pub combined_listing_skus: Vec<CombinedListingSku>,
}

/// A component of a combined listing: `sku_count` units of `sku_id` per line item.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CombinedListingSku {
    #[serde(deserialize_with = "serde_ids::string")]
    pub sku_id: String,
    #[serde(deserialize_with = "serde_ids::opt_i64")]
    pub sku_count: Option<i64>,
    #[serde(deserialize_with = "serde_ids::string")]
    pub product_id: String,
    pub seller_sku: String,
}

// ---- cancellations and returns (docs/src/channels/tiktok.md §8.6, §8.7) ---------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CancellationSearchData {
    pub cancellations: Vec<Cancellation>,
    pub next_page_token: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Cancellation {
    #[serde(deserialize_with = "serde_ids::string")]
    pub cancel_id: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub order_id: String,
    /// `CANCELLATION_REQUEST_PENDING`, `CANCELLATION_REQUEST_COMPLETE` …
    pub cancel_status: String,
    pub cancel_type: String,
    pub should_replenish_stock: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReturnSearchData {
    #[serde(rename = "return_orders", alias = "returns")]
    pub returns: Vec<ReturnRecord>,
    pub next_page_token: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ReturnRecord {
    #[serde(deserialize_with = "serde_ids::string")]
    pub return_id: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub order_id: String,
    /// `RETURN_OR_REFUND_REQUEST_PENDING`, `…_COMPLETE`, `…_CANCEL` …
    pub return_status: String,
    /// `REFUND` (money only) | `RETURN_AND_REFUND` (goods come back).
    pub return_type: String,
    pub return_line_items: Vec<ReturnLineItem>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ReturnLineItem {
    #[serde(deserialize_with = "serde_ids::string")]
    pub order_line_item_id: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub sku_id: String,
    pub seller_sku: String,
}

// ---- webhooks (docs/src/channels/tiktok.md §9.2) ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WebhookEnvelope {
    #[serde(rename = "type", deserialize_with = "serde_ids::opt_i64")]
    pub kind: Option<i64>,
    #[serde(deserialize_with = "serde_ids::string")]
    pub tts_notification_id: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub shop_id: String,
    #[serde(deserialize_with = "serde_ids::opt_i64")]
    pub timestamp: Option<i64>,
    pub data: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_as_strings_or_numbers() {
        let s: Shop = serde_json::from_str(r#"{"id":7495274531001436791,"cipher":"c"}"#).unwrap();
        assert_eq!(s.id, "7495274531001436791");
        let s: Shop = serde_json::from_str(r#"{"id":"7495274531001436791"}"#).unwrap();
        assert_eq!(s.id, "7495274531001436791");
        let i: SkuInventory =
            serde_json::from_str(r#"{"quantity":"12","warehouse_id":null}"#).unwrap();
        assert_eq!(i.quantity, Some(12));
        assert_eq!(i.warehouse_id, "");
    }

    #[test]
    fn write_bodies_keep_the_documented_order() {
        let inv = InventoryUpdate {
            skus: vec![InventorySku {
                id: "1729592969712207013",
                inventory: vec![InventoryEntry {
                    warehouse_id: Some("7068517275539719942"),
                    quantity: 999,
                }],
            }],
        };
        assert_eq!(
            serde_json::to_string(&inv).unwrap(),
            r#"{"skus":[{"id":"1729592969712207013","inventory":[{"warehouse_id":"7068517275539719942","quantity":999}]}]}"#
        );
        let price = PriceUpdateBody {
            skus: vec![PriceSku {
                id: "1734952449674217079",
                price: Money::vnd(72000),
            }],
        };
        assert_eq!(
            serde_json::to_string(&price).unwrap(),
            r#"{"skus":[{"id":"1734952449674217079","price":{"amount":"72000","currency":"VND"}}]}"#
        );
    }
}
