//! `kho accounts list`, `kho link`, `kho sync`.

use crate::outbox::policy::JobKind;
use std::fmt::Write as _;
use std::sync::Arc;

use kho_channel::{Channel, Transport};
use serde_json::json;

use super::args::{LinkArgs, SyncArgs};
use super::output::{Output, esc, table};
use super::{Failure, exit};
use crate::config::{AccountConfig, Config};
use crate::outbox::certificate_today;
use crate::store::Store;
use crate::sync::engine::{EngineSettings, Mode, Worker, instance_name};
use crate::sync::plan;
use crate::sync::{link, push};
use std::time::Duration;

/// Brings the database's accounts in line with the configuration; an
/// account whose producer is unknown stops the command (exit 2).
pub async fn prepare(store: &Store, config: &Config) -> Result<(), Failure> {
    store.set_debounce(config.sync.debounce);
    let delist = config.sync.on_certificate_expiry == crate::config::CertificateExpiry::Delist;
    let unknown = store.sync_accounts(&config.accounts, delist).await?;
    if unknown.is_empty() {
        return Ok(());
    }
    Err(Failure {
        code: exit::USAGE,
        message: "invalid configuration".into(),
        problems: config
            .accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| unknown.contains(&a.name))
            .map(|(i, a)| {
                format!(
                    "accounts[{i}].producer: {:?} is not a known producer (import its catalog first)",
                    a.producer
                )
            })
            .collect(),
        causes: Vec::new(),
    })
}

pub fn account<'a>(config: &'a Config, name: &str) -> Result<&'a AccountConfig, Failure> {
    config.account(name).ok_or_else(|| {
        let known: Vec<&str> = config.accounts.iter().map(|a| a.name.as_str()).collect();
        Failure::usage(format!(
            "no account {name:?} in the configuration (accounts: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ))
    })
}

pub async fn account_id(store: &Store, name: &str) -> Result<i64, Failure> {
    store
        .accounts(Some(name))
        .await?
        .first()
        .map(|a| a.id)
        .ok_or_else(|| Failure::runtime(format!("account {name:?} is missing from the database")))
}

pub fn channel(
    config: &AccountConfig,
    transport: &Arc<Transport>,
    store: &Store,
) -> Result<Arc<dyn Channel>, Failure> {
    crate::channels::build(config, transport, store).map_err(|e| Failure::usage_error(&e))
}

pub async fn accounts(store: &Store, config: &Config, out: &Output) -> Result<u8, Failure> {
    prepare(store, config).await?;
    let rows = store.accounts(None).await?;
    out.doc(&rows, || {
        let mut t = table(&[
            "NAME",
            "CHANNEL",
            "PRODUCER",
            "STATE",
            "TOKEN EXPIRES (UTC)",
            "LISTINGS",
            "LAST PUSH (UTC)",
            "LAST ERROR",
        ]);
        for a in &rows {
            let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "-".into())
            };
            t.add_row(vec![
                a.name.clone(),
                a.channel.clone(),
                a.producer.clone().unwrap_or_default(),
                a.state.as_str().to_owned(),
                time(a.access_expires_at),
                a.listings.to_string(),
                time(a.last_push_at),
                a.last_error.clone().unwrap_or_default(),
            ]);
        }
        if rows.is_empty() {
            "no accounts configured (add [[accounts]] to the configuration)".to_owned()
        } else {
            t.to_string()
        }
    });
    Ok(exit::OK)
}

pub async fn link(
    store: &Store,
    config: &Config,
    args: &LinkArgs,
    out: &Output,
) -> Result<u8, Failure> {
    prepare(store, config).await?;
    let acc = account(config, &args.account)?;
    let transport = crate::channels::transport().map_err(|e| Failure::runtime_error(&e))?;
    let ch = channel(acc, &transport, store)?;
    let id = account_id(store, &acc.name).await?;
    let spinner = out.spinner(&format!("reading {}'s listings", acc.name));
    let progress = |n: usize| spinner.set_message(format!("reading {}'s listings: {n}", acc.name));
    let result = link::link(
        store,
        ch.as_ref(),
        id,
        &acc.producer,
        args.dry_run,
        &progress,
    )
    .await;
    spinner.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(link::LinkError::Channel(e)) => {
            push::mark_account(store, &acc.name, &e).await?;
            return Err(Failure::runtime_error(&e));
        }
        Err(link::LinkError::Store(e)) => return Err(e.into()),
    };
    let awaiting = store.awaiting_items(Some(&acc.name)).await?;
    out.doc(&report, || {
        let mut s = format!(
            "{}: {} remote listing(s); {} linked ({} new){}\n",
            report.account,
            report.remote_listings,
            report.linked.len(),
            report.new_links,
            if report.dry_run {
                " (dry run: nothing was changed)"
            } else {
                ""
            }
        );
        for r in &report.unmatched {
            let _ = writeln!(
                s,
                "  unmatched: seller SKU {:?} on item {} ({}) is not one of the producer's SKUs",
                r.seller_sku,
                esc(&r.item_id),
                esc(&r.title)
            );
        }
        for r in &report.blank_sku {
            let _ = writeln!(
                s,
                "  no seller SKU: item {} {} ({})",
                esc(&r.item_id),
                esc(&r.variant_id),
                esc(&r.title)
            );
        }
        for (sku, refs) in &report.duplicates {
            let items: Vec<String> = refs
                .iter()
                .map(|r| format!("{}/{}", r.item_id, r.variant_id))
                .collect();
            let _ = writeln!(
                s,
                "  duplicate: seller SKU {sku:?} on {} listings ({}); none linked",
                refs.len(),
                items.join(", ")
            );
        }
        for a in &awaiting {
            let _ = writeln!(
                s,
                "  awaiting a person (filed by `kho reconcile --fix`): {} {:?} on {}",
                a.kind,
                a.seller_sku,
                esc(&a.remote_ids)
            );
        }
        if !report.not_listed.is_empty() {
            let _ = writeln!(
                s,
                "  not on the marketplace: {}",
                report.not_listed.join(", ")
            );
        }
        s
    });
    Ok(if report.has_problems() {
        exit::PROBLEMS
    } else {
        exit::OK
    })
}

pub async fn sync(
    store: &Store,
    config: &Config,
    args: &SyncArgs,
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
    let transport = crate::channels::transport().map_err(|e| Failure::runtime_error(&e))?;
    let settings = EngineSettings::new(instance_name());
    let mut docs = Vec::new();
    let mut text = String::new();
    let mut code = exit::OK;
    for acc in accounts {
        let id = account_id(store, &acc.name).await?;
        let (inputs, settling) = store.plan_inputs(id).await?;
        let changes = plan::changes(&inputs, id, certificate_today(), &settling);
        let ch = channel(acc, &transport, store)?;
        let caps = ch.capabilities();
        let ids = |f: JobKind| -> Vec<kho_channel::RemoteId> {
            changes
                .iter()
                .filter(|c| c.field == f)
                .map(|c| kho_channel::RemoteId {
                    item_id: c.remote_item_id.clone(),
                    variant_id: (!c.remote_variant_id.is_empty())
                        .then(|| c.remote_variant_id.clone()),
                })
                .collect()
        };
        let calls = caps.stock_batch.calls_for(&ids(JobKind::Stock))
            + caps.price_batch.calls_for(&ids(JobKind::Price));
        let _ = writeln!(
            text,
            "{}: {} change(s), {calls} API call(s)",
            acc.name,
            changes.len()
        );
        for c in &changes {
            let from = c.from.map_or("?".to_owned(), |v| v.to_string());
            if c.field == JobKind::Status {
                let state = |v: i64| if v == 1 { "listed" } else { "unlisted" };
                let from = c.from.map_or("?", state);
                let _ = writeln!(text, "  {} Status: {from} → {}", c.sku, state(c.to));
            } else {
                let field = if c.field == JobKind::Stock {
                    "Stock"
                } else {
                    "Price"
                };
                let _ = writeln!(text, "  {} {field}: {from} → {}", c.sku, c.to);
            }
        }
        let mut doc = json!({ "account": acc.name, "changes": changes, "api_calls": calls });
        if !args.dry_run {
            store.settle_quiet_bursts().await?;
            let mut variants: Vec<i64> = inputs
                .iter()
                .filter(|l| l.account_id == id)
                .map(|l| l.variant_id)
                .collect();
            variants.dedup();
            store.refresh_desired(&variants).await?;
            store.enqueue_differences(id).await?;
            let worker = Worker {
                store: store.clone(),
                channel: ch.clone(),
                account_id: id,
                settings: settings.clone(),
                ownership: None,
            };
            let spinner = out.spinner(&format!("pushing to {}", acc.name));
            let (_stop, stopped) = tokio::sync::watch::channel(false);
            let report = worker
                .run(
                    Mode::Drain {
                        horizon: Duration::from_secs(10),
                    },
                    stopped,
                )
                .await;
            spinner.finish_and_clear();
            let dead = store.dead_letters(Some(&acc.name)).await?;
            let pending = store.pending_jobs(id).await?;
            let _ = writeln!(
                text,
                "  pushed: {} applied, {} failed, {} still pending, {} dead letter(s)",
                report.pushed,
                report.failures.len(),
                pending,
                dead.len()
            );
            for f in &report.failures {
                let kind = match f.kind {
                    JobKind::Stock => "Stock",
                    JobKind::Price => "Price",
                    JobKind::Status => "Status",
                };
                let _ = writeln!(
                    text,
                    "  failed: {} {kind} → {}: {}",
                    f.sku,
                    f.value,
                    esc(&f.error)
                );
            }
            if let Some(why) = &report.stopped {
                let _ = writeln!(text, "  stopped: {}", esc(&why.to_string()));
                code = code.max(exit::PROBLEMS);
            }
            if pending > 0 || !dead.is_empty() {
                code = code.max(exit::PROBLEMS);
            }
            doc["pushed"] = json!(report);
            doc["pending"] = json!(pending);
            doc["dead_letters"] = json!(dead);
        }
        docs.push(doc);
    }
    if args.dry_run {
        text.push_str("(dry run: nothing was pushed)");
    }
    out.doc(
        &json!({ "dry_run": args.dry_run, "accounts": docs }),
        || text,
    );
    Ok(code)
}

pub async fn retry_dead(
    store: &Store,
    config: &Config,
    account_name: Option<&str>,
    out: &Output,
) -> Result<u8, Failure> {
    prepare(store, config).await?;
    if let Some(name) = account_name {
        account(config, name)?;
    }
    let n = store.retry_dead(account_name).await?;
    out.doc(&json!({ "requeued": n }), || {
        format!("{n} dead letter(s) back in the queue; `kho sync` or `kho serve` pushes them")
    });
    Ok(exit::OK)
}

pub async fn status(store: &Store, config: &Config, out: &Output) -> Result<u8, Failure> {
    prepare(store, config).await?;
    let accounts = store.accounts(None).await?;
    let queues = store.queue_stats().await?;
    let dead = store.dead_letters(None).await?;
    let today = crate::outbox::certificate_today();
    let certificates = store
        .certificates_expiring(today + chrono::Duration::days(60))
        .await?;
    let now = chrono::Utc::now();
    let tz = config.sync.tz();
    let midnight = now
        .with_timezone(&tz)
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(tz)
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(now);
    let orders = store.order_stats(midnight).await?;
    let reconciled = store.latest_reconcile_runs().await?;
    let awaiting = store.awaiting_items(None).await?;
    let attention = crate::attention::build(store, None, today).await?;
    let doc = json!({
        "attention": attention,
        "orders_today": orders,
        "reconciliation": reconciled,
        "awaiting_a_person": awaiting,
        "accounts": accounts.iter().map(|a| {
            let q = queues.iter().find(|q| q.account == a.name);
            json!({
                "name": a.name, "channel": a.channel, "producer": a.producer, "state": a.state,
                "queue_depth": q.map_or(0, |q| q.pending),
                "oldest_pending": q.and_then(|q| q.oldest_pending),
                "dead_letters": q.map_or(0, |q| q.dead),
                "last_push_at": a.last_push_at, "last_error": a.last_error,
                "token_expires_at": a.access_expires_at,
            })
        }).collect::<Vec<_>>(),
        "dead_letters": dead,
        "certificates": certificates,
    });
    out.doc(&doc, || {
        let mut s = attention_text(&attention);
        s.push_str("\nACCOUNTS\n");
        let mut t = table(&[
            "NAME",
            "CHANNEL",
            "STATE",
            "QUEUE",
            "OLDEST PENDING",
            "DEAD",
            "LAST PUSH (UTC)",
            "LAST ERROR",
        ]);
        for a in &accounts {
            let q = queues.iter().find(|q| q.account == a.name);
            t.add_row(vec![
                a.name.clone(),
                a.channel.clone(),
                a.state.as_str().to_owned(),
                q.map_or(0, |q| q.pending).to_string(),
                q.and_then(|q| q.oldest_pending)
                    .map(|t| format!("{}s ago", (now - t).num_seconds()))
                    .unwrap_or_else(|| "-".into()),
                q.map_or(0, |q| q.dead).to_string(),
                a.last_push_at
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|| "-".into()),
                a.last_error.clone().unwrap_or_default(),
            ]);
        }
        let _ = writeln!(s, "{t}");
        if !dead.is_empty() {
            let _ = writeln!(s, "\nDEAD LETTERS (fix, then `kho sync retry-dead`)");
            for d in &dead {
                let _ = writeln!(
                    s,
                    "  {} {} {}: {}",
                    d.account,
                    d.sku,
                    d.kind,
                    esc(d.last_error.as_deref().unwrap_or_default())
                );
            }
        }
        let counts: Vec<String> = orders
            .by_status
            .iter()
            .map(|(st, n)| format!("{n} {st}"))
            .collect();
        let _ = writeln!(
            s,
            "\nORDERS TODAY: {}{}{}",
            if counts.is_empty() {
                "none".to_owned()
            } else {
                counts.join(", ")
            },
            if orders.unknown_sku_lines > 0 {
                format!("; {} line(s) with unknown SKUs", orders.unknown_sku_lines)
            } else {
                String::new()
            },
            if orders.webhook_backlog > 0 {
                format!("; {} webhook(s) waiting", orders.webhook_backlog)
            } else {
                String::new()
            },
        );
        let _ = writeln!(s, "\nDRIFT (last reconciliation)");
        if reconciled.is_empty() {
            let _ = writeln!(s, "  no reconciliation yet (`kho reconcile`)");
        }
        for r in &reconciled {
            let when = r
                .finished_at
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "-".into());
            let what = match r.outcome.as_str() {
                "failed" => format!("failed: {}", esc(r.error.as_deref().unwrap_or_default())),
                "clean" => "clean".to_owned(),
                _ => {
                    let counts: Vec<String> =
                        r.counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
                    format!(
                        "{} item(s): {}",
                        r.counts.values().sum::<i64>(),
                        counts.join(", ")
                    )
                }
            };
            let waiting = awaiting.iter().filter(|a| a.account == r.account).count();
            let _ = writeln!(
                s,
                "  {} at {when} UTC: {what}{}",
                r.account,
                if waiting > 0 {
                    format!("; {waiting} awaiting a person")
                } else {
                    String::new()
                }
            );
        }
        let _ = writeln!(s, "\nOCOP CERTIFICATES EXPIRED OR EXPIRING WITHIN 60 DAYS");
        if certificates.is_empty() {
            let _ = writeln!(s, "  none");
        }
        for c in &certificates {
            let state = if c.ocop_cert_expires < today {
                "expired"
            } else {
                "expires"
            };
            let _ = writeln!(
                s,
                "  {} {} ({}) {} {}: {state} {}",
                c.producer_code,
                c.product_code,
                esc(&c.product_name),
                c.ocop_stars.map(|n| format!("{n}★")).unwrap_or_default(),
                esc(c.ocop_cert_no.as_deref().unwrap_or_default()),
                c.ocop_cert_expires
            );
        }
        s
    });
    let problems = !attention.is_empty()
        || !dead.is_empty()
        || reconciled
            .iter()
            .any(|r| r.outcome == "drift" || r.outcome == "failed")
        || accounts
            .iter()
            .any(|a| a.state != crate::store::accounts::AccountState::Ok);
    Ok(if problems { exit::PROBLEMS } else { exit::OK })
}

/// The "needs attention" list as `kho status` prints it first: one line per
/// item, then what it means and what to do.
fn attention_text(items: &[crate::attention::Item]) -> String {
    let mut s = format!("NEEDS ATTENTION ({})\n", items.len());
    if items.is_empty() {
        s.push_str("  nothing\n");
    }
    for i in items {
        let mut what = vec![i.kind.as_str().to_owned()];
        what.extend(i.producer.clone());
        what.extend(i.account.clone());
        what.extend(i.sku.clone().or_else(|| i.product_code.clone()));
        what.extend(i.field.clone());
        if let (Some(k), Some(r)) = (&i.kho_value, &i.remote_value) {
            what.push(format!("kho {k}, marketplace {r}"));
        }
        what.extend(i.cert_expires.map(|d| format!("expires {d}")));
        what.extend(i.available.map(|n| format!("available {n}")));
        let _ = writeln!(s, "  {}", esc(&what.join(" ")));
        if let Some(m) = i.message.as_deref().filter(|m| !m.is_empty()) {
            let _ = writeln!(s, "    marketplace says: {}", esc(m));
        }
        let _ = writeln!(s, "    {} {}", i.advice.what_en, i.advice.do_en);
    }
    s
}
