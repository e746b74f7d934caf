//! The two cooperatives of the forms' tests (over HTTP and in Chromium):
//! a small catalog, the person who signs in for the first, and the CSV a
//! person would upload.

use chrono::NaiveDate;
use kho::catalog::CatalogEntry;

pub const A: &str = "htx-a";
pub const B: &str = "htx-b";
pub const PERSON_A: &str = "Chị Lan (HTX A)";

pub fn entry(producer: &str, product: &str, sku: &str, price: i64, stock: i64) -> CatalogEntry {
    CatalogEntry {
        producer_code: producer.into(),
        producer_name: format!("HTX {producer}"),
        district: "Chi Lăng".into(),
        product_code: product.into(),
        product_name: format!("Sản phẩm {product}"),
        variant_sku: sku.into(),
        variant_name: "Hộp".into(),
        price_vnd: price,
        stock,
        reserved: 0,
        weight_g: 500,
        ocop_stars: Some(4),
        ocop_cert_no: Some(format!("OCOP-{product}")),
        ocop_cert_expires: NaiveDate::from_ymd_opt(2031, 12, 31),
        category: "Đặc sản".into(),
        description: String::new(),
        image_urls: String::new(),
        product_active: true,
        variant_active: true,
    }
}

pub fn catalog() -> Vec<CatalogEntry> {
    vec![
        entry(A, "A-NA", "A-NA-1", 85_000, 50),
        entry(A, "A-QUYT", "A-QUYT-1", 60_000, 40),
        entry(B, "B-VIT", "B-VIT-1", 250_000, 10),
    ]
}

pub fn csv(entries: &[CatalogEntry]) -> Vec<u8> {
    let mut bytes = Vec::new();
    kho::catalog::file::write_csv(&mut bytes, entries).expect("csv");
    bytes
}
