//! The durable outbox of the sync engine.
//!
//! Every change that affects what a listing should show recomputes the
//! listing's desired state *in the same transaction* and upserts one job per
//! (listing, kind). A burst of changes coalesces into one row whose version
//! counts them; the worker reads the payload when it makes the call (latest
//! value wins) and deletes the job only if its version has not moved
//! meanwhile. So a committed change always reaches the marketplace, across
//! crashes, and repeating a push is harmless because pushes are absolute.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::QueryBuilder;

use crate::config::Backend;
use crate::db::{Pool, Result, Store, StoreError, in_tx, now, with_pool};
use crate::outbox::policy::JobKind;

/// A claimed job with the payload to push, read at claim time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: i64,
    pub listing_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: JobKind,
    pub version: i64,
    pub attempts: i64,
    pub sku: String,
    pub remote_item_id: String,
    pub remote_variant_id: String,
    pub desired_stock: Option<i64>,
    pub desired_price: Option<i64>,
    pub desired_active: Option<bool>,
    pub remote_stock: Option<i64>,
    pub remote_price: Option<i64>,
    pub remote_status: Option<String>,
    /// When the change this job carries was first queued (for the
    /// change-to-push latency metric).
    pub first_queued_at: DateTime<Utc>,
}

/// Queue figures of one account.
#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow)]
pub struct QueueStats {
    pub account: String,
    pub pending: i64,
    pub dead: i64,
    pub oldest_pending: Option<DateTime<Utc>>,
}

/// A job that exhausted its chances, with the marketplace's message.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DeadLetter {
    pub id: i64,
    pub account: String,
    pub sku: String,
    pub kind: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Who holds a claim, for fencing completions.
#[derive(Debug, Clone)]
pub struct Claimant<'a> {
    pub owner: &'a str,
    pub account_id: i64,
    pub epoch: i64,
}

const FENCE: &str = "EXISTS (SELECT 1 FROM account_leases f WHERE f.account_id = $90 \
     AND f.owner = $91 AND f.epoch = $92)";

/// The value a push of `job` sends (absolute: stock, price, or 1/0 for
/// listed/unlisted).
fn pushed_value(job: &ClaimedJob) -> i64 {
    match job.kind {
        JobKind::Stock => job.desired_stock.unwrap_or_default(),
        JobKind::Price => job.desired_price.unwrap_or_default(),
        JobKind::Status => i64::from(job.desired_active.unwrap_or(true)),
    }
}

/// (before, after) of a push, as the audit shows them.
fn audit_values(job: &ClaimedJob) -> (Option<String>, Option<String>) {
    match job.kind {
        JobKind::Stock => (
            job.remote_stock.map(|v| v.to_string()),
            job.desired_stock.map(|v| v.to_string()),
        ),
        JobKind::Price => (
            job.remote_price.map(|v| v.to_string()),
            job.desired_price.map(|v| v.to_string()),
        ),
        JobKind::Status => (
            job.remote_status.clone(),
            job.desired_active
                .map(|a| if a { "active" } else { "inactive" }.to_owned()),
        ),
    }
}

impl Store {
    /// Claims up to `limit` due jobs of an account for `lease`, with their
    /// payloads. On PostgreSQL rows locked by another claimer are skipped.
    pub async fn claim_jobs(
        &self,
        account_id: i64,
        owner: &str,
        lease: std::time::Duration,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>> {
        let at = now();
        let until = at + chrono::Duration::from_std(lease).unwrap_or_default();
        let skip_locked = match self.pool() {
            Pool::Postgres(_) => " FOR UPDATE OF j SKIP LOCKED",
            Pool::Sqlite(_) => "",
        };
        let due_sql = format!(
            "SELECT j.id, l.remote_item_id FROM sync_jobs j JOIN listings l ON l.id = j.listing_id \
             WHERE j.account_id = $1 AND j.state = 'pending' AND j.due_at <= $2 \
             AND (j.lease_until IS NULL OR j.lease_until < $2) \
             ORDER BY j.due_at LIMIT $3{skip_locked}"
        );
        // Three simple statements rather than one with nested subqueries:
        // PostgreSQL planned the nested form badly on a freshly filled queue
        // (a second per claim of 500).
        let claimed: Vec<i64> = in_tx!(self, |tx| {
            let due: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(due_sql.clone()))
                .bind(account_id)
                .bind(at)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            if due.is_empty() {
                return Ok(Vec::new());
            }
            let mut ids: Vec<i64> = due.iter().map(|(id, _)| *id).collect();
            let mut items: Vec<&str> = due.iter().map(|(_, item)| item.as_str()).collect();
            items.sort_unstable();
            items.dedup();
            // Jobs not yet due ride along with a due job of the same remote
            // item: the marketplace takes the item's models in one call
            // anyway, so a burst over an item's variants costs one call per
            // debounce window instead of one per variant.
            // Two steps, each a plain index lookup: the items' listings,
            // then their jobs by `listing_id`. As one join PostgreSQL's
            // planner chose a scan of the whole queue (80 ms a claim).
            let skip_locked_plain = skip_locked.replace(" OF j", "");
            for chunk in items.chunks(500) {
                let mut qb = QueryBuilder::new("SELECT id FROM listings WHERE account_id = ");
                qb.push_bind(account_id).push(" AND remote_item_id IN (");
                let mut sep = qb.separated(", ");
                for item in chunk {
                    sep.push_bind(*item);
                }
                qb.push(")");
                let listings: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *tx).await?;
                for part in listings.chunks(1000) {
                    let mut qb = QueryBuilder::new(
                        "SELECT id FROM sync_jobs WHERE state = 'pending' \
                         AND (lease_until IS NULL OR lease_until < ",
                    );
                    qb.push_bind(at).push(") AND listing_id IN (");
                    let mut sep = qb.separated(", ");
                    for l in part {
                        sep.push_bind(*l);
                    }
                    qb.push(")").push(skip_locked_plain.as_str());
                    let more: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *tx).await?;
                    ids.extend(more);
                }
            }
            ids.sort_unstable();
            ids.dedup();
            for chunk in ids.chunks(1000) {
                let mut qb = QueryBuilder::new("UPDATE sync_jobs SET lease_owner = ");
                qb.push_bind(owner)
                    .push(", lease_until = ")
                    .push_bind(until)
                    .push(" WHERE id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(")");
                qb.build().execute(&mut *tx).await?;
            }
            Ok::<_, StoreError>(ids)
        })?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let mut jobs = Vec::with_capacity(claimed.len());
        for chunk in claimed.chunks(500) {
            let part: Vec<ClaimedJob> = with_pool!(self, |pool| {
                let mut qb = QueryBuilder::new(
                    "SELECT j.id, j.listing_id, j.kind, j.version, j.attempts, v.sku, l.remote_item_id, \
                     l.remote_variant_id, l.desired_stock, l.desired_price, l.desired_active, \
                     l.remote_stock, l.remote_price, l.remote_status, j.first_queued_at \
                     FROM sync_jobs j JOIN listings l ON l.id = j.listing_id \
                     JOIN variants v ON v.id = l.variant_id WHERE j.id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(") ORDER BY j.id");
                qb.build_query_as().fetch_all(pool).await?
            });
            jobs.extend(part);
        }
        Ok(jobs)
    }

    /// Records a push the marketplace acknowledged: see [`Store::complete_jobs`].
    pub async fn complete_job(
        &self,
        job: &ClaimedJob,
        claimant: &Claimant<'_>,
        request_id: Option<&str>,
    ) -> Result<bool> {
        Ok(self.complete_jobs(&[job], claimant, request_id).await? == Some(1))
    }

    /// Records pushes the marketplace acknowledged, in one transaction with
    /// a handful of multi-row statements whatever the batch size (one
    /// transaction per job capped the engine at a few thousand pushes a
    /// second): each listing's remote and acknowledged values, an audit
    /// row per push, and the jobs' completion — except jobs whose version
    /// moved during the call, which are given back to be pushed again with
    /// the newer value. Nothing is written when the instance no longer holds
    /// the account's lease (epoch fencing); then `None` is returned, else
    /// how many jobs were completed.
    ///
    /// On PostgreSQL the transaction gives up a lock it waited 250 ms for
    /// and is tried again: a batch locks many listings and jobs, and a
    /// writer's transaction (an import recomputing desired state) may hold
    /// some of them while it waits for others this one holds. Giving way
    /// here keeps the writer — a person's command — from ever being the
    /// deadlock's victim.
    pub async fn complete_jobs(
        &self,
        jobs: &[&ClaimedJob],
        claimant: &Claimant<'_>,
        request_id: Option<&str>,
    ) -> Result<Option<usize>> {
        let mut attempt = 0u32;
        loop {
            match self.complete_jobs_once(jobs, claimant, request_id).await {
                Err(StoreError::Database(sqlx::Error::Database(e)))
                    if attempt < 8
                        && matches!(e.code().as_deref(), Some("55P03" | "40P01" | "40001")) =>
                {
                    attempt += 1;
                    let pause = 20 * u64::from(attempt) + rand::random_range(0..20u64);
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                }
                other => return other,
            }
        }
    }

    async fn complete_jobs_once(
        &self,
        jobs: &[&ClaimedJob],
        claimant: &Claimant<'_>,
        request_id: Option<&str>,
    ) -> Result<Option<usize>> {
        if jobs.is_empty() {
            return Ok(Some(0));
        }
        let pg = self.backend() == Backend::Postgres;
        let at = now();
        let redue = at + chrono::Duration::from_std(self.debounce()).unwrap_or_default();
        // On PostgreSQL the lease row is locked until commit, so a takeover
        // cannot slip in between the check and the writes; SQLite's
        // immediate transaction already excludes every other writer.
        let fence_sql = match self.pool() {
            Pool::Postgres(_) => "SELECT CAST(1 AS BIGINT) FROM account_leases f \
                 WHERE f.account_id = $1 AND f.owner = $2 AND f.epoch = $3 FOR UPDATE"
                .to_owned(),
            Pool::Sqlite(_) => format!(
                "SELECT CAST(1 AS BIGINT) WHERE {}",
                FENCE
                    .replace("$90", "$1")
                    .replace("$91", "$2")
                    .replace("$92", "$3")
            ),
        };
        /// Rows per multi-row statement: far below both backends' limits on
        /// bound parameters.
        const CHUNK: usize = 1000;
        in_tx!(self, |tx| {
            if pg {
                sqlx::query("SET LOCAL lock_timeout = '250ms'")
                    .execute(&mut *tx)
                    .await?;
            }
            let owned: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(fence_sql.clone()))
                .bind(claimant.account_id)
                .bind(claimant.owner)
                .bind(claimant.epoch)
                .fetch_optional(&mut *tx)
                .await?;
            if owned.is_none() {
                return Ok(None);
            }
            let mut completed = 0usize;
            for chunk in jobs.chunks(CHUNK) {
                for kind in JobKind::ALL {
                    let of_kind: Vec<&&ClaimedJob> =
                        chunk.iter().filter(|j| j.kind == kind).collect();
                    if of_kind.is_empty() {
                        continue;
                    }
                    let mut qb = QueryBuilder::new("WITH v(id, val, claimed) AS (VALUES ");
                    let mut first = true;
                    for j in &of_kind {
                        if !first {
                            qb.push(", ");
                        }
                        first = false;
                        qb.push("(")
                            .push_bind(j.listing_id)
                            .push(", ")
                            .push_bind(pushed_value(j))
                            .push(", ")
                            .push_bind(j.remote_stock)
                            .push(")");
                    }
                    qb.push(") UPDATE listings SET ");
                    // Orders ingested during the call lowered the belief
                    // about the marketplace's stock (it sold those units
                    // itself): keep those changes on top of the pushed value.
                    qb.push(match kind {
                        JobKind::Stock => {
                            "remote_stock = v.val + COALESCE(listings.remote_stock - v.claimed, 0), \
                             acked_stock = v.val"
                        }
                        JobKind::Price => "remote_price = v.val, acked_price = v.val",
                        JobKind::Status => {
                            "remote_status = CASE WHEN v.val = 1 THEN 'active' ELSE 'inactive' END, \
                             acked_active = (v.val = 1)"
                        }
                    });
                    qb.push(", acked_at = ")
                        .push_bind(at)
                        .push(" FROM v WHERE listings.id = v.id");
                    qb.build().execute(&mut *tx).await?;
                }
                let mut qb = QueryBuilder::new(
                    "INSERT INTO push_audit (account_id, listing_id, kind, before, after, instance, \
                     request_id, pushed_at, queued_at) ",
                );
                qb.push_values(chunk.iter(), |mut row, j| {
                    let (before, after) = audit_values(j);
                    row.push_bind(claimant.account_id)
                        .push_bind(j.listing_id)
                        .push_bind(j.kind.as_str())
                        .push_bind(before)
                        .push_bind(after.unwrap_or_default())
                        .push_bind(claimant.owner)
                        .push_bind(request_id)
                        .push_bind(at)
                        .push_bind(j.first_queued_at);
                });
                qb.build().execute(&mut *tx).await?;
                // A job is done if its version did not move during the call.
                // One statement per version in the batch (nearly always
                // one): `id IN (…)` goes through the primary key on both
                // backends, where joining the (id, version) pairs made
                // PostgreSQL compare every pair with every job (it takes a
                // freshly claimed batch for a single row).
                let mut versions: Vec<i64> = chunk.iter().map(|j| j.version).collect();
                versions.sort_unstable();
                versions.dedup();
                for version in versions {
                    let mut qb = QueryBuilder::new("DELETE FROM sync_jobs WHERE lease_owner = ");
                    qb.push_bind(claimant.owner)
                        .push(" AND version = ")
                        .push_bind(version)
                        .push(" AND id IN (");
                    let mut sep = qb.separated(", ");
                    for j in chunk.iter().filter(|j| j.version == version) {
                        sep.push_bind(j.id);
                    }
                    qb.push(")");
                    completed += qb.build().execute(&mut *tx).await?.rows_affected() as usize;
                }
                // What is still claimed of this batch changed during the
                // call: due again at once, with the newer value.
                // A change that arrived during the call starts a new
                // debounce window rather than an immediate push, so a
                // sustained burst costs one push per window; a later
                // deadline set during the call (a job waiting for quiet)
                // stands.
                let mut qb = QueryBuilder::new(
                    "UPDATE sync_jobs SET lease_owner = NULL, lease_until = NULL, attempts = 0, \
                     due_at = CASE WHEN due_at > ",
                );
                qb.push_bind(redue)
                    .push(" THEN due_at ELSE ")
                    .push_bind(redue)
                    .push(" END WHERE lease_owner = ");
                qb.push_bind(claimant.owner).push(" AND id IN (");
                let mut sep = qb.separated(", ");
                for j in chunk {
                    sep.push_bind(j.id);
                }
                qb.push(")");
                qb.build().execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE channel_accounts SET last_push_at = $2 WHERE id = $1")
                .bind(claimant.account_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            Ok::<_, StoreError>(Some(completed))
        })
    }

    /// Gives back the claims other instances hold on an account this
    /// instance has just taken over. The previous owner is dead or has lost
    /// its lease (its completions are fenced by the epoch), so waiting for
    /// its job leases to run out would only delay the account by up to a
    /// job lease.
    pub async fn reclaim_jobs(&self, account_id: i64, owner: &str) -> Result<u64> {
        Ok(with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE sync_jobs SET lease_owner = NULL, lease_until = NULL \
                 WHERE account_id = $1 AND lease_owner IS NOT NULL AND lease_owner <> $2",
            )
            .bind(account_id)
            .bind(owner)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// Schedules a failed job again at `due` with its error.
    pub async fn retry_job(
        &self,
        job_id: i64,
        owner: &str,
        due: DateTime<Utc>,
        error: &str,
        count_attempt: bool,
    ) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE sync_jobs SET due_at = $3, last_error = $4, lease_owner = NULL, lease_until = NULL, \
                 attempts = attempts + $5 WHERE id = $1 AND lease_owner = $2",
            )
            .bind(job_id)
            .bind(owner)
            .bind(due)
            .bind(error)
            .bind(i64::from(count_attempt))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Parks a job that cannot succeed as it is, keeping the marketplace's
    /// message, until `kho sync retry-dead` or a new change revives it.
    pub async fn bury_job(&self, job_id: i64, owner: &str, error: &str) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE sync_jobs SET state = 'dead', last_error = $3, lease_owner = NULL, \
                 lease_until = NULL, attempts = attempts + 1 WHERE id = $1 AND lease_owner = $2",
            )
            .bind(job_id)
            .bind(owner)
            .bind(error)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Removes claimed jobs that need no push (their values wait for a
    /// relist, which queues them again).
    pub async fn drop_jobs(&self, ids: &[i64], owner: &str) -> Result<()> {
        for chunk in ids.chunks(500) {
            with_pool!(self, |pool| {
                let mut qb = QueryBuilder::new("DELETE FROM sync_jobs WHERE lease_owner = ");
                qb.push_bind(owner).push(" AND id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(")");
                qb.build().execute(pool).await?;
            });
        }
        Ok(())
    }

    /// Gives claimed jobs back without counting an attempt (shutdown, lost lease).
    pub async fn release_jobs(&self, owner: &str) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE sync_jobs SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
            )
            .bind(owner)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// When the account's next pending job is due, if any.
    pub async fn next_due(&self, account_id: i64) -> Result<Option<DateTime<Utc>>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT MIN(due_at) FROM sync_jobs WHERE account_id = $1 AND state = 'pending'",
            )
            .bind(account_id)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Per account with pending, unclaimed jobs: when the first is due. One
    /// query for the whole instance, so idle accounts cost nothing.
    pub async fn due_accounts(&self) -> Result<Vec<(i64, DateTime<Utc>)>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT account_id, MIN(due_at) FROM sync_jobs WHERE state = 'pending' \
                 AND (lease_until IS NULL OR lease_until < $1) GROUP BY account_id",
            )
            .bind(now())
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn queue_stats(&self) -> Result<Vec<QueueStats>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT a.name AS account, \
                 CAST(COALESCE(SUM(CASE WHEN j.state = 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT) AS pending, \
                 CAST(COALESCE(SUM(CASE WHEN j.state = 'dead' THEN 1 ELSE 0 END), 0) AS BIGINT) AS dead, \
                 MIN(CASE WHEN j.state = 'pending' THEN j.first_queued_at END) AS oldest_pending \
                 FROM channel_accounts a LEFT JOIN sync_jobs j ON j.account_id = a.id \
                 GROUP BY a.name ORDER BY a.name",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn dead_letters(&self, account: Option<&str>) -> Result<Vec<DeadLetter>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT j.id, a.name AS account, v.sku, j.kind, j.attempts, j.last_error \
                 FROM sync_jobs j JOIN channel_accounts a ON a.id = j.account_id \
                 JOIN listings l ON l.id = j.listing_id JOIN variants v ON v.id = l.variant_id \
                 WHERE j.state = 'dead' AND (CAST($1 AS TEXT) IS NULL OR a.name = $1) ORDER BY j.id",
            )
            .bind(account)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Puts dead letters back in the queue (after a fix).
    pub async fn retry_dead(&self, account: Option<&str>) -> Result<u64> {
        let at = now();
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE sync_jobs SET state = 'pending', attempts = 0, due_at = $2, lease_owner = NULL, \
                 lease_until = NULL WHERE state = 'dead' AND (CAST($1 AS TEXT) IS NULL OR account_id = \
                 (SELECT id FROM channel_accounts WHERE name = $1))",
            )
            .bind(account)
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n > 0 {
            self.wake();
        }
        Ok(n)
    }
    /// Puts one dead letter of `account` back in the queue; 0 when it is not
    /// a dead letter of that account (already retried, or someone else's).
    pub async fn retry_dead_job(&self, account: &str, job_id: i64) -> Result<u64> {
        let at = now();
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE sync_jobs SET state = 'pending', attempts = 0, due_at = $3, lease_owner = NULL, \
                 lease_until = NULL WHERE state = 'dead' AND id = $2 AND account_id = \
                 (SELECT id FROM channel_accounts WHERE name = $1)",
            )
            .bind(account)
            .bind(job_id)
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n > 0 {
            self.wake();
        }
        Ok(n)
    }

    /// Pending jobs of an account (for draining).
    pub async fn pending_jobs(&self, account_id: i64) -> Result<i64> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM sync_jobs WHERE account_id = $1 AND state = 'pending'",
            )
            .bind(account_id)
            .fetch_one(pool)
            .await?
        }))
    }
}
