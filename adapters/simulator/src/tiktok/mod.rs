//! TikTok Shop Open API (202309) simulator, written from `docs/src/channels/tiktok.md` only.
//!
//! Start one in-process with [`Simulator::start`] (binds 127.0.0.1:0) or run it standalone with [`serve`]. Drive
//! and inspect it with [`SimControl`] (also reachable through the [`SimHandle`]) or over HTTP under `/_sim/...`.
//! One listener serves both TikTok hosts: the auth host's `/api/v2/token/get|refresh` and the Open API's versioned
//! paths (`/product/202309/...`), so a client can use [`SimHandle::base_url`] as both its API and auth URL.

pub mod config;
pub mod error;
pub mod log;
pub mod sign;
pub mod state;
pub mod tokens;
pub mod webhook;

mod api;
mod auth;
mod authorize;
mod control;
mod create;
mod events;
mod gate;
mod media;
mod orders;
mod params;
mod products;
mod world;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use tokio::net::TcpListener;

pub use config::{
    ErrorStatusMode, FaultConfig, ShopConfig, SimConfig, WarehouseConfig, WebhookConfig,
};
pub use error::Rejection;
pub use log::{LogEntry, RequestLogSnapshot, ShopCalls};
pub use state::{
    CancelStatus, Cancellation, InventoryEntry, LineItem, ListingEdit, NewOrder, NewOrderLine,
    Order, OrderStatus, Product, ProductStatus, Return, ReturnStatus, ReturnType, SalesAttribute,
    SeedProduct, SeedSku, ShopState, SimState, Sku,
};
pub use tokens::{TokenAction, TokenPair};
pub use webhook::{WebhookOptions, WebhookRecord, WebhookType};
pub use world::{ControlError, NewCancellation, NewReturn};

use crate::common::push as delivery;
use webhook::WebhookMsg;
use world::World;

/// Errors starting or running the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("binding or serving the simulator's socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid simulator configuration: {0}")]
    Config(#[from] ControlError),
}

/// Shared state: the world behind one lock, and the webhook queue.
#[derive(Debug)]
pub struct SimCore {
    world: Mutex<World>,
    webhook_tx: delivery::Queue<WebhookMsg>,
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
    /// Builds the simulator state and starts its webhook dispatcher. Needs a tokio runtime.
    pub fn new(config: SimConfig) -> Result<Self, SimError> {
        let world = World::new(config)?;
        let (tx, rx) = delivery::queue();
        let core = Arc::new(SimCore {
            world: Mutex::new(world),
            webhook_tx: tx,
        });
        tokio::spawn(delivery::dispatcher(Arc::downgrade(&core), rx));
        Ok(Self(core))
    }

    /// Serves this simulator on `listener` until `shutdown` completes. Lets a CLI seed the state and print
    /// tokens before serving.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        crate::common::server::run("tiktok", listener, self.router(), shutdown).await;
    }

    /// The axum router serving both TikTok hosts and `/_sim/...` for this simulator. The body limit is raised
    /// from axum's 2 MB default so a 5 MB image (§6.5) reaches the upload's own size check.
    pub fn router(&self) -> Router {
        Router::new()
            .nest("/_sim", control::routes())
            .route(
                authorize::AUTHORIZE_PATH,
                axum::routing::get(authorize::page),
            )
            .route(
                authorize::CONSENT_PATH,
                axum::routing::get(authorize::service_page),
            )
            .fallback(api::handle)
            .layer(axum::extract::DefaultBodyLimit::max(api::MAX_BODY))
            .with_state(self.0.clone())
    }

    pub fn app_key(&self) -> String {
        self.0.world().cfg.app_key.clone()
    }

    /// The App's service id in Partner Center, which the current consent link carries.
    pub fn service_id(&self) -> String {
        self.0.world().cfg.service_id.clone()
    }

    /// The whole state: shops, products, orders, cancellations, returns.
    pub fn state(&self) -> SimState {
        self.0.world().snapshot()
    }

    pub fn request_log(&self) -> RequestLogSnapshot {
        log::snapshot(&self.0.world().log)
    }

    /// Clears the request log and the rate limiter's windows.
    pub fn reset_request_log(&self) {
        let mut w = self.0.world();
        w.log.reset();
        w.limiter.reset();
    }

    /// Authorises another shop; returns its tokens.
    pub fn add_shop(&self, shop: ShopConfig) -> Result<TokenPair, ControlError> {
        self.0.world().add_shop(shop)
    }

    pub fn set_rate_limit(
        &self,
        shop_id: &str,
        per_second: Option<u32>,
    ) -> Result<(), ControlError> {
        self.0.world().shop_mut(shop_id)?.cfg.rate_limit_per_second = per_second;
        Ok(())
    }

    pub fn seed_product(
        &self,
        shop_id: &str,
        product: SeedProduct,
    ) -> Result<Product, ControlError> {
        self.0.world().seed_product(shop_id, product)
    }

    /// Changes a product "by hand" in Seller Center (drift); a status change sends PRODUCT_STATUS_CHANGE.
    pub fn edit_listing(
        &self,
        shop_id: &str,
        product_id: &str,
        edit: ListingEdit,
    ) -> Result<Product, ControlError> {
        let (product, msgs) = self.0.world().edit_listing(shop_id, product_id, edit)?;
        self.emit_all(msgs, WebhookOptions::default());
        Ok(product)
    }

    /// Deletes a listing (status `DELETED`, still readable).
    pub fn delete_listing(&self, shop_id: &str, product_id: &str) -> Result<(), ControlError> {
        let msgs = self.0.world().delete_listing(shop_id, product_id)?;
        self.emit_all(msgs, WebhookOptions::default());
        Ok(())
    }

    /// Removes a listing completely (the API no longer knows it).
    pub fn purge_listing(&self, shop_id: &str, product_id: &str) -> Result<(), ControlError> {
        self.0.world().purge_listing(shop_id, product_id)
    }

    /// Places an order (one line item per unit; lowers stock); sends ORDER_STATUS_CHANGE if auto webhooks are on.
    pub fn create_order(&self, order: NewOrder) -> Result<Order, ControlError> {
        let (order, msgs) = self.0.world().create_order(order, false)?;
        self.emit_all(msgs, WebhookOptions::default());
        Ok(order)
    }

    /// Changes an order's status (cancelling restores stock once); sends ORDER_STATUS_CHANGE if auto is on.
    pub fn set_order_status(
        &self,
        order_id: &str,
        status: OrderStatus,
    ) -> Result<Order, ControlError> {
        self.set_order_status_with_webhook(order_id, status, None)
    }

    /// Like [`Self::set_order_status`]; `webhook = Some(options)` forces a webhook delivered with those options.
    pub fn set_order_status_with_webhook(
        &self,
        order_id: &str,
        status: OrderStatus,
        webhook: Option<WebhookOptions>,
    ) -> Result<Order, ControlError> {
        let (order, msgs) = self
            .0
            .world()
            .set_order_status(order_id, status, webhook.is_some())?;
        self.emit_all(msgs, webhook.unwrap_or_default());
        Ok(order)
    }

    /// Sends ORDER_STATUS_CHANGE for the order's current status; returns its `tts_notification_id`.
    pub fn send_order_webhook(
        &self,
        order_id: &str,
        options: WebhookOptions,
    ) -> Result<String, ControlError> {
        let msg = {
            let mut w = self.0.world();
            let order = w
                .orders
                .get(order_id)
                .cloned()
                .ok_or_else(|| ControlError::UnknownOrder(order_id.to_owned()))?;
            w.webhooks.order_status(&order)
        };
        let id = msg.notification_id.clone();
        delivery::emit(&self.0, msg, options);
        Ok(id)
    }

    /// Opens a cancellation request (CANCELLATION_STATUS_CHANGE); `complete` cancels the order and restores stock.
    pub fn create_cancellation(
        &self,
        order_id: &str,
        request: NewCancellation,
    ) -> Result<Cancellation, ControlError> {
        let (c, msgs) = self.0.world().create_cancellation(order_id, request)?;
        self.emit_all(msgs, WebhookOptions::default());
        Ok(c)
    }

    /// Moves a cancellation; completing it cancels the order and restores its stock (once).
    pub fn set_cancellation_status(
        &self,
        cancel_id: &str,
        status: CancelStatus,
    ) -> Result<Cancellation, ControlError> {
        let (c, msgs) = self.0.world().set_cancellation_status(cancel_id, status)?;
        self.emit_all(msgs, WebhookOptions::default());
        Ok(c)
    }

    /// Opens a return/refund request (RETURN_STATUS_CHANGE).
    pub fn create_return(
        &self,
        order_id: &str,
        request: NewReturn,
    ) -> Result<Return, ControlError> {
        let (r, msgs) = self.0.world().create_return(order_id, request)?;
        self.emit_all(msgs, WebhookOptions::default());
        Ok(r)
    }

    /// Moves a return; with `restock`, completing it puts the returned units back into stock (once).
    pub fn set_return_status(
        &self,
        return_id: &str,
        status: ReturnStatus,
        restock: bool,
    ) -> Result<Return, ControlError> {
        let (r, msgs) = self
            .0
            .world()
            .set_return_status(return_id, status, restock)?;
        self.emit_all(msgs, WebhookOptions::default());
        Ok(r)
    }

    /// The seller removes the App: every token stops working and SELLER_DEAUTHORIZATION is sent. Returns its
    /// `tts_notification_id`. A new `token/get` with a fresh auth code re-authorises.
    pub fn deauthorize_seller(
        &self,
        shop_id: &str,
        options: WebhookOptions,
    ) -> Result<String, ControlError> {
        let msg = self.0.world().deauthorize(shop_id)?;
        let id = msg.notification_id.clone();
        delivery::emit(&self.0, msg, options);
        Ok(id)
    }

    /// Sends UPCOMING_AUTHORIZATION_EXPIRATION (expiration = the refresh token's expiry).
    pub fn notify_authorization_expiring(
        &self,
        shop_id: &str,
        options: WebhookOptions,
    ) -> Result<String, ControlError> {
        let msg = self.0.world().authorization_expiring(shop_id)?;
        let id = msg.notification_id.clone();
        delivery::emit(&self.0, msg, options);
        Ok(id)
    }

    /// Sends held webhooks (oldest first, or newest first to reorder them); returns how many.
    pub fn release_held_webhooks(&self, reverse: bool) -> usize {
        delivery::release_held(&self.0, reverse)
    }

    /// Every webhook delivery attempt so far (sent, failed or dropped).
    pub fn webhook_log(&self) -> Vec<WebhookRecord> {
        self.0.world().webhooks.records.clone()
    }

    /// Where webhooks go when no address is registered for their event type.
    pub fn set_callback_url(&self, url: Option<String>) {
        self.0.world().webhooks.callback_url = url;
    }

    pub fn set_auto_webhooks(&self, on: bool) {
        self.0.world().webhooks.auto = on;
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
        shop_id: &str,
        action: TokenAction,
    ) -> Result<TokenPair, ControlError> {
        self.0.world().token_action(shop_id, action)
    }

    /// Makes an endpoint (its path pattern, e.g. `/product/202309/products/{product_id}/prices/update`) answer
    /// 105005 for this shop, as if the App lacked the scope; `denied = false` restores it.
    pub fn set_scope_denied(
        &self,
        shop_id: &str,
        pattern: &str,
        denied: bool,
    ) -> Result<(), ControlError> {
        let mut w = self.0.world();
        w.shop(shop_id)?;
        let key = (shop_id.to_owned(), pattern.to_owned());
        if denied {
            w.denied.insert(key);
        } else {
            w.denied.remove(&key);
        }
        Ok(())
    }

    /// The shop's current token pair.
    pub fn tokens(&self, shop_id: &str) -> Result<TokenPair, ControlError> {
        self.0.world().tokens(shop_id)
    }

    /// The App's redirect URL as registered in Partner Center: where the authorisation page sends the seller.
    pub fn set_redirect_url(&self, url: Option<String>) {
        self.0.world().cfg.redirect_url = url;
    }

    /// A fresh single-use auth code for `token/get` (what the redirect after seller consent carries).
    pub fn issue_auth_code(&self, shop_id: &str) -> Result<String, ControlError> {
        self.0.world().issue_auth_code(shop_id)
    }

    fn emit_all(&self, msgs: Vec<WebhookMsg>, options: WebhookOptions) {
        for msg in msgs {
            delivery::emit(&self.0, msg, options);
        }
    }
}

/// A simulator running in the background on 127.0.0.1. Dereferences to its [`SimControl`].
pub type SimHandle = crate::common::handle::SimHandle<SimControl>;

impl SimHandle {
    /// `http://127.0.0.1:PORT` — what a client uses as both its Open API host and its auth host.
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
        Ok(SimHandle::start("tiktok", control, router).await?)
    }
}

/// Runs a simulator on `listener` until `shutdown` completes (for `kho sim tiktok`).
pub async fn serve(
    config: SimConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SimError> {
    SimControl::new(config)?.serve(listener, shutdown).await;
    Ok(())
}
