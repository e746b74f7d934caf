//! `kho stock show|set|add|history`.

use serde_json::json;

use super::args::StockCommand;
use super::output::{Output, table};
use super::{Failure, actor, exit};
use crate::inventory::{self, MoveOptions, StockError};
use crate::store::Store;
use crate::store::inventory::MovementOutcome;

fn failure(e: StockError) -> Failure {
    match e {
        StockError::Store(e) => e.into(),
        other => Failure::usage_error(&other),
    }
}

async fn resolve(store: &Store, sku: &str) -> Result<i64, Failure> {
    Ok(store
        .find_sku(sku)
        .await?
        .ok_or_else(|| Failure::usage(format!("unknown SKU {sku:?}")))?
        .variant_id)
}

pub async fn run(store: &Store, cmd: StockCommand, out: &Output) -> Result<u8, Failure> {
    let actor = actor();
    match cmd {
        StockCommand::Show { sku } => {
            let id = resolve(store, &sku).await?;
            let levels = store.stock_levels(id).await?;
            let lots = store.lot_levels(id).await?;
            let on_hand: i64 = levels.iter().map(|l| l.on_hand).sum();
            let reserved: i64 = levels.iter().map(|l| l.reserved).sum();
            out.doc(
                &json!({ "sku": sku, "on_hand": on_hand, "reserved": reserved,
                         "available": on_hand - reserved, "locations": levels, "lots": lots }),
                || {
                    let mut t = table(&["LOCATION", "ON HAND", "RESERVED", "AVAILABLE"]);
                    for l in &levels {
                        t.add_row(vec![
                            l.location.clone(),
                            l.on_hand.to_string(),
                            l.reserved.to_string(),
                            (l.on_hand - l.reserved).to_string(),
                        ]);
                    }
                    let mut lt = table(&["LOCATION", "LOT", "HARVESTED", "BEST BEFORE", "ON HAND"]);
                    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
                    for l in &lots {
                        lt.add_row(vec![
                            l.location.clone(),
                            if l.code.is_empty() { "(no lot)".to_owned() } else { l.code.clone() },
                            day(l.harvested_on),
                            day(l.best_before),
                            l.on_hand.to_string(),
                        ]);
                    }
                    format!(
                        "{sku}: {on_hand} on hand, {reserved} reserved, {} available\n{t}\nLots, earliest best-before first:\n{lt}",
                        on_hand - reserved
                    )
                },
            );
        }
        StockCommand::Set {
            sku,
            quantity,
            opts,
        } => {
            if opts.harvested.is_some() || opts.best_before.is_some() {
                return Err(Failure::usage(
                    "--harvested and --best-before belong to a receipt (kho stock add)",
                ));
            }
            let mo = MoveOptions {
                lot: lot(&opts),
                reason: &opts.reason,
                location: opts.location.as_deref(),
                reference: None,
                actor: &actor,
            };
            let outcome = inventory::set(store, &sku, quantity, &mo)
                .await
                .map_err(failure)?;
            report(out, &sku, &outcome);
        }
        StockCommand::Add { sku, delta, opts } => {
            if delta < 0 && (opts.harvested.is_some() || opts.best_before.is_some()) {
                return Err(Failure::usage(
                    "--harvested and --best-before belong to a receipt (a positive number)",
                ));
            }
            let mo = MoveOptions {
                lot: lot(&opts),
                reason: &opts.reason,
                location: opts.location.as_deref(),
                reference: None,
                actor: &actor,
            };
            let outcome = inventory::add(store, &sku, delta, &mo)
                .await
                .map_err(failure)?;
            report(out, &sku, &outcome);
        }
        StockCommand::Expire { dry_run } => {
            let expired = store
                .expire_lots(crate::store::now(), dry_run, &actor)
                .await?;
            let units: i64 = expired.iter().map(|e| e.units).sum();
            out.doc(
                &json!({ "dry_run": dry_run, "units": units, "lots": expired }),
                || {
                    let mut t =
                        table(&["PRODUCER", "SKU", "LOCATION", "LOT", "BEST BEFORE", "UNITS"]);
                    for e in &expired {
                        t.add_row(vec![
                            e.producer.clone(),
                            e.sku.clone(),
                            e.location.clone(),
                            e.lot.clone(),
                            e.best_before.to_string(),
                            e.units.to_string(),
                        ]);
                    }
                    let verb = if dry_run {
                        "would write off"
                    } else {
                        "wrote off"
                    };
                    if expired.is_empty() {
                        "nothing is past its best-before".to_owned()
                    } else {
                        format!("{verb} {units} units in {} lots\n{t}", expired.len())
                    }
                },
            );
        }
        StockCommand::History { sku, limit } => {
            if limit < 1 {
                return Err(Failure::usage("--limit must be at least 1"));
            }
            let id = resolve(store, &sku).await?;
            let moves = store.stock_history(id, limit).await?;
            out.doc(&moves, || {
                let mut t = table(&[
                    "ID",
                    "TIME (UTC)",
                    "LOCATION",
                    "LOT",
                    "KIND",
                    "QTY",
                    "BALANCE",
                    "REASON",
                    "REFERENCE",
                    "ACTOR",
                ]);
                for m in &moves {
                    t.add_row(vec![
                        m.id.to_string(),
                        m.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        m.location.clone(),
                        m.lot.clone(),
                        m.kind.clone(),
                        format!("{:+}", m.quantity),
                        m.balance_after.to_string(),
                        m.reason.clone(),
                        m.reference.clone().unwrap_or_default(),
                        m.actor.clone(),
                    ]);
                }
                t.to_string()
            });
        }
    }
    Ok(exit::OK)
}

fn lot(opts: &super::args::MoveArgs) -> Option<crate::store::lots::LotSpec<'_>> {
    opts.lot.as_deref().map(|code| crate::store::lots::LotSpec {
        code,
        harvested: opts.harvested,
        best_before: opts.best_before,
    })
}

fn report(out: &Output, sku: &str, outcome: &MovementOutcome) {
    out.doc(outcome, || match outcome {
        MovementOutcome::Applied {
            delta,
            on_hand,
            reserved,
            ..
        } => format!(
            "{sku}: {delta:+} → {on_hand} on hand, {} available",
            on_hand - reserved
        ),
        MovementOutcome::Unchanged { on_hand, .. } => {
            format!("{sku}: unchanged, {on_hand} on hand (nothing recorded)")
        }
        MovementOutcome::WouldGoNegative { .. }
        | MovementOutcome::OutOfRange { .. }
        | MovementOutcome::UnknownLot
        | MovementOutcome::LotShort { .. }
        | MovementOutcome::LotDates { .. } => format!("{sku}: refused"),
    });
}
