//! `kho demo`: everything on one machine — a fresh SQLite database with the
//! sample OCOP catalog, a simulator for every marketplace (a Shopee one with
//! two cooperatives' shops, a TikTok Shop one and a Lazada one with a shop
//! each, and a WooCommerce site for a cooperative that had no shop, all
//! already listing their SKUs), the daemon linking and syncing
//! them, and a trickle of stock changes so something moves. Ctrl-C stops it
//! cleanly.

use std::path::PathBuf;
use std::time::Duration;

use crate::sim::world::{SimWorld, link_accounts, order_traffic};
use rand::Rng;
use rand::seq::IndexedRandom;

use chrono::TimeDelta;
use kho::auth::Role;
use kho::config::{Config, DatabaseUrl, Sources};
use kho::inventory::{self, MoveOptions};
use kho::store::Store;
use kho::store::catalog::import::import_bytes;
use kho::store::sessions::Grant;

/// The sample catalog, built in so the demo runs from anywhere.
pub const SAMPLE_CATALOG: &[u8] = include_bytes!("../../data/ocop-catalog.csv");

/// Where the demo listens unless told otherwise (and the port is free).
const DEFAULT_LISTEN: (&str, u16) = ("127.0.0.1", 8080);

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Store(#[from] kho::store::StoreError),
    #[error(transparent)]
    Daemon(#[from] kho::daemon::DaemonError),
}

fn setup<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> DemoError + '_ {
    move |e| DemoError::Setup(format!("{what}: {e}"))
}

pub async fn run(listen: Option<std::net::SocketAddr>) -> Result<(), DemoError> {
    let dir = std::env::temp_dir().join(format!("kho-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(setup("cannot create the demo directory"))?;
    let result = run_in(&dir, listen).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_in(
    dir: &std::path::Path,
    listen: Option<std::net::SocketAddr>,
) -> Result<(), DemoError> {
    let db_url = format!("sqlite://{}", dir.join("kho.db").display());
    let store = Store::open(&DatabaseUrl::parse(&db_url).map_err(DemoError::Setup)?, 8).await?;
    let plan = import_bytes(&store, SAMPLE_CATALOG, "ocop-catalog.csv", false, "demo")
        .await
        .map_err(setup("cannot import the sample catalog"))?;
    let entries = kho::catalog::read_entries(SAMPLE_CATALOG)
        .map_err(|_| DemoError::Setup("the built-in catalog is invalid".into()))?;

    // The shops list every SKU already, a little out of date, as shops do
    // before a tool like kho takes over.
    let world = SimWorld::start(entries, 10)
        .await
        .map_err(DemoError::Setup)?;

    // Bound once and handed to the daemon, so the address written into the
    // configuration and the marketplaces' webhook URLs (Shopee's push
    // signature names it) is the one the daemon listens on.
    let listener = match listen {
        Some(addr) => tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| DemoError::Setup(format!("cannot listen on {addr}: {e}")))?,
        // 8080 when free, as the README shows; any free port otherwise.
        None => match tokio::net::TcpListener::bind(DEFAULT_LISTEN).await {
            Ok(listener) => listener,
            Err(_) => tokio::net::TcpListener::bind(("127.0.0.1", 0))
                .await
                .map_err(setup("cannot find a free port"))?,
        },
    };
    let listen = listener
        .local_addr()
        .map_err(setup("cannot read the listening address"))?;
    // Listening on every interface (`--listen 0.0.0.0:8080`, as in a
    // container) still reaches itself, and is shown, through loopback: the
    // simulators run in this process and a browser cannot open 0.0.0.0.
    let local = if listen.ip().is_unspecified() {
        std::net::SocketAddr::from(([127, 0, 0, 1], listen.port()))
    } else {
        listen
    };
    // A throw-away sealing key beside the throw-away database, so the
    // commands printed below work with the demo's configuration file.
    let key_path = dir.join("secret.key");
    write_private(&key_path, &kho::secrets::generate_key())
        .map_err(setup("cannot write the demo's secret key"))?;
    let mut toml = format!(
        "[database]\nurl = \"{db_url}\"\n\n[server]\nlisten = \"{listen}\"\npublic_url = \"http://{local}\"\n\n[sync]\norder_poll_interval = \"30s\"\n\n[secrets]\nkey = \"file:{}\"\n\n",
        key_path.display()
    );
    world.send_webhooks_to(local);
    toml.push_str(&world.accounts_toml().map_err(DemoError::Setup)?);
    let config_path: PathBuf = dir.join("kho.toml");
    std::fs::write(&config_path, &toml).map_err(setup("cannot write the demo configuration"))?;
    let config = Config::load(Sources {
        file: Some(&config_path),
        env: Some(Default::default()),
    })
    .map_err(setup("invalid demo configuration"))?;
    store.set_keyring(config.secrets.keyring());

    let delist = true;
    store.sync_accounts(&config.accounts, delist).await?;
    for (account, linked) in link_accounts(&store, &config)
        .await
        .map_err(DemoError::Setup)?
    {
        println!("linked {linked} listing(s) of {account}");
    }

    println!(
        "kho demo: {} products, {} SKUs imported into {db_url}",
        plan.new_products.len(),
        plan.new_variants.len()
    );
    println!(
        "Shopee simulator: {} (state: {}/_sim/state)",
        world.shopee.base_url(),
        world.shopee.base_url()
    );
    println!(
        "TikTok Shop simulator: {} (state: {}/_sim/state)",
        world.tiktok.base_url(),
        world.tiktok.base_url()
    );
    println!(
        "Lazada simulator: {} (state: {}/_sim/state)",
        world.lazada.base_url(),
        world.lazada.control_url()
    );
    println!(
        "WooCommerce site: {} (state: {}/_sim/state)",
        world.woocommerce.base_url(),
        world.woocommerce.control_url()
    );
    println!(
        "Tiki simulator: {} (state: {}/state)",
        world.tiki.base_url(),
        world.tiki.control_url()
    );
    // Tokens for the dashboard: one that sees every cooperative, one that
    // sees only its own (shown once, like `kho token create`).
    let (_, admin_token) = store
        .create_token("demo admin", kho::auth::Role::Admin, None)
        .await
        .map_err(setup("dashboard token"))?;
    let coop = crate::sim::world::SHOPEE_SHOPS[0].1;
    let (_, coop_token) = store
        .create_token(
            &format!("demo {coop}"),
            kho::auth::Role::Cooperative,
            Some(coop),
        )
        .await
        .map_err(setup("dashboard token"))?;
    // One-time sign-in links, as `kho login-link` makes them: open one in
    // a browser (or scan it from a phone on the same network) to sign in.
    let links = [
        (
            "admin (every cooperative)",
            Role::Admin,
            None,
            "Quản trị demo",
        ),
        (
            "department (reads everything)",
            Role::Department,
            None,
            "Sở demo",
        ),
        (
            "cooperative",
            Role::Cooperative,
            Some(coop),
            "Hợp tác xã demo",
        ),
    ];
    println!("dashboard: http://{local}/ — one-time sign-in links, valid 8 hours:");
    for (who, role, producer, person) in links {
        let grant = Grant {
            role,
            producer: producer.map(str::to_owned),
        };
        let link = store
            .create_login_link(&grant, Some(person), TimeDelta::hours(8), "demo")
            .await
            .map_err(setup("sign-in link"))?;
        let who = producer.map_or(who.to_owned(), |p| format!("{who} {p}"));
        println!(
            "  {who}: {}",
            kho::cli::login_link_url(&config.server.public_url, &link.secret)
        );
    }
    println!("or sign in with a token (also for the API: Authorization: Bearer …):");
    println!("  admin (every cooperative): {admin_token}");
    println!("  {coop} only:  {coop_token}");
    println!("look around while it runs:");
    println!(
        "  cargo run --release -- --config {} status",
        config_path.display()
    );
    println!(
        "  cargo run --release -- --config {} stock add NA-CHILANG-1KG -5",
        config_path.display()
    );

    let skus = world.skus();
    let trickle_store = store.clone();
    let trickle = tokio::spawn(async move {
        let opts = MoveOptions {
            lot: None,
            reason: "demo: simulated sale or delivery",
            location: None,
            reference: None,
            actor: "demo",
        };
        let mut changes = 0u64;
        loop {
            tokio::time::sleep(Duration::from_millis(400)).await;
            let (sku, delta) = {
                let mut rng = rand::rng();
                let Some(sku) = skus.choose(&mut rng).cloned() else {
                    return;
                };
                let delta: i64 = if rng.random_bool(0.7) {
                    -rng.random_range(1..=3)
                } else {
                    rng.random_range(5..=20)
                };
                (sku, delta)
            };
            if inventory::add(&trickle_store, &sku, delta, &opts)
                .await
                .is_ok()
            {
                changes += 1;
            }
            if changes.is_multiple_of(25) && changes > 0 {
                let pushed = trickle_store
                    .queue_stats()
                    .await
                    .map(|q| q.iter().map(|s| s.pending).sum::<i64>())
                    .unwrap_or(0);
                println!("{changes} stock changes so far; {pushed} push(es) pending");
            }
        }
    });

    let orders = tokio::spawn(order_traffic(
        world.shops(),
        Duration::from_millis(350),
        |line| println!("{line}"),
    ));

    let result = kho::daemon::serve_on(
        &config,
        store.clone(),
        None,
        listener,
        move |_| println!("daemon: http://{local}/metrics · http://{local}/readyz · Ctrl-C stops"),
        kho::daemon::signal(),
    )
    .await;
    trickle.abort();
    orders.abort();
    world.shutdown().await;
    store.close().await;
    println!("kho demo stopped");
    result.map_err(Into::into)
}

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}
