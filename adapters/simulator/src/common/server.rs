//! The accept loop. It is hand-written (rather than `axum::serve`) for one reason: fault injection must be able to
//! close a connection *without any answer*, which needs a per-connection handle that a request handler can pull.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

/// Put into each request's extensions; `kill()` makes the connection task drop the socket unanswered.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionKiller(Arc<Notify>);

impl ConnectionKiller {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets in-flight requests finish.
pub(crate) async fn run(
    name: &'static str,
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()>,
) {
    let (closing_tx, closing_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Usually out of file descriptors; back off instead of spinning.
                tracing::warn!(error = %e, simulator = name, "simulator: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        let router = router.clone();
        let mut closing = closing_rx.clone();
        tokio::spawn(async move {
            let killer = ConnectionKiller(Arc::new(Notify::new()));
            let for_requests = killer.clone();
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(for_requests.clone());
                router.clone().oneshot(req)
            });
            let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = killer.0.notified() => {} // dropping `conn` closes the socket without an answer
                _ = closing.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    let _ = closing_tx.send(true);
}
