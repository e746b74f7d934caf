//! A Shopee simulator with shops seeded from a catalog, and kho configured
//! with an account per shop.
#![allow(dead_code)]

use std::collections::BTreeMap;

use kho::catalog::CatalogEntry;
use kho_simulator::shopee::{PriceLimit, ShopConfig, SimConfig, SimHandle, Simulator};

use crate::support::daemon::Daemon;
use crate::support::db::{TestDb, ok};

pub const PARTNER_ID: i64 = 2001887;
pub const PARTNER_KEY: &str = "4a6b6c5f746573745f706172746e65725f6b65795f666f725f6b686f5f74657374";

pub struct Shop {
    pub account: String,
    pub shop_id: i64,
    pub producer: String,
}

pub struct World {
    pub db: TestDb,
    pub sim: SimHandle,
    pub shops: Vec<Shop>,
}

impl World {
    /// A simulator with one shop per (account, producer), each seeded with
    /// the producer's SKUs from `entries`, and a kho configuration naming
    /// them; `entries` is imported into kho.
    pub async fn start(
        db: TestDb,
        entries: &[CatalogEntry],
        shops: &[(&str, &str)],
        rate_limit: u32,
        tweak: impl Fn(&mut SimConfig),
    ) -> World {
        let mut config = SimConfig {
            partner_id: PARTNER_ID,
            partner_key: PARTNER_KEY.into(),
            shops: Vec::new(),
            ..SimConfig::default()
        };
        let mut out = Vec::new();
        for (i, (account, producer)) in shops.iter().enumerate() {
            let shop_id = 14_701_711 + i as i64;
            let mine: Vec<CatalogEntry> = entries
                .iter()
                .filter(|e| *producer == "*" || e.producer_code == *producer)
                .cloned()
                .collect();
            config.shops.push(ShopConfig {
                shop_id,
                access_token: format!("{:032x}", 0xacce55_u64 + i as u64),
                refresh_token: format!("{:032x}", 0xfe_u64 + i as u64),
                items: kho_lab::sim::shopee_items(&mine),
                rate_limit_per_second: Some(rate_limit),
                max_price_ratio: None,
                price_limit: PriceLimit {
                    min_limit: 1000.0,
                    max_limit: 5_000_000.0,
                },
                ..ShopConfig::default()
            });
            out.push(Shop {
                account: account.to_string(),
                shop_id,
                producer: if *producer == "*" {
                    "htx-chi-lang".into()
                } else {
                    producer.to_string()
                },
            });
        }
        tweak(&mut config);
        let sim = Simulator::start(config).await.unwrap();
        let world = World {
            db,
            sim,
            shops: out,
        };
        world.write_config(rate_limit);
        let catalog = world.db.path("catalog.csv");
        let mut bytes = Vec::new();
        kho::catalog::file::write_csv(&mut bytes, entries).unwrap();
        std::fs::write(&catalog, bytes).unwrap();
        ok(&world.kho(&["import", "catalog.csv"]));
        world
    }

    pub fn write_config(&self, rate_limit: u32) {
        self.write_config_limit(&format!("{{ per_second = {rate_limit} }}"));
    }

    /// The configuration with `limit` as every account's `rate_limit`.
    pub fn write_config_limit(&self, limit: &str) {
        let mut toml = String::new();
        for (i, s) in self.shops.iter().enumerate() {
            toml.push_str(&format!(
                "[[accounts]]\nname = \"{}\"\nchannel = \"shopee\"\nproducer = \"{}\"\nbase_url = \"{}\"\n\
                 rate_limit = {limit}\n\
                 credentials = {{ partner_id = {PARTNER_ID}, partner_key = \"env:KHO_TEST_SHOPEE_KEY\", shop_id = {}, access_token = \"{:032x}\", refresh_token = \"{:032x}\" }}\n\n",
                s.account, s.producer, self.sim.base_url(), s.shop_id, 0xacce55_u64 + i as u64, 0xfe_u64 + i as u64
            ));
        }
        std::fs::write(self.db.path("kho.toml"), toml).unwrap();
    }

    /// `kho serve` on this world, polling orders every `poll`.
    pub fn daemon(&self, poll: &str) -> Daemon {
        Daemon::start_with(&self.db, &[("KHO_TEST_SHOPEE_KEY", PARTNER_KEY)], poll)
    }

    pub fn kho(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["--config", "kho.toml"];
        all.extend_from_slice(args);
        self.db
            .kho_cmd(&all)
            .env("KHO_TEST_SHOPEE_KEY", PARTNER_KEY)
            .output()
            .unwrap()
    }

    /// (stock, price) per SKU as the simulator shows it, for one shop.
    pub fn remote(&self, shop: &Shop) -> BTreeMap<String, (i64, i64)> {
        let state = self.sim.state();
        let mut out = BTreeMap::new();
        for s in state.shops.iter().filter(|s| s.shop_id == shop.shop_id) {
            for item in &s.items {
                if item.models.is_empty() {
                    out.insert(item.item_sku.clone(), (item.stock, item.price as i64));
                }
                for m in &item.models {
                    out.insert(m.model_sku.clone(), (m.stock, m.price as i64));
                }
            }
        }
        out
    }

    /// (available, price) per SKU of the shop's producer, as kho holds it.
    pub async fn canonical(&self, shop: &Shop) -> BTreeMap<String, (i64, i64)> {
        let store = self.db.store().await;
        let entries = store.catalog_entries(Some(&shop.producer)).await.unwrap();
        store.close().await;
        entries
            .into_iter()
            .map(|e| (e.variant_sku, (e.stock - e.reserved, e.price_vnd)))
            .collect()
    }
}
