//! `kho orders pull|list|return-received`.

use std::fmt::Write as _;

use chrono::Utc;
use kho_channel::TimeWindow;
use serde_json::json;

use super::args::OrdersCommand;
use super::channels::{account, account_id, channel, prepare};
use super::output::{Output, esc, table, vnd};
use super::{Failure, exit};
use crate::config::{AccountConfig, Config};
use crate::orders::intake::{self, IntakeError};
use crate::store::{Store, StoreError};

pub async fn run(
    store: &Store,
    config: &Config,
    cmd: OrdersCommand,
    out: &Output,
) -> Result<u8, Failure> {
    match cmd {
        OrdersCommand::ReturnReceived {
            account: name,
            order,
        } => {
            prepare(store, config).await?;
            account(config, &name)?;
            let id = account_id(store, &name).await?;
            let units = match store.receive_return(id, &order, &super::actor()).await {
                Ok(units) => units,
                Err(e @ (StoreError::NotFound(_) | StoreError::Refused(_))) => {
                    return Err(Failure::usage_error(&e));
                }
                Err(e) => return Err(e.into()),
            };
            out.doc(
                &json!({ "account": name, "order": order, "units_returned": units }),
                || {
                    if units == 0 {
                        format!("{name} order {order}: the return was recorded already\n")
                    } else {
                        format!(
                            "{name} order {order}: {units} unit(s) back in stock and offered on every shop\n"
                        )
                    }
                },
            );
            Ok(exit::OK)
        }
        OrdersCommand::Pull {
            account: name,
            since,
        } => {
            prepare(store, config).await?;
            let accounts: Vec<&AccountConfig> = match &name {
                Some(n) => vec![account(config, n)?],
                None => config.accounts.iter().collect(),
            };
            let transport = crate::channels::transport().map_err(|e| Failure::runtime_error(&e))?;
            let to = Utc::now();
            let from =
                to - chrono::Duration::from_std(since).map_err(|e| Failure::usage_error(&e))?;
            let mut reports = Vec::new();
            let mut code = exit::OK;
            let mut text = String::new();
            for acc in accounts {
                let id = account_id(store, &acc.name).await?;
                let ch = channel(acc, &transport, store)?;
                let spinner = out.spinner(&format!("pulling {}'s orders", acc.name));
                let result = intake::pull(
                    store,
                    ch.as_ref(),
                    id,
                    TimeWindow::new(from, to),
                    config.sync.restock_on_return,
                )
                .await;
                spinner.finish_and_clear();
                match result {
                    Ok(r) => {
                        let _ = writeln!(
                            text,
                            "{}: {} order(s): {} new, {} updated, {} unchanged{}",
                            r.account,
                            r.orders,
                            r.created,
                            r.updated,
                            r.unchanged,
                            if r.unknown_skus.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    "; lines with unknown SKUs: {}",
                                    esc(&r.unknown_skus.join(", "))
                                )
                            }
                        );
                        if !r.unknown_skus.is_empty() {
                            code = code.max(exit::PROBLEMS);
                        }
                        reports.push(json!(r));
                    }
                    Err(IntakeError::Channel(e)) => {
                        let _ = writeln!(text, "{}: failed: {}", acc.name, esc(&e.to_string()));
                        reports.push(json!({ "account": acc.name, "error": e.to_string() }));
                        code = exit::RUNTIME;
                    }
                    Err(IntakeError::Store(e)) => return Err(e.into()),
                }
            }
            out.doc(&reports, || text);
            Ok(code)
        }
        OrdersCommand::List {
            account: name,
            status,
            limit,
        } => {
            if let Some(s) = &status
                && crate::orders::state::parse(s).is_none()
            {
                return Err(Failure::usage(format!(
                    "unknown status {s:?}: use unpaid, ready, shipped, delivered, cancelled or returned"
                )));
            }
            let rows = store
                .orders(name.as_deref(), status.as_deref(), limit.max(1))
                .await?;
            let tz = config.sync.tz();
            out.doc(&rows, || {
                let mut t = table(&[
                    "ORDERED",
                    "ACCOUNT",
                    "ORDER",
                    "STATUS",
                    "UNITS",
                    "TOTAL",
                    "UNKNOWN SKU LINES",
                ]);
                for o in &rows {
                    t.add_row(vec![
                        o.ordered_at
                            .with_timezone(&tz)
                            .format("%Y-%m-%d %H:%M")
                            .to_string(),
                        o.account.clone(),
                        o.remote_order_id.clone(),
                        o.status.clone(),
                        o.units.to_string(),
                        vnd(o.total_vnd),
                        if o.unknown_lines > 0 {
                            o.unknown_lines.to_string()
                        } else {
                            String::new()
                        },
                    ]);
                }
                format!("{t}\n{} order(s)", rows.len())
            });
            Ok(exit::OK)
        }
    }
}
