//! A Lazada simulator (API gateway and auth host both under `/rest`) with
//! sellers seeded from a catalog, and kho configured with an account per
//! seller.
#![allow(dead_code)]

use std::collections::BTreeMap;

use kho::catalog::CatalogEntry;
use kho_simulator::lazada::{SellerConfig, SimConfig, SimHandle, Simulator};

use crate::support::db::{TestDb, ok};

pub const APP_KEY: &str = "123456";
pub const APP_SECRET: &str = "6b686f2d746573742d6c617a6164612d736563726574";
pub const SECRET_ENV: &str = "KHO_TEST_LAZADA_SECRET";

pub const SELLABLE_UPDATE: &str = "/product/stock/sellable/update";
pub const PRICE_UPDATE: &str = "/product/price_quantity/update";
pub const TOKEN_REFRESH: &str = "/auth/token/refresh";

/// The sample catalog has expired OCOP certificates, which kho delists by
/// default. Lazada's `/product/deactivate` is not in lazada.md beyond its
/// name, so the simulator (written from that page only) does not serve it
/// and would refuse every delisting; these tests measure stock and price, so
/// expiry only warns here.
pub const NO_DELIST: &str = "[sync]\non_certificate_expiry = \"warn\"\n\n";

pub struct Seller {
    pub account: String,
    pub seller_id: i64,
    pub producer: String,
}

pub struct World {
    pub db: TestDb,
    pub sim: SimHandle,
    pub sellers: Vec<Seller>,
    /// Extra keys for every account (`batch_size = 50`).
    pub extra: String,
}

/// The Lazada seller of the `i`-th account, listing `entries`.
pub fn seller_config(i: usize, entries: &[CatalogEntry], rate_limit: Option<u32>) -> SellerConfig {
    SellerConfig {
        seller_id: 200_162_025 + i as i64,
        user_id: 300_162_025 + i as i64,
        short_code: format!("VN1KHO{i:03}"),
        account: format!("htx{i}@example.vn"),
        rate_limit_per_second: rate_limit,
        products: kho_lab::sim::lazada_products(entries),
        ..SellerConfig::default()
    }
}

/// One `[[accounts]]` table for a Lazada seller of `sim`, tokens as the
/// simulator issued them.
pub fn account_toml(sim: &SimHandle, seller: &Seller, rate_limit: u32, extra: &str) -> String {
    let tokens = sim.tokens(seller.seller_id).unwrap();
    format!(
        "[[accounts]]\nname = \"{}\"\nchannel = \"lazada\"\nproducer = \"{}\"\nbase_url = \"{}\"\n\
         auth_url = \"{}\"\nrate_limit = {{ per_second = {rate_limit} }}\n{extra}\
         credentials = {{ app_key = \"{APP_KEY}\", app_secret = \"env:{SECRET_ENV}\", \
         access_token = \"{}\", refresh_token = \"{}\" }}\n\n",
        seller.account,
        seller.producer,
        sim.base_url(),
        sim.auth_url(),
        tokens.access_token,
        tokens.refresh_token
    )
}

impl World {
    /// A simulator with one seller per (account, producer), each seeded with
    /// the producer's SKUs from `entries`, and a kho configuration naming
    /// them (with `extra` keys); `entries` is imported into kho.
    pub async fn start(
        db: TestDb,
        entries: &[CatalogEntry],
        sellers: &[(&str, &str)],
        rate_limit: u32,
        extra: &str,
        tweak: impl Fn(&mut SimConfig),
    ) -> World {
        let mut config = SimConfig {
            app_key: APP_KEY.into(),
            app_secret: APP_SECRET.into(),
            sellers: Vec::new(),
            ..SimConfig::default()
        };
        let mut out = Vec::new();
        for (i, (account, producer)) in sellers.iter().enumerate() {
            let mine: Vec<CatalogEntry> = entries
                .iter()
                .filter(|e| e.producer_code == *producer)
                .cloned()
                .collect();
            let seller = seller_config(i, &mine, Some(rate_limit));
            out.push(Seller {
                account: account.to_string(),
                seller_id: seller.seller_id,
                producer: producer.to_string(),
            });
            config.sellers.push(seller);
        }
        tweak(&mut config);
        let sim = Simulator::start(config).await.unwrap();
        let world = World {
            db,
            sim,
            sellers: out,
            extra: extra.to_owned(),
        };
        world.write_config(rate_limit);
        let mut bytes = Vec::new();
        kho::catalog::file::write_csv(&mut bytes, entries).unwrap();
        std::fs::write(world.db.path("catalog.csv"), bytes).unwrap();
        ok(&world.kho(&["import", "catalog.csv"]));
        world
    }

    pub fn write_config(&self, rate_limit: u32) {
        let accounts: String = self
            .sellers
            .iter()
            .map(|s| account_toml(&self.sim, s, rate_limit, &self.extra))
            .collect();
        std::fs::write(self.db.path("kho.toml"), format!("{NO_DELIST}{accounts}")).unwrap();
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

    pub fn remote(&self, seller: &Seller) -> BTreeMap<String, (i64, i64)> {
        remote(&self.sim, seller.seller_id)
    }

    pub async fn canonical(&self, seller: &Seller) -> BTreeMap<String, (i64, i64)> {
        crate::support::worlds::tiktok::canonical(&self.db, &seller.producer).await
    }
}

/// (sellable stock, price) per seller SKU of one simulated Lazada seller:
/// sellable is what buyers can order, which is what kho means by stock.
pub fn remote(sim: &SimHandle, seller_id: i64) -> BTreeMap<String, (i64, i64)> {
    let state = sim.state();
    let mut out = BTreeMap::new();
    for seller in state.sellers.iter().filter(|s| s.seller_id == seller_id) {
        for product in &seller.products {
            for sku in &product.skus {
                out.insert(
                    sku.seller_sku.clone(),
                    (sku.sellable(), sku.price.round() as i64),
                );
            }
        }
    }
    out
}
