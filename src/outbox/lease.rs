//! Account leases: which instance works an account. The sync workers hold
//! one per account (its epoch fences a previous owner's completions), and
//! reconciliation holds another, so a reconcile never waits for pushes.

use crate::db::{Pool, Result, Store, now, with_pool};

impl Store {
    /// Takes or renews the lease of an account for `owner`. Returns the epoch
    /// when `owner` holds it: the epoch grows whenever the owner changes, and
    /// fences completions written by a previous owner.
    pub async fn acquire_lease(
        &self,
        account_id: i64,
        owner: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<i64>> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        Ok(match self.pool() {
            // PostgreSQL: the database's clock decides, so instances whose
            // clocks disagree still agree on who holds a lease.
            Pool::Postgres(pool) => {
                sqlx::query_scalar(
                    "INSERT INTO account_leases (account_id, owner, epoch, expires_at) \
                 VALUES ($1, $2, 1, now() + make_interval(secs => $3::float8 / 1000)) \
                 ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, \
                 epoch = CASE WHEN account_leases.owner = excluded.owner THEN account_leases.epoch \
                   ELSE account_leases.epoch + 1 END, expires_at = excluded.expires_at \
                 WHERE account_leases.owner = excluded.owner OR account_leases.expires_at < now() \
                 RETURNING epoch",
                )
                .bind(account_id)
                .bind(owner)
                .bind(ttl_ms)
                .fetch_optional(pool)
                .await?
            }
            // SQLite lives on one machine: its clock is the database's.
            Pool::Sqlite(pool) => {
                let at = now();
                let until = at + chrono::Duration::milliseconds(ttl_ms);
                sqlx::query_scalar(
                    "INSERT INTO account_leases (account_id, owner, epoch, expires_at) VALUES ($1, $2, 1, $3) \
                     ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, \
                     epoch = CASE WHEN account_leases.owner = excluded.owner THEN account_leases.epoch \
                       ELSE account_leases.epoch + 1 END, expires_at = excluded.expires_at \
                     WHERE account_leases.owner = excluded.owner OR account_leases.expires_at < $4 \
                     RETURNING epoch",
                )
                .bind(account_id)
                .bind(owner)
                .bind(until)
                .bind(at)
                .fetch_optional(pool)
                .await?
            }
        })
    }

    /// Gives a lease up (clean shutdown), so another instance can take over
    /// at once.
    pub async fn release_lease(&self, account_id: i64, owner: &str) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query("DELETE FROM account_leases WHERE account_id = $1 AND owner = $2")
                .bind(account_id)
                .bind(owner)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
