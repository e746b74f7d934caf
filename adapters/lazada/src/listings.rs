//! Reading the seller's listings (docs/src/channels/lazada.md §6.1): `/products/get` with `filter=all`, paged by `offset` with
//! `limit` 50 (Lazada's maximum; older docs said 500). Every SKU of every product becomes one listing,
//! addressed as item id / `SkuId`, linked by `SellerSku`.
//!
//! `offset` is capped at 10 000 (Lazada suggests scrolling by date past that). Paging stops there with a
//! warning: a cooperative with more than 10 000 products is not a case kho serves today.

use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{ListingPage, OffsetListings};
use kho_channel::kit::units::whole_vnd;
use kho_channel::{ListingStatus, Page, PageToken, RemoteId, RemoteListing};
use reqwest::Method;

use crate::client::LazadaChannel;
use crate::wire::{Product, ProductsResponse, Sku};

pub const PRODUCTS_GET: &str = "/products/get";

/// Lazada's maximum page size (error 19 above it).
pub const PAGE_SIZE: i64 = 50;
/// Lazada's maximum `offset` for `/products/get`.
pub const MAX_OFFSET: i64 = 10_000;

/// A product or SKU status → the contract's. Lazada spells them inconsistently (`active`, `Active`,
/// `InActive`, `Pending QC` …), so they are compared case-insensitively without separators.
pub fn listing_status(status: &str) -> Option<ListingStatus> {
    let s: String = status
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match s.as_str() {
        "active" | "live" | "soldout" => ListingStatus::Active,
        "inactive" => ListingStatus::Inactive,
        "deleted" => ListingStatus::Deleted,
        "pending" | "pendingqc" => ListingStatus::UnderReview,
        "rejected" | "suspended" | "banned" | "lock" => ListingStatus::Banned,
        _ => return None,
    })
}

/// The product's status wins when it is not active (an inactive product hides all its SKUs); otherwise the
/// SKU's own status.
fn combined_status(product: &Product, sku: &Sku) -> ListingStatus {
    let product_status = listing_status(&product.status);
    let sku_status = listing_status(&sku.status);
    match (product_status, sku_status) {
        (Some(p), _) if p != ListingStatus::Active => p,
        (_, Some(s)) => s,
        (Some(p), None) => p,
        // Unknown: not buyable as far as we know.
        (None, None) => ListingStatus::Inactive,
    }
}

/// The SKU's sellable stock: the configured warehouse's, else the sum over warehouses, else `Available`,
/// else the total `quantity` (the only figure some answers carry).
fn sellable(sku: &Sku, warehouse: Option<&str>) -> i64 {
    let per_warehouse: Vec<i64> = sku
        .warehouses
        .iter()
        .filter(|w| warehouse.is_none_or(|code| w.warehouse_code == code))
        .filter_map(|w| w.sellable_quantity)
        .collect();
    if !per_warehouse.is_empty() {
        return kho_channel::sum_quantities(per_warehouse);
    }
    sku.available.or(sku.quantity).unwrap_or(0)
}

/// Withheld (unpaid) plus occupied (paid, not yet shipped) units of the
/// SKU's warehouses, when reported (docs/src/channels/lazada.md §7.3).
fn held(sku: &Sku, warehouse: Option<&str>) -> Option<i64> {
    let figures: Vec<i64> = sku
        .warehouses
        .iter()
        .filter(|w| warehouse.is_none_or(|code| w.warehouse_code == code))
        .filter(|w| w.withhold_quantity.is_some() || w.occupy_quantity.is_some())
        .map(|w| {
            kho_channel::sum_quantities([
                w.withhold_quantity.unwrap_or(0),
                w.occupy_quantity.unwrap_or(0),
            ])
        })
        .collect();
    (!figures.is_empty()).then(|| kho_channel::sum_quantities(figures))
}

/// The listings of one product: one per SKU.
pub fn listings_from(product: &Product, warehouse: Option<&str>) -> Vec<RemoteListing> {
    let several = product.skus.len() > 1;
    product
        .skus
        .iter()
        .map(|sku| {
            let seller_sku = sku.seller_sku.trim().to_owned();
            let name = product.attributes.name.trim();
            let title = if several && !seller_sku.is_empty() {
                format!("{name} — {seller_sku}")
            } else {
                name.to_owned()
            };
            RemoteListing {
                id: RemoteId::variant(product.item_id.clone(), sku.sku_id.clone()),
                seller_sku,
                title,
                stock: sellable(sku, warehouse),
                price_vnd: sku.price.map_or(0, whole_vnd),
                status: combined_status(product, sku),
                held_stock: held(sku, warehouse),
            }
        })
        .collect()
}

#[async_trait]
impl OffsetListings for LazadaChannel {
    const LISTINGS_ENDPOINT: &'static str = PRODUCTS_GET;

    async fn listings_at(&self, offset: i64) -> ListingPage {
        let list: ProductsResponse = self
            .kit
            .send(Method::GET, PRODUCTS_GET, |call| {
                call.param("filter", "all")
                    .param("offset", offset)
                    .param("limit", PAGE_SIZE)
                    .param("options", 1)
            })
            .await?;
        let got = list.products.len() as i64;
        let next_offset = offset + got;
        let more = got > 0
            && match list.total_products {
                Some(total) => next_offset < total,
                None => got >= PAGE_SIZE,
            };
        let next = if more && next_offset > MAX_OFFSET {
            tracing::warn!(account = %self.kit.name, offset = next_offset,
                "Lazada /products/get cannot page past offset 10000; the remaining products are not listed");
            None
        } else {
            more.then(|| PageToken(next_offset.to_string()))
        };
        let warehouse = self.warehouse_code.as_deref();
        let items = list
            .products
            .iter()
            .flat_map(|p| listings_from(p, warehouse))
            .collect();
        Ok(Page { items, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(listing_status("active"), Some(ListingStatus::Active));
        assert_eq!(listing_status("InActive"), Some(ListingStatus::Inactive));
        assert_eq!(
            listing_status("Pending QC"),
            Some(ListingStatus::UnderReview)
        );
        assert_eq!(listing_status("sold-out"), Some(ListingStatus::Active));
        assert_eq!(listing_status("Deleted"), Some(ListingStatus::Deleted));
        assert_eq!(listing_status("rejected"), Some(ListingStatus::Banned));
        assert_eq!(listing_status("???"), None);
    }

    #[test]
    fn withheld_and_occupied_units_are_held_stock() {
        let p: Product = serde_json::from_value(serde_json::json!({
            "item_id": 2002, "status": "Active", "attributes": {"name": "Mật ong"},
            "skus": [
                {"SkuId": 21, "SellerSku": "MO-1", "Status": "active", "quantity": 12,
                 "multiWarehouseInventories": [{"warehouseCode": "dropshipping", "quantity": 12,
                   "sellableQuantity": 7, "withholdQuantity": 2, "occupyQuantity": "3"}]},
                {"SkuId": 22, "SellerSku": "MO-2", "Status": "active", "quantity": 3}
            ]
        }))
        .unwrap();
        let l = listings_from(&p, None);
        assert_eq!(l[0].held_stock, Some(5));
        assert_eq!(l[0].stock, 7);
        assert_eq!(l[1].held_stock, None);
    }

    /// Found by the `response_lazada` fuzz target (long run): held and
    /// sellable units near `i64::MAX` overflowed their sums, a panic with
    /// overflow checks and a wrapped, negative stock without.
    #[test]
    fn absurd_warehouse_quantities_saturate_instead_of_overflowing() {
        let p: Product = serde_json::from_value(serde_json::json!({
            "item_id": 2003, "status": "Active", "attributes": {"name": "Mật ong"},
            "skus": [
                {"SkuId": 31, "SellerSku": "MO-3", "Status": "active", "quantity": 1,
                 "multiWarehouseInventories": [
                   {"warehouseCode": "a", "quantity": 1, "sellableQuantity": i64::MAX,
                    "withholdQuantity": i64::MAX, "occupyQuantity": 1},
                   {"warehouseCode": "b", "quantity": 1, "sellableQuantity": 5,
                    "withholdQuantity": 1, "occupyQuantity": 0}]}
            ]
        }))
        .unwrap();
        let l = listings_from(&p, None);
        assert_eq!(l[0].held_stock, Some(i64::MAX));
        assert_eq!(l[0].stock, i64::MAX);
    }

    #[test]
    fn one_listing_per_sku_with_sellable_stock() {
        let p: Product = serde_json::from_value(serde_json::json!({
            "item_id": 2001, "status": "Active", "attributes": {"name": "Mật ong"},
            "skus": [
                {"SkuId": 11, "SellerSku": "MO-250", "Status": "active", "quantity": 12, "Available": 10, "price": 150000.0,
                 "multiWarehouseInventories": [{"warehouseCode": "dropshipping", "quantity": 12, "sellableQuantity": 9}]},
                {"SkuId": "12", "SellerSku": " MO-500 ", "Status": "inactive", "quantity": 3, "price": "280000.00"}
            ]
        }))
        .unwrap();
        let l = listings_from(&p, None);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].id, RemoteId::variant("2001", "11"));
        assert_eq!(l[0].seller_sku, "MO-250");
        assert_eq!(l[0].stock, 9);
        assert_eq!(l[0].price_vnd, 150000);
        assert_eq!(l[0].status, ListingStatus::Active);
        assert_eq!(l[0].title, "Mật ong — MO-250");
        assert_eq!(l[1].seller_sku, "MO-500");
        assert_eq!(l[1].stock, 3);
        assert_eq!(l[1].price_vnd, 280000);
        assert_eq!(l[1].status, ListingStatus::Inactive);
        assert_eq!(listings_from(&p, Some("other"))[0].stock, 10);
    }
}
