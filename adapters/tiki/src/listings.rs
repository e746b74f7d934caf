//! The product list (docs/src/channels/tiki-woocommerce.md §A6): `GET /integration/v2/products`, paged by page number. Every Tiki
//! product is one sellable unit (a request's variants become separate products), so a listing is a
//! product, linked by its `original_sku`; its stock is what the account's warehouse holds.

use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{ListingPage, OffsetListings};
use kho_channel::{ListingStatus, Page, PageToken, RemoteId, RemoteListing};
use reqwest::Method;
use serde::Deserialize;

use crate::client::TikiChannel;

pub const PRODUCTS: &str = "/integration/v2/products";
const PER_PAGE: i64 = 50;

#[derive(Deserialize)]
pub(crate) struct Products {
    pub data: Vec<Product>,
    pub paging: Paging,
}

#[derive(Deserialize)]
pub(crate) struct Paging {
    pub current_page: i64,
    pub last_page: i64,
}

#[derive(Deserialize)]
pub(crate) struct Product {
    pub product_id: i64,
    #[serde(default)]
    pub original_sku: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub price: i64,
    #[serde(default)]
    pub active: i64,
    #[serde(default)]
    pub warehouse_quantities: Vec<Quantity>,
}

#[derive(Deserialize)]
pub(crate) struct Quantity {
    pub warehouse_id: i64,
    pub qty_available: i64,
}

impl Product {
    fn listing(&self, warehouse: i64) -> RemoteListing {
        let stock = self
            .warehouse_quantities
            .iter()
            .filter(|q| q.warehouse_id == warehouse)
            .map(|q| q.qty_available)
            .sum();
        RemoteListing {
            id: RemoteId::item(self.product_id.to_string()),
            seller_sku: self.original_sku.clone(),
            title: self.name.clone(),
            stock,
            price_vnd: self.price,
            status: if self.active == 1 {
                ListingStatus::Active
            } else {
                ListingStatus::Inactive
            },
            held_stock: None,
        }
    }
}

#[async_trait]
impl OffsetListings for TikiChannel {
    const LISTINGS_ENDPOINT: &'static str = PRODUCTS;

    async fn listings_at(&self, offset: i64) -> ListingPage {
        let warehouse = self.warehouse().await?;
        let page = offset / PER_PAGE + 1;
        let got: Products = self
            .kit
            .send(Method::GET, PRODUCTS, |c| {
                c.param("page", page).param("limit", PER_PAGE)
            })
            .await?;
        let next = (got.paging.current_page < got.paging.last_page)
            .then(|| PageToken((offset + PER_PAGE).to_string()));
        Ok(Page {
            items: got.data.iter().map(|p| p.listing(warehouse)).collect(),
            next,
        })
    }
}
