//! `kho bench soak`: the daemon under mixed traffic for a long time, then
//! the invariants checked.
//!
//! The world is the demo's — a simulator per marketplace, four shops of four
//! cooperatives — with a `kho serve` child process in front of it, so its
//! memory, file descriptors and tasks are its own. For the whole run buyers
//! order a few times a second (with flash sales), stock is edited, a share of
//! API calls fail (server errors, dropped connections, calls applied but never
//! answered, webhooks lost or repeated), every access token expires each
//! minute, every shop answers nothing but 429 for a few seconds now and then,
//! and the daemon is restarted (SIGTERM, then a new process) a third of the way in. At the
//! end the faults stop, the queue drains, and the run fails unless every
//! check holds: what each marketplace shows equals what kho wants (no lost
//! update), every order is in kho exactly once and moved stock exactly once,
//! no shop saw more calls in a second than its limit, and the second daemon's
//! memory, descriptors and tasks did not keep growing after warm-up.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kho_channel::{ListingStatus, PageToken};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde::Serialize;
use serde_json::json;

use crate::demo::SAMPLE_CATALOG;
use crate::sim::world::{SimWorld, link_accounts, order_traffic};
use kho::cli::{Failure, Output};
use kho::config::{Config, DatabaseUrl, Sources};
use kho::inventory::{self, MoveOptions};
use kho::store::Store;
use kho::store::catalog::import::import_bytes;

/// Per-shop calls a second, promised by kho and enforced by the simulators.
const RATE_LIMIT: u32 = 10;

mod checks;
use checks::{
    compare_listings, compare_orders, count_stock, growth, marketplace_orders, rate_limits,
};

fn fail<E: std::fmt::Display>(e: E) -> Failure {
    Failure::runtime(e.to_string())
}

#[derive(Debug, Clone)]
pub struct SoakOptions {
    pub duration: Duration,
    pub orders_per_second: f64,
    /// Share of API calls that fail (0.2 = 20 %).
    pub fault_rate: f64,
    pub database: Option<String>,
}

/// One reading of the daemon process.
#[derive(Debug, Clone, Copy, Serialize)]
struct Sample {
    at_s: f64,
    daemon: u8,
    rss_kib: u64,
    /// The anonymous part of RSS (heap, stacks): where a leak shows.
    anon_kib: u64,
    fds: u64,
    tasks: Option<u64>,
}

#[derive(Debug, Default, Serialize)]
struct Checks {
    listings_compared: usize,
    accounts_unreadable: Vec<String>,
    listings_differing: Vec<String>,
    orders_on_marketplaces: usize,
    orders_in_kho: usize,
    orders_missing: Vec<String>,
    orders_unexpected: Vec<String>,
    skus_miscounted: Vec<String>,
    max_calls_in_one_second: BTreeMap<String, u64>,
    rate_limit_violations: u64,
    rss_growth_percent: f64,
    fd_growth: i64,
    task_growth: i64,
    dead_letters: i64,
    drained_in_s: f64,
    daemon_exit_ok: bool,
}

impl Checks {
    fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.accounts_unreadable.is_empty() {
            out.push(format!(
                "{} account(s) could not be read: {}",
                self.accounts_unreadable.len(),
                self.accounts_unreadable.join("; ")
            ));
        }
        if !self.listings_differing.is_empty() {
            out.push(format!(
                "lost update: {} listing(s) differ from their allocation of what is available",
                self.listings_differing.len()
            ));
        }
        if !self.orders_missing.is_empty() || !self.orders_unexpected.is_empty() {
            out.push(format!(
                "orders: {} missing in kho, {} in kho but not on a marketplace",
                self.orders_missing.len(),
                self.orders_unexpected.len()
            ));
        }
        if !self.skus_miscounted.is_empty() {
            out.push(format!(
                "{} SKU(s) whose stock does not add up (an order counted twice or never)",
                self.skus_miscounted.len()
            ));
        }
        if self.rate_limit_violations > 0
            || self
                .max_calls_in_one_second
                .values()
                .any(|&n| n > u64::from(RATE_LIMIT))
        {
            out.push(format!(
                "rate limit: {} violation(s); most calls in one second per shop {:?}",
                self.rate_limit_violations, self.max_calls_in_one_second
            ));
        }
        if self.rss_growth_percent >= 10.0 {
            out.push(format!(
                "memory grew {:.1} % after warm-up",
                self.rss_growth_percent
            ));
        }
        if self.fd_growth > FD_SLACK {
            out.push(format!(
                "file descriptors grew by {} after warm-up",
                self.fd_growth
            ));
        }
        if self.task_growth > TASK_SLACK {
            out.push(format!("tasks grew by {} after warm-up", self.task_growth));
        }
        if self.dead_letters > 0 {
            out.push(format!("{} dead letter(s)", self.dead_letters));
        }
        if !self.daemon_exit_ok {
            out.push("the daemon did not stop cleanly on SIGTERM".into());
        }
        out
    }
}

/// Open connections and in-flight requests move with the traffic; a leak
/// grows well past these.
const FD_SLACK: i64 = 16;
const TASK_SLACK: i64 = 32;

struct Daemon {
    child: Child,
    base: String,
}

fn spawn_daemon(exe: &Path, config: &Path, key: &str, log: &Path) -> Result<Daemon, Failure> {
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(fail)?;
    let mut child = std::process::Command::new(exe)
        .args(["--config", &config.display().to_string(), "serve"])
        .env("KHO__SECRETS__KEY", key)
        .env("KHO_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log_file))
        .spawn()
        .map_err(fail)?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| fail("no stdout from kho serve"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
        for _ in lines {}
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .map_err(|_| fail("kho serve did not start listening within 60 s"))?;
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or_else(|| fail(format!("unexpected first line from kho serve: {line}")))?
        .to_owned();
    Ok(Daemon { child, base })
}

/// The address in the daemon's base URL (`http://127.0.0.1:41234`).
fn daemon_addr(base: &str) -> Result<std::net::SocketAddr, Failure> {
    base.strip_prefix("http://")
        .map(|rest| rest.trim_end_matches('/'))
        .and_then(|addr| addr.parse().ok())
        .ok_or_else(|| fail(format!("kho serve announced an unexpected address: {base}")))
}

fn signal(child: &Child, sig: &str) {
    let _ = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status();
}

/// RSS, its anonymous part (both KiB) and open descriptors of a process.
fn proc_reading(pid: u32) -> Option<(u64, u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64;
    Some((field("VmRSS:")?, field("RssAnon:")?, fds))
}

async fn alive_tasks(http: &reqwest::Client, base: &str) -> Option<u64> {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("kho_runtime_alive_tasks "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as u64)
}

/// Available (on hand − reserved) per SKU of the world's shops.
async fn available(store: &Store) -> Result<BTreeMap<String, i64>, Failure> {
    let mut out = BTreeMap::new();
    for acc in store.accounts(None).await? {
        for l in store.listings(acc.id).await? {
            out.insert(l.sku, l.on_hand - l.reserved);
        }
    }
    Ok(out)
}

/// How calls fail: answered with an error status, the connection dropped
/// before the call is applied, or applied and then dropped (the client never
/// learns it worked); and webhooks lost or delivered twice.
#[derive(Debug, Clone)]
struct Faults {
    server: f64,
    statuses: Vec<u16>,
    dropped: f64,
    applied_unanswered: f64,
    webhooks: f64,
}

impl Faults {
    /// `rate` of all calls fail, split over the three ways; as many webhooks
    /// are lost, half as many repeated.
    fn mixed(rate: f64) -> Faults {
        Faults {
            server: rate * 0.5,
            statuses: vec![500, 502, 503],
            dropped: rate * 0.25,
            applied_unanswered: rate * 0.25,
            webhooks: rate,
        }
    }

    /// Every call answered "too many requests".
    fn burst_429() -> Faults {
        Faults {
            server: 1.0,
            statuses: vec![429],
            dropped: 0.0,
            applied_unanswered: 0.0,
            webhooks: 0.0,
        }
    }
}

/// Token refresh endpoints (Shopee; TikTok and Lazada) are left alone: the
/// marketplaces rotate single-use refresh tokens, so a refresh applied and
/// then unanswered costs the shop its authorisation whatever the client
/// does; that is a re-authorisation, not something a soak can check.
const TOKEN_PATHS: [&str; 2] = ["/auth/access_token/get", "/token/refresh"];

fn set_faults(world: &SimWorld, f: &Faults, seed: u64) {
    use kho_simulator::{lazada, shopee, tiktok};
    let (server, dropped, applied_unanswered, webhooks) =
        (f.server, f.dropped, f.applied_unanswered, f.webhooks);
    let statuses = f.statuses.clone();
    world.shopee.set_faults(shopee::FaultConfig {
        seed,
        server_error: server,
        server_error_statuses: statuses.clone(),
        drop_connection: dropped,
        drop_after_apply: applied_unanswered,
        push_drop: webhooks,
        push_duplicate: webhooks / 2.0,
        spared_paths: vec![TOKEN_PATHS[0].into()],
        ..shopee::FaultConfig::default()
    });
    world.tiktok.set_faults(tiktok::FaultConfig {
        seed: seed + 1,
        server_error: server,
        server_error_statuses: statuses.clone(),
        drop_connection: dropped,
        drop_after_apply: applied_unanswered,
        webhook_drop: webhooks,
        webhook_duplicate: webhooks / 2.0,
        spared_paths: vec![TOKEN_PATHS[1].into()],
        ..tiktok::FaultConfig::default()
    });
    world.lazada.set_faults(lazada::FaultConfig {
        seed: seed + 2,
        server_error: server,
        server_error_statuses: statuses,
        drop_connection: dropped,
        drop_after_apply: applied_unanswered,
        push_drop: webhooks,
        push_duplicate: webhooks / 2.0,
        spared_paths: vec![TOKEN_PATHS[1].into()],
        ..lazada::FaultConfig::default()
    });
}

fn clear_faults(world: &SimWorld) {
    use kho_simulator::{lazada, shopee, tiktok};
    world.shopee.set_faults(shopee::FaultConfig::default());
    world.tiktok.set_faults(tiktok::FaultConfig::default());
    world.lazada.set_faults(lazada::FaultConfig::default());
}

fn expire_tokens(world: &SimWorld) {
    use kho_simulator::{lazada, shopee, tiktok};
    for s in world.shopee.state().shops {
        let _ = world
            .shopee
            .token_action(s.shop_id, shopee::TokenAction::ExpireAccessToken);
    }
    for s in world.tiktok.state().shops {
        let _ = world
            .tiktok
            .token_action(&s.shop_id, tiktok::TokenAction::ExpireAccessToken);
    }
    for s in world.lazada.state().sellers {
        let _ = world
            .lazada
            .token_action(s.seller_id, lazada::TokenAction::ExpireAccessToken);
    }
}

pub async fn soak(opts: &SoakOptions, out: &Output) -> Result<(), Failure> {
    let dir = std::env::temp_dir().join(format!(
        "kho-soak-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).map_err(fail)?;
    let result = soak_in(&dir, opts, out).await;
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        // The database, configuration and daemon log, to find out why.
        eprintln!("kho: the soak's files are kept in {}", dir.display());
    }
    result
}

async fn soak_in(dir: &Path, opts: &SoakOptions, out: &Output) -> Result<(), Failure> {
    let started = Instant::now();
    let db_url = match &opts.database {
        Some(u) => u.clone(),
        None => format!("sqlite://{}", dir.join("kho.db").display()),
    };
    let store = Store::open(&DatabaseUrl::parse(&db_url).map_err(Failure::usage)?, 8).await?;
    import_bytes(&store, SAMPLE_CATALOG, "ocop-catalog.csv", false, "soak")
        .await
        .map_err(fail)?;
    let entries = kho::catalog::read_entries(SAMPLE_CATALOG)
        .map_err(|_| fail("the built-in catalog is invalid"))?;
    let world = SimWorld::start(entries, RATE_LIMIT)
        .await
        .map_err(Failure::runtime)?;
    // The daemon listens on a port the system picks; the simulators learn it
    // from the daemon's first line, and the restart keeps it (as a deploy
    // keeps its address).
    let config_path: PathBuf = dir.join("kho.toml");
    let accounts = world.accounts_toml().map_err(Failure::runtime)?;
    let daemon_toml = |listen: std::net::SocketAddr| {
        format!(
            "[database]\nurl = \"{db_url}\"\n\n[server]\nlisten = \"{listen}\"\npublic_url = \"http://{listen}\"\n\n\
             [sync]\norder_poll_interval = \"10s\"\n\n{accounts}"
        )
    };
    std::fs::write(
        &config_path,
        daemon_toml(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
    )
    .map_err(fail)?;
    let key = kho::secrets::generate_key();
    let config = Config::load(Sources {
        file: Some(&config_path),
        env: Some(HashMap::from([(
            "KHO__SECRETS__KEY".to_owned(),
            key.clone(),
        )])),
    })
    .map_err(fail)?;
    store.set_keyring(config.secrets.keyring());
    store.sync_accounts(&config.accounts, true).await?;
    link_accounts(&store, &config)
        .await
        .map_err(Failure::runtime)?;
    let opening = available(&store).await?;
    if !out.json() {
        println!(
            "soak: {} SKUs on {} shops, {:?}, {:.1} orders/s, {:.0} % faults; database {}",
            opening.len(),
            config.accounts.len(),
            opts.duration,
            opts.orders_per_second,
            opts.fault_rate * 100.0,
            DatabaseUrl::parse(&db_url).map_err(Failure::usage)?
        );
    }

    let exe = std::env::current_exe().map_err(fail)?;
    let log = dir.join("daemon.log");
    let mut daemon = spawn_daemon(&exe, &config_path, &key, &log)?;
    let listen = daemon_addr(&daemon.base)?;
    world.send_webhooks_to(listen);
    std::fs::write(&config_path, daemon_toml(listen)).map_err(fail)?;

    // Traffic: buyers, stock edits, faults, token expiries, 429 bursts.
    let edits: Arc<Mutex<BTreeMap<String, i64>>> = Arc::default();
    let interval = Duration::from_secs_f64(1.0 / opts.orders_per_second.max(0.1));
    let buyers = tokio::spawn(order_traffic(world.shops(), interval, |_| {}));
    let editor = {
        let store = store.clone();
        let skus = world.skus();
        let edits = edits.clone();
        tokio::spawn(async move {
            let opts = MoveOptions {
                lot: None,
                reason: "soak: stock edit",
                location: None,
                reference: None,
                actor: "soak",
            };
            loop {
                tokio::time::sleep(Duration::from_millis(700)).await;
                let (sku, delta) = {
                    let mut rng = rand::rng();
                    let Some(sku) = skus.choose(&mut rng).cloned() else {
                        return;
                    };
                    let delta: i64 = if rng.random_bool(0.5) {
                        -rng.random_range(1..=3)
                    } else {
                        rng.random_range(3..=15)
                    };
                    (sku, delta)
                };
                if inventory::add(&store, &sku, delta, &opts).await.is_ok()
                    && let Ok(mut e) = edits.lock()
                {
                    *e.entry(sku).or_default() += delta;
                }
            }
        })
    };
    let mixed = Faults::mixed(opts.fault_rate);
    let mut seed = 7u64;
    set_faults(&world, &mixed, seed);

    let http = reqwest::Client::new();
    let mut samples: Vec<Sample> = Vec::new();
    let mut daemon_no = 1u8;
    // The restart comes early, so the new daemon has most of the run to show
    // whether it leaks.
    let restart_at = opts.duration / 3;
    let mut restarted = false;
    let mut last_expiry = Instant::now();
    let mut next_burst = Instant::now() + Duration::from_secs(20);
    let mut burst_until: Option<Instant> = None;
    let soak_start = Instant::now();
    let mut last_progress = Instant::now();
    while soak_start.elapsed() < opts.duration {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = Instant::now();
        if now.duration_since(last_expiry) >= Duration::from_secs(60) {
            expire_tokens(&world);
            last_expiry = now;
        }
        match burst_until {
            Some(until) if now >= until => {
                seed += 3;
                set_faults(&world, &mixed, seed);
                burst_until = None;
                next_burst = now + Duration::from_secs(30);
            }
            None if now >= next_burst => {
                seed += 3;
                set_faults(&world, &Faults::burst_429(), seed);
                burst_until = Some(now + Duration::from_secs(3));
            }
            _ => {}
        }
        if !restarted && soak_start.elapsed() >= restart_at {
            // A restart (a deploy): SIGTERM, in-flight pushes and token
            // refreshes finish, then a new process. Crashes at any point are
            // the kill -9 test's job: a crash between a marketplace rotating
            // a refresh token and kho storing it loses the authorisation,
            // which no client can prevent.
            signal(&daemon.child, "-TERM");
            let _ = daemon.child.wait();
            daemon = spawn_daemon(&exe, &config_path, &key, &log)?;
            daemon_no = 2;
            restarted = true;
        }
        if soak_start.elapsed().as_secs().is_multiple_of(5) {
            let pid = daemon.child.id();
            if let Some((rss_kib, anon_kib, fds)) = proc_reading(pid) {
                samples.push(Sample {
                    at_s: soak_start.elapsed().as_secs_f64(),
                    daemon: daemon_no,
                    rss_kib,
                    anon_kib,
                    fds,
                    tasks: alive_tasks(&http, &daemon.base).await,
                });
            }
        }
        if !out.json() && last_progress.elapsed() >= Duration::from_secs(15) {
            last_progress = Instant::now();
            let pending: i64 = store
                .queue_stats()
                .await
                .map(|q| q.iter().map(|s| s.pending).sum())
                .unwrap_or(0);
            let last = samples.last();
            println!(
                "  {:>5.0} s: daemon {daemon_no}, RSS {} KiB (anonymous {} KiB), {} fds, {} tasks, {pending} push(es) pending",
                soak_start.elapsed().as_secs_f64(),
                last.map_or(0, |s| s.rss_kib),
                last.map_or(0, |s| s.anon_kib),
                last.map_or(0, |s| s.fds),
                last.and_then(|s| s.tasks).unwrap_or(0),
            );
        }
    }

    // Quiesce: traffic and faults stop, the daemon catches up.
    buyers.abort();
    editor.abort();
    let _ = buyers.await;
    let _ = editor.await;
    clear_faults(&world);
    expire_tokens(&world);
    let drain_start = Instant::now();
    let mut checks = Checks::default();
    let orders_on_marketplaces = marketplace_orders(&world);
    loop {
        let stats = store.queue_stats().await?;
        let pending: i64 = stats.iter().map(|s| s.pending).sum();
        let ingested = store.orders(None, None, i64::MAX).await?.len();
        if pending == 0 && ingested >= orders_on_marketplaces.len() {
            break;
        }
        if drain_start.elapsed() > Duration::from_secs(180) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    checks.drained_in_s = drain_start.elapsed().as_secs_f64();
    signal(&daemon.child, "-TERM");
    let status = tokio::task::spawn_blocking(move || daemon.child.wait())
        .await
        .map_err(fail)?
        .map_err(fail)?;
    checks.daemon_exit_ok = status.success();
    checks.dead_letters = store.queue_stats().await?.iter().map(|s| s.dead).sum();

    compare_listings(&store, &config, &mut checks).await?;
    compare_orders(&store, &orders_on_marketplaces, &mut checks).await?;
    let edits = edits.lock().map(|e| e.clone()).unwrap_or_default();
    count_stock(&store, &opening, &edits, &mut checks).await?;
    rate_limits(&world, &mut checks);
    growth(&samples, &mut checks);

    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    let log_errors = log_text.lines().filter(|l| l.contains("ERROR")).count();
    let failures = checks.failures();
    let figures = json!({
        "duration_s": opts.duration.as_secs_f64(),
        "wall_s": started.elapsed().as_secs_f64(),
        "orders": checks.orders_on_marketplaces,
        "checks": checks,
        "daemon_log_error_lines": log_errors,
        "samples": samples,
        "failures": failures,
    });
    out.doc(&figures, || {
        let mut s = format!(
            "soak finished after {:.0} s (drained in {:.1} s)\n\
             orders: {} on the marketplaces, {} in kho\n\
             listings compared: {}, differing: {}\n\
             SKUs whose stock does not add up: {}\n\
             most calls in one second per shop: {:?} (limit {RATE_LIMIT}), violations: {}\n\
             daemon 2 after warm-up: RSS {:+.1} %, fds {:+}, tasks {:+}; dead letters: {}; daemon log ERROR lines: {log_errors}\n",
            started.elapsed().as_secs_f64(),
            checks.drained_in_s,
            checks.orders_on_marketplaces,
            checks.orders_in_kho,
            checks.listings_compared,
            checks.listings_differing.len(),
            checks.skus_miscounted.len(),
            checks.max_calls_in_one_second,
            checks.rate_limit_violations,
            checks.rss_growth_percent,
            checks.fd_growth,
            checks.task_growth,
            checks.dead_letters,
        );
        for d in checks.listings_differing.iter().take(10) {
            s.push_str(&format!("  differs: {d}\n"));
        }
        for d in checks.skus_miscounted.iter().take(10) {
            s.push_str(&format!("  miscounted: {d}\n"));
        }
        if failures.is_empty() {
            s.push_str("all checks passed");
        } else {
            s.push_str(&format!("FAILED: {}", failures.join("; ")));
        }
        s
    });
    world.shutdown().await;
    store.close().await;
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::runtime(format!(
            "soak checks failed: {}",
            failures.join("; ")
        )))
    }
}
