//! The transport's metrics: requests by outcome, latency, limiter waits and retries, labelled by channel,
//! account and endpoint. A separate test binary, with a thread-local recorder on a current-thread runtime.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use kho_channel::transport::classify_http_status;
use kho_channel::transport::telemetry::{
    RATE_LIMIT_WAIT, REQUEST_DURATION, REQUESTS_TOTAL, RETRIES_TOTAL,
};
use kho_channel::{
    Classified, ErrorKind, Exchange, RateLimit, RawResponse, RetryPolicy, Transport,
    TransportConfig,
};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

struct Get {
    url: String,
    path: &'static str,
}

impl Exchange for Get {
    type Output = ();

    fn endpoint(&self) -> &str {
        self.path
    }

    fn build(&self, client: &reqwest::Client) -> Result<reqwest::RequestBuilder, ErrorKind> {
        Ok(client.get(format!("{}{}", self.url, self.path)))
    }

    fn classify(&self, r: RawResponse) -> Classified<()> {
        Classified {
            request_id: None,
            result: match classify_http_status(r.status, &r.headers) {
                Some(kind) => Err(kind),
                None => Ok(()),
            },
        }
    }
}

async fn flaky(State(n): State<Arc<AtomicU32>>) -> impl IntoResponse {
    if n.fetch_add(1, Ordering::SeqCst) == 0 {
        (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response()
    } else {
        "ok".into_response()
    }
}

#[test]
fn requests_latency_waits_and_retries_are_recorded() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let app = Router::new()
                .route("/ok", get(|| async { "ok" }))
                .route("/flaky", get(flaky))
                .with_state(Arc::new(AtomicU32::new(0)));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            let transport = Transport::new(TransportConfig {
                retry: RetryPolicy {
                    min_delay: std::time::Duration::from_millis(5),
                    ..RetryPolicy::default()
                },
                ..TransportConfig::default()
            })
            .unwrap();
            let client = transport
                .account(
                    "test",
                    "acct-m",
                    RateLimit::per_second(NonZeroU32::new(100).unwrap()),
                )
                .unwrap();
            for _ in 0..2 {
                client
                    .execute(&Get {
                        url: url.clone(),
                        path: "/ok",
                    })
                    .await
                    .unwrap();
            }
            client
                .execute(&Get {
                    url,
                    path: "/flaky",
                })
                .await
                .unwrap();
        });
    });

    let mut requests = Vec::new();
    let mut durations = 0;
    let mut waits = 0;
    let mut retries = 0;
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        let label = |name: &str| {
            key.labels()
                .find(|l| l.key() == name)
                .map(|l| l.value().to_owned())
                .unwrap_or_default()
        };
        assert_eq!(label("account"), "acct-m");
        assert_eq!(label("channel"), "test");
        match (key.name(), value) {
            (REQUESTS_TOTAL, DebugValue::Counter(n)) => {
                requests.push((label("endpoint"), label("outcome"), n));
            }
            (REQUEST_DURATION, DebugValue::Histogram(v)) => durations += v.len(),
            (RATE_LIMIT_WAIT, DebugValue::Histogram(v)) => waits += v.len(),
            (RETRIES_TOTAL, DebugValue::Counter(n)) => {
                assert_eq!(label("reason"), "transient");
                retries += n;
            }
            (name, _) => panic!("unexpected metric {name}"),
        }
    }
    requests.sort();
    assert_eq!(
        requests,
        vec![
            ("/flaky".to_owned(), "ok".to_owned(), 1),
            ("/flaky".to_owned(), "transient".to_owned(), 1),
            ("/ok".to_owned(), "ok".to_owned(), 2),
        ]
    );
    assert_eq!(durations, 4);
    // Every attempt, the retry included, passed the limiter.
    assert_eq!(waits, 4);
    assert_eq!(retries, 1);
}
