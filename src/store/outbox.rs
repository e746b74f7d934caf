//! The durable outbox of the sync engine.
//!
//! Every change that affects what a listing should show recomputes the
//! listing's desired state *in the same transaction* and upserts one job per
//! (listing, kind). A burst of changes coalesces into one row whose version
//! counts them; the worker reads the payload when it makes the call (latest
//! value wins) and deletes the job only if its version has not moved
//! meanwhile. So a committed change always reaches the marketplace, across
//! crashes, and repeating a push is harmless because pushes are absolute.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::QueryBuilder;

use super::{Pool, Result, Store, StoreError, in_tx, now, with_pool};
use crate::config::Backend;
use crate::outbox::policy::{Cause, JobKind, ListingInputs, QuotaWrite, VariantView};

/// What a recomputation reads per listing ([`ListingInputs`]). Whether a
/// kind has a pending job is one probe of the `(listing_id, kind)` key per
/// kind: with `state` alone in the condition, PostgreSQL combined the key
/// with a scan of the whole `state` index for every listing on a freshly
/// filled queue, and `EXISTS` was planned as a hash of every pending job.
pub(crate) const DESIRED_INPUTS: &str = "SELECT l.id AS listing_id, l.account_id, v.id AS variant_id, \
     v.sku, l.remote_item_id, l.remote_variant_id, a.allocation, a.delist_on_expiry, l.desired_stock, l.desired_price, l.desired_active, \
     l.remote_stock, l.remote_price, l.remote_status, \
     CAST(COALESCE((SELECT SUM(s.on_hand - s.reserved) FROM stock_levels s WHERE s.variant_id = v.id), 0) AS BIGINT) AS available, \
     v.price_vnd, p.active AS product_active, v.active AS variant_active, p.ocop_cert_expires, \
     l.quota, l.consumed, \
     COALESCE((SELECT j.state = 'pending' FROM sync_jobs j WHERE j.listing_id = l.id AND j.kind = 'stock'), FALSE) AS queued_stock, \
     COALESCE((SELECT j.state = 'pending' FROM sync_jobs j WHERE j.listing_id = l.id AND j.kind = 'price'), FALSE) AS queued_price, \
     COALESCE((SELECT j.state = 'pending' FROM sync_jobs j WHERE j.listing_id = l.id AND j.kind = 'status'), FALSE) AS queued_status, \
     COALESCE(b.active, FALSE) AS burst_active, CAST(COALESCE(b.window_units, 0) AS BIGINT) AS window_units, \
     CAST(COALESCE(b.window_orders, 0) AS BIGINT) AS window_orders, \
     b.window_start \
     FROM listings l JOIN channel_accounts a ON a.id = l.account_id \
     JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id \
     LEFT JOIN variant_bursts b ON b.variant_id = v.id WHERE ";

/// The columns of a queued job, followed by one `VALUES` row per job:
/// (account, listing, kind, version 1, 'pending', due, first queued, 0).
pub(crate) const INSERT_JOBS: &str = "INSERT INTO sync_jobs (account_id, listing_id, kind, version, \
     state, due_at, first_queued_at, attempts) ";

/// Queues a job, or moves the version of the pending one. The deadline is a
/// throttle (the first change fixes it), except that a job waiting for quiet
/// (see [`ON_CONFLICT_QUIET`]) is brought forward to the new deadline: a
/// change for any other reason is pushed at once. A job that has failed
/// keeps its retry deadline, so changes never hurry a marketplace that is
/// refusing.
pub(crate) const ON_CONFLICT: &str = " ON CONFLICT (listing_id, kind) DO UPDATE SET \
     version = sync_jobs.version + 1, \
     due_at = CASE WHEN sync_jobs.state = 'dead' THEN excluded.due_at \
       WHEN sync_jobs.last_error IS NULL AND excluded.due_at < sync_jobs.due_at THEN excluded.due_at \
       ELSE sync_jobs.due_at END, \
     first_queued_at = CASE WHEN sync_jobs.state = 'dead' THEN excluded.first_queued_at \
       ELSE sync_jobs.first_queued_at END, \
     attempts = CASE WHEN sync_jobs.state = 'dead' THEN 0 ELSE sync_jobs.attempts END, \
     state = 'pending'";

/// As [`ON_CONFLICT`] for jobs that wait until their changes go quiet: a new
/// one falls due at its quiet deadline, and each change pushes a waiting
/// job's deadline out to the new one (a debounce). A job due sooner for
/// another reason (its deadline within the ordinary window, whose end is
/// bound between the two parts), claimed by a worker, or failed keeps its
/// deadline: waiting must never delay another change.
pub(crate) const ON_CONFLICT_QUIET: [&str; 2] = [
    " ON CONFLICT (listing_id, kind) DO UPDATE SET version = sync_jobs.version + 1, \
     due_at = CASE WHEN sync_jobs.state = 'dead' THEN excluded.due_at \
       WHEN sync_jobs.lease_owner IS NULL AND sync_jobs.last_error IS NULL \
         AND sync_jobs.due_at > ",
    " AND excluded.due_at > sync_jobs.due_at THEN excluded.due_at \
       ELSE sync_jobs.due_at END, \
     first_queued_at = CASE WHEN sync_jobs.state = 'dead' THEN excluded.first_queued_at \
       ELSE sync_jobs.first_queued_at END, \
     attempts = CASE WHEN sync_jobs.state = 'dead' THEN 0 ELSE sync_jobs.attempts END, \
     state = 'pending'",
];

/// Rows per multi-row write: at most 6 binds each, far below both backends'
/// limits on bound parameters however many shops list a variant.
const WRITE_CHUNK: usize = 1000;

/// What one recomputation writes, gathered so that it takes a few
/// statements per chunk of listings instead of several per listing (on
/// PostgreSQL each statement is a round trip).
#[derive(Default)]
pub(crate) struct DesiredWrites {
    /// (listing, new quota or none): quotas set or cleared.
    pub quotas: Vec<(i64, Option<i64>)>,
    /// (listing, stock, price, active): desired values that changed.
    pub desired: Vec<(i64, i64, i64, bool)>,
    /// (account, listing, kind, due): jobs queued at the ordinary pace.
    pub jobs: Vec<(i64, i64, JobKind, DateTime<Utc>)>,
    /// As `jobs`, for jobs that wait for quiet (their quiet deadline).
    pub quiet_jobs: Vec<(i64, i64, JobKind, DateTime<Utc>)>,
}

impl DesiredWrites {
    /// The statements that apply these writes, in order.
    pub(crate) fn statements<DB>(&self, q: &QueueContext) -> Vec<QueryBuilder<DB>>
    where
        DB: sqlx::Database,
        <DB as sqlx::Database>::Arguments: Default,
        for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> Option<i64>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> bool: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> &'static str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> DateTime<Utc>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        let mut out = Vec::new();
        for quotas in self.quotas.chunks(WRITE_CHUNK) {
            let mut qb = QueryBuilder::new("WITH v(id, quota) AS (");
            qb.push_values(quotas.iter(), |mut b, (id, quota)| {
                b.push_bind(*id).push_bind(*quota);
            });
            qb.push(
                ") UPDATE listings SET quota = v.quota, consumed = 0 FROM v WHERE listings.id = v.id",
            );
            out.push(qb);
        }
        for desired in self.desired.chunks(WRITE_CHUNK) {
            let mut qb = QueryBuilder::new("WITH v(id, stock, price, active) AS (");
            qb.push_values(desired.iter(), |mut b, (id, stock, price, active)| {
                b.push_bind(*id)
                    .push_bind(*stock)
                    .push_bind(*price)
                    .push_bind(*active);
            });
            qb.push(
                ") UPDATE listings SET desired_stock = v.stock, desired_price = v.price, \
                 desired_active = v.active FROM v WHERE listings.id = v.id",
            );
            out.push(qb);
        }
        let jobs = self.jobs.chunks(WRITE_CHUNK).map(|c| (c, false));
        let quiet_jobs = self.quiet_jobs.chunks(WRITE_CHUNK).map(|c| (c, true));
        for (jobs, quiet) in jobs.chain(quiet_jobs) {
            let mut qb = QueryBuilder::new(INSERT_JOBS);
            qb.push_values(jobs.iter(), |mut b, (account, listing, kind, due)| {
                b.push_bind(*account)
                    .push_bind(*listing)
                    .push_bind(kind.as_str())
                    .push("1")
                    .push("'pending'")
                    .push_bind(*due)
                    .push_bind(q.at)
                    .push("0");
            });
            if quiet {
                qb.push(ON_CONFLICT_QUIET[0])
                    .push_bind(q.due)
                    .push(ON_CONFLICT_QUIET[1]);
            } else {
                qb.push(ON_CONFLICT);
            }
            out.push(qb);
        }
        out
    }
}

/// Recomputes the desired state of every listing of the given variants inside
/// the transaction `$tx` and queues a job for each kind that changed. Yields
/// the number of jobs queued. Used by every writer that changes stock,
/// prices or activity, so the change and its jobs commit together. What to
/// write is decided by [`plan_writes`]; this only reads and writes.
macro_rules! refresh_desired {
    ($tx:ident, $variants:expr, $q:expr) => {{
        let mut queued = 0usize;
        for chunk in $variants.chunks(500) {
            let mut qb = ::sqlx::QueryBuilder::new($crate::store::outbox::DESIRED_INPUTS);
            qb.push("l.variant_id IN (");
            let mut sep = qb.separated(", ");
            for v in chunk {
                sep.push_bind(*v);
            }
            qb.push(")");
            let inputs: Vec<$crate::outbox::policy::ListingInputs> =
                qb.build_query_as().fetch_all(&mut *$tx).await?;
            let mut planned = $crate::store::outbox::plan_writes(&inputs, &$q, 0);
            if !planned.bursts_started.is_empty() {
                // Sales reported to kho but not ingested yet are sales the
                // burst's first push could overwrite: held back as well.
                let backlog: i64 = ::sqlx::query_scalar(
                    "SELECT COUNT(*) FROM webhook_events WHERE processed_at IS NULL",
                )
                .fetch_one(&mut *$tx)
                .await?;
                planned = $crate::store::outbox::plan_writes(&inputs, &$q, backlog);
            }
            for variant in &planned.bursts_started {
                ::sqlx::query("UPDATE variant_bursts SET active = TRUE WHERE variant_id = $1")
                    .bind(*variant)
                    .execute(&mut *$tx)
                    .await?;
            }
            for mut statement in planned.writes.statements(&$q) {
                statement.build().execute(&mut *$tx).await?;
            }
            queued += planned.queued;
        }
        if queued > 0 && $q.postgres {
            ::sqlx::query("SELECT pg_notify('kho_sync', '')")
                .execute(&mut *$tx)
                .await?;
        }
        queued
    }};
}
pub(crate) use refresh_desired;

/// How long a marketplace takes to report a sale to kho (its webhook, kho's
/// fetch of the order and the ingestion), for the burst guard's margin.
const REPORT_LAG: chrono::Duration = chrono::Duration::milliseconds(200);

/// What one recomputation writes, decided from what it read.
#[derive(Default)]
pub(crate) struct PlannedWrites {
    pub writes: DesiredWrites,
    /// Variants whose burst guard this change turns on.
    pub bursts_started: Vec<i64>,
    /// Jobs queued (or moved).
    pub queued: usize,
}

/// Applies the allocation policy to every listing read: desired values,
/// quotas and jobs, and whether a variant's burst guard starts (an order
/// whose window of orders took enough of what is left, on a SKU that more
/// than one shared shop lists).
pub(crate) fn plan_writes(
    inputs: &[ListingInputs],
    q: &QueueContext,
    unreported: i64,
) -> PlannedWrites {
    use std::collections::HashMap;
    let mut by_variant: HashMap<i64, Vec<&ListingInputs>> = HashMap::new();
    for input in inputs {
        by_variant.entry(input.variant_id).or_default().push(input);
    }
    let mut out = PlannedWrites::default();
    let mut views: HashMap<i64, VariantView> = HashMap::new();
    for (variant, listings) in &by_variant {
        let mut view = VariantView::of(listings);
        let mut starting = false;
        match q.cause {
            Cause::Settle { .. } => view.burst = false,
            Cause::Order { .. }
                if !view.burst
                    && view.shared_peers > 1
                    && listings.first().is_some_and(|l| {
                        crate::outbox::policy::burst_starts(
                            l.window_orders,
                            l.window_units,
                            l.available,
                            q.burst_percent,
                        )
                    }) =>
            {
                out.bursts_started.push(*variant);
                view.burst = true;
                starting = true;
            }
            _ => {}
        }
        if view.burst
            && let Some(l) = listings.first()
        {
            let window = l
                .window_start
                .map_or(chrono::Duration::zero(), |s| q.at - s);
            // The push that starts a burst is not debounced (below): each
            // moment it waits, every shop sells units it will hand out again.
            let debounce = if starting {
                chrono::Duration::zero()
            } else {
                q.due - q.at
            };
            view.margin = crate::outbox::policy::in_flight(
                l.window_units,
                window,
                debounce + REPORT_LAG,
                l.available,
                unreported,
            );
        }
        views.insert(*variant, view);
    }
    out.bursts_started.sort_unstable();
    for input in inputs {
        let view = views.get(&input.variant_id).copied().unwrap_or_default();
        let new = crate::outbox::policy::decide(input, q.today, q.cause, view);
        let kinds = crate::outbox::policy::changed_kinds(
            input,
            &new,
            matches!(q.cause, Cause::Settle { force: true }),
        );
        match new.quota {
            QuotaWrite::Keep => {}
            QuotaWrite::Set(quota) => out.writes.quotas.push((input.listing_id, Some(quota))),
            QuotaWrite::Clear => out.writes.quotas.push((input.listing_id, None)),
        }
        if input.desired_stock != Some(new.stock)
            || input.desired_price != Some(new.price)
            || input.desired_active != Some(new.active)
        {
            out.writes
                .desired
                .push((input.listing_id, new.stock, new.price, new.active));
        }
        // The push that starts a burst goes to every shop at once, the one
        // that sold included: it waits neither for quiet nor for the
        // debounce.
        let starting = out.bursts_started.binary_search(&input.variant_id).is_ok();
        for kind in kinds {
            // Nor does a push of 0 units: it cannot hand out a unit, however
            // many sales are still on their way, and the sooner a shop that
            // sold its share shows 0 the fewer it sells past it.
            let now = starting || (kind == JobKind::Stock && new.stock == 0);
            match q.quiet_deadline(input.account_id, kind).filter(|_| !now) {
                Some(quiet) => {
                    out.writes
                        .quiet_jobs
                        .push((input.account_id, input.listing_id, kind, quiet))
                }
                None => out.writes.jobs.push((
                    input.account_id,
                    input.listing_id,
                    kind,
                    if now { q.at } else { q.due },
                )),
            }
            out.queued += 1;
        }
    }
    out
}

/// The date certificates are judged by: the province's calendar day.
pub fn certificate_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
}

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

/// What a writer needs to queue jobs inside its transaction.
pub(crate) struct QueueContext {
    pub at: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub today: NaiveDate,
    pub postgres: bool,
    pub cause: Cause,
    /// How long a SKU's orders must be quiet before it is at rest.
    pub quiet: chrono::Duration,
    /// The burst guard's threshold (see [`crate::outbox::policy`]).
    pub burst_percent: u32,
}

impl QueueContext {
    /// When a job of `kind` on a listing of `account_id` waits for quiet,
    /// the deadline it waits for.
    ///
    /// A stock job on the ordering shop's own listing corrects a sale kho
    /// could not place before or after its last push (see `ingest_order`);
    /// pushing that absolute value while the shop is still selling would
    /// overwrite sales not heard of yet and put sold units back on sale. So
    /// such a job waits until the listing's orders have been quiet: by then
    /// kho knows every sale and the value is what the shop really has left.
    pub(crate) fn quiet_deadline(&self, account_id: i64, kind: JobKind) -> Option<DateTime<Utc>> {
        (kind == JobKind::Stock && self.cause == Cause::Order { account_id })
            .then(|| self.at + self.quiet)
    }
}

impl Store {
    pub(crate) fn queue_context(&self) -> QueueContext {
        let at = now();
        let policy = self.stock_policy();
        QueueContext {
            at,
            due: at + chrono::Duration::from_std(self.debounce()).unwrap_or_default(),
            today: certificate_today(),
            postgres: self.backend() == Backend::Postgres,
            cause: Cause::Edit,
            quiet: chrono::Duration::from_std(policy.quiet).unwrap_or_default(),
            burst_percent: policy.burst_percent,
        }
    }

    /// For the ingestion of an order of `account_id`.
    pub(crate) fn order_context(&self, account_id: i64) -> QueueContext {
        QueueContext {
            cause: Cause::Order { account_id },
            ..self.queue_context()
        }
    }

    /// For writers that move stock for other reasons than orders.
    pub(crate) fn rebalancing_context(&self) -> QueueContext {
        QueueContext {
            cause: Cause::Stock,
            ..self.queue_context()
        }
    }

    /// Brings the SKUs whose orders have been quiet for the quiet window to
    /// rest: a burst ends (its shared shops get their whole allocation back,
    /// and every listing of the SKU is pushed its value whatever kho believes
    /// it shows: by now every sale is known, so an absolute push is exact),
    /// and partition quotas a shop sold past are rebalanced. Returns the
    /// jobs queued. Run by the daemon a few times a second and by `kho sync`
    /// before it drains.
    pub async fn settle_quiet_bursts(&self) -> Result<usize> {
        let base = self.queue_context();
        let cut = base.at - base.quiet;
        let queued = in_tx!(self, |tx| {
            let due: Vec<(i64, bool)> = sqlx::query_as(
                "SELECT variant_id, active FROM variant_bursts \
                 WHERE unsettled AND last_order_at <= $1 ORDER BY variant_id",
            )
            .bind(cut)
            .fetch_all(&mut *tx)
            .await?;
            let mut queued = 0;
            for force in [true, false] {
                let variants: Vec<i64> = due
                    .iter()
                    .filter(|(_, active)| *active == force)
                    .map(|(v, _)| *v)
                    .collect();
                for chunk in variants.chunks(500) {
                    let mut qb = QueryBuilder::new(
                        "UPDATE variant_bursts SET active = FALSE, unsettled = FALSE, \
                         window_units = 0, window_orders = 0 WHERE last_order_at <= ",
                    );
                    qb.push_bind(cut).push(" AND variant_id IN (");
                    let mut sep = qb.separated(", ");
                    for v in chunk {
                        sep.push_bind(*v);
                    }
                    qb.push(")");
                    qb.build().execute(&mut *tx).await?;
                }
                let q = QueueContext {
                    cause: Cause::Settle { force },
                    ..self.queue_context()
                };
                queued += refresh_desired!(tx, variants, q);
            }
            Ok::<_, StoreError>(queued)
        })?;
        if queued > 0 {
            self.wake();
        }
        Ok(queued)
    }

    /// What the sync plan of an account reads: every listing of the variants
    /// the account lists (a burst splits a variant among all its shared
    /// shops), and the variants whose burst `kho sync` would end first.
    pub async fn plan_inputs(
        &self,
        account_id: i64,
    ) -> Result<(Vec<ListingInputs>, std::collections::HashSet<i64>)> {
        let cut = now() - chrono::Duration::from_std(self.stock_policy().quiet).unwrap_or_default();
        let sql = format!(
            "{DESIRED_INPUTS}l.variant_id IN (SELECT variant_id FROM listings WHERE account_id = $1) \
             ORDER BY v.sku, l.id"
        );
        Ok(with_pool!(self, |pool| {
            let inputs: Vec<ListingInputs> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(account_id)
                .fetch_all(pool)
                .await?;
            let settling: Vec<i64> = sqlx::query_scalar(
                "SELECT variant_id FROM variant_bursts WHERE unsettled AND last_order_at <= $1",
            )
            .bind(cut)
            .fetch_all(pool)
            .await?;
            (inputs, settling.into_iter().collect())
        }))
    }

    /// Variants whose burst guard is on, with when their last order came.
    pub async fn active_bursts(&self) -> Result<Vec<(i64, DateTime<Utc>)>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT variant_id, last_order_at FROM variant_bursts WHERE active ORDER BY variant_id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Recomputes desired state for the given variants and rebalances
    /// partition quotas (after a rule change).
    pub async fn rebalance(&self, variant_ids: &[i64]) -> Result<usize> {
        let q = self.rebalancing_context();
        let queued = in_tx!(self, |tx| {
            Ok::<_, StoreError>(refresh_desired!(tx, variant_ids, q))
        })?;
        if queued > 0 {
            self.wake();
        }
        Ok(queued)
    }

    /// Recomputes desired state for the given variants (own transaction).
    pub async fn refresh_desired(&self, variant_ids: &[i64]) -> Result<usize> {
        let q = self.queue_context();
        let queued = in_tx!(self, |tx| {
            Ok::<_, StoreError>(refresh_desired!(tx, variant_ids, q))
        })?;
        if queued > 0 {
            self.wake();
        }
        Ok(queued)
    }

    /// Recomputes desired state for every linked listing (at start, and by
    /// the daily certificate check).
    pub async fn refresh_all_desired(&self) -> Result<usize> {
        let variants: Vec<i64> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT DISTINCT variant_id FROM listings")
                .fetch_all(pool)
                .await?
        });
        self.refresh_desired(&variants).await
    }

    /// Queues a job for every listing of the account whose desired value
    /// differs from what the marketplace is believed to show and that has no
    /// job yet (what `kho sync` does before it drains the queue).
    pub async fn enqueue_differences(&self, account_id: i64) -> Result<usize> {
        let at = now();
        let pg = self.backend() == Backend::Postgres;
        let queued = in_tx!(self, |tx| {
            let mut n = 0;
            for (kind, cond) in [
                (
                    "stock",
                    "l.desired_stock IS NOT NULL AND (l.remote_stock IS NULL OR l.remote_stock <> l.desired_stock)",
                ),
                (
                    "price",
                    "l.desired_price IS NOT NULL AND (l.remote_price IS NULL OR l.remote_price <> l.desired_price)",
                ),
                (
                    "status",
                    "l.desired_active IS NOT NULL AND (l.remote_status IS NULL OR \
                   (l.remote_status = 'active') <> l.desired_active)",
                ),
            ] {
                let sql = format!(
                    "INSERT INTO sync_jobs (account_id, listing_id, kind, version, state, due_at, \
                     first_queued_at, attempts) \
                     SELECT l.account_id, l.id, '{kind}', 1, 'pending', $2, $2, 0 FROM listings l \
                     WHERE l.account_id = $1 AND {cond} \
                     ON CONFLICT (listing_id, kind) DO NOTHING"
                );
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(account_id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                n += done.rows_affected() as usize;
            }
            if n > 0 && pg {
                sqlx::query("SELECT pg_notify('kho_sync', '')")
                    .execute(&mut *tx)
                    .await?;
            }
            Ok::<_, StoreError>(n)
        })?;
        self.after_bulk_write(queued).await;
        if queued > 0 {
            self.wake();
        }
        Ok(queued)
    }

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
                     request_id, pushed_at) ",
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
                        .push_bind(at);
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
