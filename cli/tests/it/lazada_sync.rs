//! The Lazada adapter end to end: the real binary and library against the
//! Lazada simulator on loopback (API gateway and auth host both under
//! `/rest`). Also the cross-marketplace test: one producer selling on
//! Shopee, TikTok Shop and Lazada at once.

use std::collections::BTreeMap;
use std::time::Instant;

use kho::catalog::CatalogEntry;
use kho_simulator::lazada::{FaultConfig, Rejection, SimConfig, Simulator, SkuEdit, TokenAction};

use crate::support::worlds::sample_entries;
use crate::support::worlds::wide_catalog;
use crate::support::{TestDb, ok, stderr, stdout};

use crate::support::worlds::lazada::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_all_sample_skus_then_sync_changes() {
    let entries = sample_entries();
    let mut producers: Vec<String> = entries.iter().map(|e| e.producer_code.clone()).collect();
    producers.dedup();
    let accounts: Vec<(String, String)> = producers
        .iter()
        .map(|p| (format!("lazada-{p}"), p.clone()))
        .collect();
    let refs: Vec<(&str, &str)> = accounts
        .iter()
        .map(|(a, p)| (a.as_str(), p.as_str()))
        .collect();
    let w = World::start(TestDb::sqlite(), &entries, &refs, 50, "", |_| {}).await;

    let mut linked = 0;
    for s in &w.sellers {
        let out = ok(&w.kho(&["--json", "link", &s.account]));
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        linked += doc["linked"].as_object().unwrap().len();
        assert!(doc["unmatched"].as_array().unwrap().is_empty(), "{out}");
        assert!(doc["not_listed"].as_array().unwrap().is_empty(), "{out}");
    }
    assert_eq!(linked, 27);
    for s in &w.sellers {
        assert_eq!(w.remote(s), w.canonical(s).await, "seller {}", s.account);
    }

    ok(&w.kho(&["stock", "add", "NA-CHILANG-1KG", "-7"]));
    ok(&w.kho(&["stock", "add", "NA-SAY-200G", "5"]));
    ok(&w.kho(&["stock", "set", "THACH-DEN-1KG", "3"]));
    let mut edited = ok(&w.kho(&["export"]));
    edited = edited
        .replacen("85000", "87000", 1)
        .replacen(",65000,", ",66000,", 1);
    std::fs::write(w.db.path("edited.csv"), edited).unwrap();
    ok(&w.kho(&["import", "edited.csv"]));

    let plan = ok(&w.kho(&["sync", "--dry-run"]));
    assert!(plan.contains("NA-CHILANG-1KG Stock: 250 → 243"), "{plan}");
    assert!(
        plan.contains("NA-CHILANG-1KG Price: 85000 → 87000"),
        "{plan}"
    );
    // Two products' SKUs share one stock call and one price call.
    assert!(
        plan.contains("lazada-htx-chi-lang: 4 change(s), 2 API call(s)"),
        "{plan}"
    );
    let before = w.sim.request_log();
    ok(&w.kho(&["sync"]));
    for s in &w.sellers {
        assert_eq!(w.remote(s), w.canonical(s).await, "seller {}", s.account);
    }
    let again = ok(&w.kho(&["sync"]));
    assert!(!again.contains("→"), "{again}");
    let after = w.sim.request_log();
    assert_eq!(
        after.calls(SELLABLE_UPDATE) - before.calls(SELLABLE_UPDATE),
        2,
        "one stock call per changed seller"
    );
    assert_eq!(after.calls(PRICE_UPDATE) - before.calls(PRICE_UPDATE), 1);
    assert_eq!(after.rejections(Rejection::BadSign), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hundred_twenty_skus_over_forty_products_cost_three_stock_calls() {
    let entries = wide_catalog("htx-rong", 40, 3);
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("lazada-rong", "htx-rong")],
        50,
        "batch_size = 50\n",
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "lazada-rong"]));
    let mut csv = ok(&w.kho(&["export"]));
    csv = csv.replace(",100,500,", ",60,500,");
    std::fs::write(w.db.path("less.csv"), csv).unwrap();
    ok(&w.kho(&["import", "less.csv"]));
    let plan = ok(&w.kho(&["sync", "--dry-run"]));
    assert!(
        plan.contains("lazada-rong: 120 change(s), 3 API call(s)"),
        "{plan}"
    );
    w.sim.reset_request_log();
    ok(&w.kho(&["sync"]));
    let log = w.sim.request_log();
    let seller = w.sellers[0].seller_id;
    assert_eq!(log.calls_for_seller(seller, SELLABLE_UPDATE), 3);
    assert_eq!(log.total_calls, 3, "{:?}", log.per_endpoint);
    assert_eq!(w.remote(&w.sellers[0]), w.canonical(&w.sellers[0]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_size_and_auth_url_are_checked_at_load() {
    let entries = sample_entries();
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("lazada-chi-lang", "htx-chi-lang")],
        50,
        "",
        |_| {},
    )
    .await;
    let good = std::fs::read_to_string(w.db.path("kho.toml")).unwrap();
    let check = |toml: &str| {
        std::fs::write(w.db.path("check.toml"), toml).unwrap();
        w.db.kho_cmd(&["--config", "check.toml", "config", "check"])
            .env(SECRET_ENV, APP_SECRET)
            .output()
            .unwrap()
    };
    let out = check(&good.replace("credentials", "batch_size = 50\ncredentials"));
    ok(&out);
    assert!(stdout(&out).contains("batch_size = 50"), "{}", stdout(&out));
    for bad in ["0", "51"] {
        let out = check(&good.replace("credentials", &format!("batch_size = {bad}\ncredentials")));
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(err.contains("accounts[0].batch_size"), "{err}");
        assert!(err.contains("between 1 and 50"), "{err}");
    }
    // TikTok batches per product: the key is refused there.
    let tiktok = good
        .replace("channel = \"lazada\"", "channel = \"tiktok\"")
        .replace("credentials", "batch_size = 20\ncredentials");
    let out = check(&tiktok);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("accounts[0].batch_size: only lazada and tiki accounts"),
        "{err}"
    );
    let no_auth: String = good
        .lines()
        .filter(|l| !l.starts_with("auth_url"))
        .map(|l| format!("{l}\n"))
        .collect();
    let out = check(&no_auth);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("accounts[0].auth_url"), "{err}");
    let out = check(&good.replace("credentials", "mapping = { brand = 7 }\ncredentials"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("accounts[0].mapping"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_app_secret_names_the_account_and_is_not_retried() {
    let entries = sample_entries();
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("lazada-chi-lang", "htx-chi-lang")],
        50,
        "",
        |_| {},
    )
    .await;
    let wrong = "0000000000000000000000000000000000000000";
    let no_secret_in = |err: &str| {
        assert!(
            !err.contains(APP_SECRET) && !err.contains(wrong),
            "a secret was printed: {err}"
        );
    };
    // First the (signed) refresh of the file's tokens, then, once valid
    // tokens are stored, an ordinary API call: both refused by signature.
    for phase in ["refresh", "api"] {
        if phase == "api" {
            ok(&w.kho(&["link", "lazada-chi-lang"]));
        }
        w.sim.reset_request_log();
        let out = w.kho_with_secret(&["link", "lazada-chi-lang"], wrong);
        assert_eq!(out.status.code(), Some(3), "{phase}: {}", stderr(&out));
        let err = stderr(&out);
        eprintln!("lazada, wrong secret ({phase}): {}", err.trim());
        assert!(err.contains("lazada-chi-lang"), "{phase}: {err}");
        assert!(err.contains("IncompleteSignature"), "{phase}: {err}");
        no_secret_in(&err);
        let log = w.sim.request_log();
        assert!(
            log.total_calls <= 2,
            "{phase}: retried a permanent error: {} calls",
            log.total_calls
        );
        assert!(log.rejections(Rejection::BadSign) >= 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_access_token_is_refreshed_once_and_the_rotation_stored() {
    let entries = sample_entries();
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("lazada-chi-lang", "htx-chi-lang")],
        50,
        "",
        |c| c.keep_old_access_token_on_refresh = false,
    )
    .await;
    ok(&w.kho(&["link", "lazada-chi-lang"]));
    let seller = w.sellers[0].seller_id;
    w.sim
        .token_action(seller, TokenAction::ExpireAccessToken)
        .unwrap();
    let refreshes = || w.sim.request_log().calls(TOKEN_REFRESH);
    let before = refreshes();

    let store = w.db.store().await;
    let config = kho::config::Config::load(kho::config::Sources {
        file: Some(&w.db.path("kho.toml")),
        env: Some(crate::support::keyed(
            [(SECRET_ENV.to_owned(), APP_SECRET.to_owned())].into(),
        )),
    })
    .unwrap();
    let transport = kho::channels::transport().unwrap();
    let channel = kho::channels::build(&config.accounts[0], &transport, &store).unwrap();
    let (a, b) = tokio::join!(channel.list_listings(None), channel.list_listings(None));
    assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    assert_eq!(refreshes() - before, 1, "exactly one refresh");
    let stored = store.load_tokens("lazada-chi-lang").await.unwrap().unwrap();
    let current = w.sim.tokens(seller).unwrap();
    assert_eq!(
        stored.refresh_token, current.refresh_token,
        "the rotated refresh token is stored"
    );
    assert_eq!(stored.access_token, current.access_token);
    store.close().await;

    ok(&w.kho(&["stock", "add", "NA-CHILANG-1KG", "-1"]));
    ok(&w.kho(&["sync"]));
    assert_eq!(refreshes() - before, 1);
    assert_eq!(w.remote(&w.sellers[0]), w.canonical(&w.sellers[0]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_skus_at_five_calls_a_second_stay_within_the_limit() {
    let entries = wide_catalog("htx-rong", 50, 4);
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("lazada-rong", "htx-rong")],
        50,
        "batch_size = 5\n",
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "lazada-rong"]));
    let seller = w.sellers[0].seller_id;
    w.sim.set_seller_rate_limit(seller, Some(5)).unwrap();
    w.write_config(5);
    let mut csv = ok(&w.kho(&["export"]));
    csv = csv.replace(",100,500,", ",60,500,");
    std::fs::write(w.db.path("less.csv"), csv).unwrap();
    ok(&w.kho(&["import", "less.csv"]));
    w.sim.reset_request_log();
    let started = Instant::now();
    ok(&w.kho(&["sync"]));
    let elapsed = started.elapsed().as_secs_f64();
    let log = w.sim.request_log();
    let refused: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.rejection.is_some())
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
    // 200 SKUs in batches of 5. (Under heavy machine load the engine has
    // been seen to split a claim, costing an extra call — the Shopee test
    // shows the same; the limit below is what this test
    // is about.)
    let stock_calls = log.calls_for_seller(seller, SELLABLE_UPDATE);
    assert!((40..=42).contains(&stock_calls), "{:?}", log.per_endpoint);
    assert_eq!(log.rejections(Rejection::RateLimited), 0);
    assert_eq!(log.rate_limit_violations(seller), 0);
    assert!(log.max_calls_in_one_second(seller) <= 5);
    // How close a sync comes to this bound is a speed figure, measured by
    // `kho bench sync` (ideal ÷ actual), not asserted on a loaded machine.
    let bound = log.total_calls as f64 / 5.0;
    eprintln!(
        "lazada: {} calls in {elapsed:.2} s (bound {bound:.1} s)",
        log.total_calls
    );
    assert_eq!(w.remote(&w.sellers[0]), w.canonical(&w.sellers[0]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_update_lands_through_injected_faults() {
    let entries = sample_entries();
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("lazada-chi-lang", "htx-chi-lang")],
        200,
        "batch_size = 1\n",
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "lazada-chi-lang"]));
    w.sim.set_faults(FaultConfig {
        seed: 7,
        server_error: 0.25,
        drop_connection: 0.15,
        drop_after_apply: 0.1,
        ..FaultConfig::default()
    });
    for (sku, delta) in [
        ("NA-CHILANG-1KG", "-3"),
        ("NA-CHILANG-2KG", "-5"),
        ("NA-CHILANG-5KG", "4"),
        ("NA-SAY-200G", "-2"),
    ] {
        ok(&w.kho(&["stock", "add", sku, delta]));
    }
    let mut csv = ok(&w.kho(&["export"]));
    csv = csv
        .replace(",165000,", ",170000,")
        .replace(",65000,", ",66000,");
    std::fs::write(w.db.path("p.csv"), csv).unwrap();
    ok(&w.kho(&["import", "p.csv"]));
    let mut runs = 0;
    loop {
        runs += 1;
        let out = w.kho(&["sync"]);
        if out.status.success() && w.remote(&w.sellers[0]) == w.canonical(&w.sellers[0]).await {
            break;
        }
        assert!(
            runs < 10,
            "still different after {runs} runs: {}",
            stdout(&out)
        );
    }
    let log = w.sim.request_log();
    let faults =
        log.rejections(Rejection::InjectedServerError) + log.rejections(Rejection::InjectedDrop);
    eprintln!(
        "lazada: every update landed in {runs} sync run(s) through {faults} injected fault(s)"
    );
    assert!(faults > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_rejected_stock_and_price_are_reported_and_the_rest_lands() {
    let entries = sample_entries();
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("lazada-trang-dinh", "htx-trang-dinh")],
        50,
        "",
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "lazada-trang-dinh"]));
    let seller = w.sellers[0].seller_id;
    // A campaign holds 30 units of one SKU: its sellable stock may not go
    // below them. Another SKU is on sale at 40,000 đ: its price may not go
    // below that.
    w.sim
        .edit_sku(
            seller,
            "THACH-DEN-1KG",
            SkuEdit {
                channel_locked: Some(30),
                ..SkuEdit::default()
            },
        )
        .unwrap();
    w.sim
        .edit_sku(
            seller,
            "THACH-DEN-BOT-200G",
            SkuEdit {
                special_price: Some(40_000.0),
                ..SkuEdit::default()
            },
        )
        .unwrap();
    ok(&w.kho(&["stock", "set", "THACH-DEN-1KG", "10"]));
    ok(&w.kho(&["stock", "add", "THACH-DEN-BOT-200G", "-2"]));
    ok(&w.kho(&["stock", "add", "THACH-DEN-HOP-12", "4"]));
    let mut csv = ok(&w.kho(&["export"]));
    csv = csv
        .replacen(",45000,", ",39000,", 1)
        .replacen(",150000,", ",155000,", 1);
    std::fs::write(w.db.path("p.csv"), csv).unwrap();
    ok(&w.kho(&["import", "p.csv"]));
    let before = w.sim.request_log();

    let out = w.kho(&["sync"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    eprintln!("{text}");
    assert!(text.contains("failed: THACH-DEN-1KG Stock → 10"), "{text}");
    assert!(
        text.contains("failed: THACH-DEN-BOT-200G Price → 39000"),
        "{text}"
    );
    assert!(
        text.contains("E0501") && text.contains("SalePrice"),
        "the marketplace's messages are kept: {text}"
    );
    let after = w.sim.request_log();
    assert_eq!(
        after.calls(SELLABLE_UPDATE) - before.calls(SELLABLE_UPDATE),
        1
    );
    assert_eq!(after.calls(PRICE_UPDATE) - before.calls(PRICE_UPDATE), 1);
    let remote = w.remote(&w.sellers[0]);
    let canonical = w.canonical(&w.sellers[0]).await;
    assert_eq!(
        remote["THACH-DEN-BOT-200G"].0,
        canonical["THACH-DEN-BOT-200G"].0
    );
    assert_eq!(remote["THACH-DEN-HOP-12"], canonical["THACH-DEN-HOP-12"]);
    assert_eq!(remote["THACH-DEN-1KG"].0, 40);
    assert_eq!(remote["THACH-DEN-BOT-200G"].1, 45_000);
}

/// One producer with a shop on each marketplace: a stock change in kho
/// reaches all three through the engine (`kho sync`).
mod cross_marketplace {
    use super::*;
    use crate::both_backends;
    use crate::support::worlds::shopee::{PARTNER_ID, PARTNER_KEY};
    use crate::support::worlds::tiktok as tiktok_world;

    both_backends!(one_stock_change_reaches_shopee_tiktok_and_lazada, |db| {
        let entries = sample_entries();
        let producer = "htx-chi-lang";
        let mine: Vec<CatalogEntry> = entries
            .iter()
            .filter(|e| e.producer_code == producer)
            .cloned()
            .collect();

        let shopee = kho_simulator::shopee::Simulator::start(kho_simulator::shopee::SimConfig {
            partner_id: PARTNER_ID,
            partner_key: PARTNER_KEY.into(),
            shops: vec![kho_simulator::shopee::ShopConfig {
                shop_id: 14_701_711,
                items: kho_lab::sim::shopee_items(&mine),
                ..kho_simulator::shopee::ShopConfig::default()
            }],
            ..kho_simulator::shopee::SimConfig::default()
        })
        .await
        .unwrap();
        let tiktok = kho_simulator::tiktok::Simulator::start(kho_simulator::tiktok::SimConfig {
            app_key: tiktok_world::APP_KEY.into(),
            app_secret: tiktok_world::APP_SECRET.into(),
            shops: vec![tiktok_world::shop_config(0, &mine, None)],
            ..kho_simulator::tiktok::SimConfig::default()
        })
        .await
        .unwrap();
        let lazada = Simulator::start(SimConfig {
            app_key: APP_KEY.into(),
            app_secret: APP_SECRET.into(),
            sellers: vec![seller_config(0, &mine, None)],
            ..SimConfig::default()
        })
        .await
        .unwrap();

        let shopee_tokens = shopee.tokens(14_701_711).unwrap();
        let tt_shop = tiktok_world::Shop {
            account: "tiktok-chi-lang".into(),
            shop_id: tiktok.state().shops[0].shop_id.clone(),
            cipher: tiktok.state().shops[0].cipher.clone(),
            producer: producer.into(),
        };
        let lz_seller = Seller {
            account: "lazada-chi-lang".into(),
            seller_id: lazada.state().sellers[0].seller_id,
            producer: producer.into(),
        };
        let mut toml = NO_DELIST.to_owned();
        toml += &format!(
            "[[accounts]]\nname = \"shopee-chi-lang\"\nchannel = \"shopee\"\nproducer = \"{producer}\"\n\
             base_url = \"{}\"\nrate_limit = {{ per_second = 50 }}\n\
             credentials = {{ partner_id = {PARTNER_ID}, partner_key = \"env:KHO_TEST_SHOPEE_KEY\", \
             shop_id = 14701711, access_token = \"{}\", refresh_token = \"{}\" }}\n\n",
            shopee.base_url(),
            shopee_tokens.access_token,
            shopee_tokens.refresh_token
        );
        toml.push_str(&tiktok_world::account_toml(&tiktok, &tt_shop, 50, ""));
        toml.push_str(&account_toml(&lazada, &lz_seller, 50, "batch_size = 50\n"));
        std::fs::write(db.path("kho.toml"), toml).unwrap();
        let mut bytes = Vec::new();
        kho::catalog::file::write_csv(&mut bytes, &entries).unwrap();
        std::fs::write(db.path("catalog.csv"), bytes).unwrap();
        let kho = |args: &[&str]| {
            let mut all = vec!["--config", "kho.toml"];
            all.extend_from_slice(args);
            db.kho_cmd(&all)
                .env("KHO_TEST_SHOPEE_KEY", PARTNER_KEY)
                .env(tiktok_world::SECRET_ENV, tiktok_world::APP_SECRET)
                .env(SECRET_ENV, APP_SECRET)
                .output()
                .unwrap()
        };
        ok(&kho(&["import", "catalog.csv"]));
        for account in ["shopee-chi-lang", "tiktok-chi-lang", "lazada-chi-lang"] {
            let out = ok(&kho(&["--json", "link", account]));
            let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(doc["linked"].as_object().unwrap().len(), 4, "{out}");
        }

        ok(&kho(&["stock", "add", "NA-CHILANG-2KG", "-9"]));
        let out = ok(&kho(&["sync"]));
        for account in ["shopee-chi-lang", "tiktok-chi-lang", "lazada-chi-lang"] {
            assert!(
                out.contains(&format!("{account}: 1 change(s), 1 API call(s)")),
                "{out}"
            );
        }
        assert_eq!(
            out.matches("NA-CHILANG-2KG Stock: 250 → 241").count(),
            3,
            "{out}"
        );

        let canonical = tiktok_world::canonical(&db, producer).await;
        assert_eq!(canonical["NA-CHILANG-2KG"].0, 241);
        let shopee_state = shopee.state();
        let shopee_stock: BTreeMap<String, i64> = shopee_state
            .shops
            .iter()
            .flat_map(|s| s.items.iter())
            .flat_map(|i| i.models.iter().map(|m| (m.model_sku.clone(), m.stock)))
            .chain(
                shopee_state
                    .shops
                    .iter()
                    .flat_map(|s| s.items.iter())
                    .filter(|i| i.models.is_empty())
                    .map(|i| (i.item_sku.clone(), i.stock)),
            )
            .collect();
        let tiktok_remote = tiktok_world::remote(&tiktok, &tt_shop.shop_id);
        let lazada_remote = remote(&lazada, lz_seller.seller_id);
        for (sku, (available, _)) in &canonical {
            assert_eq!(shopee_stock[sku], *available, "shopee {sku}");
            assert_eq!(tiktok_remote[sku].0, *available, "tiktok {sku}");
            assert_eq!(lazada_remote[sku].0, *available, "lazada {sku}");
        }
        assert_eq!(tiktok_remote, canonical);
        assert_eq!(lazada_remote, canonical);
    });
}
