//! A WooCommerce site simulator over plain http (so kho signs with OAuth
//! 1.0a, as WooCommerce requires there) listing one producer's SKUs, and kho
//! configured with an account for it.
#![allow(dead_code)]

use std::collections::BTreeMap;

use kho::catalog::CatalogEntry;
use kho_simulator::woocommerce::{SimConfig, SimHandle, Simulator};

use crate::support::daemon::Daemon;
use crate::support::db::{TestDb, ok};

/// The sample catalog's OCOP certificates have expired; these tests measure
/// stock, price and orders, so expiry only warns.
pub const NO_DELIST: &str = "[sync]\non_certificate_expiry = \"warn\"\n\n";

pub struct World {
    pub db: TestDb,
    pub sim: SimHandle,
    pub account: String,
    pub producer: String,
}

impl World {
    /// A site listing `producer`'s SKUs of `entries` (each showing `extra`
    /// more units than kho holds), `rate_limit` calls a second on both
    /// sides; `entries` is imported into kho.
    pub async fn start(
        db: TestDb,
        entries: &[CatalogEntry],
        (account, producer): (&str, &str),
        rate_limit: u32,
        extra: i64,
    ) -> World {
        let mine: Vec<CatalogEntry> = entries
            .iter()
            .filter(|e| e.producer_code == producer)
            .cloned()
            .map(|mut e| {
                e.stock += extra;
                e
            })
            .collect();
        let sim = Simulator::start(SimConfig {
            rate_limit_per_second: Some(rate_limit),
            products: kho_lab::sim::woocommerce_products(&mine),
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let world = World {
            db,
            sim,
            account: account.to_owned(),
            producer: producer.to_owned(),
        };
        std::fs::write(world.db.path("kho.toml"), world.config_toml(rate_limit, "")).unwrap();
        let mut bytes = Vec::new();
        kho::catalog::file::write_csv(&mut bytes, entries).unwrap();
        std::fs::write(world.db.path("catalog.csv"), bytes).unwrap();
        ok(&world.kho(&["import", "catalog.csv"]));
        world
    }

    /// The configuration, with `extra` keys in the account's table.
    pub fn config_toml(&self, rate_limit: u32, extra: &str) -> String {
        let site = self.sim.config();
        format!(
            "{NO_DELIST}[[accounts]]\nname = \"{}\"\nchannel = \"woocommerce\"\nproducer = \"{}\"\n\
             base_url = \"{}\"\nrate_limit = {{ per_second = {rate_limit} }}\n{extra}\
             credentials = {{ consumer_key = \"{}\", consumer_secret = \"{}\", webhook_secret = \"{}\" }}\n",
            self.account,
            self.producer,
            self.sim.base_url(),
            site.consumer_key,
            site.consumer_secret,
            site.webhook_secret,
        )
    }

    pub fn kho(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["--config", "kho.toml"];
        all.extend_from_slice(args);
        self.db.kho_cmd(&all).output().unwrap()
    }

    pub fn daemon(&self, poll: &str) -> Daemon {
        Daemon::start_with(&self.db, &[], poll)
    }

    /// (stock, price) per SKU as the site shows them: products without
    /// variations and variations (a variable product has no stock of its own).
    pub fn remote(&self) -> BTreeMap<String, (i64, i64)> {
        self.sim
            .items()
            .into_iter()
            .filter(|i| i.kind != "variable")
            .map(|i| {
                let price = i.regular_price.parse::<i64>().unwrap_or(-1);
                (i.sku, (i.stock_quantity.unwrap_or(0), price))
            })
            .collect()
    }

    pub async fn canonical(&self) -> BTreeMap<String, (i64, i64)> {
        crate::support::worlds::tiktok::canonical(&self.db, &self.producer).await
    }
}
