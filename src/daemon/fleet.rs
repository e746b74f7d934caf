//! Several `kho serve` instances on one PostgreSQL: each renews one
//! heartbeat row, spreads the accounts over the live instances by
//! rendezvous hashing, takes what falls to it, gives away what falls to
//! another instance, and takes over a dead instance's accounts once its
//! heartbeat has expired. A dispatcher wakes an account's worker only when
//! one of its jobs is due, so idle accounts cost no statements at all.
//!
//! Anti-flapping: a change in the set of live instances is acted on only
//! after it has held for `settle`, so an instance that misses a beat or
//! restarts does not move accounts back and forth.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::store::Store;
use crate::sync::ownership::{Ownership, stable_hash};

/// Timing of the fleet.
#[derive(Debug, Clone, Copy)]
pub struct FleetTiming {
    /// Between heartbeats (one statement each).
    pub heartbeat: Duration,
    /// How long an instance counts as alive after its last heartbeat; its
    /// accounts are taken over after that.
    pub ttl: Duration,
    /// How long a new set of live instances must hold before accounts move.
    pub settle: Duration,
}

impl Default for FleetTiming {
    fn default() -> Self {
        FleetTiming {
            heartbeat: Duration::from_secs(1),
            ttl: Duration::from_secs(8),
            settle: Duration::from_secs(2),
        }
    }
}

/// The instance that should work `account`: the highest score over the
/// live instances (rendezvous hashing), so when one joins or leaves only
/// the accounts it gains or loses move.
pub fn assign(account: i64, instances: &[String]) -> Option<&str> {
    let key = account.to_le_bytes();
    instances
        .iter()
        .max_by_key(|i| (stable_hash(&[i.as_bytes(), &key]), i.as_str()))
        .map(String::as_str)
}

/// Keeps this instance's leases equal to its share until `stop`, then
/// releases them and leaves.
pub async fn coordinate(
    store: Store,
    me: String,
    accounts: Vec<i64>,
    ownership: Arc<Ownership>,
    timing: FleetTiming,
    mut stop: watch::Receiver<bool>,
) {
    let mut seen: Vec<String> = Vec::new();
    let mut seen_since = Instant::now();
    let mut settled: Option<Vec<String>> = None;
    let mut last_beat = Instant::now();
    loop {
        let beat =
            tokio::time::timeout(timing.ttl / 2, store.heartbeat(&me, timing.ttl, true)).await;
        match beat {
            Ok(Ok(())) => last_beat = Instant::now(),
            Ok(Err(e)) => tracing::warn!(error = %e, "heartbeat failed"),
            Err(_) => tracing::warn!("heartbeat timed out"),
        }
        // Past three quarters of the lease without a heartbeat, another
        // instance may soon take the accounts: stop pushing them first.
        if last_beat.elapsed() > timing.ttl * 3 / 4 {
            if ownership.count() > 0 {
                tracing::warn!("no heartbeat for too long: working no account until one succeeds");
            }
            ownership.revoke_all();
        } else if let Err(e) = rebalance(
            &store,
            &me,
            &accounts,
            &ownership,
            timing,
            (&mut seen, &mut seen_since, &mut settled),
        )
        .await
        {
            tracing::warn!(error = %e, "cannot update the account leases");
        }
        tokio::select! {
            _ = tokio::time::sleep(timing.heartbeat) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Hands every account back and removes this instance's row (clean
/// shutdown, once the workers have stopped), so the others take over at
/// once instead of after the heartbeat's time-to-live.
pub async fn leave(store: &Store, me: &str, ownership: &Ownership) {
    ownership.revoke_all();
    match store.held_leases(me).await {
        Ok(rows) => {
            let mine: Vec<i64> = rows.into_iter().map(|(a, _)| a).collect();
            if let Err(e) = store.release_leases(me, &mine).await {
                tracing::warn!(error = %e, "cannot release the account leases");
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot read the account leases"),
    }
    if let Err(e) = store.leave(me).await {
        tracing::warn!(error = %e, "cannot remove this instance's heartbeat");
    }
}

type Membership<'a> = (
    &'a mut Vec<String>,
    &'a mut Instant,
    &'a mut Option<Vec<String>>,
);

async fn rebalance(
    store: &Store,
    me: &str,
    accounts: &[i64],
    ownership: &Ownership,
    timing: FleetTiming,
    (seen, seen_since, settled): Membership<'_>,
) -> Result<(), crate::store::StoreError> {
    let mut live = store.live_instances().await?;
    if !live.iter().any(|i| i == me) {
        live.push(me.to_owned());
        live.sort();
    }
    if live != *seen {
        *seen = live.clone();
        *seen_since = Instant::now();
    }
    // The first view is taken at once (an instance starting has nothing to
    // keep); later ones once they have held for `settle`.
    if settled.is_none() || seen_since.elapsed() >= timing.settle {
        if settled.as_ref() != Some(seen) {
            tracing::info!(instances = ?seen, "instances settled");
        }
        *settled = Some(seen.clone());
    }
    let members = settled.as_deref().unwrap_or_default();
    let wanted: HashSet<i64> = accounts
        .iter()
        .copied()
        .filter(|a| assign(*a, members) == Some(me))
        .collect();
    let held = store.held_leases(me).await?;
    let held_ids: HashSet<i64> = held.iter().map(|(a, _)| *a).collect();
    let keep: Vec<(i64, i64)> = held
        .iter()
        .copied()
        .filter(|(a, _)| wanted.contains(a))
        .collect();
    let give: Vec<i64> = held_ids.difference(&wanted).copied().collect();
    ownership.grant(&keep);
    // Held locally but not in the database: taken over while this
    // instance could not beat.
    let lost: Vec<i64> = ownership
        .held()
        .into_iter()
        .map(|(a, _)| a)
        .filter(|a| !held_ids.contains(a))
        .collect();
    ownership.revoke(&lost);
    if !give.is_empty() {
        let free = ownership.revoke(&give);
        let n = store.release_leases(me, &free).await?;
        if n > 0 {
            tracing::info!(accounts = n, "accounts handed to other instances");
        }
    }
    let mut take: Vec<i64> = wanted.difference(&held_ids).copied().collect();
    take.sort_unstable();
    if !take.is_empty() {
        let taken = store.take_leases(me, &take).await?;
        for (account, _) in &taken {
            // Claims of a previous owner would otherwise hold their jobs
            // back until their own leases run out.
            if let Err(e) = store.reclaim_jobs(*account, me).await {
                tracing::warn!(account, error = %e, "cannot reclaim jobs");
            }
        }
        if !taken.is_empty() {
            tracing::info!(accounts = taken.len(), "accounts taken");
        }
        ownership.grant(&taken);
    }
    Ok(())
}

/// Wakes the worker of each held account with a due job: one query per
/// wake-up (a `NOTIFY`, a change in this process, a lease taken) or per
/// `poll` at most, instead of one per account.
pub async fn dispatch(
    store: Store,
    ownership: Arc<Ownership>,
    poll: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        // Listening before the query: a change committed while it runs
        // still wakes the next wait instead of waiting for `poll`.
        let woken = store.waker().notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let mut next: Option<Duration> = None;
        match store.due_accounts().await {
            Ok(due) => {
                let now = Utc::now();
                let mut woken = BTreeSet::new();
                for (account, at) in due {
                    if !ownership.owns(account) {
                        continue;
                    }
                    match (at - now).to_std() {
                        Ok(wait) if wait > Duration::from_millis(2) => {
                            next = Some(next.map_or(wait, |n| n.min(wait)));
                        }
                        _ => {
                            woken.insert(account);
                        }
                    }
                }
                for account in woken {
                    ownership.wake(account);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read due jobs"),
        }
        let wait = next.unwrap_or(poll).min(poll);
        tokio::select! {
            _ = woken => {
                // Changes come in bursts: one look for the burst.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::assign;

    fn names(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("host-{i}-{:08x}", i * 7919))
            .collect()
    }

    #[test]
    fn accounts_spread_evenly_and_only_a_leavers_accounts_move() {
        let three = names(3);
        let mut counts = [0usize; 3];
        for a in 1..=2000 {
            let owner = assign(a, &three).unwrap();
            counts[three.iter().position(|i| i == owner).unwrap()] += 1;
        }
        let (max, min) = (counts.iter().max().unwrap(), counts.iter().min().unwrap());
        assert!(*max as f64 / *min as f64 <= 1.2, "{counts:?}");
        let two = vec![three[0].clone(), three[2].clone()];
        for a in 1..=2000 {
            let before = assign(a, &three).unwrap();
            if before != three[1] {
                assert_eq!(assign(a, &two), Some(before), "account {a} moved");
            }
        }
    }
}
