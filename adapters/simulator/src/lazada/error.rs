//! Lazada error answers (§4): `{type, code, message, request_id}` (plus `detail` for per-SKU failures) with the
//! documented codes, and the simulator's own classification of *why* a call was rejected, which the request log
//! counts. Codes docs/src/channels/lazada.md does not name (unknown path, bad app key, stale timestamp, empty/duplicate parameters)
//! are the simulator's own and listed in the README.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why the simulator refused (or partly failed) a call; the request log counts these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// Unknown path, missing `/rest` prefix, or wrong HTTP method.
    UnknownPath,
    /// A required system or business parameter is missing.
    MissingParam,
    /// A parameter was sent with an empty value (§3.1: never send empty parameters).
    EmptyParam,
    /// A parameter was sent twice (query and body, or repeated): its signed value would be ambiguous.
    DuplicateParam,
    /// `access_token` sent to a token endpoint, which must be called without it (§2.1).
    UnexpectedParam,
    /// Unknown `app_key`.
    BadAppKey,
    /// `timestamp` unparseable or outside the tolerance (§3.2).
    BadTimestamp,
    /// Signature missing the mark: wrong value, wrong case, or `sign_method` other than `sha256`.
    BadSign,
    /// Access token unknown, expired or revoked (`IllegalAccessToken`).
    InvalidToken,
    /// Refresh token unknown, retired or expired (`IllegalRefreshToken`).
    InvalidRefresh,
    /// Authorization code unknown, used or expired (`InvalidCode`).
    InvalidCode,
    /// Token refresh not available for this App (`AUTH_TYPE_UNSUPPORTED`).
    RefreshUnsupported,
    /// Over a rate limit or banned; the call was not applied.
    RateLimited,
    /// Malformed or out-of-range business parameters or payload.
    BadParam,
    /// The addressed product / SKU / order does not exist for this seller.
    NotFound,
    /// A business rule refused the whole call.
    Business,
    /// Some entries of a batch failed (`501` roll-up with `detail`); the others were applied.
    PartialFailure,
    /// Injected fault: 5xx answer.
    InjectedServerError,
    /// Injected fault: connection closed without an answer (before applying).
    InjectedDrop,
}

/// Lazada's error `type` (§4): ISV = fix the request, ISP = backend (retry later), SYSTEM = platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ErrorType {
    Isv,
    Isp,
    System,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Isv => "ISV",
            Self::Isp => "ISP",
            Self::System => "SYSTEM",
        }
    }
}

/// An error answer. `code`/`message` are Lazada's strings; `status` is the HTTP status in `Mapped` mode.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub kind: ErrorType,
    pub code: String,
    pub message: String,
    pub status: u16,
    pub reason: Rejection,
    /// Per-entry failures (`detail[]`), e.g. one per failed SKU of a batch.
    pub detail: Option<Vec<Value>>,
}

impl ApiError {
    pub fn new(
        kind: ErrorType,
        code: &str,
        message: impl Into<String>,
        status: u16,
        reason: Rejection,
    ) -> Self {
        Self {
            kind,
            code: code.to_owned(),
            message: message.into(),
            status,
            reason,
            detail: None,
        }
    }

    /// `MissingParameter` for a required parameter.
    pub fn missing(name: &str) -> Self {
        Self::new(
            ErrorType::Isv,
            "MissingParameter",
            format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied"
            ),
            400,
            Rejection::MissingParam,
        )
    }

    /// The simulator's own code for parameter problems docs/src/channels/lazada.md names no code for (empty, duplicate, forbidden).
    pub fn invalid_parameter(message: impl Into<String>, reason: Rejection) -> Self {
        Self::new(ErrorType::Isv, "InvalidParameter", message, 400, reason)
    }

    /// A numbered business-parameter error, e.g. `19` "E019: …" (§6.1 codes).
    pub fn numbered(code: u32, message: impl Into<String>) -> Self {
        Self::new(
            ErrorType::Isv,
            &code.to_string(),
            format!("E{code:03}: {}", message.into()),
            400,
            Rejection::BadParam,
        )
    }

    /// Code `5`: the payload or body is not in a format the API takes.
    pub fn bad_format(message: impl Into<String>) -> Self {
        Self::numbered(5, format!("Invalid Request Format: {}", message.into()))
    }

    pub fn unknown_path() -> Self {
        Self::new(
            ErrorType::Isv,
            "InvalidApiPath",
            "The specified API path is invalid or the HTTP method is not supported",
            404,
            Rejection::UnknownPath,
        )
    }

    pub fn incomplete_signature() -> Self {
        Self::new(
            ErrorType::Isv,
            "IncompleteSignature",
            "The request signature does not conform to lazop standards",
            403,
            Rejection::BadSign,
        )
    }

    pub fn illegal_access_token() -> Self {
        Self::new(
            ErrorType::Isv,
            "IllegalAccessToken",
            "The specified access token is invalid or expired",
            403,
            Rejection::InvalidToken,
        )
    }

    pub fn illegal_refresh_token() -> Self {
        Self::new(
            ErrorType::Isv,
            "IllegalRefreshToken",
            "The specified refresh token is invalid or expired",
            403,
            Rejection::InvalidRefresh,
        )
    }

    pub fn invalid_code() -> Self {
        Self::new(
            ErrorType::Isv,
            "InvalidCode",
            "The authorization code is invalid, used or expired",
            403,
            Rejection::InvalidCode,
        )
    }

    /// The rate-limit answer in the configured form (§5).
    pub fn rate_limited(signal: super::config::RateLimitSignal, ban_secs: u64) -> Self {
        match signal {
            super::config::RateLimitSignal::ApiCallLimit => Self::new(
                ErrorType::Isv,
                "ApiCallLimit",
                format!(
                    "Api access frequency exceeds the limit. this ban will last {} seconds",
                    ban_secs.max(1)
                ),
                429,
                Rejection::RateLimited,
            ),
            super::config::RateLimitSignal::Code901 => Self::new(
                ErrorType::Isp,
                "901",
                "The request is too frequent. Limit service request speed in server side temporarily",
                429,
                Rejection::RateLimited,
            ),
        }
    }

    pub fn server_error() -> Self {
        Self::new(
            ErrorType::System,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server",
            500,
            Rejection::InjectedServerError,
        )
    }

    pub fn with_detail(mut self, detail: Vec<Value>) -> Self {
        self.detail = Some(detail);
        self
    }
}
