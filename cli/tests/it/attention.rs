//! "Needs attention" end to end: a Shopee world that is first healthy
//! (`kho status` exits 0, the overview says nothing needs attention), then
//! gets the faults people meet — a price edited in the seller centre (drift),
//! a price the marketplace refuses (a dead letter), two expired and one
//! expiring OCOP certificate, two SKUs out of stock, a shop whose
//! authorisation is revoked — after which the overview, `kho status` and
//! `GET /api/v1/attention` list exactly those items, each with a Vietnamese
//! "what to do", no failing account is shown as "Ổn", a cooperative sees
//! only its own, and `kho status` exits 1.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use kho::auth::Role;
use kho::catalog::CatalogEntry;
use kho_simulator::shopee::{ListingEdit, TokenAction};
use serde_json::Value;

use crate::both_backends;
use crate::support::worlds::shopee::World;
use crate::support::{ok, spawn_app, stderr, stdout};

const A: &str = "htx-a";
const B: &str = "htx-b";

fn entry(producer: &str, product: &str, sku: &str, price: i64, stock: i64) -> CatalogEntry {
    CatalogEntry {
        producer_code: producer.into(),
        producer_name: format!("HTX {producer}"),
        district: "Chi Lăng".into(),
        product_code: product.into(),
        product_name: format!("Sản phẩm {product}"),
        variant_sku: sku.into(),
        variant_name: "Hộp".into(),
        price_vnd: price,
        stock,
        reserved: 0,
        weight_g: 500,
        ocop_stars: Some(4),
        ocop_cert_no: Some(format!("OCOP-{product}")),
        ocop_cert_expires: NaiveDate::from_ymd_opt(2031, 12, 31),
        category: "Đặc sản".into(),
        description: String::new(),
        image_urls: String::new(),
        product_active: true,
        variant_active: true,
    }
}

fn catalog() -> Vec<CatalogEntry> {
    vec![
        entry(A, "A-NA", "A-NA-1", 85_000, 50),
        entry(A, "A-QUYT", "A-QUYT-1", 60_000, 40),
        entry(A, "A-CHE", "A-CHE-1", 120_000, 20),
        entry(A, "A-MAT", "A-MAT-1", 150_000, 10),
        entry(A, "A-MIEN", "A-MIEN-1", 45_000, 30),
        entry(A, "A-GUNG", "A-GUNG-1", 30_000, 5),
        entry(A, "A-GUNG", "A-GUNG-2", 55_000, 5),
        entry(B, "B-VIT", "B-VIT-1", 250_000, 10),
    ]
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

/// (kind, what it is about) of every item: the SKU, else the product.
fn kinds(items: &Value) -> BTreeSet<(String, String)> {
    items
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let about = i["sku"]
                .as_str()
                .or(i["product_code"].as_str())
                .or(i["account"].as_str());
            (
                i["kind"].as_str().unwrap_or_default().to_owned(),
                about.unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn set(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(k, a)| ((*k).to_owned(), (*a).to_owned()))
        .collect()
}

async fn page(client: &reqwest::Client, url: &str, token: &str) -> String {
    let res = client
        .get(url)
        .header("cookie", format!("kho_session={token}"))
        .send()
        .await
        .expect("dashboard");
    assert_eq!(res.status(), 200, "{url}");
    res.text().await.expect("html")
}

/// The overview's items: `<li data-kind=…>` elements of the attention list.
fn overview_items(html: &str) -> Vec<&str> {
    let Some(start) = html.find(r#"id="attention""#) else {
        panic!("no attention section: {html}");
    };
    let section = &html[start..];
    let end = section.find("</section>").unwrap_or(section.len());
    section[..end].split("<li data-kind=").skip(1).collect()
}

both_backends!(the_overview_and_status_list_what_needs_a_person, |db| {
    let w = World::start(
        db,
        &catalog(),
        &[("shopee-a", A), ("shopee-b", B)],
        1000,
        |_| {},
    )
    .await;
    ok(&w.kho(&["link", "shopee-a"]));
    ok(&w.kho(&["link", "shopee-b"]));
    ok(&w.kho(&["sync"]));
    ok(&w.kho(&["reconcile"]));

    // Healthy: nothing listed, exit 0, every account "Ổn".
    let healthy = w.kho(&["--json", "status"]);
    assert_eq!(healthy.status.code(), Some(0), "{}", stdout(&healthy));
    assert_eq!(json(&healthy)["attention"], Value::Array(Vec::new()));
    let store = w.db.store().await;
    let api = spawn_app(&store).await;
    let site = api.trim_end_matches("/api/v1").to_owned();
    let dept = store
        .create_token("so", Role::Department, None)
        .await
        .expect("token")
        .1;
    let coop_a = store
        .create_token("a", Role::Cooperative, Some(A))
        .await
        .expect("token")
        .1;
    let coop_b = store
        .create_token("b", Role::Cooperative, Some(B))
        .await
        .expect("token")
        .1;
    let client = reqwest::Client::new();
    let html = page(&client, &format!("{site}/"), &dept).await;
    assert!(html.contains("Không có việc gì cần xử lý."), "{html}");
    assert!(overview_items(&html).is_empty());

    // A price edited in the seller centre, found by a reconciliation.
    let shop_a = w.shops[0].shop_id;
    let item = w
        .sim
        .state()
        .shops
        .iter()
        .filter(|s| s.shop_id == shop_a)
        .flat_map(|s| s.items.iter())
        .find(|i| i.item_sku == "A-NA-1")
        .map(|i| i.item_id)
        .expect("A-NA-1 listed");
    w.sim
        .control()
        .edit_listing(
            shop_a,
            item,
            ListingEdit {
                price: Some(99_000.0),
                ..ListingEdit::default()
            },
        )
        .expect("edit");
    assert_eq!(w.kho(&["reconcile"]).status.code(), Some(1));

    // A price above the marketplace's limit (refused for good), two
    // certificates expired and one expiring, two SKUs sold out.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive();
    let mut edited = catalog();
    for e in &mut edited {
        match e.variant_sku.as_str() {
            "A-QUYT-1" => e.price_vnd = 6_000_000,
            "A-CHE-1" => e.ocop_cert_expires = Some(today - chrono::Duration::days(10)),
            "A-MAT-1" => e.ocop_cert_expires = Some(today - chrono::Duration::days(3)),
            "A-MIEN-1" => e.ocop_cert_expires = Some(today + chrono::Duration::days(20)),
            _ => {}
        }
    }
    let mut bytes = Vec::new();
    kho::catalog::file::write_csv(&mut bytes, &edited).expect("csv");
    std::fs::write(w.db.path("edited.csv"), bytes).expect("write");
    ok(&w.kho(&["import", "edited.csv"]));
    ok(&w.kho(&["stock", "set", "A-GUNG-1", "0", "--reason", "bán hết"]));
    ok(&w.kho(&["stock", "set", "A-GUNG-2", "0", "--reason", "bán hết"]));
    let synced = w.kho(&["sync"]);
    assert_eq!(synced.status.code(), Some(1), "{}", stdout(&synced));

    let expected = set(&[
        ("failed_push", "A-QUYT-1"),
        ("drift", "A-NA-1"),
        ("certificate_expired", "A-CHE"),
        ("certificate_expired", "A-MAT"),
        ("certificate_expiring", "A-MIEN"),
        ("out_of_stock", "A-GUNG-1"),
        ("out_of_stock", "A-GUNG-2"),
    ]);
    let status = w.kho(&["--json", "status"]);
    assert_eq!(status.status.code(), Some(1), "{}", stdout(&status));
    let doc = json(&status);
    assert_eq!(kinds(&doc["attention"]), expected, "{:#}", doc["attention"]);
    let items = doc["attention"].as_array().expect("items");
    assert_eq!(items.len(), expected.len(), "{items:#?}");
    let push = items
        .iter()
        .find(|i| i["kind"] == "failed_push")
        .expect("push");
    assert_eq!(push["error_class"], "invalid_data", "{push}");
    assert_eq!(push["field"], "price");
    assert!(
        push["message"]
            .as_str()
            .unwrap_or_default()
            .contains("max_limit"),
        "{push}"
    );
    let drift = items.iter().find(|i| i["kind"] == "drift").expect("drift");
    assert_eq!(
        (drift["kho_value"].clone(), drift["remote_value"].clone()),
        (85_000.into(), 99_000.into())
    );
    assert_eq!(drift["cause"], "edited_on_marketplace");
    for i in items.iter().filter(|i| i["kind"] == "certificate_expired") {
        assert_eq!(i["listings"], "delisted", "{i}");
    }
    let text = w.kho(&["status"]);
    assert_eq!(text.status.code(), Some(1));
    assert!(
        stdout(&text).starts_with("NEEDS ATTENTION (7)"),
        "{}",
        stdout(&text)
    );

    // The overview lists exactly those, first, each with what to do in Vietnamese.
    let html = page(&client, &format!("{site}/"), &dept).await;
    let attention_at = html.find(r#"id="attention""#).expect("section");
    let today_at = html.find(r#"id="today""#).expect("today");
    assert!(attention_at < today_at, "the list is not first");
    let listed = overview_items(&html);
    assert_eq!(listed.len(), expected.len(), "{html}");
    for (kind, about) in &expected {
        assert!(
            listed
                .iter()
                .any(|li| li.starts_with(&format!("\"{kind}\""))
                    && (li.contains(&format!("data-sku=\"{about}\""))
                        || li.contains(&format!("data-product=\"{about}\"")))),
            "{kind} {about} missing from the overview"
        );
    }
    for li in &listed {
        assert!(li.contains("Cách xử lý"), "no what-to-do: {li}");
        assert!(
            !li.contains("edited_on_marketplace") && !li.contains("invalid_data"),
            "a raw code: {li}"
        );
    }
    assert!(
        html.contains("99.000 ₫") && html.contains("85.000 ₫"),
        "prices unformatted: {html}"
    );
    assert!(html.contains("Tin đăng đã bị gỡ khỏi sàn"));
    // shopee-a fails to push: not "Ổn", on the overview or the accounts page.
    assert!(
        !html.contains(r#"<span class="badge ok">Ổn</span> <a href="/accounts">shopee-a</a>"#),
        "{html}"
    );
    assert!(html.contains(r#"<span class="badge bad">Đẩy thay đổi thất bại</span> <a href="/accounts">shopee-a</a>"#), "{html}");
    let accounts = page(&client, &format!("{site}/accounts"), &dept).await;
    let row = accounts
        .split(r#"data-account="shopee-a""#)
        .nth(1)
        .expect("row");
    let row = &row[..row.find("</tr>").unwrap_or(row.len())];
    assert!(!row.contains(">Ổn<"), "{row}");
    // The failed change's English message is explained in Vietnamese there too.
    let failed = accounts
        .split("A-QUYT-1")
        .nth(1)
        .expect("the failed change on the accounts page");
    assert!(failed.contains("Sàn từ chối dữ liệu"), "{failed}");
    assert!(failed.contains("Cách xử lý"), "{failed}");
    assert!(accounts.contains("Asia/Ho_Chi_Minh"));

    // The API agrees, and a cooperative sees only its own.
    let get = |token: String| {
        let client = client.clone();
        let url = format!("{api}/attention");
        async move {
            let res = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("api");
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.expect("json")
        }
    };
    assert_eq!(kinds(&get(dept.clone()).await["items"]), expected);
    assert_eq!(kinds(&get(coop_a.clone()).await["items"]), expected);
    assert_eq!(get(coop_b.clone()).await["items"], Value::Array(Vec::new()));
    let b_html = page(&client, &format!("{site}/"), &coop_b).await;
    assert!(b_html.contains("Không có việc gì cần xử lý."), "{b_html}");

    // htx-b's shop loses its authorisation: listed for htx-b and the department only.
    let shop_b = w.shops[1].shop_id;
    for action in [
        TokenAction::RevokeAccessToken,
        TokenAction::RevokeRefreshToken,
    ] {
        w.sim
            .control()
            .token_action(shop_b, action)
            .expect("revoke");
    }
    assert_eq!(
        w.kho(&["reconcile", "--account", "shopee-b"]).status.code(),
        Some(3)
    );
    let b_items = get(coop_b.clone()).await;
    let b_kinds = kinds(&b_items["items"]);
    assert!(
        b_kinds.contains(&("needs_reauth".to_owned(), "shopee-b".to_owned())),
        "{b_items:#}"
    );
    assert!(
        b_kinds.iter().all(|(_, about)| !about.starts_with("A-")),
        "{b_items:#}"
    );
    assert_eq!(kinds(&get(coop_a).await["items"]), expected);
    let b_html = page(&client, &format!("{site}/"), &coop_b).await;
    assert!(b_html.contains("Gian hàng cần ủy quyền lại"), "{b_html}");
    assert!(b_html.contains("kho accounts connect"), "{b_html}");
    assert!(
        !b_html.contains("A-QUYT-1"),
        "another cooperative's item: {b_html}"
    );
});
