//! The control API under `/_sim/...`: JSON routes that mirror [`super::SimControl`]'s in-process methods, so a
//! test written in another language, or `kho demo`, can drive the simulator over HTTP. Not signed: it is a
//! test harness bound to loopback, clearly apart from the `/api/v2` surface.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::config::{FaultConfig, ShopConfig};
use super::push::PushOptions;
use super::state::{ListingEdit, NewOrder, OrderStatus, SeedItem};
use super::tokens::TokenAction;
use super::world::ControlError;
use super::{SimControl, SimCore};

type Core = State<Arc<SimCore>>;

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let status = match self {
            ControlError::UnknownShop(_)
            | ControlError::UnknownItem(_)
            | ControlError::UnknownModel(..)
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
        .route("/shops", post(add_shop))
        .route(
            "/shops/{shop_id}/tokens",
            get(get_tokens).post(token_action),
        )
        .route("/shops/{shop_id}/auth_code", post(auth_code))
        .route("/shops/{shop_id}/rate_limit", put(rate_limit))
        .route("/shops/{shop_id}/items", post(seed_item))
        .route(
            "/shops/{shop_id}/items/{item_id}",
            patch(edit_item).delete(delete_item),
        )
        .route("/orders", post(create_order))
        .route("/orders/{order_sn}/status", post(order_status))
        .route("/orders/{order_sn}/push", post(order_push))
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

async fn add_shop(State(c): Core, Json(shop): Json<ShopConfig>) -> Response {
    match ctl(&c).add_shop(shop) {
        Ok(t) => (StatusCode::CREATED, Json(t)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn get_tokens(State(c): Core, Path(shop_id): Path<i64>) -> Response {
    ctl(&c).tokens(shop_id).map(Json).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    action: TokenAction,
}

async fn token_action(
    State(c): Core,
    Path(shop_id): Path<i64>,
    Json(b): Json<ActionBody>,
) -> Response {
    ctl(&c)
        .token_action(shop_id, b.action)
        .map(Json)
        .into_response()
}

async fn auth_code(State(c): Core, Path(shop_id): Path<i64>) -> Response {
    ctl(&c)
        .issue_auth_code(shop_id)
        .map(|code| Json(json!({"code": code})))
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateBody {
    per_second: Option<u32>,
}

async fn rate_limit(State(c): Core, Path(shop_id): Path<i64>, Json(b): Json<RateBody>) -> Response {
    ctl(&c)
        .set_rate_limit(shop_id, b.per_second)
        .map(|_| StatusCode::NO_CONTENT)
        .into_response()
}

async fn seed_item(
    State(c): Core,
    Path(shop_id): Path<i64>,
    Json(seed): Json<SeedItem>,
) -> Response {
    match ctl(&c).seed_item(shop_id, seed) {
        Ok(item) => (StatusCode::CREATED, Json(item)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn edit_item(
    State(c): Core,
    Path((shop_id, item_id)): Path<(i64, i64)>,
    Json(edit): Json<ListingEdit>,
) -> Response {
    ctl(&c)
        .edit_listing(shop_id, item_id, edit)
        .map(Json)
        .into_response()
}

#[derive(Deserialize)]
struct DeleteQuery {
    #[serde(default)]
    purge: bool,
}

async fn delete_item(
    State(c): Core,
    Path((shop_id, item_id)): Path<(i64, i64)>,
    Query(q): Query<DeleteQuery>,
) -> Response {
    let c = ctl(&c);
    let r = if q.purge {
        c.purge_listing(shop_id, item_id)
    } else {
        c.delete_listing(shop_id, item_id)
    };
    r.map(|_| StatusCode::NO_CONTENT).into_response()
}

async fn create_order(State(c): Core, Json(order): Json<NewOrder>) -> Response {
    match ctl(&c).create_order(order) {
        Ok(o) => (StatusCode::CREATED, Json(o)).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: OrderStatus,
    #[serde(default)]
    push: Option<PushOptions>,
}

async fn order_status(
    State(c): Core,
    Path(sn): Path<String>,
    Json(b): Json<StatusBody>,
) -> Response {
    ctl(&c)
        .set_order_status_with_push(&sn, b.status, b.push)
        .map(Json)
        .into_response()
}

async fn order_push(
    State(c): Core,
    Path(sn): Path<String>,
    opts: Option<Json<PushOptions>>,
) -> Response {
    let opts = opts.map(|Json(o)| o).unwrap_or_default();
    ctl(&c)
        .send_order_push(&sn, opts)
        .map(|id| Json(json!({"id": id})))
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
