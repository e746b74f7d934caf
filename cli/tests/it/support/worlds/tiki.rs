//! A Tiki simulator (API and OAuth on one host) with one seller seeded from
//! a catalog, and kho configured with an account for it.
#![allow(dead_code)]

use std::collections::BTreeMap;

use kho::catalog::CatalogEntry;
use kho_simulator::tiki::{SellerConfig, SimConfig, SimHandle, Simulator};

use crate::support::db::{TestDb, ok};

pub const SECRET_ENV: &str = "KHO_TEST_TIKI_SECRET";
pub const ACCOUNT: &str = "tiki-chi-lang";
pub const PRODUCER: &str = "htx-chi-lang";
pub const UPDATE_SKUS: &str = "/integration/v2.1/products/updateSkus";

pub struct World {
    pub db: TestDb,
    pub sim: SimHandle,
    pub seller: i64,
}

impl World {
    /// The producer's SKUs of `entries` listed on Tiki except `unlisted`;
    /// all of `entries` imported into kho; the account promises `rate_limit`.
    pub async fn start(
        db: TestDb,
        entries: &[CatalogEntry],
        unlisted: &[&str],
        rate_limit: u32,
    ) -> World {
        let listed: Vec<CatalogEntry> = entries
            .iter()
            .filter(|e| e.producer_code == PRODUCER && !unlisted.contains(&e.variant_sku.as_str()))
            .cloned()
            .collect();
        let config = SimConfig {
            sellers: vec![SellerConfig {
                rate_limit,
                products: kho_lab::sim::tiki_products(&listed),
                ..SellerConfig::default()
            }],
            ..SimConfig::default()
        };
        let sim = Simulator::start(config).await.unwrap();
        let seller = sim.seller_ids()[0];
        let world = World { db, sim, seller };
        world.write_config(rate_limit);
        let mut bytes = Vec::new();
        kho::catalog::file::write_csv(&mut bytes, entries).unwrap();
        std::fs::write(world.db.path("catalog.csv"), bytes).unwrap();
        ok(&world.kho(&["import", "catalog.csv"]));
        world
    }

    pub fn write_config(&self, rate_limit: u32) {
        let tokens = self.sim.tokens(self.seller).unwrap();
        let toml = format!(
            "[sync]\non_certificate_expiry = \"warn\"\n\n\
             [[accounts]]\nname = \"{ACCOUNT}\"\nchannel = \"tiki\"\nproducer = \"{PRODUCER}\"\n\
             base_url = \"{}\"\nrate_limit = {{ per_second = {rate_limit} }}\n\
             mapping = {{ categories = {{ \"Trái cây tươi\" = 8322 }}, review_wait_secs = 0 }}\n\
             credentials = {{ client_id = \"{}\", client_secret = \"env:{SECRET_ENV}\", \
             access_token = \"{}\", refresh_token = \"{}\" }}\n",
            self.sim.base_url(),
            self.sim.client_id(),
            tokens.access_token,
            tokens.refresh_token,
        );
        std::fs::write(self.db.path("kho.toml"), toml).unwrap();
    }

    pub fn kho(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["--config", "kho.toml"];
        all.extend_from_slice(args);
        self.db
            .kho_cmd(&all)
            .env(SECRET_ENV, self.sim.client_secret())
            .output()
            .unwrap()
    }

    /// (stock, price) per `original_sku` on Tiki.
    pub fn remote(&self) -> BTreeMap<String, (i64, i64)> {
        self.sim
            .products(self.seller)
            .into_iter()
            .map(|p| {
                let stock = p.warehouse_quantities.values().sum();
                (p.original_sku, (stock, p.price))
            })
            .collect()
    }

    pub async fn canonical(&self) -> BTreeMap<String, (i64, i64)> {
        crate::support::worlds::tiktok::canonical(&self.db, PRODUCER).await
    }
}
