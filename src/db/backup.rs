//! `kho backup`: a consistent copy of a SQLite store taken while other
//! processes (the daemon, `kho stock add`) keep writing to it.
//!
//! `VACUUM INTO` reads the whole database inside one read transaction, so
//! the copy is a snapshot of a single moment; in WAL mode that transaction
//! does not block writers, and the copy is compacted and free of a `-wal`
//! file, so it can be opened (or copied elsewhere) on its own. PostgreSQL
//! has `pg_dump` for the same job, which kho does not reimplement.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

use super::{Pool, Result, Store, StoreError};
use crate::config::{Backend, DatabaseUrl};

/// What a finished backup holds, as `kho backup` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    pub file: PathBuf,
    pub bytes: u64,
    /// Migrations applied to the copied schema: a restore needs a kho at
    /// least this recent.
    pub migrations: i64,
}

/// The file of a SQLite URL; `None` for PostgreSQL and in-memory databases.
pub fn sqlite_file(url: &DatabaseUrl) -> Option<PathBuf> {
    if url.backend() != Backend::Sqlite || url.expose().contains(":memory:") {
        return None;
    }
    let opts = SqliteConnectOptions::from_str(url.expose()).ok()?;
    Some(opts.get_filename().to_path_buf())
}

impl Store {
    /// Writes a snapshot of the SQLite database to `dest`, which must not
    /// exist (a backup never overwrites: an old backup may be the only good
    /// one), then checks the copy's integrity.
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<BackupReport> {
        let Pool::Sqlite(pool) = self.pool() else {
            return Err(StoreError::Refused(
                "kho backup copies SQLite databases; back PostgreSQL up with pg_dump".into(),
            ));
        };
        if dest.exists() {
            return Err(StoreError::Refused(format!(
                "{} already exists: kho backup never overwrites a file; name a new one",
                dest.display()
            )));
        }
        let Some(dest_text) = dest.to_str() else {
            return Err(StoreError::Refused(format!(
                "{} is not valid UTF-8: SQLite cannot be given it as a file name",
                dest.display()
            )));
        };
        sqlx::query("VACUUM INTO $1")
            .bind(dest_text)
            .execute(pool)
            .await?;
        let migrations = check_copy(dest).await?;
        let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        Ok(BackupReport {
            file: dest.to_path_buf(),
            bytes,
            migrations,
        })
    }
}

/// Opens the copy read-only and runs SQLite's quick integrity check, so a
/// backup that would not restore is reported now rather than on the day it
/// is needed. Returns how many migrations the copy has applied.
async fn check_copy(dest: &Path) -> Result<i64> {
    let mut conn: SqliteConnection = SqliteConnectOptions::new()
        .filename(dest)
        .read_only(true)
        .connect()
        .await?;
    let verdict: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await?;
    if verdict != "ok" {
        let _ = conn.close().await;
        return Err(StoreError::Corrupt(format!(
            "the backup {} fails SQLite's integrity check: {verdict}",
            dest.display()
        )));
    }
    let migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut conn)
        .await
        .unwrap_or(0);
    conn.close().await?;
    Ok(migrations)
}
