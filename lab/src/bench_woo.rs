//! `kho bench sync --channel woocommerce`: the full-sync benchmark against
//! WooCommerce sites, one simulated site per account. Every SKU shows one
//! unit more on its site than kho holds, so every listing needs a push; the
//! writes go 100 to a batch call, a product's variations together. Prints
//! pushes per second, batch calls, 429 rejections and, under a limit, the
//! ratio of the ideal time (calls ÷ limit, the sites in parallel) to the
//! actual one.

use std::fmt::Write as _;
use std::time::Instant;

use serde_json::json;

use kho::cli::Failure;
use kho::config::{Config, DatabaseUrl};
use kho::store::Store;
use kho::store::catalog::import::import_bytes;
use kho_simulator::woocommerce::{SimConfig, SimHandle, Simulator};

use crate::bench::{SyncBench, bench_entries, pending_on};

/// Batch writes a site answered (`POST …/batch`), refused ones included.
fn batch_calls(site: &SimHandle) -> usize {
    site.request_log()
        .iter()
        .filter(|c| c.method == "POST" && c.path.ends_with("/batch"))
        .count()
}

pub async fn sync(
    config: &Config,
    bench: &SyncBench,
    out: &kho::cli::Output,
) -> Result<(), Failure> {
    if bench.serve {
        return Err(Failure::usage(
            "--serve is for the shopee bench; the woocommerce bench runs its workers in process",
        ));
    }
    let runtime = |e: &dyn std::fmt::Display| Failure::runtime(e.to_string());
    let dir = std::env::temp_dir().join(format!("kho-bench-woo-{}", std::process::id()));
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

    // The sites show one more unit of everything than kho holds; linking
    // reads every listing, so the sites run unlimited until it is done.
    let mut products = crate::sim::woocommerce_products(&entries);
    for p in &mut products {
        p.stock_quantity = p.stock_quantity.map(|q| q + 1);
        for v in &mut p.variations {
            v.stock_quantity = v.stock_quantity.map(|q| q + 1);
        }
    }
    let product_count = products.len();
    let producer = entries
        .first()
        .map(|e| e.producer_code.clone())
        .unwrap_or_default();
    drop(entries);
    let mut sites = Vec::new();
    for _ in 0..bench.accounts {
        let site = Simulator::start(SimConfig {
            rate_limit_per_second: None,
            products: products.clone(),
            ..SimConfig::default()
        })
        .await
        .map_err(|e| runtime(&e))?;
        sites.push(site);
    }
    drop(products);

    let config_path = dir.join("kho.toml");
    // Configuration with accounts needs a sealing key, even for sites whose
    // accounts have no tokens to seal.
    let key = kho::secrets::generate_key();
    let write_config = |per_second: u32| -> Result<Config, Failure> {
        let mut toml = format!("[database]\nurl = \"{url}\"\n\n");
        for (i, site) in sites.iter().enumerate() {
            let keys = site.config();
            let _ = write!(
                toml,
                "[[accounts]]\nname = \"bench-{i}\"\nchannel = \"woocommerce\"\nproducer = \"{producer}\"\n\
                 base_url = \"{}\"\nrate_limit = {{ per_second = {per_second} }}\n\
                 credentials = {{ consumer_key = \"{}\", consumer_secret = \"{}\", webhook_secret = \"{}\" }}\n\n",
                site.base_url(),
                keys.consumer_key,
                keys.consumer_secret,
                keys.webhook_secret,
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
    let link_secs = started.elapsed().as_secs_f64();
    let config = write_config(bench.rate.unwrap_or(1_000_000))?;
    let mut channels = Vec::new();
    for ((acc, id), site) in config.accounts.iter().zip(ids).zip(&sites) {
        site.set_rate_limit(bench.rate);
        site.reset_request_log();
        let ch = kho::channels::build(acc, &transport, &store).map_err(|e| runtime(&e))?;
        channels.push((id, ch));
    }
    let queued = pending_on(&store, &channels).await?;

    let started = Instant::now();
    let mut settings = kho::sync::engine::EngineSettings::new(kho::sync::engine::instance_name());
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
            ownership: None,
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
    let mut pushed = 0u64;
    let mut problem: Option<String> = None;
    while let Some(report) = tasks.join_next().await {
        let report = report.map_err(|e| runtime(&e))?;
        pushed += report.pushed as u64;
        if problem.is_none() {
            problem = report
                .stopped
                .or_else(|| report.failures.first().map(|f| f.error.clone()));
        }
    }
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
    let calls: usize = sites.iter().map(batch_calls).sum();
    let rejected: usize = sites.iter().map(|s| s.rejections()).sum();
    let ideal = bench
        .rate
        .map(|r| (calls as f64 / bench.accounts.max(1) as f64) / f64::from(r));
    for site in sites {
        site.shutdown().await;
    }
    store.close().await;
    if bench.database.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let doc = json!({
        "benchmark": "sync",
        "channel": "woocommerce",
        "backend": db_url.backend(),
        "skus_per_account": bench.skus,
        "accounts": bench.accounts,
        "products_per_account": product_count,
        "rate_limit_per_second": bench.rate,
        "import_seconds": import_secs,
        "link_seconds": link_secs,
        "jobs_queued": queued,
        "pushed": pushed,
        "seconds": secs,
        "pushes_per_second": pushed as f64 / secs,
        "batch_calls": calls,
        "rate_limit_rejections": rejected,
        "ideal_seconds": ideal,
        "ideal_over_actual": ideal.map(|i| i / secs),
        "bench_peak_rss_mib": crate::bench::peak_rss_kib().map(|k| k as f64 / 1024.0),
    });
    out.doc(&doc, || {
        let mut s = format!(
            "sync benchmark (woocommerce): {} SKUs × {} sites ({product_count} products each) on {:?}, {}\n",
            bench.skus,
            bench.accounts,
            db_url.backend(),
            bench
                .rate
                .map_or("no rate limit".to_owned(), |r| format!("{r} calls/s per site"))
        );
        let _ = writeln!(
            s,
            "  import {import_secs:.2} s, link {link_secs:.2} s, {queued} jobs queued"
        );
        let _ = writeln!(
            s,
            "  pushed {pushed} listings in {secs:.2} s: {:.0} pushes/s, {calls} batch calls, \
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
        s.trim_end().to_owned()
    });
    Ok(())
}
