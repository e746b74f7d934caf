//! Tiki's OAuth 2.0 server (docs/src/channels/tiki-woocommerce.md §A2): the consent page `/sc/oauth2/auth` (authorization code with a
//! `state` of at least 8 characters) and the token endpoint `/sc/oauth2/token` (form-encoded; the client
//! authenticates with HTTP Basic or with `client_id`/`client_secret` in the body). A refresh returns a new
//! access token **and** a new refresh token and burns the old one. Errors follow RFC 6749 section 5.2
//! (`{"error":"invalid_grant","error_description":…}`) — Tiki documents no other shape.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use serde_json::json;

use super::{ACCESS_TTL_SECS, REFRESH_TTL_SECS, SimCore, fresh_token, now_ms};
use crate::common::authorize::{redirect_with, refuse};
use crate::common::tokens::{Issued, signs_equal};

pub(super) fn routes(core: Arc<SimCore>) -> Router {
    Router::new()
        .route("/sc/oauth2/auth", get(consent))
        .route("/sc/oauth2/token", post(token))
        .with_state(core)
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// The seller "agrees" at once: back to `redirect_uri` with a code and the same `state`. The simulator
/// lets a test name the seller with `seller_id`; otherwise the first one agrees.
async fn consent(
    State(core): State<Arc<SimCore>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    if get("response_type") != "code" {
        return refuse("response_type must be code");
    }
    if get("client_id") != core.config().client_id {
        return refuse("unknown client_id");
    }
    if get("state").chars().count() < 8 {
        return refuse("state must be at least 8 characters");
    }
    let mut world = core.world();
    let seller = match q.get("seller_id").and_then(|s| s.parse::<i64>().ok()) {
        Some(id) => world.sellers.iter().find(|s| s.seller_id == id),
        None => world.sellers.first(),
    };
    let Some(seller_id) = seller.map(|s| s.seller_id) else {
        return refuse("no seller to authorise");
    };
    let code = fresh_token("code_");
    world.codes.insert(code.clone(), seller_id);
    redirect_with(
        get("redirect_uri"),
        &[
            ("code", &code),
            ("state", get("state")),
            ("scope", get("scope")),
        ],
    )
}

/// The client's id and secret: HTTP Basic, else the body.
fn client(headers: &HeaderMap, form: &HashMap<String, String>) -> Option<(String, String)> {
    let basic = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
    basic.or_else(|| {
        Some((
            form.get("client_id")?.clone(),
            form.get("client_secret")?.clone(),
        ))
    })
}

async fn token(
    State(core): State<Arc<SimCore>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let started = std::time::Instant::now();
    let (response, seller) = exchange(&core, &headers, &form);
    let status = response.status().as_u16();
    let mut log = core.log.lock().unwrap_or_else(|e| e.into_inner());
    log.arrived(seller.as_ref(), started);
    let rejection = (status >= 400).then_some("token_refused");
    log.finished(
        "/sc/oauth2/token",
        seller.as_ref(),
        rejection,
        started,
        |at_ms| super::LogEntry {
            at_ms,
            method: "POST".into(),
            path: "/sc/oauth2/token".into(),
            seller_id: seller,
            status,
        },
    );
    response
}

fn exchange(
    core: &SimCore,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> (Response, Option<i64>) {
    let (id, secret) = {
        let config = core.config();
        (config.client_id.clone(), config.client_secret.clone())
    };
    match client(headers, form) {
        Some((i, s)) if i == id && signs_equal(&secret, &s) => {}
        _ => {
            let e = oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed",
            );
            return (e, None);
        }
    }
    let now = now_ms();
    let grant = form
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or_default();
    let mut world = core.world();
    if grant == "client_credentials" {
        let token = Issued::new(fresh_token("app_"), now, ACCESS_TTL_SECS * 1000);
        world.app_tokens.retain(|t| t.expires_at_ms > now);
        world.app_tokens.push(token.clone());
        let body = json!({"access_token": token.token, "expires_in": ACCESS_TTL_SECS,
            "token_type": "bearer", "scope": "offline product order inventory"});
        return (Json(body).into_response(), None);
    }
    let seller_id = match grant {
        "authorization_code" => {
            let code = form.get("code").cloned().unwrap_or_default();
            match world.codes.remove(&code) {
                Some(seller) => seller,
                None => {
                    let e = oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "The provided authorization grant is invalid, expired or revoked",
                    );
                    return (e, None);
                }
            }
        }
        "refresh_token" => {
            let given = form.get("refresh_token").cloned().unwrap_or_default();
            let owner = world.sellers.iter().find(|s| {
                !s.tokens.is_lapsed()
                    && s.tokens
                        .find_refresh(&given)
                        .is_some_and(|t| t.expires_at_ms > now)
            });
            match owner {
                Some(s) => s.seller_id,
                None => {
                    let e = oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "The refresh token is invalid, expired, revoked or was already used",
                    );
                    return (e, None);
                }
            }
        }
        _ => {
            let e = oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code, refresh_token or client_credentials",
            );
            return (e, None);
        }
    };
    let Some(seller) = world.seller(seller_id) else {
        let e = oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown seller");
        return (e, None);
    };
    let access = Issued::new(fresh_token("at_"), now, ACCESS_TTL_SECS * 1000);
    let refresh = Issued::new(fresh_token("rt_"), now, REFRESH_TTL_SECS * 1000);
    // Both rotate: earlier access tokens stop at once, the used refresh token is burnt.
    seller.tokens.retire_access(now, now);
    seller.tokens.add_access(access.clone());
    seller.tokens.replace_refresh(refresh.clone(), false);
    seller.tokens.restore();
    let body = json!({"access_token": access.token, "refresh_token": refresh.token,
        "expires_in": ACCESS_TTL_SECS, "token_type": "bearer",
        "scope": "offline product order inventory"});
    (Json(body).into_response(), Some(seller_id))
}
