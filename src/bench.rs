//! Benchmarks that print figures (`kho bench …`). Timings are measured here,
//! never asserted in tests.

use std::fmt::Write as _;
use std::time::Instant;

use serde_json::json;

use crate::catalog::import::import_bytes;
use crate::cli::Failure;
use crate::config::{Config, DatabaseUrl};
use crate::store::Store;

/// A catalog of `rows` SKUs over `rows / 4` products and 50 producers, with
/// Vietnamese text, so row width resembles a real file. `tag` keeps codes
/// unique across runs against the same database.
pub fn generate_catalog(rows: usize, tag: &str) -> String {
    let mut s = String::with_capacity(rows * 260);
    s.push_str(&crate::catalog::COLUMNS.join(","));
    s.push('\n');
    for i in 0..rows {
        let product = i / 4;
        let producer = product % 50;
        let stars = [Some(3), Some(4), Some(5), None][product % 4];
        let (stars, cert, expires) = match stars {
            Some(n) => (
                n.to_string(),
                format!("OCOP-LS-{tag}-{product}"),
                "2028-03-31".to_owned(),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        let _ = writeln!(
            s,
            "htx-{tag}-{producer},HTX Nông nghiệp số {producer},Chi Lăng,P-{tag}-{product},Đặc sản Lạng Sơn số {product},SKU-{tag}-{i},Hộp {}g,{},{},{},{stars},{cert},{expires},Trái cây tươi,\"Thơm ngon, chỉ dẫn địa lý, thu hái trong ngày.\",https://example.org/img/{i}-1.jpg|https://example.org/img/{i}-2.jpg",
            250 * (i % 4 + 1),
            25_000 + (i % 40) * 5_000,
            i % 500,
            300 * (i % 4 + 1),
        );
    }
    s
}

/// Peak resident memory of this process, from /proc (Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Imports a generated catalog twice (create, then an unchanged re-import)
/// and prints rows per second and peak memory.
pub async fn import(
    config: &Config,
    rows: usize,
    database: Option<&str>,
    out: &crate::cli::Output,
) -> Result<(), Failure> {
    let dir = std::env::temp_dir().join(format!("kho-bench-{}", std::process::id()));
    let url = match database {
        Some(u) => u.to_owned(),
        None => {
            std::fs::create_dir_all(&dir).map_err(|e| Failure::runtime(e.to_string()))?;
            format!("sqlite://{}", dir.join("bench.db").display())
        }
    };
    let url = DatabaseUrl::parse(&url).map_err(Failure::usage)?;
    let store = Store::open(&url, config.database.max_connections).await?;
    let tag = format!("{:x}", chrono::Utc::now().timestamp_millis());
    let csv = generate_catalog(rows, &tag);
    let mut runs = Vec::new();
    for pass in ["create", "re-import (no change)"] {
        let started = Instant::now();
        let plan = import_bytes(&store, csv.as_bytes(), "bench.csv", false, "bench")
            .await
            .map_err(|e| Failure::runtime(e.to_string()))?;
        let secs = started.elapsed().as_secs_f64();
        runs.push(json!({
            "pass": pass,
            "rows": rows,
            "seconds": secs,
            "rows_per_second": rows as f64 / secs,
            "variants_created": plan.new_variants.len(),
            "ledger_movements": plan.movements(),
        }));
    }
    store.close().await;
    if database.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let peak = peak_rss_kib();
    let doc = json!({
        "benchmark": "import",
        "backend": url.backend(),
        "database": url.to_string(),
        "file_bytes": csv.len(),
        "runs": runs,
        "peak_rss_mib": peak.map(|k| k as f64 / 1024.0),
    });
    out.doc(&doc, || {
        let mut s = format!(
            "import benchmark: {rows} SKUs ({:.1} MiB CSV) into {:?}\n",
            csv.len() as f64 / 1048576.0,
            url.backend()
        );
        for r in &runs {
            let _ = writeln!(
                s,
                "  {:<24} {:>8.2} s  {:>10.0} rows/s",
                r["pass"].as_str().unwrap_or_default(),
                r["seconds"].as_f64().unwrap_or_default(),
                r["rows_per_second"].as_f64().unwrap_or_default()
            );
        }
        let _ = write!(
            s,
            "  peak RSS {:.1} MiB",
            peak.map(|k| k as f64 / 1024.0).unwrap_or(f64::NAN)
        );
        s
    });
    Ok(())
}
