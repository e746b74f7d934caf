//! The `/api/v2/...` front door: route lookup, fault injection, the common checks of [`super::gate`], dispatch to
//! the endpoint, the Shopee envelope, and the request log. Every call is logged exactly once.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

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
use super::gate::{shop_of_call, validate};
use super::media;
use super::params::Query;
use super::sign::ApiType;
use super::{SimCore, auth, orders, products, push};
use crate::common::server::ConnectionKiller;

/// What an endpoint answers on success.
#[derive(Debug)]
pub enum Payload {
    /// Inside `response` (Shop APIs).
    Wrapped(Value),
    /// Merged at the top level, no `response` (auth and public endpoints, §4.1).
    TopLevel(Map<String, Value>),
    /// Just `{request_id, error, message}`.
    Bare,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    TokenGet,
    RefreshToken,
    UploadImage,
    GetItemList,
    GetItemBaseInfo,
    GetModelList,
    GetItemLimit,
    AddItem,
    UpdateItem,
    DeleteItem,
    UnlistItem,
    InitTierVariation,
    AddModel,
    UpdateStock,
    UpdatePrice,
    GetOrderList,
    GetOrderDetail,
    GetLostPush,
    ConfirmLostPush,
}

/// Path, method and API type of every simulated endpoint (§3.1 decides the type).
#[rustfmt::skip]
const ROUTES: &[(&str, Method, ApiType, Endpoint)] = &[
    ("/api/v2/auth/token/get", Method::POST, ApiType::Public, Endpoint::TokenGet),
    ("/api/v2/auth/access_token/get", Method::POST, ApiType::Public, Endpoint::RefreshToken),
    ("/api/v2/media_space/upload_image", Method::POST, ApiType::Public, Endpoint::UploadImage),
    ("/api/v2/product/get_item_list", Method::GET, ApiType::Shop, Endpoint::GetItemList),
    ("/api/v2/product/get_item_base_info", Method::GET, ApiType::Shop, Endpoint::GetItemBaseInfo),
    ("/api/v2/product/get_model_list", Method::GET, ApiType::Shop, Endpoint::GetModelList),
    ("/api/v2/product/get_item_limit", Method::GET, ApiType::Shop, Endpoint::GetItemLimit),
    ("/api/v2/product/add_item", Method::POST, ApiType::Shop, Endpoint::AddItem),
    ("/api/v2/product/update_item", Method::POST, ApiType::Shop, Endpoint::UpdateItem),
    ("/api/v2/product/delete_item", Method::POST, ApiType::Shop, Endpoint::DeleteItem),
    ("/api/v2/product/unlist_item", Method::POST, ApiType::Shop, Endpoint::UnlistItem),
    ("/api/v2/product/init_tier_variation", Method::POST, ApiType::Shop, Endpoint::InitTierVariation),
    ("/api/v2/product/add_model", Method::POST, ApiType::Shop, Endpoint::AddModel),
    ("/api/v2/product/update_stock", Method::POST, ApiType::Shop, Endpoint::UpdateStock),
    ("/api/v2/product/update_price", Method::POST, ApiType::Shop, Endpoint::UpdatePrice),
    ("/api/v2/order/get_order_list", Method::GET, ApiType::Shop, Endpoint::GetOrderList),
    ("/api/v2/order/get_order_detail", Method::GET, ApiType::Shop, Endpoint::GetOrderDetail),
    ("/api/v2/push/get_lost_push_message", Method::GET, ApiType::Public, Endpoint::GetLostPush),
    ("/api/v2/push/confirm_consumed_lost_push_message", Method::POST, ApiType::Public, Endpoint::ConfirmLostPush),
];

/// Largest body read: an image may be up to 10 MB (§6.8), plus multipart framing.
const MAX_BODY: usize = 11 * 1024 * 1024;

fn request_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

/// Handles every request under `/api/`.
pub async fn handle(
    State(core): State<Arc<SimCore>>,
    killer: Option<Extension<ConnectionKiller>>,
    req: Request,
) -> Response {
    let arrived = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = Query::parse(req.uri().query());
    let route = ROUTES
        .iter()
        .find(|(p, m, _, _)| *p == path && *m == method);
    let client = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();

    let (parts, body) = req.into_parts();
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let err = ApiError::bad_param(
                "Wrong parameters, detail: the request body is too large or unreadable.",
            );
            return finish(&core, &method, &path, None, Err(err));
        }
    };
    let api_type = route.map(|r| r.2).unwrap_or(ApiType::Shop);
    let body_shop = match route.map(|r| r.3) {
        Some(Endpoint::TokenGet | Endpoint::RefreshToken) => auth::body_shop_id(&body),
        _ => None,
    };
    let shop_key = shop_of_call(api_type, &query, body_shop);
    let fault = {
        let mut w = core.world();
        w.log.arrived(shop_key.as_ref(), arrived);
        w.faults.decide_request(&path)
    };

    if fault.drop_before {
        log(
            &core,
            &method,
            &path,
            shop_key,
            Some(Rejection::InjectedDrop),
            "",
        );
        return kill(killer).await;
    }
    if let Some(status) = fault.server_error {
        log(
            &core,
            &method,
            &path,
            shop_key,
            Some(Rejection::InjectedServerError),
            "error_server",
        );
        return server_error(status);
    }
    if let Some(delay) = fault.delay {
        tokio::time::sleep(delay).await;
    }

    let Some(&(_, _, api_type, endpoint)) = route else {
        return finish(
            &core,
            &method,
            &path,
            shop_key,
            Err(ApiError::unknown_path()),
        );
    };

    let validated = {
        let mut w = core.world();
        validate(&mut w, api_type, &path, &query, shop_key, Instant::now())
    };
    let ctx = match validated {
        Ok(ctx) => ctx,
        Err(e) => return finish(&core, &method, &path, shop_key, Err(e)),
    };

    // Multipart is parsed outside the lock; everything else is applied in one locked step.
    let upload = if endpoint == Endpoint::UploadImage {
        let rebuilt = Request::from_parts(parts, Body::from(body.clone()));
        match Multipart::from_request(rebuilt, &()).await {
            Ok(mp) => Some(media::read_upload(mp, &content_type).await),
            Err(_) => Some(Err(ApiError::bad_param(
                "Wrong parameters, detail: the body must be multipart/form-data.",
            ))),
        }
    } else {
        None
    };

    let result = {
        let mut w = core.world();
        let w = &mut *w;
        let shop = ctx.shop_id;
        let result = match endpoint {
            Endpoint::TokenGet => auth::token_get(w, &body),
            Endpoint::RefreshToken => auth::refresh_access_token(w, &body),
            Endpoint::UploadImage => match upload {
                Some(Ok(u)) => media::upload_image(w, u),
                Some(Err(e)) => Err(e),
                None => Err(ApiError::bad_param(
                    "Wrong parameters, detail: image is required.",
                )),
            },
            Endpoint::GetItemList => products::get_item_list(w, shop, &query),
            Endpoint::GetItemBaseInfo => products::get_item_base_info(w, shop, &query),
            Endpoint::GetModelList => products::get_model_list(w, shop, &query),
            Endpoint::GetItemLimit => products::get_item_limit(w, shop),
            Endpoint::AddItem => products::add_item(w, shop, &body),
            Endpoint::UpdateItem => products::update_item(w, shop, &body),
            Endpoint::DeleteItem => products::delete_item(w, shop, &body),
            Endpoint::UnlistItem => products::unlist_item(w, shop, &body),
            Endpoint::InitTierVariation => products::init_tier_variation(w, shop, &body),
            Endpoint::AddModel => products::add_model(w, shop, &body),
            Endpoint::UpdateStock => products::update_stock(w, shop, &body),
            Endpoint::UpdatePrice => products::update_price(w, shop, &body),
            Endpoint::GetOrderList => orders::get_order_list(w, shop, &query),
            Endpoint::GetOrderDetail => orders::get_order_detail(w, shop, &query),
            Endpoint::GetLostPush => push::get_lost_push_message(w),
            Endpoint::ConfirmLostPush => push::confirm_consumed_lost_push_message(w, &body),
        };
        if let (Ok(_), Some(shop_id)) = (&result, shop)
            && matches!(
                endpoint,
                Endpoint::UpdateStock | Endpoint::UpdatePrice | Endpoint::UnlistItem
            )
        {
            let ms = |t: Instant| {
                u64::try_from(t.duration_since(w.log.started()).as_millis()).unwrap_or(u64::MAX)
            };
            let call = super::log::WriteCall {
                shop_id,
                path: path.clone(),
                client,
                start_ms: ms(arrived),
                end_ms: ms(Instant::now()),
            };
            w.writes.push(call);
        }
        result
    };
    let response = finish(&core, &method, &path, shop_key, result);
    if fault.drop_after {
        return kill(killer).await;
    }
    response
}

fn log(
    core: &SimCore,
    method: &Method,
    path: &str,
    shop: Option<i64>,
    rej: Option<Rejection>,
    error: &str,
) {
    super::log::finished(
        &mut core.world().log,
        method.as_str(),
        path,
        shop,
        rej,
        error,
        Instant::now(),
    );
}

/// Logs the outcome and renders the Shopee envelope.
fn finish(
    core: &SimCore,
    method: &Method,
    path: &str,
    shop: Option<i64>,
    result: Result<Payload, ApiError>,
) -> Response {
    let mode = core.world().cfg.error_http_status;
    let mut out = Map::new();
    out.insert("request_id".into(), json!(request_id()));
    let status = match result {
        Ok(payload) => {
            log(core, method, path, shop, None, "");
            out.insert("error".into(), json!(""));
            out.insert("message".into(), json!(""));
            match payload {
                Payload::Wrapped(v) => {
                    out.insert("response".into(), v);
                }
                Payload::TopLevel(fields) => out.extend(fields),
                Payload::Bare => {}
            }
            StatusCode::OK
        }
        Err(e) => {
            log(core, method, path, shop, Some(e.reason), &e.error);
            tracing::debug!(path, error = %e.error, message = %e.message, "shopee simulator rejected a call");
            out.insert("error".into(), json!(e.error));
            out.insert("message".into(), json!(e.message));
            if let Some(r) = e.response {
                out.insert("response".into(), r);
            }
            match mode {
                ErrorStatusMode::AlwaysOk => StatusCode::OK,
                ErrorStatusMode::Mapped => StatusCode::from_u16(e.status).unwrap_or(StatusCode::OK),
            }
        }
    };
    (status, axum::Json(Value::Object(out))).into_response()
}

fn server_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        let e = ApiError::server_error();
        let body = json!({"request_id": request_id(), "error": e.error, "message": e.message});
        (status, axum::Json(body)).into_response()
    } else {
        // Gateways in front of the API answer with plain text, not Shopee's envelope.
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
