//! Order benchmarks (`kho bench orders`, `kho bench flash-sale`): figures
//! printed, never asserted. Each builds its own world — a fresh database,
//! the sample catalog, a Shopee simulator with three shops of one
//! cooperative, and the daemon in this process with webhooks pointed at it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kho_simulator::shopee::{
    NewOrder, NewOrderLine, OrderStatus, ShopConfig, SimConfig, SimControl, SimHandle, Simulator,
};
use serde_json::json;
use tokio::sync::oneshot;

use kho::cli::{Failure, Output};
use kho::config::{Backend, Config, DatabaseUrl, Sources};
use kho::store::catalog::import::import_bytes;
use kho::store::{Pool, Store};

const PARTNER_KEY: &str = "6b686f2d62656e63682d706172746e65722d6b6579";
const PRODUCER: &str = "htx-chi-lang";

fn fail<E: std::fmt::Display>(e: E) -> Failure {
    Failure::runtime(e.to_string())
}

/// A world to measure in; the daemon stops when it is dropped.
struct World {
    store: Store,
    sim: SimHandle,
    shops: Vec<i64>,
    stop: Option<oneshot::Sender<()>>,
    daemon: Option<tokio::task::JoinHandle<()>>,
    scratch: Scratch,
}

/// Where a world keeps its data, removed when it stops: a temporary SQLite
/// directory, or a schema of its own in the PostgreSQL database given (the
/// runs of one benchmark share it, and each must start empty).
enum Scratch {
    Dir(std::path::PathBuf),
    Schema { url: String, name: String },
}

impl Scratch {
    /// Scratch space and the database URL a world opens.
    async fn create(database: Option<&str>) -> Result<(Scratch, String), Failure> {
        match database {
            Some(url) => {
                if DatabaseUrl::parse(url).map_err(Failure::usage)?.backend() != Backend::Postgres {
                    return Err(Failure::usage(
                        "--database takes a PostgreSQL URL; without it a temporary SQLite file is used",
                    ));
                }
                let name = format!("kho_bench_{}_{}", std::process::id(), rand::random::<u32>());
                Self::execute(url, &format!("CREATE SCHEMA {name}")).await?;
                let sep = if url.contains('?') { '&' } else { '?' };
                let world = format!("{url}{sep}options=-c%20search_path%3D{name}");
                Ok((
                    Scratch::Schema {
                        url: url.to_owned(),
                        name,
                    },
                    world,
                ))
            }
            None => {
                let dir = std::env::temp_dir().join(format!(
                    "kho-bench-orders-{}-{}",
                    std::process::id(),
                    rand::random::<u32>()
                ));
                std::fs::create_dir_all(&dir).map_err(fail)?;
                let url = format!("sqlite://{}", dir.join("kho.db").display());
                Ok((Scratch::Dir(dir), url))
            }
        }
    }

    async fn execute(url: &str, sql: &str) -> Result<(), Failure> {
        use sqlx::Connection;
        let opts = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(url)
            .map_err(|e| Failure::usage(format!("--database: {e}")))?;
        let mut conn = sqlx::postgres::PgConnection::connect_with(&opts)
            .await
            .map_err(fail)?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .map_err(fail)?;
        conn.close().await.map_err(fail)
    }

    async fn remove(&self) {
        match self {
            Scratch::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Scratch::Schema { url, name } => {
                if let Err(e) = Self::execute(url, &format!("DROP SCHEMA {name} CASCADE")).await {
                    tracing::warn!(schema = %name, error = %e.message, "could not drop the benchmark's schema");
                }
            }
        }
    }
}

impl World {
    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(d) = self.daemon.take() {
            let _ = d.await;
        }
        self.sim.shutdown().await;
        self.store.close().await;
        self.scratch.remove().await;
    }
}

/// `allocation` is the TOML of each account's rule; `webhooks` false leaves
/// only polling every `poll`.
async fn world(
    database: Option<&str>,
    allocation: &str,
    webhooks: bool,
    poll: &str,
    stock: i64,
) -> Result<World, Failure> {
    let (scratch, url) = Scratch::create(database).await?;
    let store = Store::open(&DatabaseUrl::parse(&url).map_err(Failure::usage)?, 16).await?;
    import_bytes(
        &store,
        crate::demo::SAMPLE_CATALOG,
        "ocop-catalog.csv",
        false,
        "bench",
    )
    .await
    .map_err(fail)?;
    let mut entries: Vec<_> = kho::catalog::read_entries(crate::demo::SAMPLE_CATALOG)
        .map_err(|_| Failure::runtime("the built-in catalog is invalid"))?
        .into_iter()
        .filter(|e| e.producer_code == PRODUCER)
        .collect();
    // Every SKU starts with `stock` units in kho and on every shop.
    for e in &entries {
        kho::inventory::set(
            &store,
            &e.variant_sku,
            stock,
            &kho::inventory::MoveOptions {
                lot: None,
                reason: "bench",
                location: None,
                reference: None,
                actor: "bench",
            },
        )
        .await
        .map_err(fail)?;
    }
    for e in &mut entries {
        e.stock = stock;
    }
    let shops: Vec<i64> = (0..3).map(|i| 14_800_000 + i).collect();
    let sim = Simulator::start(SimConfig {
        partner_id: 2001887,
        partner_key: PARTNER_KEY.into(),
        shops: shops
            .iter()
            .map(|&shop_id| ShopConfig {
                shop_id,
                access_token: format!("{shop_id:032x}"),
                refresh_token: format!("{:032x}", shop_id + 1),
                items: crate::sim::shopee_items(&entries),
                rate_limit_per_second: None,
                ..ShopConfig::default()
            })
            .collect(),
        rate_limit_per_second: None,
        ..SimConfig::default()
    })
    .await
    .map_err(fail)?;
    // The daemon listens on a port the system picks (and names it in its
    // webhook URLs); the simulator learns it once the daemon has bound it.
    let mut toml = format!(
        "[database]\nurl = \"{url}\"\nmax_connections = 16\n[server]\nlisten = \"127.0.0.1:0\"\npublic_url = \"http://127.0.0.1:0\"\n[sync]\norder_poll_interval = \"{poll}\"\n\n"
    );
    for shop in &shops {
        toml.push_str(&format!(
            "[[accounts]]\nname = \"shop-{shop}\"\nchannel = \"shopee\"\nproducer = \"{PRODUCER}\"\nbase_url = \"{}\"\n\
             rate_limit = {{ per_second = 1000 }}\nallocation = {allocation}\n\
             credentials = {{ partner_id = 2001887, partner_key = \"{PARTNER_KEY}\", shop_id = {shop}, access_token = \"{shop:032x}\", refresh_token = \"{:032x}\" }}\n\n",
            sim.base_url(),
            shop + 1
        ));
    }
    static WORLDS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let world_no = WORLDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path =
        std::env::temp_dir().join(format!("kho-bench-{}-{world_no}.toml", std::process::id()));
    std::fs::write(&path, toml).map_err(fail)?;
    let config = Config::load(Sources {
        file: Some(&path),
        env: Some(kho::secrets::ephemeral_env()),
    })
    .map_err(|e| Failure::usage(e.to_string()))?;
    store.set_keyring(config.secrets.keyring());
    let _ = std::fs::remove_file(&path);
    store.sync_accounts(&config.accounts, true).await?;
    let transport = kho::channels::transport().map_err(fail)?;
    for (acc, row) in config.accounts.iter().zip(store.accounts(None).await?) {
        let ch = kho::channels::build(acc, &transport, &store).map_err(fail)?;
        kho::sync::link::link(&store, ch.as_ref(), row.id, PRODUCER, false, &|_| {})
            .await
            .map_err(fail)?;
    }
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (ready_tx, ready_rx) = oneshot::channel::<std::net::SocketAddr>();
    let daemon_store = store.clone();
    let daemon = tokio::spawn(async move {
        let _ = kho::daemon::serve(
            &config,
            daemon_store,
            None,
            move |addr| {
                let _ = ready_tx.send(addr);
            },
            async {
                let _ = stop_rx.await;
            },
        )
        .await;
    });
    let addr = ready_rx
        .await
        .map_err(|_| Failure::runtime("the daemon stopped before it listened"))?;
    if webhooks {
        sim.set_callback_url(Some(format!("http://{addr}/webhooks/shopee")));
        sim.set_auto_push(true);
    } else {
        sim.set_callback_url(None);
    }
    Ok(World {
        store,
        sim,
        shops,
        stop: Some(stop_tx),
        daemon: Some(daemon),
        scratch,
    })
}

fn line_for(sim: &SimControl, shop: i64, sku: &str) -> Option<NewOrderLine> {
    let state = sim.state();
    let (item, model) = state.find_sku(shop, sku)?;
    Some(NewOrderLine {
        item_id: item.item_id,
        model_id: model.map_or(0, |m| m.model_id),
        quantity: 1,
        discounted_price: None,
    })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Order → every other shop pushed: latency from the webhook's receipt to the
/// first push to each other shop that left after it, at `rate` orders/s.
pub async fn latency(
    database: Option<&str>,
    rate: u32,
    seconds: u64,
    out: &Output,
) -> Result<(), Failure> {
    let w = world(database, "{ mode = \"shared\" }", true, "1h", 90_000).await?;
    let skus = ["NA-CHILANG-1KG", "NA-CHILANG-2KG", "NA-CHILANG-5KG"];
    let total = u64::from(rate) * seconds;
    let gap = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let started = Instant::now();
    let mut next = tokio::time::Instant::now();
    for i in 0..total {
        let shop = w.shops[(i % 3) as usize];
        let sku = skus[(i as usize / 3) % skus.len()];
        if let Some(line) = line_for(&w.sim, shop, sku) {
            let _ = w.sim.create_order(NewOrder {
                shop_id: shop,
                status: OrderStatus::Unpaid,
                lines: vec![line],
                ..NewOrder::default()
            });
        }
        next += gap;
        tokio::time::sleep_until(next).await;
    }
    let offered = started.elapsed().as_secs_f64();
    // Let the queues drain.
    let drain = Instant::now();
    loop {
        let pending: i64 = w.store.queue_stats().await?.iter().map(|q| q.pending).sum();
        let backlog = w
            .store
            .order_stats(chrono::Utc::now() - chrono::Duration::days(1))
            .await?
            .webhook_backlog;
        if (pending == 0 && backlog == 0) || drain.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut lat = order_latencies(&w.store).await?;
    lat.sort_by(f64::total_cmp);
    let calls: u64 = w.sim.request_log().calls("/api/v2/product/update_stock");
    let doc = json!({
        "benchmark": "order-to-push latency",
        "backend": w.store.backend(),
        "orders": total,
        "offered_rate": total as f64 / offered,
        "measured": lat.len(),
        "p50_ms": percentile(&lat, 0.5),
        "p99_ms": percentile(&lat, 0.99),
        "max_ms": lat.last().copied().unwrap_or(f64::NAN),
        "update_stock_calls": calls,
    });
    out.doc(&doc, || format!(
        "order → other shops pushed, {total} orders at {:.0}/s over 3 shops ({:?}): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms ({} measured); {calls} update_stock calls",
        total as f64 / offered, w.store.backend(), percentile(&lat, 0.5), percentile(&lat, 0.99), lat.last().copied().unwrap_or(f64::NAN), lat.len()
    ));
    w.stop().await;
    Ok(())
}

/// For each stored webhook: from its receipt to the latest of the first
/// pushes after it to each other account listing the order's SKUs.
async fn order_latencies(store: &Store) -> Result<Vec<f64>, Failure> {
    const SQL: &str = "SELECT CAST(MAX(first_push) AS TEXT) AS t, received FROM ( \
         SELECT w.id AS wid, CAST(w.received_at AS TEXT) AS received, l2.id AS lid, MIN(a.pushed_at) AS first_push \
         FROM webhook_events w \
         JOIN orders o ON o.account_id = w.account_id AND w.body LIKE '%' || o.remote_order_id || '%' \
         JOIN order_lines ol ON ol.order_id = o.id \
         JOIN listings l2 ON l2.variant_id = ol.variant_id AND l2.account_id <> w.account_id \
         JOIN push_audit a ON a.listing_id = l2.id AND a.kind = 'stock' AND a.pushed_at >= w.received_at \
         GROUP BY w.id, w.received_at, l2.id) x GROUP BY wid, received";
    let rows: Vec<(Option<String>, String)> = match store.pool() {
        Pool::Sqlite(p) => sqlx::query_as(SQL).fetch_all(p).await.map_err(fail)?,
        Pool::Postgres(p) => sqlx::query_as(SQL).fetch_all(p).await.map_err(fail)?,
    };
    let parse = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(&s.replace(' ', "T"))
            .or_else(|_| chrono::DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%#z"))
            .ok()
    };
    Ok(rows
        .into_iter()
        .filter_map(|(t, r)| {
            let (t, r) = (parse(&t?)?, parse(&r)?);
            Some((t - r).num_microseconds()? as f64 / 1000.0)
        })
        .collect())
}

/// What every shop shows of `sku` against its allocation of what kho holds
/// available, once the SKU has come to rest: waits (up to `limit`) for every
/// shop to show its allocation. Returns (shown per shop,
/// available, seconds it took, whether every shop showed it).
async fn at_rest(
    w: &World,
    sku: &str,
    orders: usize,
    limit: Duration,
) -> Result<(Vec<i64>, i64, f64, bool), Failure> {
    let started = Instant::now();
    let variant = w
        .store
        .find_sku(sku)
        .await?
        .ok_or_else(|| Failure::runtime(format!("{sku} is not in the catalog")))?
        .variant_id;
    loop {
        // Every order placed must have reached kho before the shops are
        // judged (ingestion may lag behind a flash sale).
        let backlog = w
            .store
            .order_stats(chrono::Utc::now() - chrono::Duration::days(1))
            .await?
            .webhook_backlog;
        let seen = w.store.orders(None, None, 100_000).await?.len();
        if (backlog > 0 || seen < orders) && started.elapsed() <= limit {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let levels = w.store.stock_levels(variant).await?;
        let available: i64 = levels.iter().map(|l| l.on_hand - l.reserved).sum();
        let shown: Vec<i64> = w
            .shops
            .iter()
            .map(|s| w.sim.state().stock_of(*s, sku).unwrap_or(0))
            .collect();
        // Each shop's allocation at rest, as the policy computes it (the
        // whole of it in shared mode, its quota less its sales in partition).
        let mut right = true;
        for (shop, shows) in w.shops.iter().zip(&shown) {
            let account = w
                .store
                .accounts(None)
                .await?
                .into_iter()
                .find(|a| a.name == format!("shop-{shop}"))
                .ok_or_else(|| Failure::runtime(format!("no account for shop {shop}")))?;
            let (inputs, _) = w.store.plan_inputs(account.id).await?;
            let want = inputs
                .iter()
                .find(|l| l.account_id == account.id && l.variant_id == variant)
                .map(|l| l.at_rest());
            right &= want == Some(*shows);
        }
        if right || started.elapsed() > limit {
            return Ok((shown, available, started.elapsed().as_secs_f64(), right));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// 1,000 buyers, 200 units of one SKU, three shops, everyone at once; `runs`
/// times per allocation mode.
pub async fn flash_sale(database: Option<&str>, runs: u32, out: &Output) -> Result<(), Failure> {
    let mut results = Vec::new();
    let modes = [
        (
            "partition",
            "{ mode = \"partition\", share = 33 }",
            true,
            "1h",
        ),
        ("shared", "{ mode = \"shared\" }", true, "1h"),
        (
            "shared, polling every 5 min, no webhooks",
            "{ mode = \"shared\" }",
            false,
            "5m",
        ),
    ];
    for (mode, allocation, webhooks, poll) in modes {
        // Polling every five minutes cannot come to rest within a run.
        let runs = if webhooks { runs.max(1) } else { 1 };
        for run in 1..=runs {
            let w = world(database, allocation, webhooks, poll, 200).await?;
            let sku = "NA-CHILANG-1KG";
            // Let the first sync settle what each shop shows.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let shown: Vec<i64> = w
                .shops
                .iter()
                .map(|s| w.sim.state().stock_of(*s, sku).unwrap_or(0))
                .collect();
            let before_calls = w.sim.request_log().calls("/api/v2/product/update_stock");
            let sim = Arc::new(w.sim.control());
            let mut buyers = tokio::task::JoinSet::new();
            for i in 0..1000usize {
                let sim = sim.clone();
                let shop = w.shops[i % 3];
                buyers.spawn(async move {
                    // Buyers trickle in over about two seconds, all shops at once.
                    tokio::time::sleep(Duration::from_micros((i as u64 * 2000) % 2_000_000)).await;
                    let Some(line) = line_for(&sim, shop, sku) else {
                        return false;
                    };
                    sim.create_order(NewOrder {
                        shop_id: shop,
                        status: OrderStatus::ReadyToShip,
                        lines: vec![line],
                        ..NewOrder::default()
                    })
                    .is_ok()
                });
            }
            let mut sold = 0i64;
            while let Some(r) = buyers.join_next().await {
                if matches!(r, Ok(true)) {
                    sold += 1;
                }
            }
            let (end_shown, available, settle_s, at_rest) = if webhooks {
                at_rest(
                    &w,
                    sku,
                    usize::try_from(sold).unwrap_or(0),
                    Duration::from_secs(30),
                )
                .await?
            } else {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let shown = w
                    .shops
                    .iter()
                    .map(|s| w.sim.state().stock_of(*s, sku).unwrap_or(0))
                    .collect();
                (shown, 200 - sold, f64::NAN, false)
            };
            let calls = w.sim.request_log().calls("/api/v2/product/update_stock") - before_calls;
            let stock_changes = w.store.orders(None, None, 100_000).await?.len().max(1);
            results.push(json!({
                "mode": mode,
                "run": run,
                "backend": w.store.backend(),
                "shown_at_start": shown,
                "units_sold": sold,
                "oversold": (sold - 200).max(0),
                "shown_at_end": end_shown,
                "available_at_end": available,
                "every_shop_shows_available": at_rest,
                "seconds_to_rest": settle_s,
                "update_stock_calls": calls,
                "api_calls_per_stock_change": calls as f64 / stock_changes as f64,
            }));
            w.stop().await;
        }
    }
    out.doc(&json!({ "benchmark": "flash sale: 1000 buyers, 200 units, 3 shops", "runs": results }), || {
        let mut s = String::from("flash sale: 1,000 buyers, 200 units of one SKU, 3 shops at once\n");
        for r in &results {
            s.push_str(&format!(
                "  {:<42} run {}: sold {:>4}, oversold {:>4}, shown at start {}, at end {} of {} available ({}), {:.2} API calls per stock change\n",
                r["mode"].as_str().unwrap_or_default(),
                r["run"],
                r["units_sold"],
                r["oversold"],
                r["shown_at_start"],
                r["shown_at_end"],
                r["available_at_end"],
                if r["every_shop_shows_available"].as_bool().unwrap_or(false) {
                    format!("every shop right after {:.1} s", r["seconds_to_rest"].as_f64().unwrap_or_default())
                } else {
                    "not at rest".to_owned()
                },
                r["api_calls_per_stock_change"].as_f64().unwrap_or_default()
            ));
        }
        s
    });
    Ok(())
}

/// `orders` orders over three shared shops of four SKUs with 400 units each,
/// in rounds of 100 (about a second each); after each round 10 % of its
/// orders are cancelled and 2 % shipped and returned. Then, per SKU, the
/// time from its last event until every shop shows what is available, and
/// at the end the units hidden (available but not shown) and oversold.
pub async fn cancellations(
    database: Option<&str>,
    orders: u32,
    out: &Output,
) -> Result<(), Failure> {
    use rand::{Rng, SeedableRng};
    const STOCK: i64 = 400;
    let w = world(database, "{ mode = \"shared\" }", true, "1h", STOCK).await?;
    let skus = [
        "NA-CHILANG-1KG",
        "NA-CHILANG-2KG",
        "NA-CHILANG-5KG",
        "NA-SAY-200G",
    ];
    let skus: Vec<&str> = skus
        .into_iter()
        .filter(|s| line_for(&w.sim, w.shops[0], s).is_some())
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before_calls = w.sim.request_log().calls("/api/v2/product/update_stock");
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    let (mut placed, mut cancelled, mut returned, mut refused) = (0u32, 0u32, 0u32, 0u32);
    let mut latencies = Vec::new();
    let mut not_at_rest = 0usize;
    let mut remaining = orders;
    while remaining > 0 {
        let round = remaining.min(100);
        remaining -= round;
        let mut last_event: std::collections::HashMap<&str, Instant> = Default::default();
        let mut made: Vec<(String, &str)> = Vec::new();
        for _ in 0..round {
            let sku = skus[rng.random_range(0..skus.len())];
            let shop = w.shops[rng.random_range(0..3)];
            let Some(line) = line_for(&w.sim, shop, sku) else {
                continue;
            };
            match w.sim.create_order(NewOrder {
                shop_id: shop,
                status: OrderStatus::ReadyToShip,
                lines: vec![line],
                ..NewOrder::default()
            }) {
                Ok(o) => {
                    placed += 1;
                    made.push((o.order_sn, sku));
                    last_event.insert(sku, Instant::now());
                }
                Err(_) => refused += 1,
            }
            tokio::time::sleep(Duration::from_millis(8)).await;
        }
        for (sn, sku) in &made {
            let roll = rng.random_range(0..100);
            let result = if roll < 10 {
                cancelled += 1;
                w.sim
                    .set_order_status(sn, OrderStatus::Cancelled)
                    .map(|_| ())
            } else if roll < 12 {
                returned += 1;
                w.sim
                    .set_order_status(sn, OrderStatus::Shipped)
                    .and_then(|_| w.sim.set_order_status(sn, OrderStatus::ToReturn))
                    .map(|_| ())
            } else {
                continue;
            };
            result.map_err(fail)?;
            last_event.insert(sku, Instant::now());
            tokio::time::sleep(Duration::from_millis(8)).await;
        }
        // Per SKU: from its last event to every shop showing what is
        // available.
        let mut pending: Vec<(&str, Instant)> = last_event.into_iter().collect();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !pending.is_empty() && Instant::now() < deadline {
            let mut still = Vec::new();
            for (sku, at) in pending {
                let variant = match w.store.find_sku(sku).await? {
                    Some(v) => v.variant_id,
                    None => continue,
                };
                let available: i64 = w
                    .store
                    .stock_levels(variant)
                    .await?
                    .iter()
                    .map(|l| l.on_hand - l.reserved)
                    .sum();
                let right = w
                    .shops
                    .iter()
                    .all(|s| w.sim.state().stock_of(*s, sku).unwrap_or(-1) == available.max(0));
                if right {
                    latencies.push(at.elapsed().as_secs_f64() * 1000.0);
                } else {
                    still.push((sku, at));
                }
            }
            pending = still;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        not_at_rest += pending.len();
    }
    // At the end: hidden and oversold units per SKU.
    let (mut hidden, mut excess, mut oversold) = (0i64, 0i64, 0i64);
    for sku in &skus {
        let Some(v) = w.store.find_sku(sku).await? else {
            continue;
        };
        let available: i64 = w
            .store
            .stock_levels(v.variant_id)
            .await?
            .iter()
            .map(|l| l.on_hand - l.reserved)
            .sum();
        oversold += (-available).max(0);
        for s in &w.shops {
            let shown = w.sim.state().stock_of(*s, sku).unwrap_or(0);
            hidden += (available.max(0) - shown).max(0);
            excess += (shown - available.max(0)).max(0);
        }
    }
    latencies.sort_by(f64::total_cmp);
    let calls = w.sim.request_log().calls("/api/v2/product/update_stock") - before_calls;
    let quiet = w.store.stock_policy().quiet.as_secs_f64() * 1000.0;
    let doc = json!({
        "benchmark": "cancellations",
        "backend": w.store.backend(),
        "orders_placed": placed,
        "orders_refused_out_of_stock": refused,
        "cancelled": cancelled,
        "returned": returned,
        "units_hidden_at_rest": hidden,
        "units_shown_beyond_available_at_rest": excess,
        "units_oversold": oversold,
        "skus_not_at_rest": not_at_rest,
        "quiet_window_ms": quiet,
        "last_event_to_right_p50_ms": percentile(&latencies, 0.5),
        "last_event_to_right_p99_ms": percentile(&latencies, 0.99),
        "last_event_to_right_max_ms": latencies.last().copied().unwrap_or(f64::NAN),
        "update_stock_calls": calls,
    });
    out.doc(&doc, || {
        format!(
            "cancellations ({:?}): {placed} orders on 3 shared shops ({refused} refused, out of stock), {cancelled} cancelled, {returned} returned\n  \
             at rest: {hidden} unit(s) hidden, {excess} shown beyond available, {oversold} oversold, {not_at_rest} SKU round(s) never at rest\n  \
             last event of a SKU → every shop right: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (quiet window {quiet:.0} ms); {calls} update_stock calls\n",
            w.store.backend(),
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            latencies.last().copied().unwrap_or(f64::NAN),
        )
    });
    w.stop().await;
    Ok(())
}
