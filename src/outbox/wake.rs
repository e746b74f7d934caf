//! How sync workers learn that a job was queued: within the process through
//! a [`tokio::sync::Notify`] held by the store, across processes through
//! PostgreSQL's `NOTIFY` on [`CHANNEL`], sent in the transaction that queued
//! the job so that it is delivered only if the job commits. SQLite has no
//! NOTIFY; the workers' polling covers other processes there.

use std::time::Duration;

use tokio::sync::watch;

use crate::db::Store;

/// PostgreSQL's notification channel for queued jobs.
pub const CHANNEL: &str = "kho_sync";

/// The statement that notifies other processes, run inside the
/// transaction that queued jobs (PostgreSQL only).
pub(crate) const NOTIFY: &str = "SELECT pg_notify('kho_sync', '')";

impl Store {
    /// Wakes this process's sync workers.
    pub fn wake(&self) {
        self.waker().notify_waiters();
    }

    /// Resolves at the next [`Store::wake`].
    pub async fn woken(&self) {
        self.waker().notified().await
    }
}

/// Wakes the workers when another process queues a job (PostgreSQL), with
/// reconnection; the workers' polling covers notifications lost meanwhile.
pub(crate) async fn listen_for_jobs(
    pool: sqlx::PgPool,
    store: Store,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN kho_sync failed");
                } else {
                    loop {
                        tokio::select! {
                            n = listener.recv() => match n {
                                Ok(_) => store.wake(),
                                Err(e) => {
                                    tracing::warn!(error = %e, "LISTEN connection lost");
                                    break;
                                }
                            },
                            _ = stop.changed() => return,
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot LISTEN for sync jobs"),
        }
        if sleep_or_stop(&mut stop, Duration::from_secs(1)).await {
            return;
        }
    }
}

/// Waits `d`; true when the daemon is stopping.
async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}
