//! Tiki sellers for the sync benchmark: one simulator, a seller per account,
//! every SKU a Tiki product of its own, written 50 to an `updateSkus` call.

use kho::catalog::CatalogEntry;
use kho::cli::Failure;
use kho_simulator::tiki::{SeedProduct, SellerConfig, SimConfig, SimHandle, Simulator};

use super::{UNLIMITED, World, runtime};

const UPDATE_SKUS: &str = "/integration/v2.1/products/updateSkus";
const FIRST_SELLER: i64 = 300_000;

pub(crate) struct Sellers {
    sim: SimHandle,
    products: usize,
}

fn seller_id(i: usize) -> i64 {
    FIRST_SELLER + i as i64
}

impl World for Sellers {
    const CHANNEL: &'static str = "tiki";
    const CALLS_KEY: &'static str = "update_skus_calls";
    const CALLS_NAME: &'static str = "updateSkus calls";
    const ACCOUNT: &'static str = "seller";

    async fn start(entries: &[CatalogEntry], accounts: usize) -> Result<Self, Failure> {
        let products: Vec<SeedProduct> = crate::sim::tiki_products(entries)
            .into_iter()
            .map(|p| SeedProduct {
                qty: p.qty + 1,
                ..p
            })
            .collect();
        let count = products.len();
        let sellers: Vec<SellerConfig> = (0..accounts)
            .map(|i| SellerConfig {
                seller_id: seller_id(i),
                name: format!("HTX Đo đạc {i}"),
                rate_limit: UNLIMITED,
                products: products.clone(),
                ..SellerConfig::default()
            })
            .collect();
        let sim = Simulator::start(SimConfig {
            sellers,
            ..SimConfig::default()
        })
        .await
        .map_err(|e| runtime(&e))?;
        Ok(Self {
            sim,
            products: count,
        })
    }

    fn listings_per_account(&self) -> usize {
        self.products
    }

    fn account_toml(&self, i: usize, producer: &str, per_second: u32) -> Result<String, Failure> {
        // The simulator rotates tokens: always the pair it holds now.
        let tokens = self
            .sim
            .tokens(seller_id(i))
            .ok_or_else(|| Failure::runtime("the Tiki simulator lost a seller"))?;
        Ok(format!(
            "[[accounts]]\nname = \"bench-tiki-{i}\"\nchannel = \"tiki\"\nproducer = \"{producer}\"\n\
             base_url = \"{}\"\nrate_limit = {{ per_second = {per_second} }}\n\
             credentials = {{ client_id = \"{}\", client_secret = \"{}\", access_token = \"{}\", \
             refresh_token = \"{}\" }}\n",
            self.sim.base_url(),
            self.sim.client_id(),
            self.sim.client_secret(),
            tokens.access_token,
            tokens.refresh_token,
        ))
    }

    fn set_rate(&self, i: usize, rate: Option<u32>) -> Result<(), Failure> {
        self.sim
            .set_rate_limit(seller_id(i), rate.unwrap_or(UNLIMITED));
        Ok(())
    }

    fn reset_log(&self) {
        self.sim.reset_request_log();
    }

    fn calls(&self) -> usize {
        let log = self.sim.request_log();
        log.per_endpoint.get(UPDATE_SKUS).copied().unwrap_or(0) as usize
    }

    fn rejections(&self) -> usize {
        self.sim.request_log().rate_limit_violations as usize
    }

    async fn shutdown(self) {
        self.sim.shutdown().await;
    }
}
