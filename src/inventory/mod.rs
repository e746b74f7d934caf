//! Stock commands a person gives (`kho stock add/set`): resolve the SKU and
//! location, refuse what would leave less than nothing available, and record
//! the movement in the ledger.

use crate::catalog::limits::{self, Lines, MAX_STOCK};
use chrono::NaiveDate;

use crate::store::inventory::{MovementKind, MovementOutcome, MovementRequest, Quantity};
use crate::store::lots::LotSpec;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum StockError {
    #[error("unknown SKU {0:?}")]
    UnknownSku(String),
    #[error("SKU {sku:?}: producer {producer} has no location {location:?}")]
    UnknownLocation {
        sku: String,
        producer: String,
        location: String,
    },
    #[error(
        "SKU {sku:?}: refused, {on_hand} on hand with {reserved} reserved leaves {available} available; \
         a change of {delta} would make it {after}"
    )]
    WouldGoNegative {
        sku: String,
        on_hand: i64,
        reserved: i64,
        available: i64,
        delta: i64,
        after: i64,
    },
    #[error(
        "SKU {sku:?}: refused, {on_hand} on hand and a change of {delta} would leave more than \
         the maximum of {max} units (stock limit: the smallest the marketplaces accept)"
    )]
    AboveLimit {
        sku: String,
        on_hand: i64,
        delta: i64,
        max: i64,
    },
    #[error("SKU {sku:?}: no lot {lot:?} at this location")]
    UnknownLot { sku: String, lot: String },
    #[error(
        "SKU {sku:?}: refused, lot {lot:?} holds {on_hand}; a change of {delta} would leave less than 0"
    )]
    LotShort {
        sku: String,
        lot: String,
        on_hand: i64,
        delta: i64,
    },
    #[error(
        "SKU {sku:?}: lot {lot:?} was received harvested {harvested}, best before {best_before}; \
         another harvest is another lot"
    )]
    LotDates {
        sku: String,
        lot: String,
        harvested: String,
        best_before: String,
    },
    /// Bad input, with the field and the rule it breaks.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who and why, for the ledger.
#[derive(Debug, Clone)]
pub struct MoveOptions<'a> {
    pub reason: &'a str,
    pub location: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub actor: &'a str,
    /// The harvest lot: a receipt creates it or adds to it, a removal or a
    /// count moves that lot only.
    pub lot: Option<LotSpec<'a>>,
}

/// Adds `delta` units (a receipt) or removes them (an adjustment).
pub async fn add(
    store: &Store,
    sku: &str,
    delta: i64,
    opts: &MoveOptions<'_>,
) -> Result<MovementOutcome, StockError> {
    if delta == 0 {
        return Err(StockError::Invalid(
            "delta: a change of 0 records nothing".into(),
        ));
    }
    limits::check_range("delta", delta, -MAX_STOCK, MAX_STOCK).map_err(StockError::Invalid)?;
    let kind = if delta > 0 {
        MovementKind::Receipt
    } else {
        MovementKind::Adjustment
    };
    apply(store, sku, kind, Quantity::By(delta), opts).await
}

/// Sets on hand to `quantity` after a physical count.
pub async fn set(
    store: &Store,
    sku: &str,
    quantity: i64,
    opts: &MoveOptions<'_>,
) -> Result<MovementOutcome, StockError> {
    if quantity < 0 {
        return Err(StockError::Invalid(format!(
            "quantity: a count of {quantity} is impossible: stock is counted from 0"
        )));
    }
    limits::check_range("quantity", quantity, 0, MAX_STOCK).map_err(StockError::Invalid)?;
    apply(
        store,
        sku,
        MovementKind::Count,
        Quantity::To(quantity),
        opts,
    )
    .await
}

async fn apply(
    store: &Store,
    sku: &str,
    kind: MovementKind,
    quantity: Quantity,
    opts: &MoveOptions<'_>,
) -> Result<MovementOutcome, StockError> {
    limits::check_text("reason", opts.reason, Lines::One).map_err(StockError::Invalid)?;
    if let Some(location) = opts.location {
        limits::check_text("location", location, Lines::One).map_err(StockError::Invalid)?;
    }
    let found = store
        .find_sku(sku)
        .await?
        .ok_or_else(|| StockError::UnknownSku(sku.to_owned()))?;
    let location_id = store
        .location_id(found.producer_id, opts.location)
        .await?
        .ok_or_else(|| StockError::UnknownLocation {
            sku: sku.to_owned(),
            producer: found.producer_code.clone(),
            location: opts.location.unwrap_or("(default)").to_owned(),
        })?;
    let lot = match opts.lot {
        None => None,
        Some(spec) => Some(check_lot(store, found.variant_id, spec).await?),
    };
    let outcome = store
        .record_movement(&MovementRequest {
            variant_id: found.variant_id,
            location_id,
            kind,
            quantity,
            reason: opts.reason,
            reference: opts.reference,
            actor: opts.actor,
            lot,
            guard_available: true,
        })
        .await?;
    match outcome {
        MovementOutcome::WouldGoNegative {
            on_hand,
            reserved,
            delta,
        } => Err(StockError::WouldGoNegative {
            sku: sku.to_owned(),
            on_hand,
            reserved,
            available: on_hand.saturating_sub(reserved),
            delta,
            after: on_hand.saturating_add(delta).saturating_sub(reserved),
        }),
        MovementOutcome::OutOfRange {
            on_hand,
            delta,
            max,
        } => Err(StockError::AboveLimit {
            sku: sku.to_owned(),
            on_hand,
            delta,
            max,
        }),
        MovementOutcome::UnknownLot => Err(StockError::UnknownLot {
            sku: sku.to_owned(),
            lot: lot_code(opts),
        }),
        MovementOutcome::LotShort { lot_on_hand, delta } => Err(StockError::LotShort {
            sku: sku.to_owned(),
            lot: lot_code(opts),
            on_hand: lot_on_hand,
            delta,
        }),
        MovementOutcome::LotDates {
            harvested_on,
            best_before,
        } => Err(StockError::LotDates {
            sku: sku.to_owned(),
            lot: lot_code(opts),
            harvested: day_or_none(harvested_on),
            best_before: day_or_none(best_before),
        }),
        other => Ok(other),
    }
}

fn lot_code(opts: &MoveOptions<'_>) -> String {
    opts.lot.map(|l| l.code.to_owned()).unwrap_or_default()
}

fn day_or_none(day: Option<NaiveDate>) -> String {
    day.map_or_else(|| "(none)".to_owned(), |d| d.to_string())
}

/// Checks a lot's code and dates, and gives a harvest without a best-before
/// the product's shelf life (when the catalog has one).
async fn check_lot<'a>(
    store: &Store,
    variant_id: i64,
    spec: LotSpec<'a>,
) -> Result<LotSpec<'a>, StockError> {
    if spec.code.trim().is_empty() {
        return Err(StockError::Invalid(
            "lot: a lot needs a code (stock without one is kept without a lot)".into(),
        ));
    }
    limits::check_text("lot", spec.code, Lines::One).map_err(StockError::Invalid)?;
    if spec.code.chars().count() > 64 {
        return Err(StockError::Invalid(
            "lot: a code has at most 64 characters".into(),
        ));
    }
    if let (Some(h), Some(b)) = (spec.harvested, spec.best_before)
        && b < h
    {
        return Err(StockError::Invalid(format!(
            "best-before: {b} is before the harvest ({h})"
        )));
    }
    let mut spec = spec;
    if spec.best_before.is_none()
        && let Some(harvested) = spec.harvested
        && let Some(days) = store.shelf_life_days(variant_id).await?
    {
        spec.best_before = harvested.checked_add_days(chrono::Days::new(days.unsigned_abs()));
    }
    Ok(spec)
}
