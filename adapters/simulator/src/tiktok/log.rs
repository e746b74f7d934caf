//! The request log: what tests assert on. Counts calls per endpoint and per shop, rejections by reason, and the
//! busiest one-second sliding window seen per shop (all arriving calls, accepted or not), so a test can prove
//! that a client never exceeded its promised rate. Secrets are never recorded: only method, path, shop and
//! outcome (no query string, no headers, no body).

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::error::Rejection;
use crate::common::log::{self, account_count, count};

/// One recorded call.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LogEntry {
    /// Milliseconds since the simulator started.
    pub at_ms: u64,
    pub method: String,
    pub path: String,
    pub shop_id: Option<String>,
    /// `None` when the call succeeded (possibly with a partial `data.errors`).
    pub rejection: Option<Rejection>,
    /// TikTok's `code`, 0 on success.
    pub code: i64,
}

/// Per-shop counters; a rate-limit violation is a call refused with 36009002.
pub type ShopCalls = log::AccountCalls;

/// A copy of the log, as returned by `SimControl::request_log()` and `GET /_sim/log`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RequestLogSnapshot {
    pub total_calls: u64,
    /// Calls per endpoint, keyed `"METHOD /path"` with ids replaced by `{product_id}` (e.g.
    /// `"POST /product/202309/products/{product_id}/inventory/update"`).
    pub per_endpoint: BTreeMap<String, u64>,
    pub per_shop: BTreeMap<String, ShopCalls>,
    pub rejections: BTreeMap<Rejection, u64>,
    pub entries: Vec<LogEntry>,
}

impl RequestLogSnapshot {
    /// Calls to an endpoint key such as `"POST /order/202309/orders/search"`.
    pub fn calls(&self, endpoint: &str) -> u64 {
        count(&self.per_endpoint, endpoint)
    }

    pub fn calls_for_shop(&self, shop_id: &str, endpoint: &str) -> u64 {
        account_count(&self.per_shop, shop_id, |s| {
            count(&s.per_endpoint, endpoint)
        })
    }

    pub fn rejections(&self, reason: Rejection) -> u64 {
        count(&self.rejections, &reason)
    }

    pub fn max_calls_in_one_second(&self, shop_id: &str) -> u64 {
        account_count(&self.per_shop, shop_id, |s| s.max_calls_in_one_second)
    }

    pub fn rate_limit_violations(&self, shop_id: &str) -> u64 {
        account_count(&self.per_shop, shop_id, |s| s.rate_limit_violations)
    }
}

/// The log, keyed by shop id.
pub(crate) type RequestLog = log::RequestLog<String, Rejection, LogEntry>;

pub(crate) fn new_log(started: Instant) -> RequestLog {
    RequestLog::new(started, Rejection::RateLimited)
}

/// Records a call's outcome under its endpoint key (`"METHOD /path"`); the
/// entry keeps the path alone.
pub(crate) fn finished(
    log: &mut RequestLog,
    method: &str,
    endpoint: &str,
    shop_id: Option<&str>,
    rejection: Option<Rejection>,
    code: i64,
    now: Instant,
) {
    let shop_id = shop_id.map(str::to_owned);
    log.finished(endpoint, shop_id.as_ref(), rejection, now, |at_ms| {
        LogEntry {
            at_ms,
            method: method.to_owned(),
            path: endpoint
                .split_once(' ')
                .map_or(endpoint, |(_, p)| p)
                .to_owned(),
            shop_id: shop_id.clone(),
            rejection,
            code,
        }
    });
}

pub(crate) fn snapshot(log: &RequestLog) -> RequestLogSnapshot {
    RequestLogSnapshot {
        total_calls: log.total_calls,
        per_endpoint: log.per_endpoint.clone(),
        per_shop: log.per_account.clone(),
        rejections: log.rejections.clone(),
        entries: log.entries.clone(),
    }
}
