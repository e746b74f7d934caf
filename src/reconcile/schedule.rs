//! Scheduled reconciliation inside `kho serve`: at every tick of
//! `sync.reconcile_schedule` (in `sync.timezone`) each account is
//! reconciled in turn. The per-account lease keeps two runs of one account
//! apart, across daemons too; a run still going at the next tick makes that
//! tick skip the account.
//!
//! A province's thousands of shops do not all start at the tick: each
//! account's run waits for its own offset within a spread window (a hash of
//! its name, see [`spread_window`]), so the marketplaces' APIs and the
//! database see the runs spread out, and every instance of a fleet agrees on
//! the order without talking.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use kho_channel::Channel;
use tokio::sync::watch;

use super::{Options, run_account};
use crate::config::{AccountConfig, Config};
use crate::store::Store;

/// One account the schedule reconciles.
pub struct Scheduled {
    pub account: AccountConfig,
    pub account_id: i64,
    pub channel: Arc<dyn Channel>,
}

/// How long until the schedule's next tick after now (None when the
/// schedule has no future tick).
pub fn until_next(schedule: &cron::Schedule, tz: chrono_tz::Tz) -> Option<Duration> {
    let now = Utc::now().with_timezone(&tz);
    let next = schedule.after(&now).next()?;
    (next.with_timezone(&Utc) - Utc::now()).to_std().ok()
}

/// The longest a tick's runs are spread over.
const MAX_SPREAD: Duration = Duration::from_secs(15 * 60);

/// The window a tick's runs are spread over: half the gap to the following
/// tick (so a tick's runs start well before the next), at most
/// [`MAX_SPREAD`]. A schedule with no following tick gets no spread.
pub fn spread_window(schedule: &cron::Schedule, tick: chrono::DateTime<chrono_tz::Tz>) -> Duration {
    schedule
        .after(&tick)
        .next()
        .and_then(|next| (next - tick).to_std().ok())
        .map_or(Duration::ZERO, |gap| (gap / 2).min(MAX_SPREAD))
}

/// The accounts in the order of their offsets within `window`.
fn in_spread_order(accounts: &[Scheduled], window: Duration) -> Vec<(Duration, &Scheduled)> {
    let mut order: Vec<(Duration, &Scheduled)> = accounts
        .iter()
        .map(|a| {
            let offset = if window.is_zero() {
                Duration::ZERO
            } else {
                crate::sync::ownership::spread_offset(&a.account.name, window)
            };
            (offset, a)
        })
        .collect();
    order.sort_by_key(|(offset, a)| (*offset, a.account_id));
    order
}

/// Runs until `stop`.
pub async fn run(
    config: &Config,
    store: Store,
    accounts: Vec<Scheduled>,
    owner: String,
    ownership: Option<Arc<crate::sync::ownership::Ownership>>,
    mut stop: watch::Receiver<bool>,
) {
    let schedule: cron::Schedule = match config.sync.reconcile_schedule.parse() {
        Ok(s) => s,
        Err(e) => {
            // Checked when the configuration was loaded.
            tracing::error!(error = %e, "reconcile_schedule is not a cron expression; no scheduled reconciliation");
            return;
        }
    };
    let tz = config.sync.tz();
    let opts = Options {
        fix: config.sync.reconcile_fix,
        since: None,
        owner,
        restock_on_return: config.sync.restock_on_return,
    };
    loop {
        let now = Utc::now().with_timezone(&tz);
        let Some(tick) = schedule.after(&now).next() else {
            tracing::info!("reconcile_schedule has no future run");
            return;
        };
        let wait = (tick.with_timezone(&Utc) - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        let started = tokio::time::Instant::now();
        for (offset, a) in in_spread_order(&accounts, spread_window(&schedule, tick)) {
            tokio::select! {
                _ = tokio::time::sleep_until(started + offset) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            // In a fleet each instance reconciles the accounts it holds,
            // so the runs are shared out like the pushes.
            if ownership.as_ref().is_some_and(|o| !o.owns(a.account_id)) {
                continue;
            }
            // Nothing can be read from a shop that waits for authorisation.
            if store.needs_reauth(&a.account.name).await.unwrap_or(false) {
                continue;
            }
            let run = run_account(
                &store,
                a.channel.clone(),
                &a.account,
                a.account_id,
                &opts,
                &|_| {},
            );
            let outcome = tokio::select! {
                r = run => r,
                _ = stop.changed() => return,
            };
            match outcome {
                Ok(r) => tracing::info!(
                    account = %r.account,
                    outcome = %r.outcome,
                    items = r.items.len(),
                    awaiting = r.awaiting.len(),
                    error = r.error.as_deref().unwrap_or(""),
                    seconds = r.seconds,
                    "scheduled reconciliation"
                ),
                Err(e) => {
                    tracing::warn!(account = %a.account.name, error = %e, "scheduled reconciliation failed")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_tick_is_in_the_configured_zone() {
        // Every day at 02:00 in Ho Chi Minh City is 19:00 UTC the day before.
        let s: cron::Schedule = "0 0 2 * * *".parse().expect("cron");
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let next = s
            .after(&Utc::now().with_timezone(&tz))
            .next()
            .expect("a next tick");
        assert_eq!(
            next.with_timezone(&Utc).format("%H:%M").to_string(),
            "19:00"
        );
        let wait = until_next(&s, tz).expect("a wait");
        assert!(wait <= Duration::from_secs(24 * 3600));
    }

    #[test]
    fn runs_spread_over_half_the_gap_to_the_next_tick_at_most_a_quarter_hour() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let tick = |s: &cron::Schedule| s.after(&Utc::now().with_timezone(&tz)).next().unwrap();
        let daily: cron::Schedule = "0 0 2 * * *".parse().unwrap();
        assert_eq!(spread_window(&daily, tick(&daily)), MAX_SPREAD);
        let every_minute: cron::Schedule = "0 * * * * *".parse().unwrap();
        assert_eq!(
            spread_window(&every_minute, tick(&every_minute)),
            Duration::from_secs(30)
        );
        let every_second: cron::Schedule = "* * * * * *".parse().unwrap();
        assert_eq!(
            spread_window(&every_second, tick(&every_second)),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn offsets_stay_inside_the_window_and_differ_between_shops() {
        let window = Duration::from_secs(900);
        let offsets: Vec<Duration> = (0..2000)
            .map(|i| crate::sync::ownership::spread_offset(&format!("shop-{i}"), window))
            .collect();
        assert!(offsets.iter().all(|o| *o < window));
        // No minute of the window holds more than twice its share of the
        // 2,000 shops' starts.
        let mut per_minute = [0usize; 15];
        for o in &offsets {
            per_minute[(o.as_secs() / 60) as usize] += 1;
        }
        let share = 2000 / 15;
        assert!(
            per_minute.iter().all(|n| *n < 2 * share),
            "starts per minute: {per_minute:?}"
        );
    }
}
