//! Reading the shop's listings (docs/src/channels/shopee.md §6.1–§6.3): `get_item_list` (paged by offset) →
//! `get_item_base_info` (≤ 50 ids) → `get_model_list` for each item that has models.
//! The seller SKU is `model_sku`, or `item_sku` for an item without models.

use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{ListingPage, OffsetListings};
use kho_channel::kit::units::whole_vnd;
use kho_channel::{ChannelError, ListingStatus, Page, PageToken, RemoteId, RemoteListing};
use reqwest::Method;

use crate::client::ShopeeChannel;
use crate::wire::{ItemBaseInfo, ItemBaseInfoResponse, ItemListResponse, ModelListResponse};

pub const ITEM_LIST: &str = "/api/v2/product/get_item_list";
pub const ITEM_BASE_INFO: &str = "/api/v2/product/get_item_base_info";
pub const MODEL_LIST: &str = "/api/v2/product/get_model_list";

/// 50, not the allowed 100, so one page's ids fit one `get_item_base_info` call.
const PAGE_SIZE: u32 = 50;

/// Every status a seller may want to link or see; deleted items are left out.
const ITEM_STATUSES: [&str; 4] = ["NORMAL", "UNLIST", "REVIEWING", "BANNED"];

pub fn item_status(s: &str) -> ListingStatus {
    match s {
        "NORMAL" => ListingStatus::Active,
        "REVIEWING" => ListingStatus::UnderReview,
        "BANNED" => ListingStatus::Banned,
        "SELLER_DELETE" | "SHOPEE_DELETE" => ListingStatus::Deleted,
        // UNLIST and anything new: not buyable as far as we know.
        _ => ListingStatus::Inactive,
    }
}

/// The listings of one item: one per model, or the item itself when it has none.
pub fn listings_from(
    item: &ItemBaseInfo,
    models: Option<&ModelListResponse>,
) -> Vec<RemoteListing> {
    let status = item_status(&item.item_status);
    let item_id = item.item_id.to_string();
    match models {
        Some(m) if item.has_model => m
            .model
            .iter()
            .map(|model| {
                let options: Vec<&str> = model
                    .tier_index
                    .iter()
                    .enumerate()
                    .filter_map(|(tier, &opt)| {
                        m.tier_variation
                            .get(tier)
                            .and_then(|t| t.option_list.get(opt))
                            .map(|o| o.option.as_str())
                    })
                    .collect();
                let title = if options.is_empty() {
                    item.item_name.clone()
                } else {
                    format!("{} — {}", item.item_name, options.join(" / "))
                };
                let status = if model.model_status == "MODEL_UNAVAILABLE"
                    && status == ListingStatus::Active
                {
                    ListingStatus::Inactive
                } else {
                    status
                };
                RemoteListing {
                    id: RemoteId::variant(item_id.clone(), model.model_id.to_string()),
                    seller_sku: model.model_sku.trim().to_owned(),
                    title,
                    stock: model.stock_info_v2.as_ref().map_or(0, |s| s.seller_total()),
                    price_vnd: model
                        .price_info
                        .first()
                        .map_or(0, |p| whole_vnd(p.original_price)),
                    status,
                    held_stock: model.stock_info_v2.as_ref().and_then(|s| s.reserved()),
                }
            })
            .collect(),
        _ => vec![RemoteListing {
            id: RemoteId::item(item_id),
            seller_sku: item.item_sku.trim().to_owned(),
            title: item.item_name.clone(),
            stock: item.stock_info_v2.as_ref().map_or(0, |s| s.seller_total()),
            price_vnd: item
                .price_info
                .first()
                .map_or(0, |p| whole_vnd(p.original_price)),
            status,
            held_stock: item.stock_info_v2.as_ref().and_then(|s| s.reserved()),
        }],
    }
}

#[async_trait]
impl OffsetListings for ShopeeChannel {
    const LISTINGS_ENDPOINT: &'static str = ITEM_LIST;

    async fn listings_at(&self, offset: i64) -> ListingPage {
        let list = self.item_list(offset).await?;
        let next = (list.has_next_page && list.next_offset > offset)
            .then(|| PageToken(list.next_offset.to_string()));
        let ids: Vec<String> = list.item.iter().map(|i| i.item_id.to_string()).collect();
        let mut items = Vec::new();
        for chunk in ids.chunks(50) {
            items.extend(self.listings_of(chunk).await?);
        }
        Ok(Page { items, next })
    }
}

impl ShopeeChannel {
    /// One page of the shop's item ids (`get_item_list`), in every status a seller may want to see.
    async fn item_list(&self, offset: i64) -> Result<ItemListResponse, ChannelError> {
        self.kit
            .send(Method::GET, ITEM_LIST, |call| {
                let first = call.param("offset", offset).param("page_size", PAGE_SIZE);
                ITEM_STATUSES
                    .iter()
                    .fold(first, |call, status| call.param("item_status", status))
            })
            .await
    }

    /// The listings of at most 50 items: their base info in one call, then the models of each item that
    /// has them.
    async fn listings_of(&self, ids: &[String]) -> Result<Vec<RemoteListing>, ChannelError> {
        let joined = ids.join(",");
        let base: ItemBaseInfoResponse = self
            .kit
            .send(Method::GET, ITEM_BASE_INFO, |call| {
                call.param("item_id_list", &joined)
            })
            .await?;
        let mut listings = Vec::new();
        for item in &base.item_list {
            let models = match item.has_model {
                true => Some(self.models(item.item_id).await?),
                false => None,
            };
            listings.extend(listings_from(item, models.as_ref()));
        }
        Ok(listings)
    }

    async fn models(&self, item_id: i64) -> Result<ModelListResponse, ChannelError> {
        self.kit
            .send(Method::GET, MODEL_LIST, |call| {
                call.param("item_id", item_id)
            })
            .await
    }
}
