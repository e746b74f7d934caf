//! `kho demo`: everything on one machine — a fresh SQLite database with the
//! sample OCOP catalog, a simulator for every marketplace (a Shopee one with
//! two cooperatives' shops, a TikTok Shop one and a Lazada one with a shop
//! each, all already listing their SKUs), the daemon linking and syncing
//! them, and a trickle of stock changes so something moves. Ctrl-C stops it
//! cleanly.

use std::path::PathBuf;
use std::time::Duration;

use kho_simulator::shopee::{ShopConfig, SimConfig, Simulator};
use kho_simulator::{lazada, tiktok};
use rand::Rng;
use rand::seq::IndexedRandom;

use crate::catalog::CatalogEntry;
use crate::catalog::import::import_bytes;
use crate::config::{Config, DatabaseUrl, Sources};
use crate::inventory::{self, MoveOptions};
use crate::store::Store;

/// The sample catalog, built in so the demo runs from anywhere.
pub const SAMPLE_CATALOG: &[u8] = include_bytes!("../data/ocop-catalog.csv");

const PARTNER_ID: i64 = 2001887;
const PARTNER_KEY: &str = "6b686f2d64656d6f2d706172746e65722d6b65792d6e6f742d612d736563726574";
const SHOPS: [(&str, &str, i64); 2] = [
    ("shopee-chi-lang", "htx-chi-lang", 14_701_711),
    ("shopee-bao-lam", "htx-bao-lam", 14_701_712),
];
/// The demo's TikTok App and its one shop (the simulator's default shop id,
/// cipher and warehouse), selling Quýt Bắc Sơn.
const TIKTOK_APP_KEY: &str = "6khodemo7t1k";
const TIKTOK_APP_SECRET: &str = "6b686f2d64656d6f2d74696b746f6b2d736563726574";
const TIKTOK_SHOP: (&str, &str) = ("tiktok-bac-son", "htx-bac-son");
/// The demo's Lazada App and its one seller, selling Thạch đen Tràng Định.
const LAZADA_APP_KEY: &str = "120001";
const LAZADA_APP_SECRET: &str = "6b686f2d64656d6f2d6c617a6164612d736563726574";
const LAZADA_SELLER: (&str, &str) = ("lazada-trang-dinh", "htx-trang-dinh");

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Daemon(#[from] crate::daemon::DaemonError),
}

/// A producer's catalog as its shops list it before kho takes over: every
/// SKU, each showing a little more stock than there is.
fn listed(entries: &[CatalogEntry], producer: &str) -> Vec<CatalogEntry> {
    entries
        .iter()
        .filter(|e| e.producer_code == producer)
        .cloned()
        .map(|mut e| {
            e.stock += 5;
            e
        })
        .collect()
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
    let entries = crate::catalog::read_entries(SAMPLE_CATALOG)
        .map_err(|_| DemoError::Setup("the built-in catalog is invalid".into()))?;

    // The shops list every SKU already, a little out of date, as shops do
    // before a tool like kho takes over.
    let mut sim_config = SimConfig {
        partner_id: PARTNER_ID,
        partner_key: PARTNER_KEY.into(),
        shops: Vec::new(),
        rate_limit_per_second: Some(10),
        ..SimConfig::default()
    };
    for (i, (_, producer, shop_id)) in SHOPS.iter().enumerate() {
        let mine = listed(&entries, producer);
        sim_config.shops.push(ShopConfig {
            shop_id: *shop_id,
            access_token: format!("{:032x}", 0xdead_0001_u64 + i as u64),
            refresh_token: format!("{:032x}", 0xbeef_0001_u64 + i as u64),
            items: crate::sim::shopee_items(&mine),
            ..ShopConfig::default()
        });
    }
    let sim = Simulator::start(sim_config)
        .await
        .map_err(setup("cannot start the Shopee simulator"))?;
    let tiktok_sim = tiktok::Simulator::start(tiktok::SimConfig {
        app_key: TIKTOK_APP_KEY.into(),
        app_secret: TIKTOK_APP_SECRET.into(),
        shops: vec![tiktok::ShopConfig {
            name: "HTX Bắc Sơn".into(),
            products: crate::sim::tiktok_products(&listed(&entries, TIKTOK_SHOP.1)),
            ..tiktok::ShopConfig::default()
        }],
        rate_limit_per_second: Some(10),
        ..tiktok::SimConfig::default()
    })
    .await
    .map_err(setup("cannot start the TikTok Shop simulator"))?;
    let lazada_sim = lazada::Simulator::start(lazada::SimConfig {
        app_key: LAZADA_APP_KEY.into(),
        app_secret: LAZADA_APP_SECRET.into(),
        sellers: vec![lazada::SellerConfig {
            products: crate::sim::lazada_products(&listed(&entries, LAZADA_SELLER.1)),
            rate_limit_per_second: Some(10),
            ..lazada::SellerConfig::default()
        }],
        ..lazada::SimConfig::default()
    })
    .await
    .map_err(setup("cannot start the Lazada simulator"))?;

    let listen = listen.unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 8080)));
    // A concrete port, even when 8080 is taken: the marketplaces' webhook
    // URLs (and Shopee's push signature) name it.
    let listen = match std::net::TcpListener::bind(listen) {
        Ok(_) => listen,
        Err(_) => std::net::TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .map_err(setup("cannot find a free port"))?,
    };
    let mut toml = format!(
        "[database]\nurl = \"{db_url}\"\n\n[server]\nlisten = \"{listen}\"\npublic_url = \"http://{listen}\"\n\n[sync]\norder_poll_interval = \"30s\"\n\n"
    );
    sim.set_callback_url(Some(format!("http://{listen}/webhooks/shopee")));
    sim.set_auto_push(true);
    tiktok_sim.set_callback_url(Some(format!("http://{listen}/webhooks/tiktok")));
    tiktok_sim.set_auto_webhooks(true);
    lazada_sim.set_callback_url(Some(format!("http://{listen}/webhooks/lazada")));
    lazada_sim.set_auto_push(true);
    for (i, (account, producer, shop_id)) in SHOPS.iter().enumerate() {
        toml.push_str(&format!(
            "[[accounts]]\nname = \"{account}\"\nchannel = \"shopee\"\nproducer = \"{producer}\"\n\
             base_url = \"{}\"\nrate_limit = {{ per_second = 10 }}\n\
             allocation = {{ mode = \"shared\", buffer = 2, percent = 100 }}\n\
             credentials = {{ partner_id = {PARTNER_ID}, partner_key = \"{PARTNER_KEY}\", shop_id = {shop_id}, \
             access_token = \"{:032x}\", refresh_token = \"{:032x}\" }}\n\n",
            sim.base_url(),
            0xdead_0001_u64 + i as u64,
            0xbeef_0001_u64 + i as u64
        ));
    }
    toml.push_str(&tiktok_account(&tiktok_sim)?);
    toml.push_str(&lazada_account(&lazada_sim)?);
    let config_path: PathBuf = dir.join("kho.toml");
    std::fs::write(&config_path, &toml).map_err(setup("cannot write the demo configuration"))?;
    let config = Config::load(Sources {
        file: Some(&config_path),
        env: Some(Default::default()),
    })
    .map_err(setup("invalid demo configuration"))?;

    let delist = true;
    store.sync_accounts(&config.accounts, delist).await?;
    let transport = crate::channels::transport().map_err(setup("HTTP transport"))?;
    let rows = store.accounts(None).await?;
    for acc in &config.accounts {
        let channel = crate::channels::build(acc, &transport, &store).map_err(setup("adapter"))?;
        let id = rows
            .iter()
            .find(|r| r.name == acc.name)
            .map(|r| r.id)
            .ok_or_else(|| DemoError::Setup(format!("account {} missing", acc.name)))?;
        let report =
            crate::sync::link::link(&store, channel.as_ref(), id, &acc.producer, false, &|_| {})
                .await
                .map_err(setup("linking"))?;
        println!("linked {} listing(s) of {}", report.linked.len(), acc.name);
    }

    println!(
        "kho demo: {} products, {} SKUs imported into {db_url}",
        plan.new_products.len(),
        plan.new_variants.len()
    );
    println!(
        "Shopee simulator: {} (state: {}/_sim/state)",
        sim.base_url(),
        sim.base_url()
    );
    println!(
        "TikTok Shop simulator: {} (state: {}/_sim/state)",
        tiktok_sim.base_url(),
        tiktok_sim.base_url()
    );
    println!(
        "Lazada simulator: {} (state: {}/_sim/state)",
        lazada_sim.base_url(),
        lazada_sim.control_url()
    );
    // Tokens for the dashboard: one that sees every cooperative, one that
    // sees only its own (shown once, like `kho token create`).
    let (_, admin_token) = store
        .create_token("demo admin", crate::auth::Role::Admin, None)
        .await
        .map_err(setup("dashboard token"))?;
    let coop = SHOPS[0].1;
    let (_, coop_token) = store
        .create_token(
            &format!("demo {coop}"),
            crate::auth::Role::Cooperative,
            Some(coop),
        )
        .await
        .map_err(setup("dashboard token"))?;
    println!("dashboard: http://{listen}/ — sign in with a token:");
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

    let skus: Vec<String> = entries
        .iter()
        .filter(|e| {
            SHOPS.iter().any(|(_, p, _)| *p == e.producer_code)
                || [TIKTOK_SHOP.1, LAZADA_SELLER.1].contains(&e.producer_code.as_str())
        })
        .map(|e| e.variant_sku.clone())
        .collect();
    let trickle_store = store.clone();
    let trickle = tokio::spawn(async move {
        let opts = MoveOptions {
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

    let shops: Vec<(Shop, Vec<String>)> = SHOPS
        .iter()
        .map(|(_, producer, shop_id)| {
            (
                Shop::Shopee(sim.control(), *shop_id),
                listed_skus(&entries, producer),
            )
        })
        .chain(std::iter::once((
            Shop::Tiktok(tiktok_sim.control(), tiktok_shop_id(&tiktok_sim)),
            listed_skus(&entries, TIKTOK_SHOP.1),
        )))
        .chain(std::iter::once((
            Shop::Lazada(lazada_sim.control(), lazada_seller_id(&lazada_sim)),
            listed_skus(&entries, LAZADA_SELLER.1),
        )))
        .collect();
    let orders = tokio::spawn(order_traffic(shops));

    let result = crate::daemon::serve(
        &config,
        store.clone(),
        None,
        |addr| println!("daemon: http://{addr}/metrics · http://{addr}/readyz · Ctrl-C stops"),
        crate::daemon::signal(),
    )
    .await;
    trickle.abort();
    orders.abort();
    sim.shutdown().await;
    tiktok_sim.shutdown().await;
    lazada_sim.shutdown().await;
    store.close().await;
    println!("kho demo stopped");
    result.map_err(Into::into)
}

/// The `[[accounts]]` table of the demo's TikTok shop, with the tokens the
/// simulator issued; base and auth host are the same simulator.
fn tiktok_account(sim: &tiktok::SimHandle) -> Result<String, DemoError> {
    let shop = sim
        .state()
        .shops
        .into_iter()
        .next()
        .ok_or_else(|| DemoError::Setup("the TikTok Shop simulator has no shop".into()))?;
    let tokens = sim
        .tokens(&shop.shop_id)
        .map_err(setup("TikTok Shop simulator tokens"))?;
    let (account, producer) = TIKTOK_SHOP;
    Ok(format!(
        "[[accounts]]\nname = \"{account}\"\nchannel = \"tiktok\"\nproducer = \"{producer}\"\n\
         base_url = \"{url}\"\nauth_url = \"{url}\"\nrate_limit = {{ per_second = 10 }}\n\
         allocation = {{ mode = \"shared\", buffer = 2, percent = 100 }}\n\
         credentials = {{ app_key = \"{TIKTOK_APP_KEY}\", app_secret = \"{TIKTOK_APP_SECRET}\", \
         shop_cipher = \"{}\", shop_id = \"{}\", access_token = \"{}\", refresh_token = \"{}\" }}\n\n",
        shop.cipher,
        shop.shop_id,
        tokens.access_token,
        tokens.refresh_token,
        url = sim.base_url(),
    ))
}

/// The `[[accounts]]` table of the demo's Lazada seller; base and auth host
/// are the same simulator (`…/rest`).
fn lazada_account(sim: &lazada::SimHandle) -> Result<String, DemoError> {
    let seller = sim
        .state()
        .sellers
        .first()
        .map(|s| s.seller_id)
        .ok_or_else(|| DemoError::Setup("the Lazada simulator has no seller".into()))?;
    let tokens = sim
        .tokens(seller)
        .map_err(setup("Lazada simulator tokens"))?;
    let (account, producer) = LAZADA_SELLER;
    Ok(format!(
        "[[accounts]]\nname = \"{account}\"\nchannel = \"lazada\"\nproducer = \"{producer}\"\n\
         base_url = \"{url}\"\nauth_url = \"{auth}\"\nrate_limit = {{ per_second = 10 }}\n\
         allocation = {{ mode = \"shared\", buffer = 2, percent = 100 }}\n\
         credentials = {{ app_key = \"{LAZADA_APP_KEY}\", app_secret = \"{LAZADA_APP_SECRET}\", \
         seller_id = \"{seller}\", access_token = \"{}\", refresh_token = \"{}\" }}\n\n",
        tokens.access_token,
        tokens.refresh_token,
        url = sim.base_url(),
        auth = sim.auth_url(),
    ))
}

/// A simulated shop the demo's buyers order from.
enum Shop {
    Shopee(kho_simulator::shopee::SimControl, i64),
    Tiktok(tiktok::SimControl, String),
    Lazada(lazada::SimControl, i64),
}

fn listed_skus(entries: &[crate::catalog::CatalogEntry], producer: &str) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e.producer_code == producer)
        .map(|e| e.variant_sku.clone())
        .collect()
}

fn tiktok_shop_id(sim: &tiktok::SimHandle) -> String {
    sim.state()
        .shops
        .first()
        .map(|s| s.shop_id.clone())
        .unwrap_or_default()
}

fn lazada_seller_id(sim: &lazada::SimHandle) -> i64 {
    sim.state()
        .sellers
        .first()
        .map(|s| s.seller_id)
        .unwrap_or_default()
}

impl Shop {
    /// Places an order of `units` of `sku`; its id, if the shop took it.
    fn order(&self, sku: &str, units: i64) -> Option<String> {
        use kho_simulator::shopee as sp;
        match self {
            Shop::Shopee(sim, shop) => {
                let state = sim.state();
                let (item, model) = state.find_sku(*shop, sku)?;
                let line = sp::NewOrderLine {
                    item_id: item.item_id,
                    model_id: model.map_or(0, |m| m.model_id),
                    quantity: units,
                    discounted_price: None,
                };
                sim.create_order(sp::NewOrder {
                    shop_id: *shop,
                    status: sp::OrderStatus::Unpaid,
                    lines: vec![line],
                    ..sp::NewOrder::default()
                })
                .ok()
                .map(|o| o.order_sn)
            }
            Shop::Tiktok(sim, shop) => {
                let state = sim.state();
                let (_, s) = state.find_seller_sku(shop, sku)?;
                let line = tiktok::NewOrderLine {
                    sku_id: s.id.clone(),
                    quantity: u32::try_from(units).ok()?,
                    sale_price: None,
                };
                sim.create_order(tiktok::NewOrder {
                    shop_id: shop.clone(),
                    status: tiktok::OrderStatus::AwaitingShipment,
                    lines: vec![line],
                    ..tiktok::NewOrder::default()
                })
                .ok()
                .map(|o| o.id)
            }
            Shop::Lazada(sim, seller) => {
                let line = lazada::NewOrderLine {
                    seller_sku: sku.to_owned(),
                    units: u32::try_from(units).ok()?,
                    paid_price: None,
                };
                sim.create_order(lazada::NewOrder {
                    seller_id: *seller,
                    status: lazada::OrderItemStatus::Pending,
                    lines: vec![line],
                    ..lazada::NewOrder::default()
                })
                .ok()
                .map(|o| o.order_id.to_string())
            }
        }
    }

    /// Moves an order one step on (`step` 0: ready, 1: shipped, 2:
    /// delivered) or cancels it.
    fn advance(&self, id: &str, step: u8, cancel: bool) {
        use kho_simulator::shopee as sp;
        match self {
            Shop::Shopee(sim, _) => {
                let status = match (cancel, step) {
                    (true, _) => sp::OrderStatus::Cancelled,
                    (false, 0) => sp::OrderStatus::ReadyToShip,
                    (false, 1) => sp::OrderStatus::Shipped,
                    _ => sp::OrderStatus::Completed,
                };
                let _ = sim.set_order_status(id, status);
            }
            Shop::Tiktok(sim, _) => {
                let status = match (cancel, step) {
                    (true, _) => tiktok::OrderStatus::Cancelled,
                    (false, 0) => tiktok::OrderStatus::AwaitingCollection,
                    (false, 1) => tiktok::OrderStatus::InTransit,
                    _ => tiktok::OrderStatus::Delivered,
                };
                let _ = sim.set_order_status(id, status);
            }
            Shop::Lazada(sim, _) => {
                let status = match (cancel, step) {
                    (true, _) => lazada::OrderItemStatus::Canceled,
                    (false, 0) => lazada::OrderItemStatus::ReadyToShip,
                    (false, 1) => lazada::OrderItemStatus::Shipped,
                    _ => lazada::OrderItemStatus::Delivered,
                };
                if let Ok(id) = id.parse() {
                    let _ = sim.set_item_status(id, status);
                }
            }
        }
    }
}

/// Buyers: a few orders a second across every shop, most of them shipped
/// and delivered, some cancelled, and now and then a flash sale of one SKU
/// on every shop at once.
async fn order_traffic(shops: Vec<(Shop, Vec<String>)>) {
    let mut open: Vec<(usize, String, u8)> = Vec::new();
    let (mut placed, mut cancelled, mut tick) = (0u64, 0u64, 0u64);
    loop {
        tokio::time::sleep(Duration::from_millis(350)).await;
        tick += 1;
        let mut rng = rand::rng();
        if tick.is_multiple_of(150) {
            // A flash sale: every shop sells one SKU of its own at once.
            let mut sold = 0;
            for (i, (shop, skus)) in shops.iter().enumerate() {
                let Some(sku) = skus.first() else { continue };
                for _ in 0..8 {
                    if let Some(id) = shop.order(sku, 1) {
                        open.push((i, id, 0));
                        sold += 1;
                    }
                }
            }
            println!(
                "flash sale: {sold} orders at once across {} shops",
                shops.len()
            );
            continue;
        }
        let roll: f64 = rng.random();
        if roll < 0.55 || open.is_empty() {
            let i = rng.random_range(0..shops.len());
            let (shop, skus) = &shops[i];
            let Some(sku) = skus.choose(&mut rng) else {
                continue;
            };
            if let Some(id) = shop.order(sku, rng.random_range(1..=2)) {
                open.push((i, id, 0));
                placed += 1;
                if placed.is_multiple_of(20) {
                    println!(
                        "{placed} orders so far ({cancelled} cancelled), {} open",
                        open.len()
                    );
                }
            }
        } else {
            let k = rng.random_range(0..open.len());
            let cancel = open[k].2 == 0 && rng.random_bool(0.15);
            let (i, id, step) = open[k].clone();
            shops[i].0.advance(&id, step, cancel);
            if cancel {
                cancelled += 1;
                open.swap_remove(k);
            } else if step >= 2 {
                open.swap_remove(k);
            } else {
                open[k].2 += 1;
            }
        }
    }
}
