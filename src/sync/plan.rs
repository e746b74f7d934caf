//! What a push would change: for each linked listing, the canonical value
//! against the value the marketplace is believed to show.

use serde::Serialize;

use super::allocation::desired_stock;
use crate::config::Allocation;
use crate::store::listings::ListingRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Stock,
    Price,
    /// 1 listed, 0 unlisted.
    Status,
}

/// One field of one listing to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub listing_id: i64,
    pub sku: String,
    pub remote_item_id: String,
    pub remote_variant_id: String,
    pub field: Field,
    /// What the marketplace is believed to show (`None`: never seen).
    pub from: Option<i64>,
    pub to: i64,
}

/// The changes that bring `listings` to their canonical values.
pub fn changes(listings: &[ListingRow], rule: &Allocation) -> Vec<Change> {
    let mut out = Vec::new();
    for l in listings {
        let stock = desired_stock(l.on_hand - l.reserved, rule);
        let mut push = |field, from: Option<i64>, to: i64| {
            if from != Some(to) {
                out.push(Change {
                    listing_id: l.id,
                    sku: l.sku.clone(),
                    remote_item_id: l.remote_item_id.clone(),
                    remote_variant_id: l.remote_variant_id.clone(),
                    field,
                    from,
                    to,
                });
            }
        };
        if l.desired_active == Some(false) {
            // Unlisted by kho (inactive product, expired certificate): its
            // values wait until it is relisted.
            let remote = l.remote_status.as_deref().map(|s| i64::from(s == "active"));
            push(Field::Status, remote, 0);
            continue;
        }
        if l.remote_status.as_deref() == Some("inactive") && l.desired_active == Some(true) {
            push(Field::Status, Some(0), 1);
        }
        push(Field::Stock, l.remote_stock, stock);
        push(Field::Price, l.remote_price, l.price_vnd);
    }
    out
}
