//! Rate limiting, counted the way the gateway counts: at most N admitted calls in **any** sliding one-second window
//! (not per calendar second, not a token bucket that allows a burst on top), plus the ban that Lazada announces
//! with "this ban will last N seconds" (§5). Keys are strings (`seller:…`, `inventory:…`, `api:/path`, `app`)
//! because Lazada limits several scopes at once.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// One limit that applies to a call: its key and its calls-per-second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub key: String,
    pub per_second: u32,
}

/// Admitted-call timestamps per key, kept only for the last second, and bans per key.
#[derive(Debug, Default)]
pub struct SlidingWindowLimiter {
    admitted: HashMap<String, VecDeque<Instant>>,
    banned_until: HashMap<String, Instant>,
}

impl SlidingWindowLimiter {
    /// Admits the call only if *every* limit has room (and no key is banned); an admitted call takes a slot in
    /// each window, a refused one takes none. On refusal the full key is banned for `ban` and returned.
    pub fn try_admit(
        &mut self,
        limits: &[Limit],
        now: Instant,
        ban: Duration,
    ) -> Result<(), String> {
        for l in limits {
            if let Some(&until) = self.banned_until.get(&l.key)
                && now < until
            {
                return Err(l.key.clone());
            }
            let window = self.admitted.entry(l.key.clone()).or_default();
            prune(window, now);
            if window.len() >= l.per_second as usize {
                if !ban.is_zero() {
                    self.banned_until.insert(l.key.clone(), now + ban);
                }
                return Err(l.key.clone());
            }
        }
        for l in limits {
            self.admitted
                .entry(l.key.clone())
                .or_default()
                .push_back(now);
        }
        Ok(())
    }

    pub fn reset(&mut self) {
        self.admitted.clear();
        self.banned_until.clear();
    }
}

pub(crate) use crate::common::window::prune;

#[cfg(test)]
mod tests {
    use super::*;

    fn lim(key: &str, n: u32) -> Vec<Limit> {
        vec![Limit {
            key: key.to_owned(),
            per_second: n,
        }]
    }

    #[test]
    fn at_most_n_in_any_sliding_second() {
        let mut l = SlidingWindowLimiter::default();
        let t0 = Instant::now();
        let no_ban = Duration::ZERO;
        assert!(l.try_admit(&lim("s1", 2), t0, no_ban).is_ok());
        assert!(
            l.try_admit(&lim("s1", 2), t0 + Duration::from_millis(600), no_ban)
                .is_ok()
        );
        // 0.9 s after the first: a calendar-second counter might allow it, a sliding window must not.
        assert!(
            l.try_admit(&lim("s1", 2), t0 + Duration::from_millis(900), no_ban)
                .is_err()
        );
        assert!(
            l.try_admit(&lim("s1", 2), t0 + Duration::from_millis(1000), no_ban)
                .is_ok()
        );
        assert!(
            l.try_admit(&lim("s1", 2), t0 + Duration::from_millis(1500), no_ban)
                .is_err()
        );
        assert!(
            l.try_admit(&lim("s1", 2), t0 + Duration::from_millis(1600), no_ban)
                .is_ok()
        );
        assert!(
            l.try_admit(&lim("s2", 2), t0 + Duration::from_millis(1600), no_ban)
                .is_ok()
        );
    }

    #[test]
    fn a_ban_outlasts_the_window() {
        let mut l = SlidingWindowLimiter::default();
        let t0 = Instant::now();
        let ban = Duration::from_secs(3);
        assert!(l.try_admit(&lim("s", 1), t0, ban).is_ok());
        assert!(
            l.try_admit(&lim("s", 1), t0 + Duration::from_millis(100), ban)
                .is_err()
        );
        // The window has room again after 1 s, but the ban lasts 3 s from the refusal.
        assert!(
            l.try_admit(&lim("s", 1), t0 + Duration::from_millis(2000), ban)
                .is_err()
        );
        assert!(
            l.try_admit(&lim("s", 1), t0 + Duration::from_millis(3100), ban)
                .is_ok()
        );
    }

    #[test]
    fn a_refusal_by_one_limit_takes_no_slot_in_the_others() {
        let mut l = SlidingWindowLimiter::default();
        let t0 = Instant::now();
        let both = |n| {
            vec![
                Limit {
                    key: "a".into(),
                    per_second: 5,
                },
                Limit {
                    key: "b".into(),
                    per_second: n,
                },
            ]
        };
        assert!(l.try_admit(&both(1), t0, Duration::ZERO).is_ok());
        assert_eq!(
            l.try_admit(&both(1), t0, Duration::ZERO),
            Err("b".to_owned())
        );
        for _ in 0..4 {
            assert!(l.try_admit(&lim("a", 5), t0, Duration::ZERO).is_ok());
        }
        assert!(l.try_admit(&lim("a", 5), t0, Duration::ZERO).is_err());
    }
}
