//! What a WooCommerce site has that the REST API does not show: its capacity (a per-site rate limit), seeded
//! faults, and the `/_sim` routes a test, the demo or `kho sim woocommerce` drives it with — state, the request
//! log, the limit, faults, the webhook's delivery URL, seeding products and buyers' orders.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::WcError;
use super::{SeedProduct, SimControl, SimCore};
use crate::common::faults::FaultDecision;

/// Calls per sliding second a simulated site admits by default. WooCommerce publishes no limit: a shared
/// WordPress host answers far fewer than a marketplace, so the default is kho's own conservative one.
pub const DEFAULT_RATE_LIMIT: u32 = 10;

pub use crate::common::faults::FaultConfig;

/// Admits one call against the site's limit, or the 429 a host in front of WordPress answers; then what the
/// fault settings do to it.
pub(crate) fn admit(core: &SimCore, path: &str) -> Result<FaultDecision, WcError> {
    let mut world = core.world();
    if let Some(limit) = world.cfg.rate_limit_per_second
        && !world.limiter.try_admit(&(), limit, Instant::now())
    {
        return Err(WcError::new(
            429,
            "rest_too_many_requests",
            "Too many requests: the site admits fewer calls per second.",
        ));
    }
    Ok(world.faults.decide_request(path))
}

type Core = Arc<SimCore>;

pub(super) fn routes(core: Core) -> Router {
    Router::new()
        .route("/_sim/state", get(state))
        .route("/_sim/log", get(requests).delete(clear_requests))
        .route("/_sim/rate_limit", put(rate_limit))
        .route("/_sim/faults", put(faults))
        .route("/_sim/webhook", put(webhook_url))
        .route("/_sim/products", post(seed_product))
        .route("/_sim/orders", post(create_order))
        .route("/_sim/orders/{id}", put(order_status))
        .with_state(core)
}

fn control(core: Core) -> SimControl {
    SimControl(core)
}

fn refused(e: &WcError) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({ "error": e.to_string() })),
    )
        .into_response()
}

/// The site as its own home URL, for `X-WC-Webhook-Source`.
fn source(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}/")
}

async fn state(State(core): State<Core>) -> Json<Value> {
    let world = core.world();
    let (variations, products) = world
        .catalog
        .items
        .values()
        .partition::<Vec<_>, _>(|i| i.kind == "variation");
    Json(json!({
        "products": products.len(),
        "variations": variations.len(),
        "orders": world.orders.by_id.len(),
        "rate_limit_per_second": world.cfg.rate_limit_per_second,
        "rejections": world.log.iter().filter(|c| c.status == 429).count(),
        "webhook_url": world.cfg.webhook_url,
        "deliveries": world.deliveries.len(),
    }))
}

async fn requests(State(core): State<Core>) -> Json<Value> {
    Json(json!(core.world().log))
}

async fn clear_requests(State(core): State<Core>) -> StatusCode {
    control(core).reset_request_log();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct RateLimitBody {
    per_second: Option<u32>,
}

async fn rate_limit(State(core): State<Core>, Json(b): Json<RateLimitBody>) -> StatusCode {
    control(core).set_rate_limit(b.per_second);
    StatusCode::NO_CONTENT
}

async fn faults(State(core): State<Core>, Json(f): Json<FaultConfig>) -> StatusCode {
    control(core).set_faults(f);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct UrlBody {
    url: Option<String>,
}

async fn webhook_url(State(core): State<Core>, Json(b): Json<UrlBody>) -> StatusCode {
    control(core).set_webhook_url(b.url);
    StatusCode::NO_CONTENT
}

async fn seed_product(State(core): State<Core>, Json(seed): Json<SeedProduct>) -> Response {
    match control(core).seed_product(&seed) {
        Ok(id) => (StatusCode::CREATED, Json(json!({ "id": id }))).into_response(),
        Err(e) => refused(&e),
    }
}

#[derive(Deserialize)]
struct NewOrder {
    /// `[sku, quantity]` pairs.
    lines: Vec<(String, i64)>,
}

/// A buyer's paid order; delivered as `order.created` when a webhook URL is set.
async fn create_order(
    State(core): State<Core>,
    headers: HeaderMap,
    Json(order): Json<NewOrder>,
) -> Response {
    let sim = control(core);
    let lines: Vec<(&str, i64)> = order.lines.iter().map(|(s, q)| (s.as_str(), *q)).collect();
    match sim.create_order(&lines) {
        Ok(created) => {
            notify(&sim, "order.created", created.id, &headers).await;
            (StatusCode::CREATED, Json(json!({ "id": created.id }))).into_response()
        }
        Err(e) => refused(&e),
    }
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

/// The shop admin changes an order's status; delivered as `order.updated` when a webhook URL is set.
async fn order_status(
    State(core): State<Core>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(b): Json<StatusBody>,
) -> Response {
    let sim = control(core);
    match sim.set_order_status(id, &b.status) {
        Ok(order) => {
            notify(&sim, "order.updated", order.id, &headers).await;
            Json(json!({ "id": order.id, "status": order.status })).into_response()
        }
        Err(e) => refused(&e),
    }
}

/// Delivers the order unless automatic webhooks already do.
async fn notify(sim: &SimControl, topic: &str, id: i64, headers: &HeaderMap) {
    if sim.0.world().auto_webhooks.is_some() {
        return;
    }
    if let Some(payload) = sim.order_json(id) {
        sim.deliver_webhook(topic, &payload, &source(headers)).await;
    }
}
