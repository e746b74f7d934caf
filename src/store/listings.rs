//! Listings: remote marketplace listings linked to variants, with what the
//! marketplace last showed and what kho last pushed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::outbox::desired::refresh_desired;
use sqlx::QueryBuilder;

use super::{Result, Store, StoreError, in_tx, now, with_pool};

/// A remote listing to link to a variant.
#[derive(Debug, Clone, Serialize)]
pub struct LinkRow {
    pub variant_id: i64,
    pub remote_item_id: String,
    /// Empty for an item without variants.
    pub remote_variant_id: String,
    pub seller_sku: String,
    pub stock: i64,
    pub price_vnd: i64,
    pub status: String,
}

/// A linked listing with the canonical values it should show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ListingRow {
    pub id: i64,
    pub variant_id: i64,
    pub sku: String,
    pub remote_item_id: String,
    pub remote_variant_id: String,
    pub remote_stock: Option<i64>,
    pub remote_price: Option<i64>,
    pub remote_status: Option<String>,
    pub acked_stock: Option<i64>,
    pub acked_price: Option<i64>,
    pub acked_at: Option<DateTime<Utc>>,
    pub price_vnd: i64,
    pub on_hand: i64,
    pub reserved: i64,
    pub product_active: bool,
    pub variant_active: bool,
    pub ocop_cert_expires: Option<NaiveDate>,
    /// What kho wants: `Some(false)` while it keeps the listing unlisted.
    pub desired_active: Option<bool>,
}

const LISTINGS: &str = "SELECT l.id, l.variant_id, v.sku, l.remote_item_id, l.remote_variant_id, \
     l.remote_stock, l.remote_price, l.remote_status, l.acked_stock, l.acked_price, l.acked_at, \
     v.price_vnd, \
     CAST(COALESCE((SELECT SUM(s.on_hand) FROM stock_levels s WHERE s.variant_id = v.id), 0) AS BIGINT) AS on_hand, \
     CAST(COALESCE((SELECT SUM(s.reserved) FROM stock_levels s WHERE s.variant_id = v.id), 0) AS BIGINT) AS reserved, \
     p.active AS product_active, v.active AS variant_active, p.ocop_cert_expires, \
     l.desired_active \
     FROM listings l JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id \
     WHERE l.account_id = $1 ORDER BY l.id";

/// Rows per statement when linking: 10 binds each, within both backends'
/// limits on bound parameters.
const LINK_CHUNK: usize = 500;

/// The rows to link with later rows winning over earlier ones for the same
/// variant or the same remote listing (as if linked one after the other),
/// so that no statement touches one listing twice.
fn last_of_each(rows: &[LinkRow]) -> Vec<&LinkRow> {
    let mut variants = std::collections::HashSet::new();
    let mut remotes = std::collections::HashSet::new();
    let mut kept: Vec<&LinkRow> = rows
        .iter()
        .rev()
        .filter(|r| {
            let new_variant = variants.insert(r.variant_id);
            let new_remote =
                remotes.insert((r.remote_item_id.as_str(), r.remote_variant_id.as_str()));
            new_variant && new_remote
        })
        .collect();
    kept.reverse();
    kept
}

impl Store {
    /// Links remote listings to variants, replacing earlier links of the same
    /// variant or the same remote listing. Returns how many were new.
    pub async fn link_listings(&self, account_id: i64, rows: &[LinkRow]) -> Result<usize> {
        let at = now();
        let q = self.queue_context();
        let rows = last_of_each(rows);
        // In the rows' order: jobs are queued in it, and workers claim them
        // in it, so a remote item's variants go out together.
        let variants: Vec<i64> = rows.iter().map(|r| r.variant_id).collect();
        let in_call: std::collections::HashSet<i64> = variants.iter().copied().collect();
        let result = in_tx!(self, |tx| {
            // New links: variants the account had no listing of. One read of
            // the account's variants rather than a count per chunk, which
            // PostgreSQL planned as a scan while the table was filling.
            let linked: std::collections::HashSet<i64> =
                sqlx::query_scalar("SELECT variant_id FROM listings WHERE account_id = $1")
                    .bind(account_id)
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect();
            let created = variants.iter().filter(|v| !linked.contains(v)).count();
            let mut displaced: Vec<(i64, i64, String, String)> = Vec::new();
            // A few statements per chunk rather than per row: on PostgreSQL
            // every statement is a round trip, and a shop has thousands.
            for chunk in rows.chunks(LINK_CHUNK) {
                // A remote listing linked to another variant before (the
                // seller put another SKU on it) moves to this row's variant.
                // The old link's row steps aside under a placeholder remote
                // id until the rows below are written: a variant of this call
                // then gets its new remote listing in place, the others are
                // removed at the end.
                let mut qb = QueryBuilder::new("WITH v(item, var, variant) AS (");
                qb.push_values(chunk.iter(), |mut b, r| {
                    b.push_bind(&r.remote_item_id)
                        .push_bind(&r.remote_variant_id)
                        .push_bind(r.variant_id);
                });
                qb.push(
                    ") SELECT l.id, l.variant_id, l.remote_item_id, l.remote_variant_id FROM v \
                     JOIN listings l ON l.remote_item_id = v.item AND l.remote_variant_id = v.var \
                     AND l.variant_id <> v.variant WHERE l.account_id = ",
                )
                .push_bind(account_id);
                let moved: Vec<(i64, i64, String, String)> =
                    qb.build_query_as().fetch_all(&mut *tx).await?;
                if !moved.is_empty() {
                    let mut qb = QueryBuilder::new(
                        "UPDATE listings SET remote_item_id = '', \
                         remote_variant_id = 'kho:relinked:' || CAST(id AS TEXT) WHERE id IN (",
                    );
                    let mut sep = qb.separated(", ");
                    for m in &moved {
                        sep.push_bind(m.0);
                    }
                    qb.push(")");
                    qb.build().execute(&mut *tx).await?;
                    displaced.extend(moved);
                }
                let mut qb = QueryBuilder::new(
                    "INSERT INTO listings (account_id, variant_id, remote_item_id, remote_variant_id, \
                     seller_sku, remote_stock, remote_price, remote_status, remote_seen_at, linked_at) ",
                );
                qb.push_values(chunk.iter(), |mut b, r| {
                    b.push_bind(account_id)
                        .push_bind(r.variant_id)
                        .push_bind(&r.remote_item_id)
                        .push_bind(&r.remote_variant_id)
                        .push_bind(&r.seller_sku)
                        .push_bind(r.stock)
                        .push_bind(r.price_vnd)
                        .push_bind(&r.status)
                        .push_bind(at)
                        .push_bind(at);
                });
                qb.push(
                    " ON CONFLICT (account_id, variant_id) DO UPDATE SET \
                     remote_item_id = excluded.remote_item_id, remote_variant_id = excluded.remote_variant_id, \
                     seller_sku = excluded.seller_sku, remote_stock = excluded.remote_stock, \
                     remote_price = excluded.remote_price, remote_status = excluded.remote_status, \
                     remote_seen_at = excluded.remote_seen_at",
                );
                qb.build().execute(&mut *tx).await?;
            }
            // Old links of variants not in this call: their remote listing
            // now belongs to another variant. Their pending jobs go (they
            // would push the old variant's values); their push history
            // stays with the remote listing, on the link that holds it now.
            for (id, _, item, var) in displaced.iter().filter(|d| !in_call.contains(&d.1)) {
                sqlx::query(
                    "UPDATE push_audit SET listing_id = (SELECT n.id FROM listings n \
                     WHERE n.account_id = $1 AND n.remote_item_id = $2 AND n.remote_variant_id = $3) \
                     WHERE listing_id = $4",
                )
                .bind(account_id)
                .bind(item)
                .bind(var)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM sync_jobs WHERE listing_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM listings WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let queued = refresh_desired(&mut tx, &variants, &q).await?;
            Ok::<_, StoreError>((created, queued))
        });
        let (created, queued) = result?;
        self.after_bulk_write(rows.len()).await;
        if queued > 0 {
            self.wake();
        }
        Ok(created)
    }

    pub async fn listings(&self, account_id: i64) -> Result<Vec<ListingRow>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(LISTINGS)
                .bind(account_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Records values the marketplace acknowledged for a listing.
    pub async fn record_ack(
        &self,
        listing_id: i64,
        stock: Option<i64>,
        price: Option<i64>,
    ) -> Result<()> {
        let at = now();
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE listings SET \
                 remote_stock = COALESCE($2, remote_stock), acked_stock = COALESCE($2, acked_stock), \
                 remote_price = COALESCE($3, remote_price), acked_price = COALESCE($3, acked_price), \
                 acked_at = $4 WHERE id = $1",
            )
            .bind(listing_id)
            .bind(stock)
            .bind(price)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE channel_accounts SET last_push_at = $2 \
                 WHERE id = (SELECT account_id FROM listings WHERE id = $1)",
            )
            .bind(listing_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            Ok::<_, StoreError>(())
        })
    }

    /// The producer's variants: (variant id, SKU), for linking by seller SKU.
    pub async fn producer_skus(&self, producer: &str) -> Result<Vec<(i64, String)>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT v.id, v.sku FROM variants v JOIN products p ON p.id = v.product_id \
                 JOIN producers pr ON pr.id = p.producer_id WHERE pr.code = $1 ORDER BY v.id",
            )
            .bind(producer)
            .fetch_all(pool)
            .await?
        }))
    }
}

/// What kho wants a listing to show (`None`: nothing decided yet).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DesiredState {
    pub sku: String,
    pub remote_item_id: String,
    pub remote_variant_id: String,
    #[sqlx(rename = "desired_stock")]
    pub stock: Option<i64>,
    #[sqlx(rename = "desired_price")]
    pub price_vnd: Option<i64>,
    #[sqlx(rename = "desired_active")]
    pub active: Option<bool>,
}

impl Store {
    /// The desired state of every listing of the account.
    pub async fn desired_states(&self, account_id: i64) -> Result<Vec<DesiredState>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT v.sku, l.remote_item_id, l.remote_variant_id, l.desired_stock, \
                 l.desired_price, l.desired_active \
                 FROM listings l JOIN variants v ON v.id = l.variant_id \
                 WHERE l.account_id = $1 ORDER BY l.id",
            )
            .bind(account_id)
            .fetch_all(pool)
            .await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(variant_id: i64, item: &str) -> LinkRow {
        LinkRow {
            variant_id,
            remote_item_id: item.into(),
            remote_variant_id: String::new(),
            seller_sku: format!("SKU-{variant_id}"),
            stock: 0,
            price_vnd: 0,
            status: "active".into(),
        }
    }

    #[test]
    fn later_rows_win_for_a_variant_or_a_remote_listing() {
        let rows = [
            row(1, "a"),
            row(2, "b"),
            row(1, "c"),
            row(3, "b"),
            row(4, "d"),
        ];
        let kept: Vec<(i64, &str)> = last_of_each(&rows)
            .iter()
            .map(|r| (r.variant_id, r.remote_item_id.as_str()))
            .collect();
        assert_eq!(kept, [(1, "c"), (3, "b"), (4, "d")]);
    }

    #[test]
    fn distinct_rows_are_all_kept_in_order() {
        let rows = [row(1, "a"), row(2, "b"), row(3, "c")];
        assert_eq!(last_of_each(&rows).len(), 3);
    }
}
