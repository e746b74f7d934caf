//! Seeded fault injection: the same seed gives the same faults for the same sequence of calls; 500/504 carry
//! 36009003/36009007; dropped connections answer nothing; drop-after-apply applies the call but loses the answer;
//! slow answers are slow.

use std::time::{Duration, Instant};

use serde_json::json;

use super::super::error::{INTERNAL_ERROR, REQUEST_TIMEOUT, Rejection};
use super::super::{FaultConfig, SeedProduct, SeedSku, SimConfig};
use super::{Client, Req, SHOP, WAREHOUSE, assert_error, start};

async fn outcomes(seed: u64) -> Vec<String> {
    let cfg = SimConfig {
        faults: FaultConfig {
            seed,
            server_error: 0.25,
            drop_connection: 0.15,
            ..Default::default()
        },
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let mut c = Client::new(&sim, &cfg);
    c.http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut out = Vec::new();
    for _ in 0..30 {
        let url = c.url(&Req::get("/logistics/202309/warehouses"));
        let r = c
            .http
            .get(url)
            .header("x-tts-access-token", &c.token)
            .send()
            .await;
        out.push(match r {
            Ok(resp) => resp.status().as_u16().to_string(),
            Err(_) => "dropped".to_owned(),
        });
    }
    out
}

#[tokio::test]
async fn same_seed_same_faults() {
    let a = outcomes(7).await;
    assert_eq!(a, outcomes(7).await);
    assert_ne!(a, outcomes(8).await);
    assert!(a.iter().any(|o| o == "dropped"), "{a:?}");
    assert!(a.iter().any(|o| o == "200"), "{a:?}");
    assert!(a.iter().any(|o| o.starts_with('5')), "{a:?}");
}

#[tokio::test]
async fn server_errors_carry_tiktok_codes() {
    for (status, code) in [(500u16, INTERNAL_ERROR), (504, REQUEST_TIMEOUT)] {
        let cfg = SimConfig {
            faults: FaultConfig {
                server_error: 1.0,
                server_error_statuses: vec![status],
                ..Default::default()
            },
            ..Default::default()
        };
        let sim = start(cfg.clone()).await;
        let c = Client::new(&sim, &cfg);
        let (got, v) = c.send(Req::get("/logistics/202309/warehouses")).await;
        assert_eq!(got, status);
        assert_error(&v, "error_rate_limit.json", code, "");
        assert_eq!(
            sim.request_log().rejections(Rejection::InjectedServerError),
            1
        );
    }
}

#[tokio::test]
async fn drop_after_apply_applies_the_call_and_loses_the_answer() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sim
        .seed_product(
            SHOP,
            SeedProduct {
                skus: vec![SeedSku {
                    quantity: 5,
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .unwrap();
    sim.set_faults(FaultConfig {
        drop_after_apply: 1.0,
        ..Default::default()
    });
    let path = format!("/product/202309/products/{}/inventory/update", p.id);
    let body = json!({"skus": [{"id": p.skus[0].id, "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 42}]}]});
    let r = Req::post(&path, &body);
    let url = c.url(&r);
    let sent = c
        .http
        .post(url)
        .header("x-tts-access-token", &c.token)
        .header("content-type", "application/json")
        .body(r.body.unwrap())
        .send()
        .await;
    assert!(sent.is_err(), "the answer is lost");
    assert_eq!(
        sim.state().product(SHOP, &p.id).unwrap().skus[0].quantity_in(WAREHOUSE),
        Some(42)
    );

    // Dropped before applying: nothing changes.
    sim.set_faults(FaultConfig {
        drop_connection: 1.0,
        ..Default::default()
    });
    let body = json!({"skus": [{"id": p.skus[0].id, "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 7}]}]});
    let r = Req::post(&path, &body);
    let sent = c
        .http
        .post(c.url(&r))
        .header("x-tts-access-token", &c.token)
        .header("content-type", "application/json")
        .body(r.body.unwrap())
        .send()
        .await;
    assert!(sent.is_err());
    assert_eq!(
        sim.state().product(SHOP, &p.id).unwrap().skus[0].quantity_in(WAREHOUSE),
        Some(42)
    );
    assert_eq!(sim.request_log().rejections(Rejection::InjectedDrop), 1);
}

#[tokio::test]
async fn slow_answers() {
    let cfg = SimConfig {
        faults: FaultConfig {
            slow: 1.0,
            slow_delay_ms: 300,
            ..Default::default()
        },
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let t = Instant::now();
    c.ok(Req::get("/logistics/202309/warehouses")).await;
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(sim.faults().slow_delay_ms, 300);
}
