//! Everything the simulator knows, behind one lock: configuration, shops with their tokens, warehouses and
//! products, orders, cancellations, returns, uploaded images, the request log, the rate limiter, the fault RNG
//! and the webhook queue. Endpoint and control code are plain synchronous functions over `&mut World`, so every
//! call is applied atomically. Functions that change something a webhook reports return the webhooks to send;
//! the caller emits them after releasing the lock.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::config::{ShopConfig, SimConfig};
use super::log::RequestLog;
use super::state::{
    Cancellation, InventoryEntry, LineItem, ListingEdit, NewOrder, Order, OrderStatus, Product,
    ProductStatus, Return, ReturnType, SalesAttribute, SeedProduct, ShopState, SimState, Sku,
    now_unix, now_unix_ms, parse_money,
};
use super::tokens::{Lifetimes, ShopTokens, TokenAction, TokenPair, new_token};
use super::webhook::{WebhookMsg, WebhookState};
use crate::common::faults::Faults;
use crate::common::window::SlidingWindowLimiter;

mod after_sales;

/// Errors of the control API (seeding, hand edits, test actions).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("unknown shop {0}")]
    UnknownShop(String),
    #[error("unknown product {0}")]
    UnknownProduct(String),
    #[error("unknown SKU {0}")]
    UnknownSku(String),
    #[error("unknown warehouse {0}")]
    UnknownWarehouse(String),
    #[error("unknown order {0}")]
    UnknownOrder(String),
    #[error("unknown cancellation {0}")]
    UnknownCancellation(String),
    #[error("unknown return {0}")]
    UnknownReturn(String),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("insufficient stock: {0}")]
    InsufficientStock(String),
    #[error("invalid: {0}")]
    Invalid(String),
}

/// A cancellation request to create through the control API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewCancellation {
    /// `BUYER`, `SELLER` or `SYSTEM`.
    pub role: String,
    pub reason: String,
    /// Create it already complete (the order is cancelled at once).
    pub complete: bool,
}

impl Default for NewCancellation {
    fn default() -> Self {
        Self {
            role: "BUYER".to_owned(),
            reason: "Không còn nhu cầu".to_owned(),
            complete: false,
        }
    }
}

/// A return request to create through the control API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewReturn {
    pub return_type: ReturnType,
    /// Line items returned; empty = all of the order's.
    pub line_item_ids: Vec<String>,
    pub role: String,
    pub reason: String,
}

impl Default for NewReturn {
    fn default() -> Self {
        Self {
            return_type: ReturnType::ReturnAndRefund,
            line_item_ids: Vec::new(),
            role: "BUYER".to_owned(),
            reason: "Sản phẩm bị hư hỏng".to_owned(),
        }
    }
}

/// One authorised shop.
#[derive(Debug)]
pub struct Shop {
    pub cfg: ShopConfig,
    pub tokens: ShopTokens,
    pub products: BTreeMap<String, Product>,
    /// Addresses registered per event type with `PUT /event/202309/webhooks`.
    pub webhook_addresses: BTreeMap<String, String>,
}

impl Shop {
    /// The default sales warehouse: the one flagged `is_default`, else the first sales warehouse.
    pub fn default_warehouse(&self) -> Option<&str> {
        let sales = || {
            self.cfg
                .warehouses
                .iter()
                .filter(|w| w.r#type == "SALES_WAREHOUSE")
        };
        sales()
            .find(|w| w.is_default)
            .or_else(|| sales().next())
            .map(|w| w.id.as_str())
    }

    pub fn has_warehouse(&self, id: &str) -> bool {
        self.cfg.warehouses.iter().any(|w| w.id == id)
    }
}

#[derive(Debug)]
pub struct World {
    pub cfg: SimConfig,
    pub shops: BTreeMap<String, Shop>,
    pub orders: BTreeMap<String, Order>,
    pub cancellations: BTreeMap<String, Cancellation>,
    pub returns: BTreeMap<String, Return>,
    /// Image URIs the API accepts in `main_images` (uploaded or seeded).
    pub images: BTreeSet<String>,
    /// Single-use auth codes: code → (shop id, expiry ms).
    pub auth_codes: HashMap<String, (String, i64)>,
    /// Product-create answers by (shop id, idempotency_key), replayed for a repeated key.
    pub idempotency: HashMap<(String, String), serde_json::Value>,
    /// (shop id, route pattern) pairs answered with 105005, as if the App lacked the scope.
    pub denied: BTreeSet<(String, String)>,
    pub log: RequestLog,
    pub(crate) limiter: SlidingWindowLimiter<String>,
    pub(crate) faults: Faults<super::config::FaultConfig>,
    pub webhooks: WebhookState,
    next_id: u64,
}

impl World {
    pub fn new(cfg: SimConfig) -> Result<Self, ControlError> {
        let shops = cfg.shops.clone();
        let mut world = Self {
            log: super::log::new_log(Instant::now()),
            limiter: SlidingWindowLimiter::default(),
            faults: Faults::new(cfg.faults.clone()),
            webhooks: WebhookState::new(&cfg.webhooks),
            cfg,
            shops: BTreeMap::new(),
            orders: BTreeMap::new(),
            cancellations: BTreeMap::new(),
            returns: BTreeMap::new(),
            images: BTreeSet::new(),
            auth_codes: HashMap::new(),
            idempotency: HashMap::new(),
            denied: BTreeSet::new(),
            next_id: 1,
        };
        for shop in shops {
            world.add_shop(shop)?;
        }
        Ok(world)
    }

    pub fn lifetimes(&self) -> Lifetimes {
        Lifetimes {
            access_ms: self.cfg.access_token_ttl_secs as i64 * 1000,
            refresh_ms: self.cfg.refresh_token_ttl_secs as i64 * 1000,
            old_access_grace_ms: self.cfg.old_access_token_grace_secs as i64 * 1000,
            old_refresh_stays_valid: self.cfg.old_refresh_token_stays_valid,
        }
    }

    /// A fresh id with TikTok's look (a 19-digit number as a string); unique across all kinds.
    pub fn new_id(&mut self, base: u64) -> String {
        self.next_id += 1;
        (base + self.next_id * 13).to_string()
    }

    /// Authorises a shop; returns its tokens.
    pub fn add_shop(&mut self, shop: ShopConfig) -> Result<TokenPair, ControlError> {
        if shop.shop_id.is_empty() || shop.cipher.is_empty() {
            return Err(ControlError::Invalid(
                "shop_id and cipher must not be empty".into(),
            ));
        }
        if self.shops.contains_key(&shop.shop_id) {
            return Err(ControlError::Conflict(format!("shop {}", shop.shop_id)));
        }
        if self.shops.values().any(|s| s.cfg.cipher == shop.cipher) {
            return Err(ControlError::Conflict(format!("cipher {}", shop.cipher)));
        }
        if !shop
            .warehouses
            .iter()
            .any(|w| w.r#type == "SALES_WAREHOUSE")
        {
            return Err(ControlError::Invalid(
                "a shop needs a SALES_WAREHOUSE".into(),
            ));
        }
        let pick = |t: &str| {
            if t.is_empty() {
                new_token()
            } else {
                t.to_owned()
            }
        };
        let tokens = ShopTokens::new(
            pick(&shop.access_token),
            pick(&shop.refresh_token),
            now_unix_ms(),
            self.lifetimes(),
        );
        let id = shop.shop_id.clone();
        let pair = tokens.pair(&id);
        let products = shop.products.clone();
        self.shops.insert(
            id.clone(),
            Shop {
                cfg: ShopConfig {
                    products: Vec::new(),
                    ..shop
                },
                tokens,
                products: BTreeMap::new(),
                webhook_addresses: BTreeMap::new(),
            },
        );
        for p in products {
            self.seed_product(&id, p)?;
        }
        Ok(pair)
    }

    pub fn shop(&self, shop_id: &str) -> Result<&Shop, ControlError> {
        self.shops
            .get(shop_id)
            .ok_or_else(|| ControlError::UnknownShop(shop_id.to_owned()))
    }

    pub fn shop_mut(&mut self, shop_id: &str) -> Result<&mut Shop, ControlError> {
        self.shops
            .get_mut(shop_id)
            .ok_or_else(|| ControlError::UnknownShop(shop_id.to_owned()))
    }

    pub fn shop_id_by_cipher(&self, cipher: &str) -> Option<String> {
        self.shops
            .values()
            .find(|s| s.cfg.cipher == cipher)
            .map(|s| s.cfg.shop_id.clone())
    }

    /// The shop whose seller owns `token` (live or expired), for attributing and authorising a call.
    pub fn shop_id_by_access_token(&self, token: &str) -> Option<String> {
        let now = now_unix_ms();
        self.shops
            .values()
            .find(|s| s.tokens.check_access(token, now) != super::tokens::AccessCheck::Unknown)
            .map(|s| s.cfg.shop_id.clone())
    }

    /// Where a webhook goes: the address registered for its event type, else the callback URL.
    pub fn webhook_url(&self, msg: &WebhookMsg) -> Option<String> {
        self.shops
            .get(&msg.shop_id)
            .and_then(|s| s.webhook_addresses.get(msg.event.name()))
            .cloned()
            .or_else(|| self.webhooks.callback_url.clone())
    }

    fn resolve_shop_id(&self, shop_id: &str) -> Result<String, ControlError> {
        if shop_id.is_empty() {
            self.shops
                .keys()
                .next()
                .cloned()
                .ok_or_else(|| ControlError::UnknownShop(String::new()))
        } else {
            self.shop(shop_id).map(|_| shop_id.to_owned())
        }
    }

    /// Creates a product; returns it with the ids the simulator assigned.
    pub fn seed_product(
        &mut self,
        shop_id: &str,
        seed: SeedProduct,
    ) -> Result<Product, ControlError> {
        let shop = self.shop(shop_id)?;
        let currency = shop.cfg.currency.clone();
        let default_wh = shop.default_warehouse().unwrap_or_default().to_owned();
        if seed.skus.is_empty() {
            return Err(ControlError::Invalid("a product needs a SKU".into()));
        }
        for s in &seed.skus {
            if parse_money(&s.price).is_none() {
                return Err(ControlError::Invalid(format!("price {:?}", s.price)));
            }
            for i in &s.inventory {
                if !shop.has_warehouse(&i.warehouse_id) {
                    return Err(ControlError::UnknownWarehouse(i.warehouse_id.clone()));
                }
            }
        }
        let exists = |w: &World, id: &str| {
            w.shops.values().any(|s| {
                s.products.contains_key(id) || s.products.values().any(|p| p.sku(id).is_some())
            })
        };
        let product_id = match seed.product_id {
            Some(id) if exists(self, &id) => {
                return Err(ControlError::Conflict(format!("product {id}")));
            }
            Some(id) => id,
            None => self.new_id(1_729_592_969_712_200_000),
        };
        let mut skus = Vec::new();
        for (n, s) in seed.skus.into_iter().enumerate() {
            let id = match s.sku_id {
                Some(id) if exists(self, &id) || skus.iter().any(|k: &Sku| k.id == id) => {
                    return Err(ControlError::Conflict(format!("SKU {id}")));
                }
                Some(id) => id,
                None => self.new_id(1_729_592_969_712_300_000),
            };
            let inventory = if s.inventory.is_empty() {
                vec![InventoryEntry {
                    warehouse_id: default_wh.clone(),
                    quantity: s.quantity,
                }]
            } else {
                s.inventory
            };
            let sales_attributes = s
                .sales_attributes
                .iter()
                .enumerate()
                .map(|(a, (name, value))| SalesAttribute {
                    id: (100_000 + a as u64).to_string(),
                    name: name.clone(),
                    value_id: (7_000_000 + (n * 100 + a) as u64).to_string(),
                    value_name: value.clone(),
                })
                .collect();
            skus.push(Sku {
                id,
                seller_sku: s.seller_sku,
                price: s.price,
                currency: currency.clone(),
                inventory,
                sales_attributes,
                external_sku_id: String::new(),
            });
        }
        let now = now_unix();
        let image = format!("tos-maliva-i-o3syd03w52-us/sim{product_id}");
        self.images.insert(image.clone());
        let product = Product {
            id: product_id.clone(),
            shop_id: shop_id.to_owned(),
            title: seed.title,
            description: seed.description,
            category_id: seed.category_id,
            status: seed.status,
            create_time: now,
            update_time: now,
            main_images: vec![image],
            skus,
            package_weight: "0.5".to_owned(),
            is_cod_allowed: true,
            external_product_id: String::new(),
            price_locked: false,
        };
        self.shop_mut(shop_id)?
            .products
            .insert(product_id, product.clone());
        Ok(product)
    }

    fn webhooks_wanted(&self, force: bool) -> bool {
        force || self.webhooks.auto
    }

    /// Edits a product by hand (drift on the marketplace side). A status change sends PRODUCT_STATUS_CHANGE.
    pub fn edit_listing(
        &mut self,
        shop_id: &str,
        product_id: &str,
        edit: ListingEdit,
    ) -> Result<(Product, Vec<WebhookMsg>), ControlError> {
        let shop = self.shop_mut(shop_id)?;
        let default_wh = shop.default_warehouse().unwrap_or_default().to_owned();
        let warehouse = edit.warehouse_id.clone().unwrap_or(default_wh);
        if !shop.has_warehouse(&warehouse) {
            return Err(ControlError::UnknownWarehouse(warehouse));
        }
        let product = shop
            .products
            .get_mut(product_id)
            .ok_or_else(|| ControlError::UnknownProduct(product_id.to_owned()))?;
        let touches_sku =
            edit.quantity.is_some() || edit.price.is_some() || edit.seller_sku.is_some();
        if touches_sku {
            let sku_id = match (&edit.sku_id, product.skus.as_slice()) {
                (Some(id), _) => id.clone(),
                (None, [only]) => only.id.clone(),
                (None, _) => {
                    return Err(ControlError::Invalid(
                        "sku_id is required for a product with several SKUs".into(),
                    ));
                }
            };
            if let Some(p) = &edit.price
                && parse_money(p).is_none()
            {
                return Err(ControlError::Invalid(format!("price {p:?}")));
            }
            let sku = product
                .sku_mut(&sku_id)
                .ok_or(ControlError::UnknownSku(sku_id))?;
            if let Some(q) = edit.quantity {
                if q < 0 {
                    return Err(ControlError::Invalid(format!("quantity {q}")));
                }
                let current = sku.quantity_in(&warehouse).unwrap_or(0);
                sku.adjust(&warehouse, q - current)
                    .map_err(ControlError::Invalid)?;
            }
            if let Some(p) = edit.price {
                sku.price = p;
            }
            if let Some(s) = edit.seller_sku {
                sku.seller_sku = s;
            }
        }
        if let Some(t) = edit.title {
            product.title = t;
        }
        if let Some(l) = edit.price_locked {
            product.price_locked = l;
        }
        let status_changed = edit.status.is_some_and(|s| s != product.status);
        if let Some(s) = edit.status {
            product.status = s;
        }
        product.update_time = now_unix();
        let product = product.clone();
        let mut msgs = Vec::new();
        if status_changed && self.webhooks_wanted(false) {
            msgs.push(self.webhooks.product_status(&product));
        }
        Ok((product, msgs))
    }

    /// Deletes a listing as the seller would in Seller Center: it stays readable as `DELETED`.
    pub fn delete_listing(
        &mut self,
        shop_id: &str,
        product_id: &str,
    ) -> Result<Vec<WebhookMsg>, ControlError> {
        let edit = ListingEdit {
            status: Some(ProductStatus::Deleted),
            ..Default::default()
        };
        self.edit_listing(shop_id, product_id, edit)
            .map(|(_, msgs)| msgs)
    }

    /// Removes a listing entirely, so the API no longer knows it.
    pub fn purge_listing(&mut self, shop_id: &str, product_id: &str) -> Result<(), ControlError> {
        self.shop_mut(shop_id)?
            .products
            .remove(product_id)
            .map(|_| ())
            .ok_or_else(|| ControlError::UnknownProduct(product_id.to_owned()))
    }

    /// Places an order: one line item per unit (§8.5), each taken out of a warehouse's stock (all or nothing).
    pub fn create_order(
        &mut self,
        new: NewOrder,
        force_webhook: bool,
    ) -> Result<(Order, Vec<WebhookMsg>), ControlError> {
        if new.lines.is_empty() || new.lines.iter().any(|l| l.quantity == 0) {
            return Err(ControlError::Invalid(
                "an order needs at least one line with quantity ≥ 1".into(),
            ));
        }
        let shop_id = self.resolve_shop_id(&new.shop_id)?;
        let now = now_unix();
        let create_time = new.create_time.unwrap_or(now);
        let order_id = match new.order_id {
            Some(id) => id,
            None => self.new_id(576_684_019_603_300_000),
        };
        if self.orders.contains_key(&order_id) {
            return Err(ControlError::Conflict(format!("order {order_id}")));
        }
        if parse_money(&new.shipping_fee).is_none() {
            return Err(ControlError::Invalid(format!(
                "shipping_fee {:?}",
                new.shipping_fee
            )));
        }
        let holds_stock = new.status != OrderStatus::Cancelled;
        let mut line_ids = Vec::new();
        for _ in 0..new.lines.iter().map(|l| l.quantity as usize).sum::<usize>() {
            line_ids.push(self.new_id(577_086_512_123_700_000));
        }
        let shop = self.shop_mut(&shop_id)?;
        let currency = shop.cfg.currency.clone();
        // Work on a scratch copy so a failing line leaves stock untouched.
        let mut scratch = shop.products.clone();
        let mut items = Vec::new();
        let mut ids = line_ids.into_iter();
        for l in &new.lines {
            let product = scratch
                .values_mut()
                .find(|p| p.sku(&l.sku_id).is_some())
                .ok_or_else(|| ControlError::UnknownSku(l.sku_id.clone()))?;
            if product.status != ProductStatus::Activate {
                return Err(ControlError::Invalid(format!(
                    "product {} is {}",
                    product.id,
                    product.status.as_str()
                )));
            }
            product.update_time = now;
            let (pid, title) = (product.id.clone(), product.title.clone());
            let sku = product
                .sku_mut(&l.sku_id)
                .ok_or_else(|| ControlError::UnknownSku(l.sku_id.clone()))?;
            let sale_price = l.sale_price.clone().unwrap_or_else(|| sku.price.clone());
            if parse_money(&sale_price).is_none() {
                return Err(ControlError::Invalid(format!("sale_price {sale_price:?}")));
            }
            let sku_name = sku
                .sales_attributes
                .iter()
                .map(|a| a.value_name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            for _ in 0..l.quantity {
                // Take each unit from the first warehouse that still has stock of this SKU.
                let warehouse = sku
                    .inventory
                    .iter()
                    .find(|i| i.quantity > 0)
                    .map(|i| i.warehouse_id.clone());
                let warehouse = match (warehouse, holds_stock) {
                    (Some(w), true) => {
                        sku.adjust(&w, -1)
                            .map_err(ControlError::InsufficientStock)?;
                        w
                    }
                    (None, true) => {
                        return Err(ControlError::InsufficientStock(format!(
                            "SKU {} has no stock left",
                            sku.id
                        )));
                    }
                    (w, false) => w
                        .or_else(|| sku.inventory.first().map(|i| i.warehouse_id.clone()))
                        .unwrap_or_default(),
                };
                items.push(LineItem {
                    id: ids.next().unwrap_or_default(),
                    sku_id: sku.id.clone(),
                    product_id: pid.clone(),
                    seller_sku: sku.seller_sku.clone(),
                    product_name: title.clone(),
                    sku_name: sku_name.clone(),
                    sale_price: sale_price.clone(),
                    original_price: sku.price.clone(),
                    currency: currency.clone(),
                    warehouse_id: warehouse,
                });
            }
        }
        shop.products = scratch;
        let order = Order {
            id: order_id.clone(),
            shop_id,
            status: new.status,
            create_time,
            update_time: now.max(create_time),
            // COD orders are confirmed (and count as paid) when placed; only UNPAID orders lack a paid time.
            paid_time: if new.status == OrderStatus::Unpaid {
                None
            } else {
                Some(create_time)
            },
            is_cod: new.is_cod,
            currency,
            shipping_fee: new.shipping_fee,
            buyer_message: new.buyer_message,
            cancel_reason: String::new(),
            cancellation_initiator: String::new(),
            line_items: items,
            holds_stock,
        };
        self.orders.insert(order_id, order.clone());
        let mut msgs = Vec::new();
        if self.webhooks_wanted(force_webhook) {
            msgs.push(self.webhooks.order_status(&order));
        }
        Ok((order, msgs))
    }

    /// Gives an order's units back to the warehouses they came from (once).
    fn release_stock(&mut self, order_id: &str) -> Result<(), ControlError> {
        let order = self
            .orders
            .get_mut(order_id)
            .ok_or_else(|| ControlError::UnknownOrder(order_id.to_owned()))?;
        if !order.holds_stock {
            return Ok(());
        }
        order.holds_stock = false;
        let (shop_id, items) = (order.shop_id.clone(), order.line_items.clone());
        let now = now_unix();
        let shop = self.shop_mut(&shop_id)?;
        for l in items {
            // A purged listing has nothing to give back to.
            if let Some(p) = shop.products.get_mut(&l.product_id) {
                if let Some(s) = p.sku_mut(&l.sku_id) {
                    let _ = s.adjust(&l.warehouse_id, 1);
                }
                p.update_time = now;
            }
        }
        Ok(())
    }

    /// Moves an order to `status`. Cancelling gives its stock back, exactly once.
    pub fn set_order_status(
        &mut self,
        order_id: &str,
        status: OrderStatus,
        force_webhook: bool,
    ) -> Result<(Order, Vec<WebhookMsg>), ControlError> {
        let order = self
            .orders
            .get(order_id)
            .ok_or_else(|| ControlError::UnknownOrder(order_id.to_owned()))?;
        if order.status == OrderStatus::Cancelled && status != OrderStatus::Cancelled {
            return Err(ControlError::Invalid(format!(
                "order {order_id} is cancelled"
            )));
        }
        if status == OrderStatus::Cancelled {
            self.release_stock(order_id)?;
        }
        let now = now_unix();
        let order = self
            .orders
            .get_mut(order_id)
            .ok_or_else(|| ControlError::UnknownOrder(order_id.to_owned()))?;
        if status == OrderStatus::Cancelled && order.cancellation_initiator.is_empty() {
            order.cancellation_initiator = "SELLER".into();
            order.cancel_reason = "Hết hàng".into();
        }
        if status != OrderStatus::Unpaid && order.paid_time.is_none() {
            order.paid_time = Some(now);
        }
        order.status = status;
        order.update_time = now.max(order.update_time);
        let order = order.clone();
        let mut msgs = Vec::new();
        if self.webhooks_wanted(force_webhook) {
            msgs.push(self.webhooks.order_status(&order));
        }
        Ok((order, msgs))
    }

    /// Issues a single-use auth code for `shop_id`, valid 30 minutes (§2, unconfirmed lifetime).
    pub fn issue_auth_code(&mut self, shop_id: &str) -> Result<String, ControlError> {
        self.shop(shop_id)?;
        let code = new_token();
        self.auth_codes.insert(
            code.clone(),
            (shop_id.to_owned(), now_unix_ms() + 1_800_000),
        );
        Ok(code)
    }

    pub fn token_action(
        &mut self,
        shop_id: &str,
        action: TokenAction,
    ) -> Result<TokenPair, ControlError> {
        let shop = self.shop_mut(shop_id)?;
        shop.tokens.apply(action, now_unix_ms());
        Ok(shop.tokens.pair(shop_id))
    }

    pub fn tokens(&self, shop_id: &str) -> Result<TokenPair, ControlError> {
        Ok(self.shop(shop_id)?.tokens.pair(shop_id))
    }

    /// The seller deauthorised the App: tokens die, SELLER_DEAUTHORIZATION is sent (always, it is the point).
    pub fn deauthorize(&mut self, shop_id: &str) -> Result<WebhookMsg, ControlError> {
        self.shop_mut(shop_id)?.tokens.deauthorize();
        Ok(self.webhooks.deauthorization(shop_id))
    }

    /// UPCOMING_AUTHORIZATION_EXPIRATION with the current refresh token's expiry as `expiration_time`.
    pub fn authorization_expiring(&mut self, shop_id: &str) -> Result<WebhookMsg, ControlError> {
        let at = self.shop(shop_id)?.tokens.refresh_expires_at();
        Ok(self.webhooks.upcoming_expiration(shop_id, at))
    }

    pub fn snapshot(&self) -> SimState {
        SimState {
            shops: self
                .shops
                .values()
                .map(|s| ShopState {
                    shop_id: s.cfg.shop_id.clone(),
                    cipher: s.cfg.cipher.clone(),
                    region: s.cfg.region.clone(),
                    currency: s.cfg.currency.clone(),
                    authorized: !s.tokens.is_deauthorized(),
                    warehouses: s.cfg.warehouses.clone(),
                    products: s.products.values().cloned().collect(),
                    webhook_addresses: s.webhook_addresses.clone(),
                })
                .collect(),
            orders: self.orders.values().cloned().collect(),
            cancellations: self.cancellations.values().cloned().collect(),
            returns: self.returns.values().cloned().collect(),
        }
    }

    /// The rate limit that applies to `shop_id`, if any.
    pub fn rate_limit(&self, shop_id: &str) -> Option<u32> {
        self.shops
            .get(shop_id)
            .and_then(|s| s.cfg.rate_limit_per_second)
            .or(self.cfg.rate_limit_per_second)
    }
}
