//! The sync engine: one worker per account claims due jobs from the outbox,
//! groups them as the channel allows, pushes through the adapter (which goes
//! through the shared transport's rate limiter and short retries), and
//! records each outcome — completion, a retry with jittered exponential
//! backoff, or a dead letter with the marketplace's message.
//!
//! No database transaction is held across an HTTP call: a claim is a lease
//! written in its own short transaction, and completion is another.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use kho_channel::{
    BatchOutcome, Channel, ChannelError, ErrorKind, PriceUpdate, RemoteId, StatusChange,
    StockUpdate,
};
use rand::Rng;
use serde::Serialize;
use tokio::sync::watch;

use crate::outbox::policy::JobKind;
use crate::outbox::{Claimant, ClaimedJob};
use crate::store::accounts::AccountState;
use crate::store::{Store, StoreError};
use crate::sync::ownership::Ownership;

/// Tunables of the engine.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// This process, in leases, claims and the audit.
    pub instance: String,
    /// Jobs claimed at once per account.
    pub batch: i64,
    /// How long a claim lasts if the worker dies before finishing.
    pub job_lease: Duration,
    /// How long an account's lease lasts without renewal.
    pub account_lease: Duration,
    /// The longest a worker sleeps without looking at the queue (the
    /// fallback when a wake-up is missed, e.g. a change made by another
    /// process on SQLite).
    pub poll: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl EngineSettings {
    pub fn new(instance: impl Into<String>) -> Self {
        EngineSettings {
            instance: instance.into(),
            batch: 500,
            job_lease: Duration::from_secs(60),
            account_lease: Duration::from_secs(15),
            poll: Duration::from_millis(500),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(300),
        }
    }
}

/// A unique name for this process.
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "kho".into());
    let nonce: u32 = rand::rng().random();
    format!("{host}-{}-{nonce:08x}", std::process::id())
}

/// How a worker ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Until shutdown (`kho serve`).
    Daemon,
    /// Until nothing is due within `horizon` (`kho sync`): what is left then
    /// is failing.
    Drain { horizon: Duration },
}

/// A push the marketplace refused.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub sku: String,
    pub kind: JobKind,
    pub value: String,
    pub error: String,
    /// Parked as a dead letter (permanent), or still being retried.
    pub dead: bool,
}

/// What one worker did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct WorkerReport {
    pub account: String,
    pub pushed: usize,
    pub calls_failed: usize,
    pub failures: Vec<Failure>,
    /// Why the worker stopped early, if it did.
    pub stopped: Option<String>,
}

pub struct Worker {
    pub store: Store,
    pub channel: Arc<dyn Channel>,
    pub account_id: i64,
    pub settings: EngineSettings,
    /// Set by `kho serve`: the account is worked while the instance holds
    /// it (`daemon::fleet`), and the worker sleeps until the dispatcher
    /// wakes it. Without it the worker takes the lease itself.
    pub ownership: Option<Arc<Ownership>>,
}

/// Resolves once a stop is requested. A dropped sender means nobody can ask
/// any more: that never resolves, rather than looking like a stop (or, worse,
/// resolving at once in a loop).
async fn stop_requested(shutdown: &mut watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow_and_update() {
            return;
        }
        if shutdown.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

fn jitter(d: Duration) -> Duration {
    let f: f64 = rand::rng().random_range(0.5..=1.0);
    d.mul_f64(f)
}

impl Worker {
    fn name(&self) -> &str {
        self.channel.account()
    }

    fn backoff(&self, attempts: i64) -> Duration {
        let exp = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
        let d = self
            .settings
            .backoff_base
            .saturating_mul(2u32.saturating_pow(exp))
            .min(self.settings.backoff_max);
        jitter(d)
    }

    /// Runs until shutdown (daemon) or until drained.
    pub async fn run(&self, mode: Mode, mut shutdown: watch::Receiver<bool>) -> WorkerReport {
        let mut report = WorkerReport {
            account: self.name().to_owned(),
            ..WorkerReport::default()
        };
        let mut epoch: Option<i64> = None;
        let mut lease_renew_at = tokio::time::Instant::now();
        let mut paused_until: Option<tokio::time::Instant> = None;
        let mut state_checked_at: Option<tokio::time::Instant> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let now = tokio::time::Instant::now();
            // In the fleet the batch holds the account, so the coordinator
            // hands it to another instance only between batches.
            let mut _hold = None;
            if let Some(own) = &self.ownership {
                match own.hold(self.account_id) {
                    Some(h) => {
                        epoch = Some(h.epoch);
                        _hold = Some(h);
                    }
                    None => {
                        epoch = None;
                        let waker = own.waker(self.account_id);
                        tokio::select! {
                            _ = waker.notified() => {}
                            _ = stop_requested(&mut shutdown) => {}
                        }
                        continue;
                    }
                }
            } else if now >= lease_renew_at || epoch.is_none() {
                match self
                    .store
                    .acquire_lease(
                        self.account_id,
                        &self.settings.instance,
                        self.settings.account_lease,
                    )
                    .await
                {
                    Ok(Some(e)) => {
                        if epoch != Some(e) {
                            tracing::info!(account = self.name(), epoch = e, "account lease taken");
                            // Claims of a previous owner would otherwise hold
                            // their jobs back until their own leases run out.
                            if let Err(err) = self
                                .store
                                .reclaim_jobs(self.account_id, &self.settings.instance)
                                .await
                            {
                                tracing::warn!(account = self.name(), error = %err, "cannot reclaim jobs");
                            }
                        }
                        epoch = Some(e);
                        lease_renew_at = now + self.settings.account_lease / 3;
                    }
                    Ok(None) => {
                        epoch = None;
                        if let Mode::Drain { .. } = mode {
                            report.stopped =
                                Some("another kho instance is working this account".into());
                            break;
                        }
                        self.sleep(&mut shutdown, self.settings.account_lease / 3)
                            .await;
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(account = self.name(), error = %e, "cannot renew the account lease");
                        epoch = None;
                        self.sleep(&mut shutdown, self.settings.poll).await;
                        continue;
                    }
                }
            }
            let Some(current_epoch) = epoch else { continue };
            if let Some(until) = paused_until {
                if until > now {
                    self.sleep(&mut shutdown, until - now).await;
                    continue;
                }
                paused_until = None;
            }
            // The account's state is read at most once a second while it
            // is fine (the read cost as much as a claim), and after every
            // batch with a failure, which is what marks an account.
            let fresh = state_checked_at
                .is_some_and(|t: tokio::time::Instant| t.elapsed() < Duration::from_secs(1));
            let state = if fresh {
                Ok(Vec::new())
            } else {
                state_checked_at = Some(now);
                self.store.accounts(Some(self.name())).await
            };
            match state {
                Ok(rows)
                    if rows
                        .first()
                        .is_some_and(|a| a.state == AccountState::NeedsReauth) =>
                {
                    if let Mode::Drain { .. } = mode {
                        report.stopped = Some("the account needs re-authorisation".into());
                        break;
                    }
                    self.sleep(&mut shutdown, Duration::from_secs(5)).await;
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(account = self.name(), error = %e, "cannot read the account");
                    self.sleep(&mut shutdown, self.settings.poll).await;
                    continue;
                }
            }
            let jobs = match self
                .store
                .claim_jobs(
                    self.account_id,
                    &self.settings.instance,
                    self.settings.job_lease,
                    self.settings.batch,
                )
                .await
            {
                Ok(j) => j,
                Err(e) => {
                    tracing::warn!(account = self.name(), error = %e, "cannot claim jobs");
                    self.sleep(&mut shutdown, self.settings.poll).await;
                    continue;
                }
            };
            if jobs.is_empty() {
                let next = self.store.next_due(self.account_id).await.ok().flatten();
                let wait = next
                    .map(|due| (due - Utc::now()).to_std().unwrap_or(Duration::ZERO))
                    .unwrap_or(self.settings.poll);
                match mode {
                    Mode::Drain { horizon } => {
                        if next.is_none() || wait > horizon {
                            break;
                        }
                        self.sleep(&mut shutdown, wait.min(horizon)).await;
                    }
                    Mode::Daemon if self.ownership.is_some() => {
                        // Nothing due: sleep until the dispatcher says so.
                        drop(_hold);
                        let waker = self
                            .ownership
                            .as_ref()
                            .map(|o| o.waker(self.account_id))
                            .unwrap_or_default();
                        tokio::select! {
                            _ = waker.notified() => {}
                            _ = stop_requested(&mut shutdown) => {}
                        }
                    }
                    Mode::Daemon => {
                        let wait = wait.min(self.settings.poll).max(Duration::from_millis(5));
                        tokio::select! {
                            _ = self.store.woken() => {}
                            _ = tokio::time::sleep(wait) => {}
                            _ = stop_requested(&mut shutdown) => {}
                        }
                    }
                }
                continue;
            }
            let claimant = Claimant {
                owner: &self.settings.instance,
                account_id: self.account_id,
                epoch: current_epoch,
            };
            let failures_before = report.failures.len() + report.calls_failed;
            let outcome = self
                .process(&jobs, &claimant, &mut report, &mut shutdown)
                .await;
            if report.failures.len() + report.calls_failed != failures_before {
                state_checked_at = None;
            }
            match outcome {
                Ok(Some(pause)) => paused_until = Some(tokio::time::Instant::now() + pause),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(account = self.name(), error = %e, "cannot record push results");
                    self.sleep(&mut shutdown, self.settings.poll).await;
                }
            }
        }
        // Give back what is claimed and not done, and the lease, so another
        // instance can take over at once (in the fleet the daemon does both
        // once for all its accounts).
        if self.ownership.is_none() {
            let _ = self.store.release_jobs(&self.settings.instance).await;
        }
        if epoch.is_some() && self.ownership.is_none() {
            let _ = self
                .store
                .release_lease(self.account_id, &self.settings.instance)
                .await;
        }
        report
    }

    async fn sleep(&self, shutdown: &mut watch::Receiver<bool>, d: Duration) {
        tokio::select! {
            _ = tokio::time::sleep(d) => {}
            _ = stop_requested(shutdown) => {}
        }
    }

    /// Pushes one claimed batch. Returns how long to pause the account when
    /// the marketplace throttled it.
    ///
    /// A stop request abandons the batch between or during calls: its
    /// claims are given back on the way out and pushed again by whoever
    /// works the account next, which is harmless because pushes are
    /// absolute. Waiting instead could take minutes under a tight rate limit.
    async fn process(
        &self,
        jobs: &[ClaimedJob],
        claimant: &Claimant<'_>,
        report: &mut WorkerReport,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Option<Duration>, StoreError> {
        let mut pause = None;
        // Relist first, so stock and price land on a live listing; values
        // for a listing kho is unlisting are held (marketplaces refuse
        // updates to unlisted products) and queued again when it relists.
        let (held, jobs): (Vec<&ClaimedJob>, Vec<&ClaimedJob>) = jobs
            .iter()
            .partition(|j| j.kind != JobKind::Status && j.desired_active == Some(false));
        if !held.is_empty() {
            let ids: Vec<i64> = held.iter().map(|j| j.id).collect();
            self.store.drop_jobs(&ids, &self.settings.instance).await?;
        }
        for kind in [JobKind::Status, JobKind::Stock, JobKind::Price] {
            let group: Vec<&ClaimedJob> = jobs.iter().copied().filter(|j| j.kind == kind).collect();
            if group.is_empty() {
                continue;
            }
            if *shutdown.borrow() {
                return Ok(pause);
            }
            let result = tokio::select! {
                r = self.call(kind, &group) => r,
                _ = stop_requested(shutdown) => return Ok(pause),
            };
            match result {
                Err(e) => {
                    report.calls_failed += 1;
                    for job in &group {
                        if let Some(p) = self.fail(job, &e, report).await? {
                            pause = Some(p);
                        }
                    }
                    if matches!(e.kind, ErrorKind::ReauthRequired { .. }) {
                        break;
                    }
                }
                Ok(outcomes) => {
                    let mut done = Vec::with_capacity(group.len());
                    for (job, outcome) in group.iter().zip(outcomes) {
                        match outcome {
                            Ok(()) => done.push(*job),
                            Err(e) => {
                                if let Some(p) = self.fail(job, &e, report).await? {
                                    pause = Some(p);
                                }
                            }
                        }
                    }
                    // One transaction for the whole group: per-job
                    // transactions were the engine's bottleneck.
                    match self.store.complete_jobs(&done, claimant, None).await? {
                        Some(n) => {
                            // From the change (a stock movement, an order
                            // ingested) to the marketplace's acknowledgement.
                            let now = Utc::now();
                            for job in &done {
                                let secs =
                                    (now - job.first_queued_at).num_milliseconds() as f64 / 1000.0;
                                metrics::histogram!("kho_change_to_push_seconds", "account" => self.name().to_owned(), "kind" => kind.as_str()).record(secs.max(0.0));
                            }
                            report.pushed += n;
                            metrics::counter!("kho_pushes_total", "account" => self.name().to_owned(), "kind" => kind.as_str(), "result" => "ok").increment(n as u64);
                        }
                        None => {
                            tracing::warn!(
                                account = self.name(),
                                "account lease lost; results left to the new owner"
                            );
                            return Ok(pause);
                        }
                    }
                }
            }
        }
        Ok(pause)
    }

    /// One adapter call for a group of jobs of one kind; the outcome of each
    /// job, in order.
    async fn call(
        &self,
        kind: JobKind,
        group: &[&ClaimedJob],
    ) -> Result<Vec<Result<(), ChannelError>>, ChannelError> {
        let id = |j: &ClaimedJob| {
            if j.remote_variant_id.is_empty() {
                RemoteId::item(j.remote_item_id.clone())
            } else {
                RemoteId::variant(j.remote_item_id.clone(), j.remote_variant_id.clone())
            }
        };
        let by_key = |outcome: BatchOutcome<RemoteId>| -> Vec<Result<(), ChannelError>> {
            let map: HashMap<RemoteId, Result<(), ChannelError>> = outcome
                .results
                .into_iter()
                .map(|r| (r.key, r.outcome))
                .collect();
            group
                .iter()
                .map(|j| map.get(&id(j)).cloned().unwrap_or(Ok(())))
                .collect()
        };
        match kind {
            JobKind::Stock => {
                let updates: Vec<StockUpdate> = group
                    .iter()
                    .map(|j| StockUpdate {
                        id: id(j),
                        stock: j.desired_stock.unwrap_or(0),
                    })
                    .collect();
                Ok(by_key(self.channel.update_stock(&updates).await?))
            }
            JobKind::Price => {
                let updates: Vec<PriceUpdate> = group
                    .iter()
                    .filter_map(|j| {
                        j.desired_price.map(|p| PriceUpdate {
                            id: id(j),
                            price_vnd: p,
                        })
                    })
                    .collect();
                Ok(by_key(self.channel.update_price(&updates).await?))
            }
            JobKind::Status => {
                // Marketplaces list and unlist whole items.
                let mut items: Vec<StatusChange> = Vec::new();
                for j in group {
                    let active = j.desired_active.unwrap_or(true);
                    match items.iter_mut().find(|c| c.item_id == j.remote_item_id) {
                        Some(c) => c.active = active,
                        None => items.push(StatusChange {
                            item_id: j.remote_item_id.clone(),
                            active,
                        }),
                    }
                }
                let outcome = self.channel.set_status(&items).await?;
                let map: HashMap<String, Result<(), ChannelError>> = outcome
                    .results
                    .into_iter()
                    .map(|r| (r.key, r.outcome))
                    .collect();
                Ok(group
                    .iter()
                    .map(|j| map.get(&j.remote_item_id).cloned().unwrap_or(Ok(())))
                    .collect())
            }
        }
    }

    /// Records a failed job as its error class says. Returns a pause for
    /// the account when the marketplace throttled it.
    async fn fail(
        &self,
        job: &ClaimedJob,
        e: &ChannelError,
        report: &mut WorkerReport,
    ) -> Result<Option<Duration>, StoreError> {
        let owner = &self.settings.instance;
        let message = e.to_string();
        let value = match job.kind {
            JobKind::Stock => job.desired_stock.map(|v| v.to_string()),
            JobKind::Price => job.desired_price.map(|v| v.to_string()),
            JobKind::Status => job
                .desired_active
                .map(|a| if a { "active" } else { "inactive" }.to_owned()),
        }
        .unwrap_or_default();
        let mut failure = Failure {
            sku: job.sku.clone(),
            kind: job.kind,
            value,
            error: message.clone(),
            dead: false,
        };
        metrics::counter!("kho_pushes_total", "account" => self.name().to_owned(), "kind" => job.kind.as_str(), "result" => "failed").increment(1);
        let pause = match &e.kind {
            ErrorKind::RateLimited { retry_after, .. } => {
                let wait = retry_after.unwrap_or(Duration::from_secs(1));
                let due = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                self.store
                    .retry_job(job.id, owner, due, &message, false)
                    .await?;
                metrics::counter!("kho_rate_limit_pauses_total", "account" => self.name().to_owned()).increment(1);
                Some(wait)
            }
            ErrorKind::Transient { .. } | ErrorKind::AuthExpired { .. } => {
                let wait = self.backoff(job.attempts);
                let due = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                self.store
                    .retry_job(job.id, owner, due, &message, true)
                    .await?;
                None
            }
            ErrorKind::ReauthRequired { .. } => {
                crate::sync::push::mark_needs_reauth(&self.store, self.name(), e).await?;
                self.store
                    .retry_job(job.id, owner, Utc::now(), &message, false)
                    .await?;
                None
            }
            ErrorKind::Permanent { .. } | ErrorKind::NotFound { .. } => {
                self.store.bury_job(job.id, owner, &message).await?;
                failure.dead = true;
                None
            }
        };
        report.failures.push(failure);
        Ok(pause)
    }
}
