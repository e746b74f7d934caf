//! Shopee error answers (§4): `{request_id, error, message}` with the documented error strings, plus the
//! simulator's own classification of *why* a call was rejected, which the request log counts.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use serde::{Deserialize, Serialize};

/// Why the simulator refused (or failed) a call; the request log counts these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// Unknown path or wrong HTTP method.
    UnknownPath,
    /// A required query parameter (partner_id, timestamp, sign, access_token, shop_id) is missing.
    MissingParam,
    /// Unknown or malformed partner_id.
    BadPartner,
    /// Timestamp not an integer in range.
    BadTimestamp,
    /// Timestamp outside the tolerance.
    StaleTimestamp,
    /// Signature does not match.
    BadSign,
    /// Unknown shop or shop not linked to the partner.
    InvalidShop,
    /// Access token unknown, expired or revoked.
    InvalidToken,
    /// Refresh token or authorization code invalid, used or expired.
    InvalidRefresh,
    /// Over the shop's rate limit; the call was not applied.
    RateLimited,
    /// Malformed or out-of-range request parameters or body.
    BadParam,
    /// The addressed item / order does not exist.
    NotFound,
    /// A business rule refused the whole call (e.g. every model of an update failed).
    Business,
    /// Injected fault: 5xx answer.
    InjectedServerError,
    /// Injected fault: connection closed without an answer (before applying).
    InjectedDrop,
}

/// An error answer. `error`/`message` are Shopee's strings; `status` is the HTTP status in `Mapped` mode.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{error}: {message}")]
pub struct ApiError {
    pub error: String,
    pub message: String,
    pub status: u16,
    pub reason: Rejection,
    /// Some errors still carry a `response` (e.g. `error_busi_update_stock_failed` with its failure_list).
    pub response: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(error: &str, message: impl Into<String>, status: u16, reason: Rejection) -> Self {
        Self {
            error: error.to_owned(),
            message: message.into(),
            status,
            reason,
            response: None,
        }
    }

    /// `error_param` from the gateway (missing/invalid common parameters).
    pub fn param(message: impl Into<String>, reason: Rejection) -> Self {
        Self::new("error_param", message, 400, reason)
    }

    /// A request-specific parameter error (body or endpoint query), e.g. "Repeat model_id.".
    pub fn bad_param(message: impl Into<String>) -> Self {
        Self::new("error_param", message, 400, Rejection::BadParam)
    }

    /// A body field of a product call that is missing or of the wrong JSON type, in the style of the
    /// documented example `product.error_param` "invalid field ItemId: value must  Not Null".
    pub fn product_param(message: impl Into<String>) -> Self {
        Self::new("product.error_param", message, 400, Rejection::BadParam)
    }

    pub fn unknown_path() -> Self {
        Self::param(
            "Permission denied. This API is currently offline or the request path is incorrect.",
            Rejection::UnknownPath,
        )
    }

    pub fn wrong_sign() -> Self {
        Self::new("error_sign", "Wrong sign.", 403, Rejection::BadSign)
    }

    pub fn invalid_access_token() -> Self {
        Self::new(
            "error_auth",
            "Invalid access_token.",
            403,
            Rejection::InvalidToken,
        )
    }

    pub fn rate_limited() -> Self {
        Self::new(
            "error_rate_limit",
            "Too many requests. You have reached the rate limit. Please try again later.",
            429,
            Rejection::RateLimited,
        )
    }

    pub fn server_error() -> Self {
        Self::new(
            "error_server",
            "Something wrong. Please try later.",
            500,
            Rejection::InjectedServerError,
        )
    }

    pub fn with_response(mut self, response: serde_json::Value) -> Self {
        self.response = Some(response);
        self
    }
}

/// Turns `item_id` into `ItemId`, the Go-style field name Shopee's validator prints.
pub(crate) fn go_field_name(field: &str) -> String {
    field
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}
