//! The department's reports end to end: the page at `/reports`, its
//! downloads, the API and `kho report sales` give the same figures for the
//! same period and grouping, on both backends; the XLSX read back keeps
//! every Vietnamese letter; the CSV starts with a byte-order mark; and a
//! cooperative sees its own producer only, whatever it asks for.

use std::collections::BTreeMap;

use calamine::{DataType, Reader, Xlsx};
use chrono::{NaiveDate, TimeZone, Utc};
use kho::http::dashboard::format::{int, vnd};
use serde_json::Value;

use crate::support::worlds::reports::{CHI_LANG, FROM, TO, at, get, seed};
use crate::support::{Daemon, TestDb, ok};

/// One row as the CLI reports it: (revenue, previous revenue, orders, units).
type Figures = (i64, i64, i64, i64);

fn cli_rows(db: &TestDb, by: &str) -> BTreeMap<String, Figures> {
    let out = ok(&db.kho(&[
        "--json", "report", "sales", "--from", FROM, "--to", TO, "--by", by,
    ]));
    let doc: Value = serde_json::from_str(&out).expect("report JSON");
    rows_of(&doc)
}

fn rows_of(doc: &Value) -> BTreeMap<String, Figures> {
    doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let n = |k: &str| r[k].as_i64().unwrap_or_else(|| panic!("{k} in {r}"));
            (
                r["key"].as_str().expect("key").to_owned(),
                (
                    n("revenue_vnd"),
                    n("previous_revenue_vnd"),
                    n("orders"),
                    n("units"),
                ),
            )
        })
        .collect()
}

/// The text between `start` (after it) and the next `<`.
fn after<'a>(html: &'a str, start: &str) -> Option<&'a str> {
    let i = html.find(start)? + start.len();
    html[i..].split('<').next()
}

/// The report table's rows as the page shows them: key → (revenue,
/// previous revenue, orders, units), as formatted text.
pub fn page_rows(html: &str) -> BTreeMap<String, (String, String, String, String)> {
    html.split("<tr data-key=\"")
        .skip(1)
        .map(|chunk| {
            let key = chunk.split('"').next().expect("key").replace("&amp;", "&");
            let row = chunk.split("</tr>").next().expect("row");
            let cell = |start: &str| {
                after(row, start)
                    .unwrap_or_else(|| panic!("{start} in {row}"))
                    .to_owned()
            };
            (
                key,
                (
                    cell("<span class=\"revenue\">"),
                    cell("<td class=\"num previous\">"),
                    cell("<span class=\"orders\">"),
                    cell("<span class=\"units\">"),
                ),
            )
        })
        .collect()
}

crate::both_backends!(the_page_the_api_and_the_cli_agree, |db| {
    let seeded = seed(&db).await;
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();
    for by in ["producer", "product", "district", "stars", "channel", "day"] {
        let cli = cli_rows(&db, by);
        assert!(!cli.is_empty(), "{by}: no rows");
        let res = get(
            &base,
            &format!("/reports?from={FROM}&to={TO}&by={by}"),
            &seeded.department,
        )
        .await;
        assert_eq!(res.status(), 200, "{by}");
        let html = res.text().await.expect("page");
        let page = page_rows(&html);
        let expected: BTreeMap<_, _> = cli
            .iter()
            .map(|(k, (rev, prev, orders, units))| {
                (
                    k.clone(),
                    (vnd(*rev), vnd(*prev), int(*orders), int(*units)),
                )
            })
            .collect();
        assert_eq!(page, expected, "{by}: page and `kho report sales` differ");
        // The API answers the same figures.
        let api: Value = reqwest::Client::new()
            .get(format!(
                "{base}/api/v1/reports/sales?from={FROM}&to={TO}&by={by}"
            ))
            .bearer_auth(&seeded.department)
            .send()
            .await
            .expect("api")
            .json()
            .await
            .expect("api JSON");
        assert_eq!(rows_of(&api), cli, "{by}: API and CLI differ");
    }
    // Producers by name, the period and its time zone labelled.
    let html = get(
        &base,
        &format!("/reports?from={FROM}&to={TO}&by=producer"),
        &seeded.department,
    )
    .await
    .text()
    .await
    .expect("page");
    assert!(html.contains(CHI_LANG), "producer names, not codes");
    assert!(html.contains("01/10/2026 – 31/10/2026"), "the period");
    assert!(
        html.contains("31/08/2026 – 30/09/2026"),
        "the previous period"
    );
    assert!(html.contains("Asia/Ho_Chi_Minh"), "the time zone");
    assert!(html.contains("<svg class=\"bars\""), "the chart");
    // Chi Lăng: 170.000 + 165.000 + 195.000 now, 85.000 before.
    let cli = cli_rows(&db, "producer");
    assert_eq!(cli["htx-chi-lang"], (530_000, 85_000, 2, 6));
    assert_eq!(cli["htx-bao-lam"], (670_000, 300_000, 2, 6));
    // Best sellers: Hồng không hạt first.
    let best = html
        .split("id=\"best-sellers\"")
        .nth(1)
        .expect("best sellers");
    assert!(
        after(best, "<strong class=\"product\">").is_some_and(|p| p == "Hồng không hạt Bảo Lâm"),
        "{best}"
    );
    drop(daemon);
});

crate::both_backends!(exports_keep_vietnamese_and_the_figures, |db| {
    let seeded = seed(&db).await;
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();
    let q = format!("from={FROM}&to={TO}&by=producer");
    // XLSX from the page, read back.
    let res = get(
        &base,
        &format!("/reports/sales.xlsx?{q}"),
        &seeded.department,
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    let bytes = res.bytes().await.expect("xlsx").to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
    let sheet = book.worksheet_range("Doanh số").expect("sales sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(rows[0][4], "Doanh thu (đồng)");
    let chi_lang = rows
        .iter()
        .find(|r| r[0] == "htx-chi-lang")
        .expect("Chi Lăng row");
    assert_eq!(chi_lang[1], CHI_LANG);
    assert_eq!(chi_lang[4], "530000");
    assert!(
        rows.iter()
            .any(|r| r[1] == "HTX Hồng Bảo Lâm" || r[1].contains("Bảo Lâm")),
        "{rows:?}"
    );
    let about = book.worksheet_range("Thông tin").expect("about sheet");
    assert!(about.rows().any(|r| {
        r.iter()
            .any(|c| c.as_string().as_deref() == Some("Asia/Ho_Chi_Minh"))
    }));
    // CSV from the page and from the CLI: byte-order mark, same bytes.
    let res = get(
        &base,
        &format!("/reports/sales.csv?{q}"),
        &seeded.department,
    )
    .await;
    let page_csv = res.bytes().await.expect("csv").to_vec();
    assert!(page_csv.starts_with(b"\xEF\xBB\xBF"), "no byte-order mark");
    let text = String::from_utf8(page_csv.clone()).expect("UTF-8");
    assert!(
        text.contains(&format!(
            "htx-chi-lang,{CHI_LANG},2,6,530000,1,1,85000,445000,523.5"
        )),
        "{text}"
    );
    let cli = db.kho(&[
        "report", "sales", "--from", FROM, "--to", TO, "--by", "producer", "--csv",
    ]);
    assert_eq!(cli.stdout, page_csv, "the CLI's CSV and the page's differ");
    // The API's XLSX and the CLI's --xlsx hold the same rows.
    let api = reqwest::Client::new()
        .get(format!("{base}/api/v1/reports/sales?{q}&format=xlsx"))
        .bearer_auth(&seeded.department)
        .send()
        .await
        .expect("api");
    assert_eq!(api.status(), 200);
    let api_book = api.bytes().await.expect("bytes").to_vec();
    let file = db.path("sales.xlsx");
    ok(&db.kho(&[
        "report",
        "sales",
        "--from",
        FROM,
        "--to",
        TO,
        "--by",
        "producer",
        "--xlsx",
        file.to_str().unwrap(),
    ]));
    let read = |bytes: Vec<u8>| -> Vec<Vec<String>> {
        let mut b: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("workbook");
        b.worksheet_range("Doanh số")
            .expect("sheet")
            .rows()
            .map(|r| r.iter().map(ToString::to_string).collect())
            .collect()
    };
    assert_eq!(
        read(api_book),
        read(std::fs::read(&file).expect("cli xlsx"))
    );
    drop(daemon);
});

crate::both_backends!(a_cooperative_sees_its_own_sales_only, |db| {
    let seeded = seed(&db).await;
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();
    for by in ["producer", "product", "district", "stars", "channel"] {
        // Asking for another producer changes nothing.
        let html = get(
            &base,
            &format!("/reports?from={FROM}&to={TO}&by={by}&producer=htx-chi-lang"),
            &seeded.bao_lam,
        )
        .await
        .text()
        .await
        .expect("page");
        assert!(
            !html.contains("Chi Lăng"),
            "{by}: another cooperative's sales shown"
        );
        let rows = page_rows(&html);
        assert!(!rows.is_empty(), "{by}: own sales missing");
        if by == "producer" {
            assert_eq!(rows.keys().collect::<Vec<_>>(), ["htx-bao-lam"]);
        }
    }
    let csv = get(
        &base,
        &format!("/reports/sales.csv?from={FROM}&to={TO}&by=product&producer=htx-chi-lang"),
        &seeded.bao_lam,
    )
    .await
    .text()
    .await
    .expect("csv");
    assert!(
        !csv.contains("Na Chi Lăng") && csv.contains("Hồng không hạt"),
        "{csv}"
    );
    let api: Value = reqwest::Client::new()
        .get(format!(
            "{base}/api/v1/reports/sales?from={FROM}&to={TO}&by=product"
        ))
        .bearer_auth(&seeded.bao_lam)
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("JSON");
    let products: Vec<&str> = api["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["key"].as_str())
        .collect();
    assert_eq!(products, ["Hồng không hạt Bảo Lâm", "Hồng sấy gió Bảo Lâm"]);
    // Signed out: the sign-in page, not the figures.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}/reports/sales.xlsx?from={FROM}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    drop(daemon);
});

#[test]
fn the_period_boundaries_follow_the_time_zone() {
    // 00:00 on 1 October in Vietnam is 17:00 on 30 September in UTC.
    assert_eq!(
        at(2026, 10, 1, 0),
        Utc.with_ymd_and_hms(2026, 9, 30, 17, 0, 0).unwrap()
    );
    assert!(NaiveDate::parse_from_str(FROM, "%Y-%m-%d").is_ok());
}
