//! The request log: what tests assert on. Counts calls per endpoint and per shop, rejections by reason, and the
//! busiest one-second sliding window seen per shop (all arriving calls, accepted or not), so a test can prove
//! that a client never exceeded its promised rate. Secrets are never recorded: only method, path, shop and
//! outcome (no query string, no headers, no body).

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
    pub shop_id: Option<String>,
    /// `None` when the call succeeded (possibly with a partial `data.errors`).
    pub rejection: Option<Rejection>,
    /// TikTok's `code`, 0 on success.
    pub code: i64,
}

/// Per-shop counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ShopCalls {
    pub calls: u64,
    pub per_endpoint: BTreeMap<String, u64>,
    /// Most calls that arrived from this shop within any one-second sliding window.
    pub max_calls_in_one_second: u64,
    /// Calls refused with 36009002 (each one exceeded the limit).
    pub rate_limit_violations: u64,
}

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
        self.per_endpoint.get(endpoint).copied().unwrap_or(0)
    }

    pub fn calls_for_shop(&self, shop_id: &str, endpoint: &str) -> u64 {
        self.per_shop
            .get(shop_id)
            .and_then(|s| s.per_endpoint.get(endpoint))
            .copied()
            .unwrap_or(0)
    }

    pub fn rejections(&self, reason: Rejection) -> u64 {
        self.rejections.get(&reason).copied().unwrap_or(0)
    }

    pub fn max_calls_in_one_second(&self, shop_id: &str) -> u64 {
        self.per_shop
            .get(shop_id)
            .map(|s| s.max_calls_in_one_second)
            .unwrap_or(0)
    }

    pub fn rate_limit_violations(&self, shop_id: &str) -> u64 {
        self.per_shop
            .get(shop_id)
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
    recent: HashMap<String, VecDeque<Instant>>,
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
    pub fn arrived(&mut self, shop_id: Option<&str>, now: Instant) {
        let Some(shop_id) = shop_id else { return };
        let window = self.recent.entry(shop_id.to_owned()).or_default();
        prune(window, now);
        window.push_back(now);
        let seen = window.len() as u64;
        let stats = self
            .snapshot
            .per_shop
            .entry(shop_id.to_owned())
            .or_default();
        stats.max_calls_in_one_second = stats.max_calls_in_one_second.max(seen);
    }

    /// Records a call's outcome.
    pub fn finished(
        &mut self,
        method: &str,
        endpoint: &str,
        shop_id: Option<&str>,
        rejection: Option<Rejection>,
        code: i64,
        now: Instant,
    ) {
        let s = &mut self.snapshot;
        s.total_calls += 1;
        *s.per_endpoint.entry(endpoint.to_owned()).or_default() += 1;
        if let Some(shop_id) = shop_id {
            let shop = s.per_shop.entry(shop_id.to_owned()).or_default();
            shop.calls += 1;
            *shop.per_endpoint.entry(endpoint.to_owned()).or_default() += 1;
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
                path: endpoint
                    .split_once(' ')
                    .map_or(endpoint, |(_, p)| p)
                    .to_owned(),
                shop_id: shop_id.map(str::to_owned),
                rejection,
                code,
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
