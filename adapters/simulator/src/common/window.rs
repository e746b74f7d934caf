//! Rate limits counted the way marketplaces count: at most N admitted calls
//! in **any** sliding one-second window (not per calendar second, not a token
//! bucket that allows a burst on top).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

/// Admitted-call timestamps per key (a shop, a seller, an app), kept only
/// for the last second.
#[derive(Debug)]
pub(crate) struct SlidingWindowLimiter<K> {
    admitted: HashMap<K, VecDeque<Instant>>,
}

impl<K> Default for SlidingWindowLimiter<K> {
    fn default() -> Self {
        Self {
            admitted: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq + Clone> SlidingWindowLimiter<K> {
    /// Admits the call if fewer than `limit` calls were admitted for `key` in
    /// the second before `now`. A refused call is not recorded, so it does
    /// not push the window further out.
    pub fn try_admit(&mut self, key: &K, limit: u32, now: Instant) -> bool {
        if !self.admitted.contains_key(key) {
            self.admitted.insert(key.clone(), VecDeque::new());
        }
        let Some(window) = self.admitted.get_mut(key) else {
            return false;
        };
        prune(window, now);
        if window.len() < limit as usize {
            window.push_back(now);
            true
        } else {
            false
        }
    }

    pub fn reset(&mut self) {
        self.admitted.clear();
    }
}

/// Drops instants at least one second older than `now`: a call at `t` and
/// one at `t + 1 s` are in different windows.
pub(crate) fn prune(window: &mut VecDeque<Instant>, now: Instant) {
    while let Some(&front) = window.front() {
        if now.saturating_duration_since(front) >= WINDOW {
            window.pop_front();
        } else {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_n_in_any_sliding_second() {
        let mut l = SlidingWindowLimiter::default();
        let t0 = Instant::now();
        assert!(l.try_admit(&1, 2, t0));
        assert!(l.try_admit(&1, 2, t0 + Duration::from_millis(600)));
        // A third call within a second of the first is refused, and does not count.
        assert!(!l.try_admit(&1, 2, t0 + Duration::from_millis(900)));
        assert!(l.try_admit(&1, 2, t0 + Duration::from_millis(1000)));
        assert!(!l.try_admit(&1, 2, t0 + Duration::from_millis(1500)));
        assert!(l.try_admit(&1, 2, t0 + Duration::from_millis(1600)));
        // Keys are independent.
        assert!(l.try_admit(&2, 2, t0 + Duration::from_millis(1600)));
    }

    #[test]
    fn string_keys_work_the_same() {
        let mut l: SlidingWindowLimiter<String> = SlidingWindowLimiter::default();
        let t0 = Instant::now();
        assert!(l.try_admit(&"shop".to_owned(), 1, t0));
        assert!(!l.try_admit(&"shop".to_owned(), 1, t0));
        l.reset();
        assert!(l.try_admit(&"shop".to_owned(), 1, t0));
    }
}
