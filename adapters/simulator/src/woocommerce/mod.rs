//! WooCommerce REST API v3 simulator — a cooperative's own WordPress site — written from
//! `docs/src/channels/tiki-woocommerce.md` (Part B) only.
//!
//! Start one in-process with [`Simulator::start`]; the API is under `/wp-json/wc/v3` with WooCommerce's
//! authentication (see [`auth`]), list paging headers, batch limits and per-item errors, and its error JSON
//! `{code, message, data:{status}}`. [`SimControl`] seeds the catalogue, reads it back and delivers signed webhooks.

pub mod auth;
pub mod error;
pub mod oauth;
pub mod state;
pub mod webhook;

mod api;
mod list;
pub mod orders;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use serde_json::Value;

pub use error::WcError;
pub use orders::{Order, OrderLine};
pub use state::{Item, SeedProduct, SeedVariation};
pub use webhook::Delivery;

/// Where kho's client finds the API under the site root.
pub const API_PREFIX: &str = "/wp-json/wc/v3";

/// A webhook is disabled on its 7th consecutive failed delivery (docs, "Corrections").
pub const FAILURES_BEFORE_DISABLED: u32 = 7;

/// The simulated site.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub webhook_secret: String,
    /// Pretend a TLS terminator sits in front: Basic and query credentials are accepted (they never are over http).
    pub https: bool,
    /// Behave like a web server that drops the `Authorization` header.
    pub strips_authorization: bool,
    /// Where webhooks are delivered (the site's webhook "Delivery URL").
    pub webhook_url: Option<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            consumer_key: "ck_simulated0000000000000000000000000000".into(),
            consumer_secret: "cs_simulated0000000000000000000000000000".into(),
            webhook_secret: "whsec-simulated".into(),
            https: false,
            strips_authorization: false,
            webhook_url: None,
        }
    }
}

/// One answered API call, for tests that count what a client did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedCall {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The error `code`, when the call was refused.
    pub code: Option<String>,
}

#[derive(Debug)]
pub(crate) struct World {
    pub cfg: SimConfig,
    pub catalog: state::Catalog,
    pub orders: orders::Orders,
    pub nonces: HashSet<(i64, String)>,
    pub log: Vec<LoggedCall>,
    pub deliveries: Vec<Delivery>,
    pub consecutive_failures: u32,
}

#[derive(Debug)]
pub struct SimCore {
    world: Mutex<World>,
}

impl SimCore {
    /// Poisoning is ignored: a test that panicked mid-call still wants to read the rest of the state.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// In-process control of a running simulator (cheap to clone).
#[derive(Debug, Clone)]
pub struct SimControl(Arc<SimCore>);

impl SimControl {
    pub fn new(cfg: SimConfig) -> Self {
        Self(Arc::new(SimCore {
            world: Mutex::new(World {
                cfg,
                catalog: state::Catalog::default(),
                orders: orders::Orders::default(),
                nonces: HashSet::new(),
                log: Vec::new(),
                deliveries: Vec::new(),
                consecutive_failures: 0,
            }),
        }))
    }

    /// The router serving `/wp-json/wc/v3/...`.
    pub fn router(&self) -> Router {
        api::routes(self.0.clone())
    }

    pub fn config(&self) -> SimConfig {
        self.0.world().cfg.clone()
    }

    pub fn set_webhook_url(&self, url: Option<String>) {
        self.0.world().cfg.webhook_url = url;
    }

    /// Adds a product (and its variations) through the API's own rules; returns the product id.
    pub fn seed_product(&self, seed: &SeedProduct) -> Result<i64, WcError> {
        self.0.world().catalog.seed(seed)
    }

    /// Every product and variation, by id.
    pub fn items(&self) -> Vec<Item> {
        self.0.world().catalog.items.values().cloned().collect()
    }

    /// The product or variation with this SKU.
    pub fn item_by_sku(&self, sku: &str) -> Option<Item> {
        let world = self.0.world();
        world.catalog.items.values().find(|i| i.sku == sku).cloned()
    }

    /// The REST JSON of a product or variation, as a webhook payload carries it.
    pub fn item_json(&self, id: i64) -> Option<Value> {
        let world = self.0.world();
        let item = world.catalog.items.get(&id)?;
        Some(world.catalog.json(item))
    }

    /// A buyer's paid order (`processing`) of `(sku, quantity)` lines; managed stock goes down.
    pub fn create_order(&self, lines: &[(&str, i64)]) -> Result<Order, WcError> {
        let mut world = self.0.world();
        let World {
            catalog, orders, ..
        } = &mut *world;
        orders.create(catalog, lines)
    }

    /// The shop admin changes an order's status (`cancelled` restocks, `refunded` does not).
    pub fn set_order_status(&self, id: i64, status: &str) -> Result<Order, WcError> {
        let mut world = self.0.world();
        let World {
            catalog, orders, ..
        } = &mut *world;
        orders.set_status(catalog, id, status)
    }

    /// The REST JSON of an order, as a webhook payload carries it.
    pub fn order_json(&self, id: i64) -> Option<Value> {
        self.0.world().orders.by_id.get(&id).map(orders::json)
    }

    pub fn request_log(&self) -> Vec<LoggedCall> {
        self.0.world().log.clone()
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.0.world().deliveries.clone()
    }

    /// Delivers `payload` for `topic` (e.g. `order.updated`) to the webhook URL, signed with the webhook secret.
    /// `None` when no URL is set or the webhook was disabled by consecutive failures.
    pub async fn deliver_webhook(
        &self,
        topic: &str,
        payload: &Value,
        source: &str,
    ) -> Option<Delivery> {
        let (hook, delivery_id) = {
            let world = self.0.world();
            if world.consecutive_failures >= FAILURES_BEFORE_DISABLED {
                return None;
            }
            let hook = webhook::Hook {
                url: world.cfg.webhook_url.clone()?,
                source: source.to_owned(),
                secret: world.cfg.webhook_secret.clone(),
                webhook_id: 1,
            };
            (
                hook,
                i64::try_from(world.deliveries.len()).unwrap_or(i64::MAX) + 1,
            )
        };
        let body = serde_json::to_vec(payload).unwrap_or_default();
        let delivery = webhook::deliver(&hook, topic, delivery_id, body).await;
        let mut world = self.0.world();
        if delivery.ok {
            world.consecutive_failures = 0;
        } else {
            world.consecutive_failures += 1;
        }
        world.deliveries.push(delivery.clone());
        Some(delivery)
    }
}

pub type SimHandle = crate::common::handle::SimHandle<SimControl>;

impl SimHandle {
    /// The site root kho is configured with (`base_url`); the API is under [`API_PREFIX`].
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }
}

/// Entry point for tests.
pub struct Simulator;

impl Simulator {
    /// Binds 127.0.0.1:0 and serves the site in the background.
    pub async fn start(cfg: SimConfig) -> std::io::Result<SimHandle> {
        let control = SimControl::new(cfg);
        let router = control.router();
        SimHandle::start("woocommerce", control, router).await
    }
}
