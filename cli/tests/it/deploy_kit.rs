//! The deployment kit (deploy/) against the code: every metric its alert
//! rules and its Grafana dashboard query is one kho records and the book
//! documents, so a renamed metric cannot silently leave an alert that never
//! fires. (`promtool test rules` checks the rules' logic where promtool is
//! installed: .ci/run.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `kho_…` names in `text`, with a histogram's series suffixes taken off.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("kho_") {
        let start = i + at;
        let boundary = start == 0 || {
            let c = bytes[start - 1];
            !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        };
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .map_or(text.len(), |n| start + n);
        if boundary {
            let name = &text[start..end];
            let name = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .unwrap_or(name);
            out.insert(name.to_owned());
        }
        i = end.max(start + 4);
    }
    out
}

/// Every Rust source file under `dir`.
fn sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn alerts_and_dashboard_query_only_metrics_kho_records_and_documents() {
    let mut code = String::new();
    sources(&root().join("src"), &mut code);
    sources(&root().join("adapters/channel/src"), &mut code);
    let book = read("docs/src/operations/observability.md");

    let alerts = read("deploy/prometheus/kho-alerts.yml");
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("deploy/grafana/kho-dashboard.json")).expect("dashboard JSON");
    let mut exprs = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        if panel["type"] == "row" {
            continue;
        }
        let targets = panel["targets"].as_array().expect("targets");
        assert!(
            !targets.is_empty(),
            "panel {} queries nothing",
            panel["title"]
        );
        for t in targets {
            exprs.push(t["expr"].as_str().expect("expr").to_owned());
        }
    }
    let queried = metric_names(&alerts)
        .into_iter()
        .chain(metric_names(&exprs.join("\n")))
        .collect::<BTreeSet<_>>();
    for needed in [
        "kho_account_needs_reauth",
        "kho_dead_letters",
        "kho_reconcile_drift_items",
        "kho_oldest_pending_seconds",
        "kho_ocop_certificates_expired",
    ] {
        assert!(queried.contains(needed), "deploy/ never queries {needed}");
    }
    for name in &queried {
        assert!(
            code.contains(&format!("\"{name}\"")),
            "{name} is queried in deploy/ but kho records no such metric"
        );
        assert!(
            book.contains(&format!("`{name}`")),
            "{name} is queried in deploy/ but docs/src/operations/observability.md does not list it"
        );
    }
}

#[test]
fn metric_names_are_read_whole() {
    let names = metric_names(
        "sum(rate(kho_change_to_push_seconds_bucket{job=\"kho\"}[5m])) / kho_queue_depth, my-kho_x",
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["kho_change_to_push_seconds", "kho_queue_depth"]
    );
}
