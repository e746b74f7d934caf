//! The front door for both hosts (auth `/api/v2/token/*` and the Open API): route lookup, fault injection, the
//! rate limit and the checks of [`super::gate`], dispatch to the endpoint, the `{code, message, request_id, data}`
//! envelope, webhooks caused by the call, and the request log. Every call is logged exactly once.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::config::ErrorStatusMode;
use super::error::{ApiError, FILE_TOO_LARGE, INTERNAL_ERROR, REQUEST_TIMEOUT, Rejection};
use super::gate::{Endpoint, Scope, Signed, admit, find_route, shop_of_call, validate};
use super::params::Query;
use super::state::{civil, now_unix};
use super::webhook::{WebhookMsg, WebhookOptions};
use super::{SimCore, auth, events, media, orders, products};
use crate::common::server::ConnectionKiller;

/// What an endpoint answers on success: `data`, and the webhooks its change causes.
#[derive(Debug)]
pub struct Outcome {
    pub data: Value,
    pub webhooks: Vec<WebhookMsg>,
}

impl Outcome {
    pub fn new(data: Value) -> Self {
        Self {
            data,
            webhooks: Vec::new(),
        }
    }

    pub fn with_webhooks(mut self, webhooks: Vec<WebhookMsg>) -> Self {
        self.webhooks = webhooks;
        self
    }
}

/// Largest body read: an image may be up to 5 MB (§6.5), plus multipart framing; more is 36009021.
pub(crate) const MAX_BODY: usize = 6 * 1024 * 1024;

/// A request id in TikTok's look: UTC `YYYYMMDDHHMMSS` + 20 upper-case hex characters.
fn request_id() -> String {
    let (y, mo, d, h, mi, s) = civil(now_unix());
    let bytes: [u8; 10] = rand::rng().random();
    format!(
        "{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}{}",
        hex::encode_upper(bytes)
    )
}

fn header_str(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Handles every request outside `/_sim`.
pub async fn handle(
    State(core): State<Arc<SimCore>>,
    killer: Option<Extension<ConnectionKiller>>,
    req: Request,
) -> Response {
    let arrived = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = Query::parse(req.uri().query());
    let content_type = header_str(&req, header::CONTENT_TYPE.as_str()).unwrap_or_default();
    let token = header_str(&req, "x-tts-access-token");
    let route = find_route(&method, &path);
    let endpoint_key = match &route {
        Ok((r, _)) => format!("{} {}", r.method, r.pattern),
        Err(_) => format!("{method} {path}"),
    };
    let scope = route.as_ref().ok().map(|(r, _)| r.scope);
    let call = Call {
        core: &core,
        method: &method,
        endpoint: &endpoint_key,
    };

    let (parts, body) = req.into_parts();
    let (shop_key, fault) = {
        let mut w = core.world();
        let key = shop_of_call(&w, scope, &query, token.as_deref());
        w.log.arrived(key.as_ref(), arrived);
        (key, w.faults.decide_request(endpoint_key.as_str()))
    };
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let err = ApiError::new(
                FILE_TOO_LARGE,
                "File too large. The request body exceeds the size limit.",
                400,
                Rejection::BadParam,
            );
            return call.finish(shop_key.as_deref(), Err(err));
        }
    };

    if fault.drop_before {
        call.log(shop_key.as_deref(), Some(Rejection::InjectedDrop), 0);
        return kill(killer).await;
    }
    if let Some(status) = fault.server_error {
        return call.server_error(shop_key.as_deref(), status);
    }
    if let Some(delay) = fault.delay {
        tokio::time::sleep(delay).await;
    }

    let (route, params) = match route {
        Ok(r) => r,
        Err(e) => return call.finish(shop_key.as_deref(), Err(e)),
    };

    let checked = {
        let mut w = core.world();
        admit(&mut w, shop_key.as_deref(), Instant::now()).and_then(|()| {
            if route.scope == Scope::Auth {
                Ok(None)
            } else {
                let signed = Signed {
                    route,
                    path: &path,
                    query: &query,
                    token: token.as_deref(),
                    content_type: &content_type,
                    body: &body,
                };
                validate(&w, &signed).map(Some)
            }
        })
    };
    let ctx = match checked {
        Ok(ctx) => ctx,
        Err(e) => return call.finish(shop_key.as_deref(), Err(e)),
    };
    let shop = ctx.map(|c| c.shop_id).unwrap_or_default();

    // Multipart is parsed outside the lock; everything else is applied in one locked step.
    let upload = if route.endpoint == Endpoint::UploadImage {
        let rebuilt = Request::from_parts(parts, Body::from(body.clone()));
        Some(match Multipart::from_request(rebuilt, &()).await {
            Ok(mp) => media::read_upload(mp).await,
            Err(_) => Err(ApiError::invalid(
                "The request body is not valid multipart/form-data.",
            )),
        })
    } else {
        None
    };

    let id = params.first().map(String::as_str).unwrap_or("");
    let result = {
        let mut w = core.world();
        let w = &mut *w;
        match route.endpoint {
            Endpoint::TokenGet => auth::token_get(w, &query),
            Endpoint::TokenRefresh => auth::token_refresh(w, &query),
            Endpoint::Shops => auth::shops(w, &shop),
            Endpoint::Warehouses => auth::warehouses(w, &shop),
            Endpoint::CreateProduct => products::create(w, &shop, &body),
            Endpoint::DeleteProducts => products::delete(w, &shop, &body),
            Endpoint::SearchProducts => products::search(w, &shop, &query, &body),
            Endpoint::ActivateProducts => products::activate(w, &shop, &body),
            Endpoint::DeactivateProducts => products::deactivate(w, &shop, &body),
            Endpoint::RecoverProducts => products::recover(w, &shop, &body),
            Endpoint::GetProduct => products::get(w, &shop, id),
            Endpoint::UpdateInventory => products::update_inventory(w, &shop, id, &body),
            Endpoint::UpdatePrice => products::update_price(w, &shop, id, &body),
            Endpoint::InventorySearch => products::inventory_search(w, &shop, &body),
            Endpoint::UploadImage => match upload {
                Some(Ok(u)) => media::upload_image(w, u),
                Some(Err(e)) => Err(e),
                None => Err(ApiError::invalid("The `data` file is required.")),
            },
            Endpoint::SearchOrders => orders::search(w, &shop, &query, &body),
            Endpoint::OrderDetail => orders::detail(w, &shop, &query),
            Endpoint::SearchCancellations => orders::search_cancellations(w, &shop, &query, &body),
            Endpoint::SearchReturns => orders::search_returns(w, &shop, &query, &body),
            Endpoint::GetWebhooks => events::list(w, &shop),
            Endpoint::PutWebhook => events::update(w, &shop, &body),
            Endpoint::DeleteWebhook => events::delete(w, &shop, &body),
        }
    };
    let result = result.map(|mut outcome| {
        for msg in std::mem::take(&mut outcome.webhooks) {
            crate::common::push::emit(&core, msg, WebhookOptions::default());
        }
        outcome
    });
    let is_auth = route.scope == Scope::Auth;
    let response = call.finish_with(shop_key.as_deref(), result, is_auth);
    if fault.drop_after {
        return kill(killer).await;
    }
    response
}

/// One call being answered, for logging and rendering.
struct Call<'a> {
    core: &'a SimCore,
    method: &'a Method,
    endpoint: &'a str,
}

impl Call<'_> {
    fn log(&self, shop: Option<&str>, rej: Option<Rejection>, code: i64) {
        super::log::finished(
            &mut self.core.world().log,
            self.method.as_str(),
            self.endpoint,
            shop,
            rej,
            code,
            Instant::now(),
        );
    }

    fn finish(&self, shop: Option<&str>, result: Result<Outcome, ApiError>) -> Response {
        self.finish_with(shop, result, false)
    }

    /// Logs the outcome and renders the envelope. The auth host says `success`, the API `Success`.
    fn finish_with(
        &self,
        shop: Option<&str>,
        result: Result<Outcome, ApiError>,
        auth_host: bool,
    ) -> Response {
        let mode = self.core.world().cfg.error_http_status;
        let mut out = Map::new();
        let status = match result {
            Ok(outcome) => {
                self.log(shop, None, 0);
                out.insert("code".into(), json!(0));
                out.insert(
                    "message".into(),
                    json!(if auth_host { "success" } else { "Success" }),
                );
                out.insert("request_id".into(), json!(request_id()));
                out.insert("data".into(), outcome.data);
                StatusCode::OK
            }
            Err(e) => {
                self.log(shop, Some(e.reason), e.code);
                // Messages never contain secrets; the query string (with app_secret on the auth host) is not logged.
                tracing::debug!(endpoint = self.endpoint, code = e.code, message = %e.message, "tiktok simulator rejected a call");
                out.insert("code".into(), json!(e.code));
                out.insert("message".into(), json!(e.message));
                out.insert("request_id".into(), json!(request_id()));
                match mode {
                    ErrorStatusMode::AlwaysOk => StatusCode::OK,
                    ErrorStatusMode::Mapped => {
                        StatusCode::from_u16(e.status).unwrap_or(StatusCode::OK)
                    }
                }
            }
        };
        (status, axum::Json(Value::Object(out))).into_response()
    }

    /// An injected 5xx: 500 and 504 carry TikTok's envelope (36009003 / 36009007), others a gateway's plain text.
    fn server_error(&self, shop: Option<&str>, status: u16) -> Response {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let envelope = match status {
            StatusCode::INTERNAL_SERVER_ERROR => Some((
                INTERNAL_ERROR,
                "Internal error. Something went wrong on our side, please try again later.",
            )),
            StatusCode::GATEWAY_TIMEOUT => {
                Some((REQUEST_TIMEOUT, "Request timeout. Please try again later."))
            }
            _ => None,
        };
        self.log(
            shop,
            Some(Rejection::InjectedServerError),
            envelope.map_or(0, |(c, _)| c),
        );
        match envelope {
            Some((code, message)) => {
                let body = json!({"code": code, "message": message, "request_id": request_id()});
                (status, axum::Json(body)).into_response()
            }
            None => (
                status,
                status
                    .canonical_reason()
                    .unwrap_or("Service Unavailable")
                    .to_owned(),
            )
                .into_response(),
        }
    }
}

/// Closes the connection without an answer. Without a connection handle (e.g. a test calling the router
/// directly) the best we can do is an empty 502.
async fn kill(killer: Option<Extension<ConnectionKiller>>) -> Response {
    match killer {
        Some(Extension(k)) => {
            k.kill();
            std::future::pending::<Response>().await
        }
        None => StatusCode::BAD_GATEWAY.into_response(),
    }
}
