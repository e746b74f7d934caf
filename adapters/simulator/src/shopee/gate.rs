//! The checks every call passes before an endpoint sees it (docs/src/channels/shopee.md §3, §4.2, Appendix): common query
//! parameters present, per-shop rate limit, known partner, fresh timestamp, correct sign for the endpoint's API
//! type, and for Shop APIs a linked shop with a live access token. Each refusal carries Shopee's documented
//! error string and a [`Rejection`] reason for the request log.

use std::time::Instant;

use super::error::{ApiError, Rejection};
use super::params::Query;
use super::sign::{ApiType, public_base_string, shop_base_string, sign, signs_equal};
use super::state::{now_unix, now_unix_ms};
use super::world::World;

/// What a validated call is known to be about.
#[derive(Debug, Clone)]
pub struct CallContext {
    pub shop_id: Option<i64>,
}

/// The shop a call counts against, read before any validation (for the log and the limiter).
pub fn shop_of_call(api_type: ApiType, query: &Query, body_shop: Option<i64>) -> Option<i64> {
    match api_type {
        ApiType::Shop => query.get("shop_id").and_then(|v| v.parse().ok()),
        ApiType::Public => body_shop,
    }
}

pub fn validate(
    world: &mut World,
    api_type: ApiType,
    path: &str,
    query: &Query,
    shop_key: Option<i64>,
    now: Instant,
) -> Result<CallContext, ApiError> {
    let missing = |what: &str| {
        ApiError::param(
            format!("There is no {what} in query."),
            Rejection::MissingParam,
        )
    };
    let partner_id = query
        .get("partner_id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("partner_id"))?;
    let timestamp = query
        .get("timestamp")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::param("no timestamp", Rejection::MissingParam))?;
    let received_sign = query
        .get("sign")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("sign"))?;
    let shop_params = match api_type {
        ApiType::Shop => {
            let token = query
                .get("access_token")
                .filter(|v| !v.is_empty())
                .ok_or_else(|| missing("access_token"))?;
            let shop = query
                .get("shop_id")
                .filter(|v| !v.is_empty())
                .ok_or_else(|| missing("shop_id"))?;
            Some((token, shop))
        }
        ApiType::Public => None,
    };

    // Counted as soon as the call is attributable to a shop: a refused call does not take a slot.
    if let Some(shop_id) = shop_key
        && let Some(limit) = world.rate_limit(shop_id)
        && !world.limiter.try_admit(&shop_id, limit, now)
    {
        return Err(ApiError::rate_limited());
    }

    let partner_id: i64 = partner_id
        .parse()
        .ok()
        .filter(|&p| p == world.cfg.partner_id)
        .ok_or_else(|| {
            ApiError::new(
                "error_auth",
                "partner_id is invalid",
                403,
                Rejection::BadPartner,
            )
        })?;

    let ts: i64 = timestamp.parse::<u32>().map(i64::from).map_err(|_| {
        ApiError::param(
            "Timestamp is invalid, should be an integer between 0 and 4294967295.",
            Rejection::BadTimestamp,
        )
    })?;
    let drift = now_unix() - ts;
    let tolerance = world.cfg.timestamp_tolerance_secs as i64;
    if drift > tolerance || (world.cfg.reject_future_timestamps && -drift > tolerance) {
        return Err(ApiError::param(
            "Timestamp is expired.",
            Rejection::StaleTimestamp,
        ));
    }

    let key = &world.cfg.partner_key;
    let (expected, shop_id) = match shop_params {
        None => (sign(key, &public_base_string(partner_id, path, ts)), None),
        Some((token, shop)) => {
            let shop_id: i64 = shop.parse().map_err(|_| invalid_shop())?;
            (
                sign(key, &shop_base_string(partner_id, path, ts, token, shop_id)),
                Some((shop_id, token)),
            )
        }
    };
    if !signs_equal(&expected, received_sign) {
        // Push APIs answer a bad sign in their own module's words (§4.2).
        if path.starts_with("/api/v2/push/") {
            return Err(ApiError::new(
                "common.error_auth",
                "Invalid sign",
                403,
                Rejection::BadSign,
            ));
        }
        return Err(ApiError::wrong_sign());
    }

    if let Some((shop_id, token)) = shop_id {
        let shop = world.shops.get(&shop_id).ok_or_else(invalid_shop)?;
        if !shop.tokens.access_valid(token, now_unix_ms()) {
            return Err(ApiError::invalid_access_token());
        }
        return Ok(CallContext {
            shop_id: Some(shop_id),
        });
    }
    Ok(CallContext { shop_id: shop_key })
}

fn invalid_shop() -> ApiError {
    ApiError::new(
        "error_auth",
        "Invalid partner_id or shopid.",
        403,
        Rejection::InvalidShop,
    )
}
