//! Hostile input against the real daemon (`kho serve`), as a cooperative's
//! or an admin's token would send it: error floods, numbers beyond every
//! marketplace's limit, control characters and `null` in names, and another
//! producer's SKU in a cooperative's import. Each probe checks the answer
//! (status, size, the field and limit named, nothing of another producer)
//! and that nothing was half-applied.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::Daemon;
use crate::support::{TestDb, ok, sample_catalog, stderr};

const HEADER: &str = "producer_code,producer_name,district,product_code,product_name,variant_sku,variant_name,price_vnd,stock,weight_g,ocop_stars,ocop_cert_no,ocop_cert_expires,category,description,image_urls\n";

/// A row of the sample catalog's `htx-chi-lang`, with the given cells.
fn chi_lang_row(product: &str, sku: &str, name: &str, price: &str, stock: &str) -> String {
    format!(
        "htx-chi-lang,HTX Nông nghiệp Chi Lăng,Chi Lăng,{product},{name},{sku},Hộp,{price},{stock},1000,,,,,,\n"
    )
}

/// Fields drop in order: the daemon stops before its database goes.
struct Probe {
    daemon: Daemon,
    db: TestDb,
    admin: String,
    coop: String,
    http: reqwest::Client,
}

/// The sample catalog, an admin and an `htx-chi-lang` token, and a running
/// `kho serve` with no marketplace account.
async fn start(db: TestDb) -> Probe {
    ok(&db.kho(&["import", sample_catalog().to_str().expect("path")]));
    let admin = ok(&db.kho(&["token", "create", "--role", "admin", "--name", "ops"]))
        .trim()
        .to_owned();
    let coop = ok(&db.kho(&[
        "token",
        "create",
        "--role",
        "cooperative",
        "--producer",
        "htx-chi-lang",
    ]))
    .trim()
    .to_owned();
    std::fs::write(
        db.path("kho.toml"),
        "[sync]\norder_poll_interval = \"1h\"\n",
    )
    .expect("write kho.toml");
    let daemon = Daemon::start_with(&db, &[], "1h");
    Probe {
        daemon,
        db,
        admin,
        coop,
        http: reqwest::Client::new(),
    }
}

impl Probe {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.daemon.url))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Posts a catalog file; the status, the raw answer's size and the answer.
    async fn import(
        &self,
        token: &str,
        body: Vec<u8>,
        dry_run: bool,
    ) -> (StatusCode, usize, Value) {
        let resp = self
            .http
            .post(format!(
                "{}/api/v1/catalog/import?dry_run={dry_run}",
                self.daemon.url
            ))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
            .await
            .expect("import request");
        let status = resp.status();
        let bytes = resp.bytes().await.expect("import answer");
        let doc = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, bytes.len(), doc)
    }

    /// Everything an import or a stock command can change, to compare before
    /// and after a refused request.
    async fn state(&self) -> String {
        let store = self.db.store().await;
        let entries = store.catalog_entries(None).await.expect("catalog");
        let producers = store.producers().await.expect("producers");
        let mut moves = 0;
        for e in &entries {
            let id = store
                .find_sku(&e.variant_sku)
                .await
                .expect("sku")
                .expect("known sku")
                .variant_id;
            moves += store
                .stock_history(id, 100_000)
                .await
                .expect("ledger")
                .len();
        }
        store.close().await;
        format!("{entries:?}\n{producers:?}\nmovements {moves}")
    }
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// The probe of the review: the header and millions of `x,y` lines.
fn flood(bytes: usize) -> Vec<u8> {
    let mut body = HEADER.as_bytes().to_vec();
    while body.len() < bytes {
        body.extend_from_slice(b"x,y\n");
    }
    body
}

fn message(doc: &Value) -> &str {
    doc["message"].as_str().unwrap_or_default()
}

both_backends!(an_error_flood_costs_what_is_reported, |db| {
    let p = start(db).await;
    let before = p.state().await;
    let rss_before = rss_kib(p.daemon.pid());
    // A cooperative's 4 MiB, then an admin's 16 MiB (under the 20 MiB body
    // limit), dry run and real.
    for (token, size, dry_run) in [
        (&p.coop, 4 << 20, true),
        (&p.admin, 16 << 20, true),
        (&p.admin, 16 << 20, false),
    ] {
        let started = std::time::Instant::now();
        let (status, len, doc) = p.import(token, flood(size), dry_run).await;
        let took = started.elapsed();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{doc}");
        assert!(len < 32 * 1024, "a {len}-byte answer to a flood");
        let details = doc["details"].as_array().expect("details");
        assert_eq!(details.len(), 100, "{doc}");
        assert_eq!(details[0]["line"], 2);
        assert_eq!(details[0]["message"], "has 2 fields, the header has 16");
        assert!(
            message(&doc).starts_with("more than 100 problems (reading stopped after line 101"),
            "{doc}"
        );
        assert!(took.as_secs() < 10, "the flood took {took:?}");
    }
    let grown = rss_kib(p.daemon.pid()).saturating_sub(rss_before);
    eprintln!("daemon RSS {rss_before} KiB before the floods, +{grown} KiB after");
    assert!(grown < 100 * 1024, "the daemon grew by {grown} KiB");
    assert_eq!(
        p.state().await,
        before,
        "a refused import changed something"
    );

    // The command line reports the same first hundred.
    std::fs::write(p.db.path("flood.csv"), flood(8 << 20)).expect("write flood");
    let o = p.db.kho(&["import", "flood.csv", "--dry-run"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("flood.csv: more than 100 problems (reading stopped after line 101"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.contains("has 2 fields")).count(),
        100
    );
    assert!(err.len() < 16 * 1024, "{} bytes of errors", err.len());
});

both_backends!(numbers_beyond_the_marketplaces_limits_are_refused, |db| {
    let p = start(db).await;
    let before = p.state().await;
    use reqwest::Method;
    let max = i64::MAX;
    for (token, method, path, body, field, limit) in [
        (
            &p.coop,
            Method::PUT,
            "/stock/NA-CHILANG-1KG",
            json!({"quantity": max}),
            "quantity",
            "99998",
        ),
        (
            &p.coop,
            Method::PUT,
            "/stock/NA-CHILANG-1KG",
            json!({"quantity": 100_000}),
            "quantity",
            "99998",
        ),
        (
            &p.admin,
            Method::POST,
            "/stock/NA-CHILANG-1KG/adjustments",
            json!({"delta": max}),
            "delta",
            "99998",
        ),
        (
            &p.admin,
            Method::POST,
            "/stock/NA-CHILANG-1KG/adjustments",
            json!({"delta": -max}),
            "delta",
            "99998",
        ),
        (
            &p.coop,
            Method::PATCH,
            "/variants/NA-CHILANG-1KG",
            json!({"price_vnd": max}),
            "price_vnd",
            "180000000",
        ),
        (
            &p.coop,
            Method::PATCH,
            "/variants/NA-CHILANG-1KG",
            json!({"weight_g": 100_001}),
            "weight_g",
            "100000",
        ),
    ] {
        let (status, doc) = p
            .send(method.clone(), path, token, Some(body.clone()))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{method} {path} {body}: {doc}"
        );
        let m = message(&doc);
        assert!(
            m.contains(field) && m.contains(limit),
            "{method} {path} {body}: {m}"
        );
    }
    assert_eq!(p.state().await, before, "a refused change was applied");

    // Up to the limit is fine; one more by adjustment is a 422 naming the
    // limit, not an overflow (it was a 500).
    let (status, doc) = p
        .send(
            Method::PUT,
            "/stock/NA-CHILANG-1KG",
            &p.coop,
            Some(json!({"quantity": 99_998})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let after_set = p.state().await;
    let (status, doc) = p
        .send(
            Method::POST,
            "/stock/NA-CHILANG-1KG/adjustments",
            &p.coop,
            Some(json!({"delta": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{doc}");
    assert!(message(&doc).contains("maximum of 99998"), "{doc}");

    // An import naming a price and a stock beyond the limits: every cell named.
    let csv = format!(
        "{HEADER}{}",
        chi_lang_row(
            "NA-CHILANG",
            "NA-CHILANG-1KG",
            "Na Chi Lăng",
            "9223372036854775807",
            "100000000000000000"
        )
    );
    let (status, _, doc) = p.import(&p.coop, csv.into_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{doc}");
    let details = doc["details"].as_array().expect("details");
    for (column, text) in [
        (
            "price_vnd",
            "9223372036854775807 is above the maximum of 180000000 đồng",
        ),
        (
            "stock",
            "100000000000000000 is above the maximum of 99998 units",
        ),
    ] {
        assert!(
            details
                .iter()
                .any(|d| d["line"] == 2 && d["column"] == column && d["message"] == text),
            "{column}: {doc}"
        );
    }
    assert_eq!(p.state().await, after_set, "a refused change was applied");

    // The command line: exit 2 naming the field and the limit.
    for args in [
        ["stock", "set", "NA-CHILANG-2KG", "9223372036854775807"],
        ["stock", "add", "NA-CHILANG-2KG", "100000"],
    ] {
        let o = p.db.kho(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("99998"), "{args:?}: {}", stderr(&o));
    }
    assert_eq!(p.state().await, after_set, "a refused change was applied");
});

both_backends!(control_characters_and_null_in_names_are_refused, |db| {
    let p = start(db).await;
    let before = p.state().await;
    use reqwest::Method;
    for (token, method, path, body, field) in [
        (
            &p.coop,
            Method::PATCH,
            "/products/NA-CHILANG",
            json!({"name": "Na\u{0}"}),
            "name",
        ),
        (
            &p.coop,
            Method::PATCH,
            "/products/NA-CHILANG",
            json!({"name": null}),
            "name",
        ),
        (
            &p.coop,
            Method::PATCH,
            "/products/NA-CHILANG",
            json!({"category": "Trái\ncây"}),
            "category",
        ),
        (
            &p.coop,
            Method::PATCH,
            "/products/NA-CHILANG",
            json!({"description": "a\u{0}b"}),
            "description",
        ),
        (
            &p.coop,
            Method::PATCH,
            "/variants/NA-CHILANG-1KG",
            json!({"name": "Hộp\u{1b}[2J"}),
            "name",
        ),
        (
            &p.coop,
            Method::PATCH,
            "/variants/NA-CHILANG-1KG",
            json!({"price_vnd": null}),
            "price_vnd",
        ),
        (
            &p.coop,
            Method::PATCH,
            "/producers/htx-chi-lang",
            json!({"name": "HTX\u{7}"}),
            "name",
        ),
        (
            &p.coop,
            Method::PATCH,
            "/producers/htx-chi-lang",
            json!({"name": null}),
            "name",
        ),
        (
            &p.admin,
            Method::POST,
            "/producers",
            json!({"code": "htx-x", "name": "X\u{0}"}),
            "name",
        ),
        (
            &p.coop,
            Method::POST,
            "/stock/NA-CHILANG-1KG/adjustments",
            json!({"delta": 1, "reason": "nhập\u{0}"}),
            "reason",
        ),
    ] {
        let (status, doc) = p
            .send(method.clone(), path, token, Some(body.clone()))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{method} {path} {body}: {doc}"
        );
        assert!(
            message(&doc).starts_with(&format!("{field}: ")),
            "{method} {path} {body}: {doc}"
        );
    }
    let csv = format!(
        "{HEADER}{}",
        chi_lang_row(
            "NA-CHILANG",
            "NA-CHILANG-1KG",
            "Na\u{0}Chi Lăng",
            "85000",
            "250"
        )
    );
    let (status, _, doc) = p.import(&p.coop, csv.into_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{doc}");
    assert_eq!(doc["details"][0]["column"], "product_name", "{doc}");
    assert!(
        doc["details"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("U+0000"),
        "{doc}"
    );
    assert_eq!(p.state().await, before, "a refused change was applied");

    // The command line: a token's name (written into the ledger) and a
    // stock reason. (An argument cannot hold a NUL; ESC and BEL can.)
    for (args, field) in [
        (
            vec![
                "token",
                "create",
                "--role",
                "admin",
                "--name",
                "ops\u{1b}[2J",
            ],
            "--name",
        ),
        (
            vec![
                "stock",
                "add",
                "NA-CHILANG-1KG",
                "1",
                "--reason",
                "nhập\u{7}",
            ],
            "reason",
        ),
    ] {
        let o = p.db.kho(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("{field}: contains the control character")),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    assert_eq!(p.state().await, before, "a refused change was applied");

    // A description may keep its line breaks.
    let (status, doc) = p
        .send(
            Method::PATCH,
            "/products/NA-CHILANG",
            &p.coop,
            Some(json!({"description": "Na dai.\nThu hái trong ngày."})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["description"], "Na dai.\nThu hái trong ngày.");
});

both_backends!(a_cooperative_learns_nothing_of_another_producer, |db| {
    let p = start(db).await;
    // Another producer's SKU with units held by open orders.
    let store = p.db.store().await;
    let foreign = store.find_sku("HONG-KHONGHAT-3KG").await.unwrap().unwrap();
    let loc = store
        .location_id(foreign.producer_id, None)
        .await
        .unwrap()
        .unwrap();
    store
        .adjust_reserved(foreign.variant_id, loc, 17)
        .await
        .unwrap();
    store.close().await;
    let before = p.state().await;
    // What htx-bao-lam's SKU holds: 250 on hand, 17 reserved, 199000 đồng.
    let secrets = [
        "17",
        "250",
        "199000",
        "233",
        "htx-bao-lam",
        "held by open orders",
    ];
    for (product, dry_run) in [
        ("HONG-KHONGHAT", true),
        ("NA-CHILANG", true),
        ("NA-MOI", false),
    ] {
        let csv = format!(
            "{HEADER}{}",
            chi_lang_row(product, "HONG-KHONGHAT-3KG", "Hồng", "5000", "0")
        );
        let (status, _, doc) = p.import(&p.coop, csv.into_bytes(), dry_run).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{product}: {doc}");
        let text = doc.to_string();
        for s in secrets {
            assert!(
                !text.contains(s),
                "{product}: the answer gives away {s:?}: {text}"
            );
        }
        assert!(
            text.contains("belongs to another producer"),
            "{product}: {text}"
        );
    }
    // The same row from an admin names the owner.
    let csv = format!(
        "{HEADER}{}",
        chi_lang_row("NA-CHILANG", "HONG-KHONGHAT-3KG", "Hồng", "5000", "0")
    );
    let (status, _, doc) = p.import(&p.admin, csv.into_bytes(), true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{doc}");
    assert!(
        doc.to_string()
            .contains("belongs to producer \\\"htx-bao-lam\\\""),
        "{doc}"
    );

    // Stock and product endpoints: not found, with no numbers.
    use reqwest::Method;
    for (method, path, body) in [
        (Method::GET, "/stock/HONG-KHONGHAT-3KG", None),
        (
            Method::PUT,
            "/stock/HONG-KHONGHAT-3KG",
            Some(json!({"quantity": 0})),
        ),
        (
            Method::POST,
            "/stock/HONG-KHONGHAT-3KG/adjustments",
            Some(json!({"delta": -1})),
        ),
        (
            Method::PATCH,
            "/products/HONG-KHONGHAT",
            Some(json!({"name": "x"})),
        ),
        (
            Method::PATCH,
            "/variants/HONG-KHONGHAT-3KG",
            Some(json!({"price_vnd": 1})),
        ),
    ] {
        let (status, doc) = p.send(method.clone(), path, &p.coop, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {doc}");
        let text = doc.to_string();
        for s in secrets {
            assert!(
                !text.contains(s),
                "{method} {path} gives away {s:?}: {text}"
            );
        }
    }
    assert_eq!(p.state().await, before, "a refused change was applied");
});
