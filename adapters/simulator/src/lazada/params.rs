//! Request parameters and `payload` documents. Lazada takes every parameter from the query string or a
//! urlencoded / multipart body (§3.3); all of them except `sign` and files are signed (§3.1), so the parameters
//! are kept exactly as received, in one list, with their origin. Payloads (XML, or JSON where documented) are
//! read into one JSON-like tree by [`parse_payload`].
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use serde_json::Value;

use super::error::{ApiError, Rejection};
use super::xml;

/// The request's text parameters, in arrival order, plus the names of file parameters (which are not signed).
#[derive(Debug, Clone, Default)]
pub struct Params {
    list: Vec<(String, String)>,
    pub files: Vec<String>,
}

impl Params {
    pub fn push(&mut self, key: String, value: String) {
        self.list.push((key, value));
    }

    pub fn extend_urlencoded(&mut self, raw: &[u8]) {
        self.list
            .extend(url::form_urlencoded::parse(raw).into_owned());
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every text parameter (what the signature covers, `sign` included; the signer leaves it out).
    pub fn all(&self) -> &[(String, String)] {
        &self.list
    }

    /// A parameter given twice makes its signed value ambiguous; an empty one is something the docs say never to
    /// send (§3.1). Both are refused up front.
    pub fn check_well_formed(&self, reject_empty: bool) -> Result<(), ApiError> {
        let mut seen = std::collections::HashSet::new();
        for (k, v) in &self.list {
            if !seen.insert(k.as_str()) || self.files.contains(k) {
                return Err(ApiError::invalid_parameter(
                    format!("The parameter \"{k}\" is given more than once"),
                    Rejection::DuplicateParam,
                ));
            }
            if reject_empty && v.is_empty() {
                return Err(ApiError::invalid_parameter(
                    format!("The parameter \"{k}\" is empty; parameters must not be sent empty"),
                    Rejection::EmptyParam,
                ));
            }
        }
        Ok(())
    }

    pub fn required(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::missing(key))
    }
}

/// Which formats an API takes for `payload`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadFormats {
    /// XML only (the sellable-stock APIs: JSON is UNCONFIRMED, §7.2).
    XmlOnly,
    /// XML or JSON (create/update product, price_quantity update, §6.3).
    XmlOrJson,
}

/// Reads `payload` into a tree: `{"Request": {...}}` for both XML and JSON. The flag says whether it was JSON
/// (where `Image`/`Sku` lists must be arrays, §6.3).
pub fn parse_payload(params: &Params, formats: PayloadFormats) -> Result<(Value, bool), ApiError> {
    let raw = params.required("payload")?;
    let trimmed = raw.trim_start();
    if trimmed.starts_with('<') {
        return xml::parse(raw)
            .map(|v| (v, false))
            .map_err(|e| ApiError::bad_format(format!("payload is not valid XML: {e}")));
    }
    if trimmed.starts_with('{') && formats == PayloadFormats::XmlOrJson {
        let v: Value = serde_json::from_str(raw).map_err(|e| {
            ApiError::new(
                super::error::ErrorType::Isv,
                "1001",
                format!("parameters are not in JSON format: {e}"),
                400,
                Rejection::BadParam,
            )
        })?;
        return Ok((v, true));
    }
    Err(ApiError::bad_format(match formats {
        PayloadFormats::XmlOnly => "payload must be an XML document",
        PayloadFormats::XmlOrJson => "payload must be an XML or JSON document",
    }))
}

/// Follows `keys` from `v` (object members only).
pub fn at<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |cur, k| cur.get(*k))
}

/// The entries of a repeated element: an array's elements, or a single object (XML's one-element case, and
/// JSON where a single object is allowed).
pub fn entries(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![v],
        _ => Vec::new(),
    }
}

/// A scalar field as text (XML gives strings, JSON may give numbers). `None` if absent, `Err` if not a scalar.
pub fn text(v: &Value, key: &str) -> Result<Option<String>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(format!("{key} must be a single value")),
    }
}

/// A whole-number field (`ItemId`, `Quantity`…): `None` if absent, `Err` with a readable reason if malformed.
pub fn int_field(v: &Value, key: &str) -> Result<Option<i64>, String> {
    match text(v, key)? {
        None => Ok(None),
        Some(s) if s.is_empty() => Err(format!("{key} is empty")),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("{key} must be a whole number, got {s:?}")),
    }
}

/// A decimal field (`Price`, `SalePrice`…).
pub fn num_field(v: &Value, key: &str) -> Result<Option<f64>, String> {
    match text(v, key)? {
        None => Ok(None),
        Some(s) if s.is_empty() => Err(format!("{key} is empty")),
        Some(s) => s
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Some)
            .ok_or_else(|| format!("{key} must be a number, got {s:?}")),
    }
}
