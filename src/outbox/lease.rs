//! Account leases: which instance works an account. The sync lease (its
//! epoch fences a previous owner's completions) is held through the
//! owner's heartbeat (`outbox::instances`); reconciliation holds another,
//! renewed per account while a run lasts, so a reconcile never waits for
//! pushes.

use crate::db::{Pool, Result, Store, now, with_pool};

/// The leases renewed per account by an upsert of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lease {
    /// Held by the instance reconciling the account.
    Reconcile,
}

impl Lease {
    fn table(self) -> &'static str {
        match self {
            Lease::Reconcile => "reconcile_leases",
        }
    }

    /// The upsert that takes or renews the lease; `until` and `now` are the
    /// backend's expressions for the new expiry and the present. It returns
    /// a row only when `$2` holds the lease.
    fn take_sql(self, until: &str, now: &str) -> String {
        let t = self.table();
        format!(
            "INSERT INTO {t} (account_id, owner, expires_at) \
             VALUES ($1, $2, {until}) \
             ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, \
             expires_at = excluded.expires_at \
             WHERE {t}.owner = excluded.owner OR {t}.expires_at < {now} \
             RETURNING account_id"
        )
    }

    /// The longest time-to-live taken as it is.
    fn max_ttl_ms(self) -> i64 {
        match self {
            Lease::Reconcile => i64::MAX / 2,
        }
    }
}

impl Store {
    /// Takes or renews `lease` of an account for `owner`: `Some` when
    /// `owner` holds it, `None` when another owner's lease has not expired.
    async fn take_lease(
        &self,
        lease: Lease,
        account_id: i64,
        owner: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<i64>> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(lease.max_ttl_ms());
        Ok(match self.pool() {
            // PostgreSQL: the database's clock decides, so instances whose
            // clocks disagree still agree on who holds a lease.
            Pool::Postgres(pool) => {
                let sql =
                    lease.take_sql("now() + make_interval(secs => $3::float8 / 1000)", "now()");
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
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
                sqlx::query_scalar(sqlx::AssertSqlSafe(lease.take_sql("$3", "$4")))
                    .bind(account_id)
                    .bind(owner)
                    .bind(until)
                    .bind(at)
                    .fetch_optional(pool)
                    .await?
            }
        })
    }

    /// Gives `lease` up (end of a run), so another instance can take over
    /// at once.
    async fn give_up_lease(&self, lease: Lease, account_id: i64, owner: &str) -> Result<()> {
        let sql = format!(
            "DELETE FROM {} WHERE account_id = $1 AND owner = $2",
            lease.table()
        );
        with_pool!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(account_id)
                .bind(owner)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Takes the sync lease of one account for `owner` (`kho sync`, tests):
    /// renews `owner`'s heartbeat for `ttl` and takes the account if it is
    /// free (see `outbox::instances`). Returns the epoch when `owner` holds
    /// it: the epoch grows whenever the owner changes, and fences
    /// completions written by a previous owner. `kho serve` holds its
    /// accounts through the fleet's heartbeat instead, one statement per
    /// beat for all of them.
    pub async fn acquire_lease(
        &self,
        account_id: i64,
        owner: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<i64>> {
        self.heartbeat(owner, ttl, false).await?;
        if let Some((_, epoch)) = self.take_leases(owner, &[account_id]).await?.first() {
            return Ok(Some(*epoch));
        }
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT epoch FROM account_leases WHERE account_id = $1 AND owner = $2",
            )
            .bind(account_id)
            .bind(owner)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Gives the sync lease up (clean shutdown), so another instance can
    /// take over at once.
    pub async fn release_lease(&self, account_id: i64, owner: &str) -> Result<()> {
        self.release_leases(owner, &[account_id]).await?;
        Ok(())
    }

    /// Takes or renews the reconcile lease of an account. False when another
    /// owner holds it: a run of that account is in progress elsewhere.
    pub async fn acquire_reconcile_lease(
        &self,
        account_id: i64,
        owner: &str,
        ttl: std::time::Duration,
    ) -> Result<bool> {
        Ok(self
            .take_lease(Lease::Reconcile, account_id, owner, ttl)
            .await?
            .is_some())
    }

    pub async fn release_reconcile_lease(&self, account_id: i64, owner: &str) -> Result<()> {
        self.give_up_lease(Lease::Reconcile, account_id, owner)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::Lease;

    #[test]
    fn the_reconcile_lease_has_no_epoch() {
        let sql = Lease::Reconcile.take_sql("now() + x", "now()");
        assert_eq!(
            sql.split_whitespace().collect::<Vec<_>>().join(" "),
            "INSERT INTO reconcile_leases (account_id, owner, expires_at) VALUES ($1, $2, now() + x) \
             ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, \
             expires_at = excluded.expires_at \
             WHERE reconcile_leases.owner = excluded.owner OR reconcile_leases.expires_at < now() \
             RETURNING account_id"
        );
    }
}
