//! The `/rest/...` front door for both hosts (API gateway and auth host): route lookup, parameter collection
//! (query string plus urlencoded or multipart body, §3.3), fault injection, the checks of [`super::gate`],
//! dispatch, the Lazada envelope (`code:"0"` on success) and the request log. Every call is logged exactly once.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::config::ErrorStatusMode;
use super::error::{ApiError, Rejection};
use super::gate::{Kind, validate};
use super::params::Params;
use super::state::now_ms;
use super::world::World;
use super::{SimCore, auth, orders, products, stock};
use crate::common::server::ConnectionKiller;

/// Prefix of both gateways' URLs (`https://api.lazada.vn/rest`, `https://auth.lazada.com/rest`, §1); the signed
/// path is what follows it.
pub const REST_PREFIX: &str = "/rest";

/// What an endpoint answers on success.
#[derive(Debug)]
pub enum Payload {
    /// `{"code":"0","data":…,"request_id":…}`.
    Data(Value),
    /// Fields at the top level next to `code` (token answers, §2.2).
    Flat(Map<String, Value>),
    /// Just `{"code":"0","request_id":…}` (stock and price writes).
    Bare,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Methods {
    Get,
    Post,
    Both,
}

impl Methods {
    fn allows(self, m: &Method) -> bool {
        match self {
            Self::Get => m == Method::GET,
            Self::Post => m == Method::POST,
            Self::Both => m == Method::GET || m == Method::POST,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    TokenCreate,
    TokenRefresh,
    ProductsGet,
    ProductItemGet,
    ProductCreate,
    ImageMigrate,
    PriceQuantityUpdate,
    SellableUpdate,
    SellableAdjust,
    OrdersGet,
    OrderGet,
    OrderItemsGet,
    OrdersItemsGet,
}

struct Route {
    path: &'static str,
    methods: Methods,
    kind: Kind,
    endpoint: Endpoint,
    /// Counts against the per-seller inventory limit (50 calls/s, §5).
    inventory: bool,
}

const fn route(
    path: &'static str,
    methods: Methods,
    kind: Kind,
    endpoint: Endpoint,
    inventory: bool,
) -> Route {
    Route {
        path,
        methods,
        kind,
        endpoint,
        inventory,
    }
}

/// Every simulated API path (without `/rest`) with its documented methods.
#[rustfmt::skip]
const ROUTES: &[Route] = &[
    route("/auth/token/create", Methods::Both, Kind::Auth, Endpoint::TokenCreate, false),
    route("/auth/token/refresh", Methods::Both, Kind::Auth, Endpoint::TokenRefresh, false),
    route("/products/get", Methods::Get, Kind::Seller, Endpoint::ProductsGet, false),
    route("/product/item/get", Methods::Get, Kind::Seller, Endpoint::ProductItemGet, false),
    route("/product/create", Methods::Post, Kind::Seller, Endpoint::ProductCreate, false),
    route("/image/migrate", Methods::Post, Kind::Seller, Endpoint::ImageMigrate, false),
    route("/product/price_quantity/update", Methods::Post, Kind::Seller, Endpoint::PriceQuantityUpdate, true),
    route("/product/stock/sellable/update", Methods::Both, Kind::Seller, Endpoint::SellableUpdate, true),
    route("/product/stock/sellable/adjust", Methods::Post, Kind::Seller, Endpoint::SellableAdjust, true),
    route("/orders/get", Methods::Get, Kind::Seller, Endpoint::OrdersGet, false),
    route("/order/get", Methods::Get, Kind::Seller, Endpoint::OrderGet, false),
    route("/order/items/get", Methods::Get, Kind::Seller, Endpoint::OrderItemsGet, false),
    route("/orders/items/get", Methods::Get, Kind::Seller, Endpoint::OrdersItemsGet, false),
];

/// Largest body read; payloads of 50 SKUs are a few kilobytes.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A 25-character request id like the samples' `0ba2887315178178017221014`.
fn request_id() -> String {
    let mut rng = rand::rng();
    let a: u32 = rng.random();
    let b: u16 = rng.random_range(0..10_000);
    format!(
        "{a:08x}{:013}{b:04}",
        now_ms().rem_euclid(10_000_000_000_000)
    )
}

/// Reads a urlencoded or multipart body into `params`; file parts are noted by name only (they are not signed).
async fn read_body(
    params: &mut Params,
    content_type: &str,
    parts: axum::http::request::Parts,
    body: axum::body::Bytes,
) -> Result<(), ApiError> {
    if body.is_empty() {
        return Ok(());
    }
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            params.extend_urlencoded(&body);
            Ok(())
        }
        "multipart/form-data" => {
            let rebuilt = Request::from_parts(parts, Body::from(body));
            let mut mp = Multipart::from_request(rebuilt, &())
                .await
                .map_err(|e| ApiError::bad_format(format!("unreadable multipart body: {e}")))?;
            loop {
                let field = match mp.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => return Ok(()),
                    Err(e) => {
                        return Err(ApiError::bad_format(format!(
                            "unreadable multipart body: {e}"
                        )));
                    }
                };
                let name = field.name().unwrap_or("").to_owned();
                if field.file_name().is_some() {
                    params.files.push(name);
                    continue;
                }
                let text = field.text().await.map_err(|e| {
                    ApiError::bad_format(format!("unreadable multipart field {name}: {e}"))
                })?;
                params.push(name, text);
            }
        }
        _ => Err(ApiError::bad_format(
            "parameters must be sent in the query string or a urlencoded or multipart body",
        )),
    }
}

/// The seller a call is about, read before validation only to attribute it in the log and the limiter.
fn attribute(world: &World, endpoint: Option<Endpoint>, params: &Params) -> Option<i64> {
    match endpoint {
        Some(Endpoint::TokenCreate) => params
            .get("code")
            .and_then(|c| world.auth_codes.get(c))
            .map(|(seller, _)| *seller),
        Some(Endpoint::TokenRefresh) => params
            .get("refresh_token")
            .and_then(|t| world.token_owner.get(t).copied()),
        _ => params
            .get("access_token")
            .and_then(|t| world.token_owner.get(t).copied()),
    }
}

/// Handles every request outside `/_sim`.
pub async fn handle(
    State(core): State<Arc<SimCore>>,
    killer: Option<Extension<ConnectionKiller>>,
    req: Request,
) -> Response {
    let arrived = Instant::now();
    let method = req.method().clone();
    let full_path = req.uri().path().to_owned();
    let api_path = full_path
        .strip_prefix(REST_PREFIX)
        .filter(|p| p.starts_with('/'))
        .map(str::to_owned);
    let log_path = api_path.clone().unwrap_or_else(|| full_path.clone());
    let route = api_path
        .as_deref()
        .and_then(|p| ROUTES.iter().find(|r| r.path == p));
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut params = Params::default();
    params.extend_urlencoded(req.uri().query().unwrap_or("").as_bytes());

    let (parts, body) = req.into_parts();
    let body_read = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => read_body(&mut params, &content_type, parts, bytes).await,
        Err(_) => Err(ApiError::bad_format(
            "the request body is too large or unreadable",
        )),
    };

    let (seller_key, fault) = {
        let mut w = core.world();
        let seller = attribute(&w, route.map(|r| r.endpoint), &params);
        w.log.arrived(seller.as_ref(), arrived);
        (seller, w.faults.decide_request(log_path.as_str()))
    };
    let log_path = log_path.as_str();
    if fault.drop_before {
        log(
            &core,
            &method,
            log_path,
            seller_key,
            Some(Rejection::InjectedDrop),
            "",
        );
        return kill(killer).await;
    }
    if let Some(status) = fault.server_error {
        log(
            &core,
            &method,
            log_path,
            seller_key,
            Some(Rejection::InjectedServerError),
            &status.to_string(),
        );
        return server_error(status);
    }
    if let Some(delay) = fault.delay {
        tokio::time::sleep(delay).await;
    }

    let Some(route) = route.filter(|r| r.methods.allows(&method)) else {
        return finish(
            &core,
            &method,
            log_path,
            seller_key,
            Err(ApiError::unknown_path()),
        );
    };
    if let Err(e) = body_read {
        return finish(&core, &method, log_path, seller_key, Err(e));
    }

    let result = {
        let mut w = core.world();
        let w = &mut *w;
        match validate(
            w,
            route.kind,
            route.path,
            &params,
            seller_key,
            route.inventory,
            Instant::now(),
        ) {
            Err(e) => Err(e),
            Ok(seller) => dispatch(w, route.endpoint, seller, &params),
        }
    };
    // `seller_key` is the owner of the token (or code) the call carried, so accepted and refused calls are
    // attributed alike.
    let response = finish(&core, &method, log_path, seller_key, result);
    if fault.drop_after {
        return kill(killer).await;
    }
    response
}

/// Runs the endpoint. `seller` is the validated seller (always present for seller-scoped APIs).
fn dispatch(
    w: &mut World,
    endpoint: Endpoint,
    seller: Option<i64>,
    params: &Params,
) -> Result<Payload, ApiError> {
    let seller_id = match (endpoint, seller) {
        (Endpoint::TokenCreate, _) => return auth::token_create(w, params),
        (Endpoint::TokenRefresh, _) => return auth::token_refresh(w, params),
        (_, Some(id)) => id,
        (_, None) => return Err(ApiError::illegal_access_token()),
    };
    match endpoint {
        Endpoint::TokenCreate | Endpoint::TokenRefresh => Err(ApiError::unknown_path()),
        Endpoint::ProductsGet => products::products_get(w, seller_id, params),
        Endpoint::ProductItemGet => products::product_item_get(w, seller_id, params),
        Endpoint::ProductCreate => products::product_create(w, seller_id, params),
        Endpoint::ImageMigrate => products::image_migrate(params),
        Endpoint::PriceQuantityUpdate => stock::price_quantity_update(w, seller_id, params),
        Endpoint::SellableUpdate => stock::sellable_update(w, seller_id, params),
        Endpoint::SellableAdjust => stock::sellable_adjust(w, seller_id, params),
        Endpoint::OrdersGet => orders::orders_get(w, seller_id, params),
        Endpoint::OrderGet => orders::order_get(w, seller_id, params),
        Endpoint::OrderItemsGet => orders::order_items_get(w, seller_id, params),
        Endpoint::OrdersItemsGet => orders::orders_items_get(w, seller_id, params),
    }
}

fn log(
    core: &SimCore,
    method: &Method,
    path: &str,
    seller: Option<i64>,
    rej: Option<Rejection>,
    code: &str,
) {
    super::log::finished(
        &mut core.world().log,
        method.as_str(),
        path,
        seller,
        rej,
        code,
        Instant::now(),
    );
}

/// Logs the outcome and renders the Lazada envelope.
fn finish(
    core: &SimCore,
    method: &Method,
    path: &str,
    seller: Option<i64>,
    result: Result<Payload, ApiError>,
) -> Response {
    let mode = core.world().cfg.error_http_status;
    let mut out = Map::new();
    let status = match result {
        Ok(payload) => {
            log(core, method, path, seller, None, "0");
            match payload {
                Payload::Data(v) => {
                    out.insert("data".into(), v);
                }
                Payload::Flat(fields) => out.extend(fields),
                Payload::Bare => {}
            }
            out.insert("code".into(), json!("0"));
            StatusCode::OK
        }
        Err(e) => {
            log(core, method, path, seller, Some(e.reason), &e.code);
            tracing::debug!(path, code = %e.code, message = %e.message, "lazada simulator rejected a call");
            out.insert("type".into(), json!(e.kind.as_str()));
            out.insert("code".into(), json!(e.code));
            out.insert("message".into(), json!(e.message));
            if let Some(detail) = e.detail {
                out.insert("detail".into(), Value::Array(detail));
            }
            match mode {
                ErrorStatusMode::AlwaysOk => StatusCode::OK,
                ErrorStatusMode::Mapped => StatusCode::from_u16(e.status).unwrap_or(StatusCode::OK),
            }
        }
    };
    out.insert("request_id".into(), json!(request_id()));
    (status, axum::Json(Value::Object(out))).into_response()
}

fn server_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        let e = ApiError::server_error();
        let body = json!({"type": e.kind.as_str(), "code": e.code, "message": e.message, "request_id": request_id()});
        (status, axum::Json(body)).into_response()
    } else {
        // Gateways in front of the API answer with plain text, not Lazada's envelope.
        (
            status,
            status
                .canonical_reason()
                .unwrap_or("Service Unavailable")
                .to_owned(),
        )
            .into_response()
    }
}

/// Closes the connection without an answer. Without a connection handle (e.g. a test calling the router
/// directly) the best we can do is an empty 502.
async fn kill(killer: Option<Extension<ConnectionKiller>>) -> Response {
    match killer {
        Some(Extension(k)) => {
            k.kill();
            std::future::pending::<Response>().await
        }
        None => StatusCode::BAD_GATEWAY.into_response(),
    }
}
