//! `kho backup` and `kho migrate --dry-run`: a backup taken while the
//! daemon syncs and stock keeps moving is a consistent snapshot that kho
//! opens and restores; a dry run lists pending migrations and applies none.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::both_backends;
use crate::support::worlds::sample_entries;
use crate::support::worlds::shopee::{PARTNER_KEY, World};
use crate::support::{TestDb, ok, stderr, stdout};

const SKU: &str = "NA-CHILANG-1KG";

fn on_hand(out: &std::process::Output) -> i64 {
    let doc: serde_json::Value = serde_json::from_str(&ok(out)).unwrap();
    doc["on_hand"].as_i64().unwrap()
}

/// `kho --config restored.toml ARGS` on the backup file alone (the test
/// database's URL taken out of the environment).
fn kho_on(w: &World, config: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--config", config];
    all.extend_from_slice(args);
    w.db.kho_cmd(&all)
        .env_remove("KHO__DATABASE__URL")
        .env("KHO_TEST_SHOPEE_KEY", PARTNER_KEY)
        .output()
        .unwrap()
}

fn wait_for(count: &AtomicUsize, at_least: usize) {
    let start = Instant::now();
    while count.load(Ordering::SeqCst) < at_least {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the writer made only {} of {at_least} writes",
            count.load(Ordering::SeqCst)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_sync_opens_consistent_and_restores() {
    let entries = sample_entries();
    let w = World::start(
        TestDb::sqlite(),
        &entries,
        &[("shopee-chi-lang", "htx-chi-lang")],
        50,
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "shopee-chi-lang"]));
    let start = on_hand(&w.kho(&["--json", "stock", "show", SKU]));
    let daemon = w.daemon("1h");

    // One writer adds a unit at a time while the daemon pushes each change
    // to the simulated shop.
    let w = Arc::new(w);
    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (w, stop, writes) = (w.clone(), stop.clone(), writes.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                ok(&w.kho(&["-q", "stock", "add", SKU, "1", "--reason", "during backup"]));
                writes.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    wait_for(&writes, 5);
    let backup = w.db.path("backup.db");
    let out = w.kho(&["--json", "backup", "backup.db"]);
    let report: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    let taken_at = writes.load(Ordering::SeqCst);
    assert!(report["bytes"].as_u64().unwrap() > 0, "{report}");
    assert!(report["migrations"].as_i64().unwrap() >= 8, "{report}");
    // Writes go on after the backup, so the copy must be a past moment.
    wait_for(&writes, taken_at + 5);
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let finished = writes.load(Ordering::SeqCst) as i64;
    let live = on_hand(&w.kho(&["--json", "stock", "show", SKU]));
    assert_eq!(live, start + finished);

    // A second backup to the same name is refused, and the first is intact.
    let before = std::fs::read(&backup).unwrap();
    let again = w.kho(&["backup", "backup.db"]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read(&backup).unwrap(), before);

    // kho opens the backup on its own: its stock is a whole number of the
    // writer's additions, each with its ledger movement.
    let kho_toml = std::fs::read_to_string(w.db.path("kho.toml")).unwrap();
    std::fs::write(
        w.db.path("restored.toml"),
        format!(
            "[database]\nurl = \"sqlite://{}\"\n\n{kho_toml}",
            backup.display()
        ),
    )
    .unwrap();
    let restored = on_hand(&kho_on(
        &w,
        "restored.toml",
        &["--json", "stock", "show", SKU],
    ));
    assert!(
        restored >= start + 5 && restored < live,
        "backup {restored}, start {start}, live {live}"
    );
    let status = kho_on(&w, "restored.toml", &["status"]);
    assert!(
        matches!(status.status.code(), Some(0 | 1)),
        "{}",
        stderr(&status)
    );
    assert!(
        stdout(&status).contains("shopee-chi-lang"),
        "{}",
        stdout(&status)
    );
    let url = kho::config::DatabaseUrl::parse(&format!("sqlite://{}", backup.display())).unwrap();
    let store = kho::store::Store::connect(&url, 1).await.unwrap();
    assert!(store.ledger_mismatches().await.unwrap().is_empty());
    let sku = store.find_sku(SKU).await.unwrap().unwrap();
    let history = store.stock_history(sku.variant_id, 10_000).await.unwrap();
    let added = history
        .iter()
        .filter(|m| m.reason == "during backup")
        .count() as i64;
    assert_eq!(restored, start + added);
    store.close().await;

    // Restoring: stop kho, put the backup in place of the database, start.
    daemon.stop();
    let live_file = w.db.path("kho.db");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(w.db.path(&format!("kho.db{suffix}")));
    }
    std::fs::copy(&backup, &live_file).unwrap();
    assert_eq!(on_hand(&w.kho(&["--json", "stock", "show", SKU])), restored);
    // The copy holds the account lease the daemon had when it was taken
    // (it lapses within seconds); planning needs no lease.
    let plan = ok(&w.kho(&["sync", "--dry-run"]));
    assert!(plan.contains("shopee-chi-lang"), "{plan}");
}

#[tokio::test]
async fn backup_refuses_what_it_cannot_copy() {
    let db = TestDb::sqlite();
    // No database yet: nothing is created, nothing is written.
    let out = db.kho(&["backup", "copy.db"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no database"), "{}", stderr(&out));
    assert!(!db.path("kho.db").exists());
    assert!(!db.path("copy.db").exists());

    ok(&db.kho(&["migrate"]));
    std::fs::write(db.path("taken.db"), b"an older backup").unwrap();
    let out = db.kho(&["backup", "taken.db"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(db.path("taken.db")).unwrap(),
        b"an older backup"
    );

    let out = db.kho(&["backup", "no/such/dir/copy.db"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a directory"), "{}", stderr(&out));
}

#[tokio::test]
async fn backup_on_postgresql_explains_pg_dump_and_writes_nothing() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let out = db.kho(&["backup", "dump.db"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("pg_dump --format=custom --file=dump.db"),
        "{err}"
    );
    assert!(err.contains("pg_restore"), "{err}");
    assert!(!db.path("dump.db").exists());
}

fn dry_run(db: &TestDb) -> (Option<i32>, serde_json::Value) {
    let out = db.kho(&["--json", "migrate", "--dry-run"]);
    let doc = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
    (out.status.code(), doc)
}

fn pending(doc: &serde_json::Value) -> Vec<i64> {
    doc["status"]["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["version"].as_i64().unwrap())
        .collect()
}

both_backends!(migrate_dry_run_lists_pending_and_applies_none, |db| {
    let (code, doc) = dry_run(&db);
    assert_eq!(code, Some(0), "{doc}");
    let all = pending(&doc);
    assert!(all.len() >= 8, "{doc}");
    assert_eq!(doc["status"]["applied"], 0);
    // Looking applied nothing: the same list again.
    assert_eq!(pending(&dry_run(&db).1), all);
    let text = ok(&db.kho(&["migrate", "--dry-run"]));
    assert!(text.contains("0001 catalog and ledger"), "{text}");

    let applied: serde_json::Value =
        serde_json::from_str(&ok(&db.kho(&["--json", "migrate"]))).unwrap();
    assert_eq!(applied["applied"].as_u64(), Some(all.len() as u64));
    let (code, doc) = dry_run(&db);
    assert_eq!(code, Some(0));
    assert!(pending(&doc).is_empty(), "{doc}");
    assert!(
        ok(&db.kho(&["migrate", "--dry-run"])).contains("up to date"),
        "{doc}"
    );

    // A database a newer kho migrated (a version this binary lacks) and
    // missing the last one: both are reported, and the dry run exits 1.
    let last = *all.last().unwrap();
    let store = db.store().await;
    match store.pool() {
        kho::store::Pool::Sqlite(p) => {
            sqlx::query("UPDATE _sqlx_migrations SET version = 9999 WHERE version = $1")
                .bind(last)
                .execute(p)
                .await
                .unwrap();
        }
        kho::store::Pool::Postgres(p) => {
            sqlx::query("UPDATE _sqlx_migrations SET version = 9999 WHERE version = $1")
                .bind(last)
                .execute(p)
                .await
                .unwrap();
        }
    }
    store.close().await;
    let (code, doc) = dry_run(&db);
    assert_eq!(code, Some(1), "{doc}");
    assert_eq!(pending(&doc), vec![last]);
    assert_eq!(doc["status"]["unknown"], serde_json::json!([9999]));
    let text = stdout(&db.kho(&["migrate", "--dry-run"]));
    assert!(text.contains("newer kho"), "{text}");
});
