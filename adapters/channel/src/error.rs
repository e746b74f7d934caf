//! Error classes shared by every adapter.
//!
//! The core decides what to do with a failed call from its *class* alone (retry later, refresh the token, mark
//! the account for re-authorisation, park the job with the marketplace's message), so every adapter maps its
//! marketplace's error vocabulary onto [`ErrorKind`]. The marketplace's own code and message are kept verbatim
//! for operators. Errors carry the account name and endpoint, never a token or key: adapters must not put
//! secrets into messages, and the transport only ever formats the endpoint path, not the full URL (whose
//! query string may carry an access token).

use std::sync::Arc;
use std::time::Duration;

/// What went wrong, independent of which marketplace said it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// The marketplace throttled us. `retry_after` is its hint when it gave one (HTTP `Retry-After`, or a
    /// daily quota that resets at a known time).
    #[error("rate limited{}: {code}", fmt_after(.retry_after))]
    RateLimited {
        retry_after: Option<Duration>,
        /// The marketplace's code (`error_rate_limit`, `429`, …).
        code: String,
    },
    /// A failure that may well succeed if repeated: network error, timeout, 5xx, "system busy".
    #[error("transient failure: {message}")]
    Transient { message: String },
    /// The access token is expired or rejected: refresh it and repeat the call once.
    #[error("access token expired or rejected ({code}): {message}")]
    AuthExpired { code: String, message: String },
    /// The authorisation itself is gone (refresh token expired, shop unlinked or banned): a person must
    /// re-authorise the shop; retrying or refreshing cannot help.
    #[error("re-authorisation required ({code}): {message}")]
    ReauthRequired { code: String, message: String },
    /// The marketplace refused the request as it is. Repeating it unchanged will fail the same way.
    #[error("rejected by marketplace ({code}): {message}")]
    Permanent { code: String, message: String },
    /// The remote object (item, model, order) does not exist (any more).
    #[error("not found ({code}): {message}")]
    NotFound { code: String, message: String },
}

fn fmt_after(after: &Option<Duration>) -> String {
    match after {
        Some(d) => format!(" (retry after {:.3}s)", d.as_secs_f64()),
        None => String::new(),
    }
}

impl ErrorKind {
    /// Whether the shared transport may repeat the same request in-process. Auth errors are excluded on
    /// purpose: they need a token refresh first, which the adapter does (once), not the transport.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Transient { .. })
    }

    /// The marketplace's wait hint, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A short, stable label for metrics and logs.
    pub fn label(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "rate_limited",
            Self::Transient { .. } => "transient",
            Self::AuthExpired { .. } => "auth_expired",
            Self::ReauthRequired { .. } => "reauth_required",
            Self::Permanent { .. } => "permanent",
            Self::NotFound { .. } => "not_found",
        }
    }

    /// Convenience for adapters validating input before any call ("batch too large", "no category
    /// mapping"): a permanent error whose code is prefixed `kho.` so it cannot be mistaken for the
    /// marketplace's.
    pub fn invalid_request(code: &str, message: impl Into<String>) -> Self {
        Self::Permanent {
            code: format!("kho.{code}"),
            message: message.into(),
        }
    }

    /// Attach the account and endpoint.
    pub fn at(self, account: impl Into<Arc<str>>, endpoint: impl Into<Arc<str>>) -> ChannelError {
        ChannelError {
            account: account.into(),
            endpoint: endpoint.into(),
            request_id: None,
            kind: self,
        }
    }
}

/// A failed channel operation: which account, which endpoint, which marketplace request, and what class.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{account} {endpoint}{}: {kind}", fmt_request_id(.request_id))]
pub struct ChannelError {
    /// The account's configured name (never a token or key). Shared, since every error of an account
    /// carries it.
    pub account: Arc<str>,
    /// The endpoint path (e.g. `/api/v2/product/update_stock`) or a logical operation name.
    pub endpoint: Arc<str>,
    /// The marketplace's request id, for support tickets.
    pub request_id: Option<String>,
    pub kind: ErrorKind,
}

fn fmt_request_id(id: &Option<String>) -> String {
    match id {
        Some(id) => format!(" [request {id}]"),
        None => String::new(),
    }
}

impl ChannelError {
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

/// A webhook that must be refused. Kept separate from [`ChannelError`] because no account or endpoint is
/// known yet when a push arrives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("webhook signature missing")]
    MissingSignature,
    #[error("webhook signature does not match")]
    BadSignature,
    #[error("webhook payload malformed: {0}")]
    Malformed(String),
    #[error("this channel does not support webhooks")]
    Unsupported,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_account_endpoint_and_code() {
        let err = ErrorKind::Permanent {
            code: "error_param".into(),
            message: "Repeat model_id.".into(),
        }
        .at("shopee-chi-lang", "/api/v2/product/update_price")
        .with_request_id(Some("abc".into()));
        assert_eq!(
            err.to_string(),
            "shopee-chi-lang /api/v2/product/update_price [request abc]: rejected by marketplace (error_param): Repeat model_id."
        );
    }

    #[test]
    fn only_rate_limit_and_transient_are_retryable() {
        assert!(
            ErrorKind::RateLimited {
                retry_after: None,
                code: "x".into()
            }
            .is_retryable()
        );
        assert!(
            ErrorKind::Transient {
                message: "x".into()
            }
            .is_retryable()
        );
        for kind in [
            ErrorKind::AuthExpired {
                code: "a".into(),
                message: "b".into(),
            },
            ErrorKind::ReauthRequired {
                code: "a".into(),
                message: "b".into(),
            },
            ErrorKind::Permanent {
                code: "a".into(),
                message: "b".into(),
            },
            ErrorKind::NotFound {
                code: "a".into(),
                message: "b".into(),
            },
        ] {
            assert!(!kind.is_retryable(), "{kind:?}");
        }
    }
}
