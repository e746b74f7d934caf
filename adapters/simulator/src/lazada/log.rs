//! The request log: what tests assert on. Counts calls per endpoint and per seller, rejections by reason, the
//! busiest one-second sliding window seen per seller and for the whole App (all arriving calls, accepted or not),
//! and rate-limit violations, so a test can prove that a client never exceeded its promised rate. Secrets are
//! never recorded: only method, API path, seller and outcome code.

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
    /// API path without `/rest`, e.g. `/products/get`.
    pub path: String,
    pub seller_id: Option<i64>,
    /// `None` when the call succeeded (`code:"0"`).
    pub rejection: Option<Rejection>,
    /// Lazada's `code`: `"0"` on success.
    pub code: String,
}

/// Per-seller counters; a rate-limit violation is a call that exceeded a limit or hit a ban.
pub type SellerCalls = log::AccountCalls;

/// A copy of the log, as returned by `SimControl::request_log()` and `GET /_sim/log`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RequestLogSnapshot {
    pub total_calls: u64,
    pub per_endpoint: BTreeMap<String, u64>,
    pub per_seller: BTreeMap<i64, SellerCalls>,
    pub rejections: BTreeMap<Rejection, u64>,
    /// Most calls that arrived (any seller, or none) within any one-second sliding window.
    pub max_calls_in_one_second: u64,
    /// Calls refused by any rate limit, attributed to a seller or not.
    pub rate_limit_violations: u64,
    pub entries: Vec<LogEntry>,
}

impl RequestLogSnapshot {
    /// Calls to an API path such as `/product/price_quantity/update`.
    pub fn calls(&self, path: &str) -> u64 {
        count(&self.per_endpoint, path)
    }

    pub fn calls_for_seller(&self, seller_id: i64, path: &str) -> u64 {
        account_count(&self.per_seller, &seller_id, |s| {
            count(&s.per_endpoint, path)
        })
    }

    pub fn rejections(&self, reason: Rejection) -> u64 {
        count(&self.rejections, &reason)
    }

    pub fn max_calls_in_one_second(&self, seller_id: i64) -> u64 {
        account_count(&self.per_seller, &seller_id, |s| s.max_calls_in_one_second)
    }

    pub fn rate_limit_violations(&self, seller_id: i64) -> u64 {
        account_count(&self.per_seller, &seller_id, |s| s.rate_limit_violations)
    }
}

/// The log, keyed by seller id.
pub(crate) type RequestLog = log::RequestLog<i64, Rejection, LogEntry>;

pub(crate) fn new_log(started: Instant) -> RequestLog {
    RequestLog::new(started, Rejection::RateLimited)
}

/// Records a call's outcome.
pub(crate) fn finished(
    log: &mut RequestLog,
    method: &str,
    path: &str,
    seller_id: Option<i64>,
    rejection: Option<Rejection>,
    code: &str,
    now: Instant,
) {
    log.finished(path, seller_id.as_ref(), rejection, now, |at_ms| LogEntry {
        at_ms,
        method: method.to_owned(),
        path: path.to_owned(),
        seller_id,
        rejection,
        code: code.to_owned(),
    });
}

pub(crate) fn snapshot(log: &RequestLog) -> RequestLogSnapshot {
    RequestLogSnapshot {
        total_calls: log.total_calls,
        per_endpoint: log.per_endpoint.clone(),
        per_seller: log.per_account.clone(),
        rejections: log.rejections.clone(),
        max_calls_in_one_second: log.max_calls_in_one_second,
        rate_limit_violations: log.rate_limit_violations,
        entries: log.entries.clone(),
    }
}
