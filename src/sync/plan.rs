//! What the next push of an account sends (`kho sync --dry-run`): for each
//! linked listing, the value the allocation policy wants against the value
//! the marketplace is believed to show, for every field `kho sync` would
//! push — a pending job, a change the policy queues, or a difference from
//! the marketplace.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::outbox::policy::{Cause, JobKind, ListingInputs, VariantView, changed_kinds, decide};

/// One field of one listing to push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub listing_id: i64,
    pub sku: String,
    pub remote_item_id: String,
    pub remote_variant_id: String,
    pub field: JobKind,
    /// What the marketplace is believed to show (`None`: never seen).
    pub from: Option<i64>,
    /// What the push sends (status: 1 listed, 0 unlisted).
    pub to: i64,
}

/// The pushes that `kho sync` would make for `account_id`. `inputs` holds
/// every listing of the variants the account lists (a burst splits a
/// variant among all its shared shops); `settling` the variants whose burst
/// `kho sync` ends before it pushes.
pub fn changes(
    inputs: &[ListingInputs],
    account_id: i64,
    today: NaiveDate,
    settling: &HashSet<i64>,
) -> Vec<Change> {
    let mut by_variant: HashMap<i64, Vec<&ListingInputs>> = HashMap::new();
    for input in inputs {
        by_variant.entry(input.variant_id).or_default().push(input);
    }
    let mut out = Vec::new();
    for input in inputs.iter().filter(|i| i.account_id == account_id) {
        let settle = settling.contains(&input.variant_id);
        let mut view = by_variant
            .get(&input.variant_id)
            .map(|l| VariantView::of(l))
            .unwrap_or_default();
        let force = settle && view.burst;
        let cause = if settle {
            view.burst = false;
            Cause::Settle { force }
        } else {
            Cause::Edit
        };
        let new = decide(input, today, cause, view);
        let queued = changed_kinds(input, &new, force);
        let remote_active = input
            .remote_status
            .as_deref()
            .map(|s| i64::from(s == "active"));
        let fields = [
            (JobKind::Status, remote_active, i64::from(new.active)),
            (JobKind::Stock, input.remote_stock, new.stock),
            (JobKind::Price, input.remote_price, new.price),
        ];
        for (field, from, to) in fields {
            // Values of a listing kho unlists wait until it is relisted
            // (marketplaces refuse updates to unlisted products).
            if !new.active && field != JobKind::Status {
                continue;
            }
            if from != Some(to) || queued.contains(&field) || input.queued(field) {
                out.push(Change {
                    listing_id: input.listing_id,
                    sku: input.sku.clone(),
                    remote_item_id: input.remote_item_id.clone(),
                    remote_variant_id: input.remote_variant_id.clone(),
                    field,
                    from,
                    to,
                });
            }
        }
    }
    out
}
