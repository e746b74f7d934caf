//! `kho bench fleet` at CI size: 300 shops over three `kho serve` processes
//! on one PostgreSQL, one of them killed midway. Timing is the benchmark's
//! to report; this checks what must hold whatever the machine: no shop
//! pushed by two instances at overlapping times, the killed instance's
//! shops taken over, and the accounts spread evenly.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{TestDb, ok};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_bench_spreads_takes_over_and_never_double_pushes() {
    if std::env::var("KHO_TEST_POSTGRES_URL").is_err() {
        eprintln!(
            "skipping the fleet bench test: KHO_TEST_POSTGRES_URL is not set (it needs PostgreSQL)"
        );
        return;
    }
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let started = Instant::now();
    let out = ok(&db.kho(&[
        "--json",
        "bench",
        "fleet",
        "--accounts",
        "300",
        "--instances",
        "3",
        "--database",
        &db.url,
        "--skus-per-account",
        "50",
        "--seconds",
        "40",
    ]));
    let took = started.elapsed();
    eprintln!("fleet bench took {took:?}: {out}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["double_owned_pushes"], 0, "{v}");
    assert!(
        v["orphaned_accounts"].as_u64().is_some_and(|n| n > 0),
        "{v}"
    );
    // Every orphaned shop pushed again by a survivor (how soon is the
    // benchmark's figure, not this test's: a loaded machine stretches it).
    assert!(
        v["takeover_s"].as_f64().is_some(),
        "no complete takeover: {v}"
    );
    // Rendezvous hashing of 300 accounts over 3 instances: well within 1.5.
    assert!(
        v["accounts_max_over_min"]
            .as_f64()
            .is_some_and(|r| r <= 1.5),
        "{v}"
    );
    assert!(v["pushes_measured"].as_u64().is_some_and(|n| n > 0), "{v}");
    assert_eq!(v["rate_limit_violations"], 0, "{v}");
}

// The heartbeat holds an instance's leases; a take moves the epoch only
// from a free or dead owner; a released lease keeps its epoch; and a stale
// owner's completion is fenced out once another instance has taken over.
crate::both_backends!(leases_follow_heartbeats_and_fence_a_stale_owner, |db| {
    use kho::outbox::Claimant;

    let store = db.store().await;
    let bytes = std::fs::read(crate::support::sample_catalog()).unwrap();
    kho::store::catalog::import::import_bytes(&store, &bytes, "sample.csv", false, "test")
        .await
        .unwrap();
    let toml = db.path("kho.toml");
    std::fs::write(
        &toml,
        "[[accounts]]\nname = \"shopee-a\"\nchannel = \"shopee\"\nproducer = \"htx-chi-lang\"\n\
         base_url = \"http://127.0.0.1:9\"\n\
         credentials = { partner_id = 1, partner_key = \"k\", shop_id = 1 }\n",
    )
    .unwrap();
    let config = kho::config::Config::load(kho::config::Sources {
        file: Some(&toml),
        env: Some(crate::support::keyed(Default::default())),
    })
    .unwrap();
    store.sync_accounts(&config.accounts, true).await.unwrap();
    let account = store.accounts(None).await.unwrap()[0].id;
    let (variant_id, sku) = store
        .producer_skus("htx-chi-lang")
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    // Linked showing 0: a push is queued.
    store
        .link_listings(
            account,
            &[kho::store::listings::LinkRow {
                variant_id,
                remote_item_id: "1".into(),
                remote_variant_id: String::new(),
                seller_sku: sku,
                stock: 0,
                price_vnd: 0,
                status: "active".into(),
            }],
        )
        .await
        .unwrap();

    let short = Duration::from_millis(300);
    store.heartbeat("a", short, true).await.unwrap();
    store
        .heartbeat("b", Duration::from_secs(60), true)
        .await
        .unwrap();
    assert_eq!(store.live_instances().await.unwrap(), ["a", "b"]);
    assert_eq!(
        store.take_leases("a", &[account]).await.unwrap(),
        [(account, 1)]
    );
    // Held while a's heartbeat lives; taking again writes nothing.
    assert!(store.take_leases("b", &[account]).await.unwrap().is_empty());
    assert!(store.take_leases("a", &[account]).await.unwrap().is_empty());
    assert_eq!(store.held_leases("a").await.unwrap(), [(account, 1)]);

    // a stops beating: b takes over with the next epoch, and a's
    // completion of what it claimed before is refused.
    tokio::time::sleep(store.debounce() + Duration::from_millis(50)).await;
    let claims = store
        .claim_jobs(account, "a", Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert!(!claims.is_empty(), "the link queued a push");
    tokio::time::sleep(short + Duration::from_millis(200)).await;
    assert_eq!(store.live_instances().await.unwrap(), ["b"]);
    assert_eq!(
        store.take_leases("b", &[account]).await.unwrap(),
        [(account, 2)]
    );
    let stale = Claimant {
        owner: "a",
        account_id: account,
        epoch: 1,
    };
    let refs: Vec<&kho::outbox::ClaimedJob> = claims.iter().collect();
    assert_eq!(
        store.complete_jobs(&refs, &stale, None).await.unwrap(),
        None,
        "a stale owner's completion must be fenced"
    );
    store.reclaim_jobs(account, "b").await.unwrap();
    let claims = store
        .claim_jobs(account, "b", Duration::from_secs(60), 10)
        .await
        .unwrap();
    let refs: Vec<&kho::outbox::ClaimedJob> = claims.iter().collect();
    let current = Claimant {
        owner: "b",
        account_id: account,
        epoch: 2,
    };
    assert_eq!(
        store.complete_jobs(&refs, &current, None).await.unwrap(),
        Some(refs.len()),
        "the new owner's completion is recorded"
    );

    // Released: the row keeps its epoch, and the next take raises it.
    store.release_leases("b", &[account]).await.unwrap();
    assert!(store.held_leases("b").await.unwrap().is_empty());
    store
        .heartbeat("a", Duration::from_secs(60), true)
        .await
        .unwrap();
    assert_eq!(
        store.take_leases("a", &[account]).await.unwrap(),
        [(account, 3)]
    );
    // A one-off command's heartbeat is not a member of the fleet.
    store
        .heartbeat("kho-sync", Duration::from_secs(60), false)
        .await
        .unwrap();
    assert_eq!(store.live_instances().await.unwrap(), ["a", "b"]);
    store.leave("a").await.unwrap();
    assert_eq!(store.live_instances().await.unwrap(), ["b"]);
    store.close().await;
});
