//! Tier variations and models (§6.4): `init_tier_variation` and `add_model`, with the model checks they share.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Value, json};

use super::api::Payload;
use super::error::ApiError;
use super::params::{Module, parse_body};
use super::products::*;
use super::state::{Item, Model, TierVariation, now_unix, price_json};
use super::world::World;

#[derive(Deserialize)]
struct NewModel {
    tier_index: Vec<u32>,
    original_price: f64,
    #[serde(default)]
    model_sku: String,
    seller_stock: Vec<NewStock>,
}

#[derive(Deserialize)]
struct TierOption {
    option: String,
}

#[derive(Deserialize)]
struct NewTier {
    name: String,
    option_list: Vec<TierOption>,
}

#[derive(Deserialize)]
struct InitTierVariation {
    item_id: i64,
    tier_variation: Vec<NewTier>,
    model: Vec<NewModel>,
}

#[derive(Deserialize)]
struct AddModel {
    item_id: i64,
    model_list: Vec<NewModel>,
}

fn build_models(
    world: &mut World,
    item: &Item,
    new: Vec<NewModel>,
    location: &str,
) -> Result<Vec<Model>, ApiError> {
    let mut taken: HashSet<Vec<u32>> = item.models.iter().map(|m| m.tier_index.clone()).collect();
    let mut out = Vec::new();
    for m in new {
        if m.tier_index.len() != item.tier_variation.len()
            || m.tier_index
                .iter()
                .zip(&item.tier_variation)
                .any(|(&i, t)| i as usize >= t.options.len())
        {
            return Err(ApiError::bad_param(
                "Wrong parameters, detail: invalid tier_index.",
            ));
        }
        if !taken.insert(m.tier_index.clone()) {
            return Err(ApiError::bad_param(
                "Wrong parameters, detail: repeat tier_index.",
            ));
        }
        let stock: i64 = m.seller_stock.iter().map(|s| s.stock).sum();
        check_locations(&m.seller_stock, location)?;
        if m.seller_stock.is_empty() || stock < 0 {
            return Err(ApiError::product_param(
                "invalid field SellerStock: value must  Not Null",
            ));
        }
        let name = m
            .tier_index
            .iter()
            .zip(&item.tier_variation)
            .filter_map(|(&i, t)| t.options.get(i as usize).cloned())
            .collect::<Vec<_>>()
            .join(",");
        out.push(Model {
            model_id: world.allocate_model_id(),
            model_sku: m.model_sku,
            name,
            tier_index: m.tier_index,
            price: m.original_price,
            stock,
            reserved_stock: 0,
            available: true,
        });
    }
    Ok(out)
}

fn model_reply(models: &[Model], location: &str) -> Vec<Value> {
    models
        .iter()
        .map(|m| {
            json!({
                "model_id": m.model_id,
                "tier_index": m.tier_index,
                "model_sku": m.model_sku,
                "original_price": price_json(m.price),
                "seller_stock": [{"location_id": location, "stock": m.stock}],
            })
        })
        .collect()
}

/// `POST /api/v2/product/init_tier_variation` (§6.4; request shape inferred from get_model_list and add_model).
pub fn init_tier_variation(
    world: &mut World,
    shop_id: Option<i64>,
    body: &[u8],
) -> Result<Payload, ApiError> {
    let req: InitTierVariation = parse_body(body, Module::Product)?;
    if req.tier_variation.is_empty() || req.tier_variation.len() > 2 {
        return Err(ApiError::bad_param(
            "Wrong parameters, detail: tier_variation should have 1 or 2 tiers.",
        ));
    }
    if req.tier_variation.iter().any(|t| t.option_list.len() > 20) {
        return Err(ApiError::bad_param(
            "Count of tier_variation option is larger than 20",
        ));
    }
    check_batch_len("model", req.model.len())?;
    let location = shop_mut(world, shop_id)?.cfg.location_id.clone();
    let mut item = editable_item(shop_mut(world, shop_id)?, req.item_id)?.clone();
    if !item.tier_variation.is_empty() {
        return Err(ApiError::bad_param(
            "Wrong parameters, detail: the item already has tier variations.",
        ));
    }
    item.tier_variation = req
        .tier_variation
        .into_iter()
        .map(|t| TierVariation {
            name: t.name,
            options: t.option_list.into_iter().map(|o| o.option).collect(),
        })
        .collect();
    let models = build_models(world, &item, req.model, &location)?;
    item.models = models.clone();
    item.update_time = now_unix();
    let tiers = item.tier_variation.iter().map(|t| json!({"name": t.name, "option_list": t.options.iter().map(|o| json!({"option": o})).collect::<Vec<_>>()})).collect::<Vec<_>>();
    let item_id = item.item_id;
    shop_mut(world, shop_id)?.items.insert(item_id, item);
    Ok(Payload::Wrapped(
        json!({"item_id": item_id, "tier_variation": tiers, "model": model_reply(&models, &location)}),
    ))
}

/// `POST /api/v2/product/add_model` (§6.4): 1–50 models on an item that has tier variations.
pub fn add_model(
    world: &mut World,
    shop_id: Option<i64>,
    body: &[u8],
) -> Result<Payload, ApiError> {
    let req: AddModel = parse_body(body, Module::Product)?;
    check_batch_len("model_list", req.model_list.len())?;
    let location = shop_mut(world, shop_id)?.cfg.location_id.clone();
    let item = editable_item(shop_mut(world, shop_id)?, req.item_id)?.clone();
    if item.tier_variation.is_empty() {
        return Err(ApiError::bad_param(
            "Wrong parameters, detail: the item has no tier variation, call init_tier_variation first.",
        ));
    }
    let models = build_models(world, &item, req.model_list, &location)?;
    let target = editable_item(shop_mut(world, shop_id)?, req.item_id)?;
    target.models.extend(models.iter().cloned());
    target.update_time = now_unix();
    Ok(Payload::Wrapped(
        json!({"model": model_reply(&models, &location)}),
    ))
}
