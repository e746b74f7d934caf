//! The seller consent step (§2): `GET /oauth/authorize?app_key=…&state=…` on the auth host (the older form of
//! the link; the current `services.tiktokshop.com/open/authorize?service_id=…` works the same way). The
//! redirect URL is not a parameter: it is the one registered for the App in Partner Center, here
//! [`super::SimConfig::redirect_url`]. The real page asks the seller to log in and agree; here the test seller
//! agrees at once and the browser is sent there with `code` (single use, 30 minutes) and the same `state`.
//!
//! Which shop's seller logs in is the simulator's choice: the `shop_id` query parameter (a simulator
//! extension) or, without it, the first configured shop.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

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
    if get("app_key") != Some(world.cfg.app_key.as_str()) {
        return refuse("app_key is not a known App");
    }
    let Some(redirect) = world.cfg.redirect_url.clone() else {
        return refuse("the App has no redirect URL registered in Partner Center");
    };
    let shop_id = match get("shop_id") {
        Some(s) => s.to_owned(),
        None => match world.shops.keys().next() {
            Some(id) => id.clone(),
            None => return refuse("no seller can log in"),
        },
    };
    let code = match world.issue_auth_code(&shop_id) {
        Ok(code) => code,
        Err(e) => return refuse(&e.to_string()),
    };
    match get("state") {
        Some(state) => redirect_with(&redirect, &[("code", &code), ("state", state)]),
        None => redirect_with(&redirect, &[("code", &code)]),
    }
}
