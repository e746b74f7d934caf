//! Rate limiting (§5): at most N calls per shop in any sliding second; the extra ones get 36009002 (HTTP 429 in
//! `mapped` mode), are not applied, and are counted; the log reports the busiest window per shop.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use std::time::Duration;

use serde_json::json;

use super::super::error::{RATE_LIMITED, Rejection};
use super::super::{SeedProduct, SeedSku, ShopConfig, SimConfig, WarehouseConfig};
use super::{Client, Req, SHOP, WAREHOUSE, assert_error, start};

const UPDATE: &str = "POST /product/202309/products/{product_id}/inventory/update";

#[tokio::test]
async fn n_plus_one_calls_in_a_second_reject_exactly_the_extra_one_unapplied() {
    let cfg = SimConfig {
        rate_limit_per_second: Some(3),
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sim
        .seed_product(
            SHOP,
            SeedProduct {
                skus: vec![SeedSku {
                    quantity: 1,
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .unwrap();
    let sku = p.skus[0].id.clone();
    let path = format!("/product/202309/products/{}/inventory/update", p.id);
    let mut codes = Vec::new();
    for qty in [10, 11, 12, 13] {
        let body = json!({"skus": [{"id": sku, "inventory": [{"warehouse_id": WAREHOUSE, "quantity": qty}]}]});
        let (status, v) = c.send(Req::post(&path, &body)).await;
        codes.push(v["code"].as_i64().unwrap());
        if qty == 13 {
            assert_eq!(status, 429);
            assert_error(
                &v,
                "error_rate_limit.json",
                RATE_LIMITED,
                "Too many requests",
            );
        }
    }
    assert_eq!(codes, [0, 0, 0, RATE_LIMITED]);
    assert_eq!(
        sim.state().product(SHOP, &p.id).unwrap().skus[0].total_quantity(),
        12
    );
    let log = sim.request_log();
    assert_eq!(log.rate_limit_violations(SHOP), 1);
    assert_eq!(log.rejections(Rejection::RateLimited), 1);
    assert_eq!(log.max_calls_in_one_second(SHOP), 4);
    assert_eq!(log.calls_for_shop(SHOP, UPDATE), 4);

    // The window slides: a second later, calls are admitted again.
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let body =
        json!({"skus": [{"id": sku, "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 20}]}]});
    c.ok(Req::post(&path, &body)).await;
}

#[tokio::test]
async fn limits_are_per_shop_and_changeable_at_runtime() {
    let cfg = SimConfig {
        rate_limit_per_second: Some(2),
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let other = sim
        .add_shop(ShopConfig {
            shop_id: "7495274531001436792".into(),
            cipher: "ROW_other".into(),
            warehouses: vec![WarehouseConfig {
                id: "7068517275539719943".into(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    let mut c2 = c.clone();
    c2.cipher = "ROW_other".into();
    c2.token = other.access_token;
    let wh = || Req::get("/logistics/202309/warehouses");
    c.ok(wh()).await;
    c.ok(wh()).await;
    let (_, v) = c.send(wh()).await;
    assert_eq!(v["code"], RATE_LIMITED);
    // The other shop has its own window.
    c2.ok(wh()).await;
    c2.ok(wh()).await;

    sim.set_rate_limit(SHOP, Some(100)).unwrap();
    for _ in 0..5 {
        c.ok(wh()).await;
    }
    sim.set_rate_limit(SHOP, None).unwrap();
    let log = sim.request_log();
    assert_eq!(log.rate_limit_violations(SHOP), 1);
    assert_eq!(log.rate_limit_violations("7495274531001436792"), 0);
    assert_eq!(log.calls("GET /logistics/202309/warehouses"), 10);
    assert!(log.max_calls_in_one_second(SHOP) >= 8);
}

#[tokio::test]
async fn concurrent_burst_admits_exactly_n() {
    let cfg = SimConfig {
        rate_limit_per_second: Some(5),
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let calls = (0..12).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.send(Req::get("/logistics/202309/warehouses")).await })
    });
    let mut ok = 0;
    let mut limited = 0;
    for h in calls {
        let (_, v) = h.await.unwrap();
        match v["code"].as_i64() {
            Some(0) => ok += 1,
            Some(RATE_LIMITED) => limited += 1,
            other => panic!("{other:?}"),
        }
    }
    let log = sim.request_log();
    assert_eq!(log.rate_limit_violations(SHOP), limited);
    let at: Vec<u64> = log.entries.iter().map(|e| e.at_ms).collect();
    let span = at.iter().max().unwrap() - at.iter().min().unwrap();
    if span < 1000 {
        // All twelve arrived within one second (the usual case): exactly the limit was admitted.
        assert_eq!((ok, limited), (5, 7));
    } else {
        // A very loaded machine spread them out; still never more than 5 per second.
        assert!(ok >= 5 && ok + limited == 12, "{ok} {limited}");
    }
}
