//! Reading request parameters strictly: query strings (repeated keys, comma lists, JSON-ish `[1,2]` lists) and
//! JSON bodies. Wrong JSON types and missing required fields are refused with Shopee-style `error_param`
//! answers instead of being coerced, because the simulator must catch what real Shopee would reject.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

use serde::de::DeserializeOwned;

use super::error::{ApiError, go_field_name};

/// Decoded query string, keeping repeated keys in order.
#[derive(Debug, Clone, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn get_all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn required(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key).filter(|v| !v.is_empty()).ok_or_else(|| {
            ApiError::bad_param(format!("Wrong parameters, detail: {key} is required."))
        })
    }

    pub fn required_i64(&self, key: &str) -> Result<i64, ApiError> {
        parse_i64(key, self.required(key)?)
    }

    pub fn optional_i64(&self, key: &str) -> Result<Option<i64>, ApiError> {
        self.get(key)
            .filter(|v| !v.is_empty())
            .map(|v| parse_i64(key, v))
            .transpose()
    }

    pub fn optional_bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::bad_param(format!(
                "Wrong parameters, detail: {key} should be a boolean."
            ))),
        }
    }

    /// A list parameter in any of the forms clients send (§6.2): repeated keys, `a,b`, or `[a,b]`.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.get_all(key)
            .into_iter()
            .flat_map(|v| {
                v.trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .split(',')
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .map(|v| v.trim().trim_matches('"').to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

pub fn parse_i64(key: &str, v: &str) -> Result<i64, ApiError> {
    v.parse::<i64>().map_err(|_| {
        ApiError::bad_param(format!(
            "Wrong parameters, detail: {key} should be an integer, got {v:?}."
        ))
    })
}

/// Which error family body-validation errors belong to.
#[derive(Debug, Clone, Copy)]
pub enum Module {
    /// `product.error_param` "invalid field ItemId: value must  Not Null" (the documented example).
    Product,
    /// Plain `error_param`.
    Common,
}

/// Deserialises a JSON body strictly. Unknown fields are ignored (Shopee ignores them), but a missing or null
/// required field and a wrong JSON type (e.g. `"item_id":"123"`) are errors.
pub fn parse_body<T: DeserializeOwned>(body: &[u8], module: Module) -> Result<T, ApiError> {
    let text = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        body
    };
    serde_json::from_slice(text).map_err(|e| {
        let msg = e.to_string();
        let detail = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
        let missing = detail
            .strip_prefix("missing field `")
            .and_then(|r| r.strip_suffix('`'));
        match (module, missing) {
            (Module::Product, Some(field)) => ApiError::product_param(format!(
                "invalid field {}: value must  Not Null",
                go_field_name(field)
            )),
            (Module::Product, None) if detail.starts_with("invalid type: null") => {
                ApiError::product_param(format!(
                    "invalid field value: value must  Not Null ({detail})"
                ))
            }
            (Module::Product, None) => {
                ApiError::product_param(format!("Wrong parameters, detail: {detail}"))
            }
            (Module::Common, Some(field)) => {
                ApiError::bad_param(format!("Wrong parameters, detail: {field} is required."))
            }
            (Module::Common, None) => {
                ApiError::bad_param(format!("Wrong parameters, detail: {detail}"))
            }
        }
    })
}
