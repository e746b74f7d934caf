//! A simulated marketplace world: one simulator per marketplace, each
//! seeded with cooperatives' shops that already list their SKUs, the
//! `[[accounts]]` that reach them, and buyers placing orders. `kho demo` runs
//! it for people to look at; `kho bench soak` runs it under faults for hours.

use std::net::SocketAddr;
use std::time::Duration;

use kho_simulator::shopee::{ShopConfig, SimConfig, Simulator};
use kho_simulator::{lazada, shopee, tiki, tiktok, woocommerce};
use rand::Rng;
use rand::seq::IndexedRandom;

use kho::catalog::CatalogEntry;

const PARTNER_ID: i64 = 2001887;
const PARTNER_KEY: &str = "6b686f2d64656d6f2d706172746e65722d6b65792d6e6f742d612d736563726574";
/// The Shopee shops: (account, producer, shop id).
pub const SHOPEE_SHOPS: [(&str, &str, i64); 2] = [
    ("shopee-chi-lang", "htx-chi-lang", 14_701_711),
    ("shopee-bao-lam", "htx-bao-lam", 14_701_712),
];
/// The TikTok App and its one shop (the simulator's default shop id,
/// cipher and warehouse), selling Quýt Bắc Sơn.
const TIKTOK_APP_KEY: &str = "6khodemo7t1k";
const TIKTOK_APP_SECRET: &str = "6b686f2d64656d6f2d74696b746f6b2d736563726574";
pub const TIKTOK_SHOP: (&str, &str) = ("tiktok-bac-son", "htx-bac-son");
/// The Lazada App and its one seller, selling Thạch đen Tràng Định.
const LAZADA_APP_KEY: &str = "120001";
const LAZADA_APP_SECRET: &str = "6b686f2d64656d6f2d6c617a6164612d736563726574";
pub const LAZADA_SELLER: (&str, &str) = ("lazada-trang-dinh", "htx-trang-dinh");
/// The WooCommerce site kho gives a cooperative that had no shop of its
/// own: Văn Quan's, selling what its catalog lists.
pub const WOO_SITE: (&str, &str) = ("web-van-quan", "htx-van-quan");
/// The Tiki app and its one seller, selling HTX Mẫu Sơn's products.
pub const TIKI_SELLER: (&str, &str) = ("tiki-mau-son", "htx-mau-son");

/// The producers whose shops the world runs.
pub fn producers() -> [&'static str; 6] {
    [
        SHOPEE_SHOPS[0].1,
        SHOPEE_SHOPS[1].1,
        TIKTOK_SHOP.1,
        LAZADA_SELLER.1,
        WOO_SITE.1,
        TIKI_SELLER.1,
    ]
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

fn listed_skus(entries: &[CatalogEntry], producer: &str) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e.producer_code == producer)
        .map(|e| e.variant_sku.clone())
        .collect()
}

fn setup<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// The three simulators and the catalog their shops list.
pub struct SimWorld {
    pub entries: Vec<CatalogEntry>,
    pub shopee: shopee::SimHandle,
    pub tiktok: tiktok::SimHandle,
    pub lazada: lazada::SimHandle,
    pub woocommerce: woocommerce::SimHandle,
    pub tiki: tiki::SimHandle,
    rate_limit: u32,
}

impl SimWorld {
    /// Starts the simulators; every shop allows `rate_limit` calls a second.
    pub async fn start(entries: Vec<CatalogEntry>, rate_limit: u32) -> Result<SimWorld, String> {
        let mut sim_config = SimConfig {
            partner_id: PARTNER_ID,
            partner_key: PARTNER_KEY.into(),
            shops: Vec::new(),
            rate_limit_per_second: Some(rate_limit),
            ..SimConfig::default()
        };
        for (i, (_, producer, shop_id)) in SHOPEE_SHOPS.iter().enumerate() {
            let mine = listed(&entries, producer);
            sim_config.shops.push(ShopConfig {
                shop_id: *shop_id,
                access_token: format!("{:032x}", 0xdead_0001_u64 + i as u64),
                refresh_token: format!("{:032x}", 0xbeef_0001_u64 + i as u64),
                items: super::shopee_items(&mine),
                ..ShopConfig::default()
            });
        }
        let shopee = Simulator::start(sim_config)
            .await
            .map_err(setup("cannot start the Shopee simulator"))?;
        let tiktok = tiktok::Simulator::start(tiktok::SimConfig {
            app_key: TIKTOK_APP_KEY.into(),
            app_secret: TIKTOK_APP_SECRET.into(),
            shops: vec![tiktok::ShopConfig {
                name: "HTX Bắc Sơn".into(),
                products: super::tiktok_products(&listed(&entries, TIKTOK_SHOP.1)),
                ..tiktok::ShopConfig::default()
            }],
            rate_limit_per_second: Some(rate_limit),
            ..tiktok::SimConfig::default()
        })
        .await
        .map_err(setup("cannot start the TikTok Shop simulator"))?;
        let lazada = lazada::Simulator::start(lazada::SimConfig {
            app_key: LAZADA_APP_KEY.into(),
            app_secret: LAZADA_APP_SECRET.into(),
            sellers: vec![lazada::SellerConfig {
                products: super::lazada_products(&listed(&entries, LAZADA_SELLER.1)),
                rate_limit_per_second: Some(rate_limit),
                ..lazada::SellerConfig::default()
            }],
            ..lazada::SimConfig::default()
        })
        .await
        .map_err(setup("cannot start the Lazada simulator"))?;
        let woocommerce = woocommerce::Simulator::start(woocommerce::SimConfig {
            rate_limit_per_second: Some(rate_limit),
            products: super::woocommerce_products(&listed(&entries, WOO_SITE.1)),
            ..woocommerce::SimConfig::default()
        })
        .await
        .map_err(setup("cannot start the WooCommerce simulator"))?;
        let tiki = tiki::Simulator::start(tiki::SimConfig {
            sellers: vec![tiki::SellerConfig {
                name: "HTX Mẫu Sơn".into(),
                products: super::tiki_products(&listed(&entries, TIKI_SELLER.1)),
                rate_limit,
                ..tiki::SellerConfig::default()
            }],
            ..tiki::SimConfig::default()
        })
        .await
        .map_err(setup("cannot start the Tiki simulator"))?;
        Ok(SimWorld {
            entries,
            shopee,
            tiktok,
            lazada,
            woocommerce,
            tiki,
            rate_limit,
        })
    }

    /// Points every simulator's pushes at a daemon listening on `listen`.
    pub fn send_webhooks_to(&self, listen: SocketAddr) {
        self.shopee
            .set_callback_url(Some(format!("http://{listen}/webhooks/shopee")));
        self.shopee.set_auto_push(true);
        self.tiktok
            .set_callback_url(Some(format!("http://{listen}/webhooks/tiktok")));
        self.tiktok.set_auto_webhooks(true);
        // The App's redirect URL in Partner Center: where the authorisation
        // page sends a seller (`kho accounts connect`).
        self.tiktok
            .set_redirect_url(Some(format!("http://{listen}/oauth/tiktok/callback")));
        self.lazada
            .set_callback_url(Some(format!("http://{listen}/webhooks/lazada")));
        self.lazada.set_auto_push(true);
        self.woocommerce
            .set_webhook_url(Some(format!("http://{listen}/webhooks/woocommerce")));
        self.woocommerce
            .set_auto_webhooks(Some(format!("{}/", self.woocommerce.base_url())));
    }

    /// The `[[accounts]]` tables of every shop, with the tokens the
    /// simulators issued; kho promises the simulators' own rate limit.
    pub fn accounts_toml(&self) -> Result<String, String> {
        let rate = self.rate_limit;
        let mut toml = String::new();
        for (i, (account, producer, shop_id)) in SHOPEE_SHOPS.iter().enumerate() {
            toml.push_str(&format!(
                "[[accounts]]\nname = \"{account}\"\nchannel = \"shopee\"\nproducer = \"{producer}\"\n\
                 base_url = \"{}\"\nrate_limit = {{ per_second = {rate} }}\n\
                 allocation = {{ mode = \"shared\", buffer = 2, percent = 100 }}\n\
                 credentials = {{ partner_id = {PARTNER_ID}, partner_key = \"{PARTNER_KEY}\", shop_id = {shop_id}, \
                 access_token = \"{:032x}\", refresh_token = \"{:032x}\" }}\n\n",
                self.shopee.base_url(),
                0xdead_0001_u64 + i as u64,
                0xbeef_0001_u64 + i as u64
            ));
        }
        let shop = self
            .tiktok
            .state()
            .shops
            .into_iter()
            .next()
            .ok_or_else(|| "the TikTok Shop simulator has no shop".to_owned())?;
        let tokens = self
            .tiktok
            .tokens(&shop.shop_id)
            .map_err(setup("TikTok Shop simulator tokens"))?;
        let (account, producer) = TIKTOK_SHOP;
        toml.push_str(&format!(
            "[[accounts]]\nname = \"{account}\"\nchannel = \"tiktok\"\nproducer = \"{producer}\"\n\
             base_url = \"{url}\"\nauth_url = \"{url}\"\nconsent_url = \"{url}\"\n\
             rate_limit = {{ per_second = {rate} }}\n\
             allocation = {{ mode = \"shared\", buffer = 2, percent = 100 }}\n\
             credentials = {{ app_key = \"{TIKTOK_APP_KEY}\", app_secret = \"{TIKTOK_APP_SECRET}\", \
             service_id = \"{}\", shop_cipher = \"{}\", shop_id = \"{}\", access_token = \"{}\", \
             refresh_token = \"{}\" }}\n\n",
            self.tiktok.service_id(),
            shop.cipher,
            shop.shop_id,
            tokens.access_token,
            tokens.refresh_token,
            url = self.tiktok.base_url(),
        ));
        let seller = self.lazada_seller_id();
        let tokens = self
            .lazada
            .tokens(seller)
            .map_err(setup("Lazada simulator tokens"))?;
        let (account, producer) = LAZADA_SELLER;
        toml.push_str(&format!(
            "[[accounts]]\nname = \"{account}\"\nchannel = \"lazada\"\nproducer = \"{producer}\"\n\
             base_url = \"{url}\"\nauth_url = \"{auth}\"\nrate_limit = {{ per_second = {rate} }}\n\
             allocation = {{ mode = \"shared\", buffer = 2, percent = 100 }}\n\
             credentials = {{ app_key = \"{LAZADA_APP_KEY}\", app_secret = \"{LAZADA_APP_SECRET}\", \
             seller_id = \"{seller}\", access_token = \"{}\", refresh_token = \"{}\" }}\n\n",
            tokens.access_token,
            tokens.refresh_token,
            url = self.lazada.base_url(),
            auth = self.lazada.auth_url(),
        ));
        let site = self.woocommerce.config();
        let (account, producer) = WOO_SITE;
        toml.push_str(&format!(
            "[[accounts]]\nname = \"{account}\"\nchannel = \"woocommerce\"\nproducer = \"{producer}\"\n\
             base_url = \"{}\"\nrate_limit = {{ per_second = {rate} }}\n\
             allocation = {{ mode = \"shared\", buffer = 2, percent = 100 }}\n\
             credentials = {{ consumer_key = \"{}\", consumer_secret = \"{}\", webhook_secret = \"{}\" }}\n\n",
            self.woocommerce.base_url(),
            site.consumer_key,
            site.consumer_secret,
            site.webhook_secret,
        ));
        let seller = self.tiki_seller_id();
        let tokens = self
            .tiki
            .tokens(seller)
            .ok_or_else(|| "the Tiki simulator has no seller".to_owned())?;
        let (account, producer) = TIKI_SELLER;
        // No auth_url: Tiki's token endpoint is on the API host.
        toml.push_str(&format!(
            "[[accounts]]\nname = \"{account}\"\nchannel = \"tiki\"\nproducer = \"{producer}\"\n\
             base_url = \"{url}\"\nrate_limit = {{ per_second = {rate} }}\n\
             allocation = {{ mode = \"shared\", buffer = 2, percent = 100 }}\n\
             credentials = {{ client_id = \"{}\", client_secret = \"{}\", access_token = \"{}\", \
             refresh_token = \"{}\" }}\n\n",
            self.tiki.client_id(),
            self.tiki.client_secret(),
            tokens.access_token,
            tokens.refresh_token,
            url = self.tiki.base_url(),
        ));
        Ok(toml)
    }

    fn tiki_seller_id(&self) -> i64 {
        self.tiki.seller_ids().first().copied().unwrap_or_default()
    }

    fn tiktok_shop_id(&self) -> String {
        self.tiktok
            .state()
            .shops
            .first()
            .map(|s| s.shop_id.clone())
            .unwrap_or_default()
    }

    fn lazada_seller_id(&self) -> i64 {
        self.lazada
            .state()
            .sellers
            .first()
            .map(|s| s.seller_id)
            .unwrap_or_default()
    }

    /// Every shop with the SKUs it sells, for buyers.
    pub fn shops(&self) -> Vec<(Shop, Vec<String>)> {
        SHOPEE_SHOPS
            .iter()
            .map(|(_, producer, shop_id)| {
                (
                    Shop::Shopee(self.shopee.control(), *shop_id),
                    listed_skus(&self.entries, producer),
                )
            })
            .chain(std::iter::once((
                Shop::Tiktok(self.tiktok.control(), self.tiktok_shop_id()),
                listed_skus(&self.entries, TIKTOK_SHOP.1),
            )))
            .chain(std::iter::once((
                Shop::Lazada(self.lazada.control(), self.lazada_seller_id()),
                listed_skus(&self.entries, LAZADA_SELLER.1),
            )))
            .chain(std::iter::once((
                Shop::WooCommerce(self.woocommerce.control()),
                listed_skus(&self.entries, WOO_SITE.1),
            )))
            .chain(std::iter::once((
                Shop::Tiki(self.tiki.control(), self.tiki_seller_id()),
                listed_skus(&self.entries, TIKI_SELLER.1),
            )))
            .collect()
    }

    /// The SKUs the world's shops sell.
    pub fn skus(&self) -> Vec<String> {
        producers()
            .iter()
            .flat_map(|p| listed_skus(&self.entries, p))
            .collect()
    }

    pub async fn shutdown(self) {
        self.shopee.shutdown().await;
        self.tiktok.shutdown().await;
        self.lazada.shutdown().await;
        self.woocommerce.shutdown().await;
        self.tiki.shutdown().await;
    }
}

/// Links every configured account's listings by seller SKU, as the demo and
/// benchmarks start; `(account, listings linked)` each.
pub async fn link_accounts(
    store: &kho::store::Store,
    config: &kho::config::Config,
) -> Result<Vec<(String, usize)>, String> {
    let transport = kho::channels::transport().map_err(setup("HTTP transport"))?;
    let rows = store.accounts(None).await.map_err(setup("accounts"))?;
    let mut out = Vec::new();
    for acc in &config.accounts {
        let channel = kho::channels::build(acc, &transport, store).map_err(setup("adapter"))?;
        let id = rows
            .iter()
            .find(|r| r.name == acc.name)
            .map(|r| r.id)
            .ok_or_else(|| format!("account {} missing", acc.name))?;
        let report =
            kho::sync::link::link(store, channel.as_ref(), id, &acc.producer, false, &|_| {})
                .await
                .map_err(setup("linking"))?;
        out.push((acc.name.clone(), report.linked.len()));
    }
    Ok(out)
}

/// A simulated shop buyers order from.
pub enum Shop {
    Shopee(shopee::SimControl, i64),
    Tiktok(tiktok::SimControl, String),
    Lazada(lazada::SimControl, i64),
    WooCommerce(woocommerce::SimControl),
    Tiki(tiki::SimControl, i64),
}

impl Shop {
    /// Places an order of `units` of `sku`; its id, if the shop took it.
    pub fn order(&self, sku: &str, units: i64) -> Option<String> {
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
            Shop::WooCommerce(sim) => sim
                .create_order(&[(sku, units)])
                .ok()
                .map(|o| o.id.to_string()),
            Shop::Tiki(sim, seller) => sim
                .place_order(*seller, &[(sku, units)], None)
                .map(|o| o.code),
        }
    }

    /// Moves an order one step on (`step` 0: ready, 1: shipped, 2:
    /// delivered) or cancels it.
    pub fn advance(&self, id: &str, step: u8, cancel: bool) {
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
            Shop::WooCommerce(sim) => {
                // A site's orders go from processing (paid) to completed;
                // shipping happens outside WooCommerce.
                let status = match (cancel, step) {
                    (true, _) => "cancelled",
                    (false, 0 | 1) => "processing",
                    _ => "completed",
                };
                if let Ok(id) = id.parse() {
                    let _ = sim.set_order_status(id, status);
                }
            }
            Shop::Tiki(sim, _) => {
                let status = match (cancel, step) {
                    (true, _) => "canceled",
                    (false, 0) => "ready_to_ship",
                    (false, 1) => "shipping",
                    _ => "complete",
                };
                let _ = sim.set_order_status(id, status);
            }
        }
    }
}

/// Buyers: a few orders a second across every shop, most of them shipped
/// and delivered, some cancelled, and now and then a flash sale of one SKU
/// on every shop at once.
pub async fn order_traffic(
    shops: Vec<(Shop, Vec<String>)>,
    interval: Duration,
    say: impl Fn(String),
) {
    let mut open: Vec<(usize, String, u8)> = Vec::new();
    let (mut placed, mut cancelled, mut tick) = (0u64, 0u64, 0u64);
    loop {
        tokio::time::sleep(interval).await;
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
            say(format!(
                "flash sale: {sold} orders at once across {} shops",
                shops.len()
            ));
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
                    say(format!(
                        "{placed} orders so far ({cancelled} cancelled), {} open",
                        open.len()
                    ));
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
