//! The TikTok Shop adapter end to end: the real binary and library against
//! the TikTok Shop simulator on loopback (one listener serving both the Open
//! API host and the auth host).

use std::time::Instant;

use kho::catalog::CatalogEntry;
use kho::store::admin::VariantEdit;
use kho::store::inventory::{MovementKind, MovementRequest, Quantity};
use kho_simulator::tiktok::{FaultConfig, Rejection, TokenAction, WarehouseConfig};

use crate::support::worlds::sample_entries;
use crate::support::{TestDb, ok, stderr, stdout};

use crate::support::worlds::tiktok::*;
use crate::support::worlds::wide_catalog;

fn producers(entries: &[CatalogEntry]) -> Vec<(String, String)> {
    let mut producers: Vec<String> = entries.iter().map(|e| e.producer_code.clone()).collect();
    producers.dedup();
    producers
        .into_iter()
        .map(|p| (format!("tiktok-{p}"), p))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_all_sample_skus_then_sync_changes() {
    let entries = sample_entries();
    let shops = producers(&entries);
    let refs: Vec<(&str, &str)> = shops
        .iter()
        .map(|(a, p)| (a.as_str(), p.as_str()))
        .collect();
    let w = World::start(TestDb::sqlite(), &entries, &refs, 50, |_| {}).await;

    let mut linked = 0;
    for s in &w.shops {
        let out = ok(&w.kho(&["--json", "link", &s.account]));
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        linked += doc["linked"].as_object().unwrap().len();
        assert!(doc["unmatched"].as_array().unwrap().is_empty(), "{out}");
        assert!(doc["not_listed"].as_array().unwrap().is_empty(), "{out}");
    }
    assert_eq!(linked, 27);
    // Linking changes nothing remotely: the shops already show the catalog.
    for s in &w.shops {
        assert_eq!(w.remote(s), w.canonical(s).await, "shop {}", s.account);
    }

    ok(&w.kho(&["stock", "add", "NA-CHILANG-1KG", "-7"]));
    ok(&w.kho(&["stock", "add", "NA-CHILANG-2KG", "5"]));
    ok(&w.kho(&["stock", "set", "THACH-DEN-1KG", "3"]));
    let mut edited = ok(&w.kho(&["export"]));
    edited = edited.replacen("85000", "87000", 1);
    std::fs::write(w.db.path("edited.csv"), edited).unwrap();
    ok(&w.kho(&["import", "edited.csv"]));

    let plan = ok(&w.kho(&["sync", "--dry-run"]));
    assert!(plan.contains("NA-CHILANG-1KG Stock: 250 → 243"), "{plan}");
    assert!(
        plan.contains("NA-CHILANG-1KG Price: 85000 → 87000"),
        "{plan}"
    );
    // Two SKUs of one product: one inventory call; one price call.
    assert!(
        plan.contains("tiktok-htx-chi-lang: 3 change(s), 2 API call(s)"),
        "{plan}"
    );
    let before = w.sim.request_log();
    ok(&w.kho(&["sync"]));
    for s in &w.shops {
        assert_eq!(w.remote(s), w.canonical(s).await, "shop {}", s.account);
    }
    // Nothing left to do, and a second sync costs no write call.
    let again = ok(&w.kho(&["sync"]));
    assert!(!again.contains("→"), "{again}");
    let after = w.sim.request_log();
    assert_eq!(
        after.calls(INVENTORY_UPDATE) - before.calls(INVENTORY_UPDATE),
        2,
        "one call per changed product"
    );
    assert_eq!(after.calls(PRICE_UPDATE) - before.calls(PRICE_UPDATE), 1);
    assert_eq!(after.rejections(Rejection::BadSign), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_app_secret_names_the_account_and_is_not_retried() {
    let entries = sample_entries();
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("tiktok-chi-lang", "htx-chi-lang")],
        50,
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

    // Tokens from the file are refreshed first: the auth host refuses the
    // App's credentials.
    let out = w.kho_with_secret(&["link", "tiktok-chi-lang"], wrong);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    eprintln!("tiktok, wrong secret: {}", err.trim());
    assert!(err.contains("tiktok-chi-lang"), "{err}");
    assert!(err.contains("Invalid credentials"), "{err}");
    no_secret_in(&err);
    let log = w.sim.request_log();
    assert!(
        log.total_calls <= 2,
        "retried a permanent error: {} calls",
        log.total_calls
    );

    // With valid tokens stored, a signed API call is refused by signature.
    ok(&w.kho(&["link", "tiktok-chi-lang"]));
    w.sim.reset_request_log();
    let out = w.kho_with_secret(&["link", "tiktok-chi-lang"], wrong);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    eprintln!("tiktok, wrong secret: {}", err.trim());
    assert!(err.contains("tiktok-chi-lang"), "{err}");
    assert!(
        err.contains("106001") || err.to_lowercase().contains("sign"),
        "{err}"
    );
    no_secret_in(&err);
    let log = w.sim.request_log();
    assert!(
        log.total_calls <= 2,
        "retried a permanent error: {} calls",
        log.total_calls
    );
    assert!(log.rejections(Rejection::BadSign) >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_access_token_is_refreshed_once_and_the_rotation_stored() {
    let entries = sample_entries();
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("tiktok-chi-lang", "htx-chi-lang")],
        50,
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "tiktok-chi-lang"]));
    let shop = w.shops[0].shop_id.clone();
    w.sim
        .token_action(&shop, TokenAction::ExpireAccessToken)
        .unwrap();
    let refreshes = || w.sim.request_log().calls(TOKEN_REFRESH);
    let before = refreshes();

    // Two concurrent calls through one channel, as the daemon makes them.
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
    let stored = store.load_tokens("tiktok-chi-lang").await.unwrap().unwrap();
    let current = w.sim.tokens(&shop).unwrap();
    assert_eq!(
        stored.refresh_token, current.refresh_token,
        "the rotated refresh token is stored"
    );
    assert_eq!(stored.access_token, current.access_token);
    assert_eq!(
        stored.access_expires_at.timestamp(),
        current.access_token_expire_in,
        "TikTok's expiry is an absolute epoch"
    );
    store.close().await;

    // A later process uses the stored (rotated) tokens, not the file's
    // (which the simulator no longer accepts).
    ok(&w.kho(&["stock", "add", "NA-CHILANG-1KG", "-1"]));
    ok(&w.kho(&["sync"]));
    assert_eq!(refreshes() - before, 1);
    assert_eq!(w.remote(&w.shops[0]), w.canonical(&w.shops[0]).await);
}

/// `products` products × `variants` variants of one producer, `stock` each.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_skus_at_five_calls_a_second_stay_within_the_limit() {
    let entries = wide_catalog("htx-rong", 50, 4);
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("tiktok-rong", "htx-rong")],
        50,
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "tiktok-rong"]));
    // Now the shop's limit is low, and kho is told so.
    let shop = w.shops[0].shop_id.clone();
    w.sim.set_rate_limit(&shop, Some(5)).unwrap();
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
    assert_eq!(
        log.calls_for_shop(&shop, INVENTORY_UPDATE),
        50,
        "one call per product of four SKUs"
    );
    assert_eq!(log.rejections(Rejection::RateLimited), 0);
    assert_eq!(log.rate_limit_violations(&shop), 0);
    assert!(log.max_calls_in_one_second(&shop) <= 5);
    // How close a sync comes to this bound is a speed figure, measured by
    // `kho bench sync` (ideal ÷ actual), not asserted on a loaded machine.
    let bound = log.total_calls as f64 / 5.0;
    eprintln!(
        "tiktok: {} calls in {elapsed:.2} s (bound {bound:.1} s)",
        log.total_calls
    );
    assert_eq!(w.remote(&w.shops[0]), w.canonical(&w.shops[0]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_update_lands_through_injected_faults() {
    let entries = sample_entries();
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("tiktok-chi-lang", "htx-chi-lang")],
        200,
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "tiktok-chi-lang"]));
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
    // Each run pushes what is still different; failures are retried by the next.
    let mut runs = 0;
    loop {
        runs += 1;
        let out = w.kho(&["sync"]);
        if out.status.success() && w.remote(&w.shops[0]) == w.canonical(&w.shops[0]).await {
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
        "tiktok: every update landed in {runs} sync run(s) through {faults} injected fault(s)"
    );
    assert!(faults > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_rejected_stock_and_price_are_reported_and_the_rest_lands() {
    let entries = sample_entries();
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("tiktok-chi-lang", "htx-chi-lang")],
        50,
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "tiktok-chi-lang"]));
    ok(&w.kho(&["stock", "add", "NA-CHILANG-2KG", "-4"]));
    ok(&w.kho(&["stock", "add", "NA-CHILANG-5KG", "6"]));
    let mut csv = ok(&w.kho(&["export"]));
    csv = csv.replacen(",165000,", ",166000,", 1);
    std::fs::write(w.db.path("p.csv"), csv).unwrap();
    ok(&w.kho(&["import", "p.csv"]));
    // kho refuses a stock over 99,998 and a price over 180,000,000 đồng
    // itself (TikTok's own caps); written straight to the store they stand
    // for values a marketplace refuses, which must fail alone: three SKUs of
    // one product go in one inventory call, and another product's price
    // still lands.
    let store = w.db.store().await;
    let sku = store.find_sku("NA-CHILANG-1KG").await.unwrap().unwrap();
    let location = store
        .location_id(sku.producer_id, None)
        .await
        .unwrap()
        .unwrap();
    store
        .record_movement(&MovementRequest {
            lot: None,
            variant_id: sku.variant_id,
            location_id: location,
            kind: MovementKind::Receipt,
            quantity: Quantity::To(100_000),
            reason: "test",
            reference: None,
            actor: "test",
            guard_available: false,
        })
        .await
        .unwrap();
    let say = store
        .variant_entries(None, Some("NA-SAY-200G"))
        .await
        .unwrap()
        .remove(0);
    assert!(
        store
            .edit_variant(
                "NA-SAY-200G",
                &VariantEdit {
                    name: say.variant_name,
                    price_vnd: 200_000_000,
                    weight_g: say.weight_g,
                    image_urls: say.image_urls,
                    active: true,
                },
            )
            .await
            .unwrap()
    );
    store.close().await;
    let product_of = |sku: &str| {
        let state = w.sim.state();
        let (p, _) = state
            .find_seller_sku(&w.shops[0].shop_id, sku)
            .expect("seeded");
        p.id.clone()
    };
    assert_ne!(product_of("NA-SAY-200G"), product_of("NA-CHILANG-2KG"));
    let before = w.sim.request_log().calls(INVENTORY_UPDATE);

    let out = w.kho(&["sync"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    eprintln!("{text}");
    assert!(
        text.contains("failed: NA-CHILANG-1KG Stock → 100000"),
        "{text}"
    );
    assert!(
        text.contains("failed: NA-SAY-200G Price → 200000000"),
        "{text}"
    );
    assert!(
        text.contains("12019024") && text.contains("12052012"),
        "the marketplace's codes and messages are kept: {text}"
    );
    assert_eq!(w.sim.request_log().calls(INVENTORY_UPDATE) - before, 1);
    let remote = w.remote(&w.shops[0]);
    let canonical = w.canonical(&w.shops[0]).await;
    assert_eq!(remote["NA-CHILANG-2KG"].0, canonical["NA-CHILANG-2KG"].0);
    assert_eq!(remote["NA-CHILANG-5KG"].0, canonical["NA-CHILANG-5KG"].0);
    assert_eq!(remote["NA-CHILANG-2KG"].1, 166_000);
    assert_eq!(remote["NA-CHILANG-1KG"].0, 250);
    assert_eq!(remote["NA-SAY-200G"].1, 65_000);
}

/// A shop with two warehouses: the account's `warehouse` is the one kho
/// reads and writes; the other keeps its own stock. Without it TikTok
/// cannot tell which warehouse a write is for (12019028).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configured_warehouse_is_the_one_kept_in_line() {
    let entries = sample_entries();
    let second = "7068517275539799999";
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("tiktok-bac-son", "htx-bac-son")],
        50,
        |c| {
            for shop in &mut c.shops {
                let first = shop.warehouses[0].id.clone();
                shop.warehouses.push(WarehouseConfig {
                    id: second.into(),
                    name: "Kho Bắc Sơn".into(),
                    is_default: false,
                    ..WarehouseConfig::default()
                });
                for product in &mut shop.products {
                    for sku in &mut product.skus {
                        sku.inventory = vec![
                            kho_simulator::tiktok::InventoryEntry {
                                warehouse_id: first.clone(),
                                quantity: 7,
                            },
                            kho_simulator::tiktok::InventoryEntry {
                                warehouse_id: second.into(),
                                quantity: sku.quantity,
                            },
                        ];
                    }
                }
            }
        },
    )
    .await;
    let shop = &w.shops[0];
    let in_warehouse = |wh: &str, sku: &str| {
        let state = w.sim.state();
        let (_, s) = state.find_seller_sku(&shop.shop_id, sku).expect("seeded");
        s.quantity_in(wh)
    };

    // Without a warehouse, a write to a SKU stocked in two is refused.
    ok(&w.kho(&["link", "tiktok-bac-son"]));
    ok(&w.kho(&["stock", "add", "QUYT-BACSON-5KG", "-10"]));
    let out = w.kho(&["sync"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("12019028"), "{}", stdout(&out));

    // With it, link reads that warehouse's stock and sync writes it.
    std::fs::write(
        w.db.path("kho.toml"),
        account_toml(&w.sim, shop, 50, &format!("warehouse = \"{second}\"\n")),
    )
    .unwrap();
    ok(&w.kho(&["sync", "retry-dead"]));
    ok(&w.kho(&["link", "tiktok-bac-son"]));
    ok(&w.kho(&["stock", "add", "QUYT-BACSON-1KG", "2"]));
    let out = ok(&w.kho(&["sync"]));
    assert!(out.contains("QUYT-BACSON-5KG Stock: 250 → 240"), "{out}");
    let first = w.sim.state().shop(&shop.shop_id).expect("shop").warehouses[0]
        .id
        .clone();
    assert_eq!(in_warehouse(second, "QUYT-BACSON-5KG"), Some(240));
    assert_eq!(in_warehouse(second, "QUYT-BACSON-1KG"), Some(5));
    assert_eq!(in_warehouse(&first, "QUYT-BACSON-5KG"), Some(7));
    assert_eq!(in_warehouse(&first, "QUYT-BACSON-1KG"), Some(7));
}

/// Publishing sends a JSON body full of Vietnamese text; the simulator
/// verifies the signature over the exact bytes it received, so this fails
/// if the client signs anything but the bytes it sends (an escaped or
/// re-serialised body, or a different encoding).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vietnamese_body_is_signed_as_sent() {
    let entries = sample_entries();
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("tiktok-bac-son", "htx-bac-son")],
        50,
        |_| {},
    )
    .await;
    // The account's mapping goes through config loading (check_mapping)
    // and build() into the adapter.
    let shop = &w.shops[0];
    let mapping = "mapping = { categories = { \"Trái cây\" = { category_id = \"600001\", \
                   attributes = [{ id = \"100149\", values = [{ name = \"Việt Nam\" }] }] } }, \
                   sales_attribute_name = \"Khối lượng\" }\n";
    std::fs::write(
        w.db.path("kho.toml"),
        account_toml(&w.sim, shop, 50, mapping),
    )
    .unwrap();
    let bad = account_toml(
        &w.sim,
        shop,
        50,
        "mapping = { categories = { \"Trái cây\" = { categoryid = \"600001\" } } }\n",
    );
    std::fs::write(w.db.path("bad.toml"), bad).unwrap();
    let out =
        w.db.kho_cmd(&["--config", "bad.toml", "config", "check"])
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("accounts[0].mapping"),
        "{}",
        stderr(&out)
    );

    // Linked and synced first (this also refreshes the file's tokens).
    ok(&w.kho(&["link", "tiktok-bac-son"]));
    ok(&w.kho(&["stock", "add", "QUYT-BACSON-5KG", "-2"]));
    ok(&w.kho(&["sync"]));
    assert_eq!(w.remote(shop), w.canonical(shop).await);

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
    // A PNG header is all the simulator reads of an image: 800 × 800 px.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&800u32.to_be_bytes());
    png.extend_from_slice(&800u32.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    let draft = kho_channel::ListingDraft {
        name: "Quýt Bắc Sơn loại đặc biệt — hộp quà Tết".into(),
        description: "Quýt vàng ươm, vỏ mỏng, ngọt thanh; trồng ở Bắc Sơn, Lạng Sơn. \
                      Đóng hộp 2 kg & 5 kg <quà biếu>."
            .into(),
        category: "Trái cây".into(),
        images: vec![kho_channel::DraftImage::Bytes {
            file_name: "quýt.png".into(),
            content_type: "image/png".into(),
            data: png,
        }],
        weight_g: 2000,
        variants: vec![
            kho_channel::VariantDraft {
                seller_sku: "QUYT-QUA-2KG".into(),
                name: "Hộp 2 kg".into(),
                price_vnd: 150_000,
                stock: 20,
            },
            kho_channel::VariantDraft {
                seller_sku: "QUYT-QUA-5KG".into(),
                name: "Hộp 5 kg".into(),
                price_vnd: 350_000,
                stock: 8,
            },
        ],
    };
    let before = w.sim.request_log();
    let published = channel.publish(&draft).await;
    store.close().await;
    let published = published.expect("published");
    let after = w.sim.request_log();
    assert_eq!(after.rejections(Rejection::BadSign), 0);
    assert_eq!(
        after.calls("POST /product/202309/products")
            - before.calls("POST /product/202309/products"),
        1
    );
    let state = w.sim.state();
    let product = state
        .product(&shop.shop_id, &published.item_id)
        .expect("created");
    assert_eq!(product.title, draft.name);
    assert!(product.description.contains("Quýt vàng ươm"));
    let attrs: Vec<(&str, &str)> = product
        .skus
        .iter()
        .flat_map(|s| {
            s.sales_attributes
                .iter()
                .map(|a| (a.name.as_str(), a.value_name.as_str()))
        })
        .collect();
    assert!(attrs.contains(&("Khối lượng", "Hộp 2 kg")), "{attrs:?}");
    assert_eq!(published.variants.len(), 2);
}
