//! Reading the shop's listings (docs/src/channels/tiktok.md §6.2): `POST /product/202309/products/search` (paged by
//! `page_token`) → `GET /product/202309/products/{id}` per product → one [`RemoteListing`] per SKU. The
//! seller SKU is the SKU's `seller_sku`; read prices are `sale_price` strings in VND.

use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{ListingPage, ListingPages};
use kho_channel::kit::paging;
use kho_channel::{ListingStatus, Page, PageToken, RemoteId, RemoteListing};
use reqwest::Method;
use serde::Serialize;

use crate::api::Request;
use crate::client::TikTokChannel;
use crate::wire::{ProductDetail, ProductSearchData, Sku};

pub const PRODUCT_SEARCH: &str = "/product/202309/products/search";
pub const PRODUCT_DETAIL: &str = "/product/202309/products/{product_id}";

/// One page of product ids; each product then costs one detail call.
const PAGE_SIZE: u32 = 50;

/// The search filter: every status (`ALL`), so review, frozen and deactivated products can be linked too.
/// A non-empty body also keeps clear of the unconfirmed treatment of a literal `{}` (docs/src/channels/tiktok.md §3.5).
#[derive(Serialize)]
struct SearchFilter {
    status: &'static str,
}

/// TikTok's product status → the contract's (docs/src/channels/tiktok.md §6.2).
pub fn product_status(s: &str) -> ListingStatus {
    match s {
        "ACTIVATE" => ListingStatus::Active,
        "PENDING" => ListingStatus::UnderReview,
        "PLATFORM_DEACTIVATED" | "FREEZE" | "FAILED" => ListingStatus::Banned,
        "DELETED" => ListingStatus::Deleted,
        // DRAFT, SELLER_DEACTIVATED and anything new: not buyable as far as we know.
        _ => ListingStatus::Inactive,
    }
}

/// A decimal money string (`"72000"`, `"72000.00"`) in whole đồng, rounded; `None` if it is not a number.
pub fn whole_vnd(amount: &str) -> Option<i64> {
    let t = amount.trim();
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    let v: f64 = t.parse().ok()?;
    v.is_finite().then(|| v.round() as i64)
}

fn sku_price(sku: &Sku) -> i64 {
    let Some(p) = &sku.price else { return 0 };
    [&p.sale_price, &p.amount, &p.tax_exclusive_price]
        .into_iter()
        .find_map(|s| whole_vnd(s))
        .unwrap_or(0)
}

/// Stock the seller controls: the configured warehouse's, or the sum over warehouses.
fn sku_stock(sku: &Sku, warehouse_id: Option<&str>) -> i64 {
    let quantities = sku
        .inventory
        .iter()
        .filter(|i| warehouse_id.is_none_or(|w| i.warehouse_id == w))
        .filter_map(|i| i.quantity);
    kho_channel::sum_quantities(quantities)
}

/// The listings of one product: one per SKU, titled with its sales attribute values.
pub fn listings_from(product: &ProductDetail, warehouse_id: Option<&str>) -> Vec<RemoteListing> {
    let status = product_status(&product.status);
    product
        .skus
        .iter()
        .map(|sku| {
            let options: Vec<&str> = sku
                .sales_attributes
                .iter()
                .map(|a| a.value_name.as_str())
                .filter(|v| !v.is_empty())
                .collect();
            let title = if options.is_empty() {
                product.title.clone()
            } else {
                format!("{} — {}", product.title, options.join(" / "))
            };
            RemoteListing {
                id: RemoteId::variant(product.id.clone(), sku.id.clone()),
                seller_sku: sku.seller_sku.trim().to_owned(),
                title,
                stock: sku_stock(sku, warehouse_id),
                price_vnd: sku_price(sku),
                status,
                // The product API reports no reserved or campaign stock.
                held_stock: None,
            }
        })
        .collect()
}

/// TikTok pages its product search with its own cursor.
#[async_trait]
impl ListingPages for TikTokChannel {
    async fn listings_page(&self, page: Option<&PageToken>) -> ListingPage {
        let token = paging::cursor(page);
        let request = Request::new(Method::POST, PRODUCT_SEARCH)
            .query("page_size", PAGE_SIZE)
            .query("page_token", token)
            .json(&SearchFilter { status: "ALL" })
            .map_err(|k| self.kit.error(PRODUCT_SEARCH, k))?;
        let found: ProductSearchData = self.api(&request).await?;
        // A token that does not move would loop forever: treat it as the end.
        let next = (!found.next_page_token.is_empty() && found.next_page_token != token)
            .then(|| PageToken(found.next_page_token.clone()));
        let mut items = Vec::new();
        for summary in &found.products {
            if summary.status == "DELETED" {
                continue;
            }
            let request = Request::new(Method::GET, PRODUCT_DETAIL)
                .path(format!("/product/202309/products/{}", summary.id));
            let product: ProductDetail = self.api(&request).await?;
            if product.status == "DELETED" {
                continue;
            }
            items.extend(listings_from(&product, self.warehouse_id.as_deref()));
        }
        Ok(Page { items, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_strings() {
        assert_eq!(whole_vnd("72000"), Some(72000));
        assert_eq!(whole_vnd(" 168000 "), Some(168000));
        assert_eq!(whole_vnd("72000.00"), Some(72000));
        assert_eq!(whole_vnd("1.32"), Some(1));
        assert_eq!(whole_vnd(""), None);
        assert_eq!(whole_vnd("abc"), None);
    }

    #[test]
    fn one_listing_per_sku_with_variant_titles() {
        let p: ProductDetail = serde_json::from_value(serde_json::json!({
            "id": "1729592969712207008", "title": "Mật ong bạc hà", "status": "ACTIVATE",
            "skus": [
                {"id": "1729592969712207013", "seller_sku": "MO-250 ",
                 "price": {"currency": "VND", "sale_price": "150000", "tax_exclusive_price": "150000"},
                 "inventory": [{"quantity": 10, "warehouse_id": "W1"}, {"quantity": 4, "warehouse_id": "W2"}],
                 "sales_attributes": [{"id": "100000", "name": "Dung tích", "value_id": "1", "value_name": "250ml"}]},
                {"id": "1729592969712207014", "seller_sku": "MO-500",
                 "price": {"currency": "VND", "sale_price": "280000"},
                 "inventory": [{"quantity": 3, "warehouse_id": "W1"}]}
            ]
        }))
        .unwrap();
        let all = listings_from(&p, None);
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[0].id,
            RemoteId::variant("1729592969712207008", "1729592969712207013")
        );
        assert_eq!(all[0].seller_sku, "MO-250");
        assert_eq!(all[0].title, "Mật ong bạc hà — 250ml");
        assert_eq!(all[0].stock, 14);
        assert_eq!(all[0].price_vnd, 150000);
        assert_eq!(all[0].status, ListingStatus::Active);
        assert_eq!(all[1].title, "Mật ong bạc hà");
        assert_eq!(listings_from(&p, Some("W1"))[0].stock, 10);
    }

    #[test]
    fn statuses() {
        assert_eq!(product_status("ACTIVATE"), ListingStatus::Active);
        assert_eq!(
            product_status("SELLER_DEACTIVATED"),
            ListingStatus::Inactive
        );
        assert_eq!(product_status("DRAFT"), ListingStatus::Inactive);
        assert_eq!(product_status("PENDING"), ListingStatus::UnderReview);
        assert_eq!(
            product_status("PLATFORM_DEACTIVATED"),
            ListingStatus::Banned
        );
        assert_eq!(product_status("FREEZE"), ListingStatus::Banned);
        assert_eq!(product_status("FAILED"), ListingStatus::Banned);
        assert_eq!(product_status("DELETED"), ListingStatus::Deleted);
    }
}
