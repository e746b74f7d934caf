//! Per-account rate limiting that keeps the promise "at most N requests in any sliding one-second window".
//!
//! governor implements GCRA: with emission interval `T` and burst `B`, any window of length `W` admits at
//! most `B + ⌈W/T⌉ − 1` requests. A naive `Quota::per_second(N).allow_burst(B)` therefore lets through
//! `B + N − 1` requests in one second, over the promise whenever `B > 1`, and exactly at it (with no room
//! for network jitter) when `B = 1`. We instead space cells at `T = (1 s + margin) / (N − B + 1)`, so that
//! `N + 1` requests always span at least `1 s + margin`: the promise holds even if the marketplace sees our
//! requests up to `margin` closer together than we sent them. Sustained throughput is
//! `(N − B + 1) / (1 + margin)` per second — with the default `B = 1` and a 20 ms margin, 98 % of `N`.
//! A larger burst buys back-to-back requests at the price of sustained rate; that is inherent to the promise.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};

/// The default margin for arrival jitter.
pub const DEFAULT_MARGIN: Duration = Duration::from_millis(20);

/// An account's configured limit (`rate_limit = { per_second = 10, burst = 1 }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// N: the most requests the marketplace may see in any one-second window.
    pub per_second: NonZeroU32,
    /// B: how many may go back to back (≤ N).
    #[serde(default = "one")]
    pub burst: NonZeroU32,
    /// Extra spacing per second to absorb arrival jitter.
    #[serde(default = "default_margin", with = "millis", rename = "margin_ms")]
    pub margin: Duration,
}

fn one() -> NonZeroU32 {
    NonZeroU32::MIN
}

fn default_margin() -> Duration {
    DEFAULT_MARGIN
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

/// A limit that cannot be enforced as configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitError {
    #[error("rate_limit.burst ({burst}) must not exceed rate_limit.per_second ({per_second})")]
    BurstAbovePerSecond { burst: u32, per_second: u32 },
}

impl RateLimit {
    /// `per_second` with burst 1 and the default margin.
    pub fn per_second(n: NonZeroU32) -> Self {
        Self {
            per_second: n,
            burst: NonZeroU32::MIN,
            margin: DEFAULT_MARGIN,
        }
    }

    pub fn with_burst(mut self, burst: NonZeroU32) -> Self {
        self.burst = burst;
        self
    }

    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The spacing between cells once the burst is used up.
    pub fn emission_interval(&self) -> Result<Duration, RateLimitError> {
        let (n, b) = (self.per_second.get(), self.burst.get());
        if b > n {
            return Err(RateLimitError::BurstAbovePerSecond {
                burst: b,
                per_second: n,
            });
        }
        // n - b + 1 ≥ 1 because b ≤ n.
        let cells = n - b + 1;
        Ok((Duration::from_secs(1) + self.margin) / cells)
    }

    /// The governor quota that keeps the sliding-window promise (see the module docs).
    pub fn quota(&self) -> Result<Quota, RateLimitError> {
        let interval = self.emission_interval()?;
        // with_period only fails for a zero period, which the 1 s term rules out; fall back to the
        // strictest quota rather than panic.
        let quota = Quota::with_period(interval)
            .unwrap_or_else(|| Quota::per_second(self.per_second))
            .allow_burst(self.burst);
        Ok(quota)
    }
}

/// An account's limiter. Cheap to clone; all clones share the same state.
///
/// Besides the GCRA quota it holds a *pause*: when the marketplace answers "rate limited", every request of
/// the account — not only the one being retried — waits until the pause is over, so a throttled account
/// slows down as a whole instead of hammering the marketplace from its other tasks.
#[derive(Clone)]
pub struct AccountLimiter {
    inner: Arc<DefaultDirectRateLimiter>,
    paused_until: Arc<Mutex<Option<Instant>>>,
    limit: RateLimit,
}

impl std::fmt::Debug for AccountLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountLimiter")
            .field("limit", &self.limit)
            .finish()
    }
}

/// The longest pause a marketplace's hint can impose.
const MAX_PAUSE: Duration = Duration::from_secs(24 * 3600);

impl AccountLimiter {
    pub fn new(limit: RateLimit) -> Result<Self, RateLimitError> {
        Ok(Self {
            inner: Arc::new(RateLimiter::direct(limit.quota()?)),
            paused_until: Arc::default(),
            limit,
        })
    }

    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Hold every request of the account for `for_at_least` (extending, never shortening, a pause).
    pub fn pause(&self, for_at_least: Duration) {
        // A marketplace's hint can be absurd (`Retry-After: 1e300`); a day is as long as kho holds back.
        let until = Instant::now() + for_at_least.min(MAX_PAUSE);
        if let Ok(mut paused) = self.paused_until.lock() {
            *paused = Some(paused.map_or(until, |p| p.max(until)));
        }
    }

    fn pause_remaining(&self) -> Option<Duration> {
        let until = (*self.paused_until.lock().ok()?)?;
        until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Wait until one request may go out; returns how long we waited.
    pub async fn acquire(&self) -> Duration {
        let start = Instant::now();
        // A pause may be extended while we sleep: check again after each wait.
        while let Some(remaining) = self.pause_remaining() {
            tokio::time::sleep(remaining).await;
        }
        self.inner.until_ready().await;
        start.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nz(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    /// A `Retry-After` too large for an `Instant` overflowed `Instant::now() + d` (found while fixing the
    /// fuzz targets' Retry-After crash).
    #[test]
    fn an_absurd_pause_is_capped_not_a_panic() {
        let limiter = AccountLimiter::new(RateLimit::per_second(nz(5))).unwrap();
        limiter.pause(Duration::MAX);
        let left = limiter.pause_remaining().unwrap();
        assert!(left <= MAX_PAUSE && left > MAX_PAUSE - Duration::from_secs(60));
    }

    /// GCRA bound: the most cells in any half-open window of length `w`.
    fn worst_case_in_window(limit: &RateLimit, w: Duration) -> u32 {
        let t = limit.emission_interval().unwrap();
        let mut k = 0u32;
        while t * (k + 1) < w {
            k += 1;
        }
        // burst at time 0, then one every t: those strictly inside [0, w).
        limit.burst.get() + k
    }

    #[test]
    fn sized_quota_never_exceeds_n_per_second() {
        for n in [1, 2, 5, 10, 50, 100, 1000] {
            for b in [1, 2, n / 2, n] {
                let Some(b) = NonZeroU32::new(b).filter(|b| b.get() <= n) else {
                    continue;
                };
                let limit = RateLimit::per_second(nz(n)).with_burst(b);
                let worst = worst_case_in_window(&limit, Duration::from_secs(1));
                assert!(worst <= n, "n={n} b={b}: {worst}");
            }
        }
    }

    /// The real governor limiter on a fake clock, hammered greedily every 100 µs for 5 s: no sliding
    /// second ever sees more than N admissions, and throughput stays within 3 % of N − B + 1.
    #[test]
    fn governor_with_sized_quota_keeps_promise_on_fake_clock() {
        use governor::clock::FakeRelativeClock;
        for (n, b) in [(1, 1), (10, 1), (10, 3), (10, 10), (50, 1), (7, 4)] {
            let limit = RateLimit::per_second(nz(n)).with_burst(nz(b));
            let clock = FakeRelativeClock::default();
            let limiter = RateLimiter::direct_with_clock(limit.quota().unwrap(), clock.clone());
            let step = Duration::from_micros(100);
            let mut admitted: Vec<Duration> = Vec::new();
            let mut now = Duration::ZERO;
            while now < Duration::from_secs(5) {
                while limiter.check().is_ok() {
                    admitted.push(now);
                }
                clock.advance(step);
                now += step;
            }
            let mut worst = 0;
            let mut j = 0;
            for i in 0..admitted.len() {
                while j < admitted.len() && admitted[j] - admitted[i] < Duration::from_secs(1) {
                    j += 1;
                }
                worst = worst.max(j - i);
            }
            assert!(worst <= n as usize, "n={n} b={b}: {worst} in one second");
            let span = admitted.last().copied().unwrap_or_default().as_secs_f64();
            let sustained = f64::from(admitted.len() as u32 - b) / span;
            let ideal = f64::from(n - b + 1);
            assert!(sustained >= ideal * 0.97, "n={n} b={b}: {sustained}/s");
        }
    }

    #[test]
    fn default_burst_keeps_throughput_within_a_few_percent() {
        let limit = RateLimit::per_second(nz(10));
        let t = limit.emission_interval().unwrap();
        assert_eq!(t, Duration::from_millis(102));
        let rate = 1.0 / t.as_secs_f64();
        assert!(rate > 9.7 && rate <= 10.0, "{rate}");
    }

    #[test]
    fn naive_quota_would_break_the_promise() {
        // Documenting why the sizing exists: per_second(10) with burst 10 admits 19 in one second.
        let naive = Quota::per_second(nz(10)).allow_burst(nz(10));
        let t = naive.replenish_interval();
        let in_one_second = 10
            + (1..)
                .take_while(|k| t * *k < Duration::from_secs(1))
                .count();
        assert_eq!(in_one_second, 19);
    }

    #[test]
    fn burst_above_rate_is_rejected() {
        let limit = RateLimit::per_second(nz(2)).with_burst(nz(3));
        assert!(matches!(
            limit.quota(),
            Err(RateLimitError::BurstAbovePerSecond { .. })
        ));
    }

    #[test]
    fn deserializes_with_defaults() {
        let l: RateLimit = serde_json::from_str(r#"{"per_second":10}"#).unwrap();
        assert_eq!(l, RateLimit::per_second(nz(10)));
        let l: RateLimit =
            serde_json::from_str(r#"{"per_second":10,"burst":2,"margin_ms":50}"#).unwrap();
        assert_eq!(l.burst.get(), 2);
        assert_eq!(l.margin, Duration::from_millis(50));
        assert!(serde_json::from_str::<RateLimit>(r#"{"per_second":10,"brust":2}"#).is_err());
    }
}
