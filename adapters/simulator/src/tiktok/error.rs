//! TikTok Shop error answers (§4): `{code, message, request_id, data}` with the codes of §4.1, plus the simulator's
//! own classification of *why* a call was rejected, which the request log counts. Messages given by docs/src/channels/tiktok.md are
//! used verbatim; where it gives only a meaning, the message is the simulator's (clients must branch on `code`
//! and, for 36009004, on a message fragment — trap 14).

use serde::{Deserialize, Serialize};

/// Invalid `sign` (§4.1; HTTP 401 observed).
pub const INVALID_SIGN: i64 = 106001;
/// Expired access token (§2, §4.1).
pub const EXPIRED_TOKEN: i64 = 105002;
/// Missing `shop_cipher` (§3.2, §4.1).
pub const MISSING_SHOP_CIPHER: i64 = 106013;
/// The overloaded "invalid parameter" code (§4.1).
pub const INVALID_PARAM: i64 = 36009004;
/// Access denied / missing scope (§2, §4.1).
pub const ACCESS_DENIED: i64 = 105005;
/// Rate limit (§4.1, §5).
pub const RATE_LIMITED: i64 = 36009002;
/// Internal error, retry (§4.1).
pub const INTERNAL_ERROR: i64 = 36009003;
/// Request timeout (§4.1).
pub const REQUEST_TIMEOUT: i64 = 36009007;
/// Invalid path (§4.1).
pub const INVALID_PATH: i64 = 36009009;
/// Invalid method (§4.1).
pub const INVALID_METHOD: i64 = 36009010;
/// Invalid API version (§4.1).
pub const INVALID_VERSION: i64 = 36009014;
/// File too large (§4.1).
pub const FILE_TOO_LARGE: i64 = 36009021;
/// Wrong content type of a JSON call (§4.1 lists 36009022/36009023 as "wrong content-type"; which is which is
/// not documented — the simulator uses 022 for JSON calls and 023 for the multipart upload).
pub const WRONG_CONTENT_TYPE_JSON: i64 = 36009022;
/// Wrong content type of the multipart image upload (see [`WRONG_CONTENT_TYPE_JSON`]).
pub const WRONG_CONTENT_TYPE_MULTIPART: i64 = 36009023;
/// Invalid auth code (§2).
pub const INVALID_AUTH_CODE: i64 = 36004004;
/// Stock count invalid (§7.1).
pub const STOCK_INVALID: i64 = 12019024;
/// Multiple warehouses detected, include all (§7.1).
pub const MULTIPLE_WAREHOUSES: i64 = 12019028;
/// SKU ID necessary (§7.1).
pub const SKU_ID_NECESSARY: i64 = 12052036;
/// Incorrect price format (§7.2).
pub const PRICE_FORMAT: i64 = 12052012;
/// Price is locked (§7.2).
pub const PRICE_LOCKED: i64 = 12019045;
/// Product status invalid (§7.2).
pub const PRODUCT_STATUS_INVALID: i64 = 12019113;
/// Too many SKUs per product (§6.1, §6.4).
pub const TOO_MANY_SKUS: i64 = 12052050;
/// Too many `seller_skus` in a search (§6.2).
pub const TOO_MANY_SELLER_SKUS: i64 = 12019027;
/// Too many product ids in a batch (§6.4).
pub const TOO_MANY_PRODUCT_IDS: i64 = 12019120;
/// Product does not exist. **Simulator's own code**: docs/src/channels/tiktok.md documents none.
pub const PRODUCT_NOT_FOUND: i64 = 12052001;
/// SKU does not belong to the product. **Simulator's own code**: docs/src/channels/tiktok.md documents none.
pub const SKU_NOT_FOUND: i64 = 12052002;
/// Warehouse does not belong to the shop. **Simulator's own code**: docs/src/channels/tiktok.md documents none.
pub const WAREHOUSE_NOT_FOUND: i64 = 12052003;

/// Why the simulator refused (or failed) a call; the request log counts these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// Unknown path (36009009).
    UnknownPath,
    /// Known path, wrong HTTP method (36009010).
    WrongMethod,
    /// Known path with another version segment (36009014).
    WrongVersion,
    /// `app_key`, `timestamp`, `sign` or the token header is missing.
    MissingParam,
    /// Unknown `app_key` (or wrong `app_secret` on the token endpoints).
    BadAppKey,
    /// Timestamp not a non-negative integer.
    BadTimestamp,
    /// Timestamp older than the window.
    StaleTimestamp,
    /// Timestamp too far in the future.
    FutureTimestamp,
    /// Signature does not match (106001).
    BadSign,
    /// Access token unknown or revoked.
    InvalidToken,
    /// Access token expired (105002).
    ExpiredToken,
    /// Refresh token or auth code invalid, spent or expired.
    InvalidRefresh,
    /// Shop endpoint without `shop_cipher` (106013).
    MissingShopCipher,
    /// `shop_cipher` on an endpoint that must not have it (36009004).
    UnexpectedShopCipher,
    /// `shop_cipher` unknown or not the token's shop.
    InvalidShopCipher,
    /// Wrong `Content-Type`.
    WrongContentType,
    /// The App lacks the scope for this endpoint (105005).
    MissingScope,
    /// Over the shop's rate limit (36009002); the call was not applied.
    RateLimited,
    /// Malformed or out-of-range request parameters or body.
    BadParam,
    /// The addressed product / SKU / warehouse does not exist.
    NotFound,
    /// A business rule refused the whole call.
    Business,
    /// Injected fault: 5xx answer.
    InjectedServerError,
    /// Injected fault: connection closed without an answer (before applying).
    InjectedDrop,
}

/// An error answer: TikTok's `code`/`message`, the HTTP status in `Mapped` mode, and the log reason.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: i64,
    pub message: String,
    pub status: u16,
    pub reason: Rejection,
}

impl ApiError {
    pub fn new(code: i64, message: impl Into<String>, status: u16, reason: Rejection) -> Self {
        Self {
            code,
            message: message.into(),
            status,
            reason,
        }
    }

    /// 36009004 for a malformed or missing request parameter or body field.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(
            INVALID_PARAM,
            format!("Invalid parameter. {}", detail.into()),
            400,
            Rejection::BadParam,
        )
    }

    /// A business error (12xxxxxx) refusing the whole call; HTTP 200 like every business answer.
    pub fn business(code: i64, message: impl Into<String>, reason: Rejection) -> Self {
        Self::new(code, message, 200, reason)
    }

    pub fn invalid_sign() -> Self {
        Self::new(
            INVALID_SIGN,
            "Invalid credentials. The 'sign' query parameter is invalid. For more details: https://partner.tiktokshop.com/docv2/page/sign-your-api-request",
            401,
            Rejection::BadSign,
        )
    }

    pub fn expired_token() -> Self {
        Self::new(
            EXPIRED_TOKEN,
            "Expired credentials. The `access_token` or `x-tts-access-token` header has expired.",
            401,
            Rejection::ExpiredToken,
        )
    }

    pub fn invalid_token() -> Self {
        Self::new(
            INVALID_PARAM,
            "Invalid credentials. The `x-tts-access-token` header is invalid.",
            401,
            Rejection::InvalidToken,
        )
    }

    pub fn rate_limited() -> Self {
        Self::new(
            RATE_LIMITED,
            "Too many requests. You've made too many requests in a short period of time.",
            429,
            Rejection::RateLimited,
        )
    }

    pub fn missing_shop_cipher() -> Self {
        Self::new(
            MISSING_SHOP_CIPHER,
            "Missing identifier. The `shop_cipher` query parameter is required for this request.",
            400,
            Rejection::MissingShopCipher,
        )
    }

    pub fn unexpected_shop_cipher() -> Self {
        Self::new(
            INVALID_PARAM,
            "Unexpected identifier. The `shop_cipher` query parameter is not required for this request.",
            400,
            Rejection::UnexpectedShopCipher,
        )
    }

    pub fn product_not_found(id: &str) -> Self {
        Self::business(
            PRODUCT_NOT_FOUND,
            format!("Product {id} does not exist."),
            Rejection::NotFound,
        )
    }
}
