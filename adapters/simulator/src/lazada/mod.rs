//! Lazada Open Platform (LazOP, Vietnam venture) simulator, written from `docs/src/channels/lazada.md` only.
//!
//! Start one in-process with [`Simulator::start`] (binds 127.0.0.1:0) or run it standalone with [`serve`]. Drive
//! and inspect it with [`SimControl`] (also reachable through the [`SimHandle`]) or over HTTP under `/_sim/...`.
//! Both Lazada hosts are served on one listener under `/rest/...`: the API gateway paths (`/rest/products/get`,
//! …) and the auth host's token paths (`/rest/auth/token/create`, `/rest/auth/token/refresh`), so
//! [`SimHandle::base_url`] works as both the client's `base_url` and its `auth_url`.

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
mod limits;
mod orders;
mod params;
mod products;
mod stock;
mod world;
mod xml;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

pub use config::{
    ErrorStatusMode, FaultConfig, PushConfig, RateLimitSignal, RateLimits, SellerConfig, SimConfig,
};
pub use error::{ErrorType, Rejection};
pub use log::{LogEntry, RequestLogSnapshot, SellerCalls};
pub use push::{PushOptions, PushRecord};
pub use state::{
    NewOrder, NewOrderLine, Order, OrderItem, OrderItemStatus, Product, ProductEdit, ProductStatus,
    SeedProduct, SeedSku, SellerState, SimState, Sku, SkuEdit, SkuStatus,
};
pub use tokens::{TokenAction, TokenPair};
pub use world::ControlError;

use crate::common::push as delivery;
use push::PushMsg;
use world::World;

/// Errors starting or running the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("binding or serving the simulator's socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid simulator configuration: {0}")]
    Config(#[from] ControlError),
}

/// A change of order-item statuses (control API body of `POST /_sim/orders/{order_id}/status`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ItemStatusChange {
    pub status: OrderItemStatus,
    /// Items to change; all items of the order when absent.
    pub order_item_ids: Option<Vec<i64>>,
    /// Item `reason` (e.g. a cancellation reason).
    pub reason: Option<String>,
    /// Force a push for the changed items with these options (even when automatic pushes are off).
    pub push: Option<PushOptions>,
}

/// Shared state: the world behind one lock, and the push queue.
#[derive(Debug)]
pub struct SimCore {
    world: Mutex<World>,
    push_tx: delivery::Queue<PushMsg>,
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
        crate::common::server::run("lazada", listener, self.router(), shutdown).await;
    }

    /// The axum router serving `/rest/...` and `/_sim/...` for this simulator.
    pub fn router(&self) -> Router {
        Router::new()
            .nest("/_sim", control::routes())
            .route(
                authorize::AUTHORIZE_PATH,
                axum::routing::get(authorize::page),
            )
            .fallback(api::handle)
            .with_state(self.0.clone())
    }

    pub fn app_key(&self) -> String {
        self.0.world().cfg.app_key.clone()
    }

    /// The whole state: sellers, products, orders.
    pub fn state(&self) -> SimState {
        self.0.world().snapshot()
    }

    pub fn request_log(&self) -> RequestLogSnapshot {
        log::snapshot(&self.0.world().log)
    }

    /// Clears the request log, the rate limiter's windows and bans, and the daily call count.
    pub fn reset_request_log(&self) {
        let mut w = self.0.world();
        w.log.reset();
        w.limiter.reset();
        w.daily_calls = (0, 0);
    }

    /// Adds a seller that authorised the App; returns its tokens.
    pub fn add_seller(&self, seller: SellerConfig) -> Result<TokenPair, ControlError> {
        self.0.world().add_seller(seller)
    }

    /// Overrides `RateLimits::seller_per_second` for one seller (`None` = back to the App-wide setting).
    pub fn set_seller_rate_limit(
        &self,
        seller_id: i64,
        per_second: Option<u32>,
    ) -> Result<(), ControlError> {
        self.0
            .world()
            .seller_mut(seller_id)?
            .cfg
            .rate_limit_per_second = per_second;
        Ok(())
    }

    /// Replaces the rate limits (windows already counted are kept).
    pub fn set_rate_limits(&self, limits: RateLimits) {
        self.0.world().cfg.rate_limits = limits;
    }

    pub fn rate_limits(&self) -> RateLimits {
        self.0.world().cfg.rate_limits.clone()
    }

    pub fn seed_product(
        &self,
        seller_id: i64,
        product: SeedProduct,
    ) -> Result<Product, ControlError> {
        self.0.world().seed_product(seller_id, product)
    }

    /// Changes a product "by hand" in Seller Center: activate/deactivate, rename.
    pub fn edit_product(
        &self,
        seller_id: i64,
        item_id: i64,
        edit: ProductEdit,
    ) -> Result<Product, ControlError> {
        self.0.world().edit_product(seller_id, item_id, edit)
    }

    /// Changes a SKU "by hand" (drift): total or sellable stock, price, sale price, status, campaign lock.
    pub fn edit_sku(
        &self,
        seller_id: i64,
        seller_sku: &str,
        edit: SkuEdit,
    ) -> Result<Sku, ControlError> {
        self.0.world().edit_sku(seller_id, seller_sku, edit)
    }

    /// Deletes a product (status `Deleted`, still listed with `filter=deleted`).
    pub fn delete_product(&self, seller_id: i64, item_id: i64) -> Result<(), ControlError> {
        self.0.world().delete_product(seller_id, item_id)
    }

    /// Removes a product completely (the API no longer knows it).
    pub fn purge_product(&self, seller_id: i64, item_id: i64) -> Result<(), ControlError> {
        self.0.world().purge_product(seller_id, item_id)
    }

    /// Places an order with one item per unit (lowers sellable stock); pushes each item if auto pushes are on.
    pub fn create_order(&self, order: NewOrder) -> Result<Order, ControlError> {
        let (order, pushes) = self.0.world().create_order(order)?;
        self.emit_all(pushes, PushOptions::default());
        Ok(order)
    }

    /// Moves all items of an order to `status` (cancelling restores stock once).
    pub fn set_item_status(
        &self,
        order_id: i64,
        status: OrderItemStatus,
    ) -> Result<Order, ControlError> {
        self.change_item_status(
            order_id,
            ItemStatusChange {
                status,
                ..Default::default()
            },
        )
    }

    /// Moves some or all items of an order to a status, with an optional reason and forced push.
    pub fn change_item_status(
        &self,
        order_id: i64,
        change: ItemStatusChange,
    ) -> Result<Order, ControlError> {
        let (order, auto) = self.0.world().set_item_status(
            order_id,
            change.order_item_ids.as_deref(),
            change.status,
            change.reason,
        )?;
        match change.push {
            Some(opts) if auto.is_empty() => {
                let ids: Vec<i64> = order
                    .items
                    .iter()
                    .filter(|i| i.status == change.status)
                    .filter(|i| {
                        change
                            .order_item_ids
                            .as_ref()
                            .is_none_or(|ids| ids.contains(&i.order_item_id))
                    })
                    .map(|i| i.order_item_id)
                    .collect();
                let msgs = self.0.world().item_pushes(&order, Some(&ids));
                self.emit_all(msgs, opts);
            }
            opts => self.emit_all(auto, opts.unwrap_or_default()),
        }
        Ok(order)
    }

    /// Sends an order-status push (message_type 0) per item (all, or the given ones) with its current status;
    /// returns the push ids.
    pub fn send_order_push(
        &self,
        order_id: i64,
        order_item_ids: Option<&[i64]>,
        options: PushOptions,
    ) -> Result<Vec<u64>, ControlError> {
        let msgs = {
            let mut w = self.0.world();
            let order = w
                .orders
                .get(&order_id)
                .cloned()
                .ok_or(ControlError::UnknownOrder(order_id))?;
            w.item_pushes(&order, order_item_ids)
        };
        let ids = msgs.iter().map(|m| m.id).collect();
        self.emit_all(msgs, options);
        Ok(ids)
    }

    fn emit_all(&self, msgs: Vec<PushMsg>, options: PushOptions) {
        for msg in msgs {
            delivery::emit(&self.0, msg, options);
        }
    }

    /// Sends held pushes (oldest first, or newest first to reorder them); returns how many.
    pub fn release_held_pushes(&self, reverse: bool) -> usize {
        delivery::release_held(&self.0, reverse)
    }

    /// Every push attempt so far (sent, failed, retried or dropped).
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

    /// Expires or revokes a seller's tokens.
    pub fn token_action(
        &self,
        seller_id: i64,
        action: TokenAction,
    ) -> Result<TokenPair, ControlError> {
        self.0.world().token_action(seller_id, action)
    }

    /// The seller's current token pair.
    pub fn tokens(&self, seller_id: i64) -> Result<TokenPair, ControlError> {
        self.0.world().tokens(seller_id)
    }

    /// A fresh single-use authorization code for `/auth/token/create` (what the OAuth redirect delivers, §2.1).
    pub fn issue_auth_code(&self, seller_id: i64) -> Result<String, ControlError> {
        self.0.world().issue_auth_code(seller_id)
    }
}

/// A simulator running in the background on 127.0.0.1. Dereferences to its [`SimControl`].
pub type SimHandle = crate::common::handle::SimHandle<SimControl>;

impl SimHandle {
    /// `http://127.0.0.1:PORT/rest` — the client's Lazada `base_url` (for `https://api.lazada.vn/rest`) **and**
    /// `auth_url` (for `https://auth.lazada.com/rest`).
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr(), api::REST_PREFIX)
    }

    /// Same as [`Self::base_url`]: the auth host's token paths are served on the same listener.
    pub fn auth_url(&self) -> String {
        self.base_url()
    }

    /// `http://127.0.0.1:PORT` — where `/_sim/...` lives.
    pub fn control_url(&self) -> String {
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
        Ok(SimHandle::start("lazada", control, router).await?)
    }
}

/// Runs a simulator on `listener` until `shutdown` completes (for `kho sim lazada`).
pub async fn serve(
    config: SimConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SimError> {
    SimControl::new(config)?.serve(listener, shutdown).await;
    Ok(())
}
