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

/// What `kho bench sync` measures.
#[derive(Debug, Clone)]
pub struct SyncBench {
    /// SKUs per account (one producer; items of 50 models, Shopee's most
    /// per call).
    pub skus: usize,
    pub accounts: usize,
    /// The simulator's per-shop limit (and kho's promise); `None` runs
    /// unlimited, to measure the engine itself.
    pub rate: Option<u32>,
    /// A PostgreSQL URL (use an empty database); a temporary SQLite file
    /// when `None`.
    pub database: Option<String>,
    /// Push through a child `kho serve` and report its peak RSS, instead of
    /// workers in this process.
    pub serve: bool,
    /// Jobs claimed at once per account (the engine's default when `None`).
    pub batch: Option<i64>,
}

const BENCH_PARTNER_KEY: &str = "62656e63685f706172746e65725f6b65795f666f725f6b686f5f62656e636821";
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

/// A full sync: every SKU of every account shows a different stock on the
/// marketplace, so every listing needs one push. Prints pushes per second,
/// calls, rate-limit rejections, and (with a limit) the ratio of the ideal
/// time — calls ÷ limit, the shops working in parallel — to the actual one;
/// with `serve`, the daemon's peak RSS.
pub async fn sync(
    config: &Config,
    bench: &SyncBench,
    out: &kho::cli::Output,
) -> Result<(), Failure> {
    use kho_simulator::shopee::{PriceLimit, Rejection, ShopConfig, SimConfig, Simulator};

    let runtime = |e: &dyn std::fmt::Display| Failure::runtime(e.to_string());
    let dir = std::env::temp_dir().join(format!("kho-bench-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| runtime(&e))?;
    let url = match &bench.database {
        Some(u) => u.clone(),
        None => format!("sqlite://{}", dir.join("bench.db").display()),
    };
    let db_url = DatabaseUrl::parse(&url).map_err(Failure::usage)?;
    let store = Store::open(&db_url, config.database.max_connections).await?;
    store.set_debounce(std::time::Duration::ZERO);
    let tag = format!("{:x}", chrono::Utc::now().timestamp_millis() % 0xff_ffff);
    let entries = bench_entries(bench.skus, &tag);
    let mut csv = Vec::new();
    kho::catalog::file::write_csv(&mut csv, &entries).map_err(|e| runtime(&e))?;
    let started = Instant::now();
    import_bytes(&store, &csv, "bench.csv", false, "bench")
        .await
        .map_err(|e| runtime(&e))?;
    drop(csv);
    let import_secs = started.elapsed().as_secs_f64();

    // The marketplace shows one more unit of everything than kho holds.
    let mut items = crate::sim::shopee_items(&entries);
    for item in &mut items {
        item.stock += 1;
        for m in &mut item.models {
            m.stock += 1;
        }
    }
    let item_count = items.len();
    let producer = entries
        .first()
        .map(|e| e.producer_code.clone())
        .unwrap_or_default();
    drop(entries);
    let shops: Vec<ShopConfig> = (0..bench.accounts)
        .map(|i| ShopConfig {
            shop_id: 15_000_000 + i as i64,
            access_token: format!("{:032x}", 0xbe_u64 + i as u64),
            refresh_token: format!("{:032x}", 0xef_u64 + i as u64),
            items: items.clone(),
            rate_limit_per_second: None,
            max_price_ratio: None,
            price_limit: PriceLimit {
                min_limit: 1000.0,
                max_limit: 5_000_000.0,
            },
            ..ShopConfig::default()
        })
        .collect();
    drop(items);
    let sim = Simulator::start(SimConfig {
        partner_id: 2_001_887,
        partner_key: BENCH_PARTNER_KEY.into(),
        shops,
        rate_limit_per_second: None,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| runtime(&e))?;

    // kho promises the shop's limit; unlimited runs promise far more than
    // the engine can send.
    // Linking reads every listing (two calls an item): it runs unlimited,
    // then the shops' limit is set and kho promises it (unlimited runs
    // promise far more than the engine can send).
    let config_path = dir.join("kho.toml");
    // One throw-away sealing key for the whole run: tokens sealed while
    // linking must open for the pushes, and in the `--serve` daemon.
    let key = kho::secrets::generate_key();
    let write_config = |per_second: u32| -> Result<Config, Failure> {
        let mut toml = format!("[database]\nurl = \"{url}\"\n\n");
        for i in 0..bench.accounts {
            let _ = write!(
                toml,
                "[[accounts]]\nname = \"bench-{i}\"\nchannel = \"shopee\"\nproducer = \"{producer}\"\n\
                 base_url = \"{}\"\nrate_limit = {{ per_second = {per_second} }}\n\
                 credentials = {{ partner_id = 2001887, partner_key = \"{BENCH_PARTNER_KEY}\", \
                 shop_id = {}, access_token = \"{:032x}\", refresh_token = \"{:032x}\" }}\n\n",
                sim.base_url(),
                15_000_000 + i,
                0xbe_u64 + i as u64,
                0xef_u64 + i as u64,
            );
        }
        std::fs::write(&config_path, &toml).map_err(|e| runtime(&e))?;
        Config::load(kho::config::Sources {
            file: Some(&config_path),
            env: Some(std::collections::HashMap::from([(
                "KHO__SECRETS__KEY".to_owned(),
                key.clone(),
            )])),
        })
        .map_err(|e| runtime(&e))
        .inspect(|config| store.set_keyring(config.secrets.keyring()))
    };
    let config = write_config(1_000_000)?;
    let unknown = store.sync_accounts(&config.accounts, true).await?;
    if !unknown.is_empty() {
        return Err(Failure::runtime(format!(
            "unknown producer for {unknown:?}"
        )));
    }
    let transport = kho::channels::transport().map_err(|e| runtime(&e))?;
    let mut ids = Vec::new();
    let started = Instant::now();
    for acc in &config.accounts {
        let ch = kho::channels::build(acc, &transport, &store).map_err(|e| runtime(&e))?;
        let id = store
            .accounts(Some(&acc.name))
            .await?
            .first()
            .map(|a| a.id)
            .ok_or_else(|| Failure::runtime(format!("account {} is missing", acc.name)))?;
        kho::sync::link::link(&store, ch.as_ref(), id, &producer, false, &|_| {})
            .await
            .map_err(|e| runtime(&e))?;
        ids.push(id);
    }
    let config = write_config(bench.rate.unwrap_or(1_000_000))?;
    let mut channels = Vec::new();
    for (i, (acc, id)) in config.accounts.iter().zip(ids).enumerate() {
        sim.set_rate_limit(15_000_000 + i as i64, bench.rate)
            .map_err(|e| runtime(&e))?;
        let ch = kho::channels::build(acc, &transport, &store).map_err(|e| runtime(&e))?;
        channels.push((id, ch));
    }
    let link_secs = started.elapsed().as_secs_f64();
    let queued = pending_on(&store, &channels).await?;
    sim.reset_request_log();

    let started = Instant::now();
    let mut serve_rss_kib = None;
    let mut problem: Option<String> = None;
    let pushed: u64 = if bench.serve {
        let exe = std::env::current_exe().map_err(|e| runtime(&e))?;
        let mut child = std::process::Command::new(exe)
            .arg("--config")
            .arg(&config_path)
            .arg("serve")
            .env("KHO__SERVER__LISTEN", "127.0.0.1:0")
            .env("KHO__SECRETS__KEY", &key)
            // The bench's own database, whatever this shell's environment says.
            .env("KHO__DATABASE__URL", &url)
            .env("KHO_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| runtime(&e))?;
        let status = format!("/proc/{}/status", child.id());
        let hwm = || -> Option<u64> {
            std::fs::read_to_string(&status)
                .ok()?
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        };
        // (jobs left, since when) to notice a daemon that stopped pushing.
        let mut progress = (i64::MAX, Instant::now());
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            serve_rss_kib = hwm().or(serve_rss_kib);
            let left = pending_on(&store, &channels).await?;
            if left == 0 {
                break;
            }
            if let Ok(Some(s)) = child.try_wait() {
                return Err(Failure::runtime(format!("kho serve exited early: {s}")));
            }
            if left < progress.0 {
                progress = (left, Instant::now());
            } else if progress.1.elapsed() > std::time::Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                problem = Some(format!(
                    "kho serve pushed nothing for 60 s with {left} job(s) left"
                ));
                break;
            }
        }
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
        u64::try_from(queued).unwrap_or_default()
    } else {
        let mut settings =
            kho::sync::engine::EngineSettings::new(kho::sync::engine::instance_name());
        if let Some(b) = bench.batch {
            settings.batch = b;
        }
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        let mut tasks = tokio::task::JoinSet::new();
        for (id, ch) in &channels {
            let worker = kho::sync::engine::Worker {
                store: store.clone(),
                channel: ch.clone(),
                account_id: *id,
                settings: settings.clone(),
            };
            let rx = stopped.clone();
            tasks.spawn(async move {
                worker
                    .run(
                        kho::sync::engine::Mode::Drain {
                            horizon: std::time::Duration::from_secs(2),
                        },
                        rx,
                    )
                    .await
            });
        }
        let mut pushed = 0;
        while let Some(report) = tasks.join_next().await {
            let report = report.map_err(|e| runtime(&e))?;
            pushed += report.pushed as u64;
            if problem.is_none() {
                problem = report
                    .stopped
                    .or_else(|| report.failures.first().map(|f| f.error.clone()));
            }
        }
        pushed
    };
    let secs = started.elapsed().as_secs_f64();
    // A figure for a sync that did not happen would be worse than none.
    let left = pending_on(&store, &channels).await?;
    let dead = store.dead_letters(None).await?;
    if pushed < u64::try_from(queued).unwrap_or_default() || left > 0 || !dead.is_empty() {
        let why = problem
            .or_else(|| dead.first().and_then(|d| d.last_error.clone()))
            .unwrap_or_else(|| "no error recorded".into());
        return Err(Failure::runtime(format!(
            "the sync did not finish: {pushed} of {queued} listings pushed, {left} job(s) pending, \
             {} dead letter(s); first problem: {why}",
            dead.len()
        )));
    }
    let log = sim.request_log();
    let calls = log.calls("/api/v2/product/update_stock");
    let rejected = log.rejections(Rejection::RateLimited);
    let ideal = bench
        .rate
        .map(|r| (calls as f64 / bench.accounts.max(1) as f64) / f64::from(r));
    sim.shutdown().await;
    store.close().await;
    if bench.database.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let doc = json!({
        "benchmark": "sync",
        "backend": db_url.backend(),
        "skus_per_account": bench.skus,
        "accounts": bench.accounts,
        "items_per_account": item_count,
        "rate_limit_per_second": bench.rate,
        "import_seconds": import_secs,
        "link_seconds": link_secs,
        "jobs_queued": queued,
        "pushed": pushed,
        "seconds": secs,
        "pushes_per_second": pushed as f64 / secs,
        "update_stock_calls": calls,
        "rate_limit_rejections": rejected,
        "ideal_seconds": ideal,
        "ideal_over_actual": ideal.map(|i| i / secs),
        "serve_peak_rss_mib": serve_rss_kib.map(|k| k as f64 / 1024.0),
        "bench_peak_rss_mib": peak_rss_kib().map(|k| k as f64 / 1024.0),
    });
    out.doc(&doc, || {
        let mut s = format!(
            "sync benchmark: {} SKUs × {} accounts ({item_count} items each) on {:?}, {}\n",
            bench.skus,
            bench.accounts,
            db_url.backend(),
            bench
                .rate
                .map_or("no rate limit".to_owned(), |r| format!("{r} calls/s per shop"))
        );
        let _ = writeln!(
            s,
            "  import {import_secs:.2} s, link {link_secs:.2} s, {queued} jobs queued"
        );
        let _ = writeln!(
            s,
            "  pushed {pushed} listings in {secs:.2} s: {:.0} pushes/s, {calls} update_stock calls, \
             {rejected} rate-limit rejections",
            pushed as f64 / secs
        );
        if let Some(i) = ideal {
            let _ = writeln!(
                s,
                "  ideal {i:.2} s ÷ actual {secs:.2} s = {:.3}",
                i / secs
            );
        }
        if let Some(k) = serve_rss_kib {
            let _ = writeln!(s, "  kho serve peak RSS {:.1} MiB", k as f64 / 1024.0);
        }
        s.trim_end().to_owned()
    });
    Ok(())
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

/// Jobs still queued for the bench's shops (the first element of each pair
/// is the account id).
async fn pending_on<T>(store: &Store, channels: &[(i64, T)]) -> Result<i64, Failure> {
    let mut n = 0;
    for (id, _) in channels {
        n += store.pending_jobs(*id).await?;
    }
    Ok(n)
}
