//! Reconciliation end to end: drift injected through the simulators'
//! control APIs, reported by `kho reconcile` with its causes, repaired by
//! `--fix`, on both backends.

use std::collections::BTreeMap;

use kho::catalog::CatalogEntry;
use kho_simulator::shopee::{ListingEdit, NewOrder, NewOrderLine, SeedItem, TokenAction};
use serde_json::Value;

use crate::both_backends;
use crate::support::worlds::sample_entries;
use crate::support::worlds::shopee::World;
use crate::support::{TestDb, ok, stderr, stdout};

/// Serves a tiny JPEG for every path, so publishing can download images
/// without leaving the machine.
async fn image_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async {
        (
            [(axum::http::header::CONTENT_TYPE, "image/jpeg")],
            vec![
                0xFF_u8, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 0xFF, 0xD9,
            ],
        )
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// `n` single-SKU products of `producer`: one Shopee item each.
fn entries(producer: &str, prefix: &str, n: usize, images: &str) -> Vec<CatalogEntry> {
    let template = sample_entries().remove(0);
    (1..=n)
        .map(|i| CatalogEntry {
            producer_code: producer.into(),
            producer_name: format!("HTX {producer}"),
            product_code: format!("{prefix}-P{i:02}"),
            product_name: format!("Sản phẩm {prefix} {i}"),
            variant_sku: format!("{prefix}-{i:02}"),
            variant_name: "Hộp".into(),
            price_vnd: 100_000 + i as i64 * 1000,
            stock: 50,
            reserved: 0,
            ocop_stars: None,
            ocop_cert_no: None,
            ocop_cert_expires: None,
            category: "Trái cây tươi".into(),
            image_urls: format!("{images}/img/{prefix}-{i}.jpg"),
            ..template.clone()
        })
        .collect()
}

/// Two Shopee shops: `shopee-a` (14 SKUs of htx-recon) and `shopee-b`
/// (3 SKUs of htx-khac), linked and in line with kho; accounts can publish.
async fn world(db: TestDb) -> World {
    let images = image_server().await;
    let mut all = entries("htx-recon", "REC", 14, &images);
    all.extend(entries("htx-khac", "KHAC", 3, &images));
    let w = World::start(
        db,
        &all,
        &[("shopee-a", "htx-recon"), ("shopee-b", "htx-khac")],
        1000,
        |_| {},
    )
    .await;
    let toml = std::fs::read_to_string(w.db.path("kho.toml")).unwrap();
    let mapping = "mapping = { categories = { \"Trái cây tươi\" = { category_id = 100644 } }, \
                   logistics = [{ logistic_id = 50018 }] }\ncredentials = ";
    std::fs::write(
        w.db.path("kho.toml"),
        toml.replace("\ncredentials = ", &format!("\n{mapping}")),
    )
    .unwrap();
    for s in &w.shops {
        ok(&w.kho(&["link", &s.account]));
    }
    w
}

fn item_id(w: &World, shop_id: i64, sku: &str) -> i64 {
    w.sim
        .state()
        .shops
        .iter()
        .filter(|s| s.shop_id == shop_id)
        .flat_map(|s| s.items.iter())
        .find(|i| i.item_sku == sku)
        .map(|i| i.item_id)
        .unwrap_or_else(|| panic!("no item {sku}"))
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

fn account<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == name)
        .unwrap_or_else(|| panic!("no account {name} in {doc}"))
}

/// (kind, cause, sku) of every item, sorted.
fn items(acc: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = acc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["cause"].as_str().unwrap().to_owned(),
                i["sku"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The must-show: 5 stock edits by hand, 2 price edits, 1 deleted listing,
/// 1 unknown SKU, 1 duplicated seller SKU and 3 orders whose webhooks were
/// dropped make exactly 13 items with their causes (exit 1); after
/// `--fix` the next run reports nothing (exit 0) and the marketplace shows
/// kho's values.
async fn injected_drift_is_reported_then_fixed_body(db: TestDb) {
    let w = world(db).await;
    let shop = w.shops[0].shop_id;
    let clean = w.kho(&["--json", "reconcile"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));

    let ctl = w.sim.control();
    for (n, sku) in ["REC-01", "REC-02", "REC-03", "REC-04", "REC-05"]
        .iter()
        .enumerate()
    {
        ctl.edit_listing(
            shop,
            item_id(&w, shop, sku),
            ListingEdit {
                stock: Some(10 + n as i64),
                ..ListingEdit::default()
            },
        )
        .unwrap();
    }
    for sku in ["REC-06", "REC-07"] {
        ctl.edit_listing(
            shop,
            item_id(&w, shop, sku),
            ListingEdit {
                price: Some(99_000.0),
                ..ListingEdit::default()
            },
        )
        .unwrap();
    }
    ctl.delete_listing(shop, item_id(&w, shop, "REC-08"))
        .unwrap();
    ctl.seed_item(
        shop,
        SeedItem {
            item_sku: "KHONG-RO".into(),
            stock: 3,
            ..SeedItem::default()
        },
    )
    .unwrap();
    ctl.seed_item(
        shop,
        SeedItem {
            item_sku: "REC-09".into(),
            stock: 4,
            ..SeedItem::default()
        },
    )
    .unwrap();
    // No webhook reaches kho: automatic pushes are off.
    ctl.set_auto_push(false);
    for sku in ["REC-10", "REC-11", "REC-12"] {
        ctl.create_order(NewOrder {
            shop_id: shop,
            lines: vec![NewOrderLine {
                item_id: item_id(&w, shop, sku),
                model_id: 0,
                quantity: 2,
                discounted_price: None,
            }],
            ..NewOrder::default()
        })
        .unwrap();
    }

    let out = w.kho(&["--json", "reconcile"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let a = account(&doc, "shopee-a");
    let s = |k: &str, c: &str, sku: &str| (k.to_owned(), c.to_owned(), sku.to_owned());
    let mut want = vec![
        s("stock", "edited_on_marketplace", "REC-01"),
        s("stock", "edited_on_marketplace", "REC-02"),
        s("stock", "edited_on_marketplace", "REC-03"),
        s("stock", "edited_on_marketplace", "REC-04"),
        s("stock", "edited_on_marketplace", "REC-05"),
        s("price", "edited_on_marketplace", "REC-06"),
        s("price", "edited_on_marketplace", "REC-07"),
        s("missing_remote", "deleted_on_marketplace", "REC-08"),
        s("unknown_sku", "not_linked", "KHONG-RO"),
        s("duplicate_sku", "not_linked", "REC-09"),
        s("order_missing", "order_not_ingested", "REC-10"),
        s("order_missing", "order_not_ingested", "REC-11"),
        s("order_missing", "order_not_ingested", "REC-12"),
    ];
    want.sort();
    assert_eq!(items(a), want, "{a:#}");
    assert_eq!(a["outcome"], "drift");
    assert_eq!(a["counts"]["stock"], 5);
    assert_eq!(a["counts"]["order_missing"], 3);
    // Values: kho's, last pushed, the marketplace's.
    let rec01 = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku"] == "REC-01")
        .unwrap();
    assert_eq!(rec01["kho_value"], 50);
    assert_eq!(rec01["pushed_value"], 50);
    assert_eq!(rec01["remote_value"], 10);
    // The stock the missed orders took is folded into their items.
    let order = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku"] == "REC-10")
        .unwrap();
    assert!(
        order["detail"]
            .as_str()
            .unwrap()
            .contains("REC-10 stock kho 50, marketplace 48"),
        "{order}"
    );
    assert_eq!(account(&doc, "shopee-b")["outcome"], "clean");
    // The readable report counts per kind, then lists every item.
    let text = w.kho(&["reconcile", "--account", "shopee-a"]);
    assert_eq!(text.status.code(), Some(1));
    let text = stdout(&text);
    assert!(
        text.contains("shopee-a (shopee): 13 drift item(s): 1 missing_remote, 1 unknown_sku, 1 duplicate_sku, 5 stock, 2 price, 3 order_missing"),
        "{text}"
    );
    assert!(
        text.contains("REC-01 [") && text.contains("kho 50, last pushed 50, marketplace 10"),
        "{text}"
    );

    let fixed = w.kho(&["--json", "reconcile", "--fix"]);
    assert_eq!(fixed.status.code(), Some(1), "{}", stderr(&fixed));
    let fdoc = json(&fixed);
    let fix = &account(&fdoc, "shopee-a")["fix"];
    assert_eq!(fix["orders_ingested"], 3, "{fix:#}");
    assert_eq!(fix["filed_for_linking"], 2, "{fix:#}");
    assert_eq!(fix["still_pending"], 0, "{fix:#}");

    let after = w.kho(&["--json", "reconcile"]);
    let adoc = json(&after);
    assert_eq!(after.status.code(), Some(0), "{adoc:#}");
    let a = account(&adoc, "shopee-a");
    assert!(a["items"].as_array().unwrap().is_empty(), "{a:#}");
    assert_eq!(a["awaiting"].as_array().unwrap().len(), 2, "{a:#}");

    // The marketplace shows kho's values again, the deleted listing is back
    // and nothing was deleted remotely.
    let remote = w.remote(&w.shops[0]);
    let canonical = w.canonical(&w.shops[0]).await;
    for sku in ["REC-01", "REC-05", "REC-06", "REC-07", "REC-08", "REC-10"] {
        assert_eq!(remote.get(sku), canonical.get(sku), "{sku}");
    }
    assert!(remote.contains_key("KHONG-RO"));
    let orders = ok(&w.kho(&["orders", "list", "--account", "shopee-a"]));
    assert!(orders.contains("3 order(s)"), "{orders}");

    // History, status and link show it.
    let store = w.db.store().await;
    let runs = store.reconcile_runs(Some("shopee-a"), 10).await.unwrap();
    let outcomes: Vec<&str> = runs.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(outcomes, ["clean", "drift", "drift", "drift", "clean"]);
    assert!(runs[1].fixed);
    assert_eq!(runs[2].counts.get("stock"), Some(&5));
    assert_eq!(store.reconcile_items(runs[2].id).await.unwrap().len(), 13);
    let latest = store.latest_reconcile_runs().await.unwrap();
    assert_eq!(latest.len(), 2);
    store.close().await;
    let status = stdout(&w.kho(&["status"]));
    assert!(status.contains("DRIFT (last reconciliation)"), "{status}");
    assert!(status.contains("clean; 2 awaiting a person"), "{status}");
    let link = stdout(&w.kho(&["link", "shopee-a", "--dry-run"]));
    assert!(link.contains("awaiting a person"), "{link}");
}
both_backends!(injected_drift_is_reported_then_fixed, |db| {
    injected_drift_is_reported_then_fixed_body(db).await;
});

/// A seller SKU changed by hand on a linked listing: orders name their lines
/// by seller SKU, so its sales would miss its variant. Reported, filed by
/// `--fix` for a person, quiet while unchanged.
async fn seller_sku_changed_on_a_linked_listing_body(db: TestDb) {
    let w = world(db).await;
    let shop = w.shops[0].shop_id;
    w.sim
        .control()
        .edit_listing(
            shop,
            item_id(&w, shop, "REC-03"),
            ListingEdit {
                item_sku: Some("REC-03-MOI".into()),
                ..ListingEdit::default()
            },
        )
        .unwrap();
    let out = w.kho(&["--json", "reconcile", "--account", "shopee-a"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let a = account(&doc, "shopee-a");
    assert_eq!(
        items(a),
        [(
            "seller_sku".to_owned(),
            "edited_on_marketplace".to_owned(),
            "REC-03".to_owned()
        )]
    );
    let item = &a["items"][0];
    assert_eq!(item["kho_value"], "REC-03");
    assert_eq!(item["remote_value"], "REC-03-MOI");

    let fixed = w.kho(&["--json", "reconcile", "--account", "shopee-a", "--fix"]);
    let fdoc = json(&fixed);
    assert_eq!(account(&fdoc, "shopee-a")["fix"]["filed_for_linking"], 1);
    let after = w.kho(&["--json", "reconcile", "--account", "shopee-a"]);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
    let adoc = json(&after);
    let awaiting = account(&adoc, "shopee-a")["awaiting"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(awaiting.len(), 1, "{adoc:#}");
    assert_eq!(awaiting[0]["kind"], "seller_sku");
}
both_backends!(seller_sku_changed_on_a_linked_listing, |db| {
    seller_sku_changed_on_a_linked_listing_body(db).await;
});

/// A shop whose tokens were revoked is reported as failed (exit 3) while
/// the other account is still reconciled and reported.
async fn revoked_account_fails_others_reconciled_body(db: TestDb) {
    let w = world(db).await;
    let b = w.shops[1].shop_id;
    w.sim
        .control()
        .token_action(b, TokenAction::RevokeAccessToken)
        .unwrap();
    w.sim
        .control()
        .token_action(b, TokenAction::RevokeRefreshToken)
        .unwrap();
    let a = w.shops[0].shop_id;
    w.sim
        .control()
        .edit_listing(
            a,
            item_id(&w, a, "REC-03"),
            ListingEdit {
                stock: Some(1),
                ..ListingEdit::default()
            },
        )
        .unwrap();
    let out = w.kho(&["--json", "reconcile"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let doc = json(&out);
    let failed = account(&doc, "shopee-b");
    assert_eq!(failed["outcome"], "failed");
    assert!(failed["error"].as_str().unwrap_or("").len() > 3, "{failed}");
    let other = account(&doc, "shopee-a");
    assert_eq!(other["outcome"], "drift");
    assert_eq!(
        items(other),
        vec![(
            "stock".to_owned(),
            "edited_on_marketplace".to_owned(),
            "REC-03".to_owned()
        )]
    );
    let text = stdout(&w.kho(&["reconcile"]));
    assert!(text.contains("shopee-b (shopee): FAILED"), "{text}");
    assert!(
        text.contains("shopee-a (shopee): 1 drift item(s)"),
        "{text}"
    );
    let store = w.db.store().await;
    let latest = store.latest_reconcile_runs().await.unwrap();
    let by: BTreeMap<&str, &str> = latest
        .iter()
        .map(|r| (r.account.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(by.get("shopee-b"), Some(&"failed"));
    assert_eq!(by.get("shopee-a"), Some(&"drift"));
    store.close().await;
}
both_backends!(revoked_account_fails_others_reconciled, |db| {
    revoked_account_fails_others_reconciled_body(db).await;
});

/// While a run of an account holds its lease, a second run of that account
/// is refused (exit 3) and the other accounts are reconciled; once the
/// first is done the account is reconciled again. The sync workers' lease
/// is separate: it is not blocked.
async fn two_runs_of_one_account_never_overlap_body(db: TestDb) {
    let w = world(db).await;
    let store = w.db.store().await;
    let id = store.accounts(Some("shopee-a")).await.unwrap()[0].id;
    assert!(
        store
            .acquire_reconcile_lease(id, "another-daemon", std::time::Duration::from_secs(60))
            .await
            .unwrap()
    );
    let out = w.kho(&["--json", "reconcile"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(account(&doc, "shopee-a")["outcome"], "skipped");
    assert_eq!(account(&doc, "shopee-b")["outcome"], "clean");
    assert!(
        store
            .acquire_lease(id, "sync-worker", std::time::Duration::from_secs(5))
            .await
            .unwrap()
            .is_some(),
        "the sync lease is separate"
    );
    store.release_lease(id, "sync-worker").await.unwrap();
    assert!(
        !store
            .acquire_reconcile_lease(id, "third", std::time::Duration::from_secs(60))
            .await
            .unwrap()
    );
    store
        .release_reconcile_lease(id, "another-daemon")
        .await
        .unwrap();
    let out = w.kho(&["reconcile", "--account", "shopee-a"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    store.close().await;
}
both_backends!(two_runs_of_one_account_never_overlap, |db| {
    two_runs_of_one_account_never_overlap_body(db).await;
});

/// `kho publish` creates listings for SKUs the account does not list and
/// links them; already listed SKUs are left alone.
async fn publish_creates_and_links_unlisted_skus_body(db: TestDb) {
    let w = world(db).await;
    let shop = w.shops[1].shop_id;
    w.sim
        .control()
        .purge_listing(shop, item_id(&w, shop, "KHAC-02"))
        .unwrap();
    // Linking again drops nothing; KHAC-02 is still linked to the purged
    // item, so publish it explicitly, and ask for a listed one too.
    let out = w.kho(&["--json", "publish", "shopee-b", "--sku", "KHAC-01"]);
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    assert_eq!(doc["already_listed"][0], "KHAC-01");
    assert!(doc["products"].as_array().unwrap().is_empty());
    let bad = w.kho(&["publish", "shopee-b", "--sku", "NOPE-1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("NOPE-1"), "{}", stderr(&bad));
    let out = w.kho(&["reconcile", "--account", "shopee-b", "--fix"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("1 republished"), "{}", stdout(&out));

    // A new SKU in the catalog: `kho publish` lists it, and only it.
    let csv = std::fs::read_to_string(w.db.path("catalog.csv")).unwrap();
    let start = csv.find("http://127.0.0.1:").unwrap();
    let end = start + csv[start..].find("/img/").unwrap();
    let images = &csv[start..end];
    let mut more = entries("htx-khac", "KHAC", 4, images);
    more.retain(|e| e.variant_sku == "KHAC-04");
    let mut bytes = Vec::new();
    kho::catalog::file::write_csv(&mut bytes, &more).unwrap();
    std::fs::write(w.db.path("more.csv"), bytes).unwrap();
    ok(&w.kho(&["import", "more.csv"]));
    let out = w.kho(&["--json", "publish", "shopee-b"]);
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    let products = doc["products"].as_array().unwrap();
    assert_eq!(products.len(), 1, "{doc:#}");
    assert_eq!(products[0]["skus"][0], "KHAC-04");
    assert!(products[0]["item_id"].is_string(), "{doc:#}");
    let again = ok(&w.kho(&["publish", "shopee-b"]));
    assert!(again.contains("nothing to publish"), "{again}");
    let remote = w.remote(&w.shops[1]);
    let canonical = w.canonical(&w.shops[1]).await;
    assert_eq!(remote.get("KHAC-02"), canonical.get("KHAC-02"));
    assert_eq!(remote.get("KHAC-04"), canonical.get("KHAC-04"));
    assert!(canonical.contains_key("KHAC-04"));
    let out = w.kho(&["reconcile", "--account", "shopee-b"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
both_backends!(publish_creates_and_links_unlisted_skus, |db| {
    publish_creates_and_links_unlisted_skus_body(db).await;
});

/// Shopee reports stock held by promotions; a difference it explains is
/// named as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopee_stock_held_by_a_promotion_is_named() {
    let w = world(TestDb::sqlite()).await;
    let shop = w.shops[0].shop_id;
    w.sim
        .control()
        .edit_listing(
            shop,
            item_id(&w, shop, "REC-04"),
            ListingEdit {
                stock: Some(47),
                reserved_stock: Some(3),
                ..ListingEdit::default()
            },
        )
        .unwrap();
    let out = w.kho(&["--json", "reconcile", "--account", "shopee-a"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        items(account(&json(&out), "shopee-a")),
        vec![(
            "stock".to_owned(),
            "held_by_marketplace".to_owned(),
            "REC-04".to_owned()
        )]
    );
}

/// Every adapter supports reconciliation: TikTok Shop listings are read,
/// a hand edit is named, `--fix` pushes kho's value back.
async fn tiktok_stock_edit_is_reported_and_fixed_body(db: TestDb) {
    use crate::support::worlds::tiktok::World;
    use kho_simulator::tiktok::ListingEdit;

    let entries: Vec<CatalogEntry> = sample_entries()
        .into_iter()
        .filter(|e| e.producer_code == "htx-chi-lang")
        .collect();
    let w = World::start(db, &entries, &[("tiktok-a", "htx-chi-lang")], 1000, |_| {}).await;
    ok(&w.kho(&["link", "tiktok-a"]));
    ok(&w.kho(&["sync"]));
    let clean = w.kho(&["reconcile"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    let shop = &w.shops[0];
    let (product, sku) = w
        .sim
        .state()
        .shops
        .iter()
        .flat_map(|s| s.products.iter())
        .find_map(|p| {
            p.skus
                .iter()
                .find(|s| s.seller_sku == "NA-CHILANG-2KG")
                .map(|s| (p.id.clone(), s.id.clone()))
        })
        .unwrap();
    w.sim
        .control()
        .edit_listing(
            &shop.shop_id,
            &product,
            ListingEdit {
                sku_id: Some(sku),
                quantity: Some(3),
                ..ListingEdit::default()
            },
        )
        .unwrap();
    let out = w.kho(&["--json", "reconcile"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(
        items(account(&doc, "tiktok-a")),
        vec![(
            "stock".to_owned(),
            "edited_on_marketplace".to_owned(),
            "NA-CHILANG-2KG".to_owned()
        )]
    );
    assert_eq!(w.kho(&["reconcile", "--fix"]).status.code(), Some(1));
    let after = w.kho(&["reconcile"]);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
    assert_eq!(w.remote(shop), w.canonical(shop).await);
}
both_backends!(tiktok_stock_edit_is_reported_and_fixed, |db| {
    tiktok_stock_edit_is_reported_and_fixed_body(db).await;
});

/// Lazada: the same, through the sellable-stock hand edit.
async fn lazada_stock_edit_is_reported_and_fixed_body(db: TestDb) {
    use crate::support::worlds::lazada::World;
    use kho_simulator::lazada::SkuEdit;

    let entries: Vec<CatalogEntry> = sample_entries()
        .into_iter()
        .filter(|e| e.producer_code == "htx-chi-lang")
        .collect();
    let w = World::start(
        db,
        &entries,
        &[("lazada-a", "htx-chi-lang")],
        1000,
        "",
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "lazada-a"]));
    ok(&w.kho(&["sync"]));
    let clean = w.kho(&["reconcile"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    let seller = &w.sellers[0];
    w.sim
        .control()
        .edit_sku(
            seller.seller_id,
            "NA-CHILANG-1KG",
            SkuEdit {
                sellable: Some(4),
                ..SkuEdit::default()
            },
        )
        .unwrap();
    let out = w.kho(&["--json", "reconcile"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(
        items(account(&doc, "lazada-a")),
        vec![(
            "stock".to_owned(),
            "edited_on_marketplace".to_owned(),
            "NA-CHILANG-1KG".to_owned()
        )]
    );
    assert_eq!(w.kho(&["reconcile", "--fix"]).status.code(), Some(1));
    let after = w.kho(&["reconcile"]);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
    assert_eq!(w.remote(seller), w.canonical(seller).await);
}
both_backends!(lazada_stock_edit_is_reported_and_fixed, |db| {
    lazada_stock_edit_is_reported_and_fixed_body(db).await;
});

/// `kho serve` reconciles on `sync.reconcile_schedule`, reports only (no
/// fix by default), keeps the history and exports metrics.
async fn serve_reconciles_on_schedule_body(db: TestDb) {
    let w = world(db).await;
    let shop = w.shops[0].shop_id;
    w.sim
        .control()
        .edit_listing(
            shop,
            item_id(&w, shop, "REC-02"),
            ListingEdit {
                stock: Some(9),
                ..ListingEdit::default()
            },
        )
        .unwrap();
    let daemon = crate::support::Daemon::start_with(
        &w.db,
        &[
            (
                "KHO_TEST_SHOPEE_KEY",
                crate::support::worlds::shopee::PARTNER_KEY,
            ),
            ("KHO__SYNC__RECONCILE_SCHEDULE", "* * * * * *"),
        ],
        "1h",
    );
    let store = w.db.store().await;
    let started = std::time::Instant::now();
    loop {
        let runs = store.reconcile_runs(Some("shopee-a"), 10).await.unwrap();
        if runs.iter().filter(|r| r.outcome == "drift").count() >= 2 {
            assert!(runs.iter().all(|r| !r.fixed));
            assert_eq!(runs[0].counts.get("stock"), Some(&1));
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "no scheduled runs: {runs:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let metrics = reqwest::get(format!("{}/metrics", daemon.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("kho_reconcile_drift_items{account=\"shopee-a\",kind=\"stock\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("kho_reconcile_runs_total"), "{metrics}");
    assert!(
        metrics.contains("kho_reconcile_last_run_timestamp_seconds"),
        "{metrics}"
    );
    daemon.stop();
    // Report only: the hand edit is still there.
    assert_eq!(w.remote(&w.shops[0]).get("REC-02").map(|v| v.0), Some(9));
    store.close().await;
}
both_backends!(serve_reconciles_on_schedule, |db| {
    serve_reconciles_on_schedule_body(db).await;
});

/// Two runs of one account started together: one reconciles, the other is
/// skipped (the marketplace is slow enough for them to overlap).
async fn concurrent_runs_of_one_account_body(db: TestDb) {
    let w = world(db).await;
    let shop = w.shops[0].shop_id;
    w.sim.set_rate_limit(shop, Some(2)).unwrap();
    let toml = std::fs::read_to_string(w.db.path("kho.toml"))
        .unwrap()
        .replace("per_second = 1000", "per_second = 2");
    std::fs::write(w.db.path("kho.toml"), toml).unwrap();
    let config = kho::config::Config::load(kho::config::Sources {
        file: Some(&w.db.path("kho.toml")),
        env: Some(crate::support::keyed(
            [
                (
                    "KHO_TEST_SHOPEE_KEY".to_owned(),
                    crate::support::worlds::shopee::PARTNER_KEY.to_owned(),
                ),
                ("KHO__DATABASE__URL".to_owned(), w.db.url.clone()),
            ]
            .into_iter()
            .collect(),
        )),
    })
    .unwrap();
    let store = w.db.store().await;
    let acc = config.account("shopee-a").unwrap();
    let id = store.accounts(Some("shopee-a")).await.unwrap()[0].id;
    let transport = kho::channels::transport().unwrap();
    let run = |owner: &str| {
        let opts = kho::reconcile::Options {
            fix: false,
            since: None,
            owner: owner.to_owned(),
            restock_on_return: true,
        };
        let ch = kho::channels::build(acc, &transport, &store).unwrap();
        let store = store.clone();
        async move {
            kho::reconcile::run_account(&store, ch, acc, id, &opts, &|_| {})
                .await
                .unwrap()
        }
    };
    let (one, two) = tokio::join!(run("first"), run("second"));
    let mut outcomes = vec![one.outcome.clone(), two.outcome.clone()];
    outcomes.sort();
    assert_eq!(outcomes, ["clean", "skipped"], "{one:?} {two:?}");
    let runs = store.reconcile_runs(Some("shopee-a"), 10).await.unwrap();
    assert_eq!(runs.len(), 1, "a skipped run leaves no history");
    // Afterwards the account can be reconciled again.
    assert_eq!(run("third").await.outcome, "clean");
    store.close().await;
}
both_backends!(concurrent_runs_of_one_account, |db| {
    concurrent_runs_of_one_account_body(db).await;
});

/// A cancellation whose webhook was lost: kho has the order as ready, the
/// marketplace gave the units back. One order item explains the stock;
/// `--fix` ingests the cancellation and the next run is clean.
async fn lost_cancellation_is_reported_and_fixed_body(db: TestDb) {
    use kho_simulator::shopee::OrderStatus;

    let w = world(db).await;
    let shop = w.shops[0].shop_id;
    let ctl = w.sim.control();
    ctl.set_auto_push(false);
    let order = ctl
        .create_order(NewOrder {
            shop_id: shop,
            lines: vec![NewOrderLine {
                item_id: item_id(&w, shop, "REC-13"),
                model_id: 0,
                quantity: 3,
                discounted_price: None,
            }],
            ..NewOrder::default()
        })
        .unwrap();
    ok(&w.kho(&["orders", "pull", "--account", "shopee-a"]));
    let clean = w.kho(&["reconcile", "--account", "shopee-a"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    ctl.set_order_status(&order.order_sn, OrderStatus::Cancelled)
        .unwrap();
    let out = w.kho(&["--json", "reconcile", "--account", "shopee-a"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let a = account(&doc, "shopee-a");
    assert_eq!(
        items(a),
        vec![(
            "order_missing".to_owned(),
            "order_not_ingested".to_owned(),
            "REC-13".to_owned()
        )],
        "{a:#}"
    );
    assert_eq!(a["items"][0]["kho_value"], "ready");
    let fixed = w.kho(&["reconcile", "--account", "shopee-a", "--fix"]);
    assert_eq!(fixed.status.code(), Some(1), "{}", stdout(&fixed));
    let after = w.kho(&["reconcile", "--account", "shopee-a"]);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
    let remote = w.remote(&w.shops[0]);
    let canonical = w.canonical(&w.shops[0]).await;
    assert_eq!(remote.get("REC-13"), canonical.get("REC-13"));
    assert_eq!(canonical.get("REC-13").map(|v| v.0), Some(50));
}
both_backends!(lost_cancellation_is_reported_and_fixed, |db| {
    lost_cancellation_is_reported_and_fixed_body(db).await;
});

/// A listing unlisted by hand is a status drift; `--fix` lists it again.
async fn unlisted_by_hand_is_relisted_by_fix_body(db: TestDb) {
    use kho_simulator::shopee::ItemStatus;

    let w = world(db).await;
    let shop = w.shops[0].shop_id;
    let item = item_id(&w, shop, "REC-14");
    w.sim
        .control()
        .edit_listing(
            shop,
            item,
            ListingEdit {
                status: Some(ItemStatus::Unlist),
                ..ListingEdit::default()
            },
        )
        .unwrap();
    let out = w.kho(&["--json", "reconcile", "--account", "shopee-a"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let a = account(&doc, "shopee-a");
    assert_eq!(
        items(a),
        vec![(
            "status".to_owned(),
            "edited_on_marketplace".to_owned(),
            "REC-14".to_owned()
        )],
        "{a:#}"
    );
    assert_eq!(a["items"][0]["remote_value"], "inactive");
    let fixed = w.kho(&["reconcile", "--account", "shopee-a", "--fix"]);
    assert_eq!(fixed.status.code(), Some(1), "{}", stdout(&fixed));
    let after = w.kho(&["reconcile", "--account", "shopee-a"]);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
    let state = w.sim.state();
    let listed = state
        .shops
        .iter()
        .flat_map(|s| s.items.iter())
        .find(|i| i.item_id == item)
        .map(|i| i.status);
    assert_eq!(listed, Some(ItemStatus::Normal));
}
both_backends!(unlisted_by_hand_is_relisted_by_fix, |db| {
    unlisted_by_hand_is_relisted_by_fix_body(db).await;
});
