//! Everything the simulator knows, behind one lock: configuration, shops with their tokens and listings, orders,
//! uploaded images, the request log, the rate limiter, the fault RNG and the push queue. Endpoint and control
//! code are plain synchronous functions over `&mut World`, so every call is applied atomically.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use super::config::{ShopConfig, SimConfig};
use super::log::RequestLog;
use super::push::{PushMsg, PushState};
use super::state::{
    Item, ItemMap, ItemStatus, ListingEdit, Model, NewOrder, Order, OrderLine, OrderStatus,
    SeedItem, ShopState, SimState, TierVariation, now_unix, now_unix_ms, yymmdd,
};
use super::tokens::{ShopTokens, TokenAction, TokenPair, new_token};
use crate::common::faults::Faults;
use crate::common::window::SlidingWindowLimiter;

/// Why a control operation was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ControlError {
    #[error("unknown shop {0}")]
    UnknownShop(i64),
    #[error("unknown item {0}")]
    UnknownItem(i64),
    #[error("unknown model {1} of item {0}")]
    UnknownModel(i64, i64),
    #[error("unknown order {0}")]
    UnknownOrder(String),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not enough stock: {0}")]
    InsufficientStock(String),
    #[error("invalid: {0}")]
    Invalid(String),
}

/// One authorised shop.
#[derive(Debug)]
pub struct Shop {
    pub cfg: ShopConfig,
    pub tokens: ShopTokens,
    pub items: ItemMap,
}

pub struct World {
    pub cfg: SimConfig,
    pub shops: BTreeMap<i64, Shop>,
    pub orders: BTreeMap<String, Order>,
    next_item_id: i64,
    next_model_id: i64,
    order_seq: u64,
    /// Image ids known to the media space (uploaded, or referenced by seeded items).
    pub images: BTreeSet<String>,
    /// Single-use authorization codes: code → (shop_id, expiry in Unix ms).
    pub auth_codes: HashMap<String, (i64, i64)>,
    pub(crate) log: RequestLog,
    pub(crate) limiter: SlidingWindowLimiter<i64>,
    /// Accepted listing writes with their client (see `log::WriteCall`).
    pub(crate) writes: Vec<super::log::WriteCall>,
    pub(crate) faults: Faults<super::config::FaultConfig>,
    pub push: PushState,
}

/// Hand-written: the world holds the partner key, tokens and authorization codes, none of which may be logged.
impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("partner_id", &self.cfg.partner_id)
            .field("shops", &self.shops.keys().collect::<Vec<_>>())
            .field("orders", &self.orders.len())
            .finish_non_exhaustive()
    }
}

impl World {
    pub fn new(cfg: SimConfig) -> Result<Self, ControlError> {
        let mut world = Self {
            shops: BTreeMap::new(),
            orders: BTreeMap::new(),
            next_item_id: 800_000_001,
            next_model_id: 2_000_000_001,
            order_seq: 0,
            images: BTreeSet::new(),
            auth_codes: HashMap::new(),
            log: super::log::new_log(Instant::now()),
            limiter: SlidingWindowLimiter::default(),
            writes: Vec::new(),
            faults: Faults::new(cfg.faults.clone()),
            push: PushState::new(&cfg.push),
            cfg: cfg.clone(),
        };
        for shop in cfg.shops {
            let items = shop.items.clone();
            let id = shop.shop_id;
            world.add_shop(ShopConfig {
                items: Vec::new(),
                ..shop
            })?;
            for item in items {
                world.seed_item(id, item)?;
            }
        }
        Ok(world)
    }

    pub fn add_shop(&mut self, shop: ShopConfig) -> Result<TokenPair, ControlError> {
        if self.shops.contains_key(&shop.shop_id) {
            return Err(ControlError::Conflict(format!("shop {}", shop.shop_id)));
        }
        let access = if shop.access_token.is_empty() {
            new_token()
        } else {
            shop.access_token.clone()
        };
        let refresh = if shop.refresh_token.is_empty() {
            new_token()
        } else {
            shop.refresh_token.clone()
        };
        let tokens = ShopTokens::new(
            access,
            refresh,
            now_unix_ms(),
            self.cfg.access_token_ttl_secs,
            self.cfg.refresh_token_ttl_secs,
        );
        let id = shop.shop_id;
        let pair = tokens.pair(id);
        let items = shop.items.clone();
        self.shops.insert(
            id,
            Shop {
                cfg: ShopConfig {
                    items: Vec::new(),
                    ..shop
                },
                tokens,
                items: BTreeMap::new(),
            },
        );
        for item in items {
            self.seed_item(id, item)?;
        }
        Ok(pair)
    }

    pub fn shop(&self, shop_id: i64) -> Result<&Shop, ControlError> {
        self.shops
            .get(&shop_id)
            .ok_or(ControlError::UnknownShop(shop_id))
    }

    pub fn shop_mut(&mut self, shop_id: i64) -> Result<&mut Shop, ControlError> {
        self.shops
            .get_mut(&shop_id)
            .ok_or(ControlError::UnknownShop(shop_id))
    }

    pub fn allocate_item_id(&mut self) -> i64 {
        let id = self.next_item_id;
        self.next_item_id += 1;
        id
    }

    pub fn allocate_model_id(&mut self) -> i64 {
        let id = self.next_model_id;
        self.next_model_id += 1;
        id
    }

    /// Creates a listing; returns it with the ids the simulator assigned.
    pub fn seed_item(&mut self, shop_id: i64, seed: SeedItem) -> Result<Item, ControlError> {
        self.shop(shop_id)?;
        let item_id = match seed.item_id {
            Some(id) => {
                if self.shops.values().any(|s| s.items.contains_key(&id)) {
                    return Err(ControlError::Conflict(format!("item {id}")));
                }
                self.next_item_id = self.next_item_id.max(id + 1);
                id
            }
            None => self.allocate_item_id(),
        };
        let mut models = Vec::new();
        let mut options = Vec::new();
        for (idx, m) in seed.models.into_iter().enumerate() {
            let model_id = match m.model_id {
                Some(id) => {
                    self.next_model_id = self.next_model_id.max(id + 1);
                    id
                }
                None => self.allocate_model_id(),
            };
            let name = if m.name.is_empty() {
                format!("Option {}", idx + 1)
            } else {
                m.name
            };
            options.push(name.clone());
            models.push(Model {
                model_id,
                model_sku: m.model_sku,
                name,
                tier_index: vec![idx as u32],
                price: m.price,
                stock: m.stock,
                reserved_stock: m.reserved_stock,
                available: true,
            });
        }
        let now = now_unix();
        let image_id = format!("sim-{item_id}-0");
        self.images.insert(image_id.clone());
        let item = Item {
            item_id,
            item_name: seed.item_name,
            item_sku: seed.item_sku,
            description: seed.description,
            category_id: seed.category_id,
            status: seed.status,
            create_time: now,
            update_time: now,
            weight: seed.weight,
            image_ids: vec![image_id],
            logistic_info: vec![serde_json::json!({"logistic_id": 50018, "enabled": true})],
            price: seed.price,
            stock: seed.stock,
            reserved_stock: seed.reserved_stock,
            in_promotion: seed.in_promotion,
            tier_variation: if models.is_empty() {
                Vec::new()
            } else {
                vec![TierVariation {
                    name: seed.tier_name,
                    options,
                }]
            },
            models,
        };
        self.shop_mut(shop_id)?.items.insert(item_id, item.clone());
        Ok(item)
    }

    /// Edits a listing by hand (drift on the marketplace side).
    pub fn edit_listing(
        &mut self,
        shop_id: i64,
        item_id: i64,
        edit: ListingEdit,
    ) -> Result<Item, ControlError> {
        let shop = self.shop_mut(shop_id)?;
        let item = shop
            .items
            .get_mut(&item_id)
            .ok_or(ControlError::UnknownItem(item_id))?;
        if let Some(s) = edit.status {
            item.status = s;
        }
        if let Some(s) = edit.item_sku {
            item.item_sku = s;
        }
        if let Some(n) = edit.item_name {
            item.item_name = n;
        }
        if let Some(p) = edit.in_promotion {
            item.in_promotion = p;
        }
        match edit.model_id.filter(|&m| m != 0) {
            Some(model_id) => {
                let m = item
                    .model_mut(model_id)
                    .ok_or(ControlError::UnknownModel(item_id, model_id))?;
                if let Some(v) = edit.stock {
                    m.stock = v;
                }
                if let Some(v) = edit.price {
                    m.price = v;
                }
                if let Some(v) = edit.reserved_stock {
                    m.reserved_stock = v;
                }
                if let Some(v) = edit.model_sku {
                    m.model_sku = v;
                }
            }
            None => {
                if let Some(v) = edit.stock {
                    item.stock = v;
                }
                if let Some(v) = edit.price {
                    item.price = v;
                }
                if let Some(v) = edit.reserved_stock {
                    item.reserved_stock = v;
                }
            }
        }
        item.update_time = now_unix();
        Ok(item.clone())
    }

    /// Deletes a listing as the seller would in Seller Centre: it stays readable as `SELLER_DELETE` (§6.7).
    pub fn delete_listing(&mut self, shop_id: i64, item_id: i64) -> Result<(), ControlError> {
        let item = self
            .shop_mut(shop_id)?
            .items
            .get_mut(&item_id)
            .ok_or(ControlError::UnknownItem(item_id))?;
        item.status = ItemStatus::SellerDelete;
        item.update_time = now_unix();
        Ok(())
    }

    /// Removes a listing entirely (as after the 90-day purge), so the API no longer finds it.
    pub fn purge_listing(&mut self, shop_id: i64, item_id: i64) -> Result<(), ControlError> {
        self.shop_mut(shop_id)?
            .items
            .remove(&item_id)
            .map(|_| ())
            .ok_or(ControlError::UnknownItem(item_id))
    }

    /// Places an order: takes its quantities out of seller stock (all lines or none).
    pub fn create_order(
        &mut self,
        new: NewOrder,
    ) -> Result<(Order, Option<PushMsg>), ControlError> {
        if new.lines.is_empty() {
            return Err(ControlError::Invalid(
                "an order needs at least one line".into(),
            ));
        }
        let shop_id = new.shop_id;
        let now = now_unix();
        let create_time = new.create_time.unwrap_or(now);
        let order_sn = match new.order_sn {
            Some(sn) => sn,
            None => self.next_order_sn(create_time),
        };
        if self.orders.contains_key(&order_sn) {
            return Err(ControlError::Conflict(format!("order {order_sn}")));
        }
        let holds_stock = new.status != OrderStatus::Cancelled;
        let shop = self.shop_mut(shop_id)?;
        // Check every line against a scratch copy first so a failing line leaves stock untouched.
        let mut scratch = shop.items.clone();
        let mut lines = Vec::new();
        for l in &new.lines {
            if l.quantity <= 0 {
                return Err(ControlError::Invalid(format!(
                    "quantity {} of item {}",
                    l.quantity, l.item_id
                )));
            }
            let item = scratch
                .get_mut(&l.item_id)
                .ok_or(ControlError::UnknownItem(l.item_id))?;
            if item.status != ItemStatus::Normal {
                return Err(ControlError::Invalid(format!(
                    "item {} is {}",
                    l.item_id,
                    item.status.as_str()
                )));
            }
            let (model_name, model_sku, price) = if item.has_model() {
                let m = item
                    .model(l.model_id)
                    .ok_or(ControlError::UnknownModel(l.item_id, l.model_id))?;
                (m.name.clone(), m.model_sku.clone(), m.price)
            } else if l.model_id == 0 {
                (String::new(), String::new(), item.price)
            } else {
                return Err(ControlError::UnknownModel(l.item_id, l.model_id));
            };
            if holds_stock {
                item.adjust_stock(l.model_id, -l.quantity)
                    .map_err(ControlError::InsufficientStock)?;
                item.update_time = now;
            }
            lines.push(OrderLine {
                item_id: l.item_id,
                model_id: l.model_id,
                item_name: item.item_name.clone(),
                item_sku: item.item_sku.clone(),
                model_name,
                model_sku,
                quantity: l.quantity,
                original_price: price,
                discounted_price: l.discounted_price.unwrap_or(price),
                weight: item.weight,
            });
        }
        shop.items = scratch;
        let order = Order {
            order_sn: order_sn.clone(),
            shop_id,
            status: new.status,
            create_time,
            update_time: now.max(create_time),
            pay_time: if new.cod || new.status == OrderStatus::Unpaid {
                None
            } else {
                Some(create_time)
            },
            cod: new.cod,
            payment_method: if new.cod {
                "Cash on Delivery".into()
            } else {
                "Shopee Wallet".into()
            },
            shipping_carrier: "Giao Hàng Nhanh".into(),
            estimated_shipping_fee: new.estimated_shipping_fee,
            message_to_seller: new.message_to_seller,
            buyer_username: "sim_buyer".into(),
            buyer_user_id: 1000,
            cancel_by: String::new(),
            cancel_reason: String::new(),
            buyer_cancel_reason: String::new(),
            lines,
            holds_stock,
        };
        self.orders.insert(order_sn, order.clone());
        let push = self.auto_push(&order);
        Ok((order, push))
    }

    /// Moves an order to `status`. Cancelling gives its stock back, exactly once.
    pub fn set_order_status(
        &mut self,
        order_sn: &str,
        status: OrderStatus,
    ) -> Result<(Order, Option<PushMsg>), ControlError> {
        let order = self
            .orders
            .get(order_sn)
            .ok_or_else(|| ControlError::UnknownOrder(order_sn.to_owned()))?;
        if order.status == OrderStatus::Cancelled && status != OrderStatus::Cancelled {
            return Err(ControlError::Invalid(format!(
                "order {order_sn} is cancelled"
            )));
        }
        let (shop_id, holds, lines) = (order.shop_id, order.holds_stock, order.lines.clone());
        let now = now_unix();
        let mut released = false;
        if status == OrderStatus::Cancelled && holds {
            let shop = self.shop_mut(shop_id)?;
            for l in &lines {
                // A purged listing or model has nothing to give back to.
                if let Some(item) = shop.items.get_mut(&l.item_id) {
                    let _ = item.adjust_stock(l.model_id, l.quantity);
                    item.update_time = now;
                }
            }
            released = true;
        }
        let order = self
            .orders
            .get_mut(order_sn)
            .ok_or_else(|| ControlError::UnknownOrder(order_sn.to_owned()))?;
        if released {
            order.holds_stock = false;
            order.cancel_by = "buyer".into();
            order.cancel_reason = "Change of mind".into();
            order.buyer_cancel_reason = "Change of mind".into();
        }
        if status != OrderStatus::Unpaid && order.pay_time.is_none() && !order.cod {
            order.pay_time = Some(now);
        }
        order.status = status;
        order.update_time = now.max(order.update_time);
        let order = order.clone();
        let push = self.auto_push(&order);
        Ok((order, push))
    }

    fn auto_push(&mut self, order: &Order) -> Option<PushMsg> {
        if self.push.auto_order_status && self.push.callback_url.is_some() {
            Some(self.push.order_status_msg(order))
        } else {
            None
        }
    }

    fn next_order_sn(&mut self, create_time: i64) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
        self.order_seq += 1;
        let mut n = self.order_seq * 7_919 + 1_000_000;
        let mut tail = Vec::new();
        for _ in 0..8 {
            tail.push(ALPHABET[(n % ALPHABET.len() as u64) as usize]);
            n /= ALPHABET.len() as u64;
        }
        tail.reverse();
        format!("{}{}", yymmdd(create_time), String::from_utf8_lossy(&tail))
    }

    /// Issues a single-use authorization code for `shop_id`, valid 10 minutes (§2.1).
    pub fn issue_auth_code(&mut self, shop_id: i64) -> Result<String, ControlError> {
        self.shop(shop_id)?;
        let code = new_token();
        self.auth_codes
            .insert(code.clone(), (shop_id, now_unix_ms() + 600_000));
        Ok(code)
    }

    pub fn token_action(
        &mut self,
        shop_id: i64,
        action: TokenAction,
    ) -> Result<TokenPair, ControlError> {
        let shop = self.shop_mut(shop_id)?;
        shop.tokens.apply(action, now_unix_ms());
        Ok(shop.tokens.pair(shop_id))
    }

    pub fn tokens(&self, shop_id: i64) -> Result<TokenPair, ControlError> {
        Ok(self.shop(shop_id)?.tokens.pair(shop_id))
    }

    pub fn snapshot(&self) -> SimState {
        SimState {
            shops: self
                .shops
                .values()
                .map(|s| ShopState {
                    shop_id: s.cfg.shop_id,
                    region: s.cfg.region.clone(),
                    currency: s.cfg.currency.clone(),
                    items: s.items.values().cloned().collect(),
                })
                .collect(),
            orders: self.orders.values().cloned().collect(),
        }
    }

    /// The rate limit that applies to `shop_id`, if any.
    pub fn rate_limit(&self, shop_id: i64) -> Option<u32> {
        self.shops
            .get(&shop_id)
            .and_then(|s| s.cfg.rate_limit_per_second)
            .or(self.cfg.rate_limit_per_second)
    }
}
