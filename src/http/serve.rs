//! The daemon's accept loop: the router behind hyper's HTTP/1 server with a
//! deadline on request headers. `axum::serve` gives hyper no timer, so its
//! header timeout never fires and a client trickling header bytes (or
//! opening connections and sending nothing) holds a connection and a task
//! for as long as it likes; the per-request deadlines of the API and the
//! webhooks only start once the headers are in.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

/// From a connection's first byte (or the end of its previous request) to
/// the end of the request's headers. Marketplaces and browsers send headers
/// in one go; an idle keep-alive connection is closed after this long.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` completes, then closes idle
/// connections and waits for in-flight requests to finish.
pub async fn serve(listener: TcpListener, router: Router, shutdown: impl Future<Output = ()>) {
    let (closing_tx, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Usually out of file descriptors: back off instead of spinning.
                tracing::warn!(error = %e, "http: accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let router = router.clone();
        let mut closing = closing_rx.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                router.clone().oneshot(req)
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "http: connection ended");
                    }
                }
                _ = closing.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    let _ = closing_tx.send(true);
    while connections.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    async fn start() -> (
        std::net::SocketAddr,
        watch::Sender<bool>,
        tokio::task::JoinHandle<()>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, mut stop_rx) = watch::channel(false);
        let router = Router::new().route("/", get(|| async { "ok" }));
        let server = tokio::spawn(serve(listener, router, async move {
            let _ = stop_rx.changed().await;
        }));
        (addr, stop_tx, server)
    }

    /// Reads until the server closes the connection; what it sent. Fails
    /// when the server keeps it open far beyond the header deadline.
    async fn read_to_close(stream: &mut TcpStream) -> String {
        let mut out = Vec::new();
        let read = tokio::time::timeout(HEADER_READ_TIMEOUT * 6, stream.read_to_end(&mut out));
        assert!(read.await.is_ok(), "the server kept the connection open");
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_never_finishes_its_headers_is_cut_off() {
        let (addr, _stop, _server) = start().await;
        let mut slow = TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: kho\r\nX-Trickle: a")
            .await
            .unwrap();
        let started = tokio::time::Instant::now();
        let answer = read_to_close(&mut slow).await;
        let waited = started.elapsed();
        assert!(!answer.contains("200 OK"), "{answer}");
        assert!(
            waited >= HEADER_READ_TIMEOUT && waited < HEADER_READ_TIMEOUT * 2,
            "closed after {waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_is_closed_and_a_whole_request_is_answered() {
        let (addr, _stop, _server) = start().await;
        let mut idle = TcpStream::connect(addr).await.unwrap();
        let started = tokio::time::Instant::now();
        assert_eq!(read_to_close(&mut idle).await, "");
        assert!(
            started.elapsed() < HEADER_READ_TIMEOUT * 2,
            "{:?}",
            started.elapsed()
        );

        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: kho\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = read_to_close(&mut client).await;
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.ends_with("ok"), "{answer}");
    }

    #[tokio::test]
    async fn shutdown_closes_idle_keep_alive_connections_and_returns() {
        let (addr, stop, server) = start().await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: kho\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 256];
        let n = client.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).contains("200 OK"));
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("serve returns once the keep-alive connection is closed")
            .unwrap();
        assert_eq!(
            client.read(&mut buf).await.unwrap(),
            0,
            "the connection was closed"
        );
    }
}
