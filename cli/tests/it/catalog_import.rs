//! Importing, re-importing and exporting the catalog through the binary.

use std::collections::BTreeMap;

use crate::both_backends;
use crate::support::{Backend, TestDb, ok, sample_catalog, stderr, stdout};

const HEADER: &str = "producer_code,producer_name,district,product_code,product_name,variant_sku,variant_name,price_vnd,stock,weight_g,ocop_stars,ocop_cert_no,ocop_cert_expires,category,description,image_urls";

async fn ledger_rows(db: &TestDb) -> i64 {
    let store = db.store().await;
    let n = match store.pool() {
        kho::store::Pool::Sqlite(p) => sqlx::query_scalar("SELECT COUNT(*) FROM stock_movements")
            .fetch_one(p)
            .await
            .unwrap(),
        kho::store::Pool::Postgres(p) => sqlx::query_scalar("SELECT COUNT(*) FROM stock_movements")
            .fetch_one(p)
            .await
            .unwrap(),
    };
    store.close().await;
    n
}

both_backends!(sample_imports_and_reimport_changes_nothing, |db| {
    let sample = sample_catalog();
    let first = ok(&db.kho(&["--json", "import", sample.to_str().unwrap()]));
    let doc: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(doc["summary"]["variants_created"], 27);
    assert_eq!(doc["summary"]["producers_created"], 7);
    let movements = ledger_rows(&db).await;
    assert!(movements > 0);

    let again = ok(&db.kho(&["--json", "import", sample.to_str().unwrap()]));
    let doc: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(doc["summary"]["unchanged"], 27, "{again}");
    assert_eq!(doc["summary"]["ledger_movements"], 0);
    assert_eq!(doc["summary"]["variants_updated"], 0);
    assert_eq!(
        ledger_rows(&db).await,
        movements,
        "a re-import added ledger rows"
    );

    // Export reproduces the file byte for byte, Vietnamese text included,
    // after the byte-order mark that tells Excel the file is UTF-8.
    let exported = db.kho(&["export"]);
    let exported = ok(&exported);
    let body = exported
        .strip_prefix('\u{feff}')
        .expect("the export starts with a byte-order mark");
    assert_eq!(body.as_bytes(), std::fs::read(&sample).unwrap().as_slice());
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_hold_identical_catalogs() {
    let Some(pg) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let lite = TestDb::sqlite();
    let mut seen = Vec::new();
    for db in [&lite, &pg] {
        ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
        let store = db.store().await;
        let entries = store.catalog_entries(None).await.unwrap();
        let mut levels = BTreeMap::new();
        for e in &entries {
            let sku = store.find_sku(&e.variant_sku).await.unwrap().unwrap();
            levels.insert(
                e.variant_sku.clone(),
                store.stock_levels(sku.variant_id).await.unwrap(),
            );
        }
        store.close().await;
        seen.push((entries, levels));
    }
    assert_eq!(seen[0].0.len(), 27);
    assert_eq!(seen[0], seen[1], "SQLite and PostgreSQL differ");
    let certified = seen[0]
        .0
        .iter()
        .filter(|e| e.ocop_cert_expires.is_some())
        .count();
    assert!(certified > 0);
}

both_backends!(dry_run_reports_and_changes_nothing, |db| {
    let sample = sample_catalog();
    ok(&db.kho(&["import", sample.to_str().unwrap()]));
    let before = ok(&db.kho(&["export"]));
    let edited = before
        .replacen("85000", "90000", 1)
        .replacen(",250,1100,", ",240,1100,", 1);
    std::fs::write(db.path("edited.csv"), &edited).unwrap();
    let out = ok(&db.kho(&["import", "--dry-run", "edited.csv"]));
    assert!(
        out.contains("~ variant NA-CHILANG-1KG price_vnd: \"85000\" → \"90000\""),
        "{out}"
    );
    assert!(
        out.contains("~ stock NA-CHILANG-1KG: 250 → 240 (count)"),
        "{out}"
    );
    assert_eq!(ok(&db.kho(&["export"])), before);

    // The real import applies exactly that, with one count movement.
    let moves_before = ledger_rows(&db).await;
    ok(&db.kho(&["import", "edited.csv"]));
    assert_eq!(ok(&db.kho(&["export"])), edited);
    assert_eq!(ledger_rows(&db).await, moves_before + 1);
    let history = ok(&db.kho(&["--json", "stock", "history", "NA-CHILANG-1KG"]));
    let history: serde_json::Value = serde_json::from_str(&history).unwrap();
    assert_eq!(history[0]["kind"], "count");
    assert_eq!(history[0]["quantity"], -10);
});

/// Rows that are each wrong in one way, and the (line, column) the report
/// must name for each.
fn bad_file() -> (String, Vec<(usize, &'static str)>) {
    let good = "htx-a,HTX A,Chi Lăng,NA,Na,NA-1,Hộp 1kg,85000,10,1100,4,OCOP-1,2028-03-31,Trái cây,Na dai,https://example.org/a.jpg";
    let rows = [
        good.to_owned(),                                              // line 2: fine
        good.replace("NA-1,", "NA-2,").replace("85000", "12.5k"),     // line 3: price
        good.replace("NA-1,", "NA-3,").replace(",4,OCOP", ",2,OCOP"), // line 4: stars
        good.replace("NA-1,", "NA-4,")
            .replace("2028-03-31", "31/12/2026"), // line 5: date
        good.to_owned(),                                              // line 6: duplicate SKU
        good.replace("NA-1,", "NA-6,").replace(",NA,Na,", ",NB,,"),   // line 7: no product name
    ];
    let body = format!("{HEADER}\n{}\n", rows.join("\n"));
    let expected = vec![
        (3, "price_vnd"),
        (4, "ocop_stars"),
        (5, "ocop_cert_expires"),
        (6, "variant_sku"),
        (7, "product_name"),
    ];
    (body, expected)
}

both_backends!(bad_rows_are_all_reported_and_nothing_changes, |db| {
    ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
    let before = ok(&db.kho(&["export"]));
    let moves = ledger_rows(&db).await;

    let (body, expected) = bad_file();
    std::fs::write(db.path("bad.csv"), body).unwrap();
    let out = db.kho(&["import", "bad.csv"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = stderr(&out);
    for (line, column) in &expected {
        assert!(
            report.contains(&format!("line {line}, {column}:")),
            "missing line {line}, {column} in:\n{report}"
        );
    }
    assert!(
        report.contains("line 3, price_vnd: \"12.5k\" is not a whole number of đồng"),
        "{report}"
    );
    assert!(
        !report.contains("line 2,"),
        "a good row was reported:\n{report}"
    );

    // The same through --json: every problem, and exit 2.
    let out = db.kho(&["--json", "import", "bad.csv"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["problems"].as_array().unwrap().len(), expected.len());

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "unknown-column.csv",
            format!("{HEADER},colour\n").into_bytes(),
            "line 1, colour: unknown column",
        ),
        (
            "latin1.csv",
            {
                let mut b = format!("{HEADER}\n").into_bytes();
                b.extend_from_slice(b"htx-a,HTX \xe0,x,NA,Na,NA-1,x,1,1,1,,,,,,\n");
                b
            },
            "line 2: the file is not UTF-8 text",
        ),
        ("empty.csv", Vec::new(), "the file is empty"),
        (
            "header-only.csv",
            format!("{HEADER}\n").into_bytes(),
            "no rows",
        ),
    ];
    for (name, bytes, message) in cases {
        std::fs::write(db.path(name), bytes).unwrap();
        let out = db.kho(&["import", name]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{name}: {}", stderr(&out));
    }
    assert_eq!(
        ok(&db.kho(&["export"])),
        before,
        "a rejected file changed the catalog"
    );
    assert_eq!(ledger_rows(&db).await, moves);
});

both_backends!(xlsx_round_trip, |db| {
    ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
    ok(&db.kho(&["export", "catalog.xlsx"]));
    let other = TestDb::sqlite();
    std::fs::copy(db.path("catalog.xlsx"), other.path("catalog.xlsx")).unwrap();
    ok(&other.kho(&["import", "catalog.xlsx"]));
    assert_eq!(ok(&other.kho(&["export"])), ok(&db.kho(&["export"])));
    // Re-importing the XLSX into the original changes nothing.
    let out = ok(&db.kho(&["--json", "import", "catalog.xlsx"]));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["summary"]["unchanged"], 27);
});

both_backends!(vietnamese_text_survives_byte_for_byte, |db| {
    // Precomposed (NFC) and decomposed (NFD) forms must both come back as
    // they went in: kho never normalises text.
    let nfc = "Thạch đen Tràng Định";
    let nfd = "Tha\u{323}ch đen Tra\u{300}ng Đi\u{323}nh";
    let row = |sku: &str, name: &str| {
        format!(
            "htx-td,HTX Tràng Định,Tràng Định,TD-{sku},{name},{sku},Gói 500g,45000,5,520,,,,Đồ uống,\"Mát, thơm; “đặc sản”\","
        )
    };
    let body = format!(
        "{HEADER}\r\n{}\r\n{}\r\n",
        row("TD-1", nfc),
        row("TD-2", nfd)
    );
    std::fs::write(db.path("vn.csv"), &body).unwrap();
    ok(&db.kho(&["import", "vn.csv"]));
    assert_eq!(
        ok(&db.kho(&["export"])).as_bytes(),
        format!("\u{feff}{body}").as_bytes()
    );
    // The file as Excel saves it (with a byte-order mark) imports the same.
    std::fs::write(db.path("vn-bom.csv"), format!("\u{feff}{body}")).unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&ok(&db.kho(&["--json", "import", "vn-bom.csv"]))).unwrap();
    assert_eq!(doc["summary"]["unchanged"], 2, "{doc}");
    let reason = "Kiểm kê cuối ngày — hỏng 2 hộp (ẩm mốc)";
    ok(&db.kho(&["stock", "add", "TD-1", "-2", "--reason", reason]));
    let h: serde_json::Value =
        serde_json::from_str(&ok(&db.kho(&["--json", "stock", "history", "TD-1"]))).unwrap();
    assert_eq!(
        h[0]["reason"].as_str().unwrap().as_bytes(),
        reason.as_bytes()
    );
});

both_backends!(an_unreadable_file_is_reported_with_its_cause, |db| {
    let o = db.kho(&["--json", "import", "no-such-catalog.csv"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("kho: cannot read no-such-catalog.csv: caused by: "),
        "{err}"
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["error"], "cannot read no-such-catalog.csv");
    let causes = doc["causes"].as_array().expect("causes");
    assert_eq!(causes.len(), 1, "{doc}");
    let cause = causes[0].as_str().unwrap_or_default();
    assert!(!cause.is_empty() && first.ends_with(cause), "{doc} / {err}");
    assert_eq!(doc["exit_code"], 2);
});
