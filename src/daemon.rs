//! `kho serve`: the long-running daemon. One sync worker per account, the
//! schedulers (token refresh ahead of expiry, certificate check), the
//! outbox's LISTEN task (`outbox::wake`), and the HTTP server; a clean stop on
//! SIGTERM or SIGINT that gives back claims and leases within seconds.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use kho_channel::Channel;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub mod fleet;
mod gauges;

use crate::config::{CertificateExpiry, Config};
use crate::store::{Pool, Store};
use crate::sync::engine::{EngineSettings, Mode, Worker, instance_name};
use crate::sync::ownership::Ownership;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// How long a stop may take before in-flight work is abandoned (its claims
/// expire and another instance picks it up).
const STOP_GRACE: Duration = Duration::from_secs(8);

/// Runs until `shutdown` resolves. `on_listen` receives the bound address.
pub async fn serve(
    config: &Config,
    store: Store,
    settings: Option<EngineSettings>,
    on_listen: impl FnOnce(std::net::SocketAddr),
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    run(config, store, settings, None, on_listen, shutdown).await
}

/// [`serve`] on a listener the caller has already bound, for callers that
/// must know the address before the daemon starts (the demo writes it into
/// the configuration and the simulators' webhook URLs) without binding a
/// port, releasing it and hoping nobody takes it meanwhile.
pub async fn serve_on(
    config: &Config,
    store: Store,
    settings: Option<EngineSettings>,
    listener: tokio::net::TcpListener,
    on_listen: impl FnOnce(std::net::SocketAddr),
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    run(config, store, settings, Some(listener), on_listen, shutdown).await
}

async fn run(
    config: &Config,
    store: Store,
    settings: Option<EngineSettings>,
    listener: Option<tokio::net::TcpListener>,
    on_listen: impl FnOnce(std::net::SocketAddr),
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    store.set_debounce(config.sync.debounce);
    store.set_stock_policy(config.sync.stock_policy());
    let delist = config.sync.on_certificate_expiry == CertificateExpiry::Delist;
    let unknown = store.sync_accounts(&config.accounts, delist).await?;
    if !unknown.is_empty() {
        return Err(DaemonError::Config(format!(
            "accounts with an unknown producer (import its catalog first): {}",
            unknown.join(", ")
        )));
    }
    for a in store.accounts(None).await? {
        if a.state == crate::store::accounts::AccountState::NeedsReauth {
            tracing::warn!(account = %a.name, reason = a.last_error.as_deref().unwrap_or(""),
                "account needs (re-)authorisation: nothing is pushed to it until `kho accounts connect` gives it tokens");
        }
    }
    let settings = settings.unwrap_or_else(|| EngineSettings::new(instance_name()));
    let transport = crate::channels::instance_transport(&settings.instance)
        .map_err(|e| DaemonError::Config(e.to_string()))?;
    let accounts = store.accounts(None).await?;
    let mut workers = Vec::new();
    for acc in &config.accounts {
        let channel = crate::channels::build(acc, &transport, &store)
            .map_err(|e| DaemonError::Config(e.to_string()))?;
        let Some(row) = accounts.iter().find(|a| a.name == acc.name) else {
            continue;
        };
        workers.push((row.id, channel));
    }
    store.refresh_all_desired().await?;

    let metrics = crate::metrics::handle();
    let listen_error = |source| DaemonError::Listen {
        addr: config.server.listen,
        source,
    };
    let (listener, addr) = match listener {
        Some(listener) => {
            let addr = listener.local_addr().map_err(listen_error)?;
            (listener, addr)
        }
        None => crate::http::bind(config.server.listen)
            .await
            .map_err(listen_error)?,
    };
    tracing::info!(%addr, instance = %settings.instance, accounts = workers.len(), "kho serve started");
    on_listen(addr);
    let config = &with_bound_port(config, addr);

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let ownership = Arc::new(Ownership::default());
    let coordinator = tokio::spawn(fleet::coordinate(
        store.clone(),
        settings.instance.clone(),
        workers.iter().map(|(id, _)| *id).collect(),
        ownership.clone(),
        fleet::FleetTiming::default(),
        stop_rx.clone(),
    ));
    tasks.spawn(fleet::dispatch(
        store.clone(),
        ownership.clone(),
        settings.poll,
        stop_rx.clone(),
    ));
    for (account_id, channel) in &workers {
        let worker = Worker {
            store: store.clone(),
            channel: channel.clone(),
            account_id: *account_id,
            settings: settings.clone(),
            ownership: Some(ownership.clone()),
        };
        let rx = stop_rx.clone();
        tasks.spawn(async move {
            worker.run(Mode::Daemon, rx).await;
        });
    }
    tasks.spawn(token_refresher(
        store.clone(),
        workers.clone(),
        ownership.clone(),
        stop_rx.clone(),
    ));
    tasks.spawn(certificate_check(store.clone(), stop_rx.clone()));
    tasks.spawn(lot_expiry(store.clone(), stop_rx.clone()));
    tasks.spawn(settle_bursts(store.clone(), stop_rx.clone()));
    if config.alerts.enabled() {
        tasks.spawn(crate::alerts::run_scheduled(
            config.clone(),
            store.clone(),
            stop_rx.clone(),
        ));
    }
    tasks.spawn(gauges(store.clone(), metrics.clone(), stop_rx.clone()));
    if let Pool::Postgres(pool) = store.pool() {
        tasks.spawn(crate::outbox::wake::listen_for_jobs(
            pool.clone(),
            store.clone(),
            stop_rx.clone(),
        ));
    }
    let scheduled: Vec<crate::reconcile::schedule::Scheduled> = config
        .accounts
        .iter()
        .filter_map(|acc| {
            let row = accounts.iter().find(|a| a.name == acc.name)?;
            let (_, channel) = workers.iter().find(|(id, _)| *id == row.id)?;
            Some(crate::reconcile::schedule::Scheduled {
                account: acc.clone(),
                account_id: row.id,
                channel: channel.clone(),
            })
        })
        .collect();
    {
        let config = config.clone();
        let store = store.clone();
        let owner = settings.instance.clone();
        let rx = stop_rx.clone();
        let held = Some(ownership.clone());
        tasks.spawn(async move {
            crate::reconcile::schedule::run(&config, store, scheduled, owner, held, rx).await;
        });
    }
    let intake = crate::orders::spawn_intake(
        config,
        &store,
        &workers,
        &mut tasks,
        &stop_rx,
        Some(ownership.clone()),
    );
    let app = crate::http::router(crate::http::AppState {
        store: store.clone(),
        metrics,
        intake,
        timezone: config.sync.tz(),
        connect: Some(Arc::new(crate::http::oauth::Connector {
            accounts: config.accounts.clone(),
            public_url: config.server.public_url.clone(),
            transport: transport.clone(),
        })),
        public_url: config.server.public_url.clone(),
    });
    let mut http_stop = stop_rx.clone();
    let http = tokio::spawn(async move {
        crate::http::serve::serve(listener, app, async move {
            let _ = http_stop.changed().await;
        })
        .await;
    });

    shutdown.await;
    tracing::info!("stopping: no new claims; finishing in-flight pushes");
    let _ = stop_tx.send(true);
    let finished = tokio::time::timeout(STOP_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        tracing::warn!("in-flight work did not finish in time; its claims will expire");
        tasks.abort_all();
    }
    let _ = store.release_jobs(&settings.instance).await;
    // The workers are done (or abandoned): the leases can go.
    let _ = coordinator.await;
    fleet::leave(&store, &settings.instance, &ownership).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), http).await;
    tracing::info!("stopped");
    Ok(())
}

/// The configuration with a `server.public_url` on port 0 naming the port
/// bound instead: with `server.listen` on port 0 (tests, the lab) the port
/// is only known once bound, and Shopee's push signature covers the URL.
fn with_bound_port(config: &Config, addr: std::net::SocketAddr) -> Config {
    let mut config = config.clone();
    if config.server.public_url.port() == Some(0) {
        let _ = config.server.public_url.set_port(Some(addr.port()));
    }
    config
}

/// Resolves on SIGTERM or SIGINT.
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}

/// Refreshes tokens ahead of expiry, so pushes never wait for a refresh.
/// Only the instance holding an account refreshes its tokens: marketplaces
/// rotate single-use refresh tokens, and the calls count against the
/// shop's rate limit.
async fn token_refresher(
    store: Store,
    channels: Vec<(i64, Arc<dyn Channel>)>,
    ownership: Arc<Ownership>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        // One statement a minute per instance, however many accounts it
        // holds; the token managers keep their tokens in memory, so an
        // account whose tokens are not due costs no database work at all.
        let waiting = if channels.iter().any(|(id, _)| ownership.owns(*id)) {
            store.accounts_needing_reauth().await.unwrap_or_default()
        } else {
            Default::default()
        };
        for (id, ch) in &channels {
            if !ownership.owns(*id) {
                continue;
            }
            // Nothing to refresh until a seller authorises it again.
            if waiting.contains(ch.account()) {
                continue;
            }
            if let Err(e) = ch.refresh_tokens_if_due().await {
                tracing::warn!(account = ch.account(), error = %e, "token refresh failed");
                let _ = crate::sync::push::mark_account(&store, ch.account(), &e).await;
            }
        }
        if sleep_or_stop(&mut stop, Duration::from_secs(60)).await {
            return;
        }
    }
}

/// Certificates expire at midnight: recomputing every listing's desired
/// state every hour unlists expired products (and relists renewed ones)
/// within the hour.
/// Ends the bursts of SKUs whose orders went quiet (see
/// [`Store::settle_quiet_bursts`]). A quarter of a second between looks keeps
/// the end of a burst within the quiet window plus that.
async fn settle_bursts(store: Store, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = store.settle_quiet_bursts().await {
            tracing::warn!(error = %e, "ending quiet bursts failed");
        }
        if sleep_or_stop(&mut stop, Duration::from_millis(250)).await {
            return;
        }
    }
}

async fn certificate_check(store: Store, mut stop: watch::Receiver<bool>) {
    loop {
        if sleep_or_stop(&mut stop, Duration::from_secs(3600)).await {
            return;
        }
        if let Err(e) = store.refresh_all_desired().await {
            tracing::warn!(error = %e, "certificate check failed");
        }
    }
}

/// Writes off lots past their best-before soon after the province's day
/// turns (and at start), and lets the shops' allocations follow the lots'
/// remaining shelf life (see `Store::expire_lots`).
async fn lot_expiry(store: Store, mut stop: watch::Receiver<bool>) {
    loop {
        match store
            .expire_lots(chrono::Utc::now(), false, "kho (expiry)")
            .await
        {
            Ok(lots) if !lots.is_empty() => {
                let units: i64 = lots.iter().map(|l| l.units).sum();
                tracing::info!(lots = lots.len(), units, "expired lots written off");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "lot expiry failed"),
        }
        if sleep_or_stop(&mut stop, Duration::from_secs(600)).await {
            return;
        }
    }
}

/// Store figures for `/metrics` (see `gauges`).
async fn gauges(
    store: Store,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let samples = gauges::collect(
            &store,
            chrono::Utc::now(),
            crate::outbox::certificate_today(),
        )
        .await;
        gauges::record(samples);
        // Tasks alive in the runtime: a number that only grows under steady
        // load is a leak (the soak benchmark watches it).
        let alive = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks();
        metrics::gauge!("kho_runtime_alive_tasks").set(alive as f64);
        if let Some(h) = &metrics {
            h.run_upkeep();
        }
        if sleep_or_stop(&mut stop, Duration::from_secs(2)).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::with_bound_port;
    use crate::config::{Config, Sources};

    fn config(public_url: &str) -> Config {
        let env = HashMap::from([("KHO__SERVER__PUBLIC_URL".to_owned(), public_url.to_owned())]);
        Config::load(Sources {
            file: None,
            env: Some(env),
        })
        .unwrap()
    }

    #[test]
    fn a_public_url_on_port_zero_names_the_bound_port() {
        let bound = std::net::SocketAddr::from(([127, 0, 0, 1], 41234));
        let c = with_bound_port(&config("http://127.0.0.1:0"), bound);
        assert_eq!(c.server.public_url.as_str(), "http://127.0.0.1:41234/");
        let c = with_bound_port(&config("https://kho.example.org/base"), bound);
        assert_eq!(c.server.public_url.as_str(), "https://kho.example.org/base");
    }
}
