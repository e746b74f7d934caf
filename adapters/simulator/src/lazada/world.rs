//! Everything the simulator knows, behind one lock: configuration, sellers with their tokens and products,
//! orders, the request log, the rate limiter, the fault RNG and the push queue. Endpoint and control code are
//! plain synchronous functions over `&mut World`, so every call is applied atomically.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use super::config::{SellerConfig, SimConfig};
use super::limits::{Limit, SlidingWindowLimiter};
use super::log::RequestLog;
use super::push::{PushMsg, PushState};
use super::state::{
    NewOrder, Order, OrderItem, OrderItemStatus, Product, ProductEdit, ProductStatus, SeedProduct,
    SellerState, SimState, Sku, SkuEdit, StockHold, move_hold, now_ms,
};
use super::tokens::{SellerTokens, TokenAction, TokenPair, new_token};
use crate::common::faults::Faults;

/// Why a control operation was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ControlError {
    #[error("unknown seller {0}")]
    UnknownSeller(i64),
    #[error("unknown product {0}")]
    UnknownProduct(i64),
    #[error("unknown SKU {0}")]
    UnknownSku(String),
    #[error("unknown order {0}")]
    UnknownOrder(i64),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not enough stock: {0}")]
    InsufficientStock(String),
    #[error("invalid: {0}")]
    Invalid(String),
}

/// One seller that authorised the App.
#[derive(Debug)]
pub struct Seller {
    pub cfg: SellerConfig,
    pub tokens: SellerTokens,
    pub products: BTreeMap<i64, Product>,
}

impl Seller {
    /// The SKU with this seller SKU, and its product id.
    pub fn find_sku_mut(&mut self, seller_sku: &str) -> Option<(i64, &mut Sku)> {
        self.products.values_mut().find_map(|p| {
            let id = p.item_id;
            p.skus
                .iter_mut()
                .find(|s| s.seller_sku == seller_sku)
                .map(|s| (id, s))
        })
    }
}

pub struct World {
    pub cfg: SimConfig,
    pub sellers: BTreeMap<i64, Seller>,
    pub orders: BTreeMap<i64, Order>,
    next_item_id: i64,
    next_sku_id: i64,
    next_order_id: i64,
    next_order_item_id: i64,
    /// Every token ever issued → its seller, to attribute calls (even with stale tokens) in the log and limiter.
    pub token_owner: HashMap<String, i64>,
    /// Single-use authorization codes: code → (seller_id, expiry in ms).
    pub auth_codes: HashMap<String, (i64, i64)>,
    pub log: RequestLog,
    pub(crate) limiter: SlidingWindowLimiter,
    /// Admitted calls per UTC day (day number → count), for `RateLimits::daily_app_calls`.
    pub daily_calls: (i64, u64),
    pub(crate) faults: Faults<super::config::FaultConfig>,
    pub push: PushState,
}

/// Hand-written: the world holds the app secret, tokens and authorization codes, none of which may be logged.
impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("app_key", &self.cfg.app_key)
            .field("sellers", &self.sellers.keys().collect::<Vec<_>>())
            .field("orders", &self.orders.len())
            .finish_non_exhaustive()
    }
}

impl World {
    pub fn new(cfg: SimConfig) -> Result<Self, ControlError> {
        let mut world = Self {
            sellers: BTreeMap::new(),
            orders: BTreeMap::new(),
            next_item_id: 2_100_000_001,
            next_sku_id: 13_000_000_001,
            next_order_id: 700_000_001,
            next_order_item_id: 800_000_001,
            token_owner: HashMap::new(),
            auth_codes: HashMap::new(),
            log: super::log::new_log(Instant::now()),
            limiter: SlidingWindowLimiter::default(),
            daily_calls: (0, 0),
            faults: Faults::new(cfg.faults.clone()),
            push: PushState::new(&cfg.push),
            cfg: cfg.clone(),
        };
        for seller in cfg.sellers {
            world.add_seller(seller)?;
        }
        Ok(world)
    }

    pub fn add_seller(&mut self, seller: SellerConfig) -> Result<TokenPair, ControlError> {
        let id = seller.seller_id;
        if self.sellers.contains_key(&id) {
            return Err(ControlError::Conflict(format!("seller {id}")));
        }
        let pick = |given: &str, prefix: &str| {
            if given.is_empty() {
                new_token(prefix)
            } else {
                given.to_owned()
            }
        };
        let access = pick(&seller.access_token, "50000");
        let refresh = pick(&seller.refresh_token, "50001");
        for t in [&access, &refresh] {
            if self.token_owner.get(t).is_some_and(|owner| *owner != id) {
                return Err(ControlError::Conflict(
                    "token already issued to another seller".into(),
                ));
            }
        }
        self.token_owner.insert(access.clone(), id);
        self.token_owner.insert(refresh.clone(), id);
        let tokens = SellerTokens::new(
            access,
            refresh,
            now_ms(),
            self.cfg.access_token_ttl_secs,
            self.cfg.refresh_token_ttl_secs,
        );
        let pair = tokens.pair(id);
        let products = seller.products.clone();
        self.sellers.insert(
            id,
            Seller {
                cfg: SellerConfig {
                    products: Vec::new(),
                    ..seller
                },
                tokens,
                products: BTreeMap::new(),
            },
        );
        for p in products {
            self.seed_product(id, p)?;
        }
        Ok(pair)
    }

    pub fn seller(&self, id: i64) -> Result<&Seller, ControlError> {
        self.sellers.get(&id).ok_or(ControlError::UnknownSeller(id))
    }

    pub fn seller_mut(&mut self, id: i64) -> Result<&mut Seller, ControlError> {
        self.sellers
            .get_mut(&id)
            .ok_or(ControlError::UnknownSeller(id))
    }

    pub fn seller_authorized(&self, id: i64) -> bool {
        self.sellers
            .get(&id)
            .is_some_and(|s| s.tokens.authorized(now_ms()))
    }

    pub fn allocate_item_id(&mut self) -> i64 {
        let id = self.next_item_id;
        self.next_item_id += 1;
        id
    }

    pub fn allocate_sku_id(&mut self) -> i64 {
        let id = self.next_sku_id;
        self.next_sku_id += 1;
        id
    }

    /// Whether a seller SKU is already used by this seller (SellerSku is unique per seller, §6.3).
    pub fn seller_sku_taken(&self, seller_id: i64, seller_sku: &str) -> bool {
        self.sellers.get(&seller_id).is_some_and(|s| {
            s.products
                .values()
                .any(|p| p.skus.iter().any(|k| k.seller_sku == seller_sku))
        })
    }

    /// Creates a product; returns it with the ids the simulator assigned.
    pub fn seed_product(
        &mut self,
        seller_id: i64,
        seed: SeedProduct,
    ) -> Result<Product, ControlError> {
        self.seller(seller_id)?;
        if seed.skus.is_empty() {
            return Err(ControlError::Invalid(
                "a product needs at least one SKU".into(),
            ));
        }
        let item_id = match seed.item_id {
            Some(id) => {
                if self.sellers.values().any(|s| s.products.contains_key(&id)) {
                    return Err(ControlError::Conflict(format!("product {id}")));
                }
                self.next_item_id = self.next_item_id.max(id + 1);
                id
            }
            None => self.allocate_item_id(),
        };
        let mut skus: Vec<Sku> = Vec::new();
        for s in seed.skus {
            if s.seller_sku.is_empty() {
                return Err(ControlError::Invalid("SellerSku must not be empty".into()));
            }
            if self.seller_sku_taken(seller_id, &s.seller_sku)
                || skus.iter().any(|k| k.seller_sku == s.seller_sku)
            {
                return Err(ControlError::Conflict(format!(
                    "SellerSku {}",
                    s.seller_sku
                )));
            }
            if s.quantity < 0 || s.channel_locked < 0 || s.channel_locked > s.quantity {
                return Err(ControlError::Invalid(format!(
                    "SKU {}: quantity {} / channel_locked {}",
                    s.seller_sku, s.quantity, s.channel_locked
                )));
            }
            let sku_id = match s.sku_id {
                Some(id) => {
                    self.next_sku_id = self.next_sku_id.max(id + 1);
                    id
                }
                None => self.allocate_sku_id(),
            };
            skus.push(Sku {
                sku_id,
                seller_sku: s.seller_sku,
                shop_sku: format!("{item_id}_VNAMZ-{sku_id}"),
                status: s.status,
                price: s.price,
                special_price: s.special_price,
                quantity: s.quantity,
                withhold: 0,
                occupy: 0,
                channel_locked: s.channel_locked,
                package_weight: s.package_weight,
                package_length: 30.0,
                package_width: 20.0,
                package_height: 10.0,
                package_content: String::new(),
            });
        }
        let now = now_ms();
        let product = Product {
            item_id,
            seller_id,
            primary_category: seed.primary_category,
            name: seed.name,
            description: seed.description,
            brand: seed.brand,
            images: vec![format!(
                "https://vn-live-01.slatic.net/p/sim-{item_id}-0.jpg"
            )],
            status: seed.status,
            created_ms: now,
            updated_ms: now,
            skus,
        };
        self.seller_mut(seller_id)?
            .products
            .insert(item_id, product.clone());
        Ok(product)
    }

    /// Edits a product by hand (activate/deactivate, rename).
    pub fn edit_product(
        &mut self,
        seller_id: i64,
        item_id: i64,
        edit: ProductEdit,
    ) -> Result<Product, ControlError> {
        let p = self
            .seller_mut(seller_id)?
            .products
            .get_mut(&item_id)
            .ok_or(ControlError::UnknownProduct(item_id))?;
        if let Some(s) = edit.status {
            p.status = s;
        }
        if let Some(n) = edit.name {
            p.name = n;
        }
        p.updated_ms = now_ms();
        Ok(p.clone())
    }

    /// Edits one SKU by hand (drift: stock, price, status, campaign lock).
    pub fn edit_sku(
        &mut self,
        seller_id: i64,
        seller_sku: &str,
        edit: SkuEdit,
    ) -> Result<Sku, ControlError> {
        let seller = self.seller_mut(seller_id)?;
        let (item_id, sku) = seller
            .find_sku_mut(seller_sku)
            .ok_or_else(|| ControlError::UnknownSku(seller_sku.to_owned()))?;
        let mut s = sku.clone();
        if let Some(q) = edit.quantity {
            s.quantity = q;
        }
        if let Some(v) = edit.sellable {
            s.quantity = v + s.withhold + s.occupy;
        }
        if let Some(v) = edit.price {
            s.price = v;
        }
        if let Some(v) = edit.special_price {
            s.special_price = v;
        }
        if let Some(v) = edit.status {
            s.status = v;
        }
        if let Some(v) = edit.channel_locked {
            s.channel_locked = v;
        }
        if s.sellable() < 0 || s.channel_locked < 0 {
            return Err(ControlError::Invalid(format!(
                "SKU {seller_sku}: total {} is below withhold {} + occupy {}",
                s.quantity, s.withhold, s.occupy
            )));
        }
        *sku = s.clone();
        if let Some(p) = seller.products.get_mut(&item_id) {
            p.updated_ms = now_ms();
        }
        Ok(s)
    }

    /// Deletes a product as the seller would in Seller Center: status `Deleted`, still readable with `filter=deleted`.
    pub fn delete_product(&mut self, seller_id: i64, item_id: i64) -> Result<(), ControlError> {
        let p = self
            .seller_mut(seller_id)?
            .products
            .get_mut(&item_id)
            .ok_or(ControlError::UnknownProduct(item_id))?;
        p.status = ProductStatus::Deleted;
        p.updated_ms = now_ms();
        Ok(())
    }

    /// Removes a product entirely, so the API no longer finds it.
    pub fn purge_product(&mut self, seller_id: i64, item_id: i64) -> Result<(), ControlError> {
        self.seller_mut(seller_id)?
            .products
            .remove(&item_id)
            .map(|_| ())
            .ok_or(ControlError::UnknownProduct(item_id))
    }

    /// Places an order: one item per unit, each holding one unit of its SKU (all or nothing).
    pub fn create_order(&mut self, new: NewOrder) -> Result<(Order, Vec<PushMsg>), ControlError> {
        if new.lines.is_empty() || new.lines.iter().any(|l| l.units == 0) {
            return Err(ControlError::Invalid(
                "an order needs at least one unit of each line".into(),
            ));
        }
        let order_id = match new.order_id {
            Some(id) if self.orders.contains_key(&id) => {
                return Err(ControlError::Conflict(format!("order {id}")));
            }
            Some(id) => {
                self.next_order_id = self.next_order_id.max(id + 1);
                id
            }
            None => {
                let id = self.next_order_id;
                self.next_order_id += 1;
                id
            }
        };
        let now = now_ms();
        let created = new.created_at_ms.unwrap_or(now);
        let hold = new.status.hold();
        let mut next_item = self.next_order_item_id;
        let seller = self.seller_mut(new.seller_id)?;
        // Work on a copy so a failing line leaves stock untouched.
        let mut products = seller.products.clone();
        let mut items = Vec::new();
        for line in &new.lines {
            let (product, sku) = products
                .values_mut()
                .find_map(|p| {
                    let (pid, name, status) = (p.item_id, p.name.clone(), p.status);
                    p.skus
                        .iter_mut()
                        .find(|s| s.seller_sku == line.seller_sku)
                        .map(|s| ((pid, name, status), s))
                })
                .ok_or_else(|| ControlError::UnknownSku(line.seller_sku.clone()))?;
            if product.2 != ProductStatus::Active {
                return Err(ControlError::Invalid(format!(
                    "product {} is {}",
                    product.0,
                    product.2.as_str()
                )));
            }
            if sku.status != super::state::SkuStatus::Active {
                return Err(ControlError::Invalid(format!(
                    "SKU {} is inactive",
                    sku.seller_sku
                )));
            }
            let unit_price = if sku.special_price > 0.0 {
                sku.special_price
            } else {
                sku.price
            };
            for _ in 0..line.units {
                move_hold(sku, StockHold::Released, hold)
                    .map_err(ControlError::InsufficientStock)?;
                items.push(OrderItem {
                    order_item_id: next_item,
                    order_id,
                    seller_sku: sku.seller_sku.clone(),
                    shop_sku: sku.shop_sku.clone(),
                    sku_id: sku.sku_id,
                    product_id: product.0,
                    name: product.1.clone(),
                    status: new.status,
                    item_price: unit_price,
                    paid_price: line.paid_price.unwrap_or(unit_price),
                    reason: String::new(),
                    cancel_return_initiator: String::new(),
                    created_ms: created,
                    updated_ms: now.max(created),
                });
                next_item += 1;
            }
        }
        seller.products = products;
        self.next_order_item_id = next_item;
        let order = Order {
            order_id,
            order_number: order_id,
            seller_id: new.seller_id,
            created_ms: created,
            updated_ms: now.max(created),
            payment_method: new.payment_method,
            shipping_fee: new.shipping_fee,
            voucher: new.voucher,
            items,
        };
        self.orders.insert(order_id, order.clone());
        let pushes = self.auto_pushes(&order, None);
        Ok((order, pushes))
    }

    /// Moves items of an order (all, or the given `order_item_id`s) to `status`. Stock follows the hold each
    /// status implies; cancelling gives a unit back exactly once because a canceled item holds nothing.
    pub fn set_item_status(
        &mut self,
        order_id: i64,
        item_ids: Option<&[i64]>,
        status: OrderItemStatus,
        reason: Option<String>,
    ) -> Result<(Order, Vec<PushMsg>), ControlError> {
        let mut order = self
            .orders
            .get(&order_id)
            .cloned()
            .ok_or(ControlError::UnknownOrder(order_id))?;
        if let Some(ids) = item_ids
            && let Some(bad) = ids
                .iter()
                .find(|id| !order.items.iter().any(|i| i.order_item_id == **id))
        {
            return Err(ControlError::Invalid(format!(
                "order {order_id} has no item {bad}"
            )));
        }
        let now = now_ms();
        let seller = self.seller_mut(order.seller_id)?;
        let mut products = seller.products.clone();
        let mut changed = Vec::new();
        for item in &mut order.items {
            if item_ids.is_some_and(|ids| !ids.contains(&item.order_item_id))
                || item.status == status
            {
                continue;
            }
            // A SKU purged from the catalogue no longer tracks stock; the status still changes.
            if let Some(sku) = products
                .values_mut()
                .flat_map(|p| p.skus.iter_mut())
                .find(|s| s.sku_id == item.sku_id)
            {
                move_hold(sku, item.status.hold(), status.hold())
                    .map_err(ControlError::InsufficientStock)?;
            }
            item.status = status;
            item.updated_ms = now;
            if let Some(r) = &reason {
                item.reason = r.clone();
            }
            if status == OrderItemStatus::Canceled && item.cancel_return_initiator.is_empty() {
                item.cancel_return_initiator = "seller-cancel".into();
            }
            changed.push(item.order_item_id);
        }
        seller.products = products;
        if !changed.is_empty() {
            order.updated_ms = now;
        }
        self.orders.insert(order_id, order.clone());
        let pushes = self.auto_pushes(&order, Some(&changed));
        Ok((order, pushes))
    }

    /// Pushes for the given items (all if `None`) when automatic order pushes are on.
    fn auto_pushes(&mut self, order: &Order, only: Option<&[i64]>) -> Vec<PushMsg> {
        if !self.push.auto_order_status {
            return Vec::new();
        }
        self.item_pushes(order, only)
    }

    /// Push messages for the given items of an order (all if `None`), with their current status.
    pub fn item_pushes(&mut self, order: &Order, only: Option<&[i64]>) -> Vec<PushMsg> {
        order
            .items
            .iter()
            .filter(|i| only.is_none_or(|ids| ids.contains(&i.order_item_id)))
            .map(|i| self.push.item_msg(order.seller_id, i))
            .collect()
    }

    pub fn order_item(&self, order_id: i64, order_item_id: i64) -> Option<&OrderItem> {
        self.orders
            .get(&order_id)?
            .items
            .iter()
            .find(|i| i.order_item_id == order_item_id)
    }

    pub fn token_action(
        &mut self,
        seller_id: i64,
        action: TokenAction,
    ) -> Result<TokenPair, ControlError> {
        let s = self.seller_mut(seller_id)?;
        s.tokens.apply(action, now_ms());
        Ok(s.tokens.pair(seller_id))
    }

    pub fn tokens(&self, seller_id: i64) -> Result<TokenPair, ControlError> {
        Ok(self.seller(seller_id)?.tokens.pair(seller_id))
    }

    /// A single-use authorization code, as the OAuth redirect would deliver (§2.1).
    pub fn issue_auth_code(&mut self, seller_id: i64) -> Result<String, ControlError> {
        self.seller(seller_id)?;
        let code = format!("0_{}", &new_token("")[..26]);
        let ttl = i64::try_from(self.cfg.auth_code_ttl_secs).unwrap_or(i64::MAX / 4000) * 1000;
        self.auth_codes
            .insert(code.clone(), (seller_id, now_ms() + ttl));
        Ok(code)
    }

    pub fn snapshot(&self) -> SimState {
        SimState {
            sellers: self
                .sellers
                .values()
                .map(|s| SellerState {
                    seller_id: s.cfg.seller_id,
                    short_code: s.cfg.short_code.clone(),
                    products: s.products.values().cloned().collect(),
                })
                .collect(),
            orders: self.orders.values().cloned().collect(),
        }
    }

    /// The sliding-window limits a call to `path` by `seller` counts against (§5).
    pub fn limits_for(&self, seller: Option<i64>, path: &str, inventory: bool) -> Vec<Limit> {
        let rl = &self.cfg.rate_limits;
        let mut out = Vec::new();
        if let Some(&n) = rl.api_per_second.get(path) {
            out.push(Limit {
                key: format!("api:{path}"),
                per_second: n,
            });
        }
        if let Some(id) = seller {
            let per_seller = self
                .sellers
                .get(&id)
                .and_then(|s| s.cfg.rate_limit_per_second)
                .or(rl.seller_per_second);
            if let Some(n) = per_seller {
                out.push(Limit {
                    key: format!("seller:{id}"),
                    per_second: n,
                });
            }
            if inventory && let Some(n) = rl.inventory_per_seller_per_second {
                out.push(Limit {
                    key: format!("inventory:{id}"),
                    per_second: n,
                });
            }
        }
        out
    }
}
