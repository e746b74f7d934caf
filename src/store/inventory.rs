//! The inventory ledger: every stock movement is appended, and the cached
//! balance in `stock_levels` is changed in the same transaction. Stock is
//! never overwritten without a movement saying why.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::lots::{self, LotSpec};
use super::{Result, Store, StoreError, in_tx, now, with_pool};
use crate::outbox::desired::refresh_desired;

/// One ledger entry to append with [`move_stock`].
pub(crate) struct Entry<'a> {
    pub variant_id: i64,
    pub location_id: i64,
    pub kind: MovementKind,
    pub delta: i64,
    /// The lot it moves; `None` lets [`lots::pieces`] choose.
    pub lot: Option<i64>,
    pub reason: &'a str,
    pub reference: Option<&'a str>,
    pub actor: &'a str,
    pub at: DateTime<Utc>,
}

/// Appends one movement inside the open transaction `tx` and moves the
/// cached balance with it (no availability check: for movements that record
/// what already happened, such as marketplace sales; callers check first
/// when they must). A movement split over several lots is one ledger row
/// per lot. Returns the new on-hand balance and the last row's id.
pub(crate) async fn move_stock<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    entry: &Entry<'_>,
) -> Result<(i64, i64)>
where
    DB: sqlx::Database,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64, i64): sqlx::FromRow<'r, DB::Row>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> &'t str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<&'t str>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<NaiveDate>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> NaiveDate: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> DateTime<Utc>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    sqlx::query::<DB>(
        "INSERT INTO stock_levels (variant_id, location_id, on_hand, reserved) \
         VALUES ($1, $2, 0, 0) ON CONFLICT (variant_id, location_id) DO NOTHING",
    )
    .bind(entry.variant_id)
    .bind(entry.location_id)
    .execute(&mut **tx)
    .await?;
    let on_hand: i64 = sqlx::query_scalar::<DB, i64>(
        "UPDATE stock_levels SET on_hand = on_hand + $3 \
         WHERE variant_id = $1 AND location_id = $2 RETURNING on_hand",
    )
    .bind(entry.variant_id)
    .bind(entry.location_id)
    .bind(entry.delta)
    .fetch_one(&mut **tx)
    .await?;
    let mut balance = on_hand - entry.delta;
    let mut movement_id = 0;
    for (lot, delta) in lots::pieces(tx, entry).await? {
        balance += delta;
        movement_id = sqlx::query_scalar::<DB, i64>(
            "INSERT INTO stock_movements (variant_id, location_id, lot_id, kind, quantity, \
             balance_after, reason, reference, actor, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(entry.variant_id)
        .bind(entry.location_id)
        .bind(lot)
        .bind(entry.kind.as_str())
        .bind(delta)
        .bind(balance)
        .bind(entry.reason)
        .bind(entry.reference)
        .bind(entry.actor)
        .bind(entry.at)
        .fetch_one(&mut **tx)
        .await?;
    }
    Ok((on_hand, movement_id))
}

/// Why stock moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MovementKind {
    Receipt,
    Adjustment,
    Count,
    Sale,
    Cancellation,
    Return,
    /// Units past their best-before written off.
    Expiry,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::Adjustment => "adjustment",
            MovementKind::Count => "count",
            MovementKind::Sale => "sale",
            MovementKind::Cancellation => "cancellation",
            MovementKind::Return => "return",
            MovementKind::Expiry => "expiry",
        }
    }
}

/// What a movement does to on-hand stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Add (or, negative, remove) this many.
    By(i64),
    /// Set on hand to exactly this many (a count).
    To(i64),
}

#[derive(Debug, Clone)]
pub struct MovementRequest<'a> {
    pub variant_id: i64,
    pub location_id: i64,
    pub kind: MovementKind,
    pub quantity: Quantity,
    pub reason: &'a str,
    pub reference: Option<&'a str>,
    pub actor: &'a str,
    /// The lot it moves: a receipt creates it (with these dates) or adds to
    /// it; a removal or count moves that lot only. `None`: receipts go to the
    /// dateless lot, removals first-expired-first-out, counts count the
    /// total.
    pub lot: Option<LotSpec<'a>>,
    /// Refuse a decrease that would leave less available than zero. User
    /// commands set this; marketplace sales do not (the sale happened).
    pub guard_available: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MovementOutcome {
    Applied {
        movement_id: i64,
        delta: i64,
        on_hand: i64,
        reserved: i64,
    },
    /// A count that matched the stock already recorded.
    Unchanged { on_hand: i64, reserved: i64 },
    /// Refused: `available` would drop below zero.
    WouldGoNegative {
        on_hand: i64,
        reserved: i64,
        delta: i64,
    },
    /// Refused: on hand would leave `0..=max` (a person's command; `max` is
    /// the catalog's stock limit) or the arithmetic would overflow.
    OutOfRange { on_hand: i64, delta: i64, max: i64 },
    /// Refused: no such lot to remove from or count.
    UnknownLot,
    /// Refused: the lot holds fewer units than the removal takes.
    LotShort { lot_on_hand: i64, delta: i64 },
    /// Refused: the lot exists with other dates than the receipt gives.
    LotDates {
        harvested_on: Option<NaiveDate>,
        best_before: Option<NaiveDate>,
    },
}

/// A SKU with the ids a movement needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SkuRef {
    pub variant_id: i64,
    pub sku: String,
    pub producer_id: i64,
    pub producer_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StockLevel {
    pub location: String,
    pub on_hand: i64,
    pub reserved: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Movement {
    pub id: i64,
    pub location: String,
    /// The lot's code ('' for units kept without a lot).
    pub lot: String,
    pub kind: String,
    pub quantity: i64,
    pub balance_after: i64,
    pub reason: String,
    pub reference: Option<String>,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// Why [`Store::record_movement`]'s transaction ends without a commit: a
/// movement refused by its checks is not an error to the caller, but what
/// the transaction wrote meanwhile (the location's empty balance row) is
/// rolled back all the same.
enum Stop {
    Refused(MovementOutcome),
    Store(StoreError),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Store(e)
    }
}

impl From<sqlx::Error> for Stop {
    fn from(e: sqlx::Error) -> Self {
        Stop::Store(e.into())
    }
}

/// The lot a person's movement names, created by a receipt that names a
/// new one. A receipt may repeat a lot's dates but not contradict them (two
/// harvests are two lots).
async fn resolve_lot<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    req: &MovementRequest<'_>,
    spec: &LotSpec<'_>,
    at: DateTime<Utc>,
) -> std::result::Result<lots::LotRow, Stop>
where
    DB: sqlx::Database,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> lots::LotRow: sqlx::FromRow<'r, DB::Row>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> &'t str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<NaiveDate>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> DateTime<Utc>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let receipt = matches!(req.quantity, Quantity::By(d) if d > 0);
    match lots::find(tx, req.variant_id, req.location_id, spec.code).await? {
        Some(row) => {
            let differs = |given: Option<NaiveDate>, stored: Option<NaiveDate>| {
                given.is_some() && given != stored
            };
            if receipt
                && (differs(spec.harvested, row.harvested_on)
                    || differs(spec.best_before, row.best_before))
            {
                return Err(Stop::Refused(MovementOutcome::LotDates {
                    harvested_on: row.harvested_on,
                    best_before: row.best_before,
                }));
            }
            Ok(row)
        }
        None if receipt => {
            let id = lots::ensure(tx, req.variant_id, req.location_id, spec, at).await?;
            Ok(lots::LotRow {
                id,
                on_hand: 0,
                harvested_on: spec.harvested,
                best_before: spec.best_before,
            })
        }
        None => Err(Stop::Refused(MovementOutcome::UnknownLot)),
    }
}

impl Store {
    pub async fn find_sku(&self, sku: &str) -> Result<Option<SkuRef>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT v.id AS variant_id, v.sku, pr.id AS producer_id, pr.code AS producer_code \
                 FROM variants v JOIN products p ON p.id = v.product_id \
                 JOIN producers pr ON pr.id = p.producer_id WHERE v.sku = $1",
            )
            .bind(sku)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// A producer's location by code, or its default location.
    pub async fn location_id(&self, producer_id: i64, code: Option<&str>) -> Result<Option<i64>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT id FROM locations WHERE producer_id = $1 \
                 AND ((CAST($2 AS TEXT) IS NULL AND is_default) OR code = $2)",
            )
            .bind(producer_id)
            .bind(code)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Appends one movement and moves the cached balance with it.
    pub async fn record_movement(&self, req: &MovementRequest<'_>) -> Result<MovementOutcome> {
        let at = now();
        let q = self.rebalancing_context();
        let outcome = in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO stock_levels (variant_id, location_id, on_hand, reserved) \
                 VALUES ($1, $2, 0, 0) ON CONFLICT (variant_id, location_id) DO NOTHING",
            )
            .bind(req.variant_id)
            .bind(req.location_id)
            .execute(&mut *tx)
            .await?;
            // A no-op UPDATE locks the row on PostgreSQL (SQLite's IMMEDIATE
            // transaction already holds the write lock), so the read below
            // cannot be overtaken by a concurrent movement.
            let (on_hand, reserved): (i64, i64) = sqlx::query_as(
                "UPDATE stock_levels SET on_hand = on_hand \
                 WHERE variant_id = $1 AND location_id = $2 RETURNING on_hand, reserved",
            )
            .bind(req.variant_id)
            .bind(req.location_id)
            .fetch_one(&mut *tx)
            .await?;
            let lot = match req.lot {
                None => None,
                Some(spec) => Some(resolve_lot(&mut tx, req, &spec, at).await?),
            };
            // A count of a lot counts that lot, not the total.
            let counted = lot.map_or(on_hand, |l| l.on_hand);
            // Checked: input must never overflow the ledger (which was a 500).
            let max = crate::catalog::limits::MAX_STOCK;
            let delta = match req.quantity {
                Quantity::By(d) => Some(d),
                Quantity::To(q) => q.checked_sub(counted),
            };
            let Some((delta, after)) =
                delta.and_then(|d| on_hand.checked_add(d).map(|after| (d, after)))
            else {
                let delta = match req.quantity {
                    Quantity::By(d) => d,
                    Quantity::To(q) => q.saturating_sub(counted),
                };
                return Err(Stop::Refused(MovementOutcome::OutOfRange {
                    on_hand,
                    delta,
                    max,
                }));
            };
            if req.guard_available && delta > 0 && after > max {
                return Err(Stop::Refused(MovementOutcome::OutOfRange {
                    on_hand,
                    delta,
                    max,
                }));
            }
            if delta == 0 {
                return Err(Stop::Refused(MovementOutcome::Unchanged {
                    on_hand,
                    reserved,
                }));
            }
            if let Some(l) = lot
                && delta < 0
                && l.on_hand.saturating_add(delta) < 0
            {
                return Err(Stop::Refused(MovementOutcome::LotShort {
                    lot_on_hand: l.on_hand,
                    delta,
                }));
            }
            if req.guard_available && delta < 0 && after.saturating_sub(reserved) < 0 {
                return Err(Stop::Refused(MovementOutcome::WouldGoNegative {
                    on_hand,
                    reserved,
                    delta,
                }));
            }
            let (after, movement_id) = move_stock(
                &mut tx,
                &Entry {
                    variant_id: req.variant_id,
                    location_id: req.location_id,
                    kind: req.kind,
                    delta,
                    lot: lot.map(|l| l.id),
                    reason: req.reason,
                    reference: req.reference,
                    actor: req.actor,
                    at,
                },
            )
            .await?;
            let queued = refresh_desired(&mut tx, &[req.variant_id], &q).await?;
            Ok::<_, Stop>((
                MovementOutcome::Applied {
                    movement_id,
                    delta,
                    on_hand: after,
                    reserved,
                },
                queued,
            ))
        });
        let (outcome, queued) = match outcome {
            Ok(pair) => pair,
            Err(Stop::Refused(outcome)) => return Ok(outcome),
            Err(Stop::Store(e)) => return Err(e),
        };
        if queued > 0 {
            self.wake();
        }
        Ok(outcome)
    }

    /// Holds (positive) or releases (negative) units for open orders. Not a
    /// ledger movement: nothing left the shelf yet.
    pub async fn adjust_reserved(
        &self,
        variant_id: i64,
        location_id: i64,
        delta: i64,
    ) -> Result<i64> {
        let q = self.rebalancing_context();
        let result = in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO stock_levels (variant_id, location_id, on_hand, reserved) \
                 VALUES ($1, $2, 0, 0) ON CONFLICT (variant_id, location_id) DO NOTHING",
            )
            .bind(variant_id)
            .bind(location_id)
            .execute(&mut *tx)
            .await?;
            let reserved: i64 = sqlx::query_scalar(
                "UPDATE stock_levels SET reserved = CASE WHEN reserved + $3 < 0 THEN 0 ELSE reserved + $3 END \
                 WHERE variant_id = $1 AND location_id = $2 RETURNING reserved",
            )
            .bind(variant_id)
            .bind(location_id)
            .bind(delta)
            .fetch_one(&mut *tx)
            .await?;
            let queued = refresh_desired(&mut tx, &[variant_id], &q).await?;
            Ok::<_, StoreError>((reserved, queued))
        });
        let (reserved, queued) = result?;
        if queued > 0 {
            self.wake();
        }
        Ok(reserved)
    }

    pub async fn stock_levels(&self, variant_id: i64) -> Result<Vec<StockLevel>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT l.code AS location, s.on_hand, s.reserved FROM stock_levels s \
                 JOIN locations l ON l.id = s.location_id WHERE s.variant_id = $1 ORDER BY l.code",
            )
            .bind(variant_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Newest first.
    pub async fn stock_history(&self, variant_id: i64, limit: i64) -> Result<Vec<Movement>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT m.id, l.code AS location, o.code AS lot, m.kind, m.quantity, m.balance_after, \
                 m.reason, m.reference, m.actor, m.created_at FROM stock_movements m \
                 JOIN locations l ON l.id = m.location_id JOIN lots o ON o.id = m.lot_id \
                 WHERE m.variant_id = $1 ORDER BY m.id DESC LIMIT $2",
            )
            .bind(variant_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The ledger's sum for a variant at a location: what the cached
    /// balance must always equal.
    pub async fn ledger_sum(&self, variant_id: i64, location_id: i64) -> Result<i64> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM stock_movements \
                 WHERE variant_id = $1 AND location_id = $2",
            )
            .bind(variant_id)
            .bind(location_id)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Every (variant, location) whose cached balance differs from its
    /// ledger: empty unless something bypassed the ledger.
    pub async fn ledger_mismatches(&self) -> Result<Vec<(i64, i64, i64, i64)>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT s.variant_id, s.location_id, s.on_hand, \
                 CAST(COALESCE((SELECT SUM(m.quantity) FROM stock_movements m \
                   WHERE m.variant_id = s.variant_id AND m.location_id = s.location_id), 0) AS BIGINT) AS ledger \
                 FROM stock_levels s",
            )
            .fetch_all(pool)
            .await?
            .into_iter()
            .filter(|(_, _, on_hand, ledger): &(i64, i64, i64, i64)| on_hand != ledger)
            .collect()
        }))
    }
}
