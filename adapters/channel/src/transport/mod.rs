//! The shared HTTP transport: one place for the things every adapter needs and must get right the same way.
//!
//! * one `reqwest` client (rustls, connect and request timeouts) for the whole process;
//! * a per-account rate limiter ([`limiter`]) that **every attempt** passes, retries and token calls included;
//! * short in-process retries ([`retry`]) that honour `Retry-After` and the marketplace's rate-limit codes and
//!   never repeat auth or permanent errors;
//! * a tracing span per call (channel, account, endpoint, marketplace request id) and `metrics` per account
//!   and endpoint.
//!
//! An adapter supplies only what differs per marketplace through [`Exchange`]: how to build (and sign) one
//! attempt, and how to classify a response into a value or an [`ErrorKind`].

pub mod limiter;
pub mod retry;
pub mod telemetry;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use backon::Retryable;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tracing::Instrument;

use crate::error::{ChannelError, ErrorKind};
pub use limiter::{AccountLimiter, DEFAULT_MARGIN, RateLimit, RateLimitError};
pub use retry::RetryPolicy;

/// Process-wide transport settings.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub request_timeout: Duration,
    pub user_agent: String,
    pub retry: RetryPolicy,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            user_agent: concat!("kho/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
        }
    }
}

/// The transport could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("building the HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    RateLimit(#[from] RateLimitError),
}

/// The process-wide HTTP transport. Create once, share with `Arc`, and derive an [`AccountClient`] per account.
#[derive(Debug)]
pub struct Transport {
    client: reqwest::Client,
    retry: RetryPolicy,
}

impl Transport {
    pub fn new(config: TransportConfig) -> Result<Arc<Self>, TransportError> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(config.user_agent)
            .build()
            .map_err(|e| TransportError::Client(describe_reqwest_error(&e)))?;
        Ok(Arc::new(Self {
            client,
            retry: config.retry,
        }))
    }

    /// The underlying client, for requests that are not marketplace API calls (e.g. downloading a product
    /// image before uploading it). Those bypass the limiter on purpose: they do not hit the marketplace.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// A client for one account of one channel, with its own limiter.
    pub fn account(
        self: &Arc<Self>,
        channel: &'static str,
        account: impl Into<String>,
        rate_limit: RateLimit,
    ) -> Result<AccountClient, TransportError> {
        Ok(AccountClient {
            inner: Arc::new(AccountInner {
                transport: Arc::clone(self),
                channel,
                account: Arc::from(account.into()),
                limiter: AccountLimiter::new(rate_limit)?,
                retry: self.retry,
            }),
        })
    }
}

/// A response as received, body fully read.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// What an adapter makes of a response.
#[derive(Debug)]
pub struct Classified<T> {
    /// The marketplace's request id (from the body or a header), recorded on the span and the error.
    pub request_id: Option<String>,
    pub result: Result<T, ErrorKind>,
}

/// The marketplace-specific half of a call.
pub trait Exchange: Send + Sync {
    type Output: Send;

    /// A stable, low-cardinality name for logs and metrics: the API path without ids or query.
    fn endpoint(&self) -> &str;

    /// Build one attempt. Called after the limiter admitted it, so timestamp-based signatures are fresh on
    /// every retry. Errors here are not retried.
    fn build(&self, client: &reqwest::Client) -> Result<reqwest::RequestBuilder, ErrorKind>;

    /// Turn a response into a value or an error class.
    fn classify(&self, response: RawResponse) -> Classified<Self::Output>;
}

/// Generic HTTP-status classification adapters can fall back on: 429 → rate limited (with `Retry-After`),
/// 408/5xx → transient. `None` for anything the adapter must look at itself.
pub fn classify_http_status(status: StatusCode, headers: &HeaderMap) -> Option<ErrorKind> {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Some(ErrorKind::RateLimited {
            retry_after: retry::retry_after(headers),
            code: "http_429".into(),
        });
    }
    if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        return Some(ErrorKind::Transient {
            message: format!("HTTP {status}"),
        });
    }
    None
}

#[derive(Debug)]
struct AccountInner {
    transport: Arc<Transport>,
    channel: &'static str,
    account: Arc<str>,
    limiter: AccountLimiter,
    retry: RetryPolicy,
}

/// One account's view of the transport. Cheap to clone; clones share the limiter.
#[derive(Debug, Clone)]
pub struct AccountClient {
    inner: Arc<AccountInner>,
}

impl AccountClient {
    pub fn account(&self) -> &str {
        &self.inner.account
    }

    pub fn channel(&self) -> &'static str {
        self.inner.channel
    }

    pub fn http(&self) -> &reqwest::Client {
        self.inner.transport.client()
    }

    pub fn limiter(&self) -> &AccountLimiter {
        &self.inner.limiter
    }

    /// An error for this account, for adapters that fail before or between calls.
    pub fn error(&self, endpoint: &str, kind: ErrorKind) -> ChannelError {
        kind.at(Arc::clone(&self.inner.account), endpoint)
    }

    /// Run one call with rate limiting, retries, tracing and metrics.
    pub async fn execute<E: Exchange>(&self, exchange: &E) -> Result<E::Output, ChannelError> {
        self.execute_with(exchange, self.inner.retry).await
    }

    /// [`Self::execute`] with a different retry policy (e.g. none for a call the adapter repeats itself).
    pub async fn execute_with<E: Exchange>(
        &self,
        exchange: &E,
        policy: RetryPolicy,
    ) -> Result<E::Output, ChannelError> {
        let endpoint = exchange.endpoint().to_owned();
        let span = tracing::info_span!(
            "channel_call",
            channel = self.inner.channel,
            account = %self.inner.account,
            endpoint = %endpoint,
            attempts = tracing::field::Empty,
            request_id = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let attempts = AtomicU32::new(0);
        let run = async {
            let result = (|| async {
                let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
                self.attempt(exchange, &endpoint, n).await
            })
            .retry(policy.backoff())
            .when(|e: &ChannelError| e.is_retryable())
            .adjust(|e: &ChannelError, proposed| policy.next_delay(e.kind.retry_after(), proposed))
            .notify(|e: &ChannelError, delay| {
                telemetry::retry(&self.inner, &endpoint, e.kind.label());
                tracing::warn!(error = %e, delay_ms = delay.as_millis() as u64, "retrying");
            })
            .await;
            let span = tracing::Span::current();
            span.record("attempts", attempts.load(Ordering::Relaxed));
            match &result {
                Ok(_) => {
                    span.record("outcome", "ok");
                }
                Err(e) => {
                    span.record("outcome", e.kind.label());
                    tracing::info!(error = %e, "call failed");
                }
            }
            result
        };
        run.instrument(span).await
    }

    async fn attempt<E: Exchange>(
        &self,
        exchange: &E,
        endpoint: &str,
        attempt: u32,
    ) -> Result<E::Output, ChannelError> {
        let waited = self.inner.limiter.acquire().await;
        telemetry::limiter_wait(&self.inner, waited);

        let request = exchange
            .build(self.http())
            .map_err(|k| self.error(endpoint, k))?;
        let started = Instant::now();
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                telemetry::request(&self.inner, endpoint, "network", started.elapsed());
                return Err(self.error(endpoint, network_error(&e)));
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => {
                telemetry::request(&self.inner, endpoint, "network", started.elapsed());
                return Err(self.error(endpoint, network_error(&e)));
            }
        };
        let elapsed = started.elapsed();
        let Classified { request_id, result } = exchange.classify(RawResponse {
            status,
            headers,
            body,
        });
        if let Some(id) = &request_id {
            tracing::Span::current().record("request_id", id.as_str());
        }
        if let Err(ErrorKind::RateLimited { retry_after, code }) = &result {
            // Slow the whole account down, not just this call (bounded: a daily quota is the
            // caller's business, via the error's `retry_after`).
            let pause = retry_after
                .unwrap_or(DEFAULT_RATE_LIMIT_PAUSE)
                .min(self.inner.retry.max_wait);
            tracing::warn!(code = %code, pause_ms = pause.as_millis() as u64, "marketplace rate limit; pausing account");
            self.inner.limiter.pause(pause);
        }
        let outcome = match &result {
            Ok(_) => "ok",
            Err(k) => k.label(),
        };
        telemetry::request(&self.inner, endpoint, outcome, elapsed);
        tracing::debug!(
            attempt,
            status = status.as_u16(),
            outcome,
            request_id = request_id.as_deref().unwrap_or(""),
            elapsed_ms = elapsed.as_millis() as u64,
            "marketplace answered"
        );
        result.map_err(|k| self.error(endpoint, k).with_request_id(request_id))
    }
}

/// How long an account pauses after a rate-limit answer that came without a wait hint.
pub const DEFAULT_RATE_LIMIT_PAUSE: Duration = Duration::from_secs(1);

/// Describe a reqwest error without its URL: marketplace URLs carry access tokens in the query string.
fn describe_reqwest_error(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else if e.is_body() || e.is_decode() {
        "reading the response failed".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        // Defence in depth: never echo anything that looks like it contains a URL.
        if !text.contains("://") {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg
}

fn network_error(e: &reqwest::Error) -> ErrorKind {
    ErrorKind::Transient {
        message: describe_reqwest_error(e),
    }
}
