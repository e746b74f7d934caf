//! The department's reports: sales over a period beside the previous period
//! of equal length, their exports (CSV with a byte-order mark, XLSX), and the
//! province's OCOP register (imported, compared with the catalog, fed back
//! with sales). The CLI, the API and the dashboard all call these, so the
//! same period and grouping give the same figures everywhere.

pub mod export;
pub mod ocop;
pub mod sales;

pub use sales::{Period, SalesQuery, SalesReport, sales_report};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The period or an option asked for makes no sense; the text says why.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Write(#[from] crate::catalog::file::WriteError),
}
