//! `kho bench fleet`: many shops over several `kho serve` instances on one
//! PostgreSQL. One Shopee simulator serves every shop, each with its own
//! rate limit; K daemons share the accounts out; a trickle of stock changes
//! and orders runs for `--seconds`, and at half time one daemon is killed
//! with SIGKILL. The figures come from outside the daemons: PostgreSQL's
//! statistics (lease statements, connections), the simulator's record of
//! writes with the client that made each (takeover, double-owned pushes),
//! `/proc` (memory) and the push audit (change → push latency).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use kho::cli::{Failure, Output};
use kho::config::DatabaseUrl;
use kho::inventory::{self, MoveOptions};
use kho::store::catalog::import::import_bytes;
use kho::store::{Pool, Store};
use kho_simulator::shopee::{
    NewOrder, NewOrderLine, OrderStatus, ShopConfig, SimConfig, Simulator,
};
use rand::Rng;
use serde::Serialize;

mod measure;
use measure::{Sampler, double_owned, lease_writes, percentile, pid_of};

const PARTNER_KEY: &str = "6b686f2d666c6565742d62656e63682d6b65792d6e6f742d612d736563726574";
const PARTNER_ID: i64 = 2_001_887;
const FIRST_SHOP: i64 = 16_000_000;
/// Models per item: a shop's SKUs are a few items with several models.
const MODELS: usize = 5;
/// Longer than PostgreSQL takes to publish an idle backend's counters.
const STATS_DELAY: Duration = Duration::from_secs(11);

fn fail<E: std::fmt::Display>(e: E) -> Failure {
    Failure::runtime(e.to_string())
}

#[derive(Debug, Clone)]
pub struct FleetOptions {
    pub accounts: usize,
    pub instances: usize,
    pub database: String,
    pub skus_per_account: usize,
    pub seconds: u64,
    pub rate: u32,
    pub pool: u32,
}

/// What `kho bench fleet --json` prints.
#[derive(Debug, Default, Serialize)]
pub struct FleetReport {
    pub accounts: usize,
    pub instances: usize,
    pub skus_per_account: usize,
    pub seconds: u64,
    pub rate_per_shop: u32,
    pub pool_per_instance: u32,
    pub stock_changes: u64,
    pub orders: u64,
    pub pushes_measured: usize,
    /// Change → push of every push in the run except those of the killed
    /// instance's shops queued between the kill and their takeover (which
    /// `takeover_s` measures).
    pub p50_change_to_push_s: f64,
    pub p99_change_to_push_s: f64,
    /// The same over every push, the orphaned shops' included.
    pub p99_change_to_push_all_s: f64,
    /// Rows written to `instances` and `account_leases` per second, from
    /// the accounts' spread to the end of the drain (the kill and the
    /// takeover included). A take or release of many accounts is one
    /// statement but counts a row each.
    pub lease_statements_per_s: f64,
    /// Most connections the instances held at once (sampled).
    pub db_connections_max: i64,
    /// Accounts per instance, most ÷ fewest, before the kill.
    pub accounts_max_over_min: f64,
    pub accounts_per_instance: Vec<usize>,
    pub orphaned_accounts: usize,
    /// From the kill until every orphaned shop was pushed by a survivor.
    pub takeover_s: Option<f64>,
    pub double_owned_pushes: usize,
    pub max_instance_rss_mib: f64,
    pub rate_limit_violations: u64,
    /// Jobs still pending once the trickle stopped and the queue was given
    /// 60 s to drain.
    pub pending_after_drain: i64,
}

struct Daemon {
    child: Child,
}

/// The instance killed midway and the shops it left.
struct Killed {
    /// On the simulator's clock, and the wall clock.
    kill_ms: u64,
    at: chrono::DateTime<chrono::Utc>,
    shops: Vec<i64>,
    accounts: Vec<i64>,
    instance: String,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn fleet(opts: &FleetOptions, out: &Output) -> Result<(), Failure> {
    if opts.instances < 2 {
        return Err(Failure::usage(
            "--instances must be at least 2 (one is killed)",
        ));
    }
    if opts.accounts < opts.instances || opts.skus_per_account == 0 {
        return Err(Failure::usage(
            "--accounts must be at least --instances, and --skus-per-account at least 1",
        ));
    }
    let dir = std::env::temp_dir().join(format!(
        "kho-bench-fleet-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).map_err(fail)?;
    let result = run(&dir, opts).await;
    match &result {
        Ok(_) => {
            let _ = std::fs::remove_dir_all(&dir);
        }
        Err(_) => eprintln!("kho: the fleet bench's files are kept in {}", dir.display()),
    }
    let report = result?;
    out.doc(&report, || human(&report));
    Ok(())
}

fn human(r: &FleetReport) -> String {
    format!(
        "{} shops × {} SKUs on {} instances ({} calls/s a shop, pool {}), {} s\n\
         change → push: p50 {:.3} s, p99 {:.3} s (orphaned shops included {:.3} s) over {} pushes\n\
         lease statements: {:.2}/s · connections at most {} · accounts per instance {:?} (max ÷ min {:.3})\n\
         takeover after SIGKILL of {} shops: {} · double-owned pushes: {}\n\
         largest instance RSS: {:.1} MiB · rate-limit violations: {} · pending after drain: {}",
        r.accounts,
        r.skus_per_account,
        r.instances,
        r.rate_per_shop,
        r.pool_per_instance,
        r.seconds,
        r.p50_change_to_push_s,
        r.p99_change_to_push_s,
        r.p99_change_to_push_all_s,
        r.pushes_measured,
        r.lease_statements_per_s,
        r.db_connections_max,
        r.accounts_per_instance,
        r.accounts_max_over_min,
        r.orphaned_accounts,
        r.takeover_s
            .map_or("not complete".to_owned(), |s| format!("{s:.1} s")),
        r.double_owned_pushes,
        r.max_instance_rss_mib,
        r.rate_limit_violations,
        r.pending_after_drain,
    )
}

/// Every shop's catalog: its own cooperative, `skus` SKUs in items of
/// [`MODELS`] models.
fn entries(accounts: usize, skus: usize) -> Vec<kho::catalog::CatalogEntry> {
    let mut out = Vec::with_capacity(accounts * skus);
    for a in 0..accounts {
        for i in 0..skus {
            let p = i / MODELS;
            out.push(kho::catalog::CatalogEntry {
                producer_code: format!("htx-fleet-{a}"),
                producer_name: format!("HTX số {a}"),
                district: "Chi Lăng".into(),
                product_code: format!("F{a}-P{p:03}"),
                product_name: format!("Đặc sản số {p} của HTX {a}"),
                variant_sku: format!("F{a}-P{p:03}-V{}", i % MODELS),
                variant_name: format!("Loại {}", i % MODELS),
                price_vnd: 50_000 + (i % MODELS) as i64 * 1000,
                stock: 200 + (i % 50) as i64,
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
            });
        }
    }
    out
}

fn config_toml(opts: &FleetOptions, url: &str, sim_url: &str) -> String {
    let mut toml = format!(
        "[database]\nurl = \"{url}\"\nmax_connections = {}\n\n[sync]\n\
         order_poll_interval = \"30s\"\nreconcile_schedule = \"0 0 0 1 1 *\"\n\n",
        opts.pool
    );
    for a in 0..opts.accounts {
        let _ = write!(
            toml,
            "[[accounts]]\nname = \"fleet-{a}\"\nchannel = \"shopee\"\nproducer = \"htx-fleet-{a}\"\n\
             base_url = \"{sim_url}\"\nrate_limit = {{ per_second = {} }}\n\
             allocation = {{ mode = \"shared\", buffer = 0, percent = 100 }}\n\
             credentials = {{ partner_id = {PARTNER_ID}, partner_key = \"{PARTNER_KEY}\", \
             shop_id = {}, access_token = \"{:032x}\", refresh_token = \"{:032x}\" }}\n\n",
            opts.rate,
            FIRST_SHOP + a as i64,
            0xf1ee_0000_u64 + a as u64,
            0xf1ee_8000_0000_u64 + a as u64,
        );
    }
    toml
}

fn spawn_daemon(config: &Path, key: &str, url: &str, log: &Path) -> Result<Daemon, Failure> {
    let exe = std::env::current_exe().map_err(fail)?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(fail)?;
    let child = std::process::Command::new(exe)
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("KHO__SERVER__LISTEN", "127.0.0.1:0")
        .env("KHO__SERVER__PUBLIC_URL", "http://127.0.0.1:0")
        .env("KHO__SECRETS__KEY", key)
        .env("KHO__DATABASE__URL", url)
        .env("KHO_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .map_err(fail)?;
    Ok(Daemon { child })
}

/// (owner, accounts held) of every held sync lease.
async fn owners(pool: &sqlx::PgPool) -> Result<BTreeMap<String, usize>, Failure> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT owner, COUNT(*) FROM account_leases WHERE owner <> '' GROUP BY owner",
    )
    .fetch_all(pool)
    .await
    .map_err(fail)?;
    Ok(rows
        .into_iter()
        .map(|(o, n)| (o, usize::try_from(n).unwrap_or(0)))
        .collect())
}

async fn pending(pool: &sqlx::PgPool) -> Result<i64, Failure> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sync_jobs WHERE state = 'pending'")
        .fetch_one(pool)
        .await
        .map_err(fail)
}

/// Waits until `done` holds, checking every 250 ms; false after `limit`.
async fn wait_until<F, Fut>(limit: Duration, mut done: F) -> Result<bool, Failure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, Failure>>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if done().await? {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(false)
}

async fn run(dir: &Path, opts: &FleetOptions) -> Result<FleetReport, Failure> {
    let url = DatabaseUrl::parse(&opts.database).map_err(Failure::usage)?;
    let store = Store::open(&url, 4).await?;
    let Pool::Postgres(pg) = store.pool().clone() else {
        return Err(Failure::usage(
            "kho bench fleet needs a PostgreSQL --database (instances share it)",
        ));
    };
    let all = entries(opts.accounts, opts.skus_per_account);
    let mut csv = Vec::new();
    kho::catalog::file::write_csv(&mut csv, &all).map_err(fail)?;
    import_bytes(&store, &csv, "fleet.csv", false, "bench")
        .await
        .map_err(fail)?;
    drop(csv);

    // The shops list exactly what kho holds, so nothing is queued at start.
    let shops: Vec<ShopConfig> = (0..opts.accounts)
        .map(|a| {
            let mine: Vec<_> = all
                .iter()
                .filter(|e| e.producer_code == format!("htx-fleet-{a}"))
                .cloned()
                .collect();
            ShopConfig {
                shop_id: FIRST_SHOP + a as i64,
                access_token: format!("{:032x}", 0xf1ee_0000_u64 + a as u64),
                refresh_token: format!("{:032x}", 0xf1ee_8000_0000_u64 + a as u64),
                items: crate::sim::shopee_items(&mine),
                rate_limit_per_second: None,
                ..ShopConfig::default()
            }
        })
        .collect();
    let skus: Vec<(usize, String)> = all
        .iter()
        .enumerate()
        .map(|(i, e)| (i / opts.skus_per_account, e.variant_sku.clone()))
        .collect();
    drop(all);
    let sim = Simulator::start(SimConfig {
        partner_id: PARTNER_ID,
        partner_key: PARTNER_KEY.into(),
        shops,
        rate_limit_per_second: None,
        ..SimConfig::default()
    })
    .await
    .map_err(fail)?;
    // Item and model ids per SKU, for orders (read once: the state is big).
    let mut remote: HashMap<String, (i64, i64, i64)> = HashMap::new();
    for shop in sim.state().shops {
        for item in &shop.items {
            for m in &item.models {
                remote.insert(
                    m.model_sku.clone(),
                    (shop.shop_id, item.item_id, m.model_id),
                );
            }
        }
    }

    let config_path = dir.join("kho.toml");
    std::fs::write(
        &config_path,
        config_toml(opts, &opts.database, &sim.base_url()),
    )
    .map_err(fail)?;
    let key = kho::secrets::generate_key();
    let config = kho::config::Config::load(kho::config::Sources {
        file: Some(&config_path),
        env: Some(HashMap::from([(
            "KHO__SECRETS__KEY".to_owned(),
            key.clone(),
        )])),
    })
    .map_err(fail)?;
    store.set_keyring(config.secrets.keyring());
    let unknown = store.sync_accounts(&config.accounts, true).await?;
    if !unknown.is_empty() {
        return Err(fail(format!("unknown producers for {unknown:?}")));
    }
    link(&store, &config).await?;
    for a in 0..opts.accounts {
        sim.set_rate_limit(FIRST_SHOP + a as i64, Some(opts.rate))
            .map_err(fail)?;
    }
    let account_ids: HashMap<String, i64> = store
        .accounts(None)
        .await?
        .into_iter()
        .map(|a| (a.name, a.id))
        .collect();

    // The daemons, one after another as an operator would start them.
    let mut daemons: Vec<Option<Daemon>> = Vec::new();
    for i in 0..opts.instances {
        let log = dir.join(format!("serve-{i}.log"));
        daemons.push(Some(spawn_daemon(
            &config_path,
            &key,
            &opts.database,
            &log,
        )?));
    }
    let k = opts.instances;
    let n = opts.accounts;
    // Spread and settled: every account held, by all K instances, and the
    // shares unchanged for 5 s (a rebalance releases and takes over a few
    // beats).
    let mut last: (BTreeMap<String, usize>, Instant) = (BTreeMap::new(), Instant::now());
    let waiting = Instant::now();
    let mut spread = false;
    while waiting.elapsed() < Duration::from_secs(300) {
        let o = owners(&pg).await?;
        let full = o.len() == k && o.values().sum::<usize>() == n;
        if o != last.0 {
            last = (o, Instant::now());
        } else if full && last.1.elapsed() >= Duration::from_secs(5) {
            spread = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    if !spread {
        return Err(fail(format!(
            "the accounts were not spread over {k} instances within 180 s: {:?}",
            owners(&pg).await?
        )));
    }
    // Whatever linking queued is pushed before the measurement.
    wait_until(Duration::from_secs(300), || {
        let pg = pg.clone();
        async move { Ok(pending(&pg).await? == 0) }
    })
    .await?;
    let before_kill = owners(&pg).await?;
    let mut report = FleetReport {
        accounts: n,
        instances: k,
        skus_per_account: opts.skus_per_account,
        seconds: opts.seconds,
        rate_per_shop: opts.rate,
        pool_per_instance: opts.pool,
        accounts_per_instance: before_kill.values().copied().collect(),
        ..FleetReport::default()
    };
    let (most, fewest) = (
        before_kill.values().max().copied().unwrap_or(0),
        before_kill.values().min().copied().unwrap_or(0),
    );
    report.accounts_max_over_min = most as f64 / fewest.max(1) as f64;

    // PostgreSQL's backends publish their table counters within 10 s when
    // idle: the start-up's takes must be in the baseline, not the run.
    tokio::time::sleep(STATS_DELAY).await;
    sim.reset_request_log();
    let measure_from = chrono::Utc::now();
    let lease_rows_before = lease_writes(&pg).await?;
    let lease_from = Instant::now();
    let pids: Vec<u32> = daemons.iter().flatten().map(|d| d.child.id()).collect();
    let mut sampler = Sampler::new(pids);
    let opts_move = MoveOptions {
        reason: "fleet bench",
        location: None,
        reference: None,
        actor: "bench",
        lot: None,
    };
    // A change to about one shop in twenty a second, and an order to one
    // in a hundred.
    let changes_per_s = (n as f64 / 20.0).max(2.0);
    let orders_per_s = (n as f64 / 100.0).max(1.0);
    let started = Instant::now();
    let total = Duration::from_secs(opts.seconds);
    let mut killed: Option<Killed> = None;
    let mut next_sample = Instant::now();
    let mut tick: u64 = 0;
    while started.elapsed() < total {
        tick += 1;
        let due_changes = (changes_per_s * started.elapsed().as_secs_f64()) as u64;
        while report.stock_changes < due_changes {
            let (_, sku) = {
                let mut rng = rand::rng();
                &skus[rng.random_range(0..skus.len())]
            };
            let delta = if tick.is_multiple_of(2) { 1 } else { -1 };
            if inventory::add(&store, sku, delta, &opts_move).await.is_ok() {
                report.stock_changes += 1;
            }
        }
        let due_orders = (orders_per_s * started.elapsed().as_secs_f64()) as u64;
        while report.orders < due_orders {
            let sku = {
                let mut rng = rand::rng();
                skus[rng.random_range(0..skus.len())].1.clone()
            };
            if let Some(&(shop_id, item_id, model_id)) = remote.get(&sku) {
                let order = NewOrder {
                    shop_id,
                    status: OrderStatus::ReadyToShip,
                    lines: vec![NewOrderLine {
                        item_id,
                        model_id,
                        quantity: 1,
                        discounted_price: None,
                    }],
                    ..NewOrder::default()
                };
                let _ = sim.create_order(order);
            }
            report.orders += 1;
        }
        if killed.is_none() && started.elapsed() >= total / 2 {
            killed = Some(kill_one(&mut daemons, &pg, &sim, &store, &skus, &account_ids).await?);
        }
        if Instant::now() >= next_sample {
            sampler.sample(&pg, pg.size()).await;
            next_sample = Instant::now() + Duration::from_millis(500);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drain_from = Instant::now();
    let drained = wait_until(Duration::from_secs(60), || {
        let pg = pg.clone();
        async move { Ok(pending(&pg).await? == 0) }
    })
    .await?;
    sampler.sample(&pg, pg.size()).await;
    tokio::time::sleep(STATS_DELAY.saturating_sub(drain_from.elapsed())).await;
    let lease_rows = lease_writes(&pg).await? - lease_rows_before;
    report.lease_statements_per_s = lease_rows as f64 / lease_from.elapsed().as_secs_f64();
    report.pending_after_drain = if drained { 0 } else { pending(&pg).await? };

    let writes = sim.write_calls();
    report.double_owned_pushes = double_owned(&writes);
    if let Some(k) = &killed {
        report.orphaned_accounts = k.shops.len();
        let mut last = 0u64;
        let mut complete = true;
        for shop in &k.shops {
            let first = writes
                .iter()
                .filter(|w| {
                    w.shop_id == *shop && w.start_ms >= k.kill_ms && !w.client.contains(&k.instance)
                })
                .map(|w| w.end_ms)
                .min();
            match first {
                Some(t) => last = last.max(t - k.kill_ms),
                None => complete = false,
            }
        }
        report.takeover_s = complete.then_some(last as f64 / 1000.0);
    }
    let log = sim.request_log();
    report.rate_limit_violations = (0..n)
        .map(|a| log.rate_limit_violations(FIRST_SHOP + a as i64))
        .sum();
    let pushes: Vec<(i64, chrono::DateTime<chrono::Utc>, f64)> = sqlx::query_as(
        "SELECT account_id, queued_at, EXTRACT(EPOCH FROM (pushed_at - queued_at))::float8 \
         FROM push_audit WHERE queued_at IS NOT NULL AND queued_at >= $1",
    )
    .bind(measure_from)
    .fetch_all(&pg)
    .await
    .map_err(fail)?;
    let all: Vec<f64> = pushes.iter().map(|p| p.2).collect();
    // Waiting for the takeover is the kill's cost, measured as takeover_s.
    let steady: Vec<f64> = pushes
        .iter()
        .filter(|(account, queued, _)| {
            killed.as_ref().is_none_or(|k| {
                let until = k.at
                    + chrono::Duration::milliseconds(
                        (report.takeover_s.unwrap_or(60.0) * 1000.0) as i64,
                    );
                !(k.accounts.contains(account) && *queued <= until)
            })
        })
        .map(|p| p.2)
        .collect();
    report.pushes_measured = all.len();
    report.p50_change_to_push_s = percentile(&steady, 0.50);
    report.p99_change_to_push_s = percentile(&steady, 0.99);
    report.p99_change_to_push_all_s = percentile(&all, 0.99);
    report.db_connections_max = sampler.connections_max;
    report.max_instance_rss_mib = sampler.rss_max_kib as f64 / 1024.0;

    for d in daemons.iter().flatten() {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &d.child.id().to_string()])
            .status();
    }
    for d in daemons.iter_mut().flatten() {
        let _ = d.child.wait();
    }
    store.close().await;
    sim.shutdown().await;
    Ok(report)
}

/// Links every shop's listings by seller SKU, a few shops at a time.
async fn link(store: &Store, config: &kho::config::Config) -> Result<(), Failure> {
    let transport = kho::channels::transport().map_err(fail)?;
    let ids: HashMap<String, i64> = store
        .accounts(None)
        .await?
        .into_iter()
        .map(|a| (a.name, a.id))
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for acc in &config.accounts {
        let channel = kho::channels::build(acc, &transport, store).map_err(fail)?;
        let id = *ids
            .get(&acc.name)
            .ok_or_else(|| fail(format!("account {} is missing", acc.name)))?;
        let store = store.clone();
        let producer = acc.producer.clone();
        tasks.spawn(async move {
            kho::sync::link::link(&store, channel.as_ref(), id, &producer, false, &|_| {})
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        while tasks.len() >= 16 {
            if let Some(r) = tasks.join_next().await {
                r.map_err(fail)?.map_err(fail)?;
            }
        }
    }
    while let Some(r) = tasks.join_next().await {
        r.map_err(fail)?.map_err(fail)?;
    }
    Ok(())
}

/// Stops the first live daemon (SIGSTOP), changes one SKU of each of its
/// shops, so every orphaned shop has a push waiting for whoever takes it
/// over, then SIGKILLs it.
async fn kill_one(
    daemons: &mut [Option<Daemon>],
    pg: &sqlx::PgPool,
    sim: &kho_simulator::shopee::SimHandle,
    store: &Store,
    skus: &[(usize, String)],
    account_ids: &HashMap<String, i64>,
) -> Result<Killed, Failure> {
    let slot = daemons
        .iter_mut()
        .find(|d| d.is_some())
        .ok_or_else(|| fail("no daemon left to kill"))?;
    let mut daemon = slot.take().ok_or_else(|| fail("no daemon left to kill"))?;
    let pid = daemon.child.id();
    // Frozen first, so the changes below wait for a survivor however long
    // they take to write; the instance stops working (and beating) here,
    // so this is when the takeover clock starts.
    let _ = std::process::Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .status();
    let kill_ms = sim.clock_ms();
    let at = chrono::Utc::now();
    let held: Vec<(String, i64)> =
        sqlx::query_as("SELECT owner, account_id FROM account_leases WHERE owner <> ''")
            .fetch_all(pg)
            .await
            .map_err(fail)?;
    let dead = held
        .iter()
        .map(|(o, _)| o)
        .find(|o| pid_of(o) == Some(pid))
        .cloned()
        .ok_or_else(|| fail(format!("no lease held by the killed instance (pid {pid})")))?;
    let orphan_ids: Vec<i64> = held
        .iter()
        .filter(|(o, _)| *o == dead)
        .map(|(_, a)| *a)
        .collect();
    let by_id: HashMap<i64, usize> = account_ids
        .iter()
        .filter_map(|(name, id)| Some((*id, name.strip_prefix("fleet-")?.parse().ok()?)))
        .collect();
    let opts = MoveOptions {
        reason: "fleet bench: after the kill",
        location: None,
        reference: None,
        actor: "bench",
        lot: None,
    };
    let mut shops = Vec::new();
    for id in &orphan_ids {
        let Some(&a) = by_id.get(id) else { continue };
        if let Some((_, sku)) = skus.iter().find(|(acc, _)| *acc == a) {
            let _ = inventory::add(store, sku, 1, &opts).await;
        }
        shops.push(FIRST_SHOP + a as i64);
    }
    let _ = daemon.child.kill();
    let _ = daemon.child.wait();
    Ok(Killed {
        kill_ms,
        at,
        shops,
        accounts: orphan_ids,
        instance: dead,
    })
}
