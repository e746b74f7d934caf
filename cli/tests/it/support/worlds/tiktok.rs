//! A TikTok Shop simulator (one listener serving both the Open API host and
//! the auth host) with shops seeded from a catalog, and kho configured with
//! an account per shop.
#![allow(dead_code)]

use std::collections::BTreeMap;

use kho::catalog::CatalogEntry;
use kho_simulator::tiktok::{ShopConfig, SimConfig, SimHandle, Simulator, WarehouseConfig};

use crate::support::db::{TestDb, ok};

pub const APP_KEY: &str = "68xu9ks5p4i8";
pub const APP_SECRET: &str = "6b686f2d746573742d74696b746f6b2d736563726574";
pub const SECRET_ENV: &str = "KHO_TEST_TIKTOK_SECRET";

pub const INVENTORY_UPDATE: &str = "POST /product/202309/products/{product_id}/inventory/update";
pub const PRICE_UPDATE: &str = "POST /product/202309/products/{product_id}/prices/update";
pub const TOKEN_REFRESH: &str = "GET /api/v2/token/refresh";

pub struct Shop {
    pub account: String,
    pub shop_id: String,
    pub cipher: String,
    pub producer: String,
}

pub struct World {
    pub db: TestDb,
    pub sim: SimHandle,
    pub shops: Vec<Shop>,
}

/// The TikTok shop of the `i`-th account: its own id, cipher and warehouse.
pub fn shop_config(i: usize, entries: &[CatalogEntry], rate_limit: Option<u32>) -> ShopConfig {
    ShopConfig {
        shop_id: format!("74952745310014{:05}", i),
        cipher: format!("ROW_kho{i:04}AAAAB2vvlFyfTxbVr4ZFHoDbhK"),
        code: format!("VNKHO{i:04}"),
        name: format!("Cửa hàng thử {i}"),
        warehouses: vec![WarehouseConfig {
            id: format!("70685172755397{:05}", i),
            ..WarehouseConfig::default()
        }],
        rate_limit_per_second: rate_limit,
        products: kho_lab::sim::tiktok_products(entries),
        ..ShopConfig::default()
    }
}

/// One `[[accounts]]` table for a TikTok shop of `sim`, tokens as the
/// simulator issued them.
pub fn account_toml(sim: &SimHandle, shop: &Shop, rate_limit: u32, extra: &str) -> String {
    let tokens = sim.tokens(&shop.shop_id).unwrap();
    format!(
        "[[accounts]]\nname = \"{}\"\nchannel = \"tiktok\"\nproducer = \"{}\"\nbase_url = \"{}\"\n\
         auth_url = \"{}\"\nrate_limit = {{ per_second = {rate_limit} }}\n{extra}\
         credentials = {{ app_key = \"{APP_KEY}\", app_secret = \"env:{SECRET_ENV}\", shop_cipher = \"{}\", \
         access_token = \"{}\", refresh_token = \"{}\" }}\n\n",
        shop.account,
        shop.producer,
        sim.base_url(),
        sim.base_url(),
        shop.cipher,
        tokens.access_token,
        tokens.refresh_token
    )
}

impl World {
    /// A simulator with one shop per (account, producer), each seeded with
    /// the producer's SKUs from `entries` (`"*"`: all of them, for
    /// htx-chi-lang), and a kho configuration naming them; `entries` is
    /// imported into kho.
    pub async fn start(
        db: TestDb,
        entries: &[CatalogEntry],
        shops: &[(&str, &str)],
        rate_limit: u32,
        tweak: impl Fn(&mut SimConfig),
    ) -> World {
        let mut config = SimConfig {
            app_key: APP_KEY.into(),
            app_secret: APP_SECRET.into(),
            shops: Vec::new(),
            ..SimConfig::default()
        };
        let mut out = Vec::new();
        for (i, (account, producer)) in shops.iter().enumerate() {
            let mine: Vec<CatalogEntry> = entries
                .iter()
                .filter(|e| *producer == "*" || e.producer_code == *producer)
                .cloned()
                .collect();
            let shop = shop_config(i, &mine, Some(rate_limit));
            out.push(Shop {
                account: account.to_string(),
                shop_id: shop.shop_id.clone(),
                cipher: shop.cipher.clone(),
                producer: if *producer == "*" {
                    "htx-chi-lang".into()
                } else {
                    producer.to_string()
                },
            });
            config.shops.push(shop);
        }
        tweak(&mut config);
        let sim = Simulator::start(config).await.unwrap();
        let world = World {
            db,
            sim,
            shops: out,
        };
        world.write_config(rate_limit);
        let mut bytes = Vec::new();
        kho::catalog::file::write_csv(&mut bytes, entries).unwrap();
        std::fs::write(world.db.path("catalog.csv"), bytes).unwrap();
        ok(&world.kho(&["import", "catalog.csv"]));
        world
    }

    pub fn write_config(&self, rate_limit: u32) {
        let toml: String = self
            .shops
            .iter()
            .map(|s| account_toml(&self.sim, s, rate_limit, ""))
            .collect();
        // Some sample certificates have expired; delisting (and holding the
        // values of delisted listings) is tested with Shopee, so here expiry
        // only warns and every SKU stays listed.
        let no_delist = "[sync]\non_certificate_expiry = \"warn\"\n\n";
        std::fs::write(self.db.path("kho.toml"), format!("{no_delist}{toml}")).unwrap();
    }

    pub fn kho(&self, args: &[&str]) -> std::process::Output {
        self.kho_with_secret(args, APP_SECRET)
    }

    pub fn kho_with_secret(&self, args: &[&str], secret: &str) -> std::process::Output {
        let mut all = vec!["--config", "kho.toml"];
        all.extend_from_slice(args);
        self.db
            .kho_cmd(&all)
            .env(SECRET_ENV, secret)
            .output()
            .unwrap()
    }

    /// (stock, price) per seller SKU as the simulator shows it, for one shop.
    pub fn remote(&self, shop: &Shop) -> BTreeMap<String, (i64, i64)> {
        remote(&self.sim, &shop.shop_id)
    }

    /// (available, price) per SKU of the shop's producer, as kho holds it.
    pub async fn canonical(&self, shop: &Shop) -> BTreeMap<String, (i64, i64)> {
        canonical(&self.db, &shop.producer).await
    }
}

/// (stock, price) per seller SKU of one simulated TikTok shop.
pub fn remote(sim: &SimHandle, shop_id: &str) -> BTreeMap<String, (i64, i64)> {
    let state = sim.state();
    let mut out = BTreeMap::new();
    for shop in state.shops.iter().filter(|s| s.shop_id == shop_id) {
        for product in &shop.products {
            for sku in &product.skus {
                let price = sku.price.parse::<i64>().unwrap_or(-1);
                out.insert(sku.seller_sku.clone(), (sku.total_quantity(), price));
            }
        }
    }
    out
}

/// (available, price) per SKU of `producer`, as kho holds it.
pub async fn canonical(db: &TestDb, producer: &str) -> BTreeMap<String, (i64, i64)> {
    let store = db.store().await;
    let entries = store.catalog_entries(Some(producer)).await.unwrap();
    store.close().await;
    entries
        .into_iter()
        .map(|e| (e.variant_sku, (e.stock - e.reserved, e.price_vnd)))
        .collect()
}
