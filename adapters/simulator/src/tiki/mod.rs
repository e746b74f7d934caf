//! A Tiki Open Platform simulator (`docs/src/channels/tiki-woocommerce.md`, Part A): OAuth 2.0 on
//! `/sc/oauth2/{auth,token}` (authorization code with a `state`; refresh rotates both tokens and burns the
//! old refresh token; client credentials for the app's own token), the integration API under
//! `/integration/…` with Bearer tokens, products one per variant linked by `original_sku`, absolute
//! `qty_available` per seller warehouse through `updateSku`/`updateSkus`, reviewed product requests
//! (request → tracking → approved products start inactive), orders (unaccepted ones included, for the client
//! to filter) and the app's event queues, pulled and acknowledged with `ack_id` (at-least-once). A per-seller
//! sliding-window rate limit answers 429. `/_sim/…` drives it from tests.

mod api;
mod auth;
mod control;
pub mod state;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use crate::common::faults::Faults;
use crate::common::log::RequestLog;
use crate::common::tokens::{Issued, TokenStore};
use crate::common::window::SlidingWindowLimiter;
pub use state::Review;
use state::{Seller, World};

/// The per-seller request rate the simulator enforces when the settings name none. Tiki publishes no limit
/// (reference §A5); 10 calls in any second is kho's conservative default too.
pub const DEFAULT_RATE_LIMIT: u32 = 10;

/// Access tokens live an hour, refresh tokens thirty days (Tiki publishes neither, §A2).
pub const ACCESS_TTL_SECS: i64 = 3600;
pub const REFRESH_TTL_SECS: i64 = 30 * 86_400;

/// Most entries one `updateSkus` call takes (Tiki publishes no cap, §A7).
pub const MAX_UPDATE_SKUS: usize = 50;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    pub client_id: String,
    pub client_secret: String,
    pub sellers: Vec<SellerConfig>,
    /// What a new product request's review decides.
    pub review: Review,
    pub faults: FaultConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            client_id: "kho-tiki-app".into(),
            client_secret: "tiki-sim-secret".into(),
            sellers: vec![SellerConfig::default()],
            review: Review::Approve,
            faults: FaultConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SellerConfig {
    pub seller_id: i64,
    pub name: String,
    pub warehouses: Vec<i64>,
    pub rate_limit: u32,
    pub products: Vec<SeedProduct>,
}

impl Default for SellerConfig {
    fn default() -> Self {
        Self {
            seller_id: 270_001,
            name: "HTX Tiki".into(),
            warehouses: vec![1034],
            rate_limit: DEFAULT_RATE_LIMIT,
            products: Vec::new(),
        }
    }
}

/// A product already on the shop (active), one per seller SKU.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedProduct {
    pub original_sku: String,
    pub name: String,
    pub price: i64,
    pub qty: i64,
}

/// Injected failures, seeded so a run can be replayed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    pub seed: u64,
    pub server_error: f64,
    pub server_error_statuses: Vec<u16>,
    pub slow: f64,
    pub slow_delay_ms: u64,
    pub drop_connection: f64,
    pub drop_after_apply: f64,
    /// Tiki pushes nothing; kept for the shared fault settings.
    pub push_drop: f64,
    pub push_duplicate: f64,
    pub spared_paths: Vec<String>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            server_error: 0.0,
            server_error_statuses: vec![500, 502, 503],
            slow: 0.0,
            slow_delay_ms: 0,
            drop_connection: 0.0,
            drop_after_apply: 0.0,
            push_drop: 0.0,
            push_duplicate: 0.0,
            spared_paths: vec!["/sc/oauth2/token".into()],
        }
    }
}

crate::common::faults::fault_settings!(FaultConfig, push_drop, push_duplicate);

/// One logged call.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub at_ms: u64,
    pub method: String,
    pub path: String,
    pub seller_id: Option<i64>,
    pub status: u16,
}

pub(crate) struct SimCore {
    pub world: Mutex<World>,
    pub config: Mutex<SimConfig>,
    pub limiter: Mutex<SlidingWindowLimiter<i64>>,
    pub log: Mutex<RequestLog<i64, &'static str, LogEntry>>,
    pub faults: Mutex<Faults<FaultConfig>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SimCore {
    pub fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    pub fn config(&self) -> MutexGuard<'_, SimConfig> {
        lock(&self.config)
    }
}

pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn fresh_token(prefix: &str) -> String {
    use rand::Rng;
    let n: u128 = rand::rng().random();
    format!("{prefix}{n:032x}")
}

/// A seller's current token pair, as the control API shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_at: i64,
    pub refresh_expires_at: i64,
}

/// Test actions on a seller's tokens.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAction {
    ExpireAccessToken,
    ExpireRefreshToken,
    Revoke,
}

/// Drives the simulator from tests and from kho (`kho sim tiki`, the demo).
#[derive(Clone)]
pub struct SimControl(Arc<SimCore>);

impl SimControl {
    pub fn new(config: SimConfig) -> Self {
        let core = SimCore {
            world: Mutex::new(World::default()),
            faults: Mutex::new(Faults::new(config.faults.clone())),
            config: Mutex::new(config.clone()),
            limiter: Mutex::new(SlidingWindowLimiter::default()),
            log: Mutex::new(RequestLog::new(Instant::now(), "rate_limited")),
        };
        let control = Self(Arc::new(core));
        for seller in config.sellers {
            control.add_seller(seller);
        }
        control
    }

    pub fn router(&self) -> Router {
        api::routes(self.0.clone())
            .merge(auth::routes(self.0.clone()))
            .merge(control::routes(self.clone()))
    }

    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        crate::common::server::run("tiki", listener, self.router(), shutdown).await;
    }

    pub fn client_id(&self) -> String {
        self.0.config().client_id.clone()
    }

    pub fn client_secret(&self) -> String {
        self.0.config().client_secret.clone()
    }

    /// Adds a seller with its seeded products and a first token pair.
    pub fn add_seller(&self, config: SellerConfig) -> TokenPair {
        let now = now_ms();
        let tokens = TokenStore::new(
            Issued::new(fresh_token("at_"), now, ACCESS_TTL_SECS * 1000),
            Issued::new(fresh_token("rt_"), now, REFRESH_TTL_SECS * 1000),
        );
        let mut world = self.0.world();
        world.sellers.retain(|s| s.seller_id != config.seller_id);
        world.sellers.push(Seller {
            seller_id: config.seller_id,
            name: config.name,
            warehouses: config.warehouses,
            tokens,
            rate_limit: config.rate_limit.max(1),
            subscriptions: Default::default(),
        });
        for p in config.products {
            world.add_product(
                config.seller_id,
                &p.original_sku,
                &p.name,
                p.price,
                p.qty,
                true,
            );
        }
        drop(world);
        self.tokens(config.seller_id).unwrap_or(TokenPair {
            access_token: String::new(),
            refresh_token: String::new(),
            access_expires_at: 0,
            refresh_expires_at: 0,
        })
    }

    pub fn seller_ids(&self) -> Vec<i64> {
        self.0.world().sellers.iter().map(|s| s.seller_id).collect()
    }

    pub fn tokens(&self, seller_id: i64) -> Option<TokenPair> {
        let mut world = self.0.world();
        let s = world.seller(seller_id)?;
        let (access, access_at) = crate::common::tokens::shown(s.tokens.current_access());
        let (refresh, refresh_at) = crate::common::tokens::shown(s.tokens.current_refresh());
        Some(TokenPair {
            access_token: access,
            refresh_token: refresh,
            access_expires_at: access_at,
            refresh_expires_at: refresh_at,
        })
    }

    pub fn token_action(&self, seller_id: i64, action: TokenAction) -> bool {
        let mut world = self.0.world();
        let Some(s) = world.seller(seller_id) else {
            return false;
        };
        let now = now_ms();
        match action {
            TokenAction::ExpireAccessToken => s.tokens.expire_access(now),
            TokenAction::ExpireRefreshToken => s.tokens.expire_refresh(now),
            TokenAction::Revoke => s.tokens.lapse(),
        }
        true
    }

    /// A single-use authorisation code for the seller, as the consent page would hand it out.
    pub fn issue_auth_code(&self, seller_id: i64) -> String {
        let code = fresh_token("code_");
        self.0.world().codes.insert(code.clone(), seller_id);
        code
    }

    pub fn set_rate_limit(&self, seller_id: i64, per_second: u32) {
        if let Some(s) = self.0.world().seller(seller_id) {
            s.rate_limit = per_second.max(1);
        }
    }

    pub fn seed_product(&self, seller_id: i64, p: SeedProduct) -> state::Product {
        self.0
            .world()
            .add_product(seller_id, &p.original_sku, &p.name, p.price, p.qty, true)
    }

    pub fn products(&self, seller_id: i64) -> Vec<state::Product> {
        self.0.world().seller_products(seller_id).cloned().collect()
    }

    /// Changes a product as the seller would in Seller Center (for drift tests).
    pub fn edit_product(&self, product_id: i64, price: Option<i64>, qty: Option<i64>) -> bool {
        let mut world = self.0.world();
        let Some((_, p)) = world.products.get_mut(&product_id) else {
            return false;
        };
        if let Some(price) = price {
            p.price = price;
        }
        if let (Some(qty), Some(q)) = (qty, p.warehouse_quantities.values_mut().next()) {
            *q = qty;
        }
        true
    }

    pub fn set_review(&self, review: Review) {
        self.0.config().review = review;
    }

    pub fn requests(&self) -> Vec<state::Request> {
        self.0.world().requests.values().cloned().collect()
    }

    /// Decides a request left for manual review.
    pub fn decide(&self, track_id: &str, review: Review) -> bool {
        let mut world = self.0.world();
        api::decide(&mut world, track_id, &review)
    }

    /// Places an order for `items` (`original_sku`, quantity) in `status` (`queueing` unless given).
    pub fn place_order(
        &self,
        seller_id: i64,
        items: &[(&str, i64)],
        status: Option<&str>,
    ) -> Option<state::Order> {
        control::place(&mut self.0.world(), seller_id, items, status)
    }

    pub fn set_order_status(&self, code: &str, status: &str) -> Option<state::Order> {
        self.0.world().set_order_status(code, status, now_secs())
    }

    pub fn orders(&self) -> Vec<state::Order> {
        self.0.world().orders.values().cloned().collect()
    }

    /// Unacknowledged events per queue.
    pub fn queues(&self) -> Vec<state::Queue> {
        self.0.world().queues.values().cloned().collect()
    }

    pub fn set_faults(&self, faults: FaultConfig) {
        lock(&self.0.faults).reconfigure(faults.clone());
        self.0.config().faults = faults;
    }

    pub fn request_log(&self) -> RequestLogSnapshot {
        let log = lock(&self.0.log);
        RequestLogSnapshot {
            total_calls: log.total_calls,
            per_endpoint: log.per_endpoint.clone(),
            rate_limit_violations: log.rate_limit_violations,
            max_calls_in_one_second: log.max_calls_in_one_second,
            rejections: log
                .rejections
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            per_seller: log
                .per_account
                .iter()
                .map(|(k, v)| (*k, (v.calls, v.max_calls_in_one_second)))
                .collect(),
            entries: log.entries.clone(),
        }
    }

    pub fn reset_request_log(&self) {
        lock(&self.0.log).reset();
        lock(&self.0.limiter).reset();
    }
}

/// What the request log shows.
#[derive(Debug, Clone, Serialize)]
pub struct RequestLogSnapshot {
    pub total_calls: u64,
    pub per_endpoint: std::collections::BTreeMap<String, u64>,
    pub rate_limit_violations: u64,
    pub max_calls_in_one_second: u64,
    pub rejections: std::collections::BTreeMap<String, u64>,
    /// Seller → (calls, most in one second).
    pub per_seller: std::collections::BTreeMap<i64, (u64, u64)>,
    pub entries: Vec<LogEntry>,
}

pub type SimHandle = crate::common::handle::SimHandle<SimControl>;

impl SimHandle {
    /// The integration API's and the OAuth host's root.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }

    pub fn control_url(&self) -> String {
        format!("http://{}/_sim", self.addr())
    }
}

pub struct Simulator;

impl Simulator {
    pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
        let control = SimControl::new(config);
        let router = control.router();
        SimHandle::start("tiki", control, router).await
    }
}
