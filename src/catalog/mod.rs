//! The canonical catalog: producers (cooperatives, HTX, firms), their products
//! with OCOP certification, and variants (SKUs) with prices in whole VND.
//!
//! `file` reads and writes the catalog format of CONTRACT.md, `validate`
//! turns raw cells into typed rows with per-cell errors, `plan` diffs a file
//! against the store, and `import` ties them together all-or-nothing.

pub mod export;
pub mod file;
pub mod import;
pub mod plan;
pub mod validate;
pub mod xlsx_guard;

use chrono::NaiveDate;
use serde::Serialize;

/// The columns of the catalog file, in order.
pub const COLUMNS: [&str; 16] = [
    "producer_code",
    "producer_name",
    "district",
    "product_code",
    "product_name",
    "variant_sku",
    "variant_name",
    "price_vnd",
    "stock",
    "weight_g",
    "ocop_stars",
    "ocop_cert_no",
    "ocop_cert_expires",
    "category",
    "description",
    "image_urls",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Producer {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub district: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Product {
    pub id: i64,
    pub producer_id: i64,
    pub code: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub ocop_stars: Option<i64>,
    pub ocop_cert_no: Option<String>,
    pub ocop_cert_expires: Option<NaiveDate>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Variant {
    pub id: i64,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub price_vnd: i64,
    pub weight_g: i64,
    /// `|`-separated, as in the catalog file.
    pub image_urls: String,
    pub active: bool,
}

/// One validated row of a catalog file: one variant with its product and
/// producer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogRow {
    /// 1-based line (CSV) or row (XLSX) in the file; the header is line 1.
    pub line: usize,
    pub producer_code: String,
    pub producer_name: String,
    pub district: String,
    pub product_code: String,
    pub product_name: String,
    pub variant_sku: String,
    pub variant_name: String,
    pub price_vnd: i64,
    pub stock: i64,
    pub weight_g: i64,
    pub ocop_stars: Option<i64>,
    pub ocop_cert_no: Option<String>,
    pub ocop_cert_expires: Option<NaiveDate>,
    pub category: String,
    pub description: String,
    pub image_urls: String,
}

/// A row as the store holds it, for export and listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CatalogEntry {
    pub producer_code: String,
    pub producer_name: String,
    pub district: String,
    pub product_code: String,
    pub product_name: String,
    pub variant_sku: String,
    pub variant_name: String,
    pub price_vnd: i64,
    /// On hand at the producer's default location (what the file's `stock` means).
    pub stock: i64,
    pub reserved: i64,
    pub weight_g: i64,
    pub ocop_stars: Option<i64>,
    pub ocop_cert_no: Option<String>,
    pub ocop_cert_expires: Option<NaiveDate>,
    pub category: String,
    pub description: String,
    pub image_urls: String,
    pub product_active: bool,
    pub variant_active: bool,
}

/// One problem in an input file, at a line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    /// The column's name; empty when the problem is the whole line or file.
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column.is_empty()) {
            (0, true) => f.write_str(&self.message),
            (0, false) => write!(f, "{}: {}", self.column, self.message),
            (l, true) => write!(f, "line {l}: {}", self.message),
            (l, false) => write!(f, "line {l}, {}: {}", self.column, self.message),
        }
    }
}

impl RowError {
    pub fn new(line: usize, column: &str, message: impl Into<String>) -> Self {
        RowError {
            line,
            column: column.to_owned(),
            message: message.into(),
        }
    }
}

/// Reads and validates a catalog file into entries, without a database
/// (for seeding simulators and tools).
pub fn read_entries(bytes: &[u8]) -> Result<Vec<CatalogEntry>, Vec<RowError>> {
    let table = file::read(bytes)?;
    let rows = validate::validate(&table)?;
    Ok(rows
        .into_iter()
        .map(|r| CatalogEntry {
            producer_code: r.producer_code,
            producer_name: r.producer_name,
            district: r.district,
            product_code: r.product_code,
            product_name: r.product_name,
            variant_sku: r.variant_sku,
            variant_name: r.variant_name,
            price_vnd: r.price_vnd,
            stock: r.stock,
            reserved: 0,
            weight_g: r.weight_g,
            ocop_stars: r.ocop_stars,
            ocop_cert_no: r.ocop_cert_no,
            ocop_cert_expires: r.ocop_cert_expires,
            category: r.category,
            description: r.description,
            image_urls: r.image_urls,
            product_active: true,
            variant_active: true,
        })
        .collect())
}
