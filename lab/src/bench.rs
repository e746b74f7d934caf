//! Benchmarks that print figures (`kho bench …`). Timings are measured here,
//! never asserted in tests.

use std::fmt::Write as _;
use std::time::Instant;

use serde_json::json;

use kho::cli::Failure;
use kho::config::{Config, DatabaseUrl};
use kho::store::Store;
use kho::store::catalog::import::import_bytes;

/// A catalog of `rows` SKUs over `rows / 4` products and 50 producers, with
/// Vietnamese text, so row width resembles a real file. `tag` keeps codes
/// unique across runs against the same database.
pub fn generate_catalog(rows: usize, tag: &str) -> String {
    let mut s = String::with_capacity(rows * 260);
    s.push_str(&kho::catalog::COLUMNS.join(","));
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
    out: &kho::cli::Output,
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

pub(crate) const BENCH_PARTNER_KEY: &str =
    "62656e63685f706172746e65725f6b65795f666f725f6b686f5f62656e636821";
const MODELS_PER_ITEM: usize = 50;

pub(crate) fn bench_entries(skus: usize, tag: &str) -> Vec<kho::catalog::CatalogEntry> {
    (0..skus)
        .map(|i| {
            let p = i / MODELS_PER_ITEM;
            kho::catalog::CatalogEntry {
                producer_code: format!("htx-bench-{tag}"),
                producer_name: "HTX Đo đạc".into(),
                district: "Chi Lăng".into(),
                product_code: format!("B{tag}-P{p:05}"),
                product_name: format!("Đặc sản Lạng Sơn số {p}"),
                variant_sku: format!("B{tag}-P{p:05}-V{:02}", i % MODELS_PER_ITEM),
                variant_name: format!("Loại {}", i % MODELS_PER_ITEM),
                price_vnd: 50_000 + (i % MODELS_PER_ITEM) as i64 * 1000,
                stock: (i % 500) as i64,
                reserved: 0,
                weight_g: 500,
                ocop_stars: None,
                ocop_cert_no: None,
                ocop_cert_expires: None,
                category: "Trái cây tươi".into(),
                description: String::new(),
                image_urls: String::new(),
                product_active: true,
                variant_active: true,
            }
        })
        .collect()
}

/// Reconciles one Shopee account of `listings` remote listings (50 models
/// an item) on an unlimited simulator in this process, after 1% of them
/// were edited by hand. Prints the wall time of the run, the drift found
/// and the peak RSS of the process (simulator included).
pub async fn reconcile(
    listings: usize,
    database: Option<&str>,
    out: &kho::cli::Output,
) -> Result<(), Failure> {
    use kho_simulator::shopee::{ListingEdit, PriceLimit, ShopConfig, SimConfig, Simulator};

    let runtime = |e: &dyn std::fmt::Display| Failure::runtime(e.to_string());
    let dir = std::env::temp_dir().join(format!("kho-bench-reconcile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| runtime(&e))?;
    let url = match database {
        Some(u) => u.to_owned(),
        None => format!("sqlite://{}", dir.join("bench.db").display()),
    };
    let db_url = DatabaseUrl::parse(&url).map_err(Failure::usage)?;
    let store = Store::open(&db_url, 8).await?;
    let tag = format!("{:x}", chrono::Utc::now().timestamp_millis() % 0xff_ffff);
    let entries = bench_entries(listings, &tag);
    let mut csv = Vec::new();
    kho::catalog::file::write_csv(&mut csv, &entries).map_err(|e| runtime(&e))?;
    import_bytes(&store, &csv, "bench.csv", false, "bench")
        .await
        .map_err(|e| runtime(&e))?;
    drop(csv);
    let items = crate::sim::shopee_items(&entries);
    let producer = entries
        .first()
        .map(|e| e.producer_code.clone())
        .unwrap_or_default();
    drop(entries);
    let shop_id = 16_000_000_i64;
    let sim = Simulator::start(SimConfig {
        partner_id: 2_001_887,
        partner_key: BENCH_PARTNER_KEY.into(),
        shops: vec![ShopConfig {
            shop_id,
            access_token: format!("{:032x}", 0xbe_u64),
            refresh_token: format!("{:032x}", 0xef_u64),
            items,
            rate_limit_per_second: None,
            max_price_ratio: None,
            price_limit: PriceLimit {
                min_limit: 1000.0,
                max_limit: 5_000_000.0,
            },
            ..ShopConfig::default()
        }],
        rate_limit_per_second: None,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| runtime(&e))?;
    let config_path = dir.join("kho.toml");
    let toml = format!(
        "[database]\nurl = \"{url}\"\n\n[[accounts]]\nname = \"bench\"\nchannel = \"shopee\"\n\
         producer = \"{producer}\"\nbase_url = \"{}\"\nrate_limit = {{ per_second = 1000000 }}\n\
         credentials = {{ partner_id = 2001887, partner_key = \"{BENCH_PARTNER_KEY}\", \
         shop_id = {shop_id}, access_token = \"{:032x}\", refresh_token = \"{:032x}\" }}\n",
        sim.base_url(),
        0xbe_u64,
        0xef_u64
    );
    std::fs::write(&config_path, &toml).map_err(|e| runtime(&e))?;
    let config = Config::load(kho::config::Sources {
        file: Some(&config_path),
        env: Some(kho::secrets::ephemeral_env()),
    })
    .map_err(|e| runtime(&e))?;
    store.set_keyring(config.secrets.keyring());
    store.sync_accounts(&config.accounts, true).await?;
    let acc = config
        .accounts
        .first()
        .ok_or_else(|| Failure::runtime("no bench account"))?;
    let transport = kho::channels::transport().map_err(|e| runtime(&e))?;
    let ch = kho::channels::build(acc, &transport, &store).map_err(|e| runtime(&e))?;
    let id = store
        .accounts(Some(&acc.name))
        .await?
        .first()
        .map(|a| a.id)
        .ok_or_else(|| Failure::runtime("the bench account is missing"))?;
    let started = Instant::now();
    kho::sync::link::link(&store, ch.as_ref(), id, &producer, false, &|_| {})
        .await
        .map_err(|e| runtime(&e))?;
    let link_secs = started.elapsed().as_secs_f64();

    // 1% of the listings edited by hand in Seller Centre.
    let mut edited = 0usize;
    for item in sim.state().shops.iter().flat_map(|s| s.items.iter()) {
        for m in item.models.iter().step_by(100) {
            sim.control()
                .edit_listing(
                    shop_id,
                    item.item_id,
                    ListingEdit {
                        model_id: Some(m.model_id),
                        stock: Some(m.stock + 7),
                        ..ListingEdit::default()
                    },
                )
                .map_err(|e| runtime(&e))?;
            edited += 1;
        }
    }
    let opts = kho::reconcile::Options {
        fix: false,
        since: None,
        owner: "bench".into(),
        restock_on_return: true,
    };
    let started = Instant::now();
    let report = kho::reconcile::run_account(&store, ch, acc, id, &opts, &|_| {}).await?;
    let secs = started.elapsed().as_secs_f64();
    let peak = peak_rss_kib();
    store.close().await;
    if database.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let doc = json!({
        "benchmark": "reconcile",
        "backend": db_url.backend(),
        "remote_listings": report.remote_listings,
        "edited_by_hand": edited,
        "drift_items": report.items.len(),
        "outcome": report.outcome,
        "link_seconds": link_secs,
        "reconcile_seconds": secs,
        "peak_rss_mib": peak.map(|k| k as f64 / 1024.0),
    });
    out.doc(&doc, || {
        format!(
            "reconcile benchmark ({:?}): {} remote listing(s), {edited} edited by hand\n  \
             reconcile {secs:.2} s ({} drift item(s), {}); link took {link_secs:.2} s\n  \
             peak RSS {:.1} MiB (simulator in the same process)",
            db_url.backend(),
            report.remote_listings,
            report.items.len(),
            report.outcome,
            peak.map(|k| k as f64 / 1024.0).unwrap_or(f64::NAN)
        )
    });
    Ok(())
}
