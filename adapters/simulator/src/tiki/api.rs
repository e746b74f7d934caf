//! The integration API (docs/src/channels/tiki-woocommerce.md §A1, §A4, §A6–§A9). Every call passes the gate first: a Bearer token
//! (a seller's, or the app's own for its queues), the seller's sliding-window rate limit, seeded faults.
//! Errors are `{"errors":[…]}` with the HTTP status (§A4); 401 for a missing, unknown or expired token and
//! 429 over the limit are the simulator's choices where Tiki publishes nothing.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::state::{Product, Review, World};
use super::{MAX_UPDATE_SKUS, SimCore, fresh_token, now_ms};
use crate::common::server::ConnectionKiller;
use crate::common::tokens::AccessCheck;

/// Who is calling.
#[derive(Debug, Clone, Copy)]
enum Caller {
    Seller(i64),
    App,
}

/// The key the app's own calls are counted and limited under.
const APP_KEY: i64 = 0;

pub(super) fn routes(core: Arc<SimCore>) -> Router {
    Router::new()
        .route("/integration/v2/sellers/me", get(seller_me))
        .route("/integration/v2/sellers/me/warehouses", get(warehouses))
        .route("/integration/v2/products", get(products))
        .route("/integration/v2/products/findBy", get(find_by))
        .route("/integration/v2/products/updateSku", put(update_sku))
        .route("/integration/v2.1/products/updateSkus", put(update_skus))
        .route("/integration/v2.1/requests", post(create_request))
        .route("/integration/v2/tracking/{track_id}", get(tracking))
        .route("/integration/v2/orders", get(orders))
        .route("/integration/v2/orders/{code}", get(order))
        .route(
            "/integration/v1/queues",
            get(list_queues).post(create_queue),
        )
        .route(
            "/integration/v1/queues/{code}/subscriptions",
            post(subscribe),
        )
        .route("/integration/v1/queues/{code}/events/pull", post(pull))
        .layer(middleware::from_fn_with_state(core.clone(), gate))
        .with_state(core)
}

/// An error answer: Tiki's `{"errors":[…]}` with its HTTP status.
pub(super) struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"errors": [self.1]}))).into_response()
    }
}

pub(super) fn errors(status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError(status, message.into())
}

fn caller(core: &SimCore, request: &Request) -> Result<Caller, ApiError> {
    let token = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| errors(StatusCode::UNAUTHORIZED, "Unauthorized"))?;
    let now = now_ms();
    let world = core.world();
    if let Some(t) = world.app_tokens.iter().find(|t| t.token == token) {
        return if t.expires_at_ms > now {
            Ok(Caller::App)
        } else {
            Err(errors(StatusCode::UNAUTHORIZED, "Token expired"))
        };
    }
    for s in &world.sellers {
        match s.tokens.check_access(token, now) {
            AccessCheck::Valid => return Ok(Caller::Seller(s.seller_id)),
            AccessCheck::Expired => return Err(errors(StatusCode::UNAUTHORIZED, "Token expired")),
            AccessCheck::Unknown => {}
        }
    }
    Err(errors(StatusCode::UNAUTHORIZED, "Unauthorized"))
}

async fn gate(
    State(core): State<Arc<SimCore>>,
    killer: Option<Extension<ConnectionKiller>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = std::time::Instant::now();
    let path = request.uri().path().to_owned();
    let method = request.method().to_string();
    let who = caller(&core, &request);
    let key = match who {
        Ok(Caller::Seller(id)) => Some(id),
        Ok(Caller::App) => Some(APP_KEY),
        Err(_) => None,
    };
    core.log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .arrived(key.as_ref(), started);
    let mut rejection = None;
    let response = match who {
        Err(r) => {
            rejection = Some("unauthorized");
            r.into_response()
        }
        Ok(c) => {
            let limit = match c {
                Caller::Seller(id) => core
                    .world()
                    .seller(id)
                    .map_or(super::DEFAULT_RATE_LIMIT, |s| s.rate_limit),
                Caller::App => super::DEFAULT_RATE_LIMIT,
            };
            let admitted = core
                .limiter
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .try_admit(&key.unwrap_or(APP_KEY), limit, started);
            if !admitted {
                rejection = Some("rate_limited");
                errors(StatusCode::TOO_MANY_REQUESTS, "Too many requests").into_response()
            } else {
                let fault = core
                    .faults
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .decide_request(&path);
                if fault.drop_before {
                    return kill(killer).await;
                }
                if let Some(status) = fault.server_error {
                    rejection = Some("injected_fault");
                    let status =
                        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    errors(status, "Internal server error").into_response()
                } else {
                    if let Some(delay) = fault.delay {
                        tokio::time::sleep(delay).await;
                    }
                    request.extensions_mut().insert(c);
                    let response = next.run(request).await;
                    if fault.drop_after {
                        return kill(killer).await;
                    }
                    response
                }
            }
        }
    };
    let status = response.status().as_u16();
    let seller_id = key.filter(|k| *k != APP_KEY);
    core.log.lock().unwrap_or_else(|e| e.into_inner()).finished(
        &path,
        key.as_ref(),
        rejection,
        std::time::Instant::now(),
        |at_ms| super::LogEntry {
            at_ms,
            method,
            path: path.clone(),
            seller_id,
            status,
        },
    );
    response
}

async fn kill(killer: Option<Extension<ConnectionKiller>>) -> Response {
    match killer {
        Some(Extension(k)) => {
            k.kill();
            std::future::pending::<Response>().await
        }
        None => StatusCode::BAD_GATEWAY.into_response(),
    }
}

fn seller_of(c: Caller) -> Result<i64, ApiError> {
    match c {
        Caller::Seller(id) => Ok(id),
        Caller::App => Err(errors(
            StatusCode::FORBIDDEN,
            "This API needs a seller's token",
        )),
    }
}

fn app_only(c: Caller) -> Result<(), ApiError> {
    match c {
        Caller::App => Ok(()),
        Caller::Seller(_) => Err(errors(
            StatusCode::FORBIDDEN,
            "Queues are managed with the app's own token",
        )),
    }
}

type Handled = Result<Response, ApiError>;

async fn seller_me(State(core): State<Arc<SimCore>>, Extension(c): Extension<Caller>) -> Handled {
    let id = seller_of(c)?;
    let mut world = core.world();
    let s = world
        .seller(id)
        .ok_or_else(|| errors(StatusCode::NOT_FOUND, "Seller not found"))?;
    Ok(Json(json!({"id": s.seller_id, "name": s.name, "active": 1})).into_response())
}

async fn warehouses(State(core): State<Arc<SimCore>>, Extension(c): Extension<Caller>) -> Handled {
    let id = seller_of(c)?;
    let mut world = core.world();
    let s = world
        .seller(id)
        .ok_or_else(|| errors(StatusCode::NOT_FOUND, "Seller not found"))?;
    let data: Vec<Value> = s
        .warehouses
        .iter()
        .map(|w| json!({"id": w, "status": 1}))
        .collect();
    Ok(Json(json!({"data": data})).into_response())
}

fn number(q: &HashMap<String, String>, key: &str, default: i64) -> Result<i64, ApiError> {
    match q.get(key) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| errors(StatusCode::BAD_REQUEST, format!("{key} must be a number"))),
    }
}

/// A page of `items` in the listing shape of §A6 (`per_page` 20 unless asked, at most 100); only the
/// page's items are written out, as shops hold tens of thousands of products.
fn paged<T>(items: &[T], q: &HashMap<String, String>, wire: impl Fn(&T) -> Value) -> Handled {
    let page = number(q, "page", 1)?.max(1);
    let per_page = number(q, "limit", 20)?.clamp(1, 100);
    let total = items.len() as i64;
    let last_page = ((total + per_page - 1) / per_page).max(1);
    let from = (page - 1) * per_page;
    let data: Vec<Value> = items
        .iter()
        .skip(usize::try_from(from).unwrap_or(usize::MAX))
        .take(per_page as usize)
        .map(wire)
        .collect();
    let to = from + data.len() as i64;
    Ok(Json(
        json!({"data": data, "paging": {"total": total, "current_page": page,
        "from": from + 1, "to": to, "per_page": per_page, "last_page": last_page}}),
    )
    .into_response())
}

async fn products(
    State(core): State<Arc<SimCore>>,
    Extension(c): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Handled {
    let id = seller_of(c)?;
    let world = core.world();
    let items: Vec<&Product> = world.seller_products(id).collect();
    paged(&items, &q, |p| p.wire())
}

async fn find_by(
    State(core): State<Arc<SimCore>>,
    Extension(c): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Handled {
    let id = seller_of(c)?;
    let sku = q.get("original_sku").cloned().unwrap_or_default();
    let mut world = core.world();
    let p = world.find_sku(id, &sku).ok_or_else(|| {
        errors(
            StatusCode::NOT_FOUND,
            format!("Product not found original_sku: {sku}"),
        )
    })?;
    Ok(Json(p.wire()).into_response())
}

/// Applies one `updateSku`/`updateSkus` entry; `status` is the batch's active field (1 active, 2 inactive
/// — the simulator's reading of an undocumented field, §A7).
fn apply(world: &mut World, seller: i64, entry: &Value, batch: bool) -> Result<i64, String> {
    let product = match (
        entry.get("product_id").and_then(Value::as_i64),
        entry.get("original_sku").and_then(Value::as_str),
    ) {
        (Some(pid), _) => world
            .products
            .get_mut(&pid)
            .filter(|(s, _)| *s == seller)
            .map(|(_, p)| p),
        (None, Some(sku)) => world.find_sku(seller, sku),
        (None, None) => return Err("product_id or original_sku is required".into()),
    };
    let Some(p) = product else {
        return Err("Product not found".into());
    };
    let price = entry.get("price").map(|v| {
        v.as_i64()
            .filter(|p| *p > 0)
            .ok_or("price must be a positive whole number")
    });
    let active = if batch {
        entry.get("status").map(|v| match v.as_i64() {
            Some(1) => Ok(1),
            Some(2) => Ok(0),
            _ => Err("status must be 1 or 2"),
        })
    } else {
        entry.get("active").map(|v| match v.as_i64() {
            Some(n @ (0 | 1)) => Ok(n),
            _ => Err("active must be 1 or 0"),
        })
    };
    let mut quantities = Vec::new();
    if let Some(list) = entry.get("warehouse_quantities") {
        let list = list
            .as_array()
            .ok_or("warehouse_quantities must be a list")?;
        for w in list {
            let warehouse = w
                .get("warehouse_id")
                .and_then(Value::as_i64)
                .ok_or("warehouse_id is required")?;
            let qty = w
                .get("qty_available")
                .and_then(Value::as_i64)
                .filter(|q| *q >= 0)
                .ok_or("qty_available must be a whole number ≥ 0")?;
            if !p.warehouse_quantities.contains_key(&warehouse) {
                return Err(format!("Seller warehouse not found id: {warehouse}"));
            }
            quantities.push((warehouse, qty));
        }
    }
    let price = price.transpose()?;
    let active = active.transpose()?;
    if let Some(price) = price {
        p.price = price;
    }
    if let Some(active) = active {
        p.active = active;
    }
    for (w, q) in quantities {
        p.warehouse_quantities.insert(w, q);
    }
    Ok(p.product_id)
}

async fn update_sku(
    State(core): State<Arc<SimCore>>,
    Extension(c): Extension<Caller>,
    Json(body): Json<Value>,
) -> Handled {
    let id = seller_of(c)?;
    let mut world = core.world();
    match apply(&mut world, id, &body, false) {
        Ok(pid) => Ok(Json(json!({"product_id": pid, "state": "approved"})).into_response()),
        Err(e) if e.starts_with("Product not found") => Err(errors(StatusCode::NOT_FOUND, e)),
        Err(e) => Err(errors(StatusCode::BAD_REQUEST, e)),
    }
}

/// Per-entry results inside an HTTP 200 (the simulator's shape; §A7 shows only the request).
async fn update_skus(
    State(core): State<Arc<SimCore>>,
    Extension(c): Extension<Caller>,
    Json(body): Json<Value>,
) -> Handled {
    let id = seller_of(c)?;
    let entries = body
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| errors(StatusCode::BAD_REQUEST, "data must be a list"))?;
    if entries.is_empty() || entries.len() > MAX_UPDATE_SKUS {
        return Err(errors(
            StatusCode::BAD_REQUEST,
            format!("data must have 1 to {MAX_UPDATE_SKUS} entries"),
        ));
    }
    let mut world = core.world();
    let results: Vec<Value> = entries
        .iter()
        .map(|e| {
            let key = json!({"product_id": e.get("product_id"), "original_sku": e.get("original_sku")});
            match apply(&mut world, id, e, true) {
                Ok(_) => json!({"product_id": key["product_id"], "original_sku": key["original_sku"], "success": true}),
                Err(m) => json!({"product_id": key["product_id"], "original_sku": key["original_sku"],
                    "success": false, "errors": [m]}),
            }
        })
        .collect();
    Ok(Json(json!({"data": results})).into_response())
}

async fn create_request(
    State(core): State<Arc<SimCore>>,
    Extension(c): Extension<Caller>,
    Json(body): Json<Value>,
) -> Handled {
    let id = seller_of(c)?;
    if body
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(errors(StatusCode::BAD_REQUEST, "name is required"));
    }
    if body.get("category_id").and_then(Value::as_i64).is_none() {
        return Err(errors(StatusCode::BAD_REQUEST, "category_id is required"));
    }
    let variants = body
        .get("variants")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if variants.is_empty()
        || variants.iter().any(|v| {
            v.get("sku")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        })
    {
        return Err(errors(
            StatusCode::BAD_REQUEST,
            "variants must each have a sku",
        ));
    }
    let mut world = core.world();
    let track_id = fresh_token("");
    let request_id = world.id();
    world.requests.insert(
        track_id.clone(),
        super::state::Request {
            track_id: track_id.clone(),
            request_id,
            seller_id: id,
            state: "queuing".into(),
            reason: None,
            body,
            product_ids: Vec::new(),
        },
    );
    Ok(Json(json!({"track_id": track_id, "state": "queuing"})).into_response())
}

/// Decides a request: approval creates one inactive product per variant (§A6).
pub(super) fn decide(world: &mut World, track_id: &str, review: &Review) -> bool {
    let Some(request) = world.requests.get(track_id).cloned() else {
        return false;
    };
    if matches!(request.state.as_str(), "approved" | "rejected" | "deleted") {
        return false;
    }
    let (state, reason, ids) = match review {
        Review::Manual => ("awaiting_approve", None, Vec::new()),
        Review::Reject { reason } => ("rejected", Some(reason.clone()), Vec::new()),
        Review::Approve => {
            let name = request.body["name"].as_str().unwrap_or_default().to_owned();
            let variants = request.body["variants"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let ids = variants
                .iter()
                .map(|v| {
                    let sku = v["sku"].as_str().unwrap_or_default();
                    let qty = v["warehouse_quantities"][0]["qty_available"]
                        .as_i64()
                        .unwrap_or(0);
                    let price = v["price"].as_i64().unwrap_or(0);
                    world
                        .add_product(request.seller_id, sku, &name, price, qty, false)
                        .product_id
                })
                .collect();
            ("approved", None, ids)
        }
    };
    if let Some(r) = world.requests.get_mut(track_id) {
        r.state = state.into();
        r.reason = reason;
        r.product_ids = ids;
    }
    true
}

async fn tracking(
    State(core): State<Arc<SimCore>>,
    Extension(c): Extension<Caller>,
    Path(track_id): Path<String>,
) -> Handled {
    let id = seller_of(c)?;
    let review = core.config().review.clone();
    let mut world = core.world();
    let state = world
        .requests
        .get(&track_id)
        .filter(|r| r.seller_id == id)
        .map(|r| r.state.clone());
    match state.as_deref() {
        None => {
            return Err(errors(
                StatusCode::NOT_FOUND,
                format!("Request not found track_id: {track_id}"),
            ));
        }
        Some("queuing") => {
            decide(&mut world, &track_id, &review);
        }
        Some(_) => {}
    }
    let r = world
        .requests
        .get(&track_id)
        .ok_or_else(|| errors(StatusCode::NOT_FOUND, "Request not found"))?;
    Ok(Json(
        json!({"track_id": r.track_id, "request_id": r.request_id, "state": r.state,
        "reason": r.reason, "product_ids": r.product_ids}),
    )
    .into_response())
}

/// `status=nin|a,b` or `in|a,b` or a single status: which statuses pass.
fn status_filter(raw: Option<&String>) -> impl Fn(&str) -> bool {
    let raw = raw.cloned().unwrap_or_default();
    let (negate, list) = match raw.split_once('|') {
        Some(("nin", list)) => (true, list.to_owned()),
        Some((_, list)) => (false, list.to_owned()),
        None => (false, raw.clone()),
    };
    let list: Vec<String> = list
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    move |s: &str| list.is_empty() || (list.iter().any(|l| l == s) != negate)
}

fn date(q: &HashMap<String, String>, key: &str) -> Result<Option<i64>, ApiError> {
    q.get(key)
        .map(|v| {
            chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S")
                .map(|t| t.and_utc().timestamp())
                .map_err(|_| {
                    errors(
                        StatusCode::BAD_REQUEST,
                        format!("{key} must be YYYY-MM-DD HH:MM:SS"),
                    )
                })
        })
        .transpose()
}

/// Orders of the seller, newest update last; unaccepted ones are listed unless the filter leaves them
/// out (§A8, §A11). Times are UTC `YYYY-MM-DD HH:MM:SS` (Tiki's format is not published).
async fn orders(
    State(core): State<Arc<SimCore>>,
    Extension(c): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Handled {
    let id = seller_of(c)?;
    let passes = status_filter(q.get("status"));
    let (from, to) = (date(&q, "updated_from_date")?, date(&q, "updated_to_date")?);
    let world = core.world();
    let items: Vec<&super::state::Order> = world
        .orders
        .values()
        .filter(|o| o.seller_id == id && passes(&o.status))
        .filter(|o| from.is_none_or(|f| o.updated_at >= f) && to.is_none_or(|t| o.updated_at < t))
        .collect();
    paged(&items, &q, |o| o.wire())
}

async fn order(
    State(core): State<Arc<SimCore>>,
    Extension(c): Extension<Caller>,
    Path(code): Path<String>,
) -> Handled {
    let id = seller_of(c)?;
    let world = core.world();
    let o = world
        .orders
        .get(&code)
        .filter(|o| o.seller_id == id)
        .ok_or_else(|| {
            errors(
                StatusCode::NOT_FOUND,
                format!("Order not found code: {code}"),
            )
        })?;
    Ok(Json(o.wire()).into_response())
}

fn queue_wire(q: &super::state::Queue) -> Value {
    json!({"code": q.code, "name": q.name, "status": q.status})
}

async fn list_queues(State(core): State<Arc<SimCore>>, Extension(c): Extension<Caller>) -> Handled {
    app_only(c)?;
    let data: Vec<Value> = core.world().queues.values().map(queue_wire).collect();
    Ok(Json(json!({"data": data})).into_response())
}

async fn create_queue(
    State(core): State<Arc<SimCore>>,
    Extension(c): Extension<Caller>,
    Json(body): Json<Value>,
) -> Handled {
    app_only(c)?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if name.is_empty() {
        return Err(errors(StatusCode::BAD_REQUEST, "name is required"));
    }
    let code = fresh_token("q");
    let queue = super::state::Queue {
        code: code.clone(),
        name,
        status: "active".into(),
        events: Vec::new(),
    };
    let wire = queue_wire(&queue);
    core.world().queues.insert(code, queue);
    Ok(Json(wire).into_response())
}

/// A seller's token subscribes the seller's events of one type to the app's queue (immediately; Tiki says
/// "about 5 s").
async fn subscribe(
    State(core): State<Arc<SimCore>>,
    Extension(c): Extension<Caller>,
    Path(code): Path<String>,
    Json(body): Json<Value>,
) -> Handled {
    let id = seller_of(c)?;
    let kind = body
        .get("event_type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if kind.is_empty() {
        return Err(errors(StatusCode::BAD_REQUEST, "event_type is required"));
    }
    let mut world = core.world();
    if !world.queues.contains_key(&code) {
        return Err(errors(
            StatusCode::NOT_FOUND,
            format!("Queue not found code: {code}"),
        ));
    }
    if let Some(s) = world.seller(id) {
        s.subscriptions.insert(kind.clone(), code.clone());
    }
    Ok(Json(json!({"queue_code": code, "event_type": kind})).into_response())
}

/// Most events one pull hands out.
const PULL_BATCH: usize = 20;

/// `ack_id` acknowledges every event up to it; the answer holds the next events and the `ack_id` to send
/// with the next pull. Without an `ack_id` the unacknowledged events come again (at-least-once, §A9).
async fn pull(
    State(core): State<Arc<SimCore>>,
    Extension(c): Extension<Caller>,
    Path(code): Path<String>,
    Json(body): Json<Value>,
) -> Handled {
    app_only(c)?;
    let mut world = core.world();
    let queue = world.queues.get_mut(&code).ok_or_else(|| {
        errors(
            StatusCode::NOT_FOUND,
            format!("Queue not found code: {code}"),
        )
    })?;
    if let Some(ack) = body.get("ack_id").and_then(Value::as_str) {
        let seq: u64 = ack
            .parse()
            .map_err(|_| errors(StatusCode::BAD_REQUEST, format!("Invalid ack_id: {ack}")))?;
        queue.events.retain(|e| e.seq > seq);
    }
    let events: Vec<&super::state::Event> = queue.events.iter().take(PULL_BATCH).collect();
    let ack_id = events.last().map(|e| e.seq.to_string());
    let events: Vec<Value> = events
        .iter()
        .map(|e| json!({"id": e.id, "type": e.kind, "sid": e.sid, "created_at": e.created_at, "payload": e.payload}))
        .collect();
    Ok(Json(json!({"ack_id": ack_id, "events": events})).into_response())
}
