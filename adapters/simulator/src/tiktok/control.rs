//! The control API under `/_sim/...`: JSON routes that mirror [`super::SimControl`]'s in-process methods, so a
//! test written in another language, or `kho demo`, can drive the simulator over HTTP. Not signed: it is a test
//! harness bound to loopback, clearly apart from the TikTok surface.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::config::{FaultConfig, ShopConfig};
use super::state::{
    CancelStatus, ListingEdit, NewOrder, Order, OrderStatus, Product, ReturnStatus, SeedProduct,
};
use super::tokens::TokenAction;
use super::webhook::WebhookOptions;
use super::world::{ControlError, NewCancellation, NewReturn};
use super::{RequestLogSnapshot, SimControl, SimCore, SimState, TokenPair, WebhookRecord};
use crate::common::control;

type Core = State<Arc<SimCore>>;

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let status = match self {
            ControlError::UnknownShop(_)
            | ControlError::UnknownProduct(_)
            | ControlError::UnknownSku(_)
            | ControlError::UnknownWarehouse(_)
            | ControlError::UnknownOrder(_)
            | ControlError::UnknownCancellation(_)
            | ControlError::UnknownReturn(_) => StatusCode::NOT_FOUND,
            ControlError::Conflict(_) | ControlError::InsufficientStock(_) => StatusCode::CONFLICT,
            ControlError::Invalid(_) => StatusCode::BAD_REQUEST,
        };
        control::error_response(status, &self)
    }
}

fn ctl(core: &Arc<SimCore>) -> SimControl {
    SimControl(core.clone())
}

pub(crate) fn routes() -> Router<Arc<SimCore>> {
    control::routes::<SimControl>()
        .route("/shops/{shop_id}/deauthorize", post(deauthorize))
        .route(
            "/shops/{shop_id}/authorization_expiring",
            post(authorization_expiring),
        )
        .route("/shops/{shop_id}/scopes", put(scopes))
        .route("/app/redirect_url", put(redirect_url))
        .route("/orders/{order_id}/status", post(order_status))
        .route("/orders/{order_id}/webhook", post(order_webhook))
        .route(
            "/orders/{order_id}/cancellations",
            post(create_cancellation),
        )
        .route("/orders/{order_id}/returns", post(create_return))
        .route(
            "/cancellations/{cancel_id}/status",
            post(cancellation_status),
        )
        .route("/returns/{return_id}/status", post(return_status))
}

fn opts(body: Option<Json<WebhookOptions>>) -> WebhookOptions {
    body.map(|Json(o)| o).unwrap_or_default()
}

async fn deauthorize(
    State(c): Core,
    Path(shop_id): Path<String>,
    body: Option<Json<WebhookOptions>>,
) -> Response {
    ctl(&c)
        .deauthorize_seller(&shop_id, opts(body))
        .map(|id| Json(json!({"tts_notification_id": id})))
        .into_response()
}

async fn authorization_expiring(
    State(c): Core,
    Path(shop_id): Path<String>,
    body: Option<Json<WebhookOptions>>,
) -> Response {
    ctl(&c)
        .notify_authorization_expiring(&shop_id, opts(body))
        .map(|id| Json(json!({"tts_notification_id": id})))
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedirectBody {
    url: Option<String>,
}

async fn redirect_url(State(c): Core, Json(b): Json<RedirectBody>) -> StatusCode {
    ctl(&c).set_redirect_url(b.url);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeBody {
    path: String,
    denied: bool,
}

async fn scopes(State(c): Core, Path(shop_id): Path<String>, Json(b): Json<ScopeBody>) -> Response {
    ctl(&c)
        .set_scope_denied(&shop_id, &b.path, b.denied)
        .map(|_| StatusCode::NO_CONTENT)
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderStatusBody {
    status: OrderStatus,
    #[serde(default)]
    webhook: Option<WebhookOptions>,
}

async fn order_status(
    State(c): Core,
    Path(id): Path<String>,
    Json(b): Json<OrderStatusBody>,
) -> Response {
    ctl(&c)
        .set_order_status_with_webhook(&id, b.status, b.webhook)
        .map(Json)
        .into_response()
}

async fn order_webhook(
    State(c): Core,
    Path(id): Path<String>,
    body: Option<Json<WebhookOptions>>,
) -> Response {
    ctl(&c)
        .send_order_webhook(&id, opts(body))
        .map(|id| Json(json!({"tts_notification_id": id})))
        .into_response()
}

async fn create_cancellation(
    State(c): Core,
    Path(id): Path<String>,
    body: Option<Json<NewCancellation>>,
) -> Response {
    let req = body.map(|Json(b)| b).unwrap_or_default();
    control::created(ctl(&c).create_cancellation(&id, req))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelStatusBody {
    status: CancelStatus,
}

async fn cancellation_status(
    State(c): Core,
    Path(id): Path<String>,
    Json(b): Json<CancelStatusBody>,
) -> Response {
    ctl(&c)
        .set_cancellation_status(&id, b.status)
        .map(Json)
        .into_response()
}

async fn create_return(
    State(c): Core,
    Path(id): Path<String>,
    body: Option<Json<NewReturn>>,
) -> Response {
    let req = body.map(|Json(b)| b).unwrap_or_default();
    control::created(ctl(&c).create_return(&id, req))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReturnStatusBody {
    status: ReturnStatus,
    #[serde(default)]
    restock: bool,
}

async fn return_status(
    State(c): Core,
    Path(id): Path<String>,
    Json(b): Json<ReturnStatusBody>,
) -> Response {
    ctl(&c)
        .set_return_status(&id, b.status, b.restock)
        .map(Json)
        .into_response()
}

control::control_api! {
    accounts: "shops" / "shop_id",
    id: |id: String| id,
    config: ShopConfig => add_shop,
    rate_limit: set_rate_limit,
    listings: "products" / "product_id",
    listing_id: |product: String| product,
    seed: SeedProduct => seed_product -> Product,
    edit: ListingEdit => edit_listing,
    delete: delete_listing / purge_listing,
    pushes: "webhooks", webhook_log -> WebhookRecord, release_held_webhooks,
    callback: "webhooks/callback",
}
