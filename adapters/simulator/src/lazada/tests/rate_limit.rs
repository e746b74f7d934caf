//! Rate limits (§5): per-seller inventory limit, per-API App limits, per-seller limits, the daily cap, the
//! `ApiCallLimit` answer with its ban, sliding one-second windows, and what the log records.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use std::time::Duration;

use super::super::{RateLimitSignal, RateLimits, Rejection, SellerConfig, SimConfig};
use super::{Client, SELLER, assert_error, assert_ok, assert_shape, config, start};

const PATH: &str = "/product/stock/sellable/update";

fn payload(n: i64) -> String {
    format!(
        "<Request><Product><Skus><Sku><SellerSku>ST25-5KG</SellerSku><SellableQuantity>{n}</SellableQuantity></Sku></Skus></Product></Request>"
    )
}

fn limited(inventory: u32, ban_secs: u64) -> SimConfig {
    SimConfig {
        rate_limits: RateLimits {
            inventory_per_seller_per_second: Some(inventory),
            ban_secs,
            ..Default::default()
        },
        ..config()
    }
}

#[tokio::test]
async fn the_inventory_limit_answers_api_call_limit_and_bans() {
    let cfg = limited(3, 1);
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    for n in 0..3 {
        assert_ok(&c.post(PATH, &[("payload", &payload(n))]).await.1);
    }
    let (_, v) = c.post(PATH, &[("payload", &payload(99))]).await;
    assert_error(&v, "ApiCallLimit");
    assert_shape("error_api_call_limit.json", &v);
    assert_eq!(
        v["message"],
        "Api access frequency exceeds the limit. this ban will last 1 seconds"
    );
    // Refused calls are not applied.
    assert_eq!(sim.state().sellable_of(SELLER, "ST25-5KG"), Some(2));
    // Reads are not inventory calls.
    assert_ok(&c.get("/products/get", &[("filter", "all")]).await.1);
    let log = sim.request_log();
    assert_eq!(log.rate_limit_violations(SELLER), 1);
    assert_eq!(log.rate_limit_violations, 1);
    assert_eq!(log.rejections(Rejection::RateLimited), 1);
    assert!(log.max_calls_in_one_second(SELLER) >= 4);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_ok(&c.post(PATH, &[("payload", &payload(5))]).await.1);
}

#[tokio::test]
async fn the_ban_lasts_the_announced_seconds() {
    let cfg = limited(1, 2);
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    assert_ok(&c.post(PATH, &[("payload", &payload(1))]).await.1);
    let (_, v) = c.post(PATH, &[("payload", &payload(2))]).await;
    assert_eq!(
        v["message"],
        "Api access frequency exceeds the limit. this ban will last 2 seconds"
    );
    // The window has room after 1 s, the ban does not.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_error(
        &c.post(PATH, &[("payload", &payload(3))]).await.1,
        "ApiCallLimit",
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_ok(&c.post(PATH, &[("payload", &payload(4))]).await.1);
    assert_eq!(sim.request_log().rate_limit_violations(SELLER), 2);
}

#[tokio::test]
async fn limits_are_per_seller_and_per_api() {
    let mut cfg = limited(1, 0);
    cfg.sellers.push(SellerConfig {
        seller_id: 200999001,
        user_id: 300999001,
        short_code: "VN2OTHER".into(),
        access_token: String::new(),
        refresh_token: String::new(),
        products: config().sellers[0]
            .products
            .iter()
            .cloned()
            .map(|mut p| {
                p.skus
                    .iter_mut()
                    .for_each(|s| s.seller_sku = format!("B-{}", s.seller_sku));
                p
            })
            .collect(),
        ..Default::default()
    });
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let mut other = c.clone();
    other.token = sim.tokens(200999001).unwrap().access_token;
    assert_ok(&c.post(PATH, &[("payload", &payload(1))]).await.1);
    let other_payload = payload(1).replace("ST25-5KG", "B-ST25-5KG");
    assert_ok(&other.post(PATH, &[("payload", &other_payload)]).await.1);
    assert_error(
        &c.post(PATH, &[("payload", &payload(1))]).await.1,
        "ApiCallLimit",
    );
    let log = sim.request_log();
    assert_eq!(log.rate_limit_violations(SELLER), 1);
    assert_eq!(log.rate_limit_violations(200999001), 0);

    // An App-wide per-API limit counts every seller, and can answer with 901 instead.
    let mut rl = RateLimits {
        inventory_per_seller_per_second: None,
        ban_secs: 0,
        signal: RateLimitSignal::Code901,
        ..Default::default()
    };
    rl.api_per_second.insert("/products/get".into(), 2);
    sim.set_rate_limits(rl);
    sim.reset_request_log();
    assert_ok(&c.get("/products/get", &[("filter", "all")]).await.1);
    assert_ok(&other.get("/products/get", &[("filter", "all")]).await.1);
    assert_error(&c.get("/products/get", &[("filter", "all")]).await.1, "901");
    assert_ok(
        &c.get(
            "/orders/get",
            &[("created_after", "2020-01-01T00:00:00+07:00")],
        )
        .await
        .1,
    );
    assert_eq!(sim.request_log().rate_limit_violations, 1);
}

#[tokio::test]
async fn seller_limits_and_the_daily_cap() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    sim.set_seller_rate_limit(SELLER, Some(2)).unwrap();
    assert_ok(&c.get("/products/get", &[("filter", "all")]).await.1);
    assert_ok(&c.get("/products/get", &[("filter", "all")]).await.1);
    assert_error(
        &c.get("/products/get", &[("filter", "all")]).await.1,
        "ApiCallLimit",
    );
    sim.set_seller_rate_limit(SELLER, None).unwrap();
    sim.set_rate_limits(RateLimits {
        daily_app_calls: Some(3),
        ban_secs: 0,
        ..Default::default()
    });
    sim.reset_request_log();
    for _ in 0..3 {
        assert_ok(&c.get("/products/get", &[("filter", "all")]).await.1);
    }
    let (_, v) = c.get("/products/get", &[("filter", "all")]).await;
    assert_error(&v, "ApiCallLimit");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("this ban will last"),
        "{v}"
    );
}

#[tokio::test]
async fn a_burst_of_sixty_concurrent_inventory_calls_admits_exactly_fifty() {
    let cfg = SimConfig {
        rate_limits: RateLimits {
            ban_secs: 0,
            ..Default::default()
        },
        ..config()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let calls = (0..60).map(|n| {
        let c = c.clone();
        async move { c.post(PATH, &[("payload", &payload(n))]).await.1 }
    });
    let answers = futures_join(calls).await;
    let ok = answers.iter().filter(|v| v["code"] == "0").count();
    let limited = answers
        .iter()
        .filter(|v| v["code"] == "ApiCallLimit")
        .count();
    assert_eq!(ok + limited, 60);
    assert!(
        limited > 0,
        "60 concurrent calls cannot all be admitted at 50/s"
    );
    // When all 60 arrived within one sliding second (the normal case on loopback), exactly 50 were admitted.
    if sim.request_log().max_calls_in_one_second(SELLER) == 60 {
        assert_eq!(ok, 50);
    }
}

/// Runs futures concurrently (no extra crate needed).
async fn futures_join<F: std::future::Future<Output = serde_json::Value> + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<serde_json::Value> {
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}
