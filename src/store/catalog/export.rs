//! Exporting the catalog in the format it is imported in, so that an export
//! re-imported changes nothing.

use std::io::Write;
use std::path::Path;

use crate::catalog::file::{self, Format, WriteError};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Writes the catalog to `path` (CSV, or XLSX by extension) or to `out`.
/// Returns the number of rows written.
pub async fn export(
    store: &Store,
    path: Option<&Path>,
    out: &mut dyn Write,
    producer: Option<&str>,
) -> Result<usize, ExportError> {
    let entries = store.catalog_entries(producer).await?;
    match path {
        Some(p) if Format::of(p) == Format::Xlsx => {
            let bytes = file::write_xlsx(&entries)?;
            std::fs::write(p, bytes).map_err(WriteError::from)?;
        }
        Some(p) => {
            let f = std::fs::File::create(p).map_err(WriteError::from)?;
            file::write_csv(std::io::BufWriter::new(f), &entries)?;
        }
        None => file::write_csv(out, &entries)?,
    }
    Ok(entries.len())
}
