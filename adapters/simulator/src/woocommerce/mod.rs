//! WooCommerce REST API v3 simulator — a cooperative's own WordPress site — written from
//! `docs/src/channels/tiki-woocommerce.md` (Part B) only.
//!
//! Start one in-process with [`Simulator::start`]; the API is under `/wp-json/wc/v3` with WooCommerce's
//! authentication (see [`auth`]), list paging headers, batch limits and per-item errors, and its error JSON
//! `{code, message, data:{status}}`. [`SimControl`] seeds the catalogue, reads it back and delivers signed webhooks;
//! the same is reachable over HTTP under `/_sim` ([`control`]), with the site's rate limit and seeded faults.
//! Run it standalone with [`serve`] (`kho sim woocommerce`).

pub mod auth;
pub mod control;
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

pub use control::{DEFAULT_RATE_LIMIT, FaultConfig};
pub use error::WcError;
pub use orders::{Order, OrderLine};
pub use state::{Item, SeedProduct, SeedVariation};
pub use webhook::Delivery;

/// Where kho's client finds the API under the site root.
pub const API_PREFIX: &str = "/wp-json/wc/v3";

/// A webhook is disabled on its 7th consecutive failed delivery (docs, "Corrections").
pub const FAILURES_BEFORE_DISABLED: u32 = 7;

/// The simulated site.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
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
    /// Calls admitted in any sliding second before HTTP 429 (`None`: unlimited). WooCommerce publishes no
    /// limit — the site's own capacity decides — so the default is [`DEFAULT_RATE_LIMIT`], kho's own default.
    pub rate_limit_per_second: Option<u32>,
    pub faults: FaultConfig,
    /// Products seeded at start (`kho sim woocommerce --settings`).
    pub products: Vec<SeedProduct>,
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
            rate_limit_per_second: Some(DEFAULT_RATE_LIMIT),
            faults: FaultConfig::default(),
            products: Vec::new(),
        }
    }
}

/// One answered API call, for tests that count what a client did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
    pub limiter: crate::common::window::SlidingWindowLimiter<()>,
    /// The site's own URL while every order change is delivered as a webhook by itself.
    pub auto_webhooks: Option<String>,
    pub faults: crate::common::faults::Faults<FaultConfig>,
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
    /// A site with `cfg`'s products seeded; one that breaks the API's own rules is left out with a warning.
    pub fn new(cfg: SimConfig) -> Self {
        let faults = crate::common::faults::Faults::new(cfg.faults.clone());
        let seeds = cfg.products.clone();
        let control = Self(Arc::new(SimCore {
            world: Mutex::new(World {
                cfg,
                catalog: state::Catalog::default(),
                orders: orders::Orders::default(),
                nonces: HashSet::new(),
                log: Vec::new(),
                deliveries: Vec::new(),
                consecutive_failures: 0,
                limiter: Default::default(),
                auto_webhooks: None,
                faults,
            }),
        }));
        for seed in &seeds {
            if let Err(e) = control.seed_product(seed) {
                tracing::warn!(sku = %seed.sku, error = %e, "seed product left out");
            }
        }
        control
    }

    /// The router serving `/wp-json/wc/v3/...` and the `/_sim` control routes.
    pub fn router(&self) -> Router {
        api::routes(self.0.clone()).merge(control::routes(self.0.clone()))
    }

    /// Serves this site on `listener` until `shutdown` completes, after the caller has seeded it.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        crate::common::server::run("woocommerce", listener, self.router(), shutdown).await;
    }

    /// The site's limit (`None`: unlimited); the window starts afresh.
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        let mut world = self.0.world();
        world.cfg.rate_limit_per_second = per_second;
        world.limiter.reset();
    }

    /// Replaces the fault settings and re-seeds their random sequence.
    pub fn set_faults(&self, faults: FaultConfig) {
        let mut world = self.0.world();
        world.faults.reconfigure(faults.clone());
        world.cfg.faults = faults;
    }

    /// Calls refused by the rate limit (HTTP 429) so far.
    pub fn rejections(&self) -> usize {
        self.0
            .world()
            .log
            .iter()
            .filter(|c| c.status == 429)
            .count()
    }

    pub fn reset_request_log(&self) {
        self.0.world().log.clear();
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

    /// The shop admin edits a product's or variation's stock by hand in wp-admin (stock becomes managed).
    pub fn set_stock(&self, sku: &str, quantity: i64) -> Result<(), WcError> {
        let mut world = self.0.world();
        let (parent, id) = world
            .catalog
            .items
            .values()
            .find(|i| i.sku == sku)
            .map(|i| ((i.kind == "variation").then_some(i.parent_id), i.id))
            .ok_or_else(|| {
                WcError::new(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
            })?;
        let body = serde_json::json!({ "manage_stock": true, "stock_quantity": quantity });
        world.catalog.update(parent, id, &body)
    }

    /// The REST JSON of a product or variation, as a webhook payload carries it.
    pub fn item_json(&self, id: i64) -> Option<Value> {
        let world = self.0.world();
        let item = world.catalog.items.get(&id)?;
        Some(world.catalog.json(item))
    }

    /// A buyer's paid order (`processing`) of `(sku, quantity)` lines; managed stock goes down.
    pub fn create_order(&self, lines: &[(&str, i64)]) -> Result<Order, WcError> {
        let order = {
            let mut world = self.0.world();
            let World {
                catalog, orders, ..
            } = &mut *world;
            orders.create(catalog, lines)?
        };
        self.auto_deliver("order.created", order.id);
        Ok(order)
    }

    /// The shop admin changes an order's status (`cancelled` restocks, `refunded` does not).
    pub fn set_order_status(&self, id: i64, status: &str) -> Result<Order, WcError> {
        let order = {
            let mut world = self.0.world();
            let World {
                catalog, orders, ..
            } = &mut *world;
            orders.set_status(catalog, id, status)?
        };
        self.auto_deliver("order.updated", order.id);
        Ok(order)
    }

    /// From now on every order created or changed is delivered to the webhook URL by itself, from the site
    /// at `site_url` (`X-WC-Webhook-Source`); `None` stops it.
    pub fn set_auto_webhooks(&self, site_url: Option<String>) {
        self.0.world().auto_webhooks = site_url;
    }

    /// Delivers order `id` in the background when automatic webhooks are on (and a runtime runs).
    fn auto_deliver(&self, topic: &'static str, id: i64) {
        let Some(source) = self.0.world().auto_webhooks.clone() else {
            return;
        };
        let (Ok(runtime), Some(payload)) =
            (tokio::runtime::Handle::try_current(), self.order_json(id))
        else {
            return;
        };
        let sim = self.clone();
        runtime.spawn(async move {
            sim.deliver_webhook(topic, &payload, &source).await;
        });
    }

    /// Every order's id, oldest first.
    pub fn order_ids(&self) -> Vec<i64> {
        self.0.world().orders.by_id.keys().copied().collect()
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
        let (hook, delivery_id, fault) = {
            let mut world = self.0.world();
            if world.consecutive_failures >= FAILURES_BEFORE_DISABLED {
                return None;
            }
            let fault = world.faults.decide_push();
            let hook = webhook::Hook {
                url: world.cfg.webhook_url.clone()?,
                source: source.to_owned(),
                secret: world.cfg.webhook_secret.clone(),
                webhook_id: 1,
            };
            (
                hook,
                i64::try_from(world.deliveries.len()).unwrap_or(i64::MAX) + 1,
                fault,
            )
        };
        if fault.drop {
            return None;
        }
        let body = serde_json::to_vec(payload).unwrap_or_default();
        if fault.duplicate {
            webhook::deliver(&hook, topic, delivery_id, body.clone()).await;
        }
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

    /// Where the `/_sim` control routes are.
    pub fn control_url(&self) -> String {
        format!("http://{}", self.addr())
    }
}

/// Runs a simulator on `listener` until `shutdown` completes (for `kho sim woocommerce`).
pub async fn serve(
    cfg: SimConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    SimControl::new(cfg).serve(listener, shutdown).await;
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
