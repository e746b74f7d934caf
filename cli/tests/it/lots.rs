//! Harvest lots end to end: the migration of existing stock, the ledger per
//! lot under any sequence of receipts, removals, reservations and expiry
//! (a property test on both backends, with two shops, one wanting three
//! days of shelf life), and the CLI and API paths.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Days, NaiveDate, Utc};
use kho::inventory::{self, MoveOptions, StockError};
use kho::store::Store;
use kho::store::lots::{LotSpec, local_day};
use proptest::prelude::*;

use crate::both_backends;
use crate::support::{Backend, TestDb, ok, sample_catalog, stderr};

const SKU: &str = "NA-CHILANG-1KG";

fn today() -> NaiveDate {
    local_day(Utc::now())
}

fn shifted(days: i64) -> NaiveDate {
    let t = today();
    if days >= 0 {
        t + Days::new(days.unsigned_abs())
    } else {
        t - Days::new(days.unsigned_abs())
    }
}

/// Rows as the schema before lots held them: a variant that sold, one with
/// reservations, one at a second location.
const BEFORE_LOTS: &[&str] = &[
    "INSERT INTO producers (id, code, name, created_at, updated_at) \
     VALUES (1, 'htx', 'HTX', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    "INSERT INTO locations (id, producer_id, code, name, is_default) VALUES (1, 1, 'main', 'Main', TRUE)",
    "INSERT INTO locations (id, producer_id, code, name, is_default) VALUES (2, 1, 'kho-2', 'Two', FALSE)",
    "INSERT INTO products (id, producer_id, code, name, created_at, updated_at) \
     VALUES (1, 1, 'NA', 'Na', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    "INSERT INTO variants (id, product_id, sku, name, price_vnd, weight_g, created_at, updated_at) \
     VALUES (1, 1, 'NA-1', '1kg', 85000, 1000, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    "INSERT INTO variants (id, product_id, sku, name, price_vnd, weight_g, created_at, updated_at) \
     VALUES (2, 1, 'NA-2', '2kg', 160000, 2000, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    "INSERT INTO stock_levels (variant_id, location_id, on_hand, reserved) VALUES (1, 1, 40, 0)",
    "INSERT INTO stock_levels (variant_id, location_id, on_hand, reserved) VALUES (2, 1, 7, 2)",
    "INSERT INTO stock_levels (variant_id, location_id, on_hand, reserved) VALUES (1, 2, 5, 0)",
    "INSERT INTO stock_movements (variant_id, location_id, kind, quantity, balance_after, reason, actor, created_at) \
     VALUES (1, 1, 'receipt', 50, 50, '', 'test', '2026-01-01T00:00:00Z')",
    "INSERT INTO stock_movements (variant_id, location_id, kind, quantity, balance_after, reason, reference, actor, created_at) \
     VALUES (1, 1, 'sale', -10, 40, '', 'o-1', 'test', '2026-01-02T00:00:00Z')",
    "INSERT INTO stock_movements (variant_id, location_id, kind, quantity, balance_after, reason, actor, created_at) \
     VALUES (2, 1, 'count', 7, 7, '', 'test', '2026-01-02T00:00:00Z')",
    "INSERT INTO stock_movements (variant_id, location_id, kind, quantity, balance_after, reason, actor, created_at) \
     VALUES (1, 2, 'receipt', 5, 5, '', 'test', '2026-01-03T00:00:00Z')",
];

/// The migrations before lots, applied to an empty database.
async fn before_lots(dir: &str) -> sqlx::migrate::Migrator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(dir);
    let all = sqlx::migrate::Migrator::new(path).await.unwrap();
    let mut m = sqlx::migrate::Migrator::DEFAULT;
    m.migrations = all
        .migrations
        .iter()
        .filter(|m| m.version < 15)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    m
}

both_backends!(migration_keeps_stock_in_dateless_lots, |db| {
    match db.backend {
        Backend::Sqlite => {
            let opts: sqlx::sqlite::SqliteConnectOptions = db.url.parse().unwrap();
            let pool = sqlx::SqlitePool::connect_with(opts.create_if_missing(true))
                .await
                .unwrap();
            before_lots("sqlite").await.run(&pool).await.unwrap();
            for sql in BEFORE_LOTS {
                sqlx::query(sqlx::AssertSqlSafe(*sql))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            before_lots("postgres").await.run(&pool).await.unwrap();
            for sql in BEFORE_LOTS {
                sqlx::query(sqlx::AssertSqlSafe(*sql))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
        }
    }
    let store = db.store().await;
    let levels = |v| {
        let store = store.clone();
        async move { store.stock_levels(v).await.unwrap() }
    };
    let one = levels(1).await;
    assert_eq!(
        one.iter()
            .map(|l| (l.location.as_str(), l.on_hand, l.reserved))
            .collect::<Vec<_>>(),
        [("kho-2", 5, 0), ("main", 40, 0)],
        "stock unchanged"
    );
    let two = levels(2).await;
    assert_eq!((two[0].on_hand, two[0].reserved), (7, 2));
    let lots = store.lot_levels(1).await.unwrap();
    assert_eq!(
        lots.iter()
            .map(|l| (
                l.location.as_str(),
                l.code.as_str(),
                l.harvested_on,
                l.best_before,
                l.on_hand
            ))
            .collect::<Vec<_>>(),
        [("kho-2", "", None, None, 5), ("main", "", None, None, 40)],
        "every unit in a dateless lot"
    );
    assert_eq!(store.lot_levels(2).await.unwrap()[0].on_hand, 7);
    assert!(store.ledger_mismatches().await.unwrap().is_empty());
    assert!(store.lot_ledger_mismatches().await.unwrap().is_empty());
    let history = store.stock_history(1, 10).await.unwrap();
    assert_eq!(history.len(), 3);
    assert!(history.iter().all(|m| m.lot.is_empty()));
    // The ledger still refuses to be rewritten, and takes `expiry` now.
    let expiry = inventory::add(
        &store,
        "NA-1",
        3,
        &opts(Some(("L", None, Some(shifted(-1))))),
    )
    .await
    .unwrap();
    assert!(matches!(
        expiry,
        kho::store::inventory::MovementOutcome::Applied { .. }
    ));
    let expired = store.expire_lots(Utc::now(), false, "test").await.unwrap();
    assert_eq!(expired.iter().map(|e| e.units).sum::<i64>(), 3);
    assert_eq!(levels(1).await[1].on_hand, 40);
});

type Lot<'a> = (&'a str, Option<NaiveDate>, Option<NaiveDate>);

fn opts(lot: Option<Lot<'_>>) -> MoveOptions<'_> {
    MoveOptions {
        reason: "test",
        location: None,
        reference: None,
        actor: "test",
        lot: lot.map(|(code, harvested, best_before)| LotSpec {
            code,
            harvested,
            best_before,
        }),
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Units of the lot whose best-before is this many days from today.
    Receive(i64, i64),
    ReceiveWithoutLot(i64),
    Remove(i64),
    RemoveFromLot(i64, i64),
    Reserve(i64),
    Release(i64),
    Expire,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (-3i64..8, 1i64..30).prop_map(|(d, n)| Op::Receive(d, n)),
        1 => (1i64..20).prop_map(Op::ReceiveWithoutLot),
        3 => (1i64..60).prop_map(Op::Remove),
        1 => (-3i64..8, 1i64..20).prop_map(|(d, n)| Op::RemoveFromLot(d, n)),
        1 => (0i64..20).prop_map(Op::Reserve),
        1 => (0i64..20).prop_map(Op::Release),
        1 => Just(Op::Expire),
    ]
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    store: Store,
    variant_id: i64,
    location_id: i64,
    /// (account, minimum shelf life in days).
    accounts: Vec<(i64, i64)>,
    _db: TestDb,
}

/// The lots by code: (best-before, on hand).
async fn lots(store: &Store, variant: i64) -> BTreeMap<String, (Option<NaiveDate>, i64)> {
    store
        .lot_levels(variant)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.code, (l.best_before, l.on_hand)))
        .collect()
}

/// What first-expired-first-out leaves after removing `n` units.
fn fefo(
    before: &BTreeMap<String, (Option<NaiveDate>, i64)>,
    mut n: i64,
) -> BTreeMap<String, (Option<NaiveDate>, i64)> {
    let today = today();
    let mut order: Vec<(&String, &(Option<NaiveDate>, i64))> = before.iter().collect();
    order.sort_by_key(|(_, (d, _))| (d.is_some_and(|d| d < today), d.is_none(), *d));
    let mut after = before.clone();
    for (code, (_, on_hand)) in order {
        let take = n.min((*on_hand).max(0));
        if let Some(l) = after.get_mut(code) {
            l.1 -= take;
        }
        n -= take;
    }
    after.retain(|_, (_, n)| *n != 0);
    after
}

fn run(fx: &Fixture, ops: &[Op]) -> Result<(), TestCaseError> {
    fx.rt.block_on(async {
        let store = &fx.store;
        for op in ops {
            let before = lots(store, fx.variant_id).await;
            let result = match op {
                Op::Receive(d, n) => {
                    let code = format!("L{d}");
                    Some(
                        inventory::add(
                            store,
                            SKU,
                            *n,
                            &opts(Some((&code, None, Some(shifted(*d))))),
                        )
                        .await,
                    )
                }
                Op::ReceiveWithoutLot(n) => Some(inventory::add(store, SKU, *n, &opts(None)).await),
                Op::Remove(n) => Some(inventory::add(store, SKU, -n, &opts(None)).await),
                Op::RemoveFromLot(d, n) => {
                    let code = format!("L{d}");
                    Some(inventory::add(store, SKU, -n, &opts(Some((&code, None, None)))).await)
                }
                Op::Reserve(n) => {
                    store
                        .adjust_reserved(fx.variant_id, fx.location_id, *n)
                        .await
                        .unwrap();
                    None
                }
                Op::Release(n) => {
                    store
                        .adjust_reserved(fx.variant_id, fx.location_id, -n)
                        .await
                        .unwrap();
                    None
                }
                Op::Expire => {
                    store.expire_lots(Utc::now(), false, "test").await.unwrap();
                    None
                }
            };
            let after = lots(store, fx.variant_id).await;
            match result {
                Some(Ok(_)) | None => {}
                Some(Err(
                    StockError::WouldGoNegative { .. }
                    | StockError::UnknownLot { .. }
                    | StockError::LotShort { .. },
                )) => prop_assert_eq!(&after, &before, "a refused {:?} changed the lots", op),
                Some(Err(e)) => return Err(TestCaseError::fail(e.to_string())),
            }
            if let (Op::Remove(n), Some(Ok(_))) = (op, &result) {
                prop_assert_eq!(
                    &after,
                    &fefo(&before, *n),
                    "{:?} is not first-expired-first-out",
                    op
                );
            }
            // The ledger sums per lot and in total.
            prop_assert!(store.ledger_mismatches().await.unwrap().is_empty());
            prop_assert!(store.lot_ledger_mismatches().await.unwrap().is_empty());
            let level = &store.stock_levels(fx.variant_id).await.unwrap()[0];
            prop_assert_eq!(after.values().map(|l| l.1).sum::<i64>(), level.on_hand);
            let today = today();
            if matches!(op, Op::Expire) {
                prop_assert!(
                    after
                        .values()
                        .all(|(d, n)| d.is_none_or(|d| d >= today) || *n <= 0),
                    "expired units left after expiry: {:?}",
                    after
                );
            }
            // No shop is shown an expired unit, nor one below its minimum.
            let expired: i64 = after
                .values()
                .filter(|(d, n)| *n > 0 && d.is_some_and(|d| d < today))
                .map(|l| l.1)
                .sum();
            for (account, min_days) in &fx.accounts {
                let keeping: i64 = after
                    .values()
                    .filter(|(d, n)| *n > 0 && d.is_none_or(|d| d >= shifted(*min_days)))
                    .map(|l| l.1)
                    .sum();
                let (inputs, _) = store.plan_inputs(*account).await.unwrap();
                for input in inputs.iter().filter(|i| i.account_id == *account) {
                    let shown = input.desired_stock.unwrap_or(0);
                    prop_assert!(
                        shown <= (level.on_hand - level.reserved - expired).max(0),
                        "account {} shows {} of {} on hand, {} reserved, {} expired",
                        account,
                        shown,
                        level.on_hand,
                        level.reserved,
                        expired
                    );
                    prop_assert!(
                        shown <= keeping,
                        "account {} (min {} days) shows {} but {} keep that long",
                        account,
                        min_days,
                        shown,
                        keeping
                    );
                }
            }
        }
        Ok(())
    })
}

fn fixture(backend: Backend) -> Option<Fixture> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (db, store, variant_id, location_id, accounts) = rt.block_on(async {
        use kho::store::listings::LinkRow;
        let db = TestDb::new(backend).await?;
        let store = db.store().await;
        let bytes = std::fs::read(sample_catalog()).unwrap();
        kho::store::catalog::import::import_bytes(&store, &bytes, "s.csv", false, "test")
            .await
            .unwrap();
        let mut toml = String::new();
        for (i, min) in [0, 3].into_iter().enumerate() {
            toml.push_str(&format!(
                "[[accounts]]\nname = \"shop-{i}\"\nchannel = \"shopee\"\nproducer = \"htx-chi-lang\"\n\
                 base_url = \"http://127.0.0.1:9\"\nmin_shelf_life_days = {min}\n\
                 credentials = {{ partner_id = 1, partner_key = \"k\", shop_id = {} }}\n\n",
                100 + i
            ));
        }
        let path = db.path("kho.toml");
        std::fs::write(&path, toml).unwrap();
        let config = kho::config::Config::load(kho::config::Sources {
            file: Some(&path),
            env: Some(crate::support::keyed(Default::default())),
        })
        .unwrap();
        store.sync_accounts(&config.accounts, true).await.unwrap();
        let sku = store.find_sku(SKU).await.unwrap().unwrap();
        let mut accounts = Vec::new();
        for (i, acc) in store.accounts(None).await.unwrap().into_iter().enumerate() {
            store
                .link_listings(
                    acc.id,
                    &[LinkRow {
                        variant_id: sku.variant_id,
                        remote_item_id: format!("{}", 1000 + i),
                        remote_variant_id: String::new(),
                        seller_sku: SKU.into(),
                        stock: 0,
                        price_vnd: 0,
                        status: "active".into(),
                    }],
                )
                .await
                .unwrap();
            accounts.push((acc.id, if acc.name == "shop-1" { 3 } else { 0 }));
        }
        let loc = store
            .location_id(sku.producer_id, None)
            .await
            .unwrap()
            .unwrap();
        Some((db, store, sku.variant_id, loc, accounts))
    })?;
    Some(Fixture {
        rt,
        store,
        variant_id,
        location_id,
        accounts,
        _db: db,
    })
}

static SQLITE: OnceLock<Option<Fixture>> = OnceLock::new();
static POSTGRES: OnceLock<Option<Fixture>> = OnceLock::new();

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn lots_sum_and_shops_show_only_fresh_units_sqlite(ops in prop::collection::vec(op(), 1..20)) {
        if let Some(fx) = SQLITE.get_or_init(|| fixture(Backend::Sqlite)) {
            run(fx, &ops)?;
        }
    }

    #[test]
    fn lots_sum_and_shops_show_only_fresh_units_postgres(ops in prop::collection::vec(op(), 1..20)) {
        if let Some(fx) = POSTGRES.get_or_init(|| fixture(Backend::Postgres)) {
            run(fx, &ops)?;
        }
    }
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).unwrap()
}

both_backends!(cli_receives_lists_and_expires_lots, |db| {
    ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
    let (h, b) = (shifted(-2).to_string(), shifted(2).to_string());
    ok(&db.kho(&[
        "stock",
        "add",
        SKU,
        "20",
        "--lot",
        "NA-0612",
        "--harvested",
        &h,
        "--best-before",
        &b,
    ]));
    // Adding to a lot repeats its dates or gives none; another harvest is
    // another lot.
    ok(&db.kho(&["stock", "add", SKU, "5", "--lot", "NA-0612"]));
    let other = db.kho(&[
        "stock",
        "add",
        SKU,
        "5",
        "--lot",
        "NA-0612",
        "--best-before",
        &h,
    ]);
    assert!(!other.status.success());
    assert!(stderr(&other).contains("another lot"), "{}", stderr(&other));
    let stale = shifted(-1).to_string();
    ok(&db.kho(&[
        "stock",
        "add",
        SKU,
        "3",
        "--lot",
        "OLD",
        "--best-before",
        &stale,
    ]));
    let shown = json(&db.kho(&["--json", "stock", "show", SKU]));
    assert_eq!(shown["on_hand"], 278);
    let lots: Vec<(String, i64)> = shown["lots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["code"].as_str().unwrap().to_owned(),
                l["on_hand"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lots,
        [
            ("OLD".to_owned(), 3),
            ("NA-0612".to_owned(), 25),
            (String::new(), 250)
        ]
    );
    let text = ok(&db.kho(&["stock", "show", SKU]));
    assert!(text.contains("NA-0612") && text.contains(&b), "{text}");
    // A removal from a lot takes from that lot only, and never below 0.
    ok(&db.kho(&[
        "stock", "add", SKU, "-5", "--lot", "NA-0612", "--reason", "dập",
    ]));
    let short = db.kho(&[
        "stock", "add", SKU, "-30", "--lot", "NA-0612", "--reason", "x",
    ]);
    assert!(!short.status.success());
    // Expiry: the dry run only says; the run writes the lot off.
    let dry = json(&db.kho(&["--json", "stock", "expire", "--dry-run"]));
    assert_eq!(
        (dry["dry_run"].as_bool(), dry["units"].as_i64()),
        (Some(true), Some(3))
    );
    assert_eq!(
        json(&db.kho(&["--json", "stock", "show", SKU]))["on_hand"],
        273
    );
    let run = json(&db.kho(&["--json", "stock", "expire"]));
    assert_eq!(run["units"], 3);
    assert_eq!(run["lots"][0]["lot"], "OLD");
    assert_eq!(
        json(&db.kho(&["--json", "stock", "show", SKU]))["on_hand"],
        270
    );
    assert_eq!(json(&db.kho(&["--json", "stock", "expire"]))["units"], 0);
    // The sales report sets the write-off beside the sales.
    let sales = json(&db.kho(&["--json", "report", "sales"]));
    assert_eq!(sales["written_off"]["units"], 3);
    assert_eq!(sales["written_off"]["value_vnd"], 3 * 85_000);
    assert!(ok(&db.kho(&["report", "sales"])).contains("written off as expired: 3 unit(s)"));
    // The spreadsheet exports carry them too, per producer.
    let csv = ok(&db.kho(&["report", "sales", "--by", "producer", "--csv"]));
    assert!(
        csv.lines()
            .next()
            .is_some_and(|h| h.ends_with("written_off_units,written_off_value_vnd,previous_written_off_units,previous_written_off_value_vnd")),
        "{csv}"
    );
    let row = csv
        .lines()
        .find(|l| l.starts_with("htx-chi-lang,"))
        .unwrap_or_else(|| panic!("no row of htx-chi-lang: {csv}"));
    assert!(row.ends_with(&format!(",3,{},0,0", 3 * 85_000)), "{row}");
    let history = json(&db.kho(&["--json", "stock", "history", SKU, "--limit", "1"]));
    assert_eq!(
        (
            history[0]["kind"].as_str(),
            history[0]["lot"].as_str(),
            history[0]["quantity"].as_i64()
        ),
        (Some("expiry"), Some("OLD"), Some(-3))
    );
    // A count of a lot counts that lot.
    ok(&db.kho(&["stock", "set", SKU, "12", "--lot", "NA-0612"]));
    let shown = json(&db.kho(&["--json", "stock", "show", SKU]));
    assert_eq!(shown["on_hand"], 262);
    let store = db.store().await;
    assert!(store.lot_ledger_mismatches().await.unwrap().is_empty());
    assert!(store.ledger_mismatches().await.unwrap().is_empty());
});

both_backends!(api_receives_into_a_lot, |db| {
    let store = db.store().await;
    let bytes = std::fs::read(sample_catalog()).unwrap();
    kho::store::catalog::import::import_bytes(&store, &bytes, "s.csv", false, "test")
        .await
        .unwrap();
    let base = crate::support::app::spawn_app(&store).await;
    let (_, token) = store
        .create_token("test", kho::auth::Role::Admin, None)
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let post = |body: serde_json::Value| {
        http.post(format!("{base}/stock/{SKU}/adjustments"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let b = shifted(4);
    let res = post(serde_json::json!({ "delta": 12, "lot": "API-1", "best_before": b }))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["stock"]["on_hand"], 262);
    assert_eq!(v["stock"]["lots"][0]["lot"], "API-1");
    assert_eq!(v["stock"]["lots"][0]["best_before"], b.to_string());
    // Dates without a lot, and more than the lot holds, are refused.
    let res = post(serde_json::json!({ "delta": 1, "best_before": b }))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = post(serde_json::json!({ "delta": -13, "lot": "API-1" }))
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let res = post(serde_json::json!({ "delta": -1, "lot": "NONE" }))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let history: serde_json::Value = http
        .get(format!("{base}/stock/{SKU}/history"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["items"][0]["lot"], "API-1");
});

both_backends!(dashboard_receives_a_lot_and_shows_what_expires, |db| {
    let store = db.store().await;
    let bytes = std::fs::read(sample_catalog()).unwrap();
    kho::store::catalog::import::import_bytes(&store, &bytes, "s.csv", false, "test")
        .await
        .unwrap();
    let api = crate::support::app::spawn_app(&store).await;
    let base = api.trim_end_matches("/api/v1").to_owned();
    let (_, token) = store
        .create_token("Chị Lan", kho::auth::Role::Admin, None)
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |form: Vec<(&'static str, String)>| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        http.post(format!("{base}/products/NA-CHILANG/stock"))
            .header("origin", &base)
            .header("cookie", format!("kho_session={token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let tomorrow = shifted(1).to_string();
    let receipt = |lot: &str, harvested: &str, best_before: &str| {
        vec![
            ("sku", SKU.to_owned()),
            ("action", "receipt".to_owned()),
            ("quantity", "30".to_owned()),
            ("reason", String::new()),
            ("lot", lot.to_owned()),
            ("harvested", harvested.to_owned()),
            ("best_before", best_before.to_owned()),
        ]
    };
    let res = post(receipt("NA-SANG", "", &tomorrow)).await.unwrap();
    assert_eq!(res.status(), 303);
    let lots = store
        .lot_levels(store.find_sku(SKU).await.unwrap().unwrap().variant_id)
        .await
        .unwrap();
    assert_eq!(
        (lots[0].code.as_str(), lots[0].best_before, lots[0].on_hand),
        ("NA-SANG", Some(shifted(1)), 30)
    );
    // Dates without a lot, and a date that is not one, come back with the
    // field named, in Vietnamese.
    let res = post(receipt("", "", &tomorrow)).await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("hãy ghi mã lô"));
    let res = post(receipt("X", "06/12/2026", "")).await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Ngày không hợp lệ"));
    // The lot expires within 48 hours; in English on request.
    let page = |lang: &'static str| {
        http.get(format!("{base}/freshness?lang={lang}"))
            .header("cookie", format!("kho_session={token}"))
            .send()
    };
    let html = page("vi").await.unwrap().text().await.unwrap();
    assert!(html.contains("Sắp hết hạn trong 48 giờ"), "{html}");
    assert!(html.contains(r#"data-lot="NA-SANG""#), "{html}");
    assert!(html.contains("Chưa có hàng nào bị hủy do hết hạn."));
    // Written off: the month's food-loss figure.
    inventory::add(&store, SKU, 4, &opts(Some(("CU", None, Some(shifted(-1))))))
        .await
        .unwrap();
    store.expire_lots(Utc::now(), false, "test").await.unwrap();
    let html = page("en").await.unwrap().text().await.unwrap();
    assert!(html.contains("Written off as expired, per month"), "{html}");
    let month = local_day(Utc::now()).format("%Y-%m").to_string();
    assert!(
        html.contains(&format!(
            r#"data-month="{month}" data-producer="htx-chi-lang""#
        )),
        "{html}"
    );
});

both_backends!(catalog_shelf_life_gives_the_default_best_before, |db| {
    // The sample catalog with a shelf_life_days column: 4 days for Na Chi
    // Lăng, none for the others.
    let sample = std::fs::read_to_string(sample_catalog()).unwrap();
    let mut lines = sample.lines();
    let mut with = format!("{},shelf_life_days\n", lines.next().unwrap());
    for line in lines {
        let days = if line.contains(",NA-CHILANG,") {
            "4"
        } else {
            ""
        };
        with.push_str(&format!("{line},{days}\n"));
    }
    std::fs::write(db.path("with.csv"), &with).unwrap();
    ok(&db.kho(&["import", db.path("with.csv").to_str().unwrap()]));
    let harvested = shifted(-1);
    ok(&db.kho(&[
        "stock",
        "add",
        SKU,
        "10",
        "--lot",
        "H1",
        "--harvested",
        &harvested.to_string(),
    ]));
    let best_before = |code: &str| {
        let shown = json(&db.kho(&["--json", "stock", "show", SKU]));
        shown["lots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["code"] == code)
            .map(|l| l["best_before"].clone())
    };
    assert_eq!(
        best_before("H1"),
        Some(serde_json::json!((harvested + Days::new(4)).to_string()))
    );
    // A file without the column imports as before and keeps the shelf life.
    ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
    ok(&db.kho(&[
        "stock",
        "add",
        SKU,
        "5",
        "--lot",
        "H2",
        "--harvested",
        &harvested.to_string(),
    ]));
    assert_eq!(
        best_before("H2"),
        Some(serde_json::json!((harvested + Days::new(4)).to_string()))
    );
    // The preview shows a change of shelf life, and only then.
    let same = ok(&db.kho(&["import", "--dry-run", db.path("with.csv").to_str().unwrap()]));
    assert!(!same.contains("shelf_life_days"), "{same}");
    std::fs::write(db.path("longer.csv"), with.replace(",4\n", ",6\n")).unwrap();
    let preview = ok(&db.kho(&[
        "import",
        "--dry-run",
        db.path("longer.csv").to_str().unwrap(),
    ]));
    assert!(
        preview.contains("~ product NA-CHILANG shelf_life_days: \"4\" → \"6\""),
        "{preview}"
    );
    let planned = json(&db.kho(&[
        "--json",
        "import",
        "--dry-run",
        db.path("longer.csv").to_str().unwrap(),
    ]));
    assert_eq!(planned["summary"]["products_updated"], 1, "{planned}");
    ok(&db.kho(&["import", db.path("longer.csv").to_str().unwrap()]));
    let applied = ok(&db.kho(&[
        "import",
        "--dry-run",
        db.path("longer.csv").to_str().unwrap(),
    ]));
    assert!(!applied.contains("shelf_life_days"), "{applied}");
    // A bad shelf life is refused naming the column.
    std::fs::write(db.path("bad.csv"), with.replacen(",4\n", ",0\n", 1)).unwrap();
    let bad = db.kho(&["import", db.path("bad.csv").to_str().unwrap()]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("shelf_life_days"), "{}", stderr(&bad));
});
