//! Token endpoints (§2.2, §2.3): `auth/token/get` exchanges a single-use authorization code, and
//! `auth/access_token/get` spends a single-use refresh token for a new pair. Both are Public APIs and answer at
//! the top level (no `response` wrapper).
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api::Payload;
use super::error::{ApiError, Rejection};
use super::params::{Module, parse_body};
use super::state::now_unix_ms;
use super::tokens::invalid_refresh;
use super::world::World;

#[derive(Deserialize)]
struct TokenGet {
    code: String,
    partner_id: i64,
    shop_id: Option<i64>,
    main_account_id: Option<i64>,
}

#[derive(Deserialize)]
struct RefreshGet {
    refresh_token: String,
    partner_id: i64,
    shop_id: Option<i64>,
    merchant_id: Option<i64>,
    supplier_id: Option<i64>,
    user_id: Option<i64>,
}

fn check_body_partner(world: &World, partner_id: i64) -> Result<(), ApiError> {
    if partner_id == world.cfg.partner_id {
        Ok(())
    } else {
        Err(ApiError::new(
            "error_auth",
            "partner_id is invalid",
            403,
            Rejection::BadPartner,
        ))
    }
}

pub fn token_get(world: &mut World, body: &[u8]) -> Result<Payload, ApiError> {
    let req: TokenGet = parse_body(body, Module::Common)?;
    check_body_partner(world, req.partner_id)?;
    let shop_id = match (req.shop_id, req.main_account_id) {
        (Some(s), None) => s,
        (None, Some(_)) => {
            return Err(ApiError::new(
                "invalid_main_acount_id",
                "Invalid main_account_id.",
                403,
                Rejection::InvalidShop,
            ));
        }
        _ => {
            return Err(ApiError::bad_param(
                "Wrong parameters, detail: exactly one of shop_id and main_account_id is required.",
            ));
        }
    };
    let now = now_unix_ms();
    let invalid_code = || {
        ApiError::new(
            "invalid_code",
            "The code is expired or used or invalid",
            403,
            Rejection::InvalidRefresh,
        )
    };
    let (code_shop, expires) = world
        .auth_codes
        .get(&req.code)
        .copied()
        .ok_or_else(invalid_code)?;
    if expires <= now {
        world.auth_codes.remove(&req.code);
        return Err(invalid_code());
    }
    if code_shop != shop_id {
        return Err(ApiError::new(
            "invalid_shop_id",
            "Invalid shop_id.",
            403,
            Rejection::InvalidShop,
        ));
    }
    world.auth_codes.remove(&req.code);
    let (access_ttl, refresh_ttl, grace) = (
        world.cfg.access_token_ttl_secs,
        world.cfg.refresh_token_ttl_secs,
        world.cfg.old_access_token_grace_secs,
    );
    let shop = world.shops.get_mut(&shop_id).ok_or_else(invalid_code)?;
    let (access, refresh) = shop.tokens.issue(now, access_ttl, refresh_ttl, grace);
    let mut out = Map::new();
    out.insert("refresh_token".into(), json!(refresh));
    out.insert("access_token".into(), json!(access));
    out.insert("expire_in".into(), json!(access_ttl));
    Ok(Payload::TopLevel(out))
}

pub fn refresh_access_token(world: &mut World, body: &[u8]) -> Result<Payload, ApiError> {
    let req: RefreshGet = parse_body(body, Module::Common)?;
    check_body_partner(world, req.partner_id)?;
    let shop_id = match (req.shop_id, req.merchant_id, req.supplier_id, req.user_id) {
        (Some(s), None, None, None) => s,
        (None, Some(_), None, None) | (None, None, Some(_), None) | (None, None, None, Some(_)) => {
            // Only local shops are simulated; merchant/supplier/user tokens do not exist here.
            return Err(invalid_refresh());
        }
        _ => {
            return Err(ApiError::bad_param(
                "Wrong parameters, detail: exactly one of shop_id, merchant_id, supplier_id and user_id is required.",
            ));
        }
    };
    let (access_ttl, refresh_ttl, grace) = (
        world.cfg.access_token_ttl_secs,
        world.cfg.refresh_token_ttl_secs,
        world.cfg.old_access_token_grace_secs,
    );
    let partner_id = world.cfg.partner_id;
    let shop = world.shops.get_mut(&shop_id).ok_or_else(invalid_refresh)?;
    let (access, refresh) = shop.tokens.refresh(
        &req.refresh_token,
        now_unix_ms(),
        access_ttl,
        refresh_ttl,
        grace,
    )?;
    let mut out = Map::new();
    out.insert("partner_id".into(), json!(partner_id));
    out.insert("shop_id".into(), json!(shop_id));
    out.insert("access_token".into(), json!(access));
    out.insert("refresh_token".into(), json!(refresh));
    out.insert("expire_in".into(), json!(access_ttl));
    Ok(Payload::TopLevel(out))
}

/// The shop a token call is about, read leniently from the body only to attribute it in the log and limiter.
pub fn body_shop_id(body: &[u8]) -> Option<i64> {
    serde_json::from_slice::<Value>(body)
        .ok()?
        .get("shop_id")?
        .as_i64()
}
