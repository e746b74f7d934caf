//! Token endpoints on the auth host (§2): `/auth/token/create` exchanges a single-use, 30-minute authorization
//! code; `/auth/token/refresh` issues a new access token without extending the refresh token's life. Both answer
//! **flat** (no `data`), with `country_user_info` (create) or `country_user_info_list` (refresh).
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use serde_json::{Map, Value, json};

use super::api::Payload;
use super::error::{ApiError, ErrorType, Rejection};
use super::params::Params;
use super::state::now_ms;
use super::tokens::Grant;
use super::world::World;

pub fn token_create(world: &mut World, params: &Params) -> Result<Payload, ApiError> {
    let code = params.required("code")?;
    let now = now_ms();
    // Single use: the code is spent whether it turns out valid or expired.
    let (seller_id, expires) = world
        .auth_codes
        .remove(code)
        .ok_or_else(ApiError::invalid_code)?;
    if expires <= now {
        return Err(ApiError::invalid_code());
    }
    let (access_ttl, refresh_ttl) = (
        world.cfg.access_token_ttl_secs,
        world.cfg.refresh_token_ttl_secs,
    );
    let seller = world
        .sellers
        .get_mut(&seller_id)
        .ok_or_else(ApiError::invalid_code)?;
    let grant = seller.tokens.authorize(now, access_ttl, refresh_ttl);
    world
        .token_owner
        .insert(grant.access_token.clone(), seller_id);
    world
        .token_owner
        .insert(grant.refresh_token.clone(), seller_id);
    Ok(Payload::Flat(answer(
        world,
        seller_id,
        grant,
        "country_user_info",
    )))
}

pub fn token_refresh(world: &mut World, params: &Params) -> Result<Payload, ApiError> {
    if !world.cfg.refresh_supported {
        return Err(ApiError::new(
            ErrorType::Isv,
            "AUTH_TYPE_UNSUPPORTED",
            "This app's authorization type does not support refreshing tokens",
            403,
            Rejection::RefreshUnsupported,
        ));
    }
    let refresh_token = params.required("refresh_token")?;
    let seller_id = world
        .token_owner
        .get(refresh_token)
        .copied()
        .ok_or_else(ApiError::illegal_refresh_token)?;
    let (access_ttl, rotate, keep) = (
        world.cfg.access_token_ttl_secs,
        world.cfg.rotate_refresh_token,
        world.cfg.keep_old_access_token_on_refresh,
    );
    let seller = world
        .sellers
        .get_mut(&seller_id)
        .ok_or_else(ApiError::illegal_refresh_token)?;
    let grant = seller
        .tokens
        .refresh(refresh_token, now_ms(), access_ttl, rotate, keep)?;
    world
        .token_owner
        .insert(grant.access_token.clone(), seller_id);
    world
        .token_owner
        .insert(grant.refresh_token.clone(), seller_id);
    Ok(Payload::Flat(answer(
        world,
        seller_id,
        grant,
        "country_user_info_list",
    )))
}

fn answer(world: &World, seller_id: i64, grant: Grant, info_key: &str) -> Map<String, Value> {
    let (user_id, short_code, account) = world
        .sellers
        .get(&seller_id)
        .map(|s| {
            (
                s.cfg.user_id,
                s.cfg.short_code.clone(),
                s.cfg.account.clone(),
            )
        })
        .unwrap_or_default();
    let refresh_expires_in = if world.cfg.refresh_supported {
        grant.refresh_expires_in
    } else {
        0
    };
    let mut out = Map::new();
    out.insert("access_token".into(), json!(grant.access_token));
    out.insert("refresh_token".into(), json!(grant.refresh_token));
    out.insert("expires_in".into(), json!(grant.expires_in));
    out.insert("refresh_expires_in".into(), json!(refresh_expires_in));
    out.insert("country".into(), json!("vn"));
    out.insert("account_platform".into(), json!("seller_center"));
    out.insert("account".into(), json!(account));
    out.insert("account_id".into(), json!(seller_id.to_string()));
    out.insert(
        info_key.into(),
        json!([{
            "country": "vn",
            "seller_id": seller_id.to_string(),
            "user_id": user_id.to_string(),
            "short_code": short_code,
        }]),
    );
    out
}
