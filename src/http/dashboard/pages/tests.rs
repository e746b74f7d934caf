use super::*;
use crate::config::{Config, DatabaseUrl, Sources};
use crate::store::orders::{IngestLine, IngestOrder};
use kho_channel::OrderStatus;

const TOML: &str = r#"
[[accounts]]
name = "shopee-chi-lang"
channel = "shopee"
producer = "htx-chi-lang"
base_url = "http://127.0.0.1:9"
credentials = { partner_id = 1, partner_key = "k", shop_id = 11, access_token = "a", refresh_token = "r" }

[[accounts]]
name = "tiktok-chi-lang"
channel = "tiktok"
producer = "htx-chi-lang"
base_url = "http://127.0.0.1:9"
auth_url = "http://127.0.0.1:9"
credentials = { app_key = "k", app_secret = "s", shop_cipher = "c", access_token = "a", refresh_token = "r" }

[[accounts]]
name = "lazada-bao-lam"
channel = "lazada"
producer = "htx-bao-lam"
base_url = "http://127.0.0.1:9/rest"
auth_url = "http://127.0.0.1:9/rest"
credentials = { app_key = "k", app_secret = "s", access_token = "a", refresh_token = "r" }
"#;

pub struct Seeded {
    pub store: Store,
    pub tz: Tz,
    _dir: tempfile::TempDir,
}

async fn ingest(
    store: &Store,
    account: i64,
    id: &str,
    at: DateTime<Utc>,
    status: OrderStatus,
    lines: &[(&str, i64, i64)],
) {
    let order = IngestOrder {
        remote_order_id: id.into(),
        status,
        raw_status: format!("{status:?}"),
        ordered_at: at,
        remote_updated_at: Some(at),
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, (sku, qty, price))| IngestLine {
                key: format!("{id}-{i}"),
                seller_sku: (*sku).into(),
                quantity: *qty,
                unit_price_vnd: *price,
            })
            .collect(),
    };
    store
        .ingest_order(account, &order, true, "test")
        .await
        .unwrap();
}

/// The sample catalog, three shops of two cooperatives, orders today
/// (one cancelled) and on earlier days.
pub async fn seeded() -> Seeded {
    let dir = tempfile::tempdir().unwrap();
    let url =
        DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("k.db").display())).unwrap();
    let store = Store::open(&url, 2).await.unwrap();
    let csv = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/ocop-catalog.csv"
    ))
    .unwrap();
    crate::store::catalog::import::import_bytes(&store, &csv, "ocop-catalog.csv", false, "test")
        .await
        .unwrap();
    let file = dir.path().join("kho.toml");
    std::fs::write(&file, TOML).unwrap();
    let config = Config::load(Sources {
        file: Some(&file),
        env: Some(crate::secrets::ephemeral_env()),
    })
    .unwrap();
    store.set_keyring(config.secrets.keyring());
    store.sync_accounts(&config.accounts, true).await.unwrap();
    let ids: HashMap<String, i64> = store
        .accounts(None)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.name, a.id))
        .collect();
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let today = crate::store::now().with_timezone(&tz).date_naive();
    let at = |days_ago: i64, hour: i64| {
        day_start(tz, today - chrono::Duration::days(days_ago)).unwrap()
            + chrono::Duration::hours(hour)
    };
    let shopee = ids["shopee-chi-lang"];
    let tiktok = ids["tiktok-chi-lang"];
    let lazada = ids["lazada-bao-lam"];
    ingest(
        &store,
        shopee,
        "S1",
        at(0, 1),
        OrderStatus::Ready,
        &[("NA-CHILANG-1KG", 2, 85_000)],
    )
    .await;
    ingest(
        &store,
        shopee,
        "S2",
        at(0, 2),
        OrderStatus::Shipped,
        &[("NA-CHILANG-2KG", 1, 165_000), ("NA-SAY-200G", 3, 65_000)],
    )
    .await;
    ingest(
        &store,
        shopee,
        "S3",
        at(0, 3),
        OrderStatus::Cancelled,
        &[("NA-CHILANG-5KG", 1, 390_000)],
    )
    .await;
    ingest(
        &store,
        tiktok,
        "T1",
        at(0, 4),
        OrderStatus::Ready,
        &[("NA-CHILANG-5KG", 1, 390_000)],
    )
    .await;
    ingest(
        &store,
        lazada,
        "L1",
        at(0, 5),
        OrderStatus::Ready,
        &[("HONG-KHONGHAT-1KG", 4, 120_000)],
    )
    .await;
    ingest(
        &store,
        shopee,
        "S0",
        at(3, 10),
        OrderStatus::Delivered,
        &[("NA-CHILANG-1KG", 10, 85_000)],
    )
    .await;
    ingest(
        &store,
        lazada,
        "L0",
        at(12, 10),
        OrderStatus::Delivered,
        &[("HONG-KHONGHAT-3KG", 1, 300_000)],
    )
    .await;
    Seeded {
        store,
        tz,
        _dir: dir,
    }
}

pub fn ctx(seed: &Seeded, lang: Lang, producer: Option<&str>, path: &str) -> Ctx {
    Ctx {
        lang,
        viewer: Viewer {
            name: "test".into(),
            producer: producer.map(str::to_owned),
            writer: true,
        },
        tz: seed.tz,
        now: crate::store::now(),
        path: path.into(),
        filter: None,
        keep: Vec::new(),
        flash: None,
    }
}

#[tokio::test]
async fn overview_shows_today_per_marketplace_as_the_sales_report_does() {
    let seed = seeded().await;
    let c = ctx(&seed, Lang::Vi, None, "/");
    let html = overview(&c, &seed.store).await.unwrap().into_string();
    // Shopee today: S1 (2 × 85.000) + S2 (165.000 + 3 × 65.000); the
    // cancelled S3 does not count.
    assert!(html.contains(r#"<tr data-channel="shopee"><td><span class="swatch ch-shopee"></span>Shopee</td><td class="num orders">2</td><td class="num units">6</td><td class="num revenue">530.000 ₫</td></tr>"#), "{html}");
    assert!(html.contains(r#"<td class="num revenue">390.000 ₫</td>"#));
    assert!(html.contains(r#"<td class="num revenue">480.000 ₫</td>"#));
    assert!(html.contains(r#"<tr data-channel="total"><th>Tổng</th><td class="num orders">4</td><td class="num units">11</td><td class="num revenue">1.400.000 ₫</td></tr>"#), "{html}");
    // The chart: one line per marketplace, totals over 30 days in the legend.
    assert_eq!(html.matches("<polyline").count(), 3);
    assert!(html.contains("Shopee: 1.380.000 ₫"), "{html}");
    assert!(html.contains("Lazada: 780.000 ₫"));
    assert!(html.contains("Tình trạng đồng bộ"));
    assert!(html.contains("Mọi tài khoản đều ổn."));

    // The same figures from the report's own code path.
    let today = c.today();
    let lines = seed
        .store
        .sale_lines(
            day_start(seed.tz, today).unwrap(),
            day_start(seed.tz, today + chrono::Duration::days(1)).unwrap(),
        )
        .await
        .unwrap();
    let rows = report::aggregate(&lines, GroupBy::Channel, seed.tz);
    for r in rows {
        assert!(html.contains(&format!(
                r#"<td class="num orders">{}</td><td class="num units">{}</td><td class="num revenue">{}</td>"#,
                r.orders,
                format::int(r.units),
                format::vnd(r.revenue_vnd)
            )));
    }
}

#[tokio::test]
async fn a_cooperative_sees_only_its_own_sales_and_accounts() {
    let seed = seeded().await;
    let mut c = ctx(&seed, Lang::En, Some("htx-bao-lam"), "/");
    // Asking for another producer changes nothing.
    c.filter = Some("htx-chi-lang".into());
    let html = overview(&c, &seed.store).await.unwrap().into_string();
    assert!(html.contains(r#"data-channel="lazada""#));
    assert!(!html.contains(r#"data-channel="shopee""#));
    assert!(!html.contains("chi-lang"), "{html}");
    assert!(
        html.contains("Today&#39;s orders and revenue")
            || html.contains("Today's orders and revenue")
    );
    assert!(html.contains(r#"<td class="num revenue">480.000 ₫</td>"#));
    assert!(
        !html.contains(r#"name="producer""#),
        "no filter for a cooperative"
    );

    let accounts_html = accounts(&c, &seed.store).await.unwrap().into_string();
    assert!(accounts_html.contains("lazada-bao-lam"));
    assert!(!accounts_html.contains("shopee-chi-lang"));

    let products_html = products(&c, &seed.store, StockView::default())
        .await
        .unwrap()
        .into_string();
    assert!(products_html.contains("HONG-KHONGHAT-1KG"));
    assert!(!products_html.contains("NA-CHILANG-1KG"));

    let other = product(&c, &seed.store, "NA-CHILANG").await;
    assert!(matches!(other, Err(PageError::NotFound(..))));
    let own = product(&c, &seed.store, "HONG-KHONGHAT")
        .await
        .unwrap()
        .into_string();
    assert!(own.contains("HONG-KHONGHAT-1KG"));
}

#[tokio::test]
async fn products_highlight_low_and_zero_stock_and_filter_by_cooperative() {
    let seed = seeded().await;
    let mut c = ctx(&seed, Lang::Vi, None, "/products");
    let html = products(&c, &seed.store, StockView::default())
        .await
        .unwrap()
        .into_string();
    // LAP-SUON-1KG has 0 in the catalog; QUYT-BACSON-1KG has 3.
    assert!(
        html.contains(r#"<tr class="zero" data-sku="LAP-SUON-1KG">"#),
        "{html}"
    );
    assert!(html.contains(r#"<tr class="low" data-sku="QUYT-BACSON-1KG">"#));
    assert!(html.contains(r#"<tr class="" data-sku="NA-CHILANG-2KG">"#));
    // NA-CHILANG-1KG: 250 received, 10 sold by S0 (delivered), 2
    // reserved by S1.
    assert!(html.contains("<td class=\"num\" data-label=\"Giá\">85.000 ₫</td><td class=\"num\" data-label=\"Tồn kho\">240</td><td class=\"num\" data-label=\"Đang giữ\">2</td><td class=\"num avail\" data-label=\"Có thể bán\">238</td>"), "{html}");
    assert!(html.contains("Hết hàng"));
    assert!(
        html.contains(r#"name="producer""#),
        "the department gets a filter"
    );

    c.filter = Some("htx-bac-son".into());
    let html = products(&c, &seed.store, StockView::default())
        .await
        .unwrap()
        .into_string();
    assert!(html.contains("QUYT-BACSON-5KG"));
    assert!(!html.contains("NA-CHILANG-1KG"));
    assert!(
        html.contains(r#"<option value="htx-bac-son" selected>"#),
        "{html}"
    );

    c.filter = Some("htx-nowhere".into());
    match products(&c, &seed.store, StockView::default()).await {
        Err(PageError::NotFound(Msg::UnknownCooperative, Some(code))) => {
            assert_eq!(code, "htx-nowhere")
        }
        other => panic!("expected 404, got {:?}", other.map(|m| m.into_string())),
    }
}

/// `skus` SKUs of one producer, four to a product, shaped like the
/// sample catalog's first row.
fn large_catalogue(skus: usize) -> Vec<u8> {
    let template =
        crate::catalog::read_entries(include_bytes!("../../../../data/ocop-catalog.csv"))
            .unwrap()
            .remove(0);
    let entries: Vec<_> = (0..skus)
        .map(|i| crate::catalog::CatalogEntry {
            producer_code: "htx-t".into(),
            producer_name: "HTX t".into(),
            product_code: format!("P-t-{}", i / 4),
            product_name: format!("Đặc sản số {}", i / 4),
            variant_sku: format!("SKU-t-{i}"),
            variant_name: format!("Hộp {i}"),
            ..template.clone()
        })
        .collect();
    let mut csv = Vec::new();
    crate::catalog::file::write_csv(&mut csv, &entries).unwrap();
    csv
}

#[tokio::test]
async fn products_page_through_a_large_catalogue() {
    let seed = seeded().await;
    let csv = large_catalogue(250);
    crate::store::catalog::import::import_bytes(&seed.store, &csv, "big.csv", false, "test")
        .await
        .unwrap();
    let total = seed
        .store
        .stock_summary(None, DEFAULT_LOW_STOCK)
        .await
        .unwrap()
        .skus;
    assert_eq!(total, 277);
    let c = ctx(&seed, Lang::En, None, "/products");
    let html = products(&c, &seed.store, StockView::default())
        .await
        .unwrap()
        .into_string();
    assert_eq!(html.matches("<tr class=").count() as i64, PRODUCTS_PER_PAGE);
    assert!(html.contains("Page 1/3"), "{html}");
    assert!(html.contains(r#"<a rel="next" href="/products?page=2">"#));
    let view = StockView {
        page: 3,
        ..StockView::default()
    };
    let html = products(&c, &seed.store, view).await.unwrap().into_string();
    assert_eq!(
        html.matches("<tr class=").count() as i64,
        total - 2 * PRODUCTS_PER_PAGE
    );
    assert!(html.contains(r#"<a rel="prev" href="/products?page=2">"#));
    // The language switch keeps the page.
    let mut on_page_3 = ctx(&seed, Lang::En, None, "/products");
    on_page_3.keep = vec![("page".into(), "3".into())];
    let html = products(&on_page_3, &seed.store, view)
        .await
        .unwrap()
        .into_string();
    assert!(
        html.contains(r#"href="/products?lang=vi&amp;page=3""#),
        "{html}"
    );
    let view = StockView {
        page: 4,
        ..StockView::default()
    };
    assert!(matches!(
        products(&c, &seed.store, view).await,
        Err(PageError::NotFound(..))
    ));

    // Only what is short, with the bound and filter kept in the links.
    let mut c = ctx(&seed, Lang::En, None, "/products");
    c.filter = Some("htx-mau-son".into());
    let view = StockView {
        only_short: true,
        low: 5,
        page: 1,
    };
    let html = products(&c, &seed.store, view).await.unwrap().into_string();
    assert!(
        html.contains(
            r#"href="/products?producer=htx-mau-son&amp;low=5&amp;show=short" aria-current="page""#
        ),
        "{html}"
    );
    // CHE-MAUSON-100G (3), CHE-MAUSON-250G (0), RUOU-MAUSON-500ML (0).
    assert_eq!(html.matches("<tr class=").count(), 3, "{html}");
    assert!(!html.contains("DAO-MAUSON-1KG"));
}

#[tokio::test]
async fn product_page_shows_locations_and_movements() {
    let seed = seeded().await;
    let c = ctx(&seed, Lang::En, None, "/products/NA-CHILANG");
    let html = product(&c, &seed.store, "NA-CHILANG")
        .await
        .unwrap()
        .into_string();
    assert!(html.contains("Stock by location"));
    assert!(html.contains("NA-CHILANG-1KG"));
    assert!(html.contains("Receipt"), "{html}");
    let vi = ctx(&seed, Lang::Vi, None, "/products/NA-CHILANG");
    let page = product(&vi, &seed.store, "NA-CHILANG")
        .await
        .unwrap()
        .into_string();
    assert!(page.contains("Nhập kho"), "{page}");
    assert!(page.contains("Kho chính"), "{page}");
    assert!(
        !page.contains(">receipt<") && !page.contains(">main<"),
        "{page}"
    );
    assert!(html.contains("4 stars"));
    assert!(
        !html.contains("Stock by lot"),
        "no lots kept, no lot table: {html}"
    );
    assert!(matches!(
        product(&c, &seed.store, "NO-SUCH").await,
        Err(PageError::NotFound(Msg::NotFoundProduct, _))
    ));
}

#[tokio::test]
async fn product_page_lists_lots_earliest_best_before_first() {
    let seed = seeded().await;
    let today = chrono::Utc::now().with_timezone(&seed.tz).date_naive();
    for (code, best_before) in [("NA-LATE", 20), ("NA-SOON", 1)] {
        let opts = crate::inventory::MoveOptions {
            reason: "thu hoạch",
            location: None,
            reference: None,
            actor: "test",
            lot: Some(crate::store::lots::LotSpec {
                code,
                harvested: Some(today),
                best_before: Some(today + chrono::Days::new(best_before)),
            }),
        };
        crate::inventory::add(&seed.store, "NA-CHILANG-1KG", 5, &opts)
            .await
            .unwrap();
    }
    let c = ctx(&seed, Lang::En, None, "/products/NA-CHILANG");
    let html = product(&c, &seed.store, "NA-CHILANG")
        .await
        .unwrap()
        .into_string();
    assert!(html.contains("Stock by lot"), "{html}");
    let soon = html.find(r#"data-lot="NA-SOON""#).expect("NA-SOON listed");
    let late = html.find(r#"data-lot="NA-LATE""#).expect("NA-LATE listed");
    assert!(soon < late, "earliest best-before first");
    assert!(
        html.contains(r#"<tr data-lot="NA-SOON" class="warn">"#),
        "a lot expiring within two days is marked: {html}"
    );
    assert!(html.contains("Not in a lot"), "the opening stock: {html}");
}

#[tokio::test]
async fn accounts_show_queue_and_state() {
    let seed = seeded().await;
    seed.store
        .set_account_state(
            "lazada-bao-lam",
            AccountState::NeedsReauth,
            Some("token revoked by seller"),
        )
        .await
        .unwrap();
    let c = ctx(&seed, Lang::En, None, "/accounts");
    let html = accounts(&c, &seed.store).await.unwrap().into_string();
    assert!(
        html.contains(r#"<tr class="zero" data-account="lazada-bao-lam">"#),
        "{html}"
    );
    assert!(html.contains("Needs re-authorisation"));
    assert!(html.contains("token revoked by seller"));
    assert!(html.contains("shopee-chi-lang"));
    let over = overview(&c, &seed.store).await.unwrap().into_string();
    assert!(over.contains("1 account(s) need attention"), "{over}");
}

#[tokio::test]
async fn certificates_split_expired_and_expiring() {
    let seed = seeded().await;
    let mut c = ctx(&seed, Lang::Vi, None, "/certificates");
    // Judge the sample catalog from a fixed day: NA-SAY expires on
    // 2026-06-30.
    c.now = Utc.with_ymd_and_hms(2026, 6, 1, 3, 0, 0).unwrap();
    let html = certificates(&c, &seed.store).await.unwrap().into_string();
    assert!(html.contains(r#"<tr data-product="NA-SAY">"#), "{html}");
    assert!(html.contains("29 ngày còn lại"));
    c.now = Utc.with_ymd_and_hms(2026, 7, 3, 3, 0, 0).unwrap();
    let html = certificates(&c, &seed.store).await.unwrap().into_string();
    assert!(html.contains("id=\"expired\""));
    assert!(html.contains("3 ngày trước"), "{html}");
}

#[tokio::test]
async fn drift_shows_the_last_reconciliation_per_account() {
    let seed = seeded().await;
    let ids: HashMap<String, i64> = seed
        .store
        .accounts(None)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.name, a.id))
        .collect();
    let run = seed
        .store
        .begin_reconcile_run(ids["shopee-chi-lang"], false)
        .await
        .unwrap();
    let item = crate::store::reconcile::ReconcileItem {
        id: 0,
        run_id: 0,
        kind: "stock".into(),
        sku: Some("NA-CHILANG-1KG".into()),
        remote_item_id: Some("1001".into()),
        remote_variant_id: None,
        field: Some("stock".into()),
        kho_value: Some("238".into()),
        pushed_value: Some("238".into()),
        remote_value: Some("230".into()),
        cause: "edited_on_marketplace".into(),
        detail: None,
    };
    seed.store
        .finish_reconcile_run(run, &[item], None)
        .await
        .unwrap();
    let run = seed
        .store
        .begin_reconcile_run(ids["lazada-bao-lam"], false)
        .await
        .unwrap();
    seed.store
        .finish_reconcile_run(run, &[], None)
        .await
        .unwrap();

    let c = ctx(&seed, Lang::En, None, "/drift");
    let html = drift(&c, &seed.store).await.unwrap().into_string();
    assert!(
        html.contains(r#"<tr class="low" data-account="shopee-chi-lang">"#),
        "{html}"
    );
    assert!(html.contains("Stock 1"), "{html}");
    assert!(html.contains("Edited on the marketplace"));
    assert!(html.contains(r#"<td class="num">230</td>"#));
    // In Vietnamese no stored code shows through.
    let vi = ctx(&seed, Lang::Vi, None, "/drift");
    let page = drift(&vi, &seed.store).await.unwrap().into_string();
    assert!(page.contains("Bị sửa trực tiếp trên sàn"), "{page}");
    assert!(page.contains("Tồn kho 1"), "{page}");
    assert!(!page.contains("edited_on_marketplace"), "{page}");
    assert!(page.contains("Asia/Ho_Chi_Minh"));
    assert!(html.contains("Clean"));
    // The TikTok shop never ran one.
    assert!(html.contains("Never reconciled"));

    let coop = ctx(&seed, Lang::En, Some("htx-bao-lam"), "/drift");
    let html = drift(&coop, &seed.store).await.unwrap().into_string();
    assert!(!html.contains("shopee-chi-lang"));
    assert!(html.contains("lazada-bao-lam"));
}

#[test]
fn error_pages_show_no_internals() {
    let err = PageError::Store(StoreError::Corrupt(
        "secret detail at src/store.rs:12".into(),
    ));
    let (status, html) = error_page(None, Lang::En, &err);
    assert_eq!(status, 500);
    let html = html.into_string();
    assert!(!html.contains("secret detail"));
    assert!(html.contains("Something went wrong"));
    assert!(html.contains("Reference"));
    let (status, html) = error_page(
        None,
        Lang::Vi,
        &PageError::Bug("index out of bounds".into()),
    );
    assert_eq!(status, 500);
    assert!(!html.into_string().contains("index out of bounds"));
}
