//! `kho bench sync --channel tiki`: the full-sync benchmark on Tiki. Every
//! SKU is a Tiki product of its own showing one more unit than kho holds, so
//! every listing needs one push; kho sends them through `updateSkus` in
//! batches, under the simulator's per-seller limit, which kho promises.
//! Prints the same figures as the Shopee run: calls, rejections and ideal
//! time (calls ÷ limit, the sellers working in parallel) over the actual one.

use std::fmt::Write as _;
use std::time::Instant;

use kho::cli::Failure;
use kho::config::{Config, DatabaseUrl};
use kho::store::Store;
use kho::store::catalog::import::import_bytes;
use kho_simulator::tiki::{SeedProduct, SellerConfig, SimConfig, Simulator};
use serde_json::json;

use crate::bench::SyncBench;

const UPDATE_SKUS: &str = "/integration/v2.1/products/updateSkus";
/// Far above what the engine sends: linking and unlimited runs are not paced.
const UNLIMITED: u32 = 1_000_000;

pub async fn sync(
    config: &Config,
    bench: &SyncBench,
    out: &kho::cli::Output,
) -> Result<(), Failure> {
    let runtime = |e: &dyn std::fmt::Display| Failure::runtime(e.to_string());
    let dir = std::env::temp_dir().join(format!("kho-bench-tiki-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| runtime(&e))?;
    let url = match &bench.database {
        Some(u) => u.clone(),
        None => format!("sqlite://{}", dir.join("bench.db").display()),
    };
    let db_url = DatabaseUrl::parse(&url).map_err(Failure::usage)?;
    let store = Store::open(&db_url, config.database.max_connections).await?;
    store.set_debounce(std::time::Duration::ZERO);
    let tag = format!("{:x}", chrono::Utc::now().timestamp_millis() % 0xff_ffff);
    let entries = crate::bench::bench_entries(bench.skus, &tag);
    let mut csv = Vec::new();
    kho::catalog::file::write_csv(&mut csv, &entries).map_err(|e| runtime(&e))?;
    import_bytes(&store, &csv, "bench.csv", false, "bench")
        .await
        .map_err(|e| runtime(&e))?;
    let producer = entries
        .first()
        .map(|e| e.producer_code.clone())
        .unwrap_or_default();
    let products: Vec<SeedProduct> = crate::sim::tiki_products(&entries)
        .into_iter()
        .map(|p| SeedProduct {
            qty: p.qty + 1,
            ..p
        })
        .collect();
    drop(entries);
    let sellers: Vec<SellerConfig> = (0..bench.accounts)
        .map(|i| SellerConfig {
            seller_id: 300_000 + i as i64,
            name: format!("HTX Đo đạc {i}"),
            rate_limit: UNLIMITED,
            products: products.clone(),
            ..SellerConfig::default()
        })
        .collect();
    drop(products);
    let sim = Simulator::start(SimConfig {
        sellers,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| runtime(&e))?;

    let config_path = dir.join("kho.toml");
    let key = kho::secrets::generate_key();
    let write_config = |per_second: u32| -> Result<Config, Failure> {
        let mut toml = format!("[database]\nurl = \"{url}\"\n\n");
        for i in 0..bench.accounts {
            let tokens = sim
                .tokens(300_000 + i as i64)
                .ok_or_else(|| Failure::runtime("the Tiki simulator lost a seller"))?;
            let _ = write!(
                toml,
                "[[accounts]]\nname = \"bench-tiki-{i}\"\nchannel = \"tiki\"\nproducer = \"{producer}\"\n\
                 base_url = \"{}\"\nrate_limit = {{ per_second = {per_second} }}\n\
                 credentials = {{ client_id = \"{}\", client_secret = \"{}\", access_token = \"{}\", \
                 refresh_token = \"{}\" }}\n\n",
                sim.base_url(),
                sim.client_id(),
                sim.client_secret(),
                tokens.access_token,
                tokens.refresh_token,
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
    let config = write_config(UNLIMITED)?;
    store.sync_accounts(&config.accounts, true).await?;
    let transport = kho::channels::transport().map_err(|e| runtime(&e))?;
    let mut ids = Vec::new();
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
    let rate = bench.rate.unwrap_or(UNLIMITED);
    let config = write_config(rate)?;
    let mut channels = Vec::new();
    for (i, (acc, id)) in config.accounts.iter().zip(ids).enumerate() {
        sim.set_rate_limit(300_000 + i as i64, rate);
        let ch = kho::channels::build(acc, &transport, &store).map_err(|e| runtime(&e))?;
        channels.push((id, ch));
    }
    sim.reset_request_log();

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
            let horizon = std::time::Duration::from_secs(2);
            worker
                .run(kho::sync::engine::Mode::Drain { horizon }, rx)
                .await
        });
    }
    let (mut pushed, mut problem) = (0u64, None);
    while let Some(report) = tasks.join_next().await {
        let report = report.map_err(|e| runtime(&e))?;
        pushed += report.pushed as u64;
        problem = problem
            .or(report.stopped)
            .or_else(|| report.failures.first().map(|f| f.error.clone()));
    }
    let secs = started.elapsed().as_secs_f64();
    let expected = (bench.skus * bench.accounts) as u64;
    if pushed < expected {
        return Err(Failure::runtime(format!(
            "the sync did not finish: {pushed} of {expected} listings pushed; first problem: {}",
            problem.unwrap_or_else(|| "none recorded".into())
        )));
    }
    let log = sim.request_log();
    let calls = log.per_endpoint.get(UPDATE_SKUS).copied().unwrap_or(0);
    let rejected = log.rate_limit_violations;
    let ideal = bench
        .rate
        .map(|r| (calls as f64 / bench.accounts.max(1) as f64) / f64::from(r));
    sim.shutdown().await;
    store.close().await;
    if bench.database.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let doc = json!({
        "benchmark": "sync", "channel": "tiki", "backend": db_url.backend(),
        "skus_per_account": bench.skus, "accounts": bench.accounts,
        "rate_limit_per_second": bench.rate, "pushed": pushed, "seconds": secs,
        "pushes_per_second": pushed as f64 / secs, "update_skus_calls": calls,
        "rate_limit_rejections": rejected, "ideal_seconds": ideal,
        "ideal_over_actual": ideal.map(|i| i / secs),
    });
    out.doc(&doc, || {
        let mut s = format!(
            "sync benchmark (Tiki): {} SKUs × {} accounts on {:?}, {}\n",
            bench.skus,
            bench.accounts,
            db_url.backend(),
            bench.rate.map_or("no rate limit".to_owned(), |r| format!(
                "{r} calls/s per seller"
            ))
        );
        let _ = writeln!(
            s,
            "  pushed {pushed} listings in {secs:.2} s: {:.0} pushes/s, {calls} updateSkus calls, \
             {rejected} rate-limit rejections",
            pushed as f64 / secs
        );
        if let Some(i) = ideal {
            let _ = writeln!(s, "  ideal {i:.2} s ÷ actual {secs:.2} s = {:.3}", i / secs);
        }
        s.trim_end().to_owned()
    });
    Ok(())
}
