//! The site's catalogue: products and their variations, with WooCommerce's update rules
//! (`docs/src/channels/tiki-woocommerce.md` B6, B7): money as decimal strings, `stock_quantity` applied only when
//! `manage_stock` is on (otherwise blanked), SKUs unique across products and variations.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::error::WcError;

/// A product (`parent_id` 0) or a variation (`parent_id` = its variable product).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    pub parent_id: i64,
    /// `simple`, `variable` or `variation`.
    pub kind: String,
    pub name: String,
    pub sku: String,
    /// `draft`, `pending`, `private` or `publish`.
    pub status: String,
    pub regular_price: String,
    pub sale_price: String,
    pub manage_stock: bool,
    pub stock_quantity: Option<i64>,
    pub stock_status: String,
    pub backorders: String,
    pub date_modified_gmt: DateTime<Utc>,
}

/// What a test seeds: a simple product, or a variable one with its variations.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SeedProduct {
    pub name: String,
    pub sku: String,
    pub regular_price: String,
    pub manage_stock: bool,
    pub stock_quantity: Option<i64>,
    /// Empty for a simple product.
    pub variations: Vec<SeedVariation>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SeedVariation {
    pub sku: String,
    pub regular_price: String,
    pub manage_stock: bool,
    pub stock_quantity: Option<i64>,
}

const STATUSES: [&str; 4] = ["draft", "pending", "private", "publish"];

/// All items by id (products and variations share WordPress's post ids).
#[derive(Debug, Default)]
pub struct Catalog {
    pub items: BTreeMap<i64, Item>,
    next_id: i64,
}

impl Catalog {
    fn new_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id + 100
    }

    fn fresh(&mut self, parent_id: i64, kind: &str, name: &str) -> Item {
        Item {
            id: self.new_id(),
            parent_id,
            kind: kind.to_owned(),
            name: name.to_owned(),
            sku: String::new(),
            status: "publish".into(),
            regular_price: String::new(),
            sale_price: String::new(),
            manage_stock: false,
            stock_quantity: None,
            stock_status: "instock".into(),
            backorders: "no".into(),
            date_modified_gmt: Utc::now(),
        }
    }

    /// Seeds a product (and its variations) through the same rules as the API.
    pub fn seed(&mut self, seed: &SeedProduct) -> Result<i64, WcError> {
        let kind = if seed.variations.is_empty() {
            "simple"
        } else {
            "variable"
        };
        let body = json!({"sku": seed.sku, "regular_price": seed.regular_price,
            "manage_stock": seed.manage_stock, "stock_quantity": seed.stock_quantity});
        let id = self.create(0, kind, &seed.name, &body)?;
        for v in &seed.variations {
            let body = json!({"sku": v.sku, "regular_price": v.regular_price,
                "manage_stock": v.manage_stock, "stock_quantity": v.stock_quantity});
            self.create(id, "variation", &seed.name, &body)?;
        }
        Ok(id)
    }

    /// Creates an item from a request body; the id is only taken once the body is valid.
    pub fn create(
        &mut self,
        parent_id: i64,
        kind: &str,
        name: &str,
        body: &Value,
    ) -> Result<i64, WcError> {
        let name = body.get("name").and_then(Value::as_str).unwrap_or(name);
        let mut item = self.fresh(parent_id, kind, name);
        self.apply(&mut item, body)?;
        let id = item.id;
        self.items.insert(id, item);
        Ok(id)
    }

    /// Applies an update body to item `id` (a variation of `parent` when `parent` is `Some`).
    pub fn update(&mut self, parent: Option<i64>, id: i64, body: &Value) -> Result<(), WcError> {
        let mut item = self.get(parent, id)?.clone();
        self.apply(&mut item, body)?;
        self.items.insert(id, item);
        Ok(())
    }

    /// Forced delete (batch deletes use `force=true`), with a variable product's variations.
    pub fn delete(&mut self, parent: Option<i64>, id: i64) -> Result<Item, WcError> {
        let item = self.get(parent, id)?.clone();
        self.items.remove(&id);
        self.items.retain(|_, i| i.parent_id != id);
        Ok(item)
    }

    /// The item, if it exists where the route says: a product for `None`, a variation of `parent` for `Some`.
    pub fn get(&self, parent: Option<i64>, id: i64) -> Result<&Item, WcError> {
        let found = self.items.get(&id).filter(|i| match parent {
            None => i.kind != "variation",
            Some(p) => i.kind == "variation" && i.parent_id == p,
        });
        found.ok_or_else(|| match parent {
            None => WcError::new(400, "woocommerce_rest_product_invalid_id", "Invalid ID."),
            Some(_) => WcError::new(
                400,
                "woocommerce_rest_product_variation_invalid_id",
                "Invalid ID.",
            ),
        })
    }

    /// The fields kho writes, type-checked as WordPress's schema does; `stock_quantity` counts only when stock is
    /// managed after this same update (B7).
    fn apply(&self, item: &mut Item, body: &Value) -> Result<(), WcError> {
        let empty = Map::new();
        let obj = body.as_object().unwrap_or(&empty);
        let string = |name: &str| -> Result<Option<String>, WcError> {
            match obj.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(WcError::invalid_param(
                    name,
                    format!("{name} is not of type string."),
                )),
            }
        };
        if let Some(sku) = string("sku")? {
            let taken = !sku.is_empty()
                && self
                    .items
                    .values()
                    .any(|other| other.id != item.id && other.sku == sku);
            if taken {
                return Err(WcError::new(
                    400,
                    "product_invalid_sku",
                    "Invalid or duplicated SKU.",
                ));
            }
            item.sku = sku;
        }
        for (field, slot) in [
            ("regular_price", &mut item.regular_price),
            ("sale_price", &mut item.sale_price),
        ] {
            if let Some(v) = string(field)? {
                *slot = v;
            }
        }
        if let Some(status) = string("status")? {
            if !STATUSES.contains(&status.as_str()) {
                return Err(WcError::invalid_param(
                    "status",
                    "status is not one of draft, pending, private, and publish.",
                ));
            }
            item.status = status;
        }
        match obj.get("manage_stock") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => item.manage_stock = *b,
            Some(_) => {
                return Err(WcError::invalid_param(
                    "manage_stock",
                    "manage_stock is not of type boolean.",
                ));
            }
        }
        let quantity = match obj.get("stock_quantity") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().ok_or_else(|| {
                WcError::invalid_param("stock_quantity", "stock_quantity is not of type integer.")
            })?),
        };
        if let Some(s) = string("stock_status")? {
            if !["instock", "outofstock", "onbackorder"].contains(&s.as_str()) {
                return Err(WcError::invalid_param(
                    "stock_status",
                    "stock_status is not one of instock, outofstock, and onbackorder.",
                ));
            }
            item.stock_status = s;
        }
        if item.manage_stock {
            if let Some(q) = quantity {
                item.stock_quantity = Some(q);
            }
            let q = item.stock_quantity.unwrap_or(0);
            item.stock_status = if q > 0 { "instock" } else { "outofstock" }.into();
        } else {
            item.stock_quantity = None;
            item.backorders = "no".into();
        }
        item.date_modified_gmt = Utc::now();
        Ok(())
    }

    /// The REST representation: a product (with `type`, `parent_id`, `variations`) or a variation.
    pub fn json(&self, item: &Item) -> Value {
        let price = if item.sale_price.is_empty() {
            &item.regular_price
        } else {
            &item.sale_price
        };
        let modified = item
            .date_modified_gmt
            .naive_utc()
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string();
        let mut v = json!({
            "id": item.id, "name": item.name, "sku": item.sku, "status": item.status,
            "price": price, "regular_price": item.regular_price, "sale_price": item.sale_price,
            "manage_stock": item.manage_stock, "stock_quantity": item.stock_quantity,
            "stock_status": item.stock_status, "backorders": item.backorders,
            "date_modified": modified, "date_modified_gmt": modified,
        });
        if let Some(obj) = v.as_object_mut()
            && item.kind != "variation"
        {
            let children: Vec<i64> = self
                .items
                .values()
                .filter(|i| i.parent_id == item.id)
                .map(|i| i.id)
                .collect();
            obj.insert("type".into(), json!(item.kind));
            obj.insert("parent_id".into(), json!(item.parent_id));
            obj.insert("variations".into(), json!(children));
        }
        v
    }

    /// Like [`Catalog::json`] for a hit of `/products?sku=`, which also finds variations, shown as products.
    pub fn json_as_product(&self, item: &Item) -> Value {
        let mut v = self.json(item);
        if let Some(obj) = v.as_object_mut()
            && item.kind == "variation"
        {
            obj.insert("type".into(), json!("variation"));
            obj.insert("parent_id".into(), json!(item.parent_id));
            obj.insert("variations".into(), json!([]));
        }
        v
    }
}
