//! The dashboard's forms over HTTP against a real `kho serve` with a Shopee
//! simulator: every form refuses a cross-site POST and the department, a
//! cooperative cannot touch another's stock, shops or catalog, mistakes come
//! back with the typed values and a reason in Vietnamese, the ledger names
//! the person, and a catalog upload is previewed (nothing changes) before
//! an explicit Apply imports exactly that file once.

use kho::auth::Role;
use kho::store::Store;
use reqwest::multipart;

use crate::both_backends;
use crate::support::ok;
use crate::support::worlds::forms::{A, B, PERSON_A, catalog, csv, entry};
use crate::support::worlds::shopee::World;

/// A browser-like client: same-site Origin, a session, no redirects followed.
struct Browser {
    c: reqwest::Client,
    base: String,
    cookie: String,
}

impl Browser {
    fn new(base: &str, token: &str) -> Browser {
        Browser {
            c: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_owned(),
            cookie: format!("kho_session={token}"),
        }
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.post_from(path, form, &self.base).await
    }

    async fn post_from(
        &self,
        path: &str,
        form: &[(&str, &str)],
        origin: &str,
    ) -> reqwest::Response {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.c
            .post(format!("{}{path}", self.base))
            .header("origin", origin)
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST")
    }

    async fn upload(&self, name: &str, bytes: Vec<u8>) -> reqwest::Response {
        let part = multipart::Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str("text/csv")
            .expect("mime");
        self.c
            .post(format!("{}/catalog/import", self.base))
            .header("origin", &self.base)
            .header("cookie", &self.cookie)
            .multipart(multipart::Form::new().part("file", part))
            .send()
            .await
            .expect("upload")
    }

    /// A page, with the flash a redirect left (if any).
    async fn get(&self, path: &str, after: Option<&reqwest::Response>) -> String {
        let mut cookie = self.cookie.clone();
        if let Some(flash) = after.and_then(flash_cookie) {
            cookie = format!("{cookie}; {flash}");
        }
        let res = self
            .c
            .get(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status(), 200, "{path}");
        res.text().await.expect("html")
    }
}

fn flash_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kho_flash="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

fn location(res: &reqwest::Response) -> &str {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

async fn ledger(store: &Store, sku: &str) -> Vec<kho::store::inventory::Movement> {
    let s = store.find_sku(sku).await.expect("sku").expect("known sku");
    store
        .stock_history(s.variant_id, 50)
        .await
        .expect("history")
}

async fn on_hand(store: &Store, sku: &str) -> i64 {
    let s = store.find_sku(sku).await.expect("sku").expect("known sku");
    store
        .stock_levels(s.variant_id)
        .await
        .expect("levels")
        .iter()
        .map(|l| l.on_hand)
        .sum()
}

/// The value of `<input … name="digest" value="…">` on a preview page.
fn digest(html: &str) -> String {
    let at = html
        .find(r#"name="digest" value=""#)
        .expect("an Apply form")
        + r#"name="digest" value=""#.len();
    html[at..].chars().take_while(|c| *c != '"').collect()
}

both_backends!(dashboard_forms_are_checked_on_the_server, |db| {
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
    // A price the marketplace refuses: a dead letter for A-QUYT-1.
    let mut edited = catalog();
    edited[1].price_vnd = 6_000_000;
    std::fs::write(w.db.path("edited.csv"), csv(&edited)).expect("write");
    ok(&w.kho(&["import", "edited.csv"]));
    assert_eq!(w.kho(&["sync"]).status.code(), Some(1));

    let store = w.db.store().await;
    let token = |name: &'static str, role: Role, producer: Option<&'static str>| {
        let store = store.clone();
        async move {
            store
                .create_token(name, role, producer)
                .await
                .expect("token")
                .1
        }
    };
    let dept = token("Sở Nông nghiệp", Role::Department, None).await;
    let coop_a = token(PERSON_A, Role::Cooperative, Some(A)).await;
    let coop_b = token("Anh Tú (HTX B)", Role::Cooperative, Some(B)).await;
    let dead = store.dead_letters(Some("shopee-a")).await.expect("dead");
    assert_eq!(dead.len(), 1, "{dead:?}");
    let job = dead[0].id.to_string();
    let daemon = w.daemon("1h");
    let base = daemon.url.clone();
    let a = Browser::new(&base, &coop_a);
    let b = Browser::new(&base, &coop_b);
    let d = Browser::new(&base, &dept);
    let receipt = [
        ("sku", "A-NA-1"),
        ("action", "receipt"),
        ("quantity", "50"),
        ("reason", ""),
    ];
    let retry_one = format!("/accounts/shopee-a/retry/{job}");

    // Cross-site: refused for every form, whoever's cookie rides along.
    for path in [
        "/products/A-NA/stock",
        "/catalog/import/apply",
        "/accounts/shopee-a/retry",
        retry_one.as_str(),
        "/accounts/shopee-a/link",
    ] {
        let res = a.post_from(path, &receipt, "http://evil.example").await;
        assert_eq!(res.status(), 403, "{path}");
        let res = a.post_from(path, &receipt, "null").await;
        assert_eq!(res.status(), 403, "{path}");
    }
    // The department looks but does not act.
    for path in [
        "/products/A-NA/stock",
        "/catalog/import/apply",
        "/accounts/shopee-a/retry",
        retry_one.as_str(),
        "/accounts/shopee-a/link",
    ] {
        let res = d.post(path, &receipt).await;
        assert_eq!(res.status(), 403, "{path}");
        assert!(res.text().await.unwrap().contains("chỉ được xem"), "{path}");
    }
    assert_eq!(d.upload("x.csv", csv(&catalog())).await.status(), 403);
    // The overview reloads itself, without a script.
    let res =
        d.c.get(format!("{base}/"))
            .header("cookie", &d.cookie)
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["refresh"], "120");
    assert!(!d.get("/products/A-NA", None).await.contains("stock-forms"));
    // Another cooperative: as if nothing were there.
    for (path, form) in [
        ("/products/A-NA/stock", receipt.to_vec()),
        (
            "/products/B-VIT/stock",
            vec![
                ("sku", "A-NA-1"),
                ("action", "receipt"),
                ("quantity", "5"),
                ("reason", ""),
            ],
        ),
        ("/accounts/shopee-a/retry", vec![]),
        (retry_one.as_str(), vec![]),
        ("/accounts/shopee-a/link", vec![]),
    ] {
        let res = b.post(path, &form).await;
        assert_eq!(res.status(), 404, "{path}");
    }
    let res = b.upload("a.csv", csv(&catalog()[..1])).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("this token may import only producer"),
        "{html}"
    );
    assert!(!html.contains(r#"name="digest""#));
    assert_eq!(on_hand(&store, "A-NA-1").await, 50, "nothing moved");
    assert_eq!(store.dead_letters(Some("shopee-a")).await.unwrap().len(), 1);

    // Mistakes come back with what was typed and why, in Vietnamese.
    for (form, typed, why) in [
        (
            [
                ("sku", "A-NA-1"),
                ("action", "removal"),
                ("quantity", "3"),
                ("reason", " "),
            ],
            r#"value="3""#,
            "Hãy ghi lý do xuất hoặc hủy",
        ),
        (
            [
                ("sku", "A-NA-1"),
                ("action", "receipt"),
                ("quantity", "2,5"),
                ("reason", "mùa vụ"),
            ],
            r#"value="2,5""#,
            "Số lượng phải là số nguyên",
        ),
        (
            [
                ("sku", "A-NA-1"),
                ("action", "count"),
                ("quantity", "100000"),
                ("reason", ""),
            ],
            r#"value="100000""#,
            "trong khoảng 0–99.998",
        ),
        (
            [
                ("sku", "A-NA-1"),
                ("action", "removal"),
                ("quantity", "51"),
                ("reason", "hỏng"),
            ],
            r#"value="hỏng""#,
            "Không đủ hàng",
        ),
    ] {
        let res = a.post("/products/A-NA/stock", &form).await;
        assert_eq!(res.status(), 422, "{form:?}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains(typed),
            "{form:?} lost the typed value:\n{html}"
        );
        assert!(html.contains(why), "{form:?} does not say {why:?}:\n{html}");
        assert!(
            html.contains("<details class=\"stock-forms\" open"),
            "{form:?}"
        );
    }
    assert_eq!(on_hand(&store, "A-NA-1").await, 50, "nothing moved");

    // Receive 50, remove 3, count 90: each named after the person.
    let res = a.post("/products/A-NA/stock", &receipt).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/products/A-NA");
    let page = a.get("/products/A-NA", Some(&res)).await;
    assert!(
        page.contains("Đã nhập kho A-NA-1: 50. Có thể bán 100."),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            r#"<td class="who" data-label="Người thực hiện">{PERSON_A}</td>"#
        )),
        "{page}"
    );
    // The flash is shown once: the page forgets it.
    assert!(
        !a.get("/products/A-NA", None)
            .await
            .contains("Đã nhập kho A-NA-1")
    );
    let res = a
        .post(
            "/products/A-NA/stock",
            &[
                ("sku", "A-NA-1"),
                ("action", "removal"),
                ("quantity", "3"),
                ("reason", "dập nát"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = a
        .post(
            "/products/A-NA/stock",
            &[
                ("sku", "A-NA-1"),
                ("action", "count"),
                ("quantity", "1.090"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(on_hand(&store, "A-NA-1").await, 1090);
    let moves = ledger(&store, "A-NA-1").await;
    let mine: Vec<(&str, i64, &str)> = moves
        .iter()
        .filter(|m| m.actor == format!("web:{PERSON_A}"))
        .map(|m| (m.kind.as_str(), m.quantity, m.reason.as_str()))
        .collect();
    assert_eq!(
        mine,
        [
            ("count", 993, "Kiểm kê"),
            ("adjustment", -3, "dập nát"),
            ("receipt", 50, "Nhập kho")
        ],
        "{moves:#?}"
    );

    // Per product, the state on each shop.
    let page = a.get("/products/A-QUYT", None).await;
    assert!(
        page.contains(r#"data-account="shopee-a" data-state="out_of_sync""#),
        "{page}"
    );
    let page = a.get("/products/A-NA", None).await;
    assert!(
        page.contains(r#"data-account="shopee-a" data-state="selling""#),
        "{page}"
    );
    assert!(
        !page.contains("shopee-b"),
        "another cooperative's shop shown"
    );

    // Retry one failed push, then the whole account; re-link the shop.
    let res = a.post(&retry_one, &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/accounts");
    let page = a.get("/accounts", Some(&res)).await;
    assert!(
        page.contains("shopee-a: 1 thay đổi đã được đưa lại hàng đợi"),
        "{page}"
    );
    let res = a.post("/accounts/shopee-a/link", &[]).await;
    assert_eq!(res.status(), 303);
    let page = a.get("/accounts", Some(&res)).await;
    assert!(
        page.contains("shopee-a: 2 sản phẩm trên sàn · 2 đã liên kết"),
        "{page}"
    );

    // Upload: a preview changes nothing; Apply imports exactly that file, once.
    let mut next = catalog()[..2].to_vec();
    next[0].price_vnd = 90_000;
    next.push(entry(A, "A-NA", "A-NA-2", 160_000, 12));
    let res = a.upload("mua-moi.csv", csv(&next)).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Phân loại (SKU) mới") && html.contains("A-NA-2"),
        "{html}"
    );
    assert!(
        html.contains("90.000 ₫") && html.contains("85.000 ₫"),
        "{html}"
    );
    let previewed = digest(&html);
    assert!(
        store.find_sku("A-NA-2").await.unwrap().is_none(),
        "a preview changed the catalog"
    );
    // Another file of the same cooperative is previewed but never applied.
    let mut other = next.clone();
    other[0].price_vnd = 1_000;
    let other_html = a
        .upload("khac.csv", csv(&other))
        .await
        .text()
        .await
        .unwrap();
    assert_ne!(digest(&other_html), previewed);
    // Nobody else may apply the preview.
    assert_eq!(
        b.post("/catalog/import/apply", &[("digest", &previewed)])
            .await
            .status(),
        422
    );
    let res = a
        .post("/catalog/import/apply", &[("digest", &previewed)])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/products");
    let page = a.get("/products", Some(&res)).await;
    assert!(page.contains("Đã nhập danh mục mua-moi.csv"), "{page}");
    let rows = store.stock_rows(Some(A), Some("A-NA")).await.unwrap();
    let price = |sku: &str| rows.iter().find(|r| r.sku == sku).map(|r| r.price_vnd);
    assert_eq!(
        (price("A-NA-1"), price("A-NA-2")),
        (Some(90_000), Some(160_000))
    );
    let res = a
        .post("/catalog/import/apply", &[("digest", &previewed)])
        .await;
    assert_eq!(res.status(), 422, "applied twice");
    assert!(res.text().await.unwrap().contains("hết hạn"));
    // A file with mistakes: every problem by line and column, nothing to apply.
    let mut bad = String::from_utf8(csv(&next)).unwrap();
    bad = bad.replacen("160000", "abc", 1);
    let res = a.upload("sai.csv", bad.into_bytes()).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Tệp có lỗi; chưa có gì thay đổi."), "{html}");
    assert!(
        html.contains(
            r#"<td class="num" data-label="Dòng">4</td><td data-label="Cột">Giá (₫)</td>"#
        ),
        "{html}"
    );
    assert!(!html.contains(r#"name="digest""#));
    daemon.stop();
    store.close().await;
});
