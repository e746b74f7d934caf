//! The checks every call passes before an endpoint sees it (docs/src/channels/lazada.md §2–§5): well-formed parameters, the system
//! parameters present, the rate limits, a known `app_key`, a timestamp within 7200 s, `sign_method=sha256` and
//! a correct UPPER-case sign over the path and every parameter, then a live `access_token` for seller APIs (and
//! none at all for the token APIs). Each refusal carries Lazada's code and a [`Rejection`] for the request log.

use std::time::{Duration, Instant};

use chrono::DateTime;

use super::error::{ApiError, ErrorType, Rejection};
use super::params::Params;
use super::sign::{sign, signs_equal};
use super::state::now_ms;
use super::world::World;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/auth/token/create`, `/auth/token/refresh`: signed, sent without `access_token` (§2.1).
    Auth,
    /// Seller-scoped APIs: signed, with the seller's `access_token` as a signed parameter (§3.2).
    Seller,
}

/// Parses `timestamp`: epoch milliseconds, or UTC `2017-11-11T12:00:00Z` (§3.2).
pub fn parse_timestamp(raw: &str) -> Option<i64> {
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse().ok();
    }
    if !raw.ends_with('Z') {
        return None;
    }
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Validates a call; returns the seller it acts for (always `Some` for [`Kind::Seller`]).
pub fn validate(
    world: &mut World,
    kind: Kind,
    path: &str,
    params: &Params,
    seller_key: Option<i64>,
    inventory: bool,
    now: Instant,
) -> Result<Option<i64>, ApiError> {
    params.check_well_formed(world.cfg.reject_empty_params)?;
    let app_key = params.required("app_key")?;
    let timestamp = params.required("timestamp")?;
    let sign_method = params.required("sign_method")?;
    let received = params.required("sign")?;
    let token = match kind {
        Kind::Seller => Some(params.required("access_token")?),
        Kind::Auth => {
            if params.get("access_token").is_some() {
                return Err(ApiError::invalid_parameter(
                    "access_token must not be sent to the token APIs",
                    Rejection::UnexpectedParam,
                ));
            }
            None
        }
    };

    admit(world, seller_key, path, inventory, now)?;

    if app_key != world.cfg.app_key {
        return Err(ApiError::new(
            ErrorType::Isv,
            "InvalidAppKey",
            "The specified app_key is invalid",
            403,
            Rejection::BadAppKey,
        ));
    }
    let ts = parse_timestamp(timestamp).ok_or_else(|| bad_timestamp(world))?;
    let tolerance_ms = i64::try_from(world.cfg.timestamp_tolerance_secs)
        .unwrap_or(i64::MAX / 2000)
        .saturating_mul(1000);
    if (now_ms() - ts).abs() > tolerance_ms {
        return Err(bad_timestamp(world));
    }
    if sign_method != "sha256" {
        return Err(ApiError::incomplete_signature());
    }
    let expected = sign(&world.cfg.app_secret, path, params.all());
    if !signs_equal(&expected, received) {
        return Err(ApiError::incomplete_signature());
    }

    let Some(token) = token else {
        return Ok(seller_key);
    };
    let owner = world
        .token_owner
        .get(token)
        .copied()
        .ok_or_else(ApiError::illegal_access_token)?;
    let seller = world
        .sellers
        .get(&owner)
        .ok_or_else(ApiError::illegal_access_token)?;
    if !seller.tokens.access_valid(token, now_ms()) {
        return Err(ApiError::illegal_access_token());
    }
    Ok(Some(owner))
}

fn bad_timestamp(world: &World) -> ApiError {
    ApiError::new(
        ErrorType::Isv,
        "InvalidTimestamp",
        format!(
            "The timestamp must be epoch milliseconds or UTC yyyy-MM-ddTHH:mm:ssZ within {} s of the server time",
            world.cfg.timestamp_tolerance_secs
        ),
        400,
        Rejection::BadTimestamp,
    )
}

/// Applies the daily App cap and the sliding-window limits. Counted once the call is attributable, before the
/// signature is checked (flow control sits in front of the API); a refused call takes no slot.
fn admit(
    world: &mut World,
    seller: Option<i64>,
    path: &str,
    inventory: bool,
    now: Instant,
) -> Result<(), ApiError> {
    let rl = world.cfg.rate_limits.clone();
    let day = now_ms().div_euclid(86_400_000);
    if world.daily_calls.0 != day {
        world.daily_calls = (day, 0);
    }
    if let Some(cap) = rl.daily_app_calls
        && world.daily_calls.1 >= cap
    {
        let until_midnight = ((day + 1) * 86_400_000 - now_ms()).max(1000) / 1000;
        return Err(ApiError::rate_limited(rl.signal, until_midnight as u64));
    }
    let limits = world.limits_for(seller, path, inventory);
    world
        .limiter
        .try_admit(&limits, now, Duration::from_secs(rl.ban_secs))
        .map_err(|_| ApiError::rate_limited(rl.signal, rl.ban_secs))?;
    world.daily_calls.1 += 1;
    Ok(())
}
