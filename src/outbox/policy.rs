//! The allocation policy: what a linked listing should show now, and whether
//! kho may push it now. Every caller asks here: the outbox's recomputation
//! inside each writer's transaction, the `kho sync --dry-run` plan,
//! reconciliation, publish and the dashboard.
//!
//! What a shop should show *at rest* (once a SKU's order events have been
//! quiet for the quiet window) is its allocation of `available`:
//! [`desired_stock`]. Sales lower it, and cancellations, released
//! reservations, received returns, receipts and counts raise it, on every
//! shop.
//!
//! While a SKU sells the picture is less simple, because pushes are absolute:
//! a push to a shop overwrites the sales it made that kho has not heard of
//! yet, handing those units out again. Two mechanisms bound that:
//!
//! - **Partition** accounts show a quota of `available` fixed at the last
//!   rebalance less what their own orders took since. A sale on one shop
//!   changes nothing on the others and a shop's own sales are counted by the
//!   marketplace, so no push is needed while it sells.
//! - **The burst guard** does the same for `shared` accounts while a SKU
//!   sells fast compared to what is left (its orders took at least
//!   `burst_percent` % of it within `burst_window`): the shared shops of the
//!   SKU are split into equal quotas of their allocation until the SKU's
//!   orders have been quiet for the quiet window; then every shop is pushed
//!   its whole allocation again. The one push at the start of a burst may
//!   still overwrite sales in flight; the quotas stop the repeated
//!   overwrites (one per order) that made `shared` oversell.

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::Allocation;

/// What a sync job pushes. Stored as text in `sync_jobs.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Stock,
    Price,
    /// Listed or unlisted.
    Status,
}

impl JobKind {
    pub const ALL: [JobKind; 3] = [JobKind::Stock, JobKind::Price, JobKind::Status];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Stock => "stock",
            JobKind::Price => "price",
            JobKind::Status => "status",
        }
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind read back from the database that kho never writes.
#[derive(Debug, thiserror::Error)]
#[error("unknown sync job kind {0:?}")]
pub struct UnknownJobKind(pub String);

impl TryFrom<String> for JobKind {
    type Error = UnknownJobKind;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        match s.as_str() {
            "stock" => Ok(JobKind::Stock),
            "price" => Ok(JobKind::Price),
            "status" => Ok(JobKind::Status),
            _ => Err(UnknownJobKind(s)),
        }
    }
}

/// The stock an account shows at rest for `available` units (on hand minus
/// reserved): its allocation. Never more than `available`, never negative.
/// Partition accounts get their share as a quota at each rebalance.
pub fn desired_stock(available: i64, rule: &Allocation) -> i64 {
    let available = available.max(0);
    match *rule {
        Allocation::Shared {
            buffer,
            percent,
            maximum,
            threshold,
        } => {
            let base = (available - buffer.max(0)).max(0);
            let mut shown = base.saturating_mul(i64::from(percent.min(100))) / 100;
            if let Some(max) = maximum {
                shown = shown.min(max.max(0));
            }
            if shown < threshold { 0 } else { shown }
        }
        Allocation::Partition { share, buffer } => {
            // Each account rounds its share down, so the shares of accounts
            // whose percentages add up to at most 100 never exceed the pool.
            let base = (available - buffer.max(0)).max(0);
            base.saturating_mul(i64::from(share.min(100))) / 100
        }
    }
}

/// Everything the policy needs to know of one linked listing, read in the
/// writer's transaction (see `outbox::desired::DESIRED_INPUTS`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListingInputs {
    pub listing_id: i64,
    pub account_id: i64,
    pub variant_id: i64,
    pub sku: String,
    pub remote_item_id: String,
    pub remote_variant_id: String,
    /// The account's rule as stored (JSON of [`Allocation`]).
    pub allocation: String,
    pub delist_on_expiry: bool,
    /// Days of shelf life a unit must keep for the account to show it.
    pub min_shelf_life_days: i64,
    pub desired_stock: Option<i64>,
    pub desired_price: Option<i64>,
    pub desired_active: Option<bool>,
    pub remote_stock: Option<i64>,
    pub remote_price: Option<i64>,
    pub remote_status: Option<String>,
    pub available: i64,
    pub price_vnd: i64,
    pub product_active: bool,
    pub variant_active: bool,
    pub ocop_cert_expires: Option<NaiveDate>,
    /// The listing's quota at the last rebalance (partition accounts, and
    /// shared accounts during a burst).
    pub quota: Option<i64>,
    /// Units the account's own orders took since that rebalance.
    pub consumed: i64,
    /// Whether a job of each kind is pending (claimed or not).
    pub queued_stock: bool,
    pub queued_price: bool,
    pub queued_status: bool,
    /// The variant's burst guard is on.
    pub burst_active: bool,
    /// Units the variant's orders took in the current burst window, and
    /// when that window started.
    pub window_units: i64,
    pub window_orders: i64,
    pub window_start: Option<chrono::DateTime<chrono::Utc>>,
    /// The most the account may show for its minimum shelf life (set from
    /// the variant's lots, see `outbox::shelf`); `None`: no minimum.
    #[sqlx(skip)]
    pub fresh: Option<i64>,
}

impl ListingInputs {
    pub fn rule(&self) -> Allocation {
        serde_json::from_str(&self.allocation).unwrap_or_default()
    }

    pub fn is_shared(&self) -> bool {
        matches!(self.rule(), Allocation::Shared { .. })
    }

    pub fn queued(&self, kind: JobKind) -> bool {
        match kind {
            JobKind::Stock => self.queued_stock,
            JobKind::Price => self.queued_price,
            JobKind::Status => self.queued_status,
        }
    }

    /// Whether kho keeps the listing listed: unlisted when its product or
    /// variant is inactive, or its certificate expired and the account
    /// unlists expired products.
    pub fn listed(&self, today: NaiveDate) -> bool {
        let expired = self.ocop_cert_expires.is_some_and(|d| d < today);
        self.product_active && self.variant_active && !(self.delist_on_expiry && expired)
    }

    /// What the listing shows at rest: its allocation of `available`
    /// (partition: the quota less the account's own orders since).
    pub fn at_rest(&self) -> i64 {
        let rule = self.rule();
        let shown = match (rule, self.quota) {
            (Allocation::Partition { .. }, Some(q)) => (q - self.consumed).max(0),
            _ => desired_stock(self.available, &rule),
        };
        self.fresh_cap(shown)
    }

    /// `shown`, or fewer when the account's minimum shelf life leaves fewer
    /// units it may sell.
    pub fn fresh_cap(&self, shown: i64) -> i64 {
        self.fresh.map_or(shown, |fresh| shown.min(fresh.max(0)))
    }
}

/// Why a recomputation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A price, activity or relink change: stock rules stay as they are.
    Edit,
    /// Stock moved for another reason than an order (receipt, count,
    /// adjustment, import, rule change): quotas are rebalanced.
    Stock,
    /// An order event of the given account.
    Order { account_id: i64 },
    /// A SKU's orders went quiet: it is at rest. Its burst (if any) ends,
    /// partition quotas that a shop sold past are rebalanced, and with
    /// `force` (the end of a burst) every listing is pushed its allocation
    /// whatever kho believes it shows.
    Settle { force: bool },
}

/// What the policy knows of a listing's variant as a whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VariantView {
    /// The burst guard is on.
    pub burst: bool,
    /// Shared-mode listings of the variant (a burst splits among them).
    pub shared_peers: i64,
    /// Its partition listings would show more together than is available
    /// (a shop sold past its quota while a push overwrote its sales).
    pub partition_over: bool,
    /// Units a burst's quotas hold back for sales made but not reported yet
    /// (see [`in_flight`]).
    pub margin: i64,
}

impl VariantView {
    /// The view of the variant of `inputs[0]`, from all its listings read.
    pub fn of(listings: &[&ListingInputs]) -> VariantView {
        let shared_peers = listings.iter().filter(|l| l.is_shared()).count() as i64;
        let partition: Vec<&&ListingInputs> = listings.iter().filter(|l| !l.is_shared()).collect();
        let shown: i64 = partition.iter().map(|l| l.at_rest()).sum();
        let available = listings.first().map_or(0, |l| l.available.max(0));
        VariantView {
            burst: listings.first().is_some_and(|l| l.burst_active),
            shared_peers,
            partition_over: !partition.is_empty() && shown > available,
            margin: 0,
        }
    }
}

/// What to do with a listing's quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaWrite {
    Keep,
    /// A new quota; what the account's orders took restarts at 0.
    Set(i64),
    /// Back to showing the whole allocation (a burst ended).
    Clear,
}

/// The listing's desired state now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub stock: i64,
    pub price: i64,
    pub active: bool,
    pub quota: QuotaWrite,
}

/// What a listing should show now, given why the recomputation runs and what
/// is known of its variant as a whole (`variant.burst` already says whether
/// this change starts or ends a burst).
pub fn decide(
    input: &ListingInputs,
    today: NaiveDate,
    cause: Cause,
    variant: VariantView,
) -> Decision {
    let rule = input.rule();
    // Quotas are rebalanced when stock moves for another reason than an
    // order, and when the partition shops of a SKU would show more together
    // than is available (a push overwrote a shop's sales and it sold past
    // its quota): the others give up the difference at once.
    let rebalance = match cause {
        Cause::Stock => true,
        Cause::Settle { .. } | Cause::Order { .. } => variant.partition_over,
        Cause::Edit => false,
    };
    let quota_mode = |split: i64| match input.quota {
        Some(q) if !rebalance => ((q - input.consumed).max(0), QuotaWrite::Keep),
        _ => {
            let q = desired_stock(input.available, &rule) / split.max(1);
            (q, QuotaWrite::Set(q))
        }
    };
    let (stock, quota) = match rule {
        Allocation::Partition { .. } => quota_mode(1),
        Allocation::Shared { .. } if variant.burst && variant.shared_peers > 1 => {
            match input.quota {
                Some(q) if !rebalance => ((q - input.consumed).max(0), QuotaWrite::Keep),
                _ => {
                    let pool = (input.available - variant.margin).max(0);
                    let q = desired_stock(pool, &rule) / variant.shared_peers;
                    (q, QuotaWrite::Set(q))
                }
            }
        }
        Allocation::Shared { .. } => (
            desired_stock(input.available, &rule),
            if input.quota.is_some() {
                QuotaWrite::Clear
            } else {
                QuotaWrite::Keep
            },
        ),
    };
    Decision {
        stock: input.fresh_cap(stock),
        price: input.price_vnd,
        active: input.listed(today),
        quota,
    }
}

/// Sales a burst's first push may overwrite: what the SKU's orders take
/// while a push is on its way (the debounce window plus the time a sale
/// takes to be reported, `lag`), plus the sales already reported to kho but
/// not ingested yet (`unreported`: the webhook backlog, which grows when
/// ingestion falls behind). The rate counts the backlog with the window's
/// ingested units: when ingestion lags, the ingested units alone measure
/// how fast kho ingests, not how fast the shops sell. The quotas
/// hold that many back, so the push that starts a burst cannot hand out
/// units already sold; they come back when the burst ends. When the sales in
/// flight may take everything that is left, every shop shows 0 until the
/// burst ends: a pause of the quiet window costs a flash sale a few seconds,
/// an oversold unit costs a cancelled order and a shop penalty.
pub fn in_flight(
    window_units: i64,
    window: chrono::Duration,
    lag: chrono::Duration,
    available: i64,
    unreported: i64,
) -> i64 {
    let window_ms = window.num_milliseconds().max(5);
    let lag_ms = lag.num_milliseconds().max(0);
    let units = window_units.max(0).saturating_add(unreported.max(0));
    let margin = (units.saturating_mul(lag_ms) + window_ms - 1) / window_ms;
    margin
        .saturating_add(unreported.max(0))
        .min(available.max(0))
}

/// Orders in a window before a burst can start: one sale is no burst, even
/// of a large share of a small stock.
pub const BURST_MIN_ORDERS: i64 = 3;

/// Whether the variant's orders of the current window took enough of what
/// is left that its shared shops must be split into quotas: at least
/// [`BURST_MIN_ORDERS`] orders that took `percent` % of what was available
/// when the window started (0 turns the guard off).
pub fn burst_starts(window_orders: i64, window_units: i64, available: i64, percent: u32) -> bool {
    if percent == 0 || window_units <= 0 || window_orders < BURST_MIN_ORDERS {
        return false;
    }
    let before = available.max(0).saturating_add(window_units);
    window_units.saturating_mul(100) >= before.saturating_mul(i64::from(percent.min(100)))
}

/// Which kinds of job a recomputation must queue: a kind whose desired value
/// changed, or (first computation, after linking) differs from what the
/// marketplace shows — and in both cases is not what it shows already —
/// and any kind whose desired value changed while a job of it is pending.
/// `force_stock` queues the stock whatever kho believes the shop shows (the
/// end of a burst: beliefs near pushes may be off either way).
///
/// The pending-job rule closes a lost update: a worker may have claimed the
/// job and be pushing the previous desired value right now. Without a
/// version bump its completion would delete the job, leaving the marketplace
/// on the older value even though the new one equals what kho believed it
/// showed before that push.
pub fn changed_kinds(input: &ListingInputs, new: &Decision, force_stock: bool) -> Vec<JobKind> {
    let mut kinds = Vec::new();
    let remote_active = input.remote_status.as_deref().map(|s| s == "active");
    // Values for a listing being unlisted wait; when it is relisted they are
    // compared with the marketplace afresh.
    let relisted = input.desired_active == Some(false) && new.active;
    let (desired_stock, desired_price) = if relisted {
        (None, None)
    } else {
        (input.desired_stock, input.desired_price)
    };
    // Never queue what the marketplace already shows: a shop's own sale
    // lowers its listing by itself, and pushing the same value again would
    // overwrite sales it made since.
    let wanted =
        |stored: Option<bool>, differs_from_stored: bool, differs_from_remote: bool, kind| {
            (differs_from_remote && (stored.is_none() || differs_from_stored))
                || (input.queued(kind) && differs_from_stored)
        };
    if new.active
        && (force_stock
            || wanted(
                desired_stock.map(|_| true),
                desired_stock != Some(new.stock),
                input.remote_stock != Some(new.stock),
                JobKind::Stock,
            ))
    {
        kinds.push(JobKind::Stock);
    }
    if new.active
        && wanted(
            desired_price.map(|_| true),
            desired_price != Some(new.price),
            input.remote_price != Some(new.price),
            JobKind::Price,
        )
    {
        kinds.push(JobKind::Price);
    }
    if wanted(
        input.desired_active,
        input.desired_active != Some(new.active),
        remote_active != Some(new.active),
        JobKind::Status,
    ) {
        kinds.push(JobKind::Status);
    }
    kinds
}

#[cfg(test)]
mod tests;
