//! Auth-host token endpoints (§2) and the shop-level lookups that come with an authorization: authorised shops
//! (`shop_cipher`) and warehouses. Token endpoints are unsigned GETs with the app secret in the query and answer
//! in the usual envelope; success is `code == 0` (trap 8), and `*_expire_in` are absolute Unix seconds (trap 7).
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use serde_json::{Value, json};

use super::api::Outcome;
use super::error::{ApiError, INVALID_AUTH_CODE, INVALID_PARAM, Rejection};
use super::params::Query;
use super::sign::signs_equal;
use super::state::now_unix_ms;
use super::tokens::RefreshFailure;
use super::world::World;

/// Scopes reported in `granted_scopes` (invented names; docs/src/channels/tiktok.md only says the field exists).
const GRANTED_SCOPES: &[&str] = &[
    "seller.authorization.info",
    "seller.product.basic",
    "seller.product.write",
    "seller.order.info",
    "seller.return_refund.basic",
    "seller.logistics",
];

/// Token-endpoint errors travel with HTTP 200 (success is read from `code`, trap 8).
fn auth_error(code: i64, message: &str, reason: Rejection) -> ApiError {
    ApiError::new(code, message, 200, reason)
}

fn check_app(world: &World, q: &Query) -> Result<(), ApiError> {
    let key_ok = q.get("app_key") == Some(world.cfg.app_key.as_str());
    let secret_ok = q
        .get("app_secret")
        .is_some_and(|s| signs_equal(&world.cfg.app_secret, s));
    if key_ok && secret_ok {
        Ok(())
    } else {
        Err(auth_error(
            INVALID_PARAM,
            "Invalid credentials. The `app_key` or `app_secret` query parameter is invalid.",
            Rejection::BadAppKey,
        ))
    }
}

fn check_grant(q: &Query, allowed: &[&str]) -> Result<(), ApiError> {
    match q.get("grant_type") {
        Some(g) if allowed.contains(&g) => Ok(()),
        _ => Err(auth_error(
            INVALID_PARAM,
            &format!(
                "Invalid parameter. The `grant_type` query parameter must be {}.",
                allowed.join(" or ")
            ),
            Rejection::BadParam,
        )),
    }
}

fn token_data(world: &World, shop_id: &str, access: String, refresh: String) -> Value {
    let (open_id, seller_name, region) = world
        .shops
        .get(shop_id)
        .map(|s| {
            (
                s.cfg.open_id.clone(),
                s.cfg.seller_name.clone(),
                s.cfg.region.clone(),
            )
        })
        .unwrap_or_default();
    let now_s = now_unix_ms() / 1000;
    json!({
        "access_token": access,
        "access_token_expire_in": now_s + world.cfg.access_token_ttl_secs as i64,
        "refresh_token": refresh,
        "refresh_token_expire_in": now_s + world.cfg.refresh_token_ttl_secs as i64,
        "open_id": open_id,
        "seller_name": seller_name,
        "seller_base_region": region,
        "user_type": 0,
        "granted_scopes": GRANTED_SCOPES,
    })
}

/// `GET /api/v2/token/get?app_key&app_secret&auth_code&grant_type=authorized_code` — single-use code.
pub fn token_get(world: &mut World, q: &Query) -> Result<Outcome, ApiError> {
    check_app(world, q)?;
    check_grant(q, &["authorized_code"])?;
    let invalid = || {
        auth_error(
            INVALID_AUTH_CODE,
            "Invalid auth code.",
            Rejection::InvalidRefresh,
        )
    };
    let code = q
        .get("auth_code")
        .filter(|c| !c.is_empty())
        .ok_or_else(invalid)?;
    let (shop_id, expires) = world.auth_codes.remove(code).ok_or_else(invalid)?;
    if expires <= now_unix_ms() {
        return Err(invalid());
    }
    let life = world.lifetimes();
    let shop = world.shops.get_mut(&shop_id).ok_or_else(invalid)?;
    let (access, refresh) = shop.tokens.issue(now_unix_ms(), life);
    Ok(Outcome::new(token_data(world, &shop_id, access, refresh)))
}

/// `GET /api/v2/token/refresh?app_key&app_secret&refresh_token&grant_type=refresh_token` — rotates both tokens.
pub fn token_refresh(world: &mut World, q: &Query) -> Result<Outcome, ApiError> {
    check_app(world, q)?;
    if world.cfg.refresh_accepts_authorized_code_grant {
        check_grant(q, &["refresh_token", "authorized_code"])?;
    } else {
        check_grant(q, &["refresh_token"])?;
    }
    let invalid = || {
        auth_error(
            INVALID_AUTH_CODE,
            "Invalid refresh token.",
            Rejection::InvalidRefresh,
        )
    };
    let rt = q
        .get("refresh_token")
        .filter(|c| !c.is_empty())
        .ok_or_else(invalid)?;
    let life = world.lifetimes();
    let now = now_unix_ms();
    let shop_id = world
        .shops
        .values()
        .find(|s| s.tokens.knows_refresh(rt))
        .map(|s| s.cfg.shop_id.clone())
        .ok_or_else(invalid)?;
    let shop = world.shops.get_mut(&shop_id).ok_or_else(invalid)?;
    let (access, refresh) = shop.tokens.refresh(rt, now, life).map_err(|f| match f {
        RefreshFailure::Unknown => invalid(),
        RefreshFailure::Expired => auth_error(
            INVALID_AUTH_CODE,
            "Expired refresh token. Ask the seller to authorize the app again.",
            Rejection::InvalidRefresh,
        ),
    })?;
    Ok(Outcome::new(token_data(world, &shop_id, access, refresh)))
}

/// `GET /authorization/202309/shops` — the shops of the token's seller, with their ciphers (§2).
pub fn shops(world: &World, shop_id: &str) -> Result<Outcome, ApiError> {
    let shops: Vec<Value> = world
        .shops
        .get(shop_id)
        .map(|s| {
            vec![json!({
                "cipher": s.cfg.cipher,
                "code": s.cfg.code,
                "id": s.cfg.shop_id,
                "name": s.cfg.name,
                "region": s.cfg.region,
                "seller_type": s.cfg.seller_type,
            })]
        })
        .unwrap_or_default();
    Ok(Outcome::new(json!({ "shops": shops })))
}

/// `GET /logistics/202309/warehouses` (§6.5).
pub fn warehouses(world: &World, shop_id: &str) -> Result<Outcome, ApiError> {
    let list: Vec<Value> = world
        .shops
        .get(shop_id)
        .map(|s| {
            s.cfg
                .warehouses
                .iter()
                .map(|w| {
                    json!({
                        "id": w.id,
                        "name": w.name,
                        "effect_status": "ENABLED",
                        "type": w.r#type,
                        "sub_type": "DOMESTIC_WAREHOUSE",
                        "is_default": w.is_default,
                        "address": {
                            "region": s.cfg.region,
                            "state": "Lâm Đồng",
                            "city": "Đà Lạt",
                            "district": "Phường 1",
                            "town": "",
                            "full_address": "1 Trần Phú, Phường 1, Đà Lạt, Lâm Đồng",
                            "postal_code": "",
                            "contact_person": "Kho HTX",
                            "phone_number": "(+84)90*****67",
                        },
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Outcome::new(json!({ "warehouses": list })))
}
