//! The seller consent step (§2), in both its forms: the current `GET /open/authorize?service_id=…&state=…`
//! (on `services.tiktokshop.com` / `services.us.tiktokshop.com`; here on the simulator's one host, as
//! [`super::SimConfig::service_id`] names the App) and the older `GET /oauth/authorize?app_key=…&state=…` on the
//! auth host. The redirect URL is not a parameter: it is the one registered for the App in Partner Center, here
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
pub const CONSENT_PATH: &str = "/open/authorize";

/// The older form: the App is named by its `app_key`.
pub(crate) async fn page(
    State(core): State<Arc<SimCore>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let known = core.world().cfg.app_key.clone();
    consent(&core, &q, "app_key", &known)
}

/// The current form: the App is named by its Partner Center `service_id`. docs/src/channels/tiktok.md §2 gives
/// no error for a missing or unknown service id, so the page refuses like the older one does: a plain 400
/// page (a seller's browser shows it; there is no redirect, as there is no App to send the seller back to).
pub(crate) async fn service_page(
    State(core): State<Arc<SimCore>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let known = core.world().cfg.service_id.clone();
    consent(&core, &q, "service_id", &known)
}

/// The seller agrees when `q[key]` names the App (`known`): a code for the shop, sent to the redirect URL.
fn consent(core: &SimCore, q: &HashMap<String, String>, key: &str, known: &str) -> Response {
    let mut world = core.world();
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if known.is_empty() || get(key) != Some(known) {
        return refuse(&format!("{key} is not a known App"));
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
