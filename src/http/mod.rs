//! The daemon's HTTP surface: liveness, readiness and metrics (the admin
//! API, webhooks and dashboard join it later).

pub mod api;
pub mod error;
pub mod extract;
pub mod oauth;
pub mod serve;

use std::net::SocketAddr;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::store::Store;

pub mod dashboard;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// Webhook intake (absent when no account is configured).
    pub intake: Option<Arc<crate::orders::webhook::Intake>>,
    /// Days of reports and dates on the dashboard (`sync.timezone`).
    pub timezone: chrono_tz::Tz,
    /// Connecting shops (`/oauth/{channel}/callback`, `POST /api/v1/accounts/{name}/connect`);
    /// absent where no account is configured.
    pub connect: Option<Arc<oauth::Connector>>,
    /// `server.public_url`: where sign-in links point, and whether the
    /// session cookie is `Secure` (https).
    pub public_url: url::Url,
}

/// Marketplace pushes are small; anything larger is not one.
const WEBHOOK_BODY_LIMIT: usize = 256 * 1024;
/// Marketplaces send a push in one go; a sender slower than this is not
/// one of them and must not hold the connection.
const WEBHOOK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/api/v1", api::router())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route(
            "/webhooks/{channel}",
            post(webhook)
                .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT))
                .layer::<_, std::convert::Infallible>(
                    tower_http::timeout::TimeoutLayer::with_status_code(
                        StatusCode::REQUEST_TIMEOUT,
                        WEBHOOK_TIMEOUT,
                    ),
                ),
        )
        .route("/oauth/{channel}/callback", get(oauth::callback))
        .merge(dashboard::router())
        .with_state(state)
}

/// The process is alive (no database round trip: a slow database must not
/// get the process restarted).
async fn healthz() -> &'static str {
    "ok\n"
}

/// The database is reachable and migrated.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n".to_owned()),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable\n".to_owned(),
            )
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let body = state
        .metrics
        .as_ref()
        .map(|h| h.render())
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// A marketplace push: verified over the raw bytes before anything parses
/// them, stored, and answered with an empty body (what Shopee requires).
async fn webhook(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    if !matches!(
        channel.as_str(),
        "shopee" | "tiktok" | "lazada" | "woocommerce"
    ) {
        return (StatusCode::NOT_FOUND, "unknown channel\n");
    }
    match &state.intake {
        Some(intake) => intake.receive(&channel, &headers, &body).await,
        None => (StatusCode::NOT_FOUND, "no account for this channel\n"),
    }
}

/// Binds the listener (port 0 picks a free port).
pub async fn bind(addr: SocketAddr) -> std::io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
