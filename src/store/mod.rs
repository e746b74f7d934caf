//! The database behind one API, on SQLite (embedded default) or PostgreSQL.
//!
//! The SQL is written once wherever the two dialects agree: a statement uses
//! `$1`-style placeholders, which both drivers accept, and the [`with_pool!`]
//! and [`in_tx!`] macros expand the same body once per backend, so that each
//! expansion is type-checked against its own driver. Only what truly differs
//! (DDL in `migrations/<backend>`, transaction start, row locking later) is
//! written per backend.

pub mod accounts;
pub mod catalog;
pub mod inventory;
pub mod listings;

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::config::{Backend, DatabaseUrl};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a SQLite writer waits for another before giving up. Generous,
/// because several `kho` processes may share one file.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the {backend:?} database {url}: {source}")]
    Connect {
        backend: Backend,
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the database holds an unexpected value: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// True when the database could not be reached at all (exit code 3).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Connect { .. }
                | StoreError::Database(
                    sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
                )
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A connection pool to one of the two backends.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's pool.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool) => $body,
            $crate::store::Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Runs `$body` inside a transaction bound to `$tx` and commits it when the
/// body yields `Ok`. A `?` inside the body returns early and drops the
/// transaction, which rolls it back. SQLite transactions start with
/// `BEGIN IMMEDIATE` so that a read-then-write never fails with
/// SQLITE_BUSY half-way: the write lock is taken up front and waits out the
/// busy timeout.
macro_rules! in_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite(pool) => {
                #[allow(unused_mut)]
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                if out.is_ok() {
                    $tx.commit().await?;
                }
                out
            }
            $crate::store::Store::Postgres(pool) => {
                #[allow(unused_mut)]
                let mut $tx = pool.begin().await?;
                let out = $body;
                if out.is_ok() {
                    $tx.commit().await?;
                }
                out
            }
        }
    };
}
pub(crate) use in_tx;

impl Store {
    /// Opens the database (creating a SQLite file on first use) without
    /// migrating it.
    pub async fn connect(url: &DatabaseUrl, max_connections: u32) -> Result<Store> {
        let fail = |source| StoreError::Connect {
            backend: url.backend(),
            url: url.to_string(),
            source,
        };
        match url.backend() {
            Backend::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url.expose())
                    .map_err(fail)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true);
                // An in-memory database lives in one connection only.
                let max = if url.expose().contains(":memory:") {
                    1
                } else {
                    max_connections.max(1)
                };
                let pool = SqlitePoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(SQLITE_BUSY_TIMEOUT * 2)
                    .connect_with(opts)
                    .await
                    .map_err(fail)?;
                Ok(Store::Sqlite(pool))
            }
            Backend::Postgres => {
                let opts = PgConnectOptions::from_str(url.expose()).map_err(fail)?;
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections.max(1))
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await
                    .map_err(fail)?;
                Ok(Store::Postgres(pool))
            }
        }
    }

    /// Opens and migrates: what every command does before its work.
    pub async fn open(url: &DatabaseUrl, max_connections: u32) -> Result<Store> {
        let store = Store::connect(url, max_connections).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the embedded migrations. On PostgreSQL sqlx holds an advisory
    /// lock meanwhile, so instances starting together do not race.
    pub async fn migrate(&self) -> Result<usize> {
        let before = self.applied_migrations().await.unwrap_or(0);
        match self {
            Store::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Store::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        let after = self.applied_migrations().await?;
        Ok(after.saturating_sub(before))
    }

    async fn applied_migrations(&self) -> Result<usize> {
        let n: i64 = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(pool)
                .await?
        });
        Ok(usize::try_from(n).unwrap_or(0))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }
}

/// The current time, truncated to microseconds so that both backends store
/// and return exactly the same value.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}
