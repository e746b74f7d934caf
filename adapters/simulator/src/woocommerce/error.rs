//! WooCommerce's error answer (`docs/src/channels/tiki-woocommerce.md` B4): `{code, message, data:{status}}` with
//! the HTTP status repeated in `data.status`. Batch items carry the same object inside an HTTP 200 (B6).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One refusal, as WooCommerce (or WordPress core underneath it) words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct WcError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// WordPress's parameter validation names each bad parameter under `data.params`.
    pub params: Option<Value>,
}

impl WcError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
            params: None,
        }
    }

    /// WordPress core's `rest_invalid_param` for one parameter.
    pub fn invalid_param(name: &str, why: impl Into<String>) -> Self {
        Self {
            params: Some(json!({ name: why.into() })),
            ..Self::new(
                400,
                "rest_invalid_param",
                format!("Invalid parameter(s): {name}"),
            )
        }
    }

    /// `woocommerce_rest_authentication_error` (401), the code of every failed key, secret or signature.
    pub fn auth(message: &str) -> Self {
        Self::new(401, "woocommerce_rest_authentication_error", message)
    }

    /// The body WooCommerce sends, also used for a failed batch item's `error`.
    pub fn body(&self) -> Value {
        let mut data = json!({ "status": self.status });
        if let (Some(params), Some(obj)) = (&self.params, data.as_object_mut()) {
            obj.insert("params".into(), params.clone());
        }
        json!({ "code": self.code, "message": self.message, "data": data })
    }
}

impl IntoResponse for WcError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.body())).into_response()
    }
}
