//! The control API under `/_sim/...`: JSON routes that mirror [`super::SimControl`]'s in-process methods, so a
//! test written in another language, or `kho demo`, can drive the simulator over HTTP. Not signed: it is a
//! test harness bound to loopback, clearly apart from the `/api/v2` surface.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::config::{FaultConfig, ShopConfig};
use super::log::RequestLogSnapshot;
use super::push::{PushOptions, PushRecord};
use super::state::{Item, ListingEdit, NewOrder, Order, OrderStatus, SeedItem, SimState};
use super::tokens::{TokenAction, TokenPair};
use super::world::ControlError;
use super::{SimControl, SimCore};
use crate::common::control;

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
        control::error_response(status, &self)
    }
}

fn ctl(core: &Arc<SimCore>) -> SimControl {
    SimControl(core.clone())
}

pub(crate) fn routes() -> Router<Arc<SimCore>> {
    control::routes::<SimControl>()
        .route("/orders/{order_sn}/status", post(order_status))
        .route("/orders/{order_sn}/push", post(order_push))
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

control::control_api! {
    accounts: "shops" / "shop_id",
    id: |id: i64| *id,
    config: ShopConfig => add_shop,
    rate_limit: set_rate_limit,
    listings: "items" / "item_id",
    listing_id: |item: i64| *item,
    seed: SeedItem => seed_item -> Item,
    edit: ListingEdit => edit_listing,
    delete: delete_listing / purge_listing,
    pushes: "pushes", push_log -> PushRecord, release_held_pushes,
    callback: "push/callback",
}
