//! The seller authorisation page (§2.1): `GET /oauth/authorize?response_type=code&force_auth=true&
//! redirect_uri=…&client_id=<app_key>[&state=…]` on the auth host. The real page asks the seller to log in
//! to Seller Center; here the test seller agrees at once and the browser is sent to `redirect_uri` with
//! `code` (single use, 30 minutes) and the same `state`.
//!
//! Which seller logs in is the simulator's choice: the `seller_id` query parameter (a simulator extension)
//! or, without it, the first configured seller.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;

use super::SimCore;
use crate::common::authorize::{redirect_with, refuse};

pub const AUTHORIZE_PATH: &str = "/oauth/authorize";

pub(crate) async fn page(
    State(core): State<Arc<SimCore>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut world = core.world();
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if get("response_type") != Some("code") {
        return refuse("response_type must be code");
    }
    if get("client_id") != Some(world.cfg.app_key.as_str()) {
        return refuse("client_id is not a known app");
    }
    let Some(redirect) = get("redirect_uri") else {
        return refuse("redirect_uri is required");
    };
    if q.contains_key("uuid") {
        // §2.1: `uuid` must not be used.
        return refuse("uuid is not accepted");
    }
    let seller_id = match get("seller_id") {
        Some(s) => match s.parse::<i64>() {
            Ok(id) => id,
            Err(_) => return refuse("seller_id must be a number"),
        },
        None => match world.sellers.keys().next() {
            Some(id) => *id,
            None => return refuse("no seller can log in"),
        },
    };
    let code = match world.issue_auth_code(seller_id) {
        Ok(code) => code,
        Err(e) => return refuse(&e.to_string()),
    };
    match get("state") {
        Some(state) => redirect_with(redirect, &[("code", &code), ("state", state)]),
        None => redirect_with(redirect, &[("code", &code)]),
    }
}
