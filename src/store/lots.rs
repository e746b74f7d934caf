//! Harvest lots: which units of a variant at a location came in together and
//! until when they may be sold. Every ledger movement names its lot; a
//! movement that names none is split over the lots first-expired-first-out
//! (removals) or lands where its units came from (a cancellation goes back
//! to the lot its sale took), else in the dateless lot (code `''`) that
//! holds whatever was received without one.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::Result;
use super::inventory::{Entry, MovementKind};

/// The calendar day best-before dates are judged by: the province's.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).date_naive()
}

/// A lot as a receipt, count or removal names it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LotSpec<'a> {
    pub code: &'a str,
    pub harvested: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
}

/// One lot and what it holds, for `kho stock show` and the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LotLevel {
    pub location: String,
    pub code: String,
    pub harvested_on: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
    pub on_hand: i64,
}

/// A lot with its id and balance, read inside a writer's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct LotRow {
    pub id: i64,
    pub on_hand: i64,
    pub harvested_on: Option<NaiveDate>,
    pub best_before: Option<NaiveDate>,
}

/// The lot `code` of a variant at a location, if it exists.
pub(crate) async fn find<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    variant_id: i64,
    location_id: i64,
    code: &str,
) -> Result<Option<LotRow>>
where
    DB: sqlx::Database,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> LotRow: sqlx::FromRow<'r, DB::Row>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> &'t str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    Ok(sqlx::query_as::<DB, LotRow>(
        "SELECT id, on_hand, harvested_on, best_before FROM lots \
         WHERE variant_id = $1 AND location_id = $2 AND code = $3",
    )
    .bind(variant_id)
    .bind(location_id)
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The lot `spec.code` of a variant at a location, created with the
/// spec's dates when it does not exist yet. Returns its id.
pub(crate) async fn ensure<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    variant_id: i64,
    location_id: i64,
    spec: &LotSpec<'_>,
    at: DateTime<Utc>,
) -> Result<i64>
where
    DB: sqlx::Database,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> &'t str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<NaiveDate>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> DateTime<Utc>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    sqlx::query::<DB>(
        "INSERT INTO lots (variant_id, location_id, code, harvested_on, best_before, on_hand, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT (variant_id, location_id, code) DO NOTHING",
    )
    .bind(variant_id)
    .bind(location_id)
    .bind(spec.code)
    .bind(spec.harvested)
    .bind(spec.best_before)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query_scalar::<DB, i64>(
        "SELECT id FROM lots WHERE variant_id = $1 AND location_id = $2 AND code = $3",
    )
    .bind(variant_id)
    .bind(location_id)
    .bind(spec.code)
    .fetch_one(&mut **tx)
    .await?)
}

/// Which lots a movement moves, and by how much each (the pieces add up to
/// `entry.delta`), with each lot's balance moved accordingly. The caller
/// holds the variant's stock row locked, so no other movement of the same
/// lots runs meanwhile.
pub(crate) async fn pieces<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    entry: &Entry<'_>,
) -> Result<Vec<(i64, i64)>>
where
    DB: sqlx::Database,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64, i64): sqlx::FromRow<'r, DB::Row>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> &'t str: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<NaiveDate>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> NaiveDate: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> DateTime<Utc>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let out = if let Some(lot) = entry.lot {
        vec![(lot, entry.delta)]
    } else if entry.delta < 0 {
        // First expired, first out; expired lots (not yet written off) only
        // once the sellable ones are empty, the dateless lot last.
        let held: Vec<(i64, i64)> = sqlx::query_as::<DB, (i64, i64)>(
            "SELECT id, on_hand FROM lots WHERE variant_id = $1 AND location_id = $2 AND on_hand > 0 \
             ORDER BY CASE WHEN best_before < $3 THEN 1 ELSE 0 END, \
             CASE WHEN best_before IS NULL THEN 1 ELSE 0 END, best_before, id",
        )
        .bind(entry.variant_id)
        .bind(entry.location_id)
        .bind(local_day(entry.at))
        .fetch_all(&mut **tx)
        .await?;
        let mut left = -entry.delta;
        let mut out = Vec::new();
        for (id, on_hand) in held {
            if left == 0 {
                break;
            }
            let take = left.min(on_hand);
            out.push((id, -take));
            left -= take;
        }
        if left > 0 {
            // A sale of more than the lots hold (a marketplace sold it): the
            // shortfall shows in the dateless lot, as it did in the total.
            let dateless = ensure(
                tx,
                entry.variant_id,
                entry.location_id,
                &LotSpec::default(),
                entry.at,
            )
            .await?;
            match out.iter_mut().find(|(lot, _)| *lot == dateless) {
                Some(piece) => piece.1 -= left,
                None => out.push((dateless, -left)),
            }
        }
        out
    } else {
        let back = match (entry.kind, entry.reference) {
            (MovementKind::Cancellation | MovementKind::Return, Some(reference)) => {
                sqlx::query_scalar::<DB, i64>(
                    "SELECT lot_id FROM stock_movements WHERE variant_id = $1 AND location_id = $2 \
                     AND reference = $3 AND quantity < 0 ORDER BY id DESC LIMIT 1",
                )
                .bind(entry.variant_id)
                .bind(entry.location_id)
                .bind(reference)
                .fetch_optional(&mut **tx)
                .await?
            }
            _ => None,
        };
        let lot = match back {
            Some(lot) => lot,
            None => {
                ensure(
                    tx,
                    entry.variant_id,
                    entry.location_id,
                    &LotSpec::default(),
                    entry.at,
                )
                .await?
            }
        };
        vec![(lot, entry.delta)]
    };
    for (lot, delta) in &out {
        sqlx::query::<DB>("UPDATE lots SET on_hand = on_hand + $2 WHERE id = $1")
            .bind(*lot)
            .bind(*delta)
            .execute(&mut **tx)
            .await?;
    }
    Ok(out)
}

/// One lot's units as the allocation reads them: (variant, best-before,
/// on hand).
pub type LotUnits = (i64, Option<NaiveDate>, i64);

/// What a variant's lots leave its shops on `today`: the units already past
/// their best-before are never shown to anyone, and a shop that wants
/// `min_days` of shelf life left is not shown the units that keep less.
/// Reservations are taken first-expired-first-out, so such a shop may show
/// the fresh units, or fewer when the reservations reach into them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShelfLife {
    /// Every unit of the variant's lots.
    pub on_hand: i64,
    /// Units past their best-before on `today`.
    pub expired: i64,
    /// Units not expired but with less than `min_days` left.
    pub short: i64,
}

impl ShelfLife {
    pub fn of(variant_id: i64, lots: &[LotUnits], today: NaiveDate, min_days: i64) -> ShelfLife {
        let cutoff = today
            .checked_add_days(chrono::Days::new(min_days.max(0).unsigned_abs()))
            .unwrap_or(NaiveDate::MAX);
        let mut out = ShelfLife::default();
        for (v, best_before, on_hand) in lots {
            if *v != variant_id {
                continue;
            }
            out.on_hand = out.on_hand.saturating_add(*on_hand);
            match best_before {
                Some(d) if *on_hand > 0 && *d < today => {
                    out.expired = out.expired.saturating_add(*on_hand)
                }
                Some(d) if *on_hand > 0 && *d < cutoff => {
                    out.short = out.short.saturating_add(*on_hand)
                }
                _ => {}
            }
        }
        out
    }

    /// What is left to sell of `available` (on hand less reserved, expired
    /// units included) once expired units are taken out: what every shop's
    /// allocation starts from.
    pub fn unexpired(&self, available: i64) -> i64 {
        available.saturating_sub(self.expired)
    }

    /// The most a shop that wants `min_days` may show.
    pub fn fresh(&self, available: i64) -> i64 {
        let fresh = self
            .on_hand
            .saturating_sub(self.expired)
            .saturating_sub(self.short);
        self.unexpired(available).min(fresh).max(0)
    }
}

mod queries;
#[cfg(test)]
mod tests;

pub use queries::{Expired, Expiring, WriteOffs};
