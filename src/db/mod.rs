//! The connection to the database, on SQLite (embedded default) or
//! PostgreSQL: the pool, transactions, migrations and the store's error.
//! The lowest layer of kho's own code: it knows tables, not what they mean,
//! and imports nothing of kho but the configuration and the keyring.
//!
//! The SQL is written once wherever the two dialects agree: a statement uses
//! `$1`-style placeholders, which both drivers accept, and [`with_pool!`] and
//! [`in_tx!`] expand the same body once per backend (the statements are
//! checked by the database when they run: kho uses no compile-time query
//! macros). Only what truly differs (DDL in `migrations/<backend>`,
//! transaction start, row locking later) is written per backend.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use crate::config::StockPolicy;
use crate::config::{Backend, DatabaseUrl};

mod backup;
mod migrations;
pub use backup::{BackupReport, sqlite_file};
pub use migrations::{MigrationInfo, MigrationStatus, all_pending};

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
    #[error("{0} not found")]
    NotFound(String),
    /// A request the data does not allow (nothing was changed).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretsError),
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
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database, with what every writer needs to know about the sync
/// engine: how long changes coalesce, and whom to wake when a job is queued.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// Debounce/throttle window of new sync jobs, in milliseconds.
    debounce_ms: AtomicU64,
    /// Wakes this process's sync workers when a job is queued (SQLite has no
    /// LISTEN/NOTIFY; on PostgreSQL this supplements it for the same process).
    wake: Notify,
    /// Seals and opens marketplace tokens (none: tokens cannot be stored).
    keyring: std::sync::RwLock<Option<Arc<crate::secrets::Keyring>>>,
    /// The quiet window and the burst guard (`[sync]` in the configuration).
    stock_policy: std::sync::RwLock<StockPolicy>,
}

/// Runs `$body` with `$pool` bound to the backend's pool.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store.pool() {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Runs `$body` inside a transaction bound to `$tx` and yields the body's
/// result, after committing when it is `Ok`; on `Err` the transaction is
/// dropped, which rolls it back. The body is an `async` block of its own: a
/// `?` or a `return` in it ends the body (and, when it is an `Err`, rolls
/// back), never the function around it, and failing to begin or commit
/// yields an `Err` as well. So the whole is an expression of the body's
/// `Result` type, whose error must convert from `sqlx::Error`.
///
/// SQLite transactions start with `BEGIN IMMEDIATE` so that a
/// read-then-write never fails with SQLITE_BUSY half-way: the write lock is
/// taken up front and waits out the busy timeout.
///
/// `in_tx!(store, replayable, |tx| …)` is for a write the marketplaces can
/// replay (a webhook's receipt, an order's ingestion): on PostgreSQL its
/// commit does not wait for the WAL flush. See `Store::store_webhook` for
/// why that is safe and what it buys.
///
/// A macro rather than a function taking a closure because the body is
/// written once and compiled for each backend's transaction type (a
/// closure cannot be generic over it).
macro_rules! in_tx {
    ($store:expr, replayable, |$tx:ident| $body:expr) => {
        $crate::db::in_tx!(@run $store, true, |$tx| $body)
    };
    ($store:expr, |$tx:ident| $body:expr) => {
        $crate::db::in_tx!(@run $store, false, |$tx| $body)
    };
    (@run $store:expr, $replayable:expr, |$tx:ident| $body:expr) => {
        async {
            match $store.pool() {
                $crate::db::Pool::Sqlite(pool) => {
                    #[allow(unused_mut)]
                    let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                    let out = async { $body }.await;
                    if out.is_ok() {
                        $tx.commit().await?;
                    }
                    out
                }
                $crate::db::Pool::Postgres(pool) => {
                    #[allow(unused_mut)]
                    let mut $tx = pool.begin().await?;
                    if $replayable {
                        ::sqlx::query("SET LOCAL synchronous_commit = off")
                            .execute(&mut *$tx)
                            .await?;
                    }
                    let out = async { $body }.await;
                    if out.is_ok() {
                        $tx.commit().await?;
                    }
                    out
                }
            }
        }
        .await
    };
}
pub(crate) use in_tx;

/// How many rows one write must change before the statistics are refreshed.
const BULK_ROWS: usize = 1000;

impl Store {
    fn new(pool: Pool) -> Store {
        Store {
            pool,
            shared: Arc::new(Shared {
                debounce_ms: AtomicU64::new(100),
                wake: Notify::new(),
                keyring: std::sync::RwLock::new(None),
                stock_policy: std::sync::RwLock::new(StockPolicy::default()),
            }),
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// How long a burst of changes to one listing coalesces before it is
    /// pushed (a throttle: the first change fixes the deadline).
    pub fn set_debounce(&self, debounce: Duration) {
        let ms = u64::try_from(debounce.as_millis()).unwrap_or(u64::MAX);
        self.shared.debounce_ms.store(ms, Ordering::Relaxed);
    }

    pub fn set_stock_policy(&self, policy: StockPolicy) {
        match self.shared.stock_policy.write() {
            Ok(mut slot) => *slot = policy,
            Err(poisoned) => *poisoned.into_inner() = policy,
        }
    }

    pub fn stock_policy(&self) -> StockPolicy {
        match self.shared.stock_policy.read() {
            Ok(p) => *p,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    pub fn debounce(&self) -> Duration {
        Duration::from_millis(self.shared.debounce_ms.load(Ordering::Relaxed))
    }

    /// The keys that seal marketplace tokens (from `secrets` in the
    /// configuration); shared by every clone of this store.
    pub fn set_keyring(&self, keyring: Option<crate::secrets::Keyring>) {
        let mut slot = match self.shared.keyring.write() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        *slot = keyring.map(Arc::new);
    }

    pub(crate) fn keyring(&self) -> Result<Arc<crate::secrets::Keyring>> {
        let slot = match self.shared.keyring.read() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        slot.clone()
            .ok_or(StoreError::Secrets(crate::secrets::SecretsError::NoKey))
    }

    /// What wakes this process's sync workers (see `outbox::wake`).
    pub(crate) fn waker(&self) -> &Notify {
        &self.shared.wake
    }

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
                Ok(Store::new(Pool::Sqlite(pool)))
            }
            Backend::Postgres => {
                // kho's statements are short; PostgreSQL's JIT compiler,
                // triggered by cost estimates of a freshly filled table,
                // spent 100+ ms compiling statements that run in a few.
                let opts = PgConnectOptions::from_str(url.expose())
                    .map_err(fail)?
                    .options([("jit", "off")]);
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections.max(1))
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await
                    .map_err(fail)?;
                Ok(Store::new(Pool::Postgres(pool)))
            }
        }
    }

    /// After a writer changed at least [`BULK_ROWS`] rows at once (an
    /// import, a first link, a full sync's queue), refreshes PostgreSQL's
    /// statistics of the tables the sync engine reads. Until autovacuum gets
    /// to them the planner takes a freshly filled queue for a tiny one and
    /// scans every pending job on each claim (a 60,000-job sync ran at half
    /// speed). SQLite plans from its indexes alone.
    pub(crate) async fn after_bulk_write(&self, rows: usize) {
        if rows < BULK_ROWS {
            return;
        }
        if let Pool::Postgres(pool) = &self.pool
            && let Err(e) = sqlx::raw_sql("ANALYZE listings, sync_jobs, stock_levels, variants")
                .execute(pool)
                .await
        {
            tracing::warn!(error = %e, "could not refresh the database's statistics after a bulk write");
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
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
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
        match &self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
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
