//! Reading a verified push body. Every marketplace wraps its events in a JSON envelope with a type and a
//! `data` object, and a push that does not have that shape must be refused as malformed (the HTTP layer
//! answers 400) rather than half-read; these are the steps every adapter's parser takes before its own
//! event mapping.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::WebhookError;

/// The body decoded as the marketplace's envelope type.
pub fn envelope<T: DeserializeOwned>(body: &[u8]) -> Result<T, WebhookError> {
    serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))
}

/// A push's `data`: an object, or that object as JSON text (lost-push listings and some relays re-wrap
/// it).
pub fn data(value: &Value) -> Result<Value, WebhookError> {
    match value {
        Value::String(text) => {
            serde_json::from_str(text).map_err(|e| WebhookError::Malformed(e.to_string()))
        }
        other => Ok(other.clone()),
    }
}

/// `data` read as one push type's fields; `what` names that type in the error.
pub fn fields<T: DeserializeOwned>(data: Value, what: &str) -> Result<T, WebhookError> {
    serde_json::from_value(data).map_err(|e| WebhookError::Malformed(format!("{what}: {e}")))
}

/// A field the push cannot be read without; `what` says which push lacked which field.
pub fn required<T>(value: Option<T>, what: &str) -> Result<T, WebhookError> {
    value.ok_or_else(|| WebhookError::Malformed(what.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Env {
        kind: Option<i64>,
        #[serde(default)]
        data: Value,
    }

    #[test]
    fn envelopes_and_data_in_both_forms() {
        let env: Env = envelope(br#"{"kind":1,"data":"{\"id\":7}"}"#).unwrap();
        assert_eq!(required(env.kind, "push without kind"), Ok(1));
        assert_eq!(data(&env.data), Ok(json!({"id": 7})));
        assert_eq!(data(&json!({"id": 8})), Ok(json!({"id": 8})));
        let id: std::collections::HashMap<String, i64> = fields(json!({"id": 9}), "x").unwrap();
        assert_eq!(id["id"], 9);
        assert!(matches!(
            envelope::<Env>(b"nope"),
            Err(WebhookError::Malformed(_))
        ));
        assert!(matches!(
            data(&json!("{oops")),
            Err(WebhookError::Malformed(_))
        ));
        assert_eq!(
            fields::<Env>(json!("x"), "order push"),
            Err(WebhookError::Malformed(
                "order push: invalid type: string \"x\", expected struct Env".into()
            ))
        );
        assert_eq!(
            required(None::<i64>, "push without kind"),
            Err(WebhookError::Malformed("push without kind".into()))
        );
    }
}
