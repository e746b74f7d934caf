//! Running marketplace simulators from kho: seeding a simulated shop with
//! listings for catalog SKUs (for `kho sim`, the demo and tests). Each
//! marketplace gets the shape its sellers would have made by hand, so that
//! `kho link` has real work to do: one listing per catalog product, one
//! variant per SKU, the SKU as the seller SKU.

pub mod world;

use std::collections::BTreeMap;

use kho_simulator::shopee::{SeedItem, SeedModel};
use kho_simulator::{lazada, tiki, tiktok, woocommerce};

use kho::catalog::CatalogEntry;

/// Groups entries by product code (in code order), keeping file order inside
/// a product.
fn by_product(entries: &[CatalogEntry]) -> Vec<Vec<&CatalogEntry>> {
    let mut products: BTreeMap<&str, Vec<&CatalogEntry>> = BTreeMap::new();
    for e in entries {
        products.entry(&e.product_code).or_default().push(e);
    }
    products.into_values().collect()
}

/// One Shopee item per product: a product with one variant becomes an item
/// whose `item_sku` is the SKU; several variants become models of one tier.
pub fn shopee_items(entries: &[CatalogEntry]) -> Vec<SeedItem> {
    by_product(entries)
        .into_iter()
        .filter_map(|variants| {
            let first = variants.first()?;
            let mut item = SeedItem {
                item_name: first.product_name.clone(),
                description: first.description.clone(),
                weight: first.weight_g as f64 / 1000.0,
                ..SeedItem::default()
            };
            if let [only] = variants.as_slice() {
                item.item_sku = only.variant_sku.clone();
                item.price = only.price_vnd as f64;
                item.stock = only.stock;
            } else {
                item.item_sku = first.product_code.clone();
                item.models = variants
                    .iter()
                    .map(|v| SeedModel {
                        model_sku: v.variant_sku.clone(),
                        name: v.variant_name.clone(),
                        price: v.price_vnd as f64,
                        stock: v.stock,
                        ..SeedModel::default()
                    })
                    .collect();
            }
            Some(item)
        })
        .collect()
}

/// The sales attribute a multi-SKU TikTok product shows buyers; the same
/// default as the TikTok adapter's mapping, so a published product and a
/// seeded one look alike.
const TIKTOK_SALES_ATTRIBUTE: &str = "Phân loại";

/// One TikTok product per catalog product, one SKU per variant with
/// `seller_sku` = the SKU and its stock in the shop's default warehouse.
/// Several SKUs get distinct sales-attribute values (the variant names), as
/// TikTok requires of multi-SKU products.
pub fn tiktok_products(entries: &[CatalogEntry]) -> Vec<tiktok::SeedProduct> {
    by_product(entries)
        .into_iter()
        .filter_map(|variants| {
            let first = variants.first()?;
            let several = variants.len() > 1;
            Some(tiktok::SeedProduct {
                title: first.product_name.clone(),
                description: first.description.clone(),
                skus: variants
                    .iter()
                    .map(|v| tiktok::SeedSku {
                        seller_sku: v.variant_sku.clone(),
                        price: v.price_vnd.to_string(),
                        quantity: v.stock,
                        sales_attributes: if several {
                            vec![(TIKTOK_SALES_ATTRIBUTE.to_owned(), v.variant_name.clone())]
                        } else {
                            Vec::new()
                        },
                        ..tiktok::SeedSku::default()
                    })
                    .collect(),
                ..tiktok::SeedProduct::default()
            })
        })
        .collect()
}

/// One Lazada product per catalog product, one SKU per variant with
/// `SellerSku` = the SKU; the file's stock is all sellable at first.
pub fn lazada_products(entries: &[CatalogEntry]) -> Vec<lazada::SeedProduct> {
    by_product(entries)
        .into_iter()
        .filter_map(|variants| {
            let first = variants.first()?;
            Some(lazada::SeedProduct {
                name: first.product_name.clone(),
                description: first.description.clone(),
                skus: variants
                    .iter()
                    .map(|v| lazada::SeedSku {
                        seller_sku: v.variant_sku.clone(),
                        price: v.price_vnd as f64,
                        quantity: v.stock,
                        package_weight: v.weight_g as f64 / 1000.0,
                        ..lazada::SeedSku::default()
                    })
                    .collect(),
                ..lazada::SeedProduct::default()
            })
        })
        .collect()
}

/// One WooCommerce product per catalog product: a simple product whose `sku`
/// is the SKU, or a variable one with a variation per SKU; prices in whole
/// đồng, stock managed (the site ignores a quantity otherwise).
pub fn woocommerce_products(entries: &[CatalogEntry]) -> Vec<woocommerce::SeedProduct> {
    by_product(entries)
        .into_iter()
        .filter_map(|variants| {
            let first = variants.first()?;
            let mut product = woocommerce::SeedProduct {
                name: first.product_name.clone(),
                manage_stock: true,
                ..woocommerce::SeedProduct::default()
            };
            if let [only] = variants.as_slice() {
                product.sku = only.variant_sku.clone();
                product.regular_price = only.price_vnd.to_string();
                product.stock_quantity = Some(only.stock);
            } else {
                product.sku = first.product_code.clone();
                product.manage_stock = false;
                product.variations = variants
                    .iter()
                    .map(|v| woocommerce::SeedVariation {
                        sku: v.variant_sku.clone(),
                        regular_price: v.price_vnd.to_string(),
                        manage_stock: true,
                        stock_quantity: Some(v.stock),
                    })
                    .collect();
            }
            Some(product)
        })
        .collect()
}

/// One Tiki product per SKU — Tiki makes every variant a product of its
/// own — with `original_sku` = the SKU and the file's stock in the seller's
/// warehouse.
pub fn tiki_products(entries: &[CatalogEntry]) -> Vec<tiki::SeedProduct> {
    entries
        .iter()
        .map(|e| tiki::SeedProduct {
            original_sku: e.variant_sku.clone(),
            name: format!("{} {}", e.product_name, e.variant_name),
            price: e.price_vnd,
            qty: e.stock,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<CatalogEntry> {
        kho::catalog::read_entries(crate::demo::SAMPLE_CATALOG).unwrap()
    }

    #[test]
    fn every_sku_is_seeded_once_per_marketplace() {
        let entries = entries();
        let mut skus: Vec<&str> = entries.iter().map(|e| e.variant_sku.as_str()).collect();
        skus.sort_unstable();
        let products = by_product(&entries).len();

        let tt = tiktok_products(&entries);
        assert_eq!(tt.len(), products);
        let mut seeded: Vec<&str> = tt
            .iter()
            .flat_map(|p| p.skus.iter().map(|s| s.seller_sku.as_str()))
            .collect();
        seeded.sort_unstable();
        assert_eq!(seeded, skus);
        for p in tt.iter().filter(|p| p.skus.len() > 1) {
            let mut values: Vec<&str> = p
                .skus
                .iter()
                .map(|s| s.sales_attributes[0].1.as_str())
                .collect();
            values.sort_unstable();
            values.dedup();
            assert_eq!(values.len(), p.skus.len(), "distinct sales attributes");
        }

        let tk = tiki_products(&entries);
        let mut seeded: Vec<&str> = tk.iter().map(|p| p.original_sku.as_str()).collect();
        seeded.sort_unstable();
        assert_eq!(seeded, skus);

        let lz = lazada_products(&entries);
        assert_eq!(lz.len(), products);
        let mut seeded: Vec<&str> = lz
            .iter()
            .flat_map(|p| p.skus.iter().map(|s| s.seller_sku.as_str()))
            .collect();
        seeded.sort_unstable();
        assert_eq!(seeded, skus);
    }
}
