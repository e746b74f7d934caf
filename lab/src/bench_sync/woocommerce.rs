//! WooCommerce sites for the sync benchmark: one simulated site per
//! account; writes go 100 to a batch call, a product's variations together.

use kho::catalog::CatalogEntry;
use kho::cli::Failure;
use kho_simulator::woocommerce::{SimConfig, SimHandle, Simulator};

use super::{World, runtime};

pub(crate) struct Sites {
    sites: Vec<SimHandle>,
    products: usize,
}

impl Sites {
    fn site(&self, i: usize) -> Result<&SimHandle, Failure> {
        self.sites
            .get(i)
            .ok_or_else(|| Failure::runtime(format!("no simulated site {i}")))
    }
}

impl World for Sites {
    const CHANNEL: &'static str = "woocommerce";
    const CALLS_KEY: &'static str = "batch_calls";
    const CALLS_NAME: &'static str = "batch calls";
    const ACCOUNT: &'static str = "site";

    async fn start(entries: &[CatalogEntry], accounts: usize) -> Result<Self, Failure> {
        let mut products = crate::sim::woocommerce_products(entries);
        for p in &mut products {
            p.stock_quantity = p.stock_quantity.map(|q| q + 1);
            for v in &mut p.variations {
                v.stock_quantity = v.stock_quantity.map(|q| q + 1);
            }
        }
        let count = products.len();
        let mut sites = Vec::new();
        for _ in 0..accounts {
            let site = Simulator::start(SimConfig {
                rate_limit_per_second: None,
                products: products.clone(),
                ..SimConfig::default()
            })
            .await
            .map_err(|e| runtime(&e))?;
            sites.push(site);
        }
        Ok(Self {
            sites,
            products: count,
        })
    }

    fn listings_per_account(&self) -> usize {
        self.products
    }

    fn account_toml(&self, i: usize, producer: &str, per_second: u32) -> Result<String, Failure> {
        let site = self.site(i)?;
        let keys = site.config();
        Ok(format!(
            "[[accounts]]\nname = \"bench-{i}\"\nchannel = \"woocommerce\"\nproducer = \"{producer}\"\n\
             base_url = \"{}\"\nrate_limit = {{ per_second = {per_second} }}\n\
             credentials = {{ consumer_key = \"{}\", consumer_secret = \"{}\", webhook_secret = \"{}\" }}\n",
            site.base_url(),
            keys.consumer_key,
            keys.consumer_secret,
            keys.webhook_secret,
        ))
    }

    fn set_rate(&self, i: usize, rate: Option<u32>) -> Result<(), Failure> {
        self.site(i)?.set_rate_limit(rate);
        Ok(())
    }

    fn reset_log(&self) {
        for site in &self.sites {
            site.reset_request_log();
        }
    }

    /// Batch writes the sites answered (`POST …/batch`), refused ones included.
    fn calls(&self) -> usize {
        self.sites
            .iter()
            .map(|site| {
                site.request_log()
                    .iter()
                    .filter(|c| c.method == "POST" && c.path.ends_with("/batch"))
                    .count()
            })
            .sum()
    }

    fn rejections(&self) -> usize {
        self.sites.iter().map(|site| site.rejections()).sum()
    }

    async fn shutdown(self) {
        for site in self.sites {
            site.shutdown().await;
        }
    }
}
