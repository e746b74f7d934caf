//! The `/wp-json/wc/v3` routes kho uses: products and variations (list, read, create, update, batch). Every routed
//! call passes [`gate`] — WooCommerce's authentication — and is logged with its status and error code.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::auth::{self, Outcome};
use super::error::WcError;
use super::list::{self, ListQuery};
use super::orders;
use super::{API_PREFIX, LoggedCall, SimCore};
use crate::common::server::ConnectionKiller;

/// At most this many items across `create`, `update` and `delete` of one batch (B6).
pub const BATCH_LIMIT: usize = 100;

/// The URL the client addressed (without query) and its decoded query, as the gate saw them.
#[derive(Debug, Clone)]
struct Addressed {
    url: String,
    query: Vec<(String, String)>,
}

/// The error code of a refused call, for the log.
#[derive(Debug, Clone)]
struct Code(String);

type Core = Arc<SimCore>;
type Answer = Result<Response, WcError>;

pub(super) fn routes(core: Core) -> Router {
    let api = Router::new()
        .route("/products", get(list_products).post(create_product))
        .route("/products/batch", axum::routing::post(batch_products))
        .route(
            "/products/{id}",
            get(get_product)
                .put(update_product)
                .patch(update_product)
                .post(update_product),
        )
        .route(
            "/products/{pid}/variations",
            get(list_variations).post(create_variation),
        )
        .route(
            "/products/{pid}/variations/batch",
            axum::routing::post(batch_variations),
        )
        .route(
            "/products/{pid}/variations/{id}",
            get(get_variation)
                .put(update_variation)
                .patch(update_variation)
                .post(update_variation),
        )
        .route("/orders", get(list_orders))
        .route("/orders/{id}", get(get_order))
        .route_layer(middleware::from_fn_with_state(core.clone(), gate))
        .fallback(|| async {
            WcError::new(
                404,
                "rest_no_route",
                "No route was found matching the URL and request method.",
            )
        });
    Router::new().nest(API_PREFIX, api).with_state(core)
}

async fn gate(State(core): State<Core>, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    // Nesting strips the API prefix from `req.uri()`; the signature covers the URL as the client sent it.
    let uri = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().clone(), |o| o.0.clone());
    let path = uri.path().to_owned();
    let fault = match super::control::admit(&core, &path) {
        Ok(fault) => fault,
        Err(e) => return logged(&core, &method, path, refuse(e)),
    };
    if fault.drop_before {
        return kill(req.extensions().get::<ConnectionKiller>().cloned()).await;
    }
    if let Some(status) = fault.server_error {
        let e = WcError::new(
            status,
            "internal_server_error",
            "The site is having trouble.",
        );
        return logged(&core, &method, path, refuse(e));
    }
    if let Some(delay) = fault.delay {
        tokio::time::sleep(delay).await;
    }
    let killer = req.extensions().get::<ConnectionKiller>().cloned();
    let query = php_query(uri.query().unwrap_or(""));
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let outcome = {
        let mut world = core.world();
        let https = world.cfg.https;
        let keys = auth::Keys {
            consumer_key: world.cfg.consumer_key.clone(),
            consumer_secret: world.cfg.consumer_secret.clone(),
        };
        let call = auth::Call {
            method: &method,
            url: format!("{}://{host}{path}", if https { "https" } else { "http" }),
            query: query.clone(),
            headers: req.headers(),
            https,
            strips_authorization: world.cfg.strips_authorization,
            now: chrono::Utc::now().timestamp(),
        };
        auth::authenticate(&call, &keys, &mut world.nonces)
    };
    let response = match outcome {
        Ok(Outcome::User) => {
            let url = format!("http://{host}{path}");
            req.extensions_mut().insert(Addressed { url, query });
            next.run(req).await
        }
        Ok(Outcome::Anonymous) => auth::forbidden(&method, &path).into_response(),
        Err(e) => e.into_response(),
    };
    let response = logged(&core, &method, path, response);
    if fault.drop_after {
        return kill(killer).await;
    }
    response
}

/// Records an answered call in the request log.
fn logged(
    core: &SimCore,
    method: &axum::http::Method,
    path: String,
    response: Response,
) -> Response {
    core.world().log.push(LoggedCall {
        method: method.to_string(),
        path,
        status: response.status().as_u16(),
        code: response.extensions().get::<Code>().map(|c| c.0.clone()),
    });
    response
}

/// Closes the connection without an answer (an injected fault).
async fn kill(killer: Option<ConnectionKiller>) -> Response {
    match killer {
        Some(k) => {
            k.kill();
            std::future::pending::<Response>().await
        }
        None => axum::http::StatusCode::BAD_GATEWAY.into_response(),
    }
}

/// Tags an error answer with its code for the log.
fn refuse(e: WcError) -> Response {
    let code = Code(e.code.clone());
    let mut r = e.into_response();
    r.extensions_mut().insert(code);
    r
}

fn answer(a: Answer) -> Response {
    a.unwrap_or_else(refuse)
}

fn body_json(body: &Bytes) -> Result<Value, WcError> {
    serde_json::from_slice(body)
        .map_err(|_| WcError::new(400, "rest_invalid_json", "Invalid JSON body passed."))
}

async fn list_products(State(core): State<Core>, Extension(a): Extension<Addressed>) -> Response {
    answer((|| {
        let q = ListQuery::parse(&a.query)?;
        let world = core.world();
        let cat = &world.catalog;
        let all = cat
            .items
            .values()
            .filter(|i| match &q.skus {
                Some(skus) => skus.contains(&i.sku),
                None => i.kind != "variation",
            })
            .filter(|i| q.modified_after.is_none_or(|t| i.date_modified_gmt > t))
            .filter(|i| q.modified_before.is_none_or(|t| i.date_modified_gmt < t))
            .filter(|i| q.status.as_ref().is_none_or(|s| &i.status == s))
            .map(|i| cat.json_as_product(i))
            .collect();
        Ok(list::page(all, &q, &a.url, &a.query))
    })())
}

async fn list_variations(
    State(core): State<Core>,
    Path(pid): Path<i64>,
    Extension(a): Extension<Addressed>,
) -> Response {
    answer((|| {
        let q = ListQuery::parse(&a.query)?;
        let world = core.world();
        let cat = &world.catalog;
        cat.get(None, pid)?;
        let all = cat
            .items
            .values()
            .filter(|i| i.kind == "variation" && i.parent_id == pid)
            .filter(|i| q.skus.as_ref().is_none_or(|s| s.contains(&i.sku)))
            .filter(|i| q.modified_after.is_none_or(|t| i.date_modified_gmt > t))
            .map(|i| cat.json(i))
            .collect();
        Ok(list::page(all, &q, &a.url, &a.query))
    })())
}

fn read(core: &Core, parent: Option<i64>, id: i64) -> Answer {
    let world = core.world();
    let item = world.catalog.get(parent, id)?;
    Ok(Json(world.catalog.json(item)).into_response())
}

async fn get_product(State(core): State<Core>, Path(id): Path<i64>) -> Response {
    answer(read(&core, None, id))
}

async fn get_variation(State(core): State<Core>, Path((pid, id)): Path<(i64, i64)>) -> Response {
    answer(read(&core, Some(pid), id))
}

fn update(core: &Core, parent: Option<i64>, id: i64, body: &Bytes) -> Answer {
    let body = body_json(body)?;
    core.world().catalog.update(parent, id, &body)?;
    read(core, parent, id)
}

async fn update_product(State(core): State<Core>, Path(id): Path<i64>, body: Bytes) -> Response {
    answer(update(&core, None, id, &body))
}

async fn update_variation(
    State(core): State<Core>,
    Path((pid, id)): Path<(i64, i64)>,
    body: Bytes,
) -> Response {
    answer(update(&core, Some(pid), id, &body))
}

fn create(core: &Core, parent: Option<i64>, body: &Value) -> Result<i64, WcError> {
    let mut world = core.world();
    match parent {
        None => {
            let kind = body.get("type").and_then(Value::as_str).unwrap_or("simple");
            if !["simple", "variable"].contains(&kind) {
                return Err(WcError::invalid_param(
                    "type",
                    "type is not one of simple, grouped, external, and variable.",
                ));
            }
            world.catalog.create(0, kind, "", body)
        }
        Some(pid) => {
            let name = world.catalog.get(None, pid)?.name.clone();
            world.catalog.create(pid, "variation", &name, body)
        }
    }
}

async fn create_product(State(core): State<Core>, body: Bytes) -> Response {
    answer(
        body_json(&body)
            .and_then(|b| create(&core, None, &b))
            .and_then(|id| {
                let mut r = read(&core, None, id)?;
                *r.status_mut() = axum::http::StatusCode::CREATED;
                Ok(r)
            }),
    )
}

async fn create_variation(State(core): State<Core>, Path(pid): Path<i64>, body: Bytes) -> Response {
    answer(
        body_json(&body)
            .and_then(|b| create(&core, Some(pid), &b))
            .and_then(|id| {
                let mut r = read(&core, Some(pid), id)?;
                *r.status_mut() = axum::http::StatusCode::CREATED;
                Ok(r)
            }),
    )
}

/// A batch: over the limit the whole call is refused with 413; otherwise each item succeeds or carries its own
/// `{id, error}` inside the HTTP 200 (B6).
fn batch(core: &Core, parent: Option<i64>, body: &Bytes) -> Answer {
    let body = body_json(body)?;
    if let Some(pid) = parent {
        core.world().catalog.get(None, pid)?;
    }
    let section = |name: &str| {
        body.get(name)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (creates, updates, deletes) = (section("create"), section("update"), section("delete"));
    if creates.len() + updates.len() + deletes.len() > BATCH_LIMIT {
        return Err(WcError::new(
            413,
            "woocommerce_rest_request_entity_too_large",
            format!("Unable to accept more than {BATCH_LIMIT} items for this request."),
        ));
    }
    let item_json = |id: i64| {
        let world = core.world();
        world.catalog.get(parent, id).map(|i| world.catalog.json(i))
    };
    let failed = |id: i64, e: WcError| json!({ "id": id, "error": e.body() });
    let mut out = json!({});
    if !creates.is_empty() {
        let done: Vec<Value> = creates
            .iter()
            .map(|b| match create(core, parent, b).and_then(item_json) {
                Ok(v) => v,
                Err(e) => failed(0, e),
            })
            .collect();
        out["create"] = Value::Array(done);
    }
    if !updates.is_empty() {
        let done: Vec<Value> = updates
            .iter()
            .map(|b| {
                let id = b.get("id").and_then(Value::as_i64).unwrap_or(0);
                let result = core.world().catalog.update(parent, id, b);
                match result.and_then(|()| item_json(id)) {
                    Ok(v) => v,
                    Err(e) => failed(id, e),
                }
            })
            .collect();
        out["update"] = Value::Array(done);
    }
    if !deletes.is_empty() {
        let done: Vec<Value> = deletes
            .iter()
            .map(|d| {
                let id = d.as_i64().unwrap_or(0);
                let mut world = core.world();
                match world.catalog.delete(parent, id) {
                    Ok(item) => world.catalog.json(&item),
                    Err(e) => failed(id, e),
                }
            })
            .collect();
        out["delete"] = Value::Array(done);
    }
    Ok(Json(out).into_response())
}

async fn batch_products(State(core): State<Core>, body: Bytes) -> Response {
    answer(batch(&core, None, &body))
}

async fn batch_variations(State(core): State<Core>, Path(pid): Path<i64>, body: Bytes) -> Response {
    answer(batch(&core, Some(pid), &body))
}

async fn list_orders(State(core): State<Core>, Extension(a): Extension<Addressed>) -> Response {
    answer((|| {
        let q = ListQuery::parse(&a.query)?;
        if let Some(s) = &q.status
            && !orders::STATUSES.contains(&s.as_str())
        {
            return Err(WcError::invalid_param(
                "status",
                "status is not one of any, pending, processing, on-hold, completed, cancelled, refunded, failed, and trash.",
            ));
        }
        let world = core.world();
        let all = world
            .orders
            .by_id
            .values()
            .rev()
            .filter(|o| {
                q.status
                    .as_ref()
                    .map_or(o.status != "trash", |s| &o.status == s)
            })
            .filter(|o| q.modified_after.is_none_or(|t| o.date_modified_gmt > t))
            .filter(|o| q.modified_before.is_none_or(|t| o.date_modified_gmt < t))
            .filter(|o| q.after.is_none_or(|t| o.date_created_gmt > t))
            .filter(|o| q.before.is_none_or(|t| o.date_created_gmt < t))
            .map(orders::json)
            .collect();
        Ok(list::page(all, &q, &a.url, &a.query))
    })())
}

async fn get_order(State(core): State<Core>, Path(id): Path<i64>) -> Response {
    let world = core.world();
    match world.orders.by_id.get(&id) {
        Some(o) => Json(orders::json(o)).into_response(),
        None => refuse(WcError::new(
            404,
            "woocommerce_rest_shop_order_invalid_id",
            "Invalid ID.",
        )),
    }
}

/// The query as PHP's `$_GET` holds it, which is what WordPress reads and what WooCommerce signs: a name given
/// twice keeps its first place and its last value (`?per_page=5&per_page=50` is `per_page=50`). WooCommerce's own
/// Python client sends its query twice over http (once signed into the URL, once more as request parameters), and
/// sites accept it. Names ending in `[]` build PHP arrays and are kept as sent.
fn php_query(raw: &str) -> Vec<(String, String)> {
    let mut query: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()).into_owned() {
        match query.iter_mut().find(|(seen, _)| *seen == k) {
            Some(slot) if !k.ends_with("[]") => slot.1 = v,
            _ => query.push((k, v)),
        }
    }
    query
}

#[cfg(test)]
mod tests {
    use super::php_query;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_repeated_name_keeps_its_first_place_and_last_value_as_in_php() {
        assert_eq!(
            php_query("per_page=5&oauth_nonce=n&per_page=50"),
            pairs(&[("per_page", "50"), ("oauth_nonce", "n")])
        );
        assert_eq!(
            php_query("include[]=1&include[]=2"),
            pairs(&[("include[]", "1"), ("include[]", "2")])
        );
        assert_eq!(php_query(""), pairs(&[]));
    }
}
