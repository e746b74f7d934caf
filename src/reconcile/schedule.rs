//! Scheduled reconciliation inside `kho serve`: at every tick of
//! `sync.reconcile_schedule` (in `sync.timezone`) each account is
//! reconciled in turn. The per-account lease keeps two runs of one account
//! apart, across daemons too; a run still going at the next tick makes that
//! tick skip the account.

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
        let Some(wait) = until_next(&schedule, tz) else {
            tracing::info!("reconcile_schedule has no future run");
            return;
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        for a in &accounts {
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
}
