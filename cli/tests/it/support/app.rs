//! The HTTP API in this process, served the way `kho serve` serves it.
#![allow(dead_code)]

use std::sync::Arc;

use kho::store::Store;

/// Shopee accounts the in-process API can connect (`POST
/// /accounts/{name}/connect`): their links are built locally, nothing is
/// sent to `base_url`.
const CONNECTABLE: &str = r#"
[server]
public_url = "https://kho.example.org"

[secrets]
key = "env:KHO_SECRET_KEY"

[[accounts]]
name = "shopee-own"
channel = "shopee"
producer = "htx-chi-lang"
base_url = "http://127.0.0.1:9"
credentials = { partner_id = 2001887, partner_key = "test-partner-key", shop_id = 14701711 }

[[accounts]]
name = "shopee-other"
channel = "shopee"
producer = "htx-other"
base_url = "http://127.0.0.1:9"
credentials = { partner_id = 2001887, partner_key = "test-partner-key", shop_id = 14701712 }
"#;

fn connector() -> Arc<kho::http::oauth::Connector> {
    let env = [(
        "KHO_SECRET_KEY".to_owned(),
        super::TEST_SECRET_KEY.to_owned(),
    )]
    .into();
    let config = kho::config::Config::from_toml_str(CONNECTABLE, env)
        .expect("the test configuration is valid");
    Arc::new(kho::http::oauth::Connector {
        accounts: config.accounts.clone(),
        public_url: config.server.public_url.clone(),
        transport: kho::channels::transport().expect("transport"),
    })
}

/// The router as `kho serve` mounts it, bound to a loopback port the system
/// chooses and served by the daemon's own serve loop; returns the API's base
/// URL. The server lives as long as the test's runtime.
pub async fn spawn_app(store: &Store) -> String {
    let app = kho::http::router(kho::http::AppState {
        store: store.clone(),
        metrics: None,
        intake: None,
        timezone: chrono_tz::Asia::Ho_Chi_Minh,
        connect: Some(connector()),
        public_url: "https://kho.example.org".parse().expect("a URL"),
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
