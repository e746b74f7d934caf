//! The simulator's control API (`/_sim/…`), for tests and for a person poking at `kho sim tiki`: state,
//! request log, placing orders and moving their status (which feeds the event queues), deciding product
//! requests, tokens, authorisation codes, rate limits and faults.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::state::{Order, OrderItem, STATUSES, World};
use super::{FaultConfig, Review, SeedProduct, SimControl, TokenAction, now_secs};

pub(super) fn routes(control: SimControl) -> Router {
    Router::new()
        .route("/_sim/state", get(state))
        .route("/_sim/requests", get(log).delete(reset_log))
        .route("/_sim/sellers/{seller_id}/products", post(seed))
        .route("/_sim/sellers/{seller_id}/orders", post(new_order))
        .route("/_sim/sellers/{seller_id}/auth_code", post(auth_code))
        .route(
            "/_sim/sellers/{seller_id}/tokens",
            get(tokens).post(token_action),
        )
        .route("/_sim/sellers/{seller_id}/rate_limit", put(rate_limit))
        .route("/_sim/orders/{code}/status", post(order_status))
        .route("/_sim/product_requests/{track_id}/decision", post(decision))
        .route("/_sim/review", put(review))
        .route("/_sim/faults", put(faults))
        .with_state(control)
}

fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": format!("{what} not found")})),
    )
        .into_response()
}

async fn state(State(c): State<SimControl>) -> Json<Value> {
    let sellers: Vec<Value> = c
        .seller_ids()
        .into_iter()
        .map(|id| json!({"seller_id": id, "products": c.products(id)}))
        .collect();
    Json(
        json!({"sellers": sellers, "orders": c.orders(), "product_requests": c.requests(),
        "queues": c.queues()}),
    )
}

async fn log(State(c): State<SimControl>) -> Response {
    Json(c.request_log()).into_response()
}

async fn reset_log(State(c): State<SimControl>) -> StatusCode {
    c.reset_request_log();
    StatusCode::NO_CONTENT
}

async fn seed(
    State(c): State<SimControl>,
    Path(id): Path<i64>,
    Json(p): Json<SeedProduct>,
) -> Response {
    if !c.seller_ids().contains(&id) {
        return not_found("seller");
    }
    Json(c.seed_product(id, p)).into_response()
}

#[derive(Deserialize)]
struct NewOrder {
    /// (`original_sku`, quantity) pairs.
    items: Vec<(String, i64)>,
    status: Option<String>,
}

/// Places an order: stock leaves the product's first warehouse at once (an unaccepted order holds it too).
pub(super) fn place(
    world: &mut World,
    seller_id: i64,
    items: &[(&str, i64)],
    status: Option<&str>,
) -> Option<Order> {
    let status = status.unwrap_or("queueing");
    if !STATUSES.contains(&status) {
        return None;
    }
    // Tiki sells no more than the seller's warehouse holds: a buyer cannot
    // order more, and an order either takes all its lines or none.
    for (sku, qty) in items {
        let p = world.find_sku(seller_id, sku)?;
        let available = p.warehouse_quantities.values().next().copied().unwrap_or(0);
        if *qty <= 0 || available < *qty {
            return None;
        }
    }
    let mut lines = Vec::new();
    for (sku, qty) in items {
        let p = world.find_sku(seller_id, sku)?;
        if let Some(q) = p.warehouse_quantities.values_mut().next() {
            *q -= qty;
        }
        lines.push(OrderItem {
            product_id: p.product_id,
            original_sku: p.original_sku.clone(),
            qty: *qty,
            price: p.price,
        });
    }
    let code = format!("{}", 800_000_000 + world.id());
    let now = now_secs();
    let order = Order {
        code: code.clone(),
        seller_id,
        status: "processing".into(),
        created_at: now,
        updated_at: now,
        items: lines,
    };
    world.orders.insert(code.clone(), order.clone());
    if status == "processing" {
        return Some(order);
    }
    world.set_order_status(&code, status, now)
}

async fn new_order(
    State(c): State<SimControl>,
    Path(id): Path<i64>,
    Json(o): Json<NewOrder>,
) -> Response {
    let items: Vec<(&str, i64)> = o.items.iter().map(|(s, q)| (s.as_str(), *q)).collect();
    match c.place_order(id, &items, o.status.as_deref()) {
        Some(order) => Json(order).into_response(),
        None => not_found("seller, SKU or status"),
    }
}

#[derive(Deserialize)]
struct Status {
    status: String,
}

async fn order_status(
    State(c): State<SimControl>,
    Path(code): Path<String>,
    Json(s): Json<Status>,
) -> Response {
    if !STATUSES.contains(&s.status.as_str()) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unknown status"})),
        )
            .into_response();
    }
    match c.set_order_status(&code, &s.status) {
        Some(order) => Json(order).into_response(),
        None => not_found("order"),
    }
}

async fn decision(
    State(c): State<SimControl>,
    Path(track_id): Path<String>,
    Json(r): Json<Review>,
) -> Response {
    if c.decide(&track_id, r) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found("undecided product request")
    }
}

async fn review(State(c): State<SimControl>, Json(r): Json<Review>) -> StatusCode {
    c.set_review(r);
    StatusCode::NO_CONTENT
}

async fn auth_code(State(c): State<SimControl>, Path(id): Path<i64>) -> Response {
    if !c.seller_ids().contains(&id) {
        return not_found("seller");
    }
    Json(json!({"code": c.issue_auth_code(id)})).into_response()
}

async fn tokens(State(c): State<SimControl>, Path(id): Path<i64>) -> Response {
    match c.tokens(id) {
        Some(t) => Json(t).into_response(),
        None => not_found("seller"),
    }
}

#[derive(Deserialize)]
struct Action {
    action: TokenAction,
}

async fn token_action(
    State(c): State<SimControl>,
    Path(id): Path<i64>,
    Json(a): Json<Action>,
) -> Response {
    if c.token_action(id, a.action) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found("seller")
    }
}

#[derive(Deserialize)]
struct Limit {
    per_second: u32,
}

async fn rate_limit(
    State(c): State<SimControl>,
    Path(id): Path<i64>,
    Json(l): Json<Limit>,
) -> Response {
    if !c.seller_ids().contains(&id) {
        return not_found("seller");
    }
    c.set_rate_limit(id, l.per_second);
    StatusCode::NO_CONTENT.into_response()
}

async fn faults(State(c): State<SimControl>, Json(f): Json<FaultConfig>) -> StatusCode {
    c.set_faults(f);
    StatusCode::NO_CONTENT
}
