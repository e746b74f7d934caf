//! Which accounts this instance works right now, as the fleet's coordinator
//! (`daemon::fleet`) decided, and the wake-up of each account's worker.
//!
//! Workers never query their lease: they read this map, which the
//! coordinator keeps equal to the leases held in the database. A worker
//! marks its account busy while it claims and pushes, so the coordinator
//! gives an account away only between batches and two instances never push
//! one account at the same time.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

#[derive(Default)]
struct State {
    /// Account id → epoch of its lease.
    held: HashMap<i64, i64>,
    busy: HashSet<i64>,
    wakers: HashMap<i64, Arc<Notify>>,
}

/// The accounts held by this instance; shared by the coordinator, the
/// dispatcher and the workers.
#[derive(Default)]
pub struct Ownership {
    state: Mutex<State>,
}

/// An account being worked; dropping it ends the batch.
pub struct Hold<'a> {
    ownership: &'a Ownership,
    account: i64,
    pub epoch: i64,
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        self.ownership.lock().busy.remove(&self.account);
    }
}

impl Ownership {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock leaves plain maps behind: still
        // consistent enough to go on with.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this instance holds `account`.
    pub fn owns(&self, account: i64) -> bool {
        self.lock().held.contains_key(&account)
    }

    /// How many accounts this instance holds.
    pub fn count(&self) -> usize {
        self.lock().held.len()
    }

    /// Starts a batch on `account` if this instance holds it.
    pub fn hold(&self, account: i64) -> Option<Hold<'_>> {
        let mut s = self.lock();
        let epoch = *s.held.get(&account)?;
        s.busy.insert(account);
        Some(Hold {
            ownership: self,
            account,
            epoch,
        })
    }

    /// Records leases taken (or confirmed) with their epochs, and wakes
    /// the workers of those new to this instance (or with a new epoch);
    /// confirming what is already held wakes nobody.
    pub fn grant(&self, leases: &[(i64, i64)]) {
        let wake: Vec<Arc<Notify>> = {
            let mut s = self.lock();
            leases
                .iter()
                .filter_map(|&(account, epoch)| {
                    if s.held.insert(account, epoch) == Some(epoch) {
                        return None;
                    }
                    Some(s.wakers.entry(account).or_default().clone())
                })
                .collect()
        };
        for w in wake {
            w.notify_one();
        }
    }

    /// Stops working `accounts`; returns those that may be released now
    /// (no batch in flight). The others are released at a later call.
    pub fn revoke(&self, accounts: &[i64]) -> Vec<i64> {
        let mut s = self.lock();
        for a in accounts {
            s.held.remove(a);
        }
        accounts
            .iter()
            .copied()
            .filter(|a| !s.busy.contains(a))
            .collect()
    }

    /// Forgets every account: the instance can no longer prove it is alive.
    pub fn revoke_all(&self) {
        self.lock().held.clear();
    }

    /// The accounts held, with their epochs.
    pub fn held(&self) -> Vec<(i64, i64)> {
        self.lock().held.iter().map(|(a, e)| (*a, *e)).collect()
    }

    /// Whether any batch is in flight.
    pub fn any_busy(&self) -> bool {
        !self.lock().busy.is_empty()
    }

    /// The wake-up of `account`'s worker (a permit is kept, so a wake-up
    /// sent while the worker is busy is not lost).
    pub fn waker(&self, account: i64) -> Arc<Notify> {
        self.lock().wakers.entry(account).or_default().clone()
    }

    /// Wakes `account`'s worker.
    pub fn wake(&self, account: i64) {
        self.waker(account).notify_one();
    }
}

/// A stable 64-bit hash (FNV-1a then a final mix): every instance must
/// compute the same assignment, so no per-process random seed.
pub fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // splitmix64's finaliser spreads FNV's weak low bits.
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Where in each `interval` an account's periodic work (order polling)
/// falls: spread by a hash of its name, so thousands of shops do not all
/// fire at once.
pub fn spread_offset(account: &str, interval: std::time::Duration) -> std::time::Duration {
    let ms = u64::try_from(interval.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    std::time::Duration::from_millis(stable_hash(&[account.as_bytes()]) % ms)
}

#[cfg(test)]
mod tests {
    use super::Ownership;

    #[test]
    fn a_busy_account_is_released_only_after_its_batch() {
        let own = Ownership::default();
        own.grant(&[(1, 4), (2, 7)]);
        let hold = own.hold(1).expect("held");
        assert_eq!(hold.epoch, 4);
        assert_eq!(own.revoke(&[1, 2]), vec![2]);
        assert!(own.hold(1).is_none(), "a revoked account is not worked");
        drop(hold);
        assert_eq!(own.revoke(&[1]), vec![1]);
        assert!(!own.any_busy());
    }
}
