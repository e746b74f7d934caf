//! The comparison itself, without a database or a network: what the
//! marketplace shows, what kho wants and last pushed, the outbox and the
//! orders kho has not seen go in; drift items with their likely cause come
//! out. Kept pure so every cause can be tested in isolation.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use kho_channel::{ListingStatus, OrderStatus, RemoteListing, RemoteOrder};

use crate::store::reconcile::ReconcileItem;

/// Kinds of drift.
pub mod kind {
    pub const MISSING_REMOTE: &str = "missing_remote";
    pub const UNKNOWN_SKU: &str = "unknown_sku";
    pub const DUPLICATE_SKU: &str = "duplicate_sku";
    /// A linked listing whose seller SKU was changed on the marketplace.
    pub const SELLER_SKU: &str = "seller_sku";
    pub const STOCK: &str = "stock";
    pub const PRICE: &str = "price";
    pub const STATUS: &str = "status";
    pub const ORDER_MISSING: &str = "order_missing";
    /// In report order.
    pub const ALL: [&str; 8] = [
        MISSING_REMOTE,
        UNKNOWN_SKU,
        DUPLICATE_SKU,
        SELLER_SKU,
        STOCK,
        PRICE,
        STATUS,
        ORDER_MISSING,
    ];
}

/// Likely causes of drift.
pub mod cause {
    pub const PUSH_PENDING: &str = "push_pending";
    pub const PUSH_FAILED: &str = "push_failed";
    pub const EDITED_ON_MARKETPLACE: &str = "edited_on_marketplace";
    pub const HELD_BY_MARKETPLACE: &str = "held_by_marketplace";
    pub const ORDER_NOT_INGESTED: &str = "order_not_ingested";
    /// The shop shows fewer units than its allocation while kho believes it
    /// shows them all (units a cancellation or receipt gave back that never
    /// reached it): lost sales until pushed.
    pub const HIDDEN_UNITS: &str = "hidden_units";
    pub const DELETED_ON_MARKETPLACE: &str = "deleted_on_marketplace";
    pub const NOT_LINKED: &str = "not_linked";
    pub const UNKNOWN: &str = "unknown";
}

/// A linked listing as kho holds it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Canonical {
    pub listing_id: i64,
    pub variant_id: i64,
    pub sku: String,
    pub remote_item_id: String,
    /// Empty for an item without variants.
    pub remote_variant_id: String,
    pub desired_stock: Option<i64>,
    pub desired_price: Option<i64>,
    pub desired_active: Option<bool>,
    /// What kho believes the marketplace shows (link, acks, own orders).
    pub remote_stock: Option<i64>,
    pub remote_price: Option<i64>,
    pub remote_status: Option<String>,
    /// What the marketplace last acknowledged from kho.
    pub acked_stock: Option<i64>,
    pub acked_price: Option<i64>,
    pub acked_at: Option<DateTime<Utc>>,
}

/// A queued or dead push of one listing.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JobState {
    pub listing_id: i64,
    pub kind: String,
    /// `pending` or `dead`.
    pub state: String,
    pub last_error: Option<String>,
}

/// An unknown or duplicated seller SKU, keyed the way `--fix` files it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AwaitKey {
    pub kind: String,
    pub seller_sku: String,
    pub remote_ids: String,
}

#[derive(Debug)]
pub struct Input<'a> {
    pub remote: &'a [RemoteListing],
    pub canonical: &'a [Canonical],
    pub jobs: &'a [JobState],
    /// Orders on the marketplace kho has not ingested (or not in their
    /// current status).
    pub missed_orders: &'a [RemoteOrder],
    /// Those of `missed_orders` kho has in an older status: id → that status.
    pub stale_orders: &'a BTreeMap<String, String>,
    /// The producer's SKUs (to tell an unlinked known SKU from an unknown one).
    pub producer_skus: &'a HashSet<String>,
    /// Filed by an earlier `--fix`: not drift while unchanged.
    pub awaiting: &'a HashSet<AwaitKey>,
}

/// A linked listing the marketplace no longer shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub listing_id: i64,
    pub variant_id: i64,
    pub sku: String,
}

/// A stock, price or status difference with what `--fix` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub listing_id: i64,
    pub kind: &'static str,
    /// The marketplace's value (stock, price; status as 1/0).
    pub value: i64,
}

#[derive(Debug, Default)]
pub struct Diff {
    pub items: Vec<ReconcileItem>,
    /// Unknown and duplicated SKUs already filed and unchanged.
    pub still_awaiting: Vec<AwaitKey>,
    /// Unknown and duplicated SKUs reported now (what `--fix` files).
    pub to_file: Vec<(AwaitKey, String)>,
    pub missing: Vec<Missing>,
    pub observed: Vec<Observed>,
}

fn remote_key(item: &str, variant: &str) -> (String, String) {
    (item.to_owned(), variant.to_owned())
}

fn listing_key(l: &RemoteListing) -> (String, String) {
    remote_key(&l.id.item_id, l.id.variant_id.as_deref().unwrap_or(""))
}

fn ids_of(l: &RemoteListing) -> String {
    l.id.to_string()
}

fn status_name(s: ListingStatus) -> &'static str {
    match s {
        ListingStatus::Active => "active",
        ListingStatus::Inactive => "inactive",
        ListingStatus::UnderReview => "under_review",
        ListingStatus::Banned => "banned",
        ListingStatus::Deleted => "deleted",
    }
}

/// Whether an order still takes its units out of the marketplace's stock.
fn holds_stock(status: OrderStatus) -> bool {
    !matches!(status, OrderStatus::Cancelled | OrderStatus::Returned)
}

fn item(kind: &str, cause: &str) -> ReconcileItem {
    ReconcileItem {
        id: 0,
        run_id: 0,
        kind: kind.to_owned(),
        sku: None,
        remote_item_id: None,
        remote_variant_id: None,
        field: None,
        kho_value: None,
        pushed_value: None,
        remote_value: None,
        cause: cause.to_owned(),
        detail: None,
    }
}

/// The cause of a field's difference, in order of likelihood: kho's own
/// queue first (the difference is on its way, or stuck), then what the
/// marketplace reports holding, then whether the marketplace changed since
/// kho's last acknowledged push.
fn field_cause(
    job: Option<&JobState>,
    remote: i64,
    kho: i64,
    baseline: Option<i64>,
    held: Option<i64>,
) -> (&'static str, Option<String>) {
    match job {
        Some(j) if j.state == "dead" => {
            return (
                cause::PUSH_FAILED,
                Some(format!(
                    "the push failed: {}",
                    j.last_error.as_deref().unwrap_or("no message")
                )),
            );
        }
        Some(_) => return (cause::PUSH_PENDING, None),
        None => {}
    }
    if let Some(h) = held.filter(|&h| h > 0)
        && kho.abs_diff(remote) <= h.unsigned_abs()
    {
        return (
            cause::HELD_BY_MARKETPLACE,
            Some(format!("the marketplace holds {h} unit(s)")),
        );
    }
    match baseline {
        Some(b) if b != remote => (
            cause::EDITED_ON_MARKETPLACE,
            Some(format!("changed on the marketplace from {b}")),
        ),
        Some(_) => (
            cause::UNKNOWN,
            Some("kho's value changed and no push is queued".into()),
        ),
        None => (cause::UNKNOWN, None),
    }
}

/// Compares one account.
pub fn diff(input: &Input<'_>) -> Diff {
    let mut out = Diff::default();
    let by_id: HashMap<(String, String), &RemoteListing> = input
        .remote
        .iter()
        .filter(|l| l.status != ListingStatus::Deleted)
        .map(|l| (listing_key(l), l))
        .collect();
    let jobs: HashMap<(i64, &str), &JobState> = input
        .jobs
        .iter()
        .map(|j| ((j.listing_id, j.kind.as_str()), j))
        .collect();

    // Units each missed order took, per remote listing and per seller SKU.
    let mut missed_by_key: HashMap<(String, String), i64> = HashMap::new();
    let mut missed_by_sku: HashMap<String, i64> = HashMap::new();
    // Units missed orders took from (or, a cancellation kho has not seen,
    // gave back to) each listing's stock on the marketplace.
    for o in input.missed_orders {
        let sign = match input.stale_orders.get(&o.order_id) {
            None if holds_stock(o.status) => 1,
            Some(have)
                if o.status == OrderStatus::Cancelled
                    && crate::orders::state::parse(have).is_some_and(holds_stock) =>
            {
                -1
            }
            _ => continue,
        };
        for l in &o.lines {
            let k = remote_key(
                &l.remote.item_id,
                l.remote.variant_id.as_deref().unwrap_or(""),
            );
            // Quantities come from the marketplace: saturate, never overflow.
            let units = l.quantity.saturating_mul(sign);
            let by_key = missed_by_key.entry(k).or_default();
            *by_key = by_key.saturating_add(units);
            let by_sku = missed_by_sku.entry(l.seller_sku.clone()).or_default();
            *by_sku = by_sku.saturating_add(units);
        }
    }
    // Stock differences explained by missed orders: SKU → (kho, marketplace).
    let mut folded: BTreeMap<String, (i64, i64)> = BTreeMap::new();

    // Unknown, duplicated and changed seller SKUs: a person decides, so
    // `--fix` files them and an unchanged one is not drift again.
    let mut problems: Vec<(ReconcileItem, AwaitKey, String)> = Vec::new();
    let mut linked: HashSet<(String, String)> = HashSet::new();
    for c in input.canonical {
        let key = remote_key(&c.remote_item_id, &c.remote_variant_id);
        linked.insert(key.clone());
        let base = |mut i: ReconcileItem| {
            i.sku = Some(c.sku.clone());
            i.remote_item_id = Some(c.remote_item_id.clone());
            i.remote_variant_id =
                (!c.remote_variant_id.is_empty()).then(|| c.remote_variant_id.clone());
            i
        };
        let Some(r) = by_id.get(&key) else {
            let mut i = base(item(kind::MISSING_REMOTE, cause::DELETED_ON_MARKETPLACE));
            i.detail = Some(format!(
                "linked listing {} is gone from the marketplace",
                if c.remote_variant_id.is_empty() {
                    c.remote_item_id.clone()
                } else {
                    format!("{}/{}", c.remote_item_id, c.remote_variant_id)
                }
            ));
            out.items.push(i);
            out.missing.push(Missing {
                listing_id: c.listing_id,
                variant_id: c.variant_id,
                sku: c.sku.clone(),
            });
            continue;
        };

        // Orders name their lines by seller SKU, so a SKU edited in the
        // seller centre sends this listing's sales to another variant or to
        // none: kho keeps pushing through the link, but stock goes wrong.
        let shown = r.seller_sku.trim();
        if shown != c.sku {
            let effect = if shown.is_empty() {
                "its orders now carry no SKU".to_owned()
            } else if input.producer_skus.contains(shown) {
                format!("its orders are now counted against {shown}")
            } else {
                format!("its orders now carry {shown:?}, which is not one of the producer's SKUs")
            };
            let detail = format!(
                "the seller SKU was changed on the marketplace from {} to {shown:?}; {effect}: \
                 restore it in the seller centre, or re-link",
                c.sku
            );
            let mut i = base(item(kind::SELLER_SKU, cause::EDITED_ON_MARKETPLACE));
            i.field = Some("seller_sku".into());
            i.kho_value = Some(c.sku.clone());
            i.remote_value = Some(shown.to_owned());
            i.detail = Some(detail.clone());
            let key = AwaitKey {
                kind: kind::SELLER_SKU.into(),
                seller_sku: shown.to_owned(),
                remote_ids: ids_of(r),
            };
            problems.push((i, key, detail));
        }

        // Status first: values of a listing kho keeps unlisted are held back.
        if let Some(want) = c.desired_active {
            let shows = r.status == ListingStatus::Active;
            if shows != want {
                let mut i = base(item(kind::STATUS, cause::UNKNOWN));
                i.field = Some("status".into());
                i.kho_value = Some(if want { "active" } else { "inactive" }.into());
                i.pushed_value = c.remote_status.clone();
                i.remote_value = Some(status_name(r.status).into());
                let (why, detail) = match (r.status, jobs.get(&(c.listing_id, "status"))) {
                    (_, Some(j)) => field_cause(Some(j), 0, 0, None, None),
                    (ListingStatus::UnderReview | ListingStatus::Banned, None) => (
                        cause::UNKNOWN,
                        Some(format!(
                            "the marketplace shows it {}",
                            status_name(r.status).replace('_', " ")
                        )),
                    ),
                    (_, None) => {
                        let believed = c.remote_status.as_deref().map(|s| s == "active");
                        match believed {
                            Some(b) if b != shows => (
                                cause::EDITED_ON_MARKETPLACE,
                                Some(format!(
                                    "changed on the marketplace from {}",
                                    c.remote_status.as_deref().unwrap_or("?")
                                )),
                            ),
                            _ => (
                                cause::UNKNOWN,
                                Some("kho's value changed and no push is queued".into()),
                            ),
                        }
                    }
                };
                i.cause = why.into();
                i.detail = detail;
                out.items.push(i);
                out.observed.push(Observed {
                    listing_id: c.listing_id,
                    kind: kind::STATUS,
                    value: i64::from(shows),
                });
            }
            if !want {
                continue;
            }
        }

        if let Some(want) = c.desired_stock
            && r.stock != want
        {
            let missed = missed_by_key.get(&key).copied().unwrap_or(0)
                + if missed_by_key.contains_key(&key) {
                    0
                } else {
                    missed_by_sku.get(&c.sku).copied().unwrap_or(0)
                };
            if missed != 0 && r.stock.checked_add(missed) == Some(want) {
                folded.insert(c.sku.clone(), (want, r.stock));
            } else {
                let baseline = c.acked_stock.or(c.remote_stock);
                let job = jobs.get(&(c.listing_id, "stock")).copied();
                // kho believes the shop shows its allocation because an
                // order event (a cancellation) raised its belief since its
                // last push, but the shop still shows exactly what kho
                // pushed: the event was overwritten, or never applied there.
                let hidden = job.is_none()
                    && r.stock < want
                    && c.remote_stock == Some(want)
                    && c.acked_stock == Some(r.stock)
                    && r.held_stock.is_none_or(|h| h <= 0);
                let (why, mut detail) = if hidden {
                    (
                        cause::HIDDEN_UNITS,
                        Some(format!(
                            "{} unit(s) of its allocation are not on sale: kho believed the shop \
                             showed {want} and queued no push",
                            want - r.stock
                        )),
                    )
                } else {
                    field_cause(job, r.stock, want, baseline, r.held_stock)
                };
                if missed != 0 {
                    let note = format!(
                        "orders kho has not seen moved {} unit(s)",
                        missed.saturating_neg()
                    );
                    detail = Some(match detail {
                        Some(d) => format!("{d}; {note}"),
                        None => note,
                    });
                }
                let mut i = base(item(kind::STOCK, why));
                i.field = Some("stock".into());
                i.kho_value = Some(want.to_string());
                i.pushed_value = baseline.map(|v| v.to_string());
                i.remote_value = Some(r.stock.to_string());
                i.detail = detail;
                out.items.push(i);
                out.observed.push(Observed {
                    listing_id: c.listing_id,
                    kind: kind::STOCK,
                    value: r.stock,
                });
            }
        }

        if let Some(want) = c.desired_price
            && r.price_vnd != want
        {
            let baseline = c.acked_price.or(c.remote_price);
            let (why, detail) = field_cause(
                jobs.get(&(c.listing_id, "price")).copied(),
                r.price_vnd,
                want,
                baseline,
                None,
            );
            let mut i = base(item(kind::PRICE, why));
            i.field = Some("price".into());
            i.kho_value = Some(want.to_string());
            i.pushed_value = baseline.map(|v| v.to_string());
            i.remote_value = Some(r.price_vnd.to_string());
            i.detail = detail;
            out.items.push(i);
            out.observed.push(Observed {
                listing_id: c.listing_id,
                kind: kind::PRICE,
                value: r.price_vnd,
            });
        }
    }

    // Remote listings kho has not linked: duplicates first (a SKU on two
    // listings cannot be linked until a person picks one), then the rest.
    let mut by_sku: BTreeMap<&str, Vec<&RemoteListing>> = BTreeMap::new();
    for l in input
        .remote
        .iter()
        .filter(|l| l.status != ListingStatus::Deleted)
    {
        let sku = l.seller_sku.trim();
        if !sku.is_empty() {
            by_sku.entry(sku).or_default().push(l);
        }
    }
    let mut in_duplicate: HashSet<(String, String)> = HashSet::new();
    for (sku, listings) in &by_sku {
        if listings.len() < 2 {
            continue;
        }
        let mut ids: Vec<String> = listings.iter().map(|l| ids_of(l)).collect();
        ids.sort();
        for l in listings {
            in_duplicate.insert(listing_key(l));
        }
        let first_unlinked = listings
            .iter()
            .find(|l| !linked.contains(&listing_key(l)))
            .unwrap_or(&listings[0]);
        let detail = format!(
            "seller SKU {sku:?} is on {} listings: {}",
            listings.len(),
            ids.join(", ")
        );
        let mut i = item(kind::DUPLICATE_SKU, cause::NOT_LINKED);
        i.sku = Some((*sku).to_owned());
        i.remote_item_id = Some(first_unlinked.id.item_id.clone());
        i.remote_variant_id = first_unlinked.id.variant_id.clone();
        i.remote_value = Some(ids.join(","));
        i.detail = Some(detail.clone());
        let key = AwaitKey {
            kind: kind::DUPLICATE_SKU.into(),
            seller_sku: (*sku).to_owned(),
            remote_ids: ids.join(","),
        };
        problems.push((i, key, detail));
    }
    for l in input
        .remote
        .iter()
        .filter(|l| l.status != ListingStatus::Deleted)
    {
        let key = listing_key(l);
        if linked.contains(&key) || in_duplicate.contains(&key) {
            continue;
        }
        let sku = l.seller_sku.trim();
        let detail = if sku.is_empty() {
            format!("{} ({}) has no seller SKU", ids_of(l), l.title)
        } else if input.producer_skus.contains(sku) {
            format!(
                "{} ({}) carries SKU {sku} but is not linked: `kho link` links it",
                ids_of(l),
                l.title
            )
        } else {
            format!(
                "{} ({}): seller SKU {sku:?} is not one of the producer's SKUs",
                ids_of(l),
                l.title
            )
        };
        let mut i = item(kind::UNKNOWN_SKU, cause::NOT_LINKED);
        i.sku = Some(sku.to_owned());
        i.remote_item_id = Some(l.id.item_id.clone());
        i.remote_variant_id = l.id.variant_id.clone();
        i.remote_value = Some(format!("stock {}, price {}", l.stock, l.price_vnd));
        i.detail = Some(detail.clone());
        let key = AwaitKey {
            kind: kind::UNKNOWN_SKU.into(),
            seller_sku: sku.to_owned(),
            remote_ids: ids_of(l),
        };
        problems.push((i, key, detail));
    }
    for (i, key, detail) in problems {
        if input.awaiting.contains(&key) {
            out.still_awaiting.push(key);
        } else {
            out.items.push(i);
            out.to_file.push((key, detail));
        }
    }

    for o in input.missed_orders {
        let mut i = item(kind::ORDER_MISSING, cause::ORDER_NOT_INGESTED);
        i.field = Some("order".into());
        i.remote_value = Some(o.order_id.clone());
        let lines: Vec<String> = o
            .lines
            .iter()
            .map(|l| format!("{}×{}", l.seller_sku, l.quantity))
            .collect();
        let mut skus: Vec<&str> = o.lines.iter().map(|l| l.seller_sku.as_str()).collect();
        skus.sort();
        skus.dedup();
        if let [only] = skus.as_slice() {
            i.sku = Some((*only).to_owned());
        }
        let mut detail = format!(
            "order {} ({}) {}",
            o.order_id,
            o.raw_status,
            if lines.is_empty() {
                "without lines".to_owned()
            } else {
                lines.join(", ")
            }
        );
        if let Some(have) = input.stale_orders.get(&o.order_id) {
            detail.push_str(&format!("; kho still has it as {have}"));
            i.kho_value = Some(have.clone());
        }
        let explained: Vec<String> = skus
            .iter()
            .filter_map(|s| {
                folded
                    .get(*s)
                    .map(|(k, r)| format!("{s} stock kho {k}, marketplace {r}"))
            })
            .collect();
        if !explained.is_empty() {
            detail.push_str(&format!("; explains {}", explained.join("; ")));
        }
        i.detail = Some(detail);
        out.items.push(i);
    }

    let rank = |k: &str| kind::ALL.iter().position(|x| *x == k).unwrap_or(usize::MAX);
    out.items.sort_by(|a, b| {
        (rank(&a.kind), &a.sku, &a.remote_item_id, &a.remote_value).cmp(&(
            rank(&b.kind),
            &b.sku,
            &b.remote_item_id,
            &b.remote_value,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::{OrderLine, RemoteId};

    fn remote(item: &str, sku: &str, stock: i64, price: i64) -> RemoteListing {
        RemoteListing {
            id: RemoteId::item(item),
            seller_sku: sku.into(),
            title: format!("title {sku}"),
            stock,
            price_vnd: price,
            status: ListingStatus::Active,
            held_stock: None,
        }
    }

    fn linked(id: i64, item: &str, sku: &str, stock: i64, price: i64) -> Canonical {
        Canonical {
            listing_id: id,
            variant_id: id,
            sku: sku.into(),
            remote_item_id: item.into(),
            remote_variant_id: String::new(),
            desired_stock: Some(stock),
            desired_price: Some(price),
            desired_active: Some(true),
            remote_stock: Some(stock),
            remote_price: Some(price),
            remote_status: Some("active".into()),
            acked_stock: Some(stock),
            acked_price: Some(price),
            acked_at: None,
        }
    }

    fn order(id: &str, item: &str, sku: &str, qty: i64) -> RemoteOrder {
        RemoteOrder {
            order_id: id.into(),
            status: OrderStatus::Ready,
            raw_status: "READY_TO_SHIP".into(),
            created_at: None,
            updated_at: None,
            currency: "VND".into(),
            lines: vec![OrderLine {
                remote: RemoteId::item(item),
                seller_sku: sku.into(),
                quantity: qty,
                unit_price_vnd: 1000,
            }],
        }
    }

    struct Case {
        remote: Vec<RemoteListing>,
        canonical: Vec<Canonical>,
        jobs: Vec<JobState>,
        orders: Vec<RemoteOrder>,
        skus: HashSet<String>,
        awaiting: HashSet<AwaitKey>,
        stale: BTreeMap<String, String>,
    }

    impl Case {
        fn new(remote: Vec<RemoteListing>, canonical: Vec<Canonical>) -> Self {
            let skus = canonical.iter().map(|c| c.sku.clone()).collect();
            Case {
                remote,
                canonical,
                jobs: Vec::new(),
                orders: Vec::new(),
                skus,
                awaiting: HashSet::new(),
                stale: BTreeMap::new(),
            }
        }

        fn run(&self) -> Diff {
            diff(&Input {
                remote: &self.remote,
                canonical: &self.canonical,
                jobs: &self.jobs,
                missed_orders: &self.orders,
                stale_orders: &self.stale,
                producer_skus: &self.skus,
                awaiting: &self.awaiting,
            })
        }
    }

    fn kinds_causes(d: &Diff) -> Vec<(String, String)> {
        d.items
            .iter()
            .map(|i| (i.kind.clone(), i.cause.clone()))
            .collect()
    }

    #[test]
    fn a_seller_sku_changed_on_a_linked_listing_awaits_a_person() {
        // Renamed to an unknown SKU, swapped to a sibling's, and cleared.
        let mut case = Case::new(
            vec![
                remote("1", "NA-1KG-NEW", 5, 100),
                remote("2", "NA-1KG", 7, 200),
                remote("3", "", 9, 300),
                remote("4", "HONG-1KG", 2, 400),
            ],
            vec![
                linked(1, "1", "NA-1KG", 5, 100),
                linked(2, "2", "NA-2KG", 7, 200),
                linked(3, "3", "NA-5KG", 9, 300),
                linked(4, "4", "HONG-1KG", 2, 400),
            ],
        );
        let d = case.run();
        let changed: Vec<_> = d
            .items
            .iter()
            .filter(|i| i.kind == kind::SELLER_SKU)
            .collect();
        assert_eq!(changed.len(), 3, "{:?}", d.items);
        assert!(
            changed
                .iter()
                .all(|i| i.cause == cause::EDITED_ON_MARKETPLACE)
        );
        let by_sku = |sku: &str| {
            changed
                .iter()
                .find(|i| i.kho_value.as_deref() == Some(sku))
                .and_then(|i| i.detail.clone())
                .unwrap_or_default()
        };
        assert!(
            by_sku("NA-1KG").contains("not one of the producer's SKUs"),
            "{}",
            by_sku("NA-1KG")
        );
        assert!(
            by_sku("NA-2KG").contains("counted against NA-1KG"),
            "{}",
            by_sku("NA-2KG")
        );
        assert!(
            by_sku("NA-5KG").contains("carry no SKU"),
            "{}",
            by_sku("NA-5KG")
        );
        assert_eq!(d.to_file.len(), 3);
        // Stock and price still match: nothing else is drift.
        assert_eq!(d.items.len(), 3);

        // Filed by `--fix`, unchanged: no longer drift; changed again: drift.
        case.awaiting = d.to_file.iter().map(|(k, _)| k.clone()).collect();
        let again = case.run();
        assert!(again.items.is_empty(), "{:?}", again.items);
        assert_eq!(again.still_awaiting.len(), 3);
        case.remote[0].seller_sku = "NA-1KG-NEWER".into();
        let changed_again = case.run();
        assert_eq!(
            kinds_causes(&changed_again),
            [(
                kind::SELLER_SKU.to_owned(),
                cause::EDITED_ON_MARKETPLACE.to_owned()
            )]
        );
    }

    #[test]
    fn units_a_shop_does_not_show_are_hidden_units() {
        // kho pushed 8, a cancellation raised its belief to 10 (its
        // allocation), the shop still shows 8: two units not on sale.
        let mut c = linked(1, "1", "A", 10, 100);
        c.acked_stock = Some(8);
        let case = Case::new(vec![remote("1", "A", 8, 100)], vec![c.clone()]);
        let d = case.run();
        assert_eq!(
            kinds_causes(&d),
            [(kind::STOCK.to_owned(), cause::HIDDEN_UNITS.to_owned())]
        );
        assert!(
            d.items[0]
                .detail
                .as_deref()
                .is_some_and(|t| t.contains("2 unit(s)")),
            "{:?}",
            d.items[0].detail
        );
        // `--fix` takes the observed 8 as kho's belief, so the allocation
        // is queued.
        assert_eq!(d.observed.len(), 1);
        assert_eq!(d.observed[0].value, 8);
        // Shown below what kho itself pushed last: an edit, not hidden units.
        let edited = Case::new(
            vec![remote("1", "A", 6, 100)],
            vec![linked(1, "1", "A", 10, 100)],
        );
        assert_eq!(
            kinds_causes(&edited.run()),
            [(
                kind::STOCK.to_owned(),
                cause::EDITED_ON_MARKETPLACE.to_owned()
            )]
        );
    }

    #[test]
    fn equal_sides_are_clean() {
        let c = Case::new(
            vec![remote("1", "A", 5, 100)],
            vec![linked(1, "1", "A", 5, 100)],
        );
        assert!(c.run().items.is_empty());
    }

    #[test]
    fn a_hand_edit_after_the_last_push_is_named() {
        let c = Case::new(
            vec![remote("1", "A", 2, 100), remote("2", "B", 5, 120)],
            vec![linked(1, "1", "A", 5, 100), linked(2, "2", "B", 5, 100)],
        );
        let d = c.run();
        assert_eq!(
            kinds_causes(&d),
            vec![
                ("stock".into(), "edited_on_marketplace".into()),
                ("price".into(), "edited_on_marketplace".into())
            ]
        );
        let stock = &d.items[0];
        assert_eq!(stock.kho_value.as_deref(), Some("5"));
        assert_eq!(stock.pushed_value.as_deref(), Some("5"));
        assert_eq!(stock.remote_value.as_deref(), Some("2"));
        assert_eq!(d.observed.len(), 2);
    }

    #[test]
    fn pending_and_dead_pushes_come_first() {
        let mut c = Case::new(
            vec![remote("1", "A", 2, 100), remote("2", "B", 2, 100)],
            vec![linked(1, "1", "A", 5, 100), linked(2, "2", "B", 5, 100)],
        );
        c.jobs = vec![
            JobState {
                listing_id: 1,
                kind: "stock".into(),
                state: "pending".into(),
                last_error: None,
            },
            JobState {
                listing_id: 2,
                kind: "stock".into(),
                state: "dead".into(),
                last_error: Some("item is locked by a promotion".into()),
            },
        ];
        let d = c.run();
        assert_eq!(d.items[0].cause, "push_pending");
        assert_eq!(d.items[1].cause, "push_failed");
        assert!(
            d.items[1]
                .detail
                .as_deref()
                .is_some_and(|m| m.contains("locked by a promotion"))
        );
    }

    #[test]
    fn stock_the_marketplace_holds_is_named() {
        let mut r = remote("1", "A", 3, 100);
        r.held_stock = Some(2);
        let c = Case::new(vec![r], vec![linked(1, "1", "A", 5, 100)]);
        assert_eq!(
            kinds_causes(&c.run()),
            vec![("stock".into(), "held_by_marketplace".into())]
        );
    }

    #[test]
    fn a_missed_order_is_one_item_and_explains_its_stock() {
        let mut c = Case::new(
            vec![remote("1", "A", 3, 100)],
            vec![linked(1, "1", "A", 5, 100)],
        );
        c.orders = vec![order("O1", "1", "A", 2)];
        let d = c.run();
        assert_eq!(
            kinds_causes(&d),
            vec![("order_missing".into(), "order_not_ingested".into())]
        );
        let detail = d.items[0].detail.clone().unwrap_or_default();
        assert!(detail.contains("A stock kho 5, marketplace 3"), "{detail}");
        assert_eq!(d.items[0].remote_value.as_deref(), Some("O1"));
    }

    #[test]
    fn a_missed_order_that_does_not_explain_the_stock_leaves_a_stock_item() {
        let mut c = Case::new(
            vec![remote("1", "A", 1, 100)],
            vec![linked(1, "1", "A", 5, 100)],
        );
        c.orders = vec![order("O1", "1", "A", 2)];
        let d = c.run();
        assert_eq!(
            kinds_causes(&d),
            vec![
                ("stock".into(), "edited_on_marketplace".into()),
                ("order_missing".into(), "order_not_ingested".into())
            ]
        );
    }

    #[test]
    fn a_lost_cancellation_is_one_order_item_and_explains_its_stock() {
        let mut c = Case::new(
            vec![remote("1", "A", 7, 100)],
            vec![linked(1, "1", "A", 5, 100)],
        );
        let mut cancelled = order("O1", "1", "A", 2);
        cancelled.status = OrderStatus::Cancelled;
        cancelled.raw_status = "CANCELLED".into();
        c.orders = vec![cancelled];
        c.stale.insert("O1".into(), "ready".into());
        let d = c.run();
        assert_eq!(
            kinds_causes(&d),
            vec![("order_missing".into(), "order_not_ingested".into())]
        );
        assert_eq!(d.items[0].kho_value.as_deref(), Some("ready"));
        let detail = d.items[0].detail.clone().unwrap_or_default();
        assert!(detail.contains("A stock kho 5, marketplace 7"), "{detail}");
    }

    #[test]
    fn deleted_unknown_and_duplicated_listings() {
        let mut gone = remote("3", "C", 5, 100);
        gone.status = ListingStatus::Deleted;
        let c = Case::new(
            vec![
                remote("1", "A", 5, 100),
                remote("9", "A", 1, 100),
                gone,
                remote("7", "ZZZ", 1, 100),
            ],
            vec![linked(1, "1", "A", 5, 100), linked(3, "3", "C", 5, 100)],
        );
        let d = c.run();
        assert_eq!(
            kinds_causes(&d),
            vec![
                ("missing_remote".into(), "deleted_on_marketplace".into()),
                ("unknown_sku".into(), "not_linked".into()),
                ("duplicate_sku".into(), "not_linked".into()),
            ]
        );
        assert_eq!(d.missing.len(), 1);
        assert_eq!(d.items[2].remote_value.as_deref(), Some("1,9"));
        assert_eq!(d.to_file.len(), 2);
    }

    #[test]
    fn filed_items_are_not_drift_until_they_change() {
        let mut c = Case::new(
            vec![remote("1", "A", 5, 100), remote("7", "ZZZ", 1, 100)],
            vec![linked(1, "1", "A", 5, 100)],
        );
        c.awaiting.insert(AwaitKey {
            kind: "unknown_sku".into(),
            seller_sku: "ZZZ".into(),
            remote_ids: "7".into(),
        });
        let d = c.run();
        assert!(d.items.is_empty());
        assert_eq!(d.still_awaiting.len(), 1);
        // The same SKU on a second listing is a new problem.
        c.remote.push(remote("8", "ZZZ", 1, 100));
        let d = c.run();
        assert_eq!(
            kinds_causes(&d),
            vec![("duplicate_sku".into(), "not_linked".into())]
        );
        assert!(d.still_awaiting.is_empty());
    }

    #[test]
    fn a_listing_unlisted_by_hand_is_a_status_drift_and_values_wait() {
        let mut r = remote("1", "A", 0, 1);
        r.status = ListingStatus::Inactive;
        let c = Case::new(vec![r], vec![linked(1, "1", "A", 5, 100)]);
        let d = c.run();
        assert_eq!(
            kinds_causes(&d),
            vec![
                ("stock".into(), "edited_on_marketplace".into()),
                ("price".into(), "edited_on_marketplace".into()),
                ("status".into(), "edited_on_marketplace".into()),
            ]
        );
        let mut unlisted = linked(1, "1", "A", 5, 100);
        unlisted.desired_active = Some(false);
        unlisted.remote_status = Some("inactive".into());
        let mut r = remote("1", "A", 0, 1);
        r.status = ListingStatus::Inactive;
        assert!(Case::new(vec![r], vec![unlisted]).run().items.is_empty());
    }
}
