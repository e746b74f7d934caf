//! The shop authorisation link (§2.1): `GET /api/v2/shop/auth_partner?partner_id&timestamp&sign&redirect`,
//! signed like a Public API call and valid 5 minutes. The real page asks the seller to log in and agree; here
//! the test seller agrees at once and the browser is sent to `redirect` with `code` (single use, 10 minutes)
//! and `shop_id`, as Shopee does for a shop account.
//!
//! Which shop logs in is the simulator's choice: the `shop_id` query parameter (a simulator extension) or,
//! without it, the first configured shop.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;

use super::SimCore;
use super::sign::{public_base_string, sign, signs_equal};
use super::state::now_unix_ms;
use crate::common::authorize::{redirect_with, refuse};

pub const AUTH_PARTNER_PATH: &str = "/api/v2/shop/auth_partner";

/// How long a signed link stays valid (§2.1).
const LINK_VALID_SECS: i64 = 300;

pub(crate) async fn page(
    State(core): State<Arc<SimCore>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut world = core.world();
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let (Some(partner), Some(ts), Some(received), Some(redirect)) = (
        get("partner_id"),
        get("timestamp"),
        get("sign"),
        get("redirect"),
    ) else {
        return refuse("partner_id, timestamp, sign and redirect are required");
    };
    let (Ok(partner_id), Ok(timestamp)) = (partner.parse::<i64>(), ts.parse::<i64>()) else {
        return refuse("partner_id and timestamp must be numbers");
    };
    if partner_id != world.cfg.partner_id {
        return refuse("partner_id is invalid");
    }
    let now = now_unix_ms() / 1000;
    if timestamp > now + 30 || now - timestamp > LINK_VALID_SECS {
        return refuse("the link has expired (valid 5 minutes)");
    }
    let expected = sign(
        &world.cfg.partner_key,
        &public_base_string(partner_id, AUTH_PARTNER_PATH, timestamp),
    );
    if !signs_equal(&expected, received) {
        return refuse("wrong sign");
    }
    let shop_id = match get("shop_id") {
        Some(s) => match s.parse::<i64>() {
            Ok(id) => id,
            Err(_) => return refuse("shop_id must be a number"),
        },
        None => match world.shops.keys().next() {
            Some(id) => *id,
            None => return refuse("no shop can log in"),
        },
    };
    match world.issue_auth_code(shop_id) {
        Ok(code) => redirect_with(
            redirect,
            &[("code", &code), ("shop_id", &shop_id.to_string())],
        ),
        Err(e) => refuse(&e.to_string()),
    }
}
