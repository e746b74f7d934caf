//! The instances sharing a database and the sync leases they hold.
//!
//! Renewing a lease per account cost one statement per account every few
//! seconds (2,000 accounts, hundreds of writes a second before any work).
//! Instead each instance renews only its own row in `instances`, and an
//! account's lease (`account_leases`) counts as held while its owner's row
//! has not expired: a lease row is written only when the account changes
//! hands, and then its epoch grows, which fences the previous owner's
//! completions (see `queue::complete_jobs`). A released lease keeps its row
//! and epoch with the owner `''`, so epochs never go back.

use std::time::Duration;

use crate::db::{Pool, Result, Store, now, with_pool};

/// The take as one statement: accounts among `ids` that nobody holds, that
/// were released, or whose owner's heartbeat expired become `owner`'s with
/// the epoch one higher. `ids` and `now` are the backend's expressions for
/// the list of account ids and the present.
fn take_sql(ids: &str, now: &str) -> String {
    format!(
        "INSERT INTO account_leases (account_id, owner, epoch, expires_at) \
         SELECT a, $1, 1, {now} FROM {ids} WHERE true \
         ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, \
         epoch = account_leases.epoch + 1, expires_at = excluded.expires_at \
         WHERE account_leases.owner <> excluded.owner AND NOT EXISTS \
         (SELECT 1 FROM instances i WHERE i.id = account_leases.owner AND i.expires_at > {now}) \
         RETURNING account_id, epoch"
    )
}

fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2)
}

impl Store {
    /// Renews `instance`'s heartbeat (creating its row the first time): its
    /// leases hold for `ttl` from now. One statement whatever the number of
    /// accounts. A `member` (`kho serve`) is given a share of the accounts;
    /// a one-off command holding an account is not.
    pub async fn heartbeat(&self, instance: &str, ttl: Duration, member: bool) -> Result<()> {
        const SQL: &str = "INSERT INTO instances (id, started_at, heartbeat_at, expires_at, member) \
             VALUES ($1, {now}, {now}, {until}, {member}) ON CONFLICT (id) DO UPDATE \
             SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at";
        match self.pool() {
            // PostgreSQL: the database's clock decides, so instances whose
            // clocks disagree still agree on who is alive.
            Pool::Postgres(pool) => {
                let sql = SQL
                    .replace("{now}", "now()")
                    .replace(
                        "{until}",
                        "now() + make_interval(secs => $2::float8 / 1000)",
                    )
                    .replace("{member}", "$3");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(instance)
                    .bind(ttl_ms(ttl))
                    .bind(member)
                    .execute(pool)
                    .await?;
            }
            // SQLite lives on one machine: its clock is the database's.
            Pool::Sqlite(pool) => {
                let at = now();
                let until = at + chrono::Duration::milliseconds(ttl_ms(ttl));
                let sql = SQL
                    .replace("{now}", "$2")
                    .replace("{until}", "$3")
                    .replace("{member}", "$4");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(instance)
                    .bind(at)
                    .bind(until)
                    .bind(member)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// The `kho serve` instances whose heartbeat has not expired, sorted.
    pub async fn live_instances(&self) -> Result<Vec<String>> {
        Ok(match self.pool() {
            Pool::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT id FROM instances WHERE member AND expires_at > now() ORDER BY id",
                )
                .fetch_all(pool)
                .await?
            }
            Pool::Sqlite(pool) => {
                sqlx::query_scalar(
                    "SELECT id FROM instances WHERE member AND expires_at > $1 ORDER BY id",
                )
                .bind(now())
                .fetch_all(pool)
                .await?
            }
        })
    }

    /// Removes `instance`'s row (clean shutdown, after releasing its leases),
    /// and the rows of instances dead for more than a day.
    pub async fn leave(&self, instance: &str) -> Result<()> {
        let day_ago = now() - chrono::Duration::days(1);
        with_pool!(self, |pool| {
            sqlx::query("DELETE FROM instances WHERE id = $1 OR expires_at < $2")
                .bind(instance)
                .bind(day_ago)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The sync leases `owner` holds: (account id, epoch).
    pub async fn held_leases(&self, owner: &str) -> Result<Vec<(i64, i64)>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as("SELECT account_id, epoch FROM account_leases WHERE owner = $1")
                .bind(owner)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Takes the sync leases of `ids` that are free (never held, released,
    /// or their owner's heartbeat expired) for `owner`, in one statement.
    /// Returns what was taken, with the new epochs; accounts `owner`
    /// already holds are not written and not returned.
    pub async fn take_leases(&self, owner: &str, ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(match self.pool() {
            Pool::Postgres(pool) => {
                let sql = take_sql("unnest($2::bigint[]) AS t(a)", "now()");
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(owner)
                    .bind(ids)
                    .fetch_all(pool)
                    .await?
            }
            Pool::Sqlite(pool) => {
                let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
                let sql = take_sql("(SELECT value AS a FROM json_each($2))", "$3");
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(owner)
                    .bind(list)
                    .bind(now())
                    .fetch_all(pool)
                    .await?
            }
        })
    }

    /// Releases `owner`'s sync leases of `ids` (owner `''`, epoch kept), so
    /// another instance takes them at once.
    pub async fn release_leases(&self, owner: &str, ids: &[i64]) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        Ok(match self.pool() {
            Pool::Postgres(pool) => sqlx::query(
                "UPDATE account_leases SET owner = '', expires_at = now() \
                 WHERE owner = $1 AND account_id = ANY($2)",
            )
            .bind(owner)
            .bind(ids)
            .execute(pool)
            .await?
            .rows_affected(),
            Pool::Sqlite(pool) => {
                let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
                sqlx::query(
                    "UPDATE account_leases SET owner = '', expires_at = $3 \
                     WHERE owner = $1 AND account_id IN (SELECT value FROM json_each($2))",
                )
                .bind(owner)
                .bind(list)
                .bind(now())
                .execute(pool)
                .await?
                .rows_affected()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::take_sql;

    #[test]
    fn a_take_moves_the_epoch_only_from_a_free_or_dead_owner() {
        let sql = take_sql("unnest($2::bigint[]) AS t(a)", "now()");
        assert_eq!(
            sql.split_whitespace().collect::<Vec<_>>().join(" "),
            "INSERT INTO account_leases (account_id, owner, epoch, expires_at) \
             SELECT a, $1, 1, now() FROM unnest($2::bigint[]) AS t(a) WHERE true \
             ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, \
             epoch = account_leases.epoch + 1, expires_at = excluded.expires_at \
             WHERE account_leases.owner <> excluded.owner AND NOT EXISTS \
             (SELECT 1 FROM instances i WHERE i.id = account_leases.owner AND i.expires_at > now()) \
             RETURNING account_id, epoch"
        );
    }
}
