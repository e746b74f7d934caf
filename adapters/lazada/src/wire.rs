//! Lazada's JSON shapes (docs/src/channels/lazada.md §2.2, §6–§9), as received. Only the fields kho reads are declared; unknown
//! fields are ignored so additions on Lazada's side do not break decoding. Ids, counts and prices arrive as
//! numbers in some samples and strings in others (`created_time` is a ms string, `price` may be `"110000.00"`),
//! so they are read leniently; ids are kept as text because their width is not documented.

use kho_channel::kit::serde_ids;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

// ---- auth (flat, no `data` wrapper, §2.2) ------------------------------------------------------------

/// Tokens are wrapped on arrival so not even a `Debug` of the wire type can print them.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    /// Seconds.
    #[serde(default, deserialize_with = "serde_ids::i64_or_zero")]
    pub expires_in: i64,
    /// Seconds left on the refresh token; refreshing does not reset it. `0` means it cannot be refreshed.
    #[serde(default, deserialize_with = "serde_ids::opt_i64")]
    pub refresh_expires_in: Option<i64>,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub country_user_info: Vec<CountryUserInfo>,
    /// The refresh reference example names the list this way.
    #[serde(default)]
    pub country_user_info_list: Vec<CountryUserInfo>,
}

impl TokenResponse {
    /// The seller id for `country` (or the only one given).
    pub fn seller_id(&self) -> Option<String> {
        let all: Vec<&CountryUserInfo> = self
            .country_user_info
            .iter()
            .chain(&self.country_user_info_list)
            .collect();
        all.iter()
            .find(|c| c.country.eq_ignore_ascii_case(&self.country))
            .or(all.first())
            .map(|c| c.seller_id.clone())
            .filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CountryUserInfo {
    pub country: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub seller_id: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub user_id: String,
    pub short_code: String,
}

// ---- products (§6) -------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProductsResponse {
    #[serde(deserialize_with = "serde_ids::opt_i64")]
    pub total_products: Option<i64>,
    pub products: Vec<Product>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Product {
    #[serde(deserialize_with = "serde_ids::string")]
    pub item_id: String,
    pub status: String,
    pub attributes: ProductAttributes,
    pub skus: Vec<Sku>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProductAttributes {
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Sku {
    #[serde(rename = "SkuId", deserialize_with = "serde_ids::string")]
    pub sku_id: String,
    #[serde(rename = "SellerSku")]
    pub seller_sku: String,
    #[serde(rename = "Status")]
    pub status: String,
    /// Total (warehouse) stock.
    #[serde(deserialize_with = "serde_ids::opt_i64")]
    pub quantity: Option<i64>,
    /// Sellable stock.
    #[serde(rename = "Available", deserialize_with = "serde_ids::opt_i64")]
    pub available: Option<i64>,
    #[serde(deserialize_with = "serde_ids::opt_f64")]
    pub price: Option<f64>,
    #[serde(rename = "multiWarehouseInventories")]
    pub warehouses: Vec<WarehouseInventory>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WarehouseInventory {
    #[serde(rename = "warehouseCode")]
    pub warehouse_code: String,
    #[serde(deserialize_with = "serde_ids::opt_i64")]
    pub quantity: Option<i64>,
    #[serde(rename = "sellableQuantity", deserialize_with = "serde_ids::opt_i64")]
    pub sellable_quantity: Option<i64>,
    #[serde(rename = "withholdQuantity", deserialize_with = "serde_ids::opt_i64")]
    pub withhold_quantity: Option<i64>,
    #[serde(rename = "occupyQuantity", deserialize_with = "serde_ids::opt_i64")]
    pub occupy_quantity: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct CreateProductResponse {
    #[serde(deserialize_with = "serde_ids::string")]
    pub item_id: String,
    #[serde(default)]
    pub sku_list: Vec<CreatedSku>,
    pub item_status: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreatedSku {
    pub seller_sku: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub sku_id: String,
    pub shop_sku: String,
}

#[derive(Debug, Deserialize)]
pub struct ImageResponse {
    pub image: ImageInfo,
}

#[derive(Debug, Deserialize)]
pub struct ImageInfo {
    pub url: String,
    #[serde(default)]
    pub hash_code: String,
}

// ---- batch writes (§4, §7) ------------------------------------------------------------------------------

/// The whole envelope of a stock/price write: `code` `"0"`, or a roll-up (`501`) with per-item `detail`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BatchReply {
    #[serde(deserialize_with = "serde_ids::string")]
    pub code: String,
    pub message: String,
    pub detail: Vec<Detail>,
}

/// One failed element. Which ids are present varies (the documented example names only `item_id`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Detail {
    #[serde(deserialize_with = "serde_ids::string")]
    pub code: String,
    pub field: String,
    pub message: String,
    #[serde(alias = "ItemId", deserialize_with = "serde_ids::opt_string")]
    pub item_id: Option<String>,
    #[serde(alias = "SkuId", deserialize_with = "serde_ids::opt_string")]
    pub sku_id: Option<String>,
    #[serde(alias = "SellerSku", deserialize_with = "serde_ids::opt_string")]
    pub seller_sku: Option<String>,
}

/// Any successful answer whose content kho does not need.
#[derive(Debug, Deserialize)]
pub struct Ignored {}

// ---- orders (§8) ----------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrdersResponse {
    #[serde(deserialize_with = "serde_ids::opt_i64")]
    pub count: Option<i64>,
    #[serde(rename = "countTotal", deserialize_with = "serde_ids::opt_i64")]
    pub count_total: Option<i64>,
    pub orders: Vec<OrderSummary>,
}

#[derive(Debug, Deserialize)]
pub struct OrderSummary {
    #[serde(deserialize_with = "serde_ids::string")]
    pub order_id: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    /// The distinct statuses of the order's items (there is no order-level status).
    #[serde(default)]
    pub statuses: Vec<String>,
}

/// `data` of `/orders/items/get`: an array (an absent `data` decodes as empty).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OrderItemsList {
    List(Vec<OrderItems>),
    /// Only an object (the stand-in for an absent `data`); a malformed array stays an error.
    Empty(serde_json::Map<String, Value>),
}

impl OrderItemsList {
    pub fn into_vec(self) -> Vec<OrderItems> {
        match self {
            Self::List(v) => v,
            Self::Empty(_) => Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct OrderItems {
    #[serde(deserialize_with = "serde_ids::string")]
    pub order_id: String,
    #[serde(default)]
    pub order_items: Vec<OrderItem>,
}

/// One unit of one SKU: Lazada has no quantity field, two units are two order items (§8.2).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderItem {
    #[serde(deserialize_with = "serde_ids::string")]
    pub order_item_id: String,
    /// The seller SKU.
    pub sku: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub sku_id: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub product_id: String,
    pub status: String,
    #[serde(deserialize_with = "serde_ids::opt_f64")]
    pub item_price: Option<f64>,
    #[serde(deserialize_with = "serde_ids::opt_f64")]
    pub paid_price: Option<f64>,
    pub currency: String,
    pub created_at: String,
    pub updated_at: String,
}

// ---- push (§9.4) ---------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct Push {
    #[serde(default, deserialize_with = "serde_ids::opt_string")]
    pub seller_id: Option<String>,
    #[serde(deserialize_with = "serde_ids::opt_i64")]
    pub message_type: Option<i64>,
    #[serde(default)]
    pub data: Value,
    /// Milliseconds in the order samples, seconds in others.
    #[serde(default, deserialize_with = "serde_ids::opt_i64")]
    pub timestamp: Option<i64>,
    pub site: Option<String>,
}

/// `message_type` 0.
#[derive(Debug, Deserialize)]
pub struct TradeOrderPush {
    #[serde(default)]
    pub order_status: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub trade_order_id: String,
    #[serde(default, deserialize_with = "serde_ids::opt_string")]
    pub trade_order_line_id: Option<String>,
    #[serde(default, deserialize_with = "serde_ids::opt_i64")]
    pub status_update_time: Option<i64>,
}

/// `message_type` 10.
#[derive(Debug, Deserialize)]
pub struct ReverseOrderPush {
    #[serde(default)]
    pub reverse_status: String,
    #[serde(deserialize_with = "serde_ids::string")]
    pub trade_order_id: String,
    #[serde(default, deserialize_with = "serde_ids::opt_i64")]
    pub status_update_time: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::kit::units::whole_vnd;
    use secrecy::ExposeSecret;

    #[test]
    fn numbers_and_strings_are_both_read() {
        let sku: Sku = serde_json::from_str(
            r#"{"SkuId":123,"SellerSku":"A","quantity":"5","Available":4.0,"price":"110000.00"}"#,
        )
        .unwrap();
        assert_eq!(sku.sku_id, "123");
        assert_eq!(sku.quantity, Some(5));
        assert_eq!(sku.available, Some(4));
        assert_eq!(sku.price.map(whole_vnd), Some(110000));
        let sku: Sku = serde_json::from_str(r#"{"SkuId":"9","price":null}"#).unwrap();
        assert_eq!(sku.price, None);
    }

    #[test]
    fn token_response_seller_id_and_redaction() {
        let t: TokenResponse = serde_json::from_str(
            r#"{"access_token":"A-SECRET","refresh_token":"R-SECRET","expires_in":2592000,"refresh_expires_in":15552000,
                "country":"vn","country_user_info_list":[{"country":"vn","seller_id":1000212345,"user_id":"1","short_code":"VN1"}]}"#,
        )
        .unwrap();
        assert_eq!(t.seller_id().as_deref(), Some("1000212345"));
        assert_eq!(t.access_token.expose_secret(), "A-SECRET");
        assert!(!format!("{t:?}").contains("SECRET"));
    }
}
