//! The desired-state recomputation: what every writer that changes stock,
//! prices or activity runs inside its own transaction, so that the change
//! and the jobs it queues commit together. The allocation policy itself is
//! [`super::policy`]; this reads its inputs and writes what it decided.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;

use crate::config::Backend;
use crate::db::{Result, Store, StoreError, in_tx, now, with_pool};
use crate::outbox::policy::{Cause, JobKind, ListingInputs, QuotaWrite, VariantView};
use crate::outbox::shelf;
use crate::store::lots::LotUnits;

/// What a recomputation reads per listing ([`ListingInputs`]). Whether a
/// kind has a pending job is one probe of the `(listing_id, kind)` key per
/// kind: with `state` alone in the condition, PostgreSQL combined the key
/// with a scan of the whole `state` index for every listing on a freshly
/// filled queue, and `EXISTS` was planned as a hash of every pending job.
pub(crate) const DESIRED_INPUTS: &str = "SELECT l.id AS listing_id, l.account_id, v.id AS variant_id, \
     v.sku, l.remote_item_id, l.remote_variant_id, a.allocation, a.delist_on_expiry, \
     CAST(a.min_shelf_life_days AS BIGINT) AS min_shelf_life_days, l.desired_stock, l.desired_price, l.desired_active, \
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

/// Recomputes the desired state of every listing of `variants` on the
/// open transaction `tx` and queues a job for each kind that
/// changed; returns the number of jobs queued. Every writer that changes
/// stock, prices or activity calls it inside its own transaction, so the
/// change and its jobs commit together. What to write is decided by
/// [`plan_writes`]; this only reads and writes.
pub(crate) async fn refresh_desired<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    variants: &[i64],
    q: &QueueContext,
) -> Result<usize>
where
    DB: sqlx::Database,
    <DB as sqlx::Database>::Arguments: Default + sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> ListingInputs: sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> LotUnits: sqlx::FromRow<'r, DB::Row>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<i64>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> bool: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> &'static str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> DateTime<Utc>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut queued = 0usize;
    for chunk in variants.chunks(500) {
        let mut qb = QueryBuilder::<DB>::new(DESIRED_INPUTS);
        qb.push("l.variant_id IN (");
        let mut sep = qb.separated(", ");
        for v in chunk {
            sep.push_bind(*v);
        }
        qb.push(")");
        let mut inputs: Vec<ListingInputs> = qb.build_query_as().fetch_all(&mut **tx).await?;
        let lots: Vec<LotUnits> = shelf::lots_query::<DB>(chunk)
            .build_query_as()
            .fetch_all(&mut **tx)
            .await?;
        shelf::apply(&mut inputs, &lots, q.today);
        let mut planned = plan_writes(&inputs, q, 0);
        if !planned.bursts_started.is_empty() {
            // Sales reported to kho but not ingested yet are sales the
            // burst's first push could overwrite: held back as well.
            let backlog: i64 = sqlx::query_scalar::<DB, i64>(
                "SELECT COUNT(*) FROM webhook_events WHERE processed_at IS NULL",
            )
            .fetch_one(&mut **tx)
            .await?;
            planned = plan_writes(&inputs, q, backlog);
        }
        for variant in &planned.bursts_started {
            sqlx::query::<DB>("UPDATE variant_bursts SET active = TRUE WHERE variant_id = $1")
                .bind(*variant)
                .execute(&mut **tx)
                .await?;
        }
        for mut statement in planned.writes.statements::<DB>(q) {
            statement.build().execute(&mut **tx).await?;
        }
        queued += planned.queued;
    }
    if queued > 0 && q.postgres {
        sqlx::query::<DB>(crate::outbox::wake::NOTIFY)
            .execute(&mut **tx)
            .await?;
    }
    Ok(queued)
}

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

/// The date certificates are judged by: the province's calendar day.
pub fn certificate_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
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
                queued += refresh_desired(&mut tx, &variants, &q).await?;
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
            let mut inputs: Vec<ListingInputs> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(account_id)
                .fetch_all(pool)
                .await?;
            let mut variants: Vec<i64> = inputs.iter().map(|i| i.variant_id).collect();
            variants.sort_unstable();
            variants.dedup();
            let mut lots: Vec<LotUnits> = Vec::new();
            for chunk in variants.chunks(500) {
                lots.extend(
                    shelf::lots_query(chunk)
                        .build_query_as::<LotUnits>()
                        .fetch_all(pool)
                        .await?,
                );
            }
            shelf::apply(&mut inputs, &lots, certificate_today());
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
            refresh_desired(&mut tx, variant_ids, &q).await
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
            refresh_desired(&mut tx, variant_ids, &q).await
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
                sqlx::query(crate::outbox::wake::NOTIFY)
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
}
