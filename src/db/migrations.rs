//! Which of the embedded migrations a database has applied, for
//! `kho migrate --dry-run`: read without creating sqlx's bookkeeping table,
//! so looking changes nothing.

use serde::Serialize;
use sqlx::migrate::Migrator;

use super::{POSTGRES_MIGRATIONS, Pool, Result, SQLITE_MIGRATIONS, Store, with_pool};

/// One migration of this kho binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationInfo {
    pub version: i64,
    pub description: String,
}

/// The database's schema compared with what this binary embeds.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationStatus {
    pub applied: usize,
    /// Migrations this binary would apply, in order.
    pub pending: Vec<MigrationInfo>,
    /// Versions the database has applied that this binary does not know: a
    /// newer kho migrated it, and this one must not run against it.
    pub unknown: Vec<i64>,
}

/// What a database without any migration would be told: everything pending.
pub fn all_pending(sqlite: bool) -> MigrationStatus {
    status_of(embedded(sqlite), &[])
}

fn embedded(sqlite: bool) -> &'static Migrator {
    if sqlite {
        &SQLITE_MIGRATIONS
    } else {
        &POSTGRES_MIGRATIONS
    }
}

fn status_of(migrator: &Migrator, applied: &[i64]) -> MigrationStatus {
    let known: Vec<&sqlx::migrate::Migration> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    let pending = known
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .map(|m| MigrationInfo {
            version: m.version,
            description: m.description.to_string(),
        })
        .collect();
    let unknown = applied
        .iter()
        .copied()
        .filter(|v| !known.iter().any(|m| m.version == *v))
        .collect();
    MigrationStatus {
        applied: applied.len(),
        pending,
        unknown,
    }
}

impl Store {
    /// The migrations this binary would apply, without applying any.
    pub async fn migration_status(&self) -> Result<MigrationStatus> {
        let exists_sql = match self.pool() {
            Pool::Sqlite(_) => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Pool::Postgres(_) => {
                "SELECT COUNT(*) FROM pg_catalog.pg_tables \
                 WHERE tablename = '_sqlx_migrations' AND schemaname = ANY(current_schemas(false))"
            }
        };
        let exists: i64 = with_pool!(self, |pool| {
            sqlx::query_scalar(exists_sql).fetch_one(pool).await?
        });
        let applied: Vec<i64> = if exists > 0 {
            with_pool!(self, |pool| {
                sqlx::query_scalar(
                    "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
                )
                .fetch_all(pool)
                .await?
            })
        } else {
            Vec::new()
        };
        let sqlite = matches!(self.pool(), Pool::Sqlite(_));
        Ok(status_of(embedded(sqlite), &applied))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_database_has_every_migration_pending_in_order() {
        for sqlite in [true, false] {
            let status = all_pending(sqlite);
            assert_eq!(status.applied, 0);
            assert!(status.unknown.is_empty());
            let versions: Vec<i64> = status.pending.iter().map(|m| m.version).collect();
            assert!(versions.len() >= 8, "{versions:?}");
            assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
            assert_eq!(status.pending[0].description, "catalog and ledger");
        }
    }

    #[test]
    fn applied_versions_leave_the_rest_pending_and_strangers_are_reported() {
        let status = status_of(&SQLITE_MIGRATIONS, &[1, 2, 9_999]);
        assert_eq!(status.applied, 3);
        assert_eq!(status.pending[0].version, 3);
        assert!(status.pending.iter().all(|m| m.version > 2));
        assert_eq!(status.unknown, vec![9_999]);
    }
}
