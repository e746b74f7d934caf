//! The control API under `/_sim/...`: JSON routes that mirror [`super::SimControl`]'s in-process methods, so a
//! test written in another language, or `kho demo`, can drive the simulator over HTTP. Not signed: it is a
//! test harness bound to loopback, clearly apart from the `/rest` surface.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::config::{FaultConfig, RateLimits, SellerConfig};
use super::push::PushOptions;
use super::state::{NewOrder, Order, Product, ProductEdit, SeedProduct, SkuEdit};
use super::tokens::TokenAction;
use super::world::ControlError;
use super::{
    ItemStatusChange, PushRecord, RequestLogSnapshot, SimControl, SimCore, SimState, TokenPair,
};
use crate::common::control;

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
        control::error_response(status, &self)
    }
}

fn ctl(core: &Arc<SimCore>) -> SimControl {
    SimControl(core.clone())
}

pub(crate) fn routes() -> Router<Arc<SimCore>> {
    control::routes::<SimControl>()
        .route("/sellers/{seller_id}/skus/{seller_sku}", patch(edit_sku))
        .route(
            "/rate_limits",
            get(|State(c): Core| async move { Json(ctl(&c).rate_limits()) }).put(set_rate_limits),
        )
        .route("/orders/{order_id}/status", post(order_status))
        .route("/orders/{order_id}/push", post(order_push))
}

async fn set_rate_limits(State(c): Core, Json(limits): Json<RateLimits>) -> Response {
    ctl(&c).set_rate_limits(limits);
    StatusCode::NO_CONTENT.into_response()
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

control::control_api! {
    accounts: "sellers" / "seller_id",
    id: |id: i64| *id,
    config: SellerConfig => add_seller,
    rate_limit: set_seller_rate_limit,
    listings: "products" / "item_id",
    listing_id: |item: i64| *item,
    seed: SeedProduct => seed_product -> Product,
    edit: ProductEdit => edit_product,
    delete: delete_product / purge_product,
    pushes: "pushes", push_log -> PushRecord, release_held_pushes,
    callback: "push/callback",
}
