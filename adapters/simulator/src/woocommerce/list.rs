//! Collection listing as WordPress core and `WC_REST_CRUD_Controller` do it (`docs/src/channels/tiki-woocommerce.md`
//! B6 and "Corrections"): `page` (1-based) and `per_page` (1–100, default 10) checked like core's collection params;
//! `sku` a comma-separated list that also matches variations; `modified_after` / `modified_before`; headers
//! `X-WP-Total`, `X-WP-TotalPages` and a `Link` with `rel="prev"` / `rel="next"` only.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use super::error::WcError;
use super::oauth::rawurlencode;

/// Query parameters of a list call, validated.
#[derive(Debug)]
pub struct ListQuery {
    pub page: usize,
    pub per_page: usize,
    pub skus: Option<Vec<String>>,
    pub modified_after: Option<DateTime<Utc>>,
    /// Created after (orders).
    pub after: Option<DateTime<Utc>>,
    /// Created before (orders).
    pub before: Option<DateTime<Utc>>,
    pub modified_before: Option<DateTime<Utc>>,
    pub status: Option<String>,
}

fn int(
    query: &[(String, String)],
    name: &str,
    default: usize,
    max: Option<usize>,
) -> Result<usize, WcError> {
    let Some((_, raw)) = query.iter().find(|(k, _)| k == name) else {
        return Ok(default);
    };
    let n: i64 = raw
        .parse()
        .map_err(|_| WcError::invalid_param(name, format!("{name} is not of type integer.")))?;
    match max {
        Some(max) if n < 1 || n > max as i64 => Err(WcError::invalid_param(
            name,
            format!("{name} must be between 1 (inclusive) and {max} (inclusive)"),
        )),
        _ if n < 1 => Err(WcError::invalid_param(
            name,
            format!("{name} must be greater than or equal to 1"),
        )),
        _ => Ok(n as usize),
    }
}

/// The site's timezone is UTC, so site time and GMT agree whatever `dates_are_gmt` says.
fn date(query: &[(String, String)], name: &str) -> Result<Option<DateTime<Utc>>, WcError> {
    let Some((_, raw)) = query.iter().find(|(k, _)| k == name) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S")
        .map(|t| Some(t.and_utc()))
        .map_err(|_| WcError::invalid_param(name, "Invalid date."))
}

impl ListQuery {
    pub fn parse(query: &[(String, String)]) -> Result<Self, WcError> {
        let skus = query.iter().find(|(k, _)| k == "sku").map(|(_, v)| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        });
        Ok(Self {
            page: int(query, "page", 1, None)?,
            per_page: int(query, "per_page", 10, Some(100))?,
            skus,
            modified_after: date(query, "modified_after")?,
            after: date(query, "after")?,
            before: date(query, "before")?,
            modified_before: date(query, "modified_before")?,
            status: query
                .iter()
                .find(|(k, _)| k == "status")
                .map(|(_, v)| v.clone())
                .filter(|s| s != "any"),
        })
    }
}

/// One page of `all` with the paging headers; `url` is the collection's URL without a query.
pub fn page(all: Vec<Value>, q: &ListQuery, url: &str, query: &[(String, String)]) -> Response {
    let total = all.len();
    let pages = total.div_ceil(q.per_page);
    let items: Vec<Value> = all
        .into_iter()
        .skip((q.page - 1).saturating_mul(q.per_page))
        .take(q.per_page)
        .collect();
    let link_to = |page: usize| {
        let mut pairs: Vec<String> = query
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{}={}", rawurlencode(k), rawurlencode(v)))
            .collect();
        pairs.push(format!("page={page}"));
        format!("<{url}?{}>", pairs.join("&"))
    };
    let mut links = Vec::new();
    if q.page > 1 && pages > 0 {
        links.push(format!(
            "{}; rel=\"prev\"",
            link_to((q.page - 1).min(pages))
        ));
    }
    if q.page < pages {
        links.push(format!("{}; rel=\"next\"", link_to(q.page + 1)));
    }
    let mut headers = HeaderMap::new();
    headers.insert("X-WP-Total", HeaderValue::from(total));
    headers.insert("X-WP-TotalPages", HeaderValue::from(pages));
    if let Ok(v) = HeaderValue::from_str(&links.join(", "))
        && !links.is_empty()
    {
        headers.insert("Link", v);
    }
    (headers, Json(Value::Array(items))).into_response()
}
