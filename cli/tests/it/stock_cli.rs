//! Stock commands through the binary.

use crate::both_backends;
use crate::support::{TestDb, ok, sample_catalog, stderr};

fn on_hand(db: &TestDb, sku: &str) -> i64 {
    let doc: serde_json::Value =
        serde_json::from_str(&ok(&db.kho(&["--json", "stock", "show", sku]))).unwrap();
    doc["on_hand"].as_i64().unwrap()
}

both_backends!(concurrent_processes_add_exactly, |db| {
    ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
    let start = on_hand(&db, "NA-CHILANG-1KG");
    const PROCESSES: usize = 8;
    const CALLS: usize = 200;
    let db = std::sync::Arc::new(db);
    let workers: Vec<_> = (0..PROCESSES)
        .map(|p| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for i in 0..CALLS {
                    // Mostly additions, some removals, all within what is there.
                    let delta = if i % 10 == 9 { "-1" } else { "2" };
                    let out = db.kho(&[
                        "-q",
                        "stock",
                        "add",
                        "NA-CHILANG-1KG",
                        delta,
                        "--reason",
                        &format!("p{p} call {i}"),
                    ]);
                    if !out.status.success() {
                        failures.push(stderr(&out));
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed, first: {}",
        failures.len(),
        failures[0]
    );
    let per_process: i64 = (0..CALLS as i64)
        .map(|i| if i % 10 == 9 { -1 } else { 2 })
        .sum();
    assert_eq!(
        on_hand(&db, "NA-CHILANG-1KG"),
        start + per_process * PROCESSES as i64
    );
    let store = db.store().await;
    assert!(store.ledger_mismatches().await.unwrap().is_empty());
    let sku = store.find_sku("NA-CHILANG-1KG").await.unwrap().unwrap();
    let history = store.stock_history(sku.variant_id, 10_000).await.unwrap();
    assert_eq!(history.len(), 1 + PROCESSES * CALLS);
});

both_backends!(refuses_to_go_below_zero_and_changes_nothing, |db| {
    ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
    let before = on_hand(&db, "NA-SAY-200G");
    let out = db.kho(&["stock", "add", "NA-SAY-200G", &format!("-{}", before + 1)]);
    assert_eq!(out.status.code(), Some(2));
    let msg = stderr(&out);
    assert!(
        msg.contains("refused") && msg.contains("NA-SAY-200G"),
        "{msg}"
    );
    let out = db.kho(&["stock", "set", "NA-SAY-200G", "-1"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(on_hand(&db, "NA-SAY-200G"), before);

    // Exactly to zero is fine.
    ok(&db.kho(&["stock", "add", "NA-SAY-200G", &format!("-{before}")]));
    assert_eq!(on_hand(&db, "NA-SAY-200G"), 0);

    for (args, needle) in [
        (
            vec!["stock", "add", "NO-SUCH-SKU", "1"],
            "unknown SKU \"NO-SUCH-SKU\"",
        ),
        (
            vec!["stock", "add", "NA-SAY-200G", "1", "--location", "attic"],
            "no location \"attic\"",
        ),
        (vec!["stock", "add", "NA-SAY-200G", "0"], "records nothing"),
    ] {
        let out = db.kho(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
});

both_backends!(set_records_a_count_and_show_reports_available, |db| {
    ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
    ok(&db.kho(&["stock", "set", "HONG-SAY-500G", "7", "--reason", "kiểm kê"]));
    let unchanged = ok(&db.kho(&["stock", "set", "HONG-SAY-500G", "7"]));
    assert!(unchanged.contains("unchanged"), "{unchanged}");
    let doc: serde_json::Value =
        serde_json::from_str(&ok(&db.kho(&["--json", "stock", "show", "HONG-SAY-500G"]))).unwrap();
    assert_eq!(doc["on_hand"], 7);
    assert_eq!(doc["available"], 7);
    let h: serde_json::Value = serde_json::from_str(&ok(&db.kho(&[
        "--json",
        "stock",
        "history",
        "HONG-SAY-500G",
    ])))
    .unwrap();
    assert_eq!(h.as_array().unwrap().len(), 2, "{h}");
    assert_eq!(h[0]["kind"], "count");
    assert_eq!(h[0]["quantity"], 7 - 12);
    assert_eq!(h[0]["balance_after"], 7);
});
