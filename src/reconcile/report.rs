//! How a reconciliation reads: counts per kind per account, then every
//! item with its cause, then what awaits a person and what `--fix` did.

use std::fmt::Write as _;

use super::AccountReport;
use super::diff::kind;
use crate::store::reconcile::ReconcileItem;
use crate::terminal::esc;

fn item_line(i: &ReconcileItem) -> String {
    let sku = i.sku.as_deref().filter(|s| !s.is_empty()).unwrap_or("-");
    let remote = match (&i.remote_item_id, &i.remote_variant_id) {
        (Some(item), Some(v)) => format!(" [{item}/{v}]"),
        (Some(item), None) => format!(" [{item}]"),
        _ => String::new(),
    };
    let values = match (i.kind.as_str(), &i.kho_value, &i.remote_value) {
        (kind::STOCK | kind::PRICE | kind::STATUS, Some(k), Some(r)) => format!(
            " kho {k}, last pushed {}, marketplace {r}",
            i.pushed_value.as_deref().unwrap_or("-")
        ),
        _ => String::new(),
    };
    let detail = i
        .detail
        .as_deref()
        .map(|d| format!(" — {d}"))
        .unwrap_or_default();
    // SKUs, ids and details of unknown listings come from the marketplace:
    // the whole line is escaped so none of them can break it.
    esc(&format!(
        "  {:<15} {sku}{remote}{values} ({}){detail}",
        i.kind, i.cause
    ))
    .into_owned()
}

/// The readable report of all accounts.
pub fn text(reports: &[AccountReport]) -> String {
    let mut s = String::new();
    for r in reports {
        let total: i64 = r.counts.values().sum();
        let _ = write!(s, "{} ({}): ", r.account, r.channel);
        match r.outcome.as_str() {
            "failed" => {
                let _ = writeln!(
                    s,
                    "FAILED: {}",
                    esc(r.error.as_deref().unwrap_or("unknown error"))
                );
                continue;
            }
            "skipped" => {
                let _ = writeln!(
                    s,
                    "SKIPPED: {}",
                    esc(r.error.as_deref().unwrap_or("another run is in progress"))
                );
                continue;
            }
            "clean" => {
                let _ = writeln!(
                    s,
                    "clean ({} remote listing(s), {} linked, {} order(s) in the window)",
                    r.remote_listings, r.linked_listings, r.orders_on_marketplace
                );
            }
            _ => {
                let counts: Vec<String> = kind::ALL
                    .iter()
                    .filter_map(|k| r.counts.get(*k).map(|n| format!("{n} {k}")))
                    .collect();
                let _ = writeln!(
                    s,
                    "{total} drift item(s): {} ({} remote listing(s), {} linked, {} order(s) in the window)",
                    counts.join(", "),
                    r.remote_listings,
                    r.linked_listings,
                    r.orders_on_marketplace
                );
            }
        }
        for i in &r.items {
            let _ = writeln!(s, "{}", item_line(i));
        }
        if !r.awaiting.is_empty() {
            let _ = writeln!(s, "  awaiting a person ({}):", r.awaiting.len());
            for a in &r.awaiting {
                let _ = writeln!(
                    s,
                    "    {} {:?} on {}{}",
                    a.kind,
                    a.seller_sku,
                    esc(&a.remote_ids),
                    a.detail
                        .as_deref()
                        .map(|d| format!(" — {}", esc(d)))
                        .unwrap_or_default()
                );
            }
        }
        if let Some(f) = &r.fix {
            let _ = writeln!(
                s,
                "  fixed: {} order(s) ingested, {} value(s) taken from the marketplace, {} push(es) queued, \
                 {} pushed, {} republished, {} filed for linking; {} still pending, {} dead letter(s)",
                f.orders_ingested,
                f.values_observed,
                f.jobs_queued,
                f.pushed,
                f.republished.iter().filter(|p| p.error.is_none()).count(),
                f.filed_for_linking,
                f.still_pending,
                f.dead_letters
            );
            for p in f.republished.iter().filter(|p| p.error.is_some()) {
                let _ = writeln!(
                    s,
                    "  republish failed: {} ({}): {}",
                    p.product_code,
                    p.skus.join(", "),
                    esc(p.error.as_deref().unwrap_or_default())
                );
            }
            for e in &f.push_failures {
                let _ = writeln!(s, "  push failed: {}", esc(&e.to_string()));
            }
            if let Some(why) = &f.stopped {
                let _ = writeln!(s, "  pushing stopped: {}", esc(&why.to_string()));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::diff::cause;

    #[test]
    fn a_stock_item_shows_all_three_values_and_its_cause() {
        let line = item_line(&ReconcileItem {
            id: 0,
            run_id: 0,
            kind: kind::STOCK.into(),
            sku: Some("NA-1KG".into()),
            remote_item_id: Some("100".into()),
            remote_variant_id: None,
            field: Some("stock".into()),
            kho_value: Some("50".into()),
            pushed_value: Some("50".into()),
            remote_value: Some("7".into()),
            cause: cause::EDITED_ON_MARKETPLACE.into(),
            detail: None,
        });
        assert_eq!(
            line,
            "  stock           NA-1KG [100] kho 50, last pushed 50, marketplace 7 (edited_on_marketplace)"
        );
    }
}
