//! Seeded fault injection: the same seed gives the same faults for the same sequence of calls; dropped
//! connections close without an answer; slow answers wait; 5xx answers are not applied.

mod common;

use std::time::{Duration, Instant};

use common::{Client, SHOP, start};
use kho_simulator::shopee::{FaultConfig, Rejection, SeedItem, SimConfig};
use serde_json::json;

fn faulty(seed: u64) -> SimConfig {
    SimConfig {
        faults: FaultConfig {
            seed,
            server_error: 0.25,
            drop_connection: 0.2,
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn outcomes(cfg: SimConfig) -> Vec<String> {
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let token = sim.tokens(SHOP).unwrap().access_token;
    let mut out = Vec::new();
    for _ in 0..30 {
        let q = c.shop_query("/api/v2/product/get_item_list", SHOP, &token, common::now());
        let url = format!(
            "{}/api/v2/product/get_item_list?{q}&offset=0&page_size=1&item_status=NORMAL",
            c.base
        );
        out.push(match c.http.get(url).send().await {
            Ok(r) => r.status().as_u16().to_string(),
            Err(_) => "dropped".to_owned(),
        });
    }
    let log = sim.request_log();
    assert_eq!(
        log.rejections(Rejection::InjectedDrop) as usize,
        out.iter().filter(|o| *o == "dropped").count()
    );
    out
}

#[tokio::test]
async fn same_seed_same_faults() {
    let a = outcomes(faulty(7)).await;
    let b = outcomes(faulty(7)).await;
    assert_eq!(a, b);
    assert!(a.iter().any(|o| o == "dropped"), "{a:?}");
    assert!(a.iter().any(|o| o.starts_with('5')), "{a:?}");
    assert!(a.iter().any(|o| o == "200"), "{a:?}");
    assert_ne!(a, outcomes(faulty(8)).await);
}

#[tokio::test]
async fn server_errors_are_not_applied_and_faults_change_at_runtime() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let token = sim.tokens(SHOP).unwrap().access_token;
    let item = sim
        .seed_item(
            SHOP,
            SeedItem {
                stock: 1,
                ..Default::default()
            },
        )
        .unwrap();
    sim.set_faults(FaultConfig {
        server_error: 1.0,
        server_error_statuses: vec![500],
        ..Default::default()
    });
    let body = json!({"item_id": item.item_id, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 9}]}]});
    let (status, v) = c
        .shop_post("/api/v2/product/update_stock", &token, &body)
        .await;
    assert_eq!(status, 500);
    assert_eq!(v["error"], "error_server");
    assert_eq!(sim.state().item(SHOP, item.item_id).unwrap().stock, 1);

    // A lost response: applied, but the socket closes unanswered.
    sim.set_faults(FaultConfig {
        drop_after_apply: 1.0,
        ..Default::default()
    });
    let q = c.shop_query("/api/v2/product/update_stock", SHOP, &token, common::now());
    let r = c
        .http
        .post(format!("{}/api/v2/product/update_stock?{q}", c.base))
        .json(&body)
        .send()
        .await;
    assert!(r.is_err(), "connection closed without an answer");
    assert_eq!(sim.state().item(SHOP, item.item_id).unwrap().stock, 9);

    sim.set_faults(FaultConfig {
        slow: 1.0,
        slow_delay_ms: 300,
        ..Default::default()
    });
    let t = Instant::now();
    let (status, _) = c
        .shop_get(
            "/api/v2/product/get_item_list",
            &token,
            "&offset=0&page_size=1&item_status=NORMAL",
        )
        .await;
    assert_eq!(status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    sim.set_faults(FaultConfig::default());
    let (status, _) = c
        .shop_get(
            "/api/v2/product/get_item_list",
            &token,
            "&offset=0&page_size=1&item_status=NORMAL",
        )
        .await;
    assert_eq!(status, 200);
}
