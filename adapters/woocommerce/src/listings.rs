//! Finding the site's products and variations by seller SKU (`docs/src/channels/tiki-woocommerce.md` B6 and
//! "Corrections"): `GET /products?sku=a,b,…` matches variations too, so one paged query links a whole batch of
//! SKUs; a variation comes back with `type` `variation` and its `parent_id`.

use kho_channel::ChannelError;
use kho_channel::transport::AccountClient;
use reqwest::Method;
use serde::Deserialize;

use crate::classify::Shape;
use crate::sign::{Call, Credentials};

/// The most a list page may hold (WordPress core's `per_page` maximum).
pub const PER_PAGE: usize = 100;

/// The fields kho reads of a product or variation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WooItem {
    pub id: i64,
    /// 0 for a product; the variable product for a variation.
    #[serde(default)]
    pub parent_id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sku: String,
    /// `simple`, `variable`, `variation` …
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    /// Money is a decimal string; empty when unset.
    #[serde(default)]
    pub regular_price: String,
    #[serde(default)]
    pub manage_stock: bool,
    pub stock_quantity: Option<i64>,
}

/// One list page as [`Shape::Page`] reads it.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub total_pages: u64,
}

/// Every product or variation whose SKU is one of `skus`, `PER_PAGE` SKUs per query.
pub async fn items_by_sku(
    http: &AccountClient,
    creds: &Credentials,
    skus: &[String],
) -> Result<Vec<WooItem>, ChannelError> {
    let mut found = Vec::new();
    for chunk in skus.chunks(PER_PAGE) {
        let joined = chunk.join(",");
        let mut page = 1u64;
        loop {
            let call: Call<'_, Page<WooItem>> =
                Call::without_token(creds, Method::GET, "/products", Shape::Page)
                    .param("sku", &joined)
                    .param("per_page", PER_PAGE)
                    .param("page", page);
            let answer = http.execute(&call).await?;
            found.extend(answer.items.into_iter().filter(|i| chunk.contains(&i.sku)));
            if page >= answer.total_pages {
                break;
            }
            page += 1;
        }
    }
    Ok(found)
}
