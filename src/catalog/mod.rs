//! The canonical catalog: producers (cooperatives, HTX, firms), their products
//! with OCOP certification, and variants (SKUs) with prices in whole VND.
//!
//! `file` reads and writes the catalog format of docs/src/reference/contract.md, `validate`
//! turns raw cells into typed rows with per-cell errors, `plan` diffs a file
//! against the store, and `import` ties them together all-or-nothing.

pub mod file;
pub mod limits;
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

/// Columns a file may leave out: a file without them imports as before and
/// leaves what they set as it is.
pub const OPTIONAL_COLUMNS: [&str; 1] = ["shelf_life_days"];

/// The longest shelf life a product may have, in days (ten years).
pub const MAX_SHELF_LIFE_DAYS: i64 = 3650;

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
    /// The product's shelf life in days (the default best-before of a lot is
    /// its harvest day plus this): `None` when the file has no such column,
    /// `Some(None)` when the cell is empty (no shelf life).
    pub shelf_life_days: Option<Option<i64>>,
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

/// How many problems one file may report. A file of millions of bad lines
/// once produced a 362 MB answer and held gigabytes of memory: reading
/// stops here, so the work and the answer are bounded by what is listed,
/// not by the file.
pub const MAX_PROBLEMS: usize = 100;

/// The problems found in a file, at most [`MAX_PROBLEMS`] of them listed:
/// past that, problems are only counted, or reading stops and the line it
/// stopped after is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Problems {
    list: Vec<RowError>,
    /// Found but not listed.
    more: usize,
    /// Reading stopped after this line: the rest of the file is unchecked.
    stopped_after: Option<usize>,
}

impl Problems {
    pub fn new() -> Self {
        Problems::default()
    }

    /// Lists a problem, or past the limit counts it.
    pub fn push(&mut self, e: RowError) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(e);
        } else {
            self.more += 1;
        }
    }

    /// No more can be listed: a reader stops here.
    pub fn is_full(&self) -> bool {
        self.list.len() >= MAX_PROBLEMS
    }

    /// Notes that reading stopped after `line` with input left unread.
    pub fn stop_after(&mut self, line: usize) {
        self.stopped_after = Some(line);
    }

    /// Problems found but not listed.
    pub fn more(&self) -> usize {
        self.more
    }

    /// The line reading stopped after, when the file was not read to its end.
    pub fn stopped_after(&self) -> Option<usize> {
        self.stopped_after
    }

    /// The same problems, each rewritten.
    pub fn map(mut self, f: impl FnMut(RowError) -> RowError) -> Self {
        self.list = self.list.into_iter().map(f).collect();
        self
    }

    pub(crate) fn sort_by_line(&mut self) {
        self.list.sort_by_key(|e| e.line);
    }

    /// How many problems there are, for a person: `3 problem(s)`, `250
    /// problems (… and 150 more not listed)`, or that reading stopped.
    pub fn count_text(&self) -> String {
        let listed = self.list.len();
        match (self.stopped_after, self.more) {
            (Some(line), more) => format!(
                "more than {} problems (reading stopped after line {line}, so the rest of the file was not checked; the first {listed} are listed)",
                listed + more
            ),
            (None, 0) => format!("{listed} problem(s)"),
            (None, more) => format!(
                "{} problems (the first {listed} are listed … and {more} more)",
                listed + more
            ),
        }
    }
}

impl std::ops::Deref for Problems {
    type Target = [RowError];
    fn deref(&self) -> &[RowError] {
        &self.list
    }
}

impl From<Vec<RowError>> for Problems {
    fn from(errors: Vec<RowError>) -> Self {
        let mut p = Problems::new();
        for e in errors {
            p.push(e);
        }
        p
    }
}

impl From<RowError> for Problems {
    fn from(e: RowError) -> Self {
        Problems::from(vec![e])
    }
}

impl<'a> IntoIterator for &'a Problems {
    type Item = &'a RowError;
    type IntoIter = std::slice::Iter<'a, RowError>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl IntoIterator for Problems {
    type Item = RowError;
    type IntoIter = std::vec::IntoIter<RowError>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

/// Reads and validates a catalog file into entries, without a database
/// (for seeding simulators and tools).
pub fn read_entries(bytes: &[u8]) -> Result<Vec<CatalogEntry>, Problems> {
    let rows = file::read_rows(bytes)?;
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
