//! `kho report sales` and `kho ocop import|compare|export-sales`: thin
//! wrappers over `crate::reports`, which the API and the dashboard call too.

use std::path::PathBuf;

use chrono::{NaiveDate, Utc};
use serde_json::json;

use super::args::OcopCommand;
use super::output::{Output, esc, table, vnd};
use super::{Failure, actor, exit};
use crate::config::Config;
use crate::orders::report::GroupBy;
use crate::reports::ocop;
use crate::reports::{self as r, Period, ReportError, SalesQuery};
use crate::store::Store;

impl From<ReportError> for Failure {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Invalid(m) => Failure::usage(m),
            ReportError::Store(e) => e.into(),
            ReportError::Write(e) => Failure::runtime_error(&e),
        }
    }
}

pub struct SalesArgs {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub by: GroupBy,
    pub csv: bool,
    pub xlsx: Option<PathBuf>,
    pub top: usize,
}

fn write_file(path: &PathBuf, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes)
        .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))
}

pub async fn sales(
    store: &Store,
    config: &Config,
    a: SalesArgs,
    out: &Output,
) -> Result<u8, Failure> {
    let tz = config.sync.tz();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let period = Period::or_default(a.from, a.to, today)?;
    let q = SalesQuery {
        period,
        by: a.by,
        producer: None,
        top: a.top,
    };
    let report = r::sales_report(store, tz, &q).await?;
    if a.csv {
        let stdout = std::io::stdout().lock();
        r::export::write_csv(stdout, &report)?;
        return Ok(exit::OK);
    }
    if let Some(path) = &a.xlsx {
        write_file(path, &r::export::write_xlsx(&report, true)?)?;
    }
    out.doc(&report, || {
        let by = a.by.as_str().to_uppercase();
        let mut t = table(&[&by, "ORDERS", "UNITS", "REVENUE", "PREVIOUS", "CHANGE"]);
        for row in &report.rows {
            let name = if row.label == row.key { row.key.clone() } else { format!("{} ({})", row.label, row.key) };
            t.add_row(vec![
                esc(&name).into_owned(),
                row.orders.to_string(),
                row.units.to_string(),
                vnd(row.revenue_vnd),
                vnd(row.previous_revenue_vnd),
                change(row.change_vnd, row.change_pct),
            ]);
        }
        let mut text = format!(
            "sales {} – {} ({tz}), previous period {} – {}\n{t}\ntotal: {} unit(s), {} (previous {}, {})",
            report.from,
            report.to,
            report.previous_from,
            report.previous_to,
            report.units,
            vnd(report.revenue_vnd),
            vnd(report.previous_revenue_vnd),
            change(report.change_vnd, report.change_pct),
        );
        let w = report.written_off;
        if w.units != 0 || w.previous_units != 0 {
            text.push_str(&format!(
                "\nwritten off as expired: {} unit(s), {} (previous {} unit(s))",
                w.units,
                vnd(w.value_vnd),
                w.previous_units
            ));
        }
        if let Some(path) = &a.xlsx {
            text.push_str(&format!("\nwritten to {}", path.display()));
        }
        text
    });
    Ok(exit::OK)
}

fn change(vnd_change: i64, pct: Option<f64>) -> String {
    let sign = if vnd_change > 0 { "+" } else { "" };
    match pct {
        Some(p) => format!("{sign}{} ({sign}{p:.1}%)", vnd(vnd_change)),
        None => format!("{sign}{}", vnd(vnd_change)),
    }
}

pub async fn ocop(
    store: &Store,
    config: &Config,
    cmd: OcopCommand,
    out: &Output,
) -> Result<u8, Failure> {
    let tz = config.sync.tz();
    let today = Utc::now().with_timezone(&tz).date_naive();
    match cmd {
        OcopCommand::Import { file, dry_run } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
            let entries = ocop::read_register(&bytes).map_err(|p| Failure {
                code: exit::USAGE,
                message: format!(
                    "{}: {}; the register was not changed",
                    file.display(),
                    p.count_text()
                ),
                problems: p.iter().map(ToString::to_string).collect(),
                causes: Vec::new(),
            })?;
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            if !dry_run {
                store
                    .replace_ocop_register(&name, &actor(), &entries)
                    .await?;
            }
            out.doc(
                &json!({ "file": name, "dry_run": dry_run, "entries": entries.len() }),
                || {
                    let verb = if dry_run { "would replace" } else { "replaced" };
                    format!(
                        "{name}: {} certificate(s); {verb} the stored register",
                        entries.len()
                    )
                },
            );
            Ok(exit::OK)
        }
        OcopCommand::Compare => {
            let Some((source, register)) = store.ocop_register().await? else {
                return Err(Failure::usage(
                    "no OCOP register imported yet: kho ocop import FILE (the department's certificate list)",
                ));
            };
            let diffs = ocop::compare(&register, &store.catalog_ocop().await?, today);
            out.doc(
                &json!({ "source": source, "today": today, "differences": diffs }),
                || {
                    let mut t = table(&[
                        "DIFFERENCE",
                        "PRODUCER",
                        "PRODUCT",
                        "CERTIFICATE",
                        "REGISTER",
                        "KHO",
                    ]);
                    for d in &diffs {
                        t.add_row(vec![
                            d.kind.as_str().to_owned(),
                            esc(&d.producer_name).into_owned(),
                            esc(&d.product_name).into_owned(),
                            esc(d.cert_no.as_deref().unwrap_or("")).into_owned(),
                            side(
                                d.register_line.is_some(),
                                d.register_stars,
                                d.register_expires,
                            ),
                            side(d.product_code.is_some(), d.kho_stars, d.kho_expires),
                        ]);
                    }
                    format!(
                        "register {} imported {} by {} ({} certificate(s))\n{t}\n{} difference(s)",
                        source.file_name,
                        source
                            .imported_at
                            .with_timezone(&tz)
                            .format("%Y-%m-%d %H:%M %Z"),
                        source.imported_by,
                        source.entries,
                        diffs.len()
                    )
                },
            );
            Ok(if diffs.is_empty() {
                exit::OK
            } else {
                exit::PROBLEMS
            })
        }
        OcopCommand::ExportSales { month, xlsx, csv } => {
            let rows = ocop::sales::month_sales(store, tz, &month, None).await?;
            if csv {
                ocop::sales::write_csv(std::io::stdout().lock(), &rows)?;
                return Ok(exit::OK);
            }
            if let Some(path) = &xlsx {
                write_file(path, &ocop::sales::write_xlsx(&rows)?)?;
            }
            out.doc(&json!({ "month": month, "rows": rows }), || {
                let mut t = table(&[
                    "DISTRICT",
                    "PRODUCER",
                    "PRODUCT",
                    "CERTIFICATE",
                    "UNITS",
                    "REVENUE",
                ]);
                for row in &rows {
                    t.add_row(vec![
                        esc(&row.district).into_owned(),
                        esc(&row.producer_name).into_owned(),
                        esc(&row.product).into_owned(),
                        esc(&row.cert_no).into_owned(),
                        row.units.to_string(),
                        vnd(row.revenue_vnd),
                    ]);
                }
                let mut text = format!("OCOP sales {month} ({tz})\n{t}");
                if let Some(path) = &xlsx {
                    text.push_str(&format!("\nwritten to {}", path.display()));
                }
                text
            });
            Ok(exit::OK)
        }
    }
}

/// Stars and expiry of one side of a difference (`—`: that side does not
/// have the product).
fn side(present: bool, stars: Option<i64>, expires: Option<NaiveDate>) -> String {
    if !present {
        return "—".into();
    }
    let stars = stars.map_or_else(|| "no stars".to_owned(), |s| format!("{s}★"));
    match expires {
        Some(d) => format!("{stars} until {d}"),
        None => stars,
    }
}
