//! Reconciliation: read every remote listing and the window's orders of an
//! account, compare them with the canonical store, the outbox and what kho
//! last pushed, store the run with its drift items, and optionally repair
//! (`--fix`): missed orders are ingested, canonical values queued and
//! pushed, deleted listings published again. Nothing is ever deleted on a
//! marketplace; unknown and duplicated SKUs wait for a person.

pub mod diff;
pub mod publish;
pub mod report;
pub mod schedule;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kho_channel::{
    Channel, ChannelError, OrderQuery, OrderTimeField, PageToken, RemoteListing, RemoteOrder,
    TimeWindow,
};
use serde::Serialize;

use crate::config::AccountConfig;
use crate::store::reconcile::{AwaitingItem, ReconcileItem};
use crate::store::{Store, StoreError};
use crate::sync::engine::{EngineSettings, Mode, Worker};
use diff::{AwaitKey, Diff, Input};
use publish::Published;

/// How long a run holds its account's reconcile lease between renewals.
const LEASE: Duration = Duration::from_secs(120);
/// Renew the lease this often while reading.
const RENEW_EVERY: Duration = Duration::from_secs(30);
/// The order window of an account's first reconciliation.
pub const DEFAULT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// How far each order window reaches back before the previous run.
const WINDOW_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::minutes(10);
/// Order lists are asked for in windows no longer than this (Shopee caps
/// them at 15 days).
const MAX_ORDER_WINDOW: chrono::TimeDelta = chrono::TimeDelta::days(14);

/// What a run does besides comparing.
#[derive(Debug, Clone)]
pub struct Options {
    pub fix: bool,
    /// The order window's length; from the last successful run (else 24 h)
    /// when `None`.
    pub since: Option<chrono::TimeDelta>,
    /// Who runs (daemon instance or CLI process), for the lease.
    pub owner: String,
    pub restock_on_return: bool,
}

/// What `--fix` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FixReport {
    pub orders_ingested: usize,
    /// Listings whose observed remote value became kho's belief.
    pub values_observed: usize,
    pub dead_letters_retried: u64,
    pub jobs_queued: usize,
    pub republished: Vec<Published>,
    pub filed_for_linking: usize,
    pub pushed: usize,
    pub push_failures: Vec<String>,
    pub still_pending: i64,
    pub dead_letters: usize,
    /// Why pushing stopped early (e.g. a daemon works the account: it
    /// pushes what was queued).
    pub stopped: Option<String>,
}

/// One account's reconciliation.
#[derive(Debug, Clone, Serialize)]
pub struct AccountReport {
    pub account: String,
    pub channel: String,
    pub run_id: Option<i64>,
    /// `clean`, `drift`, `failed`, or `skipped` (another run of the account
    /// was in progress).
    pub outcome: String,
    pub error: Option<String>,
    pub remote_listings: usize,
    pub linked_listings: usize,
    pub orders_from: Option<DateTime<Utc>>,
    pub orders_to: Option<DateTime<Utc>>,
    pub orders_on_marketplace: usize,
    pub counts: BTreeMap<String, i64>,
    pub items: Vec<ReconcileItem>,
    pub awaiting: Vec<AwaitingItem>,
    pub fix: Option<FixReport>,
    pub seconds: f64,
}

impl AccountReport {
    fn new(account: &AccountConfig) -> Self {
        AccountReport {
            account: account.name.clone(),
            channel: account.channel.as_str().to_owned(),
            run_id: None,
            outcome: "running".into(),
            error: None,
            remote_listings: 0,
            linked_listings: 0,
            orders_from: None,
            orders_to: None,
            orders_on_marketplace: 0,
            counts: BTreeMap::new(),
            items: Vec::new(),
            awaiting: Vec::new(),
            fix: None,
            seconds: 0.0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum ReadError {
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("lost the reconcile lease to another run")]
    LeaseLost,
}

/// Reconciles one account, unless another run of it holds the lease (then
/// the report says `skipped`). A marketplace that cannot be read makes a
/// `failed` run; only database errors are returned as errors.
pub async fn run_account(
    store: &Store,
    channel: Arc<dyn Channel>,
    account: &AccountConfig,
    account_id: i64,
    opts: &Options,
    progress: &(dyn Fn(String) + Sync),
) -> Result<AccountReport, StoreError> {
    let started = Instant::now();
    let mut report = AccountReport::new(account);
    if !store
        .acquire_reconcile_lease(account_id, &opts.owner, LEASE)
        .await?
    {
        report.outcome = "skipped".into();
        report.error = Some("another reconciliation of this account is running".into());
        metrics::counter!("kho_reconcile_runs_total", "account" => account.name.clone(), "outcome" => "skipped")
            .increment(1);
        return Ok(report);
    }
    let result = run_locked(
        store,
        channel,
        account,
        account_id,
        opts,
        progress,
        &mut report,
    )
    .await;
    if let Err(e) = store.release_reconcile_lease(account_id, &opts.owner).await {
        tracing::warn!(account = %account.name, error = %e, "cannot release the reconcile lease");
    }
    report.seconds = started.elapsed().as_secs_f64();
    result?;
    record_metrics(&report);
    Ok(report)
}

fn record_metrics(report: &AccountReport) {
    metrics::counter!("kho_reconcile_runs_total", "account" => report.account.clone(), "outcome" => report.outcome.clone())
        .increment(1);
    if report.outcome != "failed" {
        for kind in diff::kind::ALL {
            metrics::gauge!("kho_reconcile_drift_items", "account" => report.account.clone(), "kind" => kind)
                .set(report.counts.get(kind).copied().unwrap_or(0) as f64);
        }
        metrics::gauge!("kho_reconcile_awaiting_items", "account" => report.account.clone())
            .set(report.awaiting.len() as f64);
    }
    metrics::gauge!("kho_reconcile_last_run_timestamp_seconds", "account" => report.account.clone())
        .set(Utc::now().timestamp() as f64);
    metrics::gauge!("kho_reconcile_last_run_seconds", "account" => report.account.clone())
        .set(report.seconds);
}

struct Remote {
    listings: Vec<RemoteListing>,
    missed: Vec<RemoteOrder>,
    /// Missed orders kho has, in an older status: id → kho's status.
    stale: BTreeMap<String, String>,
    orders: usize,
}

async fn run_locked(
    store: &Store,
    channel: Arc<dyn Channel>,
    account: &AccountConfig,
    account_id: i64,
    opts: &Options,
    progress: &(dyn Fn(String) + Sync),
    report: &mut AccountReport,
) -> Result<(), StoreError> {
    let run_id = store.begin_reconcile_run(account_id, opts.fix).await?;
    report.run_id = Some(run_id);
    let to = Utc::now();
    let from = match opts.since {
        Some(d) => to - d,
        // Overlapping the previous run's window costs nothing (orders kho
        // has are filtered out) and covers orders updated while it ran and
        // marketplaces that round window ends.
        None => store
            .last_reconciled_at(account_id)
            .await?
            .map(|t| t - WINDOW_OVERLAP)
            .unwrap_or(to - DEFAULT_WINDOW),
    };
    report.orders_from = Some(from);
    report.orders_to = Some(to);
    let remote = match read_remote(
        store,
        channel.as_ref(),
        account_id,
        &opts.owner,
        TimeWindow::new(from, to),
        progress,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            if let ReadError::Channel(c) = &e {
                crate::sync::push::mark_account(store, &account.name, c).await?;
            }
            let message = e.to_string();
            store
                .finish_reconcile_run(run_id, &[], Some(&message))
                .await?;
            report.outcome = "failed".into();
            report.error = Some(message);
            if let ReadError::Store(s) = e {
                return Err(s);
            }
            return Ok(());
        }
    };
    report.remote_listings = remote.listings.len();
    report.orders_on_marketplace = remote.orders;
    progress(format!("comparing {} listing(s)", remote.listings.len()));

    // SKUs whose orders went quiet are compared at rest (what the daemon
    // does a few times a second; `kho reconcile` may run without it).
    store.settle_quiet_bursts().await?;
    let canonical = store.reconcile_canonical(account_id).await?;
    report.linked_listings = canonical.len();
    let jobs = store.reconcile_jobs(account_id).await?;
    let producer_skus: HashSet<String> = store
        .producer_skus(&account.producer)
        .await?
        .into_iter()
        .map(|(_, sku)| sku)
        .collect();
    let awaiting: HashSet<AwaitKey> = store
        .awaiting_items(Some(&account.name))
        .await?
        .into_iter()
        .map(|a| AwaitKey {
            kind: a.kind,
            seller_sku: a.seller_sku,
            remote_ids: a.remote_ids,
        })
        .collect();
    let d: Diff = diff::diff(&Input {
        remote: &remote.listings,
        canonical: &canonical,
        jobs: &jobs,
        missed_orders: &remote.missed,
        stale_orders: &remote.stale,
        producer_skus: &producer_skus,
        awaiting: &awaiting,
    });
    let keep: Vec<(String, String, String)> = d
        .still_awaiting
        .iter()
        .map(|k| (k.kind.clone(), k.seller_sku.clone(), k.remote_ids.clone()))
        .collect();
    let file: Vec<(String, String, String, Option<String>)> = if opts.fix {
        d.to_file
            .iter()
            .map(|(k, detail)| {
                (
                    k.kind.clone(),
                    k.seller_sku.clone(),
                    k.remote_ids.clone(),
                    Some(detail.clone()),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    store.set_awaiting(account_id, &keep, &file).await?;
    report.outcome = store.finish_reconcile_run(run_id, &d.items, None).await?;
    for i in &d.items {
        *report.counts.entry(i.kind.clone()).or_default() += 1;
    }
    report.items = d.items.clone();
    if opts.fix && !d.items.is_empty() {
        progress("repairing".into());
        let mut fix = repair(
            store,
            &channel,
            account,
            account_id,
            &d,
            &remote.missed,
            opts,
        )
        .await?;
        fix.filed_for_linking = file.len();
        report.fix = Some(fix);
    }
    report.awaiting = store.awaiting_items(Some(&account.name)).await?;
    Ok(())
}

/// Reads every remote listing (page by page, through the account's rate
/// limiter) and the window's orders kho has not ingested.
async fn read_remote(
    store: &Store,
    channel: &dyn Channel,
    account_id: i64,
    owner: &str,
    window: TimeWindow,
    progress: &(dyn Fn(String) + Sync),
) -> Result<Remote, ReadError> {
    let mut listings = Vec::new();
    let mut page: Option<PageToken> = None;
    let mut renewed = Instant::now();
    loop {
        let got = channel.list_listings(page.as_ref()).await?;
        listings.extend(got.items);
        progress(format!("reading listings: {}", listings.len()));
        if renewed.elapsed() >= RENEW_EVERY {
            if !store
                .acquire_reconcile_lease(account_id, owner, LEASE)
                .await?
            {
                return Err(ReadError::LeaseLost);
            }
            renewed = Instant::now();
        }
        match got.next {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    progress("reading orders".into());
    // Marketplaces filter in whole seconds and exclude the window's end.
    let end = window.to + chrono::Duration::seconds(1);
    let mut refs: Vec<(String, Option<kho_channel::OrderStatus>)> = Vec::new();
    for part in TimeWindow::new(window.from, end).split(MAX_ORDER_WINDOW) {
        let query = OrderQuery {
            window: part,
            field: OrderTimeField::Updated,
        };
        let mut page: Option<PageToken> = None;
        loop {
            let got = channel.list_orders(&query, page.as_ref()).await?;
            refs.extend(got.items.into_iter().map(|r| (r.order_id, r.status)));
            match got.next {
                Some(next) => page = Some(next),
                None => break,
            }
        }
    }
    refs.sort_by(|a, b| a.0.cmp(&b.0));
    refs.dedup_by(|a, b| a.0 == b.0);
    let ids: Vec<String> = refs.iter().map(|r| r.0.clone()).collect();
    let known = store.known_orders(account_id, &ids).await?;
    // Orders kho has never seen, and orders whose newer status (a lost
    // cancellation, say) kho has not ingested.
    let mut stale = BTreeMap::new();
    let fetch: Vec<String> = refs
        .iter()
        .filter(|(id, remote)| match known.get(id) {
            None => true,
            Some(have) => {
                let current = crate::orders::state::parse(have);
                match (current, remote) {
                    (Some(c), Some(r)) if crate::orders::state::effective(c, *r) != c => {
                        stale.insert(id.clone(), have.clone());
                        true
                    }
                    _ => false,
                }
            }
        })
        .map(|(id, _)| id.clone())
        .collect();
    let mut missed = Vec::new();
    let chunk = channel.capabilities().max_order_details.max(1);
    for part in fetch.chunks(chunk) {
        missed.extend(channel.get_orders(part).await?);
    }
    missed.sort_by(|a, b| a.order_id.cmp(&b.order_id));
    Ok(Remote {
        listings,
        missed,
        stale,
        orders: ids.len(),
    })
}

/// `--fix`: ingest missed orders, take observed values as kho's belief and
/// queue the canonical ones, retry dead letters, publish deleted listings
/// again, then push the account's queue.
async fn repair(
    store: &Store,
    channel: &Arc<dyn Channel>,
    account: &AccountConfig,
    account_id: i64,
    d: &Diff,
    missed: &[RemoteOrder],
    opts: &Options,
) -> Result<FixReport, StoreError> {
    let mut fix = FixReport::default();
    for o in missed {
        crate::orders::intake::ingest(store, account_id, &account.name, o, opts.restock_on_return)
            .await?;
        fix.orders_ingested += 1;
    }
    for ob in &d.observed {
        store
            .observe_remote(ob.listing_id, ob.kind, ob.value)
            .await?;
        fix.values_observed += 1;
    }
    if d.items.iter().any(|i| i.cause == diff::cause::PUSH_FAILED) {
        fix.dead_letters_retried = store.retry_dead(Some(&account.name)).await?;
    }
    fix.jobs_queued = store.enqueue_differences(account_id).await?;
    if !d.missing.is_empty() {
        let skus: Vec<String> = d.missing.iter().map(|m| m.sku.clone()).collect();
        match publish::publish(
            store,
            channel.as_ref(),
            account,
            account_id,
            &skus,
            true,
            &|_, _| {},
        )
        .await
        {
            Ok(r) => fix.republished = r.products,
            Err(publish::PublishError::Store(e)) => return Err(e),
            Err(e @ publish::PublishError::UnknownSkus { .. }) => {
                fix.push_failures.push(e.to_string())
            }
        }
    }
    let worker = Worker {
        store: store.clone(),
        channel: channel.clone(),
        account_id,
        settings: EngineSettings::new(opts.owner.clone()),
        ownership: None,
    };
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let pushed = worker
        .run(
            Mode::Drain {
                horizon: Duration::from_secs(10),
            },
            stopped,
        )
        .await;
    fix.pushed = pushed.pushed;
    fix.push_failures.extend(
        pushed
            .failures
            .iter()
            .map(|f| format!("{} {} → {}: {}", f.sku, f.kind, f.value, f.error)),
    );
    fix.stopped = pushed.stopped;
    fix.still_pending = store.pending_jobs(account_id).await?;
    fix.dead_letters = store.dead_letters(Some(&account.name)).await?.len();
    Ok(fix)
}

/// Exit code of a whole reconciliation (docs/src/reference/contract.md): 3 when an account
/// could not be reconciled, else 1 when drift was found, else 0.
pub fn exit_code(reports: &[AccountReport]) -> u8 {
    if reports
        .iter()
        .any(|r| r.outcome == "failed" || r.outcome == "skipped")
    {
        3
    } else if reports.iter().any(|r| r.outcome == "drift") {
        1
    } else {
        0
    }
}
