//! Rate limiting counted as marketplaces count: at most N calls in any sliding one-second window per shop; the
//! extra calls get `error_rate_limit` and are not applied; the log reports the busiest window and violations.

mod common;

use std::time::{Duration, Instant};

use common::{Client, SHOP, assert_error, start};
use kho_simulator::shopee::{Rejection, SeedItem, SimConfig};
use serde_json::json;

const STOCK: &str = "/api/v2/product/update_stock";

fn cfg(n: u32) -> SimConfig {
    SimConfig {
        rate_limit_per_second: Some(n),
        ..Default::default()
    }
}

#[tokio::test]
async fn n_plus_one_calls_in_a_second_reject_exactly_the_extra_one_unapplied() {
    let cfg = cfg(3);
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let item = sim
        .seed_item(
            SHOP,
            SeedItem {
                stock: 1,
                ..Default::default()
            },
        )
        .unwrap();
    let token = sim.tokens(SHOP).unwrap().access_token;
    let mut errors = Vec::new();
    for stock in [10, 11, 12, 13] {
        let body = json!({"item_id": item.item_id, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": stock}]}]});
        let (_, v) = c.shop_post(STOCK, &token, &body).await;
        errors.push(v["error"].as_str().unwrap().to_owned());
        if stock == 13 {
            assert_error(
                &v,
                "error_rate_limit",
                "Too many requests. You have reached the rate limit. Please try again later.",
            );
        }
    }
    assert_eq!(errors, ["", "", "", "error_rate_limit"]);
    // The rejected call (stock 13) was not applied.
    assert_eq!(sim.state().item(SHOP, item.item_id).unwrap().stock, 12);
    let log = sim.request_log();
    assert_eq!(log.rate_limit_violations(SHOP), 1);
    assert_eq!(log.rejections(Rejection::RateLimited), 1);
    assert_eq!(log.max_calls_in_one_second(SHOP), 4);
    assert_eq!(log.calls_for_shop(SHOP, STOCK), 4);
}

#[tokio::test]
async fn concurrent_burst_admits_exactly_n() {
    let cfg = cfg(5);
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let token = sim.tokens(SHOP).unwrap().access_token;
    let calls = (0..8).map(|_| {
        let c = c.clone();
        let token = token.clone();
        async move {
            c.shop_get(
                "/api/v2/product/get_item_list",
                &token,
                "&offset=0&page_size=1&item_status=NORMAL",
            )
            .await
        }
    });
    let t0 = Instant::now();
    let results = futures_join(calls.collect()).await;
    if t0.elapsed() > Duration::from_millis(800) {
        eprintln!(
            "skipping: the burst took {:?}, longer than the window",
            t0.elapsed()
        );
        return;
    }
    let limited = results
        .iter()
        .filter(|(_, v)| v["error"] == "error_rate_limit")
        .count();
    let ok = results.iter().filter(|(_, v)| v["error"] == "").count();
    assert_eq!((ok, limited), (5, 3));
    assert_eq!(sim.request_log().rate_limit_violations(SHOP), 3);
}

async fn futures_join<F: std::future::Future + Send + 'static>(fs: Vec<F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn window_slides_rather_than_resetting_each_second() {
    let cfg = cfg(2);
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let token = sim.tokens(SHOP).unwrap().access_token;
    let t0 = Instant::now();
    // (offset from t0 in ms, expected to pass?). Every expectation has at least 200 ms of margin.
    //   700: 0 and 500 are in the window -> refused
    //  1200: 0 has left the window, only 500 remains -> admitted
    //  1300: 500 and 1200 are in the window -> refused, although a per-calendar-second counter reset at 1000
    //  1750: 500 has left -> admitted
    let plan = [
        (0, true),
        (500, true),
        (700, false),
        (1200, true),
        (1300, false),
        (1750, true),
    ];
    let mut outcomes = Vec::new();
    let mut worst_round_trip = Duration::ZERO;
    for (at, _) in plan {
        tokio::time::sleep_until((t0 + Duration::from_millis(at)).into()).await;
        let sent = Instant::now();
        let (_, v) = c
            .shop_get(
                "/api/v2/product/get_item_list",
                &token,
                "&offset=0&page_size=1&item_status=NORMAL",
            )
            .await;
        worst_round_trip = worst_round_trip
            .max(sent.elapsed() + sent.saturating_duration_since(t0 + Duration::from_millis(at)));
        outcomes.push(v["error"] == "");
    }
    if worst_round_trip > Duration::from_millis(180) {
        // The machine is too loaded for the timing margins to hold; the limiter's unit test still covers the rule.
        eprintln!("skipping timing assertions: a call took {worst_round_trip:?}");
        return;
    }
    assert_eq!(outcomes, plan.iter().map(|p| p.1).collect::<Vec<_>>());
    let log = sim.request_log();
    assert_eq!(log.rate_limit_violations(SHOP), 2);
    // Arrivals at 500, 700, 1200 and 1300 ms all fall within one second.
    assert_eq!(log.max_calls_in_one_second(SHOP), 4);
}

#[tokio::test]
async fn rate_limit_can_be_set_per_shop_at_runtime() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let token = sim.tokens(SHOP).unwrap().access_token;
    sim.set_rate_limit(SHOP, Some(1)).unwrap();
    let q = "&offset=0&page_size=1&item_status=NORMAL";
    let (_, a) = c.shop_get("/api/v2/product/get_item_list", &token, q).await;
    let (_, b) = c.shop_get("/api/v2/product/get_item_list", &token, q).await;
    assert_eq!(
        (a["error"].as_str(), b["error"].as_str()),
        (Some(""), Some("error_rate_limit"))
    );
}
