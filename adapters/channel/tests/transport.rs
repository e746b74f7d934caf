//! The shared transport against a tiny axum server on 127.0.0.1: the sliding-window promise measured at the
//! server, and the retry policy (Retry-After honoured, transient retried, permanent and auth not retried).

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use kho_channel::transport::classify_http_status;
use kho_channel::{
    AccountClient, Classified, ErrorKind, Exchange, RateLimit, RawResponse, RetryPolicy, Transport,
    TransportConfig,
};

#[derive(Default)]
struct Seen {
    arrivals: Vec<Instant>,
}

type Shared = Arc<Mutex<Seen>>;

fn record(state: &Shared) -> usize {
    let mut s = state.lock().unwrap();
    s.arrivals.push(Instant::now());
    s.arrivals.len()
}

async fn ok(State(s): State<Shared>) -> impl IntoResponse {
    record(&s);
    "ok"
}

async fn retry_after(State(s): State<Shared>) -> impl IntoResponse {
    if record(&s) == 1 {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "1".parse().unwrap());
        (StatusCode::TOO_MANY_REQUESTS, h, "slow down").into_response()
    } else {
        "ok".into_response()
    }
}

async fn flaky(State(s): State<Shared>) -> impl IntoResponse {
    if record(&s) <= 2 {
        (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response()
    } else {
        "ok".into_response()
    }
}

async fn permanent(State(s): State<Shared>) -> impl IntoResponse {
    record(&s);
    (StatusCode::BAD_REQUEST, "bad category")
}

async fn unauthorized(State(s): State<Shared>) -> impl IntoResponse {
    record(&s);
    (StatusCode::UNAUTHORIZED, "token expired")
}

async fn always_busy(State(s): State<Shared>) -> impl IntoResponse {
    record(&s);
    (StatusCode::SERVICE_UNAVAILABLE, "busy")
}

async fn serve() -> (String, Shared) {
    let state: Shared = Arc::default();
    let app = Router::new()
        .route("/ok", get(ok))
        .route("/retry-after", get(retry_after))
        .route("/flaky", get(flaky))
        .route("/permanent", get(permanent))
        .route("/unauthorized", get(unauthorized))
        .route("/busy", get(always_busy))
        .route("/throttle-once", get(retry_after))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), state)
}

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
        let result = if r.status.is_success() {
            Ok(())
        } else if let Some(kind) = classify_http_status(r.status, &r.headers) {
            Err(kind)
        } else if r.status == StatusCode::UNAUTHORIZED {
            Err(ErrorKind::AuthExpired {
                code: "401".into(),
                message: String::from_utf8_lossy(&r.body).into_owned(),
            })
        } else {
            Err(ErrorKind::Permanent {
                code: r.status.as_u16().to_string(),
                message: String::from_utf8_lossy(&r.body).into_owned(),
            })
        };
        Classified {
            request_id: Some("req-1".into()),
            result,
        }
    }
}

fn account(per_second: u32) -> AccountClient {
    let transport = Transport::new(TransportConfig {
        retry: RetryPolicy {
            max_retries: 3,
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            max_wait: Duration::from_secs(5),
        },
        ..TransportConfig::default()
    })
    .unwrap();
    transport
        .account(
            "test",
            "acct-1",
            RateLimit::per_second(NonZeroU32::new(per_second).unwrap()),
        )
        .unwrap()
}

/// Largest number of arrivals inside any half-open one-second window.
fn max_in_any_second(arrivals: &[Instant]) -> usize {
    let mut sorted = arrivals.to_vec();
    sorted.sort();
    let mut best = 0;
    let mut j = 0;
    for i in 0..sorted.len() {
        while j < sorted.len() && sorted[j] - sorted[i] < Duration::from_secs(1) {
            j += 1;
        }
        best = best.max(j - i);
    }
    best
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limiter_keeps_sliding_window_promise() {
    const N: u32 = 10;
    let (url, state) = serve().await;
    let client = account(N);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    // 3 × N calls from 6 concurrent tasks, all sharing the account's limiter.
    for _ in 0..6 {
        let client = client.clone();
        let url = url.clone();
        tasks.spawn(async move {
            for _ in 0..(3 * N / 6) {
                client
                    .execute(&Get {
                        url: url.clone(),
                        path: "/ok",
                    })
                    .await
                    .unwrap();
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let took = started.elapsed();
    let arrivals = state.lock().unwrap().arrivals.clone();
    assert_eq!(arrivals.len(), 3 * N as usize);
    let worst = max_in_any_second(&arrivals);
    assert!(
        worst <= N as usize,
        "{worst} requests in one sliding second"
    );
    // 30 requests at N/s cannot take less than 2 s. How close to N/s the
    // limiter runs is a speed figure (`kho bench sync`), not asserted here.
    assert!(took >= Duration::from_secs(2), "{took:?}");
}

#[tokio::test]
async fn burst_is_bounded_too() {
    const N: u32 = 5;
    let (url, state) = serve().await;
    let transport = Transport::new(TransportConfig::default()).unwrap();
    let client = transport
        .account(
            "test",
            "acct-burst",
            RateLimit::per_second(NonZeroU32::new(N).unwrap())
                .with_burst(NonZeroU32::new(3).unwrap()),
        )
        .unwrap();
    for _ in 0..(2 * N) {
        client
            .execute(&Get {
                url: url.clone(),
                path: "/ok",
            })
            .await
            .unwrap();
    }
    let arrivals = state.lock().unwrap().arrivals.clone();
    let worst = max_in_any_second(&arrivals);
    assert!(worst <= N as usize, "{worst}");
    // The burst really went back to back.
    assert!(arrivals[2] - arrivals[0] < Duration::from_millis(100));
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (url, state) = serve().await;
    let client = account(50);
    client
        .execute(&Get {
            url,
            path: "/retry-after",
        })
        .await
        .unwrap();
    let arrivals = state.lock().unwrap().arrivals.clone();
    assert_eq!(arrivals.len(), 2);
    assert!(arrivals[1] - arrivals[0] >= Duration::from_secs(1));
}

#[tokio::test]
async fn transient_errors_are_retried() {
    let (url, state) = serve().await;
    let client = account(50);
    client
        .execute(&Get {
            url,
            path: "/flaky",
        })
        .await
        .unwrap();
    assert_eq!(state.lock().unwrap().arrivals.len(), 3);
}

#[tokio::test]
async fn retries_give_up_after_the_policy() {
    let (url, state) = serve().await;
    let client = account(50);
    let err = client
        .execute(&Get { url, path: "/busy" })
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Transient { .. }));
    // 1 attempt + 3 retries.
    assert_eq!(state.lock().unwrap().arrivals.len(), 4);
}

#[tokio::test]
async fn permanent_and_auth_errors_are_not_retried() {
    let (url, state) = serve().await;
    let client = account(50);
    let err = client
        .execute(&Get {
            url: url.clone(),
            path: "/permanent",
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::Permanent {
            code: "400".into(),
            message: "bad category".into()
        }
    );
    assert_eq!(&*err.account, "acct-1");
    assert_eq!(&*err.endpoint, "/permanent");
    assert_eq!(err.request_id.as_deref(), Some("req-1"));
    assert_eq!(state.lock().unwrap().arrivals.len(), 1);

    let err = client
        .execute(&Get {
            url,
            path: "/unauthorized",
        })
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::AuthExpired { .. }));
    assert_eq!(state.lock().unwrap().arrivals.len(), 2);
}

#[tokio::test]
async fn network_errors_are_transient_and_name_no_url() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let transport = Transport::new(TransportConfig {
        retry: RetryPolicy::none(),
        ..TransportConfig::default()
    })
    .unwrap();
    let client = transport
        .account(
            "test",
            "acct-net",
            RateLimit::per_second(NonZeroU32::new(10).unwrap()),
        )
        .unwrap();
    let err = client
        .execute(&Get {
            url: format!("http://{addr}"),
            path: "/ok?access_token=SECRET",
        })
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Transient { .. }), "{err:?}");
    let shown = err.kind.to_string();
    assert!(
        !shown.contains("SECRET") && !shown.contains("127.0.0.1"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_answer_pauses_the_whole_account() {
    let (url, state) = serve().await;
    let client = account(50);
    let throttled = {
        let client = client.clone();
        let url = url.clone();
        tokio::spawn(async move {
            client
                .execute(&Get {
                    url,
                    path: "/throttle-once",
                })
                .await
        })
    };
    // Let the 429 land, then start unrelated calls on the same account.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..3 {
        client
            .execute(&Get {
                url: url.clone(),
                path: "/ok",
            })
            .await
            .unwrap();
    }
    throttled.await.unwrap().unwrap();
    let arrivals = state.lock().unwrap().arrivals.clone();
    let first = arrivals[0];
    assert_eq!(arrivals.len(), 5);
    // Nothing reached the server during the 1 s Retry-After, from any task of the account.
    assert!(
        arrivals[1..]
            .iter()
            .all(|t| *t - first >= Duration::from_millis(990)),
        "{:?}",
        arrivals.iter().map(|t| *t - first).collect::<Vec<_>>()
    );
}
