//! `kho bench sync [--channel shopee|tiki|woocommerce]`: the full-sync
//! benchmark. Every SKU of every account shows one unit more on its
//! marketplace than kho holds, so every listing needs one push. One driver
//! for every channel: import, link (unlimited), promise the shops' limit,
//! drain the queue (workers in this process, or a child `kho serve`), and
//! print pushes per second, write calls, rate-limit rejections and, under a
//! limit, the ratio of the ideal time (calls ÷ limit, the shops working in
//! parallel) to the actual one. Each marketplace supplies only its
//! simulated world ([`World`]).

mod shopee;
mod tiki;
mod woocommerce;

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use kho::catalog::CatalogEntry;
use kho::cli::Failure;
use kho::config::{Config, DatabaseUrl};
use kho::store::Store;
use kho::store::catalog::import::import_bytes;

use crate::bench::{bench_entries, peak_rss_kib};

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

/// Far above what the engine sends: linking and unlimited runs are not paced.
const UNLIMITED: u32 = 1_000_000;

/// A marketplace's simulated shops, seeded from the benchmark's catalog
/// with one unit more of everything than kho holds.
pub(crate) trait World: Sized {
    /// The channel's name, as `--channel` and the JSON say it.
    const CHANNEL: &'static str;
    /// The JSON key of the write calls counted (kept per channel, as the
    /// earlier per-channel benchmarks printed it).
    const CALLS_KEY: &'static str;
    /// What one counted call is, for the printout ("update_stock calls").
    const CALLS_NAME: &'static str;
    /// What one account is, for the printout ("shop", "seller", "site").
    const ACCOUNT: &'static str;

    /// Starts `accounts` shops, each holding `entries`, unlimited.
    async fn start(entries: &[CatalogEntry], accounts: usize) -> Result<Self, Failure>;
    /// Listings (items, products) each shop holds.
    fn listings_per_account(&self) -> usize;
    /// The `[[accounts]]` table of account `i`, promising `per_second`.
    fn account_toml(&self, i: usize, producer: &str, per_second: u32) -> Result<String, Failure>;
    /// Sets account `i`'s limit (`None`: unlimited).
    fn set_rate(&self, i: usize, rate: Option<u32>) -> Result<(), Failure>;
    /// Forgets the calls so far (linking's reads).
    fn reset_log(&self);
    /// Write calls made since the last reset, refused ones included.
    fn calls(&self) -> usize;
    /// Calls refused for going over a shop's limit.
    fn rejections(&self) -> usize;
    async fn shutdown(self);
}

/// Runs the benchmark on `channel`'s simulator.
pub async fn sync(
    config: &Config,
    bench: &SyncBench,
    channel: &str,
    out: &kho::cli::Output,
) -> Result<(), Failure> {
    match channel {
        "shopee" => drive::<shopee::Shops>(config, bench, out).await,
        "tiki" => drive::<tiki::Sellers>(config, bench, out).await,
        "woocommerce" => drive::<woocommerce::Sites>(config, bench, out).await,
        other => Err(Failure::usage(format!(
            "--channel {other}: the sync benchmark runs on shopee, tiki or woocommerce"
        ))),
    }
}

fn runtime(e: &dyn std::fmt::Display) -> Failure {
    Failure::runtime(e.to_string())
}

/// Jobs waiting for the accounts of `channels`.
pub(crate) async fn pending_on<T>(store: &Store, channels: &[(i64, T)]) -> Result<i64, Failure> {
    let mut n = 0;
    for (id, _) in channels {
        n += store.pending_jobs(*id).await?;
    }
    Ok(n)
}

async fn drive<W: World>(
    config: &Config,
    bench: &SyncBench,
    out: &kho::cli::Output,
) -> Result<(), Failure> {
    let dir = std::env::temp_dir().join(format!(
        "kho-bench-sync-{}-{}",
        W::CHANNEL,
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| runtime(&e))?;
    let url = match &bench.database {
        Some(u) => u.clone(),
        None => format!("sqlite://{}", dir.join("bench.db").display()),
    };
    let db_url = DatabaseUrl::parse(&url).map_err(Failure::usage)?;
    let store = Store::open(&db_url, config.database.max_connections).await?;
    store.set_debounce(Duration::ZERO);
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
    let producer = entries
        .first()
        .map(|e| e.producer_code.clone())
        .unwrap_or_default();
    let world = W::start(&entries, bench.accounts).await?;
    drop(entries);

    // Linking reads every listing: it runs unlimited, then the shops' limit
    // is set and kho promises it. One throw-away sealing key for the whole
    // run: tokens sealed while linking must open for the pushes, and in the
    // `--serve` daemon.
    let config_path = dir.join("kho.toml");
    let key = kho::secrets::generate_key();
    let write_config = |per_second: u32| -> Result<Config, Failure> {
        let mut toml = format!("[database]\nurl = \"{url}\"\n\n");
        for i in 0..bench.accounts {
            toml.push_str(&world.account_toml(i, &producer, per_second)?);
            toml.push('\n');
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
    let linking = write_config(UNLIMITED)?;
    let unknown = store.sync_accounts(&linking.accounts, true).await?;
    if !unknown.is_empty() {
        return Err(Failure::runtime(format!(
            "unknown producer for {unknown:?}"
        )));
    }
    let transport = kho::channels::transport().map_err(|e| runtime(&e))?;
    let mut ids = Vec::new();
    let started = Instant::now();
    for acc in &linking.accounts {
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
    let pushing = write_config(bench.rate.unwrap_or(UNLIMITED))?;
    let mut channels = Vec::new();
    for (i, (acc, id)) in pushing.accounts.iter().zip(ids).enumerate() {
        world.set_rate(i, bench.rate)?;
        let ch = kho::channels::build(acc, &transport, &store).map_err(|e| runtime(&e))?;
        channels.push((id, ch));
    }
    let queued = pending_on(&store, &channels).await?;
    world.reset_log();

    let started = Instant::now();
    let (pushed, problem, serve_rss_kib) = if bench.serve {
        let (problem, rss) = through_daemon(&config_path, &key, &url, &store, &channels).await?;
        (u64::try_from(queued).unwrap_or_default(), problem, rss)
    } else {
        let (pushed, problem) = in_process(bench, &store, &channels).await?;
        (pushed, problem, None)
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
    let calls = world.calls();
    let rejected = world.rejections();
    let listings = world.listings_per_account();
    let ideal = bench
        .rate
        .map(|r| (calls as f64 / bench.accounts.max(1) as f64) / f64::from(r));
    world.shutdown().await;
    store.close().await;
    if bench.database.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let mut doc = json!({
        "benchmark": "sync",
        "channel": W::CHANNEL,
        "backend": db_url.backend(),
        "skus_per_account": bench.skus,
        "accounts": bench.accounts,
        "listings_per_account": listings,
        "rate_limit_per_second": bench.rate,
        "import_seconds": import_secs,
        "link_seconds": link_secs,
        "jobs_queued": queued,
        "pushed": pushed,
        "seconds": secs,
        "pushes_per_second": pushed as f64 / secs,
        "write_calls": calls,
        "rate_limit_rejections": rejected,
        "ideal_seconds": ideal,
        "ideal_over_actual": ideal.map(|i| i / secs),
        "serve_peak_rss_mib": serve_rss_kib.map(|k| k as f64 / 1024.0),
        "bench_peak_rss_mib": peak_rss_kib().map(|k| k as f64 / 1024.0),
    });
    doc[W::CALLS_KEY] = json!(calls);
    out.doc(&doc, || {
        let mut s = format!(
            "sync benchmark ({}): {} SKUs × {} {}s ({listings} listings each) on {:?}, {}\n",
            W::CHANNEL,
            bench.skus,
            bench.accounts,
            W::ACCOUNT,
            db_url.backend(),
            bench.rate.map_or("no rate limit".to_owned(), |r| format!(
                "{r} calls/s per {}",
                W::ACCOUNT
            ))
        );
        let _ = writeln!(
            s,
            "  import {import_secs:.2} s, link {link_secs:.2} s, {queued} jobs queued"
        );
        let _ = writeln!(
            s,
            "  pushed {pushed} listings in {secs:.2} s: {:.0} pushes/s, {calls} {}, \
             {rejected} rate-limit rejections",
            pushed as f64 / secs,
            W::CALLS_NAME
        );
        if let Some(i) = ideal {
            let _ = writeln!(s, "  ideal {i:.2} s ÷ actual {secs:.2} s = {:.3}", i / secs);
        }
        if let Some(k) = serve_rss_kib {
            let _ = writeln!(s, "  kho serve peak RSS {:.1} MiB", k as f64 / 1024.0);
        }
        s.trim_end().to_owned()
    });
    Ok(())
}

type Channels = [(i64, std::sync::Arc<dyn kho_channel::Channel>)];

/// Drains the queue with one worker per account in this process. Returns
/// the listings pushed and the first problem reported.
async fn in_process(
    bench: &SyncBench,
    store: &Store,
    channels: &Channels,
) -> Result<(u64, Option<String>), Failure> {
    let mut settings = kho::sync::engine::EngineSettings::new(kho::sync::engine::instance_name());
    if let Some(b) = bench.batch {
        settings.batch = b;
    }
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    for (id, ch) in channels {
        let worker = kho::sync::engine::Worker {
            store: store.clone(),
            channel: ch.clone(),
            account_id: *id,
            settings: settings.clone(),
            ownership: None,
        };
        let rx = stopped.clone();
        tasks.spawn(async move {
            let horizon = Duration::from_secs(2);
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
    Ok((pushed, problem))
}

/// Drains the queue through a child `kho serve` on the benchmark's
/// configuration. Returns the first problem seen and the daemon's peak RSS.
async fn through_daemon(
    config_path: &Path,
    key: &str,
    url: &str,
    store: &Store,
    channels: &Channels,
) -> Result<(Option<String>, Option<u64>), Failure> {
    let exe = std::env::current_exe().map_err(|e| runtime(&e))?;
    let mut child = std::process::Command::new(exe)
        .arg("--config")
        .arg(config_path)
        .arg("serve")
        .env("KHO__SERVER__LISTEN", "127.0.0.1:0")
        .env("KHO__SECRETS__KEY", key)
        // The bench's own database, whatever this shell's environment says.
        .env("KHO__DATABASE__URL", url)
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
    let mut rss = None;
    let mut problem = None;
    // (jobs left, since when) to notice a daemon that stopped pushing.
    let mut progress = (i64::MAX, Instant::now());
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        rss = hwm().or(rss);
        let left = pending_on(store, channels).await?;
        if left == 0 {
            break;
        }
        if let Ok(Some(s)) = child.try_wait() {
            return Err(Failure::runtime(format!("kho serve exited early: {s}")));
        }
        if left < progress.0 {
            progress = (left, Instant::now());
        } else if progress.1.elapsed() > Duration::from_secs(60) {
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
    Ok((problem, rss))
}
