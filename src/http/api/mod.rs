//! The admin API under `/api/v1` (docs/src/reference/contract.md): JSON in and out, bearer
//! tokens with roles, pagination, body limits, and an OpenAPI document
//! generated from the handlers' own annotations, so the document and the
//! router cannot drift apart.
//!
//! Handlers translate HTTP to domain calls and back; business rules stay in
//! `catalog`, `inventory`, `orders` and the store. Tenancy is decided here,
//! at the edge, with one rule: a cooperative token's queries are narrowed to
//! its producer, and another producer's object answers 404, exactly as a
//! missing one does.

pub mod attention;
pub mod catalog;
pub mod channels;
pub mod connect;
pub mod ocop;
pub mod orders;
pub mod people;
pub mod reconcile;
pub mod stock;
pub mod tokens;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody, too_large};

/// JSON bodies are small: a product with its variants fits many times over.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;
/// Catalog uploads (CSV or XLSX) may be large.
pub const IMPORT_BODY_LIMIT: usize = 20 * 1024 * 1024;
/// A request (body included) that takes longer is cut off with 408, so a
/// slow client cannot hold a connection and a database slot forever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Imports of large workbooks get longer.
pub const IMPORT_TIMEOUT: Duration = Duration::from_secs(120);

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 500;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kho admin API",
        description = "Producers, catalog, stock, marketplace accounts, listings, sync queue, \
                       orders and reports. Every request needs `Authorization: Bearer <token>` \
                       (`kho token create`). Roles: admin (everything), cooperative (its \
                       producer's data only; other producers' objects answer 404), department \
                       (reads everything; writes answer 403). Errors are \
                       `{\"error\": code, \"message\": text}`."
    ),
    modifiers(&BearerAuth),
    security(("token" = [])),
    components(schemas(ErrorBody)),
    tags(
        (name = "attention", description = "What needs a person, with what to do"),
        (name = "catalog", description = "Producers, products, variants, import, certificates"),
        (name = "stock", description = "Stock levels and the ledger"),
        (name = "channels", description = "Marketplace accounts, listings, sync queue"),
        (name = "orders", description = "Orders and sales reports"),
        (name = "tokens", description = "API tokens; revoking is for admins"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Every documented route, before it is split into router and document.
fn api() -> OpenApiRouter<AppState> {
    let json = OpenApiRouter::<AppState>::new()
        .merge(attention::router())
        .merge(catalog::router())
        .merge(stock::router())
        .merge(channels::router())
        .merge(connect::router())
        .merge(orders::router())
        .merge(ocop::router())
        .merge(reconcile::router())
        .merge(tokens::router())
        .merge(people::router())
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(middleware::from_fn(|req, next| {
            deadline(REQUEST_TIMEOUT, req, next)
        }));
    let import = catalog::import_router()
        .merge(ocop::import_router())
        .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT))
        .layer(middleware::from_fn(|req, next| {
            deadline(IMPORT_TIMEOUT, req, next)
        }));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(json)
        .merge(import)
}

/// The OpenAPI document of everything [`router`] serves (paths relative to
/// `/api/v1`, which the document's `servers` names).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api().split_for_parts();
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    doc
}

/// The admin API, to be nested under `/api/v1`.
pub fn router() -> Router<AppState> {
    let (router, mut doc) = api().split_for_parts();
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    let doc = Arc::new(doc.to_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot render the OpenAPI document");
        String::from("{}")
    }));
    router
        .route(
            "/openapi.json",
            get(move || {
                let doc = Arc::clone(&doc);
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        doc.as_str().to_owned(),
                    )
                }
            }),
        )
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
}

/// A bug in a handler answers 500 in the API's shape (the panic message
/// goes to the log only) instead of dropping the connection.
fn panicked(err: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    ApiError::internal(format_args!("handler panicked: {detail}")).into_response()
}

/// Cuts off a request (reading its body included) that takes longer than
/// `limit`, answering 408 in the API's error shape.
async fn deadline(limit: Duration, req: Request, next: Next) -> axum::response::Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!("the request took longer than {} s", limit.as_secs()),
        )
        .into_response(),
    }
}

async fn unknown_route() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such API endpoint (see /api/v1/openapi.json)",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take this method (see /api/v1/openapi.json)",
    )
}

/// `?limit=&cursor=`: `cursor` is the `next` of the previous page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–500 (default 50).
    pub limit: Option<i64>,
    /// Where to continue: the `next` value of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// (limit, offset), or 400 naming what is wrong.
    pub fn resolve(&self) -> ApiResult<(i64, i64)> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and {MAX_PAGE}, not {limit}"
            )));
        }
        let offset = match self.cursor.as_deref() {
            None | Some("") => 0,
            Some(c) => c.parse::<i64>().ok().filter(|o| *o >= 0).ok_or_else(|| {
                ApiError::bad_request(format!("cursor {c:?} is not one this API gave out"))
            })?,
        };
        Ok((limit, offset))
    }
}

/// One page of a list; `next` is absent on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// From a query that fetched `limit + 1` rows at `offset`.
    pub fn from_fetch(mut items: Vec<T>, limit: i64, offset: i64) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = items.len() > limit;
        items.truncate(limit);
        Page {
            next: more.then(|| (offset + limit as i64).to_string()),
            items,
        }
    }

    /// From a complete list held in memory (small collections).
    pub fn from_all(all: Vec<T>, limit: i64, offset: i64) -> Page<T> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let items: Vec<T> = all
            .into_iter()
            .skip(start)
            .take(usize::try_from(limit).unwrap_or(0) + 1)
            .collect();
        Page::from_fetch(items, limit, offset)
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// `axum::Json` with the API's error shape for bad bodies.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(r) => Err(r.into()),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` with the API's error shape.
#[derive(Debug, Clone, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(r) => Err(r.into()),
        }
    }
}

/// `axum::extract::Path` with the API's error shape.
#[derive(Debug, Clone)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(r) => Err(r.into()),
        }
    }
}

/// A raw body (uploads), with 413 in the API's error shape.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Bytes::from_request(req, state).await {
            Ok(b) => Ok(Body(b)),
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
            Err(r) => Err(ApiError::bad_request(r.body_text())),
        }
    }
}

/// An uploaded file: the raw request body (its name, if any, in
/// `X-File-Name`), or the field `file` of a `multipart/form-data` form, which
/// is what `curl -F file=@catalog.xlsx` and browser forms send. Other form
/// fields are ignored. Both count against the endpoint's body limit.
pub struct Upload {
    pub bytes: Bytes,
    pub file_name: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
        {
            let file_name = req
                .headers()
                .get("x-file-name")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let Body(bytes) = Body::from_request(req, state).await?;
            return Ok(Upload { bytes, file_name });
        }
        let mut form = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|r| ApiError::bad_request(r.body_text()))?;
        while let Some(field) = form.next_field().await.map_err(form_error)? {
            if field.name() != Some("file") {
                continue;
            }
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(form_error)?;
            return Ok(Upload { bytes, file_name });
        }
        Err(ApiError::bad_request(
            "the form has no field named \"file\": send the catalog as file=@catalog.csv (or .xlsx)",
        ))
    }
}

fn form_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::bad_request(format!("malformed multipart form: {}", e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slow_requests_are_cut_off_with_408_in_the_api_shape() {
        use tower::ServiceExt;
        let app: Router = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    "late"
                }),
            )
            .route("/fast", get(|| async { "ok" }))
            .layer(middleware::from_fn(|req, next| {
                deadline(Duration::from_millis(50), req, next)
            }));
        let get = |uri: &str| {
            Request::builder()
                .uri(uri)
                .body(axum::body::Body::empty())
                .expect("request")
        };
        let resp = app.clone().oneshot(get("/slow")).await.expect("response");
        assert_eq!(resp.status(), StatusCode::REQUEST_TIMEOUT);
        let body = axum::body::to_bytes(resp.into_body(), 1024)
            .await
            .expect("body");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["error"], "timeout");
        let resp = app.oneshot(get("/fast")).await.expect("response");
        assert_eq!(resp.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn uploads_come_raw_or_as_a_form_field_within_the_limit() {
        use axum::routing::post;
        use tower::ServiceExt;
        let app: Router = Router::new()
            .route(
                "/upload",
                post(|u: Upload| async move {
                    format!(
                        "{} {}",
                        u.file_name.unwrap_or_else(|| "-".into()),
                        String::from_utf8_lossy(&u.bytes)
                    )
                }),
            )
            .layer(DefaultBodyLimit::max(512));
        let send = |content_type: &str, body: Vec<u8>| {
            let req = Request::builder()
                .method("POST")
                .uri("/upload")
                .header("content-type", content_type)
                .header("x-file-name", "raw.csv")
                .body(axum::body::Body::from(body))
                .expect("request");
            let app = app.clone();
            async move {
                let resp = app.oneshot(req).await.expect("response");
                let status = resp.status();
                let body = axum::body::to_bytes(resp.into_body(), 4096)
                    .await
                    .expect("body");
                (status, String::from_utf8_lossy(&body).into_owned())
            }
        };
        let form = |fields: &[(&str, Option<&str>, &str)]| {
            let mut out = String::new();
            for (name, file, value) in fields {
                out.push_str("--B\r\nContent-Disposition: form-data; name=\"");
                out.push_str(name);
                out.push('"');
                if let Some(f) = file {
                    out.push_str("; filename=\"");
                    out.push_str(f);
                    out.push('"');
                }
                out.push_str("\r\n\r\n");
                out.push_str(value);
                out.push_str("\r\n");
            }
            out.push_str("--B--\r\n");
            out.into_bytes()
        };
        let multipart = "multipart/form-data; boundary=B";

        assert_eq!(
            send("text/csv", b"a,b".to_vec()).await,
            (StatusCode::OK, "raw.csv a,b".into())
        );
        assert_eq!(
            send(
                multipart,
                form(&[("note", None, "x"), ("file", Some("gia.csv"), "c,d")])
            )
            .await,
            (StatusCode::OK, "gia.csv c,d".into())
        );
        let (status, body) = send(multipart, form(&[("note", None, "x")])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("no field named"), "{body}");
        let (status, body) = send(multipart, b"--B\r\nnonsense".to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("bad_request"), "{body}");
        let big = "x".repeat(1000);
        let (status, body) = send("text/csv", big.clone().into_bytes()).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(body.contains("payload_too_large"), "{body}");
        let (status, body) = send(multipart, form(&[("file", Some("big.csv"), &big)])).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(body.contains("payload_too_large"), "{body}");
    }

    #[test]
    fn pages_carry_a_cursor_until_the_end() {
        let p = Page::from_all((0..5).collect::<Vec<_>>(), 2, 0);
        assert_eq!((p.items, p.next.as_deref()), (vec![0, 1], Some("2")));
        let p = Page::from_all((0..5).collect::<Vec<_>>(), 2, 4);
        assert_eq!((p.items, p.next), (vec![4], None));
        let p = Page::from_all((0..4).collect::<Vec<_>>(), 2, 2);
        assert_eq!((p.items, p.next), (vec![2, 3], None));
    }

    #[test]
    fn page_parameters_are_checked() {
        let ok = PageParams {
            limit: Some(10),
            cursor: Some("20".into()),
        };
        assert_eq!(ok.resolve().ok(), Some((10, 20)));
        assert_eq!(
            PageParams::default().resolve().ok(),
            Some((DEFAULT_PAGE, 0))
        );
        for bad in [
            PageParams {
                limit: Some(0),
                cursor: None,
            },
            PageParams {
                limit: Some(MAX_PAGE + 1),
                cursor: None,
            },
            PageParams {
                limit: None,
                cursor: Some("-1".into()),
            },
            PageParams {
                limit: None,
                cursor: Some("x".into()),
            },
        ] {
            assert!(bad.resolve().is_err(), "{bad:?}");
        }
    }
}
