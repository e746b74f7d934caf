//! `kho reconcile` and `kho publish`.

use std::fmt::Write as _;

use serde_json::json;

use super::args::{PublishArgs, ReconcileArgs};
use super::channels::{account, account_id, channel, prepare};
use super::output::{Output, esc};
use super::{Failure, exit};
use crate::config::{AccountConfig, Config};
use crate::reconcile::{self, Options, publish::PublishError};
use crate::store::Store;
use crate::sync::engine::instance_name;

pub async fn reconcile(
    store: &Store,
    config: &Config,
    args: &ReconcileArgs,
    out: &Output,
) -> Result<u8, Failure> {
    prepare(store, config).await?;
    let accounts: Vec<&AccountConfig> = match &args.account {
        Some(name) => vec![account(config, name)?],
        None => config.accounts.iter().collect(),
    };
    if accounts.is_empty() {
        return Err(Failure::usage("no accounts configured"));
    }
    let since = match args.since {
        Some(d) => Some(
            chrono::TimeDelta::from_std(d)
                .map_err(|_| Failure::usage(format!("--since {d:?} is too long")))?,
        ),
        None => None,
    };
    let transport = crate::channels::transport().map_err(|e| Failure::runtime_error(&e))?;
    let opts = Options {
        fix: args.fix,
        since,
        owner: instance_name(),
        restock_on_return: config.sync.restock_on_return,
    };
    let mut reports = Vec::new();
    for acc in accounts {
        let id = account_id(store, &acc.name).await?;
        let ch = channel(acc, &transport, store)?;
        let spinner = out.spinner(&format!("reconciling {}", acc.name));
        let name = acc.name.clone();
        let progress = |m: String| spinner.set_message(format!("reconciling {name}: {m}"));
        let result = reconcile::run_account(store, ch, acc, id, &opts, &progress).await;
        spinner.finish_and_clear();
        reports.push(result?);
    }
    let code = reconcile::exit_code(&reports);
    out.doc(
        &json!({ "fix": args.fix, "accounts": reports, "exit_code": code }),
        || reconcile::report::text(&reports),
    );
    Ok(code)
}

pub async fn publish(
    store: &Store,
    config: &Config,
    args: &PublishArgs,
    out: &Output,
) -> Result<u8, Failure> {
    prepare(store, config).await?;
    let acc = account(config, &args.account)?;
    let transport = crate::channels::transport().map_err(|e| Failure::runtime_error(&e))?;
    let ch = channel(acc, &transport, store)?;
    let id = account_id(store, &acc.name).await?;
    let spinner = out.spinner(&format!("publishing to {}", acc.name));
    let progress = |n: usize, total: usize| {
        spinner.set_message(format!("publishing to {}: {n}/{total}", acc.name))
    };
    let result =
        reconcile::publish::publish(store, ch.as_ref(), acc, id, &args.skus, false, &progress)
            .await;
    spinner.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(PublishError::Store(e)) => return Err(e.into()),
        Err(e @ PublishError::UnknownSkus { .. }) => return Err(Failure::usage_error(&e)),
    };
    out.doc(&report, || {
        let mut s = format!(
            "{}: {} product(s) published, {} failed\n",
            report.account,
            report.products.len() - report.failed(),
            report.failed()
        );
        for p in &report.products {
            match (&p.item_id, &p.error) {
                (_, Some(e)) => {
                    let _ = writeln!(
                        s,
                        "  failed: {} ({}): {}",
                        p.product_code,
                        p.skus.join(", "),
                        esc(e)
                    );
                }
                (Some(item), None) => {
                    let _ = writeln!(
                        s,
                        "  published: {} ({}) as item {item}",
                        p.product_code,
                        p.skus.join(", ")
                    );
                }
                (None, None) => {}
            }
        }
        if !report.already_listed.is_empty() {
            let _ = writeln!(s, "  already listed: {}", report.already_listed.join(", "));
        }
        if report.products.is_empty() && report.already_listed.is_empty() {
            s.push_str("  nothing to publish: every SKU is listed\n");
        }
        s
    });
    Ok(if report.failed() > 0 {
        exit::PROBLEMS
    } else {
        exit::OK
    })
}
