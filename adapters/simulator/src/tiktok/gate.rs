//! The checks every Open API call passes before an endpoint sees it (docs/src/channels/tiktok.md §3, §4.1): route and version,
//! per-shop rate limit, `app_key`, the timestamp window (−5 min / +30 s), the signature over path + sorted query +
//! raw body, the `x-tts-access-token` header, the `shop_cipher` rules and the `Content-Type`. Each refusal carries
//! TikTok's code and a [`Rejection`] reason for the request log. The order of the checks is the simulator's choice
//! (docs/src/channels/tiktok.md does not give one): cheapest and least secret first.

use std::time::Instant;

use axum::http::Method;

use super::error::{
    ACCESS_DENIED, ApiError, INVALID_METHOD, INVALID_PARAM, INVALID_PATH, INVALID_VERSION,
    Rejection, WRONG_CONTENT_TYPE_JSON, WRONG_CONTENT_TYPE_MULTIPART,
};
use super::params::Query;
use super::sign::{is_multipart, sign, signs_equal};
use super::state::{now_unix, now_unix_ms};
use super::tokens::AccessCheck;
use super::world::World;

/// Which identifiers an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Auth host (`/api/v2/token/*`): unsigned, app secret in the query (§2).
    Auth,
    /// Signed, token header, `shop_cipher` must be omitted (§3.2 list).
    NoCipher,
    /// Signed, token header, `shop_cipher` required.
    Shop,
}

/// What body an endpoint expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    None,
    Json,
    Multipart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    TokenGet,
    TokenRefresh,
    Shops,
    Warehouses,
    CreateProduct,
    DeleteProducts,
    SearchProducts,
    ActivateProducts,
    DeactivateProducts,
    RecoverProducts,
    GetProduct,
    UpdateInventory,
    UpdatePrice,
    InventorySearch,
    UploadImage,
    SearchOrders,
    OrderDetail,
    SearchCancellations,
    SearchReturns,
    GetWebhooks,
    PutWebhook,
    DeleteWebhook,
}

/// One served route. `{product_id}` matches any single path segment.
#[derive(Debug)]
pub struct Route {
    pub method: Method,
    pub pattern: &'static str,
    pub scope: Scope,
    pub body: BodyKind,
    pub endpoint: Endpoint,
}

macro_rules! route {
    ($m:ident, $p:literal, $s:ident, $b:ident, $e:ident) => {
        Route {
            method: Method::$m,
            pattern: $p,
            scope: Scope::$s,
            body: BodyKind::$b,
            endpoint: Endpoint::$e,
        }
    };
}

/// Every simulated endpoint (docs/src/channels/tiktok.md §2, §6, §7, §8, §9.1), auth host and API host together.
#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    route!(GET, "/api/v2/token/get", Auth, None, TokenGet),
    route!(GET, "/api/v2/token/refresh", Auth, None, TokenRefresh),
    route!(GET, "/authorization/202309/shops", NoCipher, None, Shops),
    route!(GET, "/logistics/202309/warehouses", Shop, None, Warehouses),
    route!(POST, "/product/202309/products", Shop, Json, CreateProduct),
    route!(DELETE, "/product/202309/products", Shop, Json, DeleteProducts),
    route!(POST, "/product/202309/products/search", Shop, Json, SearchProducts),
    route!(POST, "/product/202309/products/activate", Shop, Json, ActivateProducts),
    route!(POST, "/product/202309/products/deactivate", Shop, Json, DeactivateProducts),
    route!(POST, "/product/202309/products/recover", Shop, Json, RecoverProducts),
    route!(GET, "/product/202309/products/{product_id}", Shop, None, GetProduct),
    route!(POST, "/product/202309/products/{product_id}/inventory/update", Shop, Json, UpdateInventory),
    route!(POST, "/product/202309/products/{product_id}/prices/update", Shop, Json, UpdatePrice),
    route!(POST, "/product/202309/inventory/search", Shop, Json, InventorySearch),
    route!(POST, "/product/202309/images/upload", NoCipher, Multipart, UploadImage),
    route!(POST, "/order/202309/orders/search", Shop, Json, SearchOrders),
    route!(GET, "/order/202309/orders", Shop, None, OrderDetail),
    route!(POST, "/return_refund/202309/cancellations/search", Shop, Json, SearchCancellations),
    route!(POST, "/return_refund/202309/returns/search", Shop, Json, SearchReturns),
    route!(GET, "/event/202309/webhooks", Shop, None, GetWebhooks),
    route!(PUT, "/event/202309/webhooks", Shop, Json, PutWebhook),
    route!(DELETE, "/event/202309/webhooks", Shop, Json, DeleteWebhook),
];

fn is_version(seg: &str) -> bool {
    seg.len() == 6 && seg.bytes().all(|b| b.is_ascii_digit())
}

enum SegMatch {
    Exact(Vec<String>),
    OtherVersion,
    No,
}

fn match_pattern(pattern: &str, path: &str) -> SegMatch {
    let pat: Vec<&str> = pattern.split('/').collect();
    let got: Vec<&str> = path.split('/').collect();
    if pat.len() != got.len() {
        return SegMatch::No;
    }
    let mut params = Vec::new();
    let mut other_version = false;
    for (p, g) in pat.iter().zip(&got) {
        if p.starts_with('{') {
            if g.is_empty() {
                return SegMatch::No;
            }
            params.push((*g).to_owned());
        } else if p != g {
            if is_version(p) && is_version(g) {
                other_version = true;
            } else {
                return SegMatch::No;
            }
        }
    }
    if other_version {
        SegMatch::OtherVersion
    } else {
        SegMatch::Exact(params)
    }
}

/// Finds the route for a request: exact path + method, else 36009010 (path known, other method), 36009014
/// (path known under another version) or 36009009.
pub fn find_route(method: &Method, path: &str) -> Result<(&'static Route, Vec<String>), ApiError> {
    let mut wrong_method = false;
    let mut wrong_version = false;
    for r in ROUTES {
        match match_pattern(r.pattern, path) {
            SegMatch::Exact(params) if r.method == method => return Ok((r, params)),
            SegMatch::Exact(_) => wrong_method = true,
            SegMatch::OtherVersion => wrong_version = true,
            SegMatch::No => {}
        }
    }
    Err(if wrong_method {
        ApiError::new(
            INVALID_METHOD,
            format!("Invalid method. {method} is not supported for this path."),
            405,
            Rejection::WrongMethod,
        )
    } else if wrong_version {
        ApiError::new(
            INVALID_VERSION,
            "Invalid API version. This version is not available for this path.",
            400,
            Rejection::WrongVersion,
        )
    } else {
        ApiError::new(
            INVALID_PATH,
            "Invalid path. The request path is incorrect.",
            404,
            Rejection::UnknownPath,
        )
    })
}

/// The shop a call counts against, read before any validation (for the log and the limiter): the `shop_cipher`'s
/// shop, else the shop whose token is in the header, else (auth host) the shop of the refresh token / auth code.
pub fn shop_of_call(
    world: &World,
    scope: Option<Scope>,
    query: &Query,
    token: Option<&str>,
) -> Option<String> {
    if let Some(id) = query
        .get("shop_cipher")
        .and_then(|c| world.shop_id_by_cipher(c))
    {
        return Some(id);
    }
    if scope == Some(Scope::Auth) {
        if let Some(rt) = query.get("refresh_token") {
            return world
                .shops
                .values()
                .find(|s| s.tokens.knows_refresh(rt))
                .map(|s| s.cfg.shop_id.clone());
        }
        return query
            .get("auth_code")
            .and_then(|c| world.auth_codes.get(c))
            .map(|(shop, _)| shop.clone());
    }
    token.and_then(|t| world.shop_id_by_access_token(t))
}

/// A validated call: the shop it addresses (the cipher's shop on shop endpoints, the token's shop otherwise).
#[derive(Debug, Clone)]
pub struct CallContext {
    pub shop_id: String,
}

/// Counts the call against the shop's limit; a refused call does not take a slot and is not applied.
pub fn admit(world: &mut World, shop_key: Option<&str>, now: Instant) -> Result<(), ApiError> {
    if let Some(shop_id) = shop_key
        && let Some(limit) = world.rate_limit(shop_id)
        && !world.limiter.try_admit(&shop_id.to_owned(), limit, now)
    {
        return Err(ApiError::rate_limited());
    }
    Ok(())
}

/// A signed request as received.
pub struct Signed<'a> {
    pub route: &'a Route,
    pub path: &'a str,
    pub query: &'a Query,
    pub token: Option<&'a str>,
    pub content_type: &'a str,
    pub body: &'a [u8],
}

fn missing(what: &str) -> ApiError {
    ApiError::new(
        INVALID_PARAM,
        format!("Invalid parameter. The {what} is missing."),
        400,
        Rejection::MissingParam,
    )
}

fn bad_timestamp(detail: &str, reason: Rejection) -> ApiError {
    ApiError::new(
        INVALID_PARAM,
        format!("Invalid timestamp. The `timestamp` query parameter {detail}"),
        400,
        reason,
    )
}

/// Validates a signed Open API call (everything except the auth host).
pub fn validate(world: &World, req: &Signed<'_>) -> Result<CallContext, ApiError> {
    let q = req.query;
    let app_key = q
        .get("app_key")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("`app_key` query parameter"))?;
    if app_key != world.cfg.app_key {
        return Err(ApiError::new(
            INVALID_PARAM,
            "Invalid credentials. The `app_key` query parameter is invalid.",
            400,
            Rejection::BadAppKey,
        ));
    }

    let ts = q
        .get("timestamp")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("`timestamp` query parameter"))?;
    let ts: i64 = match ts.parse::<i64>() {
        Ok(t) if t < 0 => {
            return Err(bad_timestamp(
                "must not be negative.",
                Rejection::BadTimestamp,
            ));
        }
        Ok(t) => t,
        Err(_) => {
            return Err(bad_timestamp(
                "must be a Unix timestamp in seconds.",
                Rejection::BadTimestamp,
            ));
        }
    };
    let now = now_unix();
    if ts < now - world.cfg.timestamp_max_age_secs as i64 {
        return Err(bad_timestamp(
            &format!(
                "is earlier than {} seconds before the server time.",
                world.cfg.timestamp_max_age_secs
            ),
            Rejection::StaleTimestamp,
        ));
    }
    if ts > now + world.cfg.timestamp_max_future_secs as i64 {
        return Err(bad_timestamp(
            &format!(
                "is more than {} seconds later than the server time.",
                world.cfg.timestamp_max_future_secs
            ),
            Rejection::FutureTimestamp,
        ));
    }

    let received = q
        .get("sign")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("`sign` query parameter"))?;
    let body = if is_multipart(req.content_type) {
        None
    } else {
        Some(req.body)
    };
    let expected = sign(&world.cfg.app_secret, req.path, q.pairs(), body);
    if !signs_equal(&expected, received) {
        return Err(ApiError::invalid_sign());
    }

    let token = req
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing("`x-tts-access-token` header"))?;
    let now_ms = now_unix_ms();
    let token_shop =
        world
            .shops
            .values()
            .find_map(|s| match s.tokens.check_access(token, now_ms) {
                AccessCheck::Unknown => None,
                check => Some((s.cfg.shop_id.clone(), check)),
            });
    let token_shop = match token_shop {
        Some((id, AccessCheck::Valid)) => id,
        Some((_, _)) => return Err(ApiError::expired_token()),
        None => return Err(ApiError::invalid_token()),
    };

    let shop_id = match (req.route.scope, q.has("shop_cipher")) {
        (Scope::Shop, false) => return Err(ApiError::missing_shop_cipher()),
        (Scope::Shop, true) => {
            let cipher = q.get("shop_cipher").unwrap_or("");
            if cipher.is_empty() {
                return Err(ApiError::missing_shop_cipher());
            }
            match world.shop_id_by_cipher(cipher) {
                Some(id) if id == token_shop => id,
                _ => {
                    return Err(ApiError::new(
                        INVALID_PARAM,
                        "Invalid identifier. The `shop_cipher` query parameter is invalid or not authorized for this access token.",
                        400,
                        Rejection::InvalidShopCipher,
                    ));
                }
            }
        }
        (_, true) => return Err(ApiError::unexpected_shop_cipher()),
        (_, false) => token_shop,
    };

    // `version` is optional on 202309+ paths (§3.2); when sent it must at least look like one.
    if let Some(v) = q.get("version")
        && !is_version(v)
    {
        return Err(ApiError::invalid(
            "Invalid version. The `version` query parameter is invalid.",
        ));
    }
    if world
        .denied
        .contains(&(shop_id.clone(), req.route.pattern.to_owned()))
    {
        return Err(ApiError::new(
            ACCESS_DENIED,
            "Access denied. you should apply auth pkg for this api",
            403,
            Rejection::MissingScope,
        ));
    }
    check_content_type(req.route.body, req.content_type, req.body)?;
    Ok(CallContext { shop_id })
}

/// JSON calls with a body must say `application/json` (§3.2); the image upload must be multipart (§6).
fn check_content_type(kind: BodyKind, content_type: &str, body: &[u8]) -> Result<(), ApiError> {
    let ct = content_type.trim().to_ascii_lowercase();
    match kind {
        BodyKind::Json if !body.is_empty() && !ct.starts_with("application/json") => {
            Err(ApiError::new(
                WRONG_CONTENT_TYPE_JSON,
                "Invalid content type. Use `application/json` for this request.",
                400,
                Rejection::WrongContentType,
            ))
        }
        BodyKind::Multipart if !is_multipart(&ct) => Err(ApiError::new(
            WRONG_CONTENT_TYPE_MULTIPART,
            "Invalid content type. Use `multipart/form-data` for this request.",
            400,
            Rejection::WrongContentType,
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_ids_methods_and_versions() {
        let (r, p) = find_route(
            &Method::POST,
            "/product/202309/products/123/inventory/update",
        )
        .map_err(|e| e.to_string())
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.endpoint, Endpoint::UpdateInventory);
        assert_eq!(p, vec!["123".to_owned()]);
        let search = find_route(&Method::POST, "/product/202309/products/search");
        assert!(matches!(search, Ok((r, _)) if r.endpoint == Endpoint::SearchProducts));
        let e = find_route(&Method::GET, "/order/202309/orders/search").err();
        assert_eq!(e.map(|e| e.code), Some(INVALID_METHOD));
        let e = find_route(&Method::GET, "/order/202507/orders").err();
        assert_eq!(e.map(|e| e.code), Some(INVALID_VERSION));
        let e = find_route(&Method::GET, "/nope").err();
        assert_eq!(e.map(|e| e.code), Some(INVALID_PATH));
    }
}
