//! Orders from the marketplaces: the state machine (`state`), turning a
//! marketplace's order into an ingestion (`intake`), polling as the safety
//! net (`poll`), webhook deliveries (`webhook`) and sales figures (`report`).

pub mod intake;
pub mod report;
/// The state of an order line: owned by the store, which applies it.
pub use crate::store::orders::state;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use kho_channel::Channel;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::Config;
use crate::store::Store;

/// Starts order intake for the daemon: the webhook processor and one poller
/// per account (the safety net for lost webhooks). Returns the webhook
/// intake the HTTP server hands deliveries to.
pub fn spawn_intake(
    config: &Config,
    store: &Store,
    workers: &[(i64, Arc<dyn Channel>)],
    tasks: &mut JoinSet<()>,
    stop: &watch::Receiver<bool>,
    ownership: Option<Arc<crate::sync::ownership::Ownership>>,
) -> Option<Arc<webhook::Intake>> {
    let accounts: Vec<webhook::AccountHandle> = workers
        .iter()
        .filter_map(|(id, channel)| {
            let cfg = config.account(channel.account())?.clone();
            Some(webhook::AccountHandle {
                config: cfg,
                id: *id,
                channel: channel.clone(),
            })
        })
        .collect();
    if accounts.is_empty() {
        return None;
    }
    let restock = config.sync.restock_on_return;
    let interval = config.sync.order_poll_interval;
    for a in &accounts {
        tasks.spawn(poller(
            store.clone(),
            a.clone(),
            interval,
            restock,
            ownership.clone(),
            stop.clone(),
        ));
    }
    let intake = Arc::new(webhook::Intake {
        store: store.clone(),
        accounts,
        public_url: config.server.public_url.to_string(),
        restock_on_return: restock,
        wake: tokio::sync::Notify::new(),
    });
    tasks.spawn(intake.clone().process(stop.clone()));
    Some(intake)
}

/// Polls an account's orders every `interval`, each window overlapping the
/// previous one by one interval. Each account starts at its own offset in
/// the interval, so many shops' polls are spread over it; in a fleet only
/// the instance holding the account polls it (others would spend the
/// shop's rate limit for nothing).
async fn poller(
    store: Store,
    account: webhook::AccountHandle,
    interval: Duration,
    restock: bool,
    ownership: Option<Arc<crate::sync::ownership::Ownership>>,
    mut stop: watch::Receiver<bool>,
) {
    let overlap = chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::minutes(1));
    let offset = crate::sync::ownership::spread_offset(&account.config.name, interval);
    tokio::select! {
        _ = tokio::time::sleep(offset) => {}
        _ = stop.changed() => return,
    }
    loop {
        if ownership.as_ref().is_some_and(|o| !o.owns(account.id)) {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            continue;
        }
        // An account waiting for authorisation has nothing to poll with.
        let waiting = store
            .needs_reauth(&account.config.name)
            .await
            .unwrap_or(false);
        let polled = if waiting {
            Ok(intake::PullReport::default())
        } else {
            intake::poll_once(
                &store,
                account.channel.as_ref(),
                account.id,
                overlap,
                chrono::Duration::days(1),
                restock,
            )
            .await
        };
        match polled {
            Ok(r) if r.created + r.updated > 0 => {
                tracing::info!(
                    account = account.config.name,
                    created = r.created,
                    updated = r.updated,
                    "orders polled"
                );
            }
            Ok(_) => {}
            Err(intake::IntakeError::Channel(e))
                if matches!(e.kind, kho_channel::ErrorKind::ReauthRequired { .. }) =>
            {
                let _ =
                    crate::sync::push::mark_needs_reauth(&store, &account.config.name, &e).await;
            }
            Err(e) => {
                tracing::warn!(account = account.config.name, error = %e, "order polling failed")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}
