//! Webhook registration (§9.1): `PUT /event/202309/webhooks` `{"event_type", "address"}`, `GET` lists them,
//! `DELETE` `{"event_type"}` removes one. Registered addresses take precedence over the configured callback URL.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::api::Outcome;
use super::error::ApiError;
use super::params::parse_body;
use super::webhook::REGISTRABLE_EVENTS;
use super::world::World;

#[derive(Deserialize)]
struct UpdateReq {
    event_type: String,
    address: String,
}

#[derive(Deserialize)]
struct DeleteReq {
    event_type: String,
}

fn check_event(event_type: &str) -> Result<(), ApiError> {
    if REGISTRABLE_EVENTS.contains(&event_type) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "The `event_type` {event_type:?} is invalid."
        )))
    }
}

fn shop_mut<'a>(
    world: &'a mut World,
    shop_id: &str,
) -> Result<&'a mut super::world::Shop, ApiError> {
    world
        .shops
        .get_mut(shop_id)
        .ok_or_else(|| ApiError::invalid("The shop is not authorized."))
}

pub fn list(world: &mut World, shop_id: &str) -> Result<Outcome, ApiError> {
    let shop = shop_mut(world, shop_id)?;
    let webhooks: Vec<Value> = shop
        .webhook_addresses
        .iter()
        .map(|(e, a)| json!({"event_type": e, "address": a, "create_time": 0}))
        .collect();
    Ok(Outcome::new(json!({ "webhooks": webhooks })))
}

pub fn update(world: &mut World, shop_id: &str, body: &[u8]) -> Result<Outcome, ApiError> {
    let req: UpdateReq = parse_body(body)?;
    check_event(&req.event_type)?;
    let ok = url::Url::parse(&req.address)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if !ok {
        return Err(ApiError::invalid("The `address` must be an HTTP(S) URL."));
    }
    shop_mut(world, shop_id)?
        .webhook_addresses
        .insert(req.event_type, req.address);
    Ok(Outcome::new(json!({})))
}

pub fn delete(world: &mut World, shop_id: &str, body: &[u8]) -> Result<Outcome, ApiError> {
    let req: DeleteReq = parse_body(body)?;
    check_event(&req.event_type)?;
    shop_mut(world, shop_id)?
        .webhook_addresses
        .remove(&req.event_type);
    Ok(Outcome::new(json!({})))
}
