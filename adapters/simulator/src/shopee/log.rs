//! The request log: what tests assert on. Counts calls per endpoint and per shop, rejections by reason, and the
//! busiest one-second sliding window seen per shop (all arriving calls, accepted or not), so a test can prove
//! that a client never exceeded its promised rate. Secrets are never recorded: only path, shop and outcome.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::error::Rejection;
use crate::common::window::prune;

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

/// Per-shop counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ShopCalls {
    pub calls: u64,
    pub per_endpoint: BTreeMap<String, u64>,
    /// Most calls that arrived from this shop within any one-second sliding window.
    pub max_calls_in_one_second: u64,
    /// Calls refused with `error_rate_limit` (each one exceeded the limit).
    pub rate_limit_violations: u64,
}

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
        self.per_endpoint.get(path).copied().unwrap_or(0)
    }

    pub fn calls_for_shop(&self, shop_id: i64, path: &str) -> u64 {
        self.per_shop
            .get(&shop_id)
            .and_then(|s| s.per_endpoint.get(path))
            .copied()
            .unwrap_or(0)
    }

    pub fn rejections(&self, reason: Rejection) -> u64 {
        self.rejections.get(&reason).copied().unwrap_or(0)
    }

    pub fn max_calls_in_one_second(&self, shop_id: i64) -> u64 {
        self.per_shop
            .get(&shop_id)
            .map(|s| s.max_calls_in_one_second)
            .unwrap_or(0)
    }

    pub fn rate_limit_violations(&self, shop_id: i64) -> u64 {
        self.per_shop
            .get(&shop_id)
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
    recent: HashMap<i64, VecDeque<Instant>>,
}

impl RequestLog {
    pub fn new(started: Instant) -> Self {
        Self {
            started,
            snapshot: RequestLogSnapshot::default(),
            recent: HashMap::new(),
        }
    }

    /// Records a call's arrival for the per-shop sliding-window maximum. Called once per request, before any check.
    pub fn arrived(&mut self, shop_id: Option<i64>, now: Instant) {
        let Some(shop_id) = shop_id else { return };
        let window = self.recent.entry(shop_id).or_default();
        prune(window, now);
        window.push_back(now);
        let seen = window.len() as u64;
        let stats = self.snapshot.per_shop.entry(shop_id).or_default();
        stats.max_calls_in_one_second = stats.max_calls_in_one_second.max(seen);
    }

    /// Records a call's outcome.
    pub fn finished(
        &mut self,
        method: &str,
        path: &str,
        shop_id: Option<i64>,
        rejection: Option<Rejection>,
        error: &str,
        now: Instant,
    ) {
        let s = &mut self.snapshot;
        s.total_calls += 1;
        *s.per_endpoint.entry(path.to_owned()).or_default() += 1;
        if let Some(shop_id) = shop_id {
            let shop = s.per_shop.entry(shop_id).or_default();
            shop.calls += 1;
            *shop.per_endpoint.entry(path.to_owned()).or_default() += 1;
            if rejection == Some(Rejection::RateLimited) {
                shop.rate_limit_violations += 1;
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
                shop_id,
                rejection,
                error: error.to_owned(),
            });
        }
    }

    pub fn snapshot(&self) -> RequestLogSnapshot {
        self.snapshot.clone()
    }

    pub fn reset(&mut self) {
        self.snapshot = RequestLogSnapshot::default();
        self.recent.clear();
    }
}
