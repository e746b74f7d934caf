//! The request log: what tests assert on. Counts calls per endpoint and per seller, rejections by reason, the
//! busiest one-second sliding window seen per seller and for the whole App (all arriving calls, accepted or not),
//! and rate-limit violations, so a test can prove that a client never exceeded its promised rate. Secrets are
//! never recorded: only method, API path, seller and outcome code.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::error::Rejection;
use super::limits::prune;

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

/// Per-seller counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SellerCalls {
    pub calls: u64,
    pub per_endpoint: BTreeMap<String, u64>,
    /// Most calls that arrived for this seller within any one-second sliding window.
    pub max_calls_in_one_second: u64,
    /// Calls refused by a rate limit (each one exceeded a limit or hit a ban).
    pub rate_limit_violations: u64,
}

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
        self.per_endpoint.get(path).copied().unwrap_or(0)
    }

    pub fn calls_for_seller(&self, seller_id: i64, path: &str) -> u64 {
        self.per_seller
            .get(&seller_id)
            .and_then(|s| s.per_endpoint.get(path))
            .copied()
            .unwrap_or(0)
    }

    pub fn rejections(&self, reason: Rejection) -> u64 {
        self.rejections.get(&reason).copied().unwrap_or(0)
    }

    pub fn max_calls_in_one_second(&self, seller_id: i64) -> u64 {
        self.per_seller
            .get(&seller_id)
            .map(|s| s.max_calls_in_one_second)
            .unwrap_or(0)
    }

    pub fn rate_limit_violations(&self, seller_id: i64) -> u64 {
        self.per_seller
            .get(&seller_id)
            .map(|s| s.rate_limit_violations)
            .unwrap_or(0)
    }
}

/// Cap on kept entries so a long demo run does not grow without bound; counters are never capped.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug)]
pub struct RequestLog {
    started: Instant,
    snapshot: RequestLogSnapshot,
    recent: HashMap<Option<i64>, VecDeque<Instant>>,
    recent_all: VecDeque<Instant>,
}

impl RequestLog {
    pub fn new(started: Instant) -> Self {
        Self {
            started,
            snapshot: RequestLogSnapshot::default(),
            recent: HashMap::new(),
            recent_all: VecDeque::new(),
        }
    }

    /// Records a call's arrival for the sliding-window maxima. Called once per request, before any check.
    pub fn arrived(&mut self, seller_id: Option<i64>, now: Instant) {
        prune(&mut self.recent_all, now);
        self.recent_all.push_back(now);
        let all = self.recent_all.len() as u64;
        self.snapshot.max_calls_in_one_second = self.snapshot.max_calls_in_one_second.max(all);
        let Some(id) = seller_id else { return };
        let window = self.recent.entry(Some(id)).or_default();
        prune(window, now);
        window.push_back(now);
        let seen = window.len() as u64;
        let stats = self.snapshot.per_seller.entry(id).or_default();
        stats.max_calls_in_one_second = stats.max_calls_in_one_second.max(seen);
    }

    /// Records a call's outcome.
    pub fn finished(
        &mut self,
        method: &str,
        path: &str,
        seller_id: Option<i64>,
        rejection: Option<Rejection>,
        code: &str,
        now: Instant,
    ) {
        let s = &mut self.snapshot;
        s.total_calls += 1;
        *s.per_endpoint.entry(path.to_owned()).or_default() += 1;
        let limited = rejection == Some(Rejection::RateLimited);
        if limited {
            s.rate_limit_violations += 1;
        }
        if let Some(id) = seller_id {
            let seller = s.per_seller.entry(id).or_default();
            seller.calls += 1;
            *seller.per_endpoint.entry(path.to_owned()).or_default() += 1;
            if limited {
                seller.rate_limit_violations += 1;
            }
        }
        if let Some(reason) = rejection {
            *s.rejections.entry(reason).or_default() += 1;
        }
        if s.entries.len() < MAX_ENTRIES {
            s.entries.push(LogEntry {
                at_ms: now.saturating_duration_since(self.started).as_millis() as u64,
                method: method.to_owned(),
                path: path.to_owned(),
                seller_id,
                rejection,
                code: code.to_owned(),
            });
        }
    }

    pub fn snapshot(&self) -> RequestLogSnapshot {
        self.snapshot.clone()
    }

    pub fn reset(&mut self) {
        self.snapshot = RequestLogSnapshot::default();
        self.recent.clear();
        self.recent_all.clear();
    }
}
