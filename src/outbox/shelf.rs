//! Shelf life in the allocation: what a variant's lots take from what each
//! shop may show. Expired units (past their best-before, not written off
//! yet) are shown to no shop; a shop with a minimum shelf life is shown at
//! most the units that keep it. The arithmetic is [`ShelfLife`]'s; this
//! reads the lots and applies it to the listings read for a recomputation.

use chrono::NaiveDate;
use sqlx::QueryBuilder;

use crate::outbox::policy::ListingInputs;
use crate::store::lots::{LotUnits, ShelfLife};

/// The lots holding (or owed) units of `variants`.
pub(crate) fn lots_query<DB>(variants: &[i64]) -> QueryBuilder<DB>
where
    DB: sqlx::Database,
    <DB as sqlx::Database>::Arguments: Default,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut qb = QueryBuilder::<DB>::new(
        "SELECT variant_id, best_before, on_hand FROM lots WHERE on_hand <> 0 AND variant_id IN (",
    );
    let mut sep = qb.separated(", ");
    for v in variants {
        sep.push_bind(*v);
    }
    qb.push(")");
    qb
}

/// Takes the expired units out of each listing's `available` and sets the
/// cap of a shop with a minimum shelf life, as of `today`.
pub(crate) fn apply(inputs: &mut [ListingInputs], lots: &[LotUnits], today: NaiveDate) {
    if lots.iter().all(|(_, best_before, _)| best_before.is_none()) {
        return;
    }
    for input in inputs {
        let life = ShelfLife::of(input.variant_id, lots, today, input.min_shelf_life_days);
        let available = input.available;
        input.available = life.unexpired(available);
        input.fresh = (input.min_shelf_life_days > 0).then(|| life.fresh(available));
    }
}
