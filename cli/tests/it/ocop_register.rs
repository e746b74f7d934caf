//! The province's OCOP register end to end: the department's certificate
//! list imported from CSV and XLSX (Vietnamese or English headers, any
//! column order) through the CLI, the API and the reports page; a bad file
//! refused whole with every problem by line and column; every difference
//! with the catalog reported; and a month's sales exported for the
//! department's own system.

use calamine::{Reader, Xlsx};
use serde_json::Value;

use crate::support::worlds::reports::{CHI_LANG, REGISTER_CSV, get, seed};
use crate::support::{Daemon, ok, stderr, stdout};

fn kinds(doc: &Value) -> Vec<(String, String)> {
    doc["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["product_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

crate::both_backends!(the_register_is_imported_compared_and_fed_sales, |db| {
    let seeded = seed(&db).await;
    let file = db.path("so-ocop.csv");
    std::fs::write(&file, REGISTER_CSV).unwrap();
    let path = file.to_str().unwrap();

    // Nothing imported yet: compare says so.
    let out = db.kho(&["ocop", "compare"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("kho ocop import"), "{}", stderr(&out));

    // A dry run stores nothing.
    let dry = ok(&db.kho(&["ocop", "import", path, "--dry-run"]));
    assert!(
        dry.contains("4 certificate(s)") && dry.contains("would replace"),
        "{dry}"
    );
    assert_eq!(db.kho(&["ocop", "compare"]).status.code(), Some(2));

    ok(&db.kho(&["ocop", "import", path]));
    let out = db.kho(&["--json", "ocop", "compare"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "differences exit 1: {}",
        stderr(&out)
    );
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(doc["source"]["file_name"], "so-ocop.csv");
    assert_eq!(doc["source"]["entries"], 4);
    let found = kinds(&doc);
    let has = |k: &str, p: &str| found.iter().any(|(kind, name)| kind == k && name == p);
    assert!(has("lapsed", "Hồng không hạt Bảo Lâm"), "{found:?}");
    assert!(has("stars_differ", "Na sấy dẻo Chi Lăng"), "{found:?}");
    assert!(has("expiry_differs", "Na sấy dẻo Chi Lăng"), "{found:?}");
    assert!(has("not_in_kho", "Miến dong Bình Gia"), "{found:?}");
    assert!(has("unknown_to_register", "Quýt vàng Bắc Sơn"), "{found:?}");
    // No shop is linked in this test: a valid certificate is not sold online.
    assert!(has("not_sold_online", "Na Chi Lăng"), "{found:?}");
    assert!(!has("stars_differ", "Na Chi Lăng"), "{found:?}");

    // A bad file: every problem by line and column, the register unchanged.
    let bad = db.path("bad.csv");
    std::fs::write(
        &bad,
        "Product,Producer,Stars,Certificate,Expires\nNa,HTX,7,C-1,2027-01-01\n,HTX,4,C-2,someday\n",
    )
    .unwrap();
    let out = db.kho(&["ocop", "import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for needle in [
        "line 2, stars",
        "line 3, product",
        "line 3, expires",
        "not changed",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    let doc: Value =
        serde_json::from_str(&stdout(&db.kho(&["--json", "ocop", "compare"]))).unwrap();
    assert_eq!(
        doc["source"]["entries"], 4,
        "a refused file changed the register"
    );

    // English headers in an XLSX workbook, through the API (department).
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in [
        "Expiry date",
        "Certificate number",
        "Stars",
        "Producer",
        "Product",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2028, 3, 31).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    sheet.write_datetime_with_format(1, 0, &date, &fmt).unwrap();
    sheet.write_string(1, 1, "OCOP-LS-2021-100").unwrap();
    sheet.write_number(1, 2, 4).unwrap();
    sheet.write_string(1, 3, CHI_LANG).unwrap();
    sheet.write_string(1, 4, "Na Chi Lăng").unwrap();
    let xlsx = book.save_to_buffer().unwrap();
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();
    let post = |token: &str| {
        reqwest::Client::new()
            .post(format!("{base}/api/v1/ocop/register"))
            .bearer_auth(token)
            .header("x-file-name", "register-en.xlsx")
            .body(xlsx.clone())
            .send()
    };
    assert_eq!(
        post(&seeded.bao_lam).await.unwrap().status(),
        403,
        "a cooperative cannot replace the register"
    );
    let res = post(&seeded.department).await.unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["entries"].as_i64(), v["file_name"].as_str()),
        (Some(1), Some("register-en.xlsx"))
    );
    // A cooperative's comparison names only its own products.
    let v: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/ocop/compare"))
        .bearer_auth(&seeded.bao_lam)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let producers: Vec<&str> = v["differences"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["producer_code"].as_str())
        .collect();
    assert!(
        !producers.is_empty() && producers.iter().all(|p| *p == "htx-bao-lam"),
        "{v}"
    );

    // The department's form on the reports page: same origin only.
    let form = || {
        reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(REGISTER_CSV.as_bytes().to_vec())
                .file_name("so-ocop-thang-11.csv"),
        )
    };
    let upload = |origin: &str, token: &str| {
        reqwest::Client::new()
            .post(format!("{base}/reports/ocop-register"))
            .header("cookie", format!("kho_session={token}"))
            .header("origin", origin.to_owned())
            .multipart(form())
            .send()
    };
    assert_eq!(
        upload("http://evil.example", &seeded.department)
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(upload(&base, &seeded.bao_lam).await.unwrap().status(), 400);
    let res = upload(&base, &seeded.department).await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("đã thay sổ OCOP bằng 4 chứng nhận"), "{html}");
    assert!(
        html.contains("data-kind=\"lapsed\""),
        "the differences on the page"
    );
    assert!(html.contains("so-ocop-thang-11.csv"));

    // The month's sales for the department's system: CLI, page and API.
    let csv = db.kho(&["ocop", "export-sales", "--month", "2026-10", "--csv"]);
    assert!(
        csv.stdout.starts_with(b"\xEF\xBB\xBF"),
        "no byte-order mark"
    );
    let text = stdout(&csv);
    assert!(
        text.contains(&format!(
            "2026-10,Chi Lăng,htx-chi-lang,{CHI_LANG},Na Chi Lăng,OCOP-LS-2021-100,4,2,3,335000"
        )),
        "{text}"
    );
    assert!(text.contains("2026-10,Cao Lộc,htx-bao-lam,HTX Hồng Bảo Lâm,Hồng không hạt Bảo Lâm,OCOP-LS-2023-102,4,1,4,480000"), "{text}");
    let file = db.path("ocop-2026-10.xlsx");
    ok(&db.kho(&[
        "ocop",
        "export-sales",
        "--month",
        "2026-10",
        "--xlsx",
        file.to_str().unwrap(),
    ]));
    let page = get(
        &base,
        "/reports/ocop-sales?month=2026-10&format=xlsx",
        &seeded.department,
    )
    .await;
    assert_eq!(page.status(), 200);
    let page_bytes = page.bytes().await.unwrap().to_vec();
    let read = |bytes: Vec<u8>| -> Vec<Vec<String>> {
        let mut b: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("workbook");
        b.worksheet_range("ocop-sales")
            .expect("sheet")
            .rows()
            .map(|r| r.iter().map(ToString::to_string).collect())
            .collect()
    };
    let rows = read(page_bytes);
    assert_eq!(rows, read(std::fs::read(&file).unwrap()));
    assert!(
        rows.iter().any(|r| r[4] == "Na sấy dẻo Chi Lăng"),
        "{rows:?}"
    );
    // A cooperative's export holds its own rows only.
    let own = get(
        &base,
        "/reports/ocop-sales?month=2026-10&format=csv",
        &seeded.bao_lam,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        !own.contains("Chi Lăng") && own.contains("Bảo Lâm"),
        "{own}"
    );
    assert_eq!(
        db.kho(&["ocop", "export-sales", "--month", "2026-13"])
            .status
            .code(),
        Some(2)
    );
    drop(daemon);
});
