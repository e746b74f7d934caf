//! Reading request parameters strictly: the decoded query string (kept in order, with empty values, because the
//! signature covers exactly what was received) and JSON bodies. Wrong JSON types and missing required fields are
//! refused with 36009004 instead of being coerced: the simulator must catch what TikTok would reject (e.g. an id
//! sent as a number instead of a string, §4).
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Decoded query string, keeping repeated keys and empty values in order.
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

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    pub fn required(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::invalid(format!("The `{key}` query parameter is required.")))
    }

    /// `page_size`: required, 1..=max (§6, §8.1).
    pub fn page_size(&self, max: usize) -> Result<usize, ApiError> {
        let raw = self.required("page_size")?;
        raw.parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "The `page_size` query parameter must be between 1 and {max}."
                ))
            })
    }

    /// `page_token`: empty or absent = first page; otherwise a token this simulator issued.
    pub fn page_offset(&self) -> Result<usize, ApiError> {
        match self.get("page_token").unwrap_or("") {
            "" => Ok(0),
            t => decode_page_token(t)
                .ok_or_else(|| ApiError::invalid("The `page_token` query parameter is invalid.")),
        }
    }
}

/// An opaque-looking page token for an offset (clients must pass it back verbatim, never build one).
pub fn encode_page_token(offset: usize) -> String {
    let raw = format!("sim-page:{offset}");
    hex::encode(raw.as_bytes())
}

fn decode_page_token(token: &str) -> Option<usize> {
    let raw = hex::decode(token).ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.strip_prefix("sim-page:")?.parse().ok()
}

/// Deserialises a JSON body strictly. Unknown fields are ignored (TikTok ignores them), but a missing required
/// field, a wrong JSON type or malformed JSON is 36009004. An absent body reads as `{}`.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let text = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        body
    };
    serde_json::from_slice(text).map_err(|e| {
        let msg = e.to_string();
        let detail = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
        ApiError::invalid(format!("The request body is invalid: {detail}."))
    })
}

/// Slices one page out of `items`; returns the page, the next page token (empty when there is none) and the total.
pub fn page<T: Clone>(items: &[T], offset: usize, size: usize) -> (Vec<T>, String, usize) {
    let page: Vec<T> = items.iter().skip(offset).take(size).cloned().collect();
    let next = offset + page.len();
    let token = if next < items.len() {
        encode_page_token(next)
    } else {
        String::new()
    };
    (page, token, items.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_reject_forgeries() {
        assert_eq!(decode_page_token(&encode_page_token(42)), Some(42));
        assert_eq!(decode_page_token("42"), None);
        assert_eq!(decode_page_token("zz"), None);
    }

    #[test]
    fn query_keeps_empty_values() {
        let q = Query::parse(Some("shop_id=&a=1&a=2"));
        assert_eq!(q.pairs().len(), 3);
        assert!(q.has("shop_id"));
        assert_eq!(q.get("a"), Some("1"));
    }
}
