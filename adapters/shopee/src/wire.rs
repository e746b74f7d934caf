//! Shopee's JSON shapes (docs/src/channels/shopee.md §2, §6–§9), as received. Only the fields kho reads are declared; unknown
//! fields are ignored so additions on Shopee's side do not break decoding. Defaults are generous because
//! Shopee omits fields freely (e.g. `price_info` on items with models).

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

// ---- auth (top level, no `response` wrapper) ------------------------------------------------------------

/// Tokens are wrapped on arrival so not even a `Debug` of the wire type can print them.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    /// Documented as seconds; the reference sample shows an epoch (§2.2) — see `kho_channel::kit::tokens::expiry_from`.
    pub expire_in: i64,
}

// ---- products ---------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ItemListResponse {
    pub item: Vec<ItemListEntry>,
    pub total_count: i64,
    pub has_next_page: bool,
    pub next_offset: i64,
}

#[derive(Debug, Deserialize)]
pub struct ItemListEntry {
    pub item_id: i64,
    #[serde(default)]
    pub item_status: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ItemBaseInfoResponse {
    pub item_list: Vec<ItemBaseInfo>,
}

#[derive(Debug, Deserialize)]
pub struct ItemBaseInfo {
    pub item_id: i64,
    #[serde(default)]
    pub item_name: String,
    #[serde(default)]
    pub item_sku: String,
    #[serde(default)]
    pub item_status: String,
    /// Absent when the item has models.
    #[serde(default)]
    pub price_info: Vec<PriceInfo>,
    #[serde(default)]
    pub has_model: bool,
    pub stock_info_v2: Option<StockInfoV2>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PriceInfo {
    pub currency: String,
    pub original_price: f64,
    pub current_price: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StockInfoV2 {
    pub summary_info: Option<StockSummary>,
    pub seller_stock: Vec<SellerStockEntry>,
}

impl StockInfoV2 {
    /// The stock the seller controls (what kho pushes): the sum of `seller_stock`, else the summary.
    pub fn seller_total(&self) -> i64 {
        if !self.seller_stock.is_empty() {
            kho_channel::sum_quantities(self.seller_stock.iter().map(|s| s.stock))
        } else {
            self.summary_info
                .as_ref()
                .map_or(0, |s| s.total_available_stock)
        }
    }

    /// Stock held by promotions (`summary_info.total_reserved_stock`), when reported.
    pub fn reserved(&self) -> Option<i64> {
        self.summary_info.as_ref().map(|s| s.total_reserved_stock)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StockSummary {
    pub total_reserved_stock: i64,
    pub total_available_stock: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SellerStockEntry {
    pub location_id: Option<String>,
    pub stock: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ModelListResponse {
    pub tier_variation: Vec<TierVariation>,
    pub model: Vec<Model>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TierVariation {
    pub name: String,
    pub option_list: Vec<TierOption>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TierOption {
    pub option: String,
}

#[derive(Debug, Deserialize)]
pub struct Model {
    pub model_id: i64,
    #[serde(default)]
    pub tier_index: Vec<usize>,
    #[serde(default)]
    pub model_sku: String,
    #[serde(default)]
    pub model_status: String,
    #[serde(default)]
    pub price_info: Vec<PriceInfo>,
    pub stock_info_v2: Option<StockInfoV2>,
}

// ---- batch writes -----------------------------------------------------------------------------------

/// `update_stock` / `update_price` / `unlist_item` answers. `_error`/`_message` carry the envelope's error
/// when Shopee reports a failed batch together with its `failure_list` (see `classify::Shape::Batch`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BatchReply {
    #[serde(rename = "_error")]
    pub error: String,
    #[serde(rename = "_message")]
    pub message: String,
    pub failure_list: Vec<BatchFailure>,
    pub success_list: Vec<BatchSuccess>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BatchFailure {
    pub model_id: Option<i64>,
    pub item_id: Option<i64>,
    pub failed_reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BatchSuccess {
    pub model_id: Option<i64>,
    pub item_id: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct StockListEntry {
    pub model_id: i64,
    pub seller_stock: Vec<SellerStockWrite>,
}

#[derive(Debug, Serialize)]
pub struct SellerStockWrite {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    pub stock: i64,
}

#[derive(Debug, Serialize)]
pub struct PriceListEntry {
    pub model_id: i64,
    /// Whole đồng sent as a JSON number (VN accepts integers only, §10).
    pub original_price: i64,
}

// ---- publishing ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UploadImageResponse {
    pub image_info: Option<ImageInfo>,
}

#[derive(Debug, Deserialize)]
pub struct ImageInfo {
    pub image_id: String,
}

#[derive(Debug, Deserialize)]
pub struct AddItemResponse {
    pub item_id: i64,
}

/// Answers whose payload kho does not read (init_tier_variation, add_model).
#[derive(Debug, Deserialize)]
pub struct Ignored {}

// ---- orders ----------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderListResponse {
    pub more: bool,
    pub next_cursor: String,
    pub order_list: Vec<OrderListEntry>,
}

#[derive(Debug, Deserialize)]
pub struct OrderListEntry {
    pub order_sn: String,
    pub order_status: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderDetailResponse {
    pub order_list: Vec<OrderDetail>,
}

#[derive(Debug, Deserialize)]
pub struct OrderDetail {
    pub order_sn: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub order_status: String,
    pub create_time: Option<i64>,
    pub update_time: Option<i64>,
    #[serde(default)]
    pub item_list: Vec<OrderItem>,
}

#[derive(Debug, Deserialize)]
pub struct OrderItem {
    pub item_id: i64,
    #[serde(default)]
    pub item_sku: String,
    #[serde(default)]
    pub model_id: i64,
    #[serde(default)]
    pub model_sku: String,
    #[serde(default)]
    pub model_quantity_purchased: i64,
    #[serde(default)]
    pub model_original_price: f64,
    /// 0 for bundle-deal items (§8.3).
    #[serde(default)]
    pub model_discounted_price: f64,
}

// ---- push ------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct Push {
    pub code: i64,
    pub shop_id: Option<i64>,
    pub timestamp: Option<i64>,
    /// An object; in lost-push listings it may be JSON text (§9.6), so kept raw.
    #[serde(default)]
    pub data: serde_json::Value,
}

#[derive(Debug, Deserialize)]
pub struct OrderStatusPush {
    /// `ordersn`, not `order_sn` (§9.3); the latter accepted too in case Shopee aligns the names.
    #[serde(alias = "order_sn")]
    pub ordersn: String,
    #[serde(default)]
    pub status: String,
    pub update_time: Option<i64>,
}
