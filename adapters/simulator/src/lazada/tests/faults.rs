//! Seeded fault injection: reproducible 5xx, slow answers, dropped connections and lost responses.

use std::time::{Duration, Instant};

use super::super::{FaultConfig, Rejection, SimConfig};
use super::{Client, SELLER, config, form, sku_payload, start, with_query};

async fn outcomes(seed: u64) -> Vec<String> {
    let cfg = SimConfig {
        faults: FaultConfig {
            seed,
            server_error: 0.3,
            drop_connection: 0.2,
            ..Default::default()
        },
        ..config()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let mut out = Vec::new();
    for _ in 0..30 {
        let p = c.signed("/products/get", Some(&c.token), &[("filter", "all")]);
        let r = c
            .http
            .get(with_query(&format!("{}/products/get", c.base), &p))
            .send()
            .await;
        out.push(match r {
            Ok(resp) => resp.status().as_u16().to_string(),
            Err(_) => "dropped".to_owned(),
        });
    }
    let log = sim.request_log();
    assert_eq!(
        log.rejections(Rejection::InjectedDrop) + log.rejections(Rejection::InjectedServerError),
        out.iter().filter(|o| *o != "200").count() as u64
    );
    out
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    let a = outcomes(7).await;
    assert_eq!(a, outcomes(7).await);
    assert!(a.iter().any(|o| o == "dropped"), "{a:?}");
    assert!(a.iter().any(|o| o.starts_with('5')), "{a:?}");
    assert!(a.iter().any(|o| o == "200"), "{a:?}");
    assert_ne!(a, outcomes(8).await);
}

#[tokio::test]
async fn a_500_carries_a_system_envelope_and_is_not_applied() {
    let cfg = SimConfig {
        faults: FaultConfig {
            server_error: 1.0,
            server_error_statuses: vec![500],
            ..Default::default()
        },
        ..config()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sku_payload(&[
        "<SellerSku>CAFE-500G</SellerSku><SellableQuantity>1</SellableQuantity>".into(),
    ]);
    let (status, v) = c
        .post("/product/stock/sellable/update", &[("payload", &p)])
        .await;
    assert_eq!(status, 500);
    assert_eq!(v["type"], "SYSTEM");
    assert_eq!(sim.state().sellable_of(SELLER, "CAFE-500G"), Some(10));
}

#[tokio::test]
async fn slow_answers_and_lost_responses() {
    let cfg = SimConfig {
        faults: FaultConfig {
            slow: 1.0,
            slow_delay_ms: 300,
            drop_after_apply: 1.0,
            ..Default::default()
        },
        ..config()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sku_payload(&[
        "<SellerSku>CAFE-500G</SellerSku><SellableQuantity>3</SellableQuantity>".into(),
    ]);
    let params = c.signed(
        "/product/stock/sellable/update",
        Some(&c.token),
        &[("payload", &p)],
    );
    let t0 = Instant::now();
    let r = form(
        c.http
            .post(format!("{}/product/stock/sellable/update", c.base)),
        &params,
    )
    .send()
    .await;
    assert!(r.is_err(), "the response is lost");
    assert!(t0.elapsed() >= Duration::from_millis(300));
    // …but the call was applied.
    assert_eq!(sim.state().sellable_of(SELLER, "CAFE-500G"), Some(3));
    let log = sim.request_log();
    assert_eq!(
        log.calls_for_seller(SELLER, "/product/stock/sellable/update"),
        1
    );
    assert_eq!(log.entries[0].rejection, None);
}
