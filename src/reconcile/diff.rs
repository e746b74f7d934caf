//! The comparison itself, without a database or a network: what the
//! marketplace shows, what kho wants and last pushed, the outbox and the
//! orders kho has not seen go in; drift items with their likely cause come
//! out. Kept pure so every cause can be tested in isolation.

use std::collections::{BTreeMap, HashMap, HashSet};

use kho_channel::{ListingStatus, OrderStatus, RemoteListing, RemoteOrder};

use crate::store::reconcile::ReconcileItem;
pub use crate::store::reconcile::{Canonical, JobState};

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
mod tests;
