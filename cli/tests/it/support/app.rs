//! The HTTP API in this process, served the way `kho serve` serves it.
#![allow(dead_code)]

use kho::store::Store;

/// The router as `kho serve` mounts it, bound to a loopback port the system
/// chooses and served by the daemon's own serve loop; returns the API's base
/// URL. The server lives as long as the test's runtime.
pub async fn spawn_app(store: &Store) -> String {
    let app = kho::http::router(kho::http::AppState {
        store: store.clone(),
        metrics: None,
        intake: None,
        timezone: chrono_tz::Asia::Ho_Chi_Minh,
        connect: None,
    });
    let (listener, addr) = kho::http::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind a loopback port");
    tokio::spawn(kho::http::serve::serve(
        listener,
        app,
        std::future::pending(),
    ));
    format!("http://{addr}/api/v1")
}
