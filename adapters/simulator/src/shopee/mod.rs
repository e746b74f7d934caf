//! Shopee Open Platform v2 simulator, written from `docs/src/channels/shopee.md` only.
//!
//! Start one in-process with [`Simulator::start`] (binds 127.0.0.1:0) or run it standalone with [`serve`]. Drive
//! and inspect it with [`SimControl`] (also reachable through the [`SimHandle`]) or over HTTP under `/_sim/...`.
//! The Shopee surface is under `/api/v2/...` with the real paths, signing, token rules and error strings.

pub mod config;
pub mod error;
pub mod log;
pub mod push;
pub mod sign;
pub mod state;
pub mod tokens;

mod api;
mod auth;
mod authorize;
mod control;
mod gate;
mod media;
mod orders;
mod params;
mod products;
mod variations;
mod world;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use tokio::net::TcpListener;

pub use config::{ErrorStatusMode, FaultConfig, PriceLimit, PushConfig, ShopConfig, SimConfig};
pub use error::Rejection;
pub use log::{LogEntry, RequestLogSnapshot, ShopCalls, WriteCall};
pub use push::{PushOptions, PushRecord};
pub use state::{
    Item, ItemStatus, ListingEdit, Model, NewOrder, NewOrderLine, Order, OrderLine, OrderStatus,
    SeedItem, SeedModel, ShopState, SimState, TierVariation,
};
pub use tokens::{TokenAction, TokenPair};
pub use world::ControlError;

use crate::common::push as delivery;
use world::World;

/// Errors starting or running the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("binding or serving the simulator's socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid simulator configuration: {0}")]
    Config(#[from] ControlError),
}

/// Shared state: the world behind one lock, and the push queue.
#[derive(Debug)]
pub struct SimCore {
    world: Mutex<World>,
    push_tx: delivery::Queue<push::PushMsg>,
}

impl SimCore {
    /// Locks the world. A panic while holding the lock cannot leave it half-updated in a way tests care about
    /// more than seeing the rest of the state, so poisoning is ignored.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// In-process control of a running simulator (cheap to clone). Every method has an HTTP twin under `/_sim`.
#[derive(Debug, Clone)]
pub struct SimControl(Arc<SimCore>);

impl SimControl {
    /// Builds the simulator state and starts its push dispatcher. Needs a tokio runtime.
    pub fn new(config: SimConfig) -> Result<Self, SimError> {
        let world = World::new(config)?;
        let (tx, rx) = delivery::queue();
        let core = Arc::new(SimCore {
            world: Mutex::new(world),
            push_tx: tx,
        });
        tokio::spawn(delivery::dispatcher(Arc::downgrade(&core), rx));
        Ok(Self(core))
    }

    /// Serves this simulator on `listener` until `shutdown` completes. Lets a CLI seed the state and print
    /// tokens before serving.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        crate::common::server::run("shopee", listener, self.router(), shutdown).await;
    }

    /// The axum router serving `/api/v2/...` and `/_sim/...` for this simulator.
    pub fn router(&self) -> Router {
        Router::new()
            .nest("/_sim", control::routes())
            .route(
                authorize::AUTH_PARTNER_PATH,
                axum::routing::get(authorize::page),
            )
            .fallback(api::handle)
            .with_state(self.0.clone())
    }

    pub fn partner_id(&self) -> i64 {
        self.0.world().cfg.partner_id
    }

    /// The whole state: shops, listings, orders.
    pub fn state(&self) -> SimState {
        self.0.world().snapshot()
    }

    pub fn request_log(&self) -> RequestLogSnapshot {
        log::snapshot(&self.0.world().log)
    }

    /// Clears the request log, the writes and the rate limiter's windows.
    pub fn reset_request_log(&self) {
        let mut w = self.0.world();
        w.log.reset();
        w.limiter.reset();
        w.writes.clear();
    }

    /// Milliseconds since the simulator started: the clock of
    /// [`WriteCall`]s and log entries.
    pub fn clock_ms(&self) -> u64 {
        let started = self.0.world().log.started();
        u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Every accepted write to listings since the start or the last reset,
    /// with the client that made it.
    pub fn write_calls(&self) -> Vec<WriteCall> {
        self.0.world().writes.clone()
    }

    /// Authorises another shop; returns its tokens.
    pub fn add_shop(&self, shop: ShopConfig) -> Result<TokenPair, ControlError> {
        self.0.world().add_shop(shop)
    }

    pub fn set_rate_limit(
        &self,
        shop_id: i64,
        per_second: Option<u32>,
    ) -> Result<(), ControlError> {
        self.0.world().shop_mut(shop_id)?.cfg.rate_limit_per_second = per_second;
        Ok(())
    }

    pub fn seed_item(&self, shop_id: i64, item: SeedItem) -> Result<Item, ControlError> {
        self.0.world().seed_item(shop_id, item)
    }

    /// Changes a listing "by hand" in Seller Centre (drift).
    pub fn edit_listing(
        &self,
        shop_id: i64,
        item_id: i64,
        edit: ListingEdit,
    ) -> Result<Item, ControlError> {
        self.0.world().edit_listing(shop_id, item_id, edit)
    }

    /// Deletes a listing (status `SELLER_DELETE`, still readable).
    pub fn delete_listing(&self, shop_id: i64, item_id: i64) -> Result<(), ControlError> {
        self.0.world().delete_listing(shop_id, item_id)
    }

    /// Removes a listing completely (the API no longer knows it).
    pub fn purge_listing(&self, shop_id: i64, item_id: i64) -> Result<(), ControlError> {
        self.0.world().purge_listing(shop_id, item_id)
    }

    /// Places an order (lowers seller stock); pushes code 3 if auto pushes are on.
    pub fn create_order(&self, order: NewOrder) -> Result<Order, ControlError> {
        let (order, push) = self.0.world().create_order(order)?;
        if let Some(msg) = push {
            delivery::emit(&self.0, msg, PushOptions::default());
        }
        Ok(order)
    }

    /// Changes an order's status (cancelling restores stock once); pushes code 3 if auto pushes are on.
    pub fn set_order_status(
        &self,
        order_sn: &str,
        status: OrderStatus,
    ) -> Result<Order, ControlError> {
        self.set_order_status_with_push(order_sn, status, None)
    }

    /// Like [`Self::set_order_status`]; `push = Some(options)` forces a push delivered with those options.
    pub fn set_order_status_with_push(
        &self,
        order_sn: &str,
        status: OrderStatus,
        push: Option<PushOptions>,
    ) -> Result<Order, ControlError> {
        let (order, auto) = self.0.world().set_order_status(order_sn, status)?;
        let msg = match (auto, push) {
            (Some(msg), _) => Some(msg),
            (None, Some(_)) => Some(self.0.world().push.order_status_msg(&order)),
            (None, None) => None,
        };
        if let Some(msg) = msg {
            delivery::emit(&self.0, msg, push.unwrap_or_default());
        }
        Ok(order)
    }

    /// Sends an order-status push for the order's current status; returns the push id.
    pub fn send_order_push(
        &self,
        order_sn: &str,
        options: PushOptions,
    ) -> Result<u64, ControlError> {
        let msg = {
            let mut w = self.0.world();
            let order = w
                .orders
                .get(order_sn)
                .cloned()
                .ok_or_else(|| ControlError::UnknownOrder(order_sn.to_owned()))?;
            w.push.order_status_msg(&order)
        };
        let id = msg.id;
        delivery::emit(&self.0, msg, options);
        Ok(id)
    }

    /// Sends held pushes (oldest first, or newest first to reorder them); returns how many.
    pub fn release_held_pushes(&self, reverse: bool) -> usize {
        delivery::release_held(&self.0, reverse)
    }

    /// Every push attempt so far (sent, failed or dropped).
    pub fn push_log(&self) -> Vec<PushRecord> {
        self.0.world().push.records.clone()
    }

    pub fn set_callback_url(&self, url: Option<String>) {
        self.0.world().push.callback_url = url;
    }

    pub fn set_auto_push(&self, on: bool) {
        self.0.world().push.auto_order_status = on;
    }

    /// Replaces the fault settings and re-seeds the fault RNG.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.0.world().faults.reconfigure(faults);
    }

    pub fn faults(&self) -> FaultConfig {
        self.0.world().faults.config().clone()
    }

    /// Expires or revokes a shop's tokens.
    pub fn token_action(
        &self,
        shop_id: i64,
        action: TokenAction,
    ) -> Result<TokenPair, ControlError> {
        self.0.world().token_action(shop_id, action)
    }

    /// The shop's current token pair.
    pub fn tokens(&self, shop_id: i64) -> Result<TokenPair, ControlError> {
        self.0.world().tokens(shop_id)
    }

    /// A fresh single-use authorization code for `auth/token/get` (as the redirect after shop authorization gives).
    pub fn issue_auth_code(&self, shop_id: i64) -> Result<String, ControlError> {
        self.0.world().issue_auth_code(shop_id)
    }
}

/// A simulator running in the background on 127.0.0.1. Dereferences to its [`SimControl`].
pub type SimHandle = crate::common::handle::SimHandle<SimControl>;

impl SimHandle {
    /// `http://127.0.0.1:PORT` — what a client uses as its Shopee host.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }
}

/// Entry point for tests.
pub struct Simulator;

impl Simulator {
    /// Starts a simulator on 127.0.0.1 with an OS-chosen port.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        let control = SimControl::new(config)?;
        let router = control.router();
        Ok(SimHandle::start("shopee", control, router).await?)
    }
}

/// Runs a simulator on `listener` until `shutdown` completes (for `kho sim shopee`).
pub async fn serve(
    config: SimConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SimError> {
    SimControl::new(config)?.serve(listener, shutdown).await;
    Ok(())
}
