//! The request log: what tests assert on. Counts calls per endpoint and per shop, rejections by reason, and the
//! busiest one-second sliding window seen per shop (all arriving calls, accepted or not), so a test can prove
//! that a client never exceeded its promised rate. Secrets are never recorded: only path, shop and outcome.

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
    pub shop_id: Option<i64>,
    /// `None` when the call succeeded (possibly with a partial `failure_list`).
    pub rejection: Option<Rejection>,
    /// Shopee's `error` string, empty on success.
    pub error: String,
}

/// One accepted write to a shop's listings (stock, price, status), with the
/// client's `User-Agent`, so a test can tell which of several clients wrote
/// to a shop and whether two of them did so at overlapping times.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WriteCall {
    pub shop_id: i64,
    pub path: String,
    pub client: String,
    /// Milliseconds since the simulator started: arrival and answer.
    pub start_ms: u64,
    pub end_ms: u64,
}

/// Per-shop counters; a rate-limit violation is a call refused with `error_rate_limit`.
pub type ShopCalls = log::AccountCalls;

/// A copy of the log, as returned by `SimHandle::request_log()` and `GET /_sim/log`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RequestLogSnapshot {
    pub total_calls: u64,
    pub per_endpoint: BTreeMap<String, u64>,
    pub per_shop: BTreeMap<i64, ShopCalls>,
    pub rejections: BTreeMap<Rejection, u64>,
    pub entries: Vec<LogEntry>,
}

impl RequestLogSnapshot {
    /// Calls to an endpoint path such as `/api/v2/product/update_stock`.
    pub fn calls(&self, path: &str) -> u64 {
        count(&self.per_endpoint, path)
    }

    pub fn calls_for_shop(&self, shop_id: i64, path: &str) -> u64 {
        account_count(&self.per_shop, &shop_id, |s| count(&s.per_endpoint, path))
    }

    pub fn rejections(&self, reason: Rejection) -> u64 {
        count(&self.rejections, &reason)
    }

    pub fn max_calls_in_one_second(&self, shop_id: i64) -> u64 {
        account_count(&self.per_shop, &shop_id, |s| s.max_calls_in_one_second)
    }

    pub fn rate_limit_violations(&self, shop_id: i64) -> u64 {
        account_count(&self.per_shop, &shop_id, |s| s.rate_limit_violations)
    }
}

/// The log, keyed by shop id.
pub(crate) type RequestLog = log::RequestLog<i64, Rejection, LogEntry>;

pub(crate) fn new_log(started: Instant) -> RequestLog {
    RequestLog::new(started, Rejection::RateLimited)
}

/// Records a call's outcome.
pub(crate) fn finished(
    log: &mut RequestLog,
    method: &str,
    path: &str,
    shop_id: Option<i64>,
    rejection: Option<Rejection>,
    error: &str,
    now: Instant,
) {
    log.finished(path, shop_id.as_ref(), rejection, now, |at_ms| LogEntry {
        at_ms,
        method: method.to_owned(),
        path: path.to_owned(),
        shop_id,
        rejection,
        error: error.to_owned(),
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
