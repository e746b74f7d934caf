//! The control API under `/_sim/...`: JSON routes that mirror [`super::SimControl`]'s in-process methods, so a
//! test written in another language, or `kho demo`, can drive the simulator over HTTP. Not signed: it is a
//! test harness bound to loopback, clearly apart from the `/rest` surface.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::config::{FaultConfig, RateLimits, SellerConfig};
use super::push::PushOptions;
use super::state::{NewOrder, ProductEdit, SeedProduct, SkuEdit};
use super::tokens::TokenAction;
use super::world::ControlError;
use super::{ItemStatusChange, SimControl, SimCore};

type Core = State<Arc<SimCore>>;

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let status = match self {
            ControlError::UnknownSeller(_)
            | ControlError::UnknownProduct(_)
            | ControlError::UnknownSku(_)
            | ControlError::UnknownOrder(_) => StatusCode::NOT_FOUND,
            ControlError::Conflict(_) | ControlError::InsufficientStock(_) => StatusCode::CONFLICT,
            ControlError::Invalid(_) => StatusCode::BAD_REQUEST,
        };
        (status, Json(json!({"error": self.to_string()}))).into_response()
    }
}

fn ctl(core: &Arc<SimCore>) -> SimControl {
    SimControl(core.clone())
}

pub(crate) fn routes() -> Router<Arc<SimCore>> {
    Router::new()
        .route(
            "/state",
            get(|State(c): Core| async move { Json(ctl(&c).state()) }),
        )
        .route(
            "/log",
            get(|State(c): Core| async move { Json(ctl(&c).request_log()) }).delete(
                |State(c): Core| async move {
                    ctl(&c).reset_request_log();
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route("/sellers", post(add_seller))
        .route(
            "/sellers/{seller_id}/tokens",
            get(get_tokens).post(token_action),
        )
        .route("/sellers/{seller_id}/auth_code", post(auth_code))
        .route("/sellers/{seller_id}/rate_limit", put(seller_rate_limit))
        .route("/sellers/{seller_id}/products", post(seed_product))
        .route(
            "/sellers/{seller_id}/products/{item_id}",
            patch(edit_product).delete(delete_product),
        )
        .route("/sellers/{seller_id}/skus/{seller_sku}", patch(edit_sku))
        .route(
            "/rate_limits",
            get(|State(c): Core| async move { Json(ctl(&c).rate_limits()) }).put(set_rate_limits),
        )
        .route("/orders", post(create_order))
        .route("/orders/{order_id}/status", post(order_status))
        .route("/orders/{order_id}/push", post(order_push))
        .route(
            "/pushes",
            get(|State(c): Core| async move { Json(ctl(&c).push_log()) }),
        )
        .route("/pushes/release", post(release))
        .route("/push/callback", put(callback))
        .route(
            "/faults",
            get(|State(c): Core| async move { Json(ctl(&c).faults()) }).put(set_faults),
        )
}

async fn add_seller(State(c): Core, Json(seller): Json<SellerConfig>) -> Response {
    match ctl(&c).add_seller(seller) {
        Ok(t) => (StatusCode::CREATED, Json(t)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn get_tokens(State(c): Core, Path(seller_id): Path<i64>) -> Response {
    ctl(&c).tokens(seller_id).map(Json).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    action: TokenAction,
}

async fn token_action(
    State(c): Core,
    Path(seller_id): Path<i64>,
    Json(b): Json<ActionBody>,
) -> Response {
    ctl(&c)
        .token_action(seller_id, b.action)
        .map(Json)
        .into_response()
}

async fn auth_code(State(c): Core, Path(seller_id): Path<i64>) -> Response {
    ctl(&c)
        .issue_auth_code(seller_id)
        .map(|code| Json(json!({"code": code})))
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateBody {
    per_second: Option<u32>,
}

async fn seller_rate_limit(
    State(c): Core,
    Path(seller_id): Path<i64>,
    Json(b): Json<RateBody>,
) -> Response {
    ctl(&c)
        .set_seller_rate_limit(seller_id, b.per_second)
        .map(|_| StatusCode::NO_CONTENT)
        .into_response()
}

async fn set_rate_limits(State(c): Core, Json(limits): Json<RateLimits>) -> Response {
    ctl(&c).set_rate_limits(limits);
    StatusCode::NO_CONTENT.into_response()
}

async fn seed_product(
    State(c): Core,
    Path(seller_id): Path<i64>,
    Json(seed): Json<SeedProduct>,
) -> Response {
    match ctl(&c).seed_product(seller_id, seed) {
        Ok(p) => (StatusCode::CREATED, Json(p)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn edit_product(
    State(c): Core,
    Path((seller_id, item_id)): Path<(i64, i64)>,
    Json(edit): Json<ProductEdit>,
) -> Response {
    ctl(&c)
        .edit_product(seller_id, item_id, edit)
        .map(Json)
        .into_response()
}

#[derive(Deserialize)]
struct DeleteQuery {
    #[serde(default)]
    purge: bool,
}

async fn delete_product(
    State(c): Core,
    Path((seller_id, item_id)): Path<(i64, i64)>,
    Query(q): Query<DeleteQuery>,
) -> Response {
    let c = ctl(&c);
    let r = if q.purge {
        c.purge_product(seller_id, item_id)
    } else {
        c.delete_product(seller_id, item_id)
    };
    r.map(|_| StatusCode::NO_CONTENT).into_response()
}

async fn edit_sku(
    State(c): Core,
    Path((seller_id, seller_sku)): Path<(i64, String)>,
    Json(edit): Json<SkuEdit>,
) -> Response {
    ctl(&c)
        .edit_sku(seller_id, &seller_sku, edit)
        .map(Json)
        .into_response()
}

async fn create_order(State(c): Core, Json(order): Json<NewOrder>) -> Response {
    match ctl(&c).create_order(order) {
        Ok(o) => (StatusCode::CREATED, Json(o)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn order_status(
    State(c): Core,
    Path(order_id): Path<i64>,
    Json(b): Json<ItemStatusChange>,
) -> Response {
    ctl(&c)
        .change_item_status(order_id, b)
        .map(Json)
        .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct PushBody {
    /// Items to push (all items of the order when absent).
    order_item_ids: Option<Vec<i64>>,
    drop: bool,
    duplicate: u32,
    delay_ms: u64,
    hold: bool,
}

async fn order_push(
    State(c): Core,
    Path(order_id): Path<i64>,
    body: Option<Json<PushBody>>,
) -> Response {
    let b = body.map(|Json(b)| b).unwrap_or_default();
    let opts = PushOptions {
        drop: b.drop,
        duplicate: b.duplicate,
        delay_ms: b.delay_ms,
        hold: b.hold,
    };
    ctl(&c)
        .send_order_push(order_id, b.order_item_ids.as_deref(), opts)
        .map(|ids| Json(json!({"ids": ids})))
        .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ReleaseBody {
    reverse: bool,
}

async fn release(State(c): Core, body: Option<Json<ReleaseBody>>) -> Response {
    let reverse = body.map(|Json(b)| b.reverse).unwrap_or(false);
    Json(json!({"released": ctl(&c).release_held_pushes(reverse)})).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallbackBody {
    callback_url: Option<String>,
}

async fn callback(State(c): Core, Json(b): Json<CallbackBody>) -> Response {
    ctl(&c).set_callback_url(b.callback_url);
    StatusCode::NO_CONTENT.into_response()
}

async fn set_faults(State(c): Core, Json(f): Json<FaultConfig>) -> Response {
    ctl(&c).set_faults(f);
    StatusCode::NO_CONTENT.into_response()
}
