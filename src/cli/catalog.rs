//! `kho import`, `kho export`, `kho products list`.

use std::fmt::Write as _;

use serde_json::json;

use super::args::{ExportArgs, ImportArgs, ProductsCommand};
use super::output::{Output, esc, table, vnd};
use super::{Failure, actor, exit};
use crate::catalog::plan::Plan;
use crate::store::Store;
use crate::store::catalog::export::ExportError;
use crate::store::catalog::import::{ImportFileError, import_file};

pub async fn import(store: &Store, args: &ImportArgs, out: &Output) -> Result<u8, Failure> {
    let spinner = out.spinner(&format!("importing {}", args.file.display()));
    let result = import_file(store, &args.file, args.dry_run, &actor()).await;
    spinner.finish_and_clear();
    let plan = match result {
        Ok(plan) => plan,
        Err(ImportFileError::Invalid(errors)) => {
            return Err(Failure {
                code: exit::USAGE,
                message: format!(
                    "{}: {}; nothing was changed",
                    args.file.display(),
                    errors.count_text()
                ),
                problems: errors.iter().map(ToString::to_string).collect(),
                causes: Vec::new(),
            });
        }
        Err(e @ ImportFileError::Io { .. }) => return Err(Failure::usage_error(&e)),
        Err(ImportFileError::Store(e)) => return Err(e.into()),
    };
    out.doc(
        &json!({ "file": args.file.display().to_string(), "dry_run": args.dry_run,
                 "summary": summary(&plan), "plan": plan }),
        || render_plan(&plan, args.dry_run),
    );
    Ok(exit::OK)
}

fn summary(plan: &Plan) -> serde_json::Value {
    json!({
        "producers_created": plan.new_producers.len(),
        "producers_updated": plan.producer_updates.len(),
        "products_created": plan.new_products.len(),
        "products_updated": plan.product_updates.len(),
        "variants_created": plan.new_variants.len(),
        "variants_updated": plan.variant_updates.len(),
        "stock_counts": plan.stock_counts.len(),
        "ledger_movements": plan.movements(),
        "unchanged": plan.unchanged,
    })
}

fn render_plan(plan: &Plan, dry_run: bool) -> String {
    let mut s = String::new();
    if dry_run {
        for p in &plan.new_producers {
            let _ = writeln!(s, "+ producer {} ({})", p.code, esc(&p.name));
        }
        for p in &plan.producer_updates {
            for c in &p.changes {
                let _ = writeln!(
                    s,
                    "~ producer {} {}: {:?} → {:?}",
                    p.code, c.field, c.from, c.to
                );
            }
        }
        for p in &plan.new_products {
            let _ = writeln!(s, "+ product {} ({})", p.code, esc(&p.fields.name));
        }
        for p in &plan.product_updates {
            for c in &p.changes {
                let _ = writeln!(
                    s,
                    "~ product {} {}: {:?} → {:?}",
                    p.code, c.field, c.from, c.to
                );
            }
        }
        for v in &plan.new_variants {
            let _ = writeln!(
                s,
                "+ variant {} ({}, {}, stock {})",
                v.sku,
                esc(&v.fields.name),
                vnd(v.fields.price_vnd),
                v.stock
            );
        }
        for v in &plan.variant_updates {
            for c in &v.changes {
                let _ = writeln!(
                    s,
                    "~ variant {} {}: {:?} → {:?}",
                    v.sku, c.field, c.from, c.to
                );
            }
        }
        for c in &plan.stock_counts {
            let _ = writeln!(s, "~ stock {}: {} → {} (count)", c.sku, c.from, c.to);
        }
    }
    let verb = if dry_run { "would change" } else { "changed" };
    let _ = write!(
        s,
        "{verb}: producers +{} ~{}, products +{} ~{}, variants +{} ~{}, stock counts {}, ledger movements {}; unchanged rows {}",
        plan.new_producers.len(),
        plan.producer_updates.len(),
        plan.new_products.len(),
        plan.product_updates.len(),
        plan.new_variants.len(),
        plan.variant_updates.len(),
        plan.stock_counts.len(),
        plan.movements(),
        plan.unchanged,
    );
    if dry_run {
        s.push_str("\n(dry run: nothing was changed)");
    }
    s
}

pub async fn export(store: &Store, args: &ExportArgs, out: &Output) -> Result<u8, Failure> {
    let mut stdout = std::io::stdout().lock();
    let rows = crate::store::catalog::export::export(
        store,
        args.file.as_deref(),
        &mut stdout,
        args.producer.as_deref(),
    )
    .await
    .map_err(|e| match e {
        ExportError::Store(e) => Failure::from(e),
        ExportError::Write(e) => Failure::runtime_error(&e),
    })?;
    if let Some(path) = &args.file {
        out.doc(
            &json!({ "file": path.display().to_string(), "rows": rows }),
            || format!("exported {rows} row(s) to {}", path.display()),
        );
    }
    Ok(exit::OK)
}

pub async fn products(store: &Store, cmd: ProductsCommand, out: &Output) -> Result<u8, Failure> {
    let ProductsCommand::List { producer } = cmd;
    let entries = store.catalog_entries(producer.as_deref()).await?;
    if let Some(code) = &producer
        && entries.is_empty()
        && !store.producers().await?.iter().any(|p| &p.code == code)
    {
        return Err(Failure::usage(format!("unknown producer {code:?}")));
    }
    out.doc(
        &entries.iter().map(product_json).collect::<Vec<_>>(),
        || {
            let mut t = table(&[
                "PRODUCER",
                "SKU",
                "PRODUCT",
                "VARIANT",
                "PRICE",
                "ON HAND",
                "RESERVED",
                "AVAILABLE",
                "OCOP",
                "CERT EXPIRES",
            ]);
            for e in &entries {
                t.add_row(vec![
                    e.producer_code.clone(),
                    e.variant_sku.clone(),
                    e.product_name.clone(),
                    e.variant_name.clone(),
                    vnd(e.price_vnd),
                    e.stock.to_string(),
                    e.reserved.to_string(),
                    (e.stock - e.reserved).to_string(),
                    e.ocop_stars.map(|s| format!("{s}★")).unwrap_or_default(),
                    e.ocop_cert_expires
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                ]);
            }
            format!("{t}\n{} variant(s)", entries.len())
        },
    );
    Ok(exit::OK)
}

/// A variant in `kho products list --json`, in the vocabulary of every
/// `--json` output: `on_hand`, `reserved`, `available` (docs/src/reference/cli.md).
/// The catalog file's `stock` column is the same on-hand figure.
fn product_json(e: &crate::catalog::CatalogEntry) -> serde_json::Value {
    let mut v = json!(e);
    if let Some(map) = v.as_object_mut() {
        map.remove("stock");
        map.insert("on_hand".into(), json!(e.stock));
        map.insert("available".into(), json!(e.stock - e.reserved));
    }
    v
}
