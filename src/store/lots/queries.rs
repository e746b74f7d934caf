//! What the store answers about lots: their balances, what expires soon,
//! what was written off, and the expiry run itself.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{LotLevel, local_day};
use crate::outbox::desired::refresh_desired;
use crate::store::inventory::{Entry, MovementKind, move_stock};
use crate::store::{Result, Store, StoreError, in_tx, with_pool};

/// A lot written off (or, in a dry run, that would be) by [`Store::expire_lots`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Expired {
    pub producer: String,
    pub sku: String,
    pub location: String,
    pub lot: String,
    pub best_before: NaiveDate,
    pub units: i64,
}

/// A lot still on hand whose best-before ends soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Expiring {
    pub producer: String,
    pub sku: String,
    pub name: String,
    pub location: String,
    pub lot: String,
    pub best_before: NaiveDate,
    pub units: i64,
}

/// Units written off as expired in one calendar month (the province's), per
/// cooperative: the food-loss figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WriteOffs {
    /// `YYYY-MM`.
    pub month: String,
    pub producer: String,
    pub units: i64,
    /// Units × the variant's current price.
    pub value_vnd: i64,
}

const EXPIRED: &str = "SELECT pr.code AS producer, v.sku, l.code AS location, o.code AS lot, \
     o.best_before, o.on_hand AS units FROM lots o \
     JOIN variants v ON v.id = o.variant_id JOIN products p ON p.id = v.product_id \
     JOIN producers pr ON pr.id = p.producer_id JOIN locations l ON l.id = o.location_id \
     WHERE o.best_before < $1 AND o.on_hand > 0 ORDER BY pr.code, v.sku, l.code, o.best_before, o.code";

impl Store {
    /// The product's shelf life in days, from the catalog.
    pub async fn shelf_life_days(&self, variant_id: i64) -> Result<Option<i64>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar::<_, Option<i64>>(
                "SELECT p.shelf_life_days FROM variants v JOIN products p ON p.id = v.product_id \
                 WHERE v.id = $1",
            )
            .bind(variant_id)
            .fetch_optional(pool)
            .await?
            .flatten()
        }))
    }

    /// A variant's lots that hold units (or are owed some), by location and
    /// earliest best-before first; the dateless lot last.
    pub async fn lot_levels(&self, variant_id: i64) -> Result<Vec<LotLevel>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT l.code AS location, o.code, o.harvested_on, o.best_before, o.on_hand \
                 FROM lots o JOIN locations l ON l.id = o.location_id \
                 WHERE o.variant_id = $1 AND o.on_hand <> 0 \
                 ORDER BY l.code, CASE WHEN o.best_before IS NULL THEN 1 ELSE 0 END, o.best_before, o.code",
            )
            .bind(variant_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The ledger's sum for one lot: what the lot's balance must equal.
    pub async fn lot_ledger_mismatches(&self) -> Result<Vec<(i64, i64, i64)>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT o.id, o.on_hand, CAST(COALESCE((SELECT SUM(m.quantity) FROM stock_movements m \
                 WHERE m.lot_id = o.id), 0) AS BIGINT) AS ledger FROM lots o",
            )
            .fetch_all(pool)
            .await?
            .into_iter()
            .filter(|(_, on_hand, ledger): &(i64, i64, i64)| on_hand != ledger)
            .collect()
        }))
    }

    /// Lots on hand whose best-before ends within `hours` of `at` (those
    /// already past it and not written off yet included), soonest first.
    pub async fn expiring(&self, at: DateTime<Utc>, hours: i64) -> Result<Vec<Expiring>> {
        // A lot is sellable through its best-before day: it expires at the
        // start of the next day.
        let until = local_day(at + chrono::Duration::hours(hours));
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT pr.code AS producer, v.sku, v.name, l.code AS location, o.code AS lot, \
                 o.best_before, o.on_hand AS units FROM lots o \
                 JOIN variants v ON v.id = o.variant_id JOIN products p ON p.id = v.product_id \
                 JOIN producers pr ON pr.id = p.producer_id JOIN locations l ON l.id = o.location_id \
                 WHERE o.best_before < $1 AND o.on_hand > 0 \
                 ORDER BY o.best_before, pr.code, v.sku, o.code",
            )
            .bind(until)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Units written off as expired, per month and cooperative, newest
    /// month first, since `since`.
    pub async fn write_offs(&self, since: DateTime<Utc>) -> Result<Vec<WriteOffs>> {
        let rows: Vec<(DateTime<Utc>, String, i64, i64)> = with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT m.created_at, pr.code, m.quantity, v.price_vnd FROM stock_movements m \
                 JOIN variants v ON v.id = m.variant_id JOIN products p ON p.id = v.product_id \
                 JOIN producers pr ON pr.id = p.producer_id \
                 WHERE m.kind = 'expiry' AND m.created_at >= $1",
            )
            .bind(since)
            .fetch_all(pool)
            .await?
        });
        let mut by: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        for (at, producer, quantity, price) in rows {
            let month = local_day(at).format("%Y-%m").to_string();
            let e = by.entry((month, producer)).or_default();
            let units = quantity.saturating_neg();
            e.0 = e.0.saturating_add(units);
            e.1 = e.1.saturating_add(units.saturating_mul(price));
        }
        Ok(by
            .into_iter()
            .rev()
            .map(|((month, producer), (units, value_vnd))| WriteOffs {
                month,
                producer,
                units,
                value_vnd,
            })
            .collect())
    }

    /// Every expiry write-off in `[start, end)` as a sales-report line (no
    /// order, no channel; units at today's price), so the sales report
    /// groups write-offs by producer, product, district, stars or day the
    /// way it groups sales.
    pub async fn expiry_lines(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<crate::store::orders::SaleLine>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT CAST(0 AS BIGINT) AS order_id, m.created_at AS ordered_at, '' AS channel, \
                 '' AS account, pr.code AS producer, pr.name AS producer_name, \
                 COALESCE(pr.district, '') AS district, p.name AS product, p.ocop_stars, v.sku AS sku, \
                 CAST(-m.quantity AS BIGINT) AS quantity, v.price_vnd AS unit_price_vnd \
                 FROM stock_movements m JOIN variants v ON v.id = m.variant_id \
                 JOIN products p ON p.id = v.product_id JOIN producers pr ON pr.id = p.producer_id \
                 WHERE m.kind = 'expiry' AND m.created_at >= $1 AND m.created_at < $2 \
                 ORDER BY m.created_at, m.id",
            )
            .bind(start)
            .bind(end)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Writes off every lot past its best-before on `at`'s day with one
    /// `expiry` movement each, and recomputes what the shops show of every
    /// variant with dated lots (a day later, fewer units keep an account's
    /// minimum shelf life). With `dry_run`, only says what it would write
    /// off.
    pub async fn expire_lots(
        &self,
        at: DateTime<Utc>,
        dry_run: bool,
        actor: &str,
    ) -> Result<Vec<Expired>> {
        let today = local_day(at);
        if dry_run {
            return Ok(with_pool!(self, |pool| {
                sqlx::query_as(EXPIRED).bind(today).fetch_all(pool).await?
            }));
        }
        let q = self.rebalancing_context();
        let (expired, queued) = in_tx!(self, |tx| {
            let due: Vec<(i64, i64, i64)> = sqlx::query_as(
                "SELECT id, variant_id, location_id FROM lots \
                 WHERE best_before < $1 AND on_hand > 0 ORDER BY id",
            )
            .bind(today)
            .fetch_all(&mut *tx)
            .await?;
            let expired: Vec<Expired> = sqlx::query_as(EXPIRED)
                .bind(today)
                .fetch_all(&mut *tx)
                .await?;
            for (lot, variant_id, location_id) in &due {
                // Locks the variant's stock row first, so the lot's balance
                // read next is what no sale is taking from meanwhile.
                sqlx::query(
                    "UPDATE stock_levels SET on_hand = on_hand WHERE variant_id = $1 AND location_id = $2",
                )
                .bind(*variant_id)
                .bind(*location_id)
                .execute(&mut *tx)
                .await?;
                let units: i64 = sqlx::query_scalar("SELECT on_hand FROM lots WHERE id = $1")
                    .bind(*lot)
                    .fetch_one(&mut *tx)
                    .await?;
                if units <= 0 {
                    continue;
                }
                move_stock(
                    &mut tx,
                    &Entry {
                        variant_id: *variant_id,
                        location_id: *location_id,
                        kind: MovementKind::Expiry,
                        delta: -units,
                        lot: Some(*lot),
                        reason: "past best-before",
                        reference: None,
                        actor,
                        at,
                    },
                )
                .await?;
            }
            let variants: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT variant_id FROM lots WHERE best_before IS NOT NULL \
                 AND (on_hand > 0 OR best_before >= $1) ORDER BY variant_id",
            )
            .bind(today - chrono::Days::new(1))
            .fetch_all(&mut *tx)
            .await?;
            let queued = refresh_desired(&mut tx, &variants, &q).await?;
            Ok::<_, StoreError>((expired, queued))
        })?;
        if queued > 0 {
            self.wake();
        }
        Ok(expired)
    }
}
