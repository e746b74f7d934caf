//! The request log every simulator keeps the same way: calls per endpoint and
//! per account, rejections by reason, the busiest one-second sliding window
//! seen per account and overall (all arriving calls, accepted or not), and
//! rate-limit violations, so a test can prove that a client never exceeded
//! its promised rate. Each marketplace chooses the account key (a numeric
//! shop or seller id, a string shop id), its rejection reasons and what one
//! entry records (its own error field), and names the fields of the
//! snapshot it serves; secrets are never recorded.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::Hash;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::window::prune;

/// Per-account counters (a shop's or a seller's).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AccountCalls {
    pub calls: u64,
    pub per_endpoint: BTreeMap<String, u64>,
    /// Most calls that arrived for this account within any one-second sliding window.
    pub max_calls_in_one_second: u64,
    /// Calls refused by a rate limit (each one exceeded the limit).
    pub rate_limit_violations: u64,
}

/// Cap on kept entries so a long demo run does not grow without bound; counters are never capped.
const MAX_ENTRIES: usize = 100_000;

/// The counters and the kept entries; `A` is the account key, `R` the
/// rejection reason, `E` one recorded call.
#[derive(Debug)]
pub(crate) struct RequestLog<A, R, E> {
    started: Instant,
    /// The reason that counts as a rate-limit violation.
    rate_limited: R,
    pub total_calls: u64,
    pub per_endpoint: BTreeMap<String, u64>,
    pub per_account: BTreeMap<A, AccountCalls>,
    pub rejections: BTreeMap<R, u64>,
    /// Most calls that arrived (any account, or none) within any one-second sliding window.
    pub max_calls_in_one_second: u64,
    /// Calls refused by any rate limit, attributed to an account or not.
    pub rate_limit_violations: u64,
    pub entries: Vec<E>,
    recent: HashMap<A, VecDeque<Instant>>,
    recent_all: VecDeque<Instant>,
}

impl<A: Ord + Hash + Clone, R: Ord + Copy, E> RequestLog<A, R, E> {
    pub fn new(started: Instant, rate_limited: R) -> Self {
        Self {
            started,
            rate_limited,
            total_calls: 0,
            per_endpoint: BTreeMap::new(),
            per_account: BTreeMap::new(),
            rejections: BTreeMap::new(),
            max_calls_in_one_second: 0,
            rate_limit_violations: 0,
            entries: Vec::new(),
            recent: HashMap::new(),
            recent_all: VecDeque::new(),
        }
    }

    /// Records a call's arrival for the sliding-window maxima. Called once per request, before any check.
    pub fn arrived(&mut self, account: Option<&A>, now: Instant) {
        prune(&mut self.recent_all, now);
        self.recent_all.push_back(now);
        let all = self.recent_all.len() as u64;
        self.max_calls_in_one_second = self.max_calls_in_one_second.max(all);
        let Some(account) = account else { return };
        let window = self.recent.entry(account.clone()).or_default();
        prune(window, now);
        window.push_back(now);
        let seen = window.len() as u64;
        let stats = self.per_account.entry(account.clone()).or_default();
        stats.max_calls_in_one_second = stats.max_calls_in_one_second.max(seen);
    }

    /// Records a call's outcome; `entry` builds the kept record from the
    /// milliseconds since the simulator started.
    pub fn finished(
        &mut self,
        endpoint: &str,
        account: Option<&A>,
        rejection: Option<R>,
        now: Instant,
        entry: impl FnOnce(u64) -> E,
    ) {
        self.total_calls += 1;
        *self.per_endpoint.entry(endpoint.to_owned()).or_default() += 1;
        let limited = rejection == Some(self.rate_limited);
        if limited {
            self.rate_limit_violations += 1;
        }
        if let Some(account) = account {
            let stats = self.per_account.entry(account.clone()).or_default();
            stats.calls += 1;
            *stats.per_endpoint.entry(endpoint.to_owned()).or_default() += 1;
            if limited {
                stats.rate_limit_violations += 1;
            }
        }
        if let Some(reason) = rejection {
            *self.rejections.entry(reason).or_default() += 1;
        }
        if self.entries.len() < MAX_ENTRIES {
            let at_ms = now.saturating_duration_since(self.started).as_millis() as u64;
            self.entries.push(entry(at_ms));
        }
    }

    /// When the log started (its entries' `at_ms` count from here).
    pub fn started(&self) -> Instant {
        self.started
    }

    pub fn reset(&mut self) {
        *self = Self::new(self.started, self.rate_limited);
    }
}

/// One count in a map of counts (calls per endpoint, rejections per reason), 0 when absent.
pub(crate) fn count<K: Ord + Borrow<Q>, Q: Ord + ?Sized>(
    counts: &BTreeMap<K, u64>,
    key: &Q,
) -> u64 {
    counts.get(key).copied().unwrap_or(0)
}

/// One counter of one account, 0 for an account never seen.
pub(crate) fn account_count<K: Ord + Borrow<Q>, Q: Ord + ?Sized>(
    per_account: &BTreeMap<K, AccountCalls>,
    account: &Q,
    counter: impl FnOnce(&AccountCalls) -> u64,
) -> u64 {
    per_account.get(account).map(counter).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn counts_calls_windows_and_rate_limit_violations_per_account_and_overall() {
        let t0 = Instant::now();
        let mut log: RequestLog<i64, u8, u64> = RequestLog::new(t0, 9);
        for i in 0..3 {
            log.arrived(Some(&1), t0 + Duration::from_millis(i * 100));
        }
        log.arrived(None, t0 + Duration::from_millis(300));
        log.arrived(Some(&1), t0 + Duration::from_millis(1_500));
        log.finished("/a", Some(&1), None, t0, |ms| ms);
        log.finished(
            "/a",
            Some(&1),
            Some(9),
            t0 + Duration::from_millis(20),
            |ms| ms,
        );
        log.finished("/b", None, Some(9), t0, |ms| ms);
        assert_eq!(log.per_account[&1].max_calls_in_one_second, 3);
        assert_eq!(log.max_calls_in_one_second, 4);
        assert_eq!(count(&log.per_endpoint, "/a"), 2);
        assert_eq!(account_count(&log.per_account, &1, |a| a.calls), 2);
        assert_eq!(
            account_count(&log.per_account, &1, |a| a.rate_limit_violations),
            1
        );
        assert_eq!(log.rate_limit_violations, 2);
        assert_eq!(count(&log.rejections, &9), 2);
        assert_eq!(log.entries, vec![0, 20, 0]);
        log.reset();
        assert_eq!(log.total_calls, 0);
        assert!(log.entries.is_empty() && log.per_account.is_empty());
    }
}
