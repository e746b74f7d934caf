//! Shopee shops for the sync benchmark: one simulator, a shop per account,
//! items of 50 models (Shopee's most per `update_stock` call).

use kho::catalog::CatalogEntry;
use kho::cli::Failure;
use kho_simulator::shopee::{PriceLimit, Rejection, ShopConfig, SimConfig, SimHandle, Simulator};

use super::{World, runtime};
use crate::bench::BENCH_PARTNER_KEY;

const PARTNER_ID: i64 = 2_001_887;
const FIRST_SHOP: i64 = 15_000_000;

pub(crate) struct Shops {
    sim: SimHandle,
    items: usize,
}

fn shop_id(i: usize) -> i64 {
    FIRST_SHOP + i as i64
}

fn tokens(i: usize) -> (String, String) {
    (
        format!("{:032x}", 0xbe_u64 + i as u64),
        format!("{:032x}", 0xef_u64 + i as u64),
    )
}

impl World for Shops {
    const CHANNEL: &'static str = "shopee";
    const CALLS_KEY: &'static str = "update_stock_calls";
    const CALLS_NAME: &'static str = "update_stock calls";
    const ACCOUNT: &'static str = "shop";

    async fn start(entries: &[CatalogEntry], accounts: usize) -> Result<Self, Failure> {
        let mut items = crate::sim::shopee_items(entries);
        for item in &mut items {
            item.stock += 1;
            for m in &mut item.models {
                m.stock += 1;
            }
        }
        let count = items.len();
        let shops: Vec<ShopConfig> = (0..accounts)
            .map(|i| {
                let (access_token, refresh_token) = tokens(i);
                ShopConfig {
                    shop_id: shop_id(i),
                    access_token,
                    refresh_token,
                    items: items.clone(),
                    rate_limit_per_second: None,
                    max_price_ratio: None,
                    price_limit: PriceLimit {
                        min_limit: 1000.0,
                        max_limit: 5_000_000.0,
                    },
                    ..ShopConfig::default()
                }
            })
            .collect();
        let sim = Simulator::start(SimConfig {
            partner_id: PARTNER_ID,
            partner_key: BENCH_PARTNER_KEY.into(),
            shops,
            rate_limit_per_second: None,
            ..SimConfig::default()
        })
        .await
        .map_err(|e| runtime(&e))?;
        Ok(Self { sim, items: count })
    }

    fn listings_per_account(&self) -> usize {
        self.items
    }

    fn account_toml(&self, i: usize, producer: &str, per_second: u32) -> Result<String, Failure> {
        let (access, refresh) = tokens(i);
        Ok(format!(
            "[[accounts]]\nname = \"bench-{i}\"\nchannel = \"shopee\"\nproducer = \"{producer}\"\n\
             base_url = \"{}\"\nrate_limit = {{ per_second = {per_second} }}\n\
             credentials = {{ partner_id = {PARTNER_ID}, partner_key = \"{BENCH_PARTNER_KEY}\", \
             shop_id = {}, access_token = \"{access}\", refresh_token = \"{refresh}\" }}\n",
            self.sim.base_url(),
            shop_id(i),
        ))
    }

    fn set_rate(&self, i: usize, rate: Option<u32>) -> Result<(), Failure> {
        self.sim
            .set_rate_limit(shop_id(i), rate)
            .map_err(|e| runtime(&e))
    }

    fn reset_log(&self) {
        self.sim.reset_request_log();
    }

    fn calls(&self) -> usize {
        let calls = self.sim.request_log().calls("/api/v2/product/update_stock");
        usize::try_from(calls).unwrap_or(usize::MAX)
    }

    fn rejections(&self) -> usize {
        let refused = self.sim.request_log().rejections(Rejection::RateLimited);
        usize::try_from(refused).unwrap_or(usize::MAX)
    }

    async fn shutdown(self) {
        self.sim.shutdown().await;
    }
}
