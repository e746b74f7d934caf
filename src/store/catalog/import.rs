//! Importing a catalog file, all or nothing.

use std::path::Path;

use super::{ImportError, Provenance};
use crate::catalog::plan::Plan;
use crate::catalog::{Problems, file};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ImportFileError {
    #[error("cannot read {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The problems found, by line and column (at most
    /// [`crate::catalog::MAX_PROBLEMS`]); nothing was changed.
    #[error("{} in the file; nothing was changed", .0.count_text())]
    Invalid(Problems),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads, validates and imports a catalog file. With `dry_run` the plan is
/// computed against the database exactly as a real import would, and
/// nothing is written.
pub async fn import_file(
    store: &Store,
    path: &Path,
    dry_run: bool,
    actor: &str,
) -> Result<Plan, ImportFileError> {
    let bytes = std::fs::read(path).map_err(|source| ImportFileError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    import_bytes(store, &bytes, &name, dry_run, actor).await
}

pub async fn import_bytes(
    store: &Store,
    bytes: &[u8],
    name: &str,
    dry_run: bool,
    actor: &str,
) -> Result<Plan, ImportFileError> {
    let rows = file::read_rows(bytes).map_err(ImportFileError::Invalid)?;
    let who = Provenance {
        actor: actor.to_owned(),
        reference: Some(format!("import:{name}")),
    };
    match store.import_catalog(&rows, dry_run, &who).await {
        Ok(plan) => Ok(plan),
        Err(ImportError::Rejected(errors)) => Err(ImportFileError::Invalid(errors)),
        Err(ImportError::Store(e)) => Err(ImportFileError::Store(e)),
    }
}
