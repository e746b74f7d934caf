//! The simulated marketplaces with a kho configuration in front of them:
//! one module per marketplace, and the catalogs they are seeded from.

pub mod forms;
pub mod lazada;
pub mod offline;
pub mod reports;
pub mod shopee;
pub mod tiki;
pub mod tiktok;
pub mod woocommerce;

use kho::catalog::CatalogEntry;

use super::db::sample_catalog;

pub fn sample_entries() -> Vec<CatalogEntry> {
    kho::catalog::read_entries(&std::fs::read(sample_catalog()).unwrap()).unwrap()
}

/// `products` products × `variants` variants of one producer, `stock` each.
pub fn wide_catalog(producer: &str, products: usize, variants: usize) -> Vec<CatalogEntry> {
    let mut out = Vec::new();
    for p in 0..products {
        for v in 0..variants {
            out.push(CatalogEntry {
                producer_code: producer.into(),
                producer_name: "HTX Rộng".into(),
                district: "Cao Lộc".into(),
                product_code: format!("P{p:03}"),
                product_name: format!("Sản phẩm {p}"),
                variant_sku: format!("P{p:03}-V{v}"),
                variant_name: format!("Loại {v}"),
                price_vnd: 50_000 + v as i64 * 1000,
                stock: 100,
                reserved: 0,
                weight_g: 500,
                ocop_stars: None,
                ocop_cert_no: None,
                ocop_cert_expires: None,
                category: "Khác".into(),
                description: String::new(),
                image_urls: String::new(),
                product_active: true,
                variant_active: true,
            });
        }
    }
    out
}
