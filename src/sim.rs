//! Running marketplace simulators from kho: seeding a simulated shop with
//! listings for catalog SKUs (for `kho sim`, the demo and tests).

use std::collections::BTreeMap;

use kho_simulator::shopee::{SeedItem, SeedModel};

use crate::catalog::CatalogEntry;

/// One Shopee item per product: a product with one variant becomes an item
/// whose `item_sku` is the SKU; several variants become models of one tier.
pub fn shopee_items(entries: &[CatalogEntry]) -> Vec<SeedItem> {
    let mut products: BTreeMap<&str, Vec<&CatalogEntry>> = BTreeMap::new();
    for e in entries {
        products.entry(&e.product_code).or_default().push(e);
    }
    products
        .into_values()
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
