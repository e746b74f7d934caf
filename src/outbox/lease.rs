//! Account leases: which instance works an account. The sync workers hold
//! one per account (its epoch fences a previous owner's completions), and
//! reconciliation holds another, so a reconcile never waits for pushes.
//! Both are the same upsert on their own table.

use crate::db::{Pool, Result, Store, now, with_pool};

/// Which of an account's two leases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// Held by the instance whose sync workers push the account's jobs.
    Sync,
    /// Held by the instance reconciling the account.
    Reconcile,
}

impl Lease {
    fn table(self) -> &'static str {
        match self {
            Lease::Sync => "account_leases",
            Lease::Reconcile => "reconcile_leases",
        }
    }

    /// The upsert that takes or renews the lease; `until` and `now` are the
    /// backend's expressions for the new expiry and the present. It returns
    /// a row (the epoch, for the sync lease) only when `$2` holds the lease.
    fn take_sql(self, until: &str, now: &str) -> String {
        let t = self.table();
        let (epoch_column, epoch_value, epoch_update, returning) = match self {
            // The epoch grows whenever the owner changes.
            Lease::Sync => (
                ", epoch",
                ", 1",
                format!(
                    "epoch = CASE WHEN {t}.owner = excluded.owner THEN {t}.epoch \
                     ELSE {t}.epoch + 1 END, "
                ),
                "epoch",
            ),
            Lease::Reconcile => ("", "", String::new(), "account_id"),
        };
        format!(
            "INSERT INTO {t} (account_id, owner{epoch_column}, expires_at) \
             VALUES ($1, $2{epoch_value}, {until}) \
             ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, \
             {epoch_update}expires_at = excluded.expires_at \
             WHERE {t}.owner = excluded.owner OR {t}.expires_at < {now} \
             RETURNING {returning}"
        )
    }

    /// The longest time-to-live taken as it is.
    fn max_ttl_ms(self) -> i64 {
        match self {
            Lease::Sync => i64::MAX,
            Lease::Reconcile => i64::MAX / 2,
        }
    }
}

impl Store {
    /// Takes or renews `lease` of an account for `owner`: `Some` (the
    /// epoch, for [`Lease::Sync`]) when `owner` holds it, `None` when
    /// another owner's lease has not expired.
    pub async fn take_lease(
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

    /// Gives `lease` up (clean shutdown, end of a run), so another instance
    /// can take over at once.
    pub async fn give_up_lease(&self, lease: Lease, account_id: i64, owner: &str) -> Result<()> {
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

    /// Takes or renews the sync lease of an account for `owner`. Returns the
    /// epoch when `owner` holds it: the epoch grows whenever the owner
    /// changes, and fences completions written by a previous owner.
    pub async fn acquire_lease(
        &self,
        account_id: i64,
        owner: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<i64>> {
        self.take_lease(Lease::Sync, account_id, owner, ttl).await
    }

    /// Gives the sync lease up (clean shutdown), so another instance can
    /// take over at once.
    pub async fn release_lease(&self, account_id: i64, owner: &str) -> Result<()> {
        self.give_up_lease(Lease::Sync, account_id, owner).await
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
    fn the_sync_lease_moves_its_epoch_with_its_owner() {
        let sql = Lease::Sync.take_sql("$3", "$4");
        assert_eq!(
            sql.split_whitespace().collect::<Vec<_>>().join(" "),
            "INSERT INTO account_leases (account_id, owner, epoch, expires_at) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, \
             epoch = CASE WHEN account_leases.owner = excluded.owner THEN account_leases.epoch \
             ELSE account_leases.epoch + 1 END, expires_at = excluded.expires_at \
             WHERE account_leases.owner = excluded.owner OR account_leases.expires_at < $4 \
             RETURNING epoch"
        );
    }

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
