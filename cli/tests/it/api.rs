//! The admin API end to end: tokens and roles (invariant 7 of docs/src/design/architecture.md), every
//! endpoint for every role, import through the API, and the OpenAPI
//! document against the router.

use kho::auth::Role;

use crate::both_backends;
use crate::support::{ok, sample_catalog, spawn_app, stderr};

both_backends!(token_cli_create_list_revoke, |db| {
    ok(&db.kho(&["import", sample_catalog().to_str().expect("path")]));

    let admin = ok(&db.kho(&["token", "create", "--role", "admin", "--name", "ops"]));
    let admin = admin.trim();
    assert!(admin.starts_with("kho_"), "token printed: {admin}");

    // A cooperative token needs an existing producer; other roles refuse one.
    let o = db.kho(&["token", "create", "--role", "cooperative"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--producer"), "{}", stderr(&o));
    let o = db.kho(&[
        "token",
        "create",
        "--role",
        "cooperative",
        "--producer",
        "htx-nowhere",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("htx-nowhere"), "{}", stderr(&o));
    let o = db.kho(&[
        "token",
        "create",
        "--role",
        "department",
        "--producer",
        "htx-chi-lang",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = db.kho(&["token", "create", "--role", "root"]);
    assert_eq!(o.status.code(), Some(2));

    let coop = ok(&db.kho(&[
        "--json",
        "token",
        "create",
        "--role",
        "cooperative",
        "--producer",
        "htx-chi-lang",
    ]));
    let coop: serde_json::Value = serde_json::from_str(&coop).expect("json");
    let coop_secret = coop["token"].as_str().expect("token").to_owned();
    assert_eq!(coop["role"], "cooperative");
    assert_eq!(coop["producer"], "htx-chi-lang");

    let store = db.store().await;
    let p = store
        .authenticate_token(admin)
        .await
        .expect("auth")
        .expect("admin token works");
    assert_eq!(
        (p.role, p.name.as_str(), p.producer),
        (Role::Admin, "ops", None)
    );
    let p = store
        .authenticate_token(&coop_secret)
        .await
        .expect("auth")
        .expect("cooperative token works");
    assert_eq!(p.producer.as_deref(), Some("htx-chi-lang"));
    assert!(
        store
            .authenticate_token("kho_nope")
            .await
            .expect("auth")
            .is_none()
    );

    // Use is recorded in the background, without holding the request.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while store.list_tokens().await.expect("list")[0]
        .last_used_at
        .is_none()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "last use never recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // Only a hash is stored: the secret appears nowhere in the database.
    let listed = ok(&db.kho(&["--json", "token", "list"]));
    assert!(!listed.contains(admin) && !listed.contains(&coop_secret));
    let listed: Vec<serde_json::Value> = serde_json::from_str(&listed).expect("json");
    assert_eq!(listed.len(), 2);
    assert!(
        listed[0]["last_used_at"].is_string(),
        "use is recorded: {listed:?}"
    );
    assert!(listed[1]["revoked_at"].is_null());

    let id = p.token_id.to_string();
    ok(&db.kho(&["token", "revoke", &id]));
    assert!(
        store
            .authenticate_token(&coop_secret)
            .await
            .expect("auth")
            .is_none(),
        "a revoked token no longer authenticates"
    );
    let o = db.kho(&["token", "revoke", &id]);
    assert_eq!(o.status.code(), Some(2), "revoking twice is an error");
    let listed = ok(&db.kho(&["token", "list"]));
    assert!(
        listed.contains("htx-chi-lang") && listed.contains("ops"),
        "{listed}"
    );
    store.close().await;
});

// ---------------------------------------------------------------------------
// The API over HTTP: the real router on a loopback port.

use std::collections::BTreeSet;

use kho::store::listings::LinkRow;
use kho::store::orders::{IngestLine, IngestOrder};
use kho::store::reconcile::ReconcileItem;
use kho::store::{Pool, Store};
use kho_channel::OrderStatus;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const OWN: &str = "htx-chi-lang";
const OTHER: &str = "htx-mau-son";
const OWN_SKU: &str = "NA-CHILANG-1KG";
const OWN_PRODUCT: &str = "NA-CHILANG";

/// Runs one statement on either backend (test fixtures the CLI cannot make).
macro_rules! sql {
    ($store:expr, $q:literal $(, $bind:expr)*) => {
        match $store.pool() {
            Pool::Sqlite(p) => { sqlx::query($q)$(.bind($bind))*.execute(p).await.expect($q); }
            Pool::Postgres(p) => { sqlx::query($q)$(.bind($bind))*.execute(p).await.expect($q); }
        }
    };
}

async fn add_account(store: &Store, name: &str, producer: &str) -> i64 {
    sql!(
        store,
        "INSERT INTO channel_accounts (name, channel, producer_id, created_at, updated_at) \
         VALUES ($1, 'shopee', (SELECT id FROM producers WHERE code = $2), $3, $3)",
        name,
        producer,
        kho::store::now()
    );
    store.accounts(Some(name)).await.expect("accounts")[0].id
}

/// Two producers' worth of everything: accounts, a linked listing with a
/// dead job, and an order each.
async fn world(db: &crate::support::TestDb) -> Store {
    ok(&db.kho(&["import", sample_catalog().to_str().expect("path")]));
    let store = db.store().await;
    for (account, producer) in [("shopee-own", OWN), ("shopee-other", OTHER)] {
        let id = add_account(&store, account, producer).await;
        let (variant_id, sku) = store.producer_skus(producer).await.expect("skus")[0].clone();
        store
            .link_listings(
                id,
                &[LinkRow {
                    variant_id,
                    remote_item_id: format!("item-{account}"),
                    remote_variant_id: String::new(),
                    seller_sku: sku.clone(),
                    stock: 1,
                    price_vnd: 1,
                    status: "NORMAL".into(),
                }],
            )
            .await
            .expect("link");
        sql!(
            store,
            "UPDATE sync_jobs SET state = 'dead', last_error = 'price rejected' WHERE account_id = $1",
            id
        );
        let run = store.begin_reconcile_run(id, false).await.expect("run");
        store
            .finish_reconcile_run(
                run,
                &[ReconcileItem {
                    id: 0,
                    run_id: 0,
                    kind: "stock_drift".into(),
                    sku: Some(sku.clone()),
                    remote_item_id: Some(format!("item-{account}")),
                    remote_variant_id: None,
                    field: Some("stock".into()),
                    kho_value: Some("250".into()),
                    pushed_value: Some("250".into()),
                    remote_value: Some("3".into()),
                    cause: "changed on the marketplace".into(),
                    detail: None,
                }],
                None,
            )
            .await
            .expect("finish run");
        store
            .ingest_order(
                id,
                &IngestOrder {
                    remote_order_id: format!("order-{account}"),
                    status: OrderStatus::Ready,
                    raw_status: "READY_TO_SHIP".into(),
                    ordered_at: chrono::Utc::now(),
                    remote_updated_at: None,
                    lines: vec![IngestLine {
                        key: "1".into(),
                        seller_sku: sku,
                        quantity: 1,
                        unit_price_vnd: 50_000,
                    }],
                },
                true,
                "test",
            )
            .await
            .expect("ingest");
    }
    store
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Nobody,
    Revoked,
    Admin,
    Department,
    Coop,
}

/// One endpoint of the table: how to call it on an object the
/// cooperative owns, and (where the endpoint names an object) on one it
/// does not.
struct Endpoint {
    method: Method,
    /// As the OpenAPI document writes it.
    template: &'static str,
    own: String,
    other: Option<String>,
    /// A JSON body, or a CSV upload; `{who}` is replaced per caller so
    /// creations do not collide.
    body: Option<Body>,
    /// Refused to cooperatives too (403).
    admin_only: bool,
    /// A write the department may make (and a cooperative may not).
    department_writes: bool,
}

#[derive(Clone)]
enum Body {
    Json(Value),
    Csv(String),
}

fn ep(method: Method, template: &'static str, own: &str, other: Option<&str>) -> Endpoint {
    Endpoint {
        method,
        template,
        own: own.to_owned(),
        other: other.map(str::to_owned),
        body: None,
        admin_only: false,
        department_writes: false,
    }
}

impl Endpoint {
    fn json(mut self, v: Value) -> Self {
        self.body = Some(Body::Json(v));
        self
    }
    fn csv(mut self, v: String) -> Self {
        self.body = Some(Body::Csv(v));
        self
    }
    fn admin_only(mut self) -> Self {
        self.admin_only = true;
        self
    }
    fn department_writes(mut self) -> Self {
        self.department_writes = true;
        self
    }
}

/// The catalog rows of one producer, as a file to upload.
fn producer_csv(producer: &str) -> String {
    let text = std::fs::read_to_string(sample_catalog()).expect("catalog");
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().expect("header"));
    for l in lines.filter(|l| l.starts_with(&format!("{producer},"))) {
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn endpoints() -> Vec<Endpoint> {
    use Method as M;
    vec![
        ep(M::GET, "/producers", "/producers", None),
        ep(M::POST, "/producers", "/producers", None)
            .json(json!({ "code": "new-{who}", "name": "HTX mới" }))
            .admin_only(),
        ep(M::GET, "/producers/{code}", &format!("/producers/{OWN}"), Some(&format!("/producers/{OTHER}"))),
        ep(M::PATCH, "/producers/{code}", &format!("/producers/{OWN}"), Some(&format!("/producers/{OTHER}")))
            .json(json!({ "district": "Chi Lăng, Lạng Sơn" })),
        ep(M::GET, "/products", &format!("/products?producer={OWN}"), Some(&format!("/products?producer={OTHER}"))),
        ep(M::POST, "/products", "/products", None).json(json!({
            "producer": "{producer}", "code": "API-{who}", "name": "Mật ong",
            "variants": [{ "sku": "API-{who}-500", "name": "Chai 500ml", "price_vnd": 120000, "weight_g": 700, "stock": 5 }]
        })),
        ep(M::GET, "/products/{code}", &format!("/products/{OWN_PRODUCT}"), Some("/products/{other_product}")),
        ep(M::PATCH, "/products/{code}", &format!("/products/{OWN_PRODUCT}"), Some("/products/{other_product}"))
            .json(json!({ "description": "Na dai, chỉ dẫn địa lý." })),
        ep(M::DELETE, "/products/{code}", "/products/API-{who}", Some("/products/{other_product}")),
        ep(M::POST, "/products/{code}/variants", &format!("/products/{OWN_PRODUCT}/variants"), Some("/products/{other_product}/variants"))
            .json(json!({ "sku": "NA-{who}-3KG", "name": "Hộp 3kg", "price_vnd": 240000, "weight_g": 3200 })),
        ep(M::GET, "/variants/{sku}", &format!("/variants/{OWN_SKU}"), Some("/variants/{other_sku}")),
        ep(M::PATCH, "/variants/{sku}", &format!("/variants/{OWN_SKU}"), Some("/variants/{other_sku}"))
            .json(json!({ "price_vnd": 86000 })),
        ep(M::DELETE, "/variants/{sku}", "/variants/NA-{who}-3KG", Some("/variants/{other_sku}")),
        ep(M::GET, "/stock/{sku}", &format!("/stock/{OWN_SKU}"), Some("/stock/{other_sku}")),
        ep(M::PUT, "/stock/{sku}", &format!("/stock/{OWN_SKU}"), Some("/stock/{other_sku}"))
            .json(json!({ "quantity": 300, "reason": "kiểm kho" })),
        ep(M::POST, "/stock/{sku}/adjustments", &format!("/stock/{OWN_SKU}/adjustments"), Some("/stock/{other_sku}/adjustments"))
            .json(json!({ "delta": 2, "reason": "nhập thêm" })),
        ep(M::GET, "/stock/{sku}/history", &format!("/stock/{OWN_SKU}/history"), Some("/stock/{other_sku}/history")),
        ep(M::POST, "/catalog/import", "/catalog/import?dry_run=true", None).csv(producer_csv(OWN)),
        ep(M::GET, "/certificates", "/certificates?within_days=3650", None),
        ep(M::GET, "/accounts", "/accounts", None),
        ep(M::GET, "/accounts/{name}", "/accounts/shopee-own", Some("/accounts/shopee-other")),
        ep(M::GET, "/accounts/{name}/listings", "/accounts/shopee-own/listings", Some("/accounts/shopee-other/listings")),
        ep(M::GET, "/sync/jobs", "/sync/jobs", None),
        ep(M::GET, "/sync/dead-letters", "/sync/dead-letters", Some("/sync/dead-letters?account=shopee-other")),
        ep(M::POST, "/accounts/{name}/connect", "/accounts/shopee-own/connect", Some("/accounts/shopee-other/connect")),
        ep(M::POST, "/sync/dead-letters/retry", "/sync/dead-letters/retry", None)
            .json(json!({ "account": "shopee-own" })),
        ep(M::GET, "/orders", "/orders?account=shopee-own", Some("/orders?account=shopee-other")),
        ep(M::GET, "/reports/sales", "/reports/sales?by=producer", None),
        ep(M::GET, "/attention", "/attention", None),
        ep(M::POST, "/ocop/register", "/ocop/register?dry_run=true", None)
            .csv("Tên sản phẩm,Chủ thể,Số sao,Số giấy chứng nhận,Ngày hết hạn\nNa dai,HTX,4,C-1,31/12/2030\n".into())
            .department_writes(),
        ep(M::GET, "/ocop/compare", "/ocop/compare", None),
        ep(M::GET, "/ocop/sales", "/ocop/sales?month=2026-11", None),
        ep(M::GET, "/reconciliation/runs", "/reconciliation/runs", Some("/reconciliation/runs?account=shopee-other")),
        ep(M::GET, "/reconciliation/runs/{id}", "/reconciliation/runs/{own_run}", Some("/reconciliation/runs/{other_run}")),
        ep(M::GET, "/tokens", "/tokens", None),
        ep(M::DELETE, "/tokens/{id}", "/tokens/{spare_token}", None).admin_only(),
        ep(M::POST, "/login-links", "/login-links", None)
            .json(json!({ "role": "department", "name": "Nguyễn {who}" }))
            .admin_only(),
    ]
}

struct Client {
    http: reqwest::Client,
    base: String,
    other_product: String,
    other_sku: String,
    own_run: i64,
    other_run: i64,
    spare_token: i64,
}

impl Client {
    async fn call(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<&Body>,
        tag: &str,
        producer: &str,
    ) -> (StatusCode, Value) {
        let fill = |s: &str| {
            s.replace("{who}", tag)
                .replace("{producer}", producer)
                .replace("{other_product}", &self.other_product)
                .replace("{other_sku}", &self.other_sku)
                .replace("{own_run}", &self.own_run.to_string())
                .replace("{other_run}", &self.other_run.to_string())
                .replace("{spare_token}", &self.spare_token.to_string())
        };
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, fill(path)));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req = match body {
            Some(Body::Json(v)) => req
                .header("content-type", "application/json")
                .body(fill(&v.to_string())),
            Some(Body::Csv(s)) => req.header("content-type", "text/csv").body(s.clone()),
            None => req,
        };
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let www = resp.headers().get("www-authenticate").cloned();
        let text = resp.text().await.expect("body");
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
        if status == StatusCode::UNAUTHORIZED {
            assert!(
                www.is_some_and(|h| h.to_str().is_ok_and(|h| h.starts_with("Bearer"))),
                "401 without WWW-Authenticate: Bearer"
            );
        }
        if !status.is_success() {
            assert!(
                v["error"].is_string() && v["message"].is_string(),
                "error shape: {v}"
            );
        }
        (status, v)
    }
}

async fn token(store: &Store, role: Role, producer: Option<&str>) -> String {
    store
        .create_token("test", role, producer)
        .await
        .expect("token")
        .1
}

both_backends!(every_endpoint_for_every_role, |db| {
    let store = world(&db).await;
    let base = spawn_app(&store).await;
    let admin = token(&store, Role::Admin, None).await;
    let dept = token(&store, Role::Department, None).await;
    let coop = token(&store, Role::Cooperative, Some(OWN)).await;
    let revoked = token(&store, Role::Admin, None).await;
    let revoked_id = store
        .authenticate_token(&revoked)
        .await
        .expect("auth")
        .expect("live")
        .token_id;
    assert!(store.revoke_token(revoked_id).await.expect("revoke"));

    let spare = token(&store, Role::Department, None).await;
    let spare_token = store
        .authenticate_token(&spare)
        .await
        .expect("auth")
        .expect("live")
        .token_id;
    let other_entries = store.catalog_entries(Some(OTHER)).await.expect("entries");
    let run_of = |account: &'static str| {
        let store = store.clone();
        async move { store.reconcile_runs(Some(account), 1).await.expect("runs")[0].id }
    };
    let client = Client {
        http: reqwest::Client::new(),
        base,
        other_product: other_entries[0].product_code.clone(),
        other_sku: other_entries[0].variant_sku.clone(),
        own_run: run_of("shopee-own").await,
        other_run: run_of("shopee-other").await,
        spare_token,
    };

    let table = endpoints();
    for e in &table {
        let read = e.method == Method::GET;
        for who in [
            Who::Nobody,
            Who::Revoked,
            Who::Department,
            Who::Admin,
            Who::Coop,
        ] {
            let (token, tag) = match who {
                Who::Nobody => (None, "nobody"),
                Who::Revoked => (Some(revoked.as_str()), "revoked"),
                Who::Admin => (Some(admin.as_str()), "admin"),
                Who::Department => (Some(dept.as_str()), "dept"),
                Who::Coop => (Some(coop.as_str()), "coop"),
            };
            let (status, body) = client
                .call(token, e.method.clone(), &e.own, e.body.as_ref(), tag, OWN)
                .await;
            let expected = match who {
                Who::Nobody | Who::Revoked => Some(StatusCode::UNAUTHORIZED),
                Who::Department if !read && !e.department_writes => Some(StatusCode::FORBIDDEN),
                Who::Coop if e.admin_only || e.department_writes => Some(StatusCode::FORBIDDEN),
                _ => None,
            };
            match expected {
                Some(s) => assert_eq!(status, s, "{who:?} {} {}: {body}", e.method, e.own),
                None => assert!(
                    status.is_success(),
                    "{who:?} {} {} should be allowed: {status} {body}",
                    e.method,
                    e.own
                ),
            }
            // Another producer's object: 404 for the cooperative (as if it
            // did not exist), allowed for admin, 403 for department writes.
            if let Some(other) = &e.other {
                let (status, body) = client
                    .call(
                        token,
                        e.method.clone(),
                        other,
                        e.body.as_ref(),
                        &format!("{tag}x"),
                        OTHER,
                    )
                    .await;
                let expected = match who {
                    Who::Nobody | Who::Revoked => Some(StatusCode::UNAUTHORIZED),
                    Who::Department if !read => Some(StatusCode::FORBIDDEN),
                    Who::Coop => Some(StatusCode::NOT_FOUND),
                    _ => None,
                };
                match expected {
                    Some(s) => assert_eq!(status, s, "{who:?} {} {other}: {body}", e.method),
                    None => assert!(
                        // Admin deleting what another row already deleted
                        // is still allowed; only the status class matters.
                        status.is_success(),
                        "{who:?} {} {other} should be allowed: {status} {body}",
                        e.method
                    ),
                }
            }
        }
    }

    // Creations naming another producer in the body are 404 too.
    let (status, _) = client
        .call(
            Some(&coop),
            Method::POST,
            "/products",
            table
                .iter()
                .find(|e| e.template == "/products" && e.method == Method::POST)
                .and_then(|e| e.body.as_ref()),
            "coopy",
            OTHER,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let retry_other = Body::Json(json!({ "account": "shopee-other" }));
    let (status, _) = client
        .call(
            Some(&coop),
            Method::POST,
            "/sync/dead-letters/retry",
            Some(&retry_other),
            "c",
            OWN,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Lists are narrowed for the cooperative, complete for the others.
    let (_, v) = client
        .call(
            Some(&coop),
            Method::GET,
            "/products?limit=500",
            None,
            "c",
            OWN,
        )
        .await;
    assert!(
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|p| p["producer"] == OWN),
        "{v}"
    );
    let (_, v) = client
        .call(
            Some(&dept),
            Method::GET,
            "/products?limit=500",
            None,
            "d",
            OWN,
        )
        .await;
    let producers: BTreeSet<&str> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["producer"].as_str())
        .collect();
    assert!(
        producers.contains(OWN) && producers.contains(OTHER),
        "{producers:?}"
    );
    let (_, v) = client
        .call(Some(&coop), Method::GET, "/orders", None, "c", OWN)
        .await;
    let accounts: Vec<&str> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|o| o["account"].as_str())
        .collect();
    assert_eq!(accounts, ["shopee-own"]);
    let (_, v) = client
        .call(Some(&dept), Method::GET, "/orders", None, "d", OWN)
        .await;
    assert_eq!(v["items"].as_array().expect("items").len(), 2);
    let (_, v) = client
        .call(
            Some(&coop),
            Method::GET,
            "/reports/sales?by=producer",
            None,
            "c",
            OWN,
        )
        .await;
    let keys: Vec<&str> = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["key"].as_str())
        .collect();
    assert_eq!(keys, [OWN], "{v}");
    let (_, v) = client
        .call(Some(&coop), Method::GET, "/accounts", None, "c", OWN)
        .await;
    assert_eq!(v["items"].as_array().expect("items").len(), 1, "{v}");
    let (_, v) = client
        .call(
            Some(&admin),
            Method::GET,
            "/sync/dead-letters",
            None,
            "a",
            OWN,
        )
        .await;
    assert!(
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|d| d["account"] == "shopee-other"),
        "own dead letters were retried: {v}"
    );

    let (_, v) = client
        .call(
            Some(&coop),
            Method::GET,
            "/reconciliation/runs",
            None,
            "c",
            OWN,
        )
        .await;
    let runs: Vec<&str> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["account"].as_str())
        .collect();
    assert_eq!(runs, ["shopee-own"], "{v}");
    let (_, v) = client
        .call(
            Some(&dept),
            Method::GET,
            "/reconciliation/runs?latest=true",
            None,
            "d",
            OWN,
        )
        .await;
    assert_eq!(v["items"].as_array().expect("items").len(), 2, "{v}");
    let (_, v) = client
        .call(
            Some(&coop),
            Method::GET,
            &format!("/reconciliation/runs/{}", client.own_run),
            None,
            "c",
            OWN,
        )
        .await;
    assert_eq!(v["run"]["outcome"], "drift", "{v}");
    assert_eq!(v["items"][0]["remote_value"], 3, "{v}");
    assert!(
        store
            .authenticate_token(&spare)
            .await
            .expect("auth")
            .is_none(),
        "revoked through the API"
    );

    // Writes landed where they should: the department's did not.
    let (_, v) = client
        .call(
            Some(&admin),
            Method::GET,
            &format!("/variants/{OWN_SKU}"),
            None,
            "a",
            OWN,
        )
        .await;
    assert_eq!(v["price_vnd"], 86000);
    let (_, v) = client
        .call(
            Some(&admin),
            Method::GET,
            &format!("/stock/{OWN_SKU}/history?limit=2"),
            None,
            "a",
            OWN,
        )
        .await;
    assert_eq!(v["items"].as_array().expect("items").len(), 2);
    assert!(v["next"].is_string(), "a second page exists: {v}");
    assert!(
        v["items"][0]["actor"]
            .as_str()
            .is_some_and(|a| a.starts_with("api:")),
        "{v}"
    );
    assert!(
        store
            .variant_entries(None, Some("API-dept-500"))
            .await
            .expect("entries")
            .is_empty()
    );
    assert!(
        store
            .producer("new-dept")
            .await
            .expect("producer")
            .is_none()
    );
    assert!(
        store
            .producer("new-admin")
            .await
            .expect("producer")
            .is_some()
    );

    // The OpenAPI document and this table cover the same routes.
    let (status, doc) = client
        .call(None, Method::GET, "/openapi.json", None, "", OWN)
        .await;
    assert_eq!(status, StatusCode::OK);
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    let tested: BTreeSet<String> = table
        .iter()
        .map(|e| format!("{} {}", e.method, e.template))
        .collect();
    assert_eq!(
        documented, tested,
        "the OpenAPI document and the served routes differ"
    );
    assert!(
        doc["components"]["securitySchemes"]["token"].is_object(),
        "bearer scheme documented"
    );
    store.close().await;
});

both_backends!(
    import_through_the_api_rejects_a_bad_file_and_changes_nothing,
    |db| {
        let store = world(&db).await;
        let base = spawn_app(&store).await;
        let admin = token(&store, Role::Admin, None).await;
        let coop = token(&store, Role::Cooperative, Some(OWN)).await;
        let before = store.catalog_entries(None).await.expect("entries");
        let http = reqwest::Client::new();

        // Line 2 fine but changed, line 3 with a bad price, line 4 with a bad
        // star rating: nothing of it may land.
        let good = producer_csv(OWN);
        let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
        lines[1] = lines[1].replace(",85000,", ",99000,");
        lines[2] = lines[2].replace(",165000,", ",12.5k,");
        let mut cells: Vec<String> = lines[3].split(',').map(str::to_owned).collect();
        cells[10] = "7".into();
        lines[3] = cells.join(",");
        let bad = lines.join("\n") + "\n";
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&admin)
            .header("content-type", "text/csv")
            .body(bad.clone())
            .send()
            .await
            .expect("import");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = resp.json().await.expect("json");
        assert_eq!(v["error"], "invalid");
        let details = v["details"].as_array().expect("details");
        let at: BTreeSet<(u64, &str)> = details
            .iter()
            .filter_map(|d| Some((d["line"].as_u64()?, d["column"].as_str()?)))
            .collect();
        assert!(at.contains(&(3, "price_vnd")), "{v}");
        assert!(at.contains(&(4, "ocop_stars")), "{v}");
        assert!(details.iter().all(|d| d["message"].is_string()), "{v}");
        assert_eq!(
            store.catalog_entries(None).await.expect("entries"),
            before,
            "a rejected file changes nothing"
        );

        // A cooperative may not import another producer's rows.
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&coop)
            .body(producer_csv(OTHER))
            .send()
            .await
            .expect("import");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = resp.json().await.expect("json");
        assert!(v["details"][0]["column"] == "producer_code", "{v}");
        assert_eq!(store.catalog_entries(None).await.expect("entries"), before);

        // A product code of another producer is refused without naming it.
        let other_product = store.catalog_entries(Some(OTHER)).await.expect("entries")[0]
            .product_code
            .clone();
        let taken = format!(
            "{}\n{}\n",
            lines[0],
            good.lines()
                .nth(1)
                .expect("row")
                .replace(OWN_PRODUCT, &other_product)
        );
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&coop)
            .body(taken)
            .send()
            .await
            .expect("import");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = resp.text().await.expect("text");
        assert!(!text.contains(OTHER), "{text}");
        assert!(
            text.contains("this product code belongs to another producer"),
            "{text}"
        );
        assert_eq!(store.catalog_entries(None).await.expect("entries"), before);

        // Garbage and empty bodies are refused too; a good file applies.
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&admin)
            .body(vec![0u8, 159, 146, 150])
            .send()
            .await
            .expect("import");
        assert!(resp.status().is_client_error(), "{}", resp.status());
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("import");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(store.catalog_entries(None).await.expect("entries"), before);
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&coop)
            .body(lines[0].clone() + "\n" + &lines[1] + "\n")
            .send()
            .await
            .expect("import");
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.expect("json");
        assert_eq!(v["updated_variants"], 1, "{v}");
        let e = store
            .variant_entries(None, Some(OWN_SKU))
            .await
            .expect("entries");
        assert_eq!(e[0].price_vnd, 99000);

        // XLSX uploads take the same path.
        let mut entries = store.catalog_entries(Some(OWN)).await.expect("entries");
        entries[0].price_vnd = 101_000;
        let xlsx = kho::catalog::file::write_xlsx(&entries).expect("xlsx");
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&coop)
            .header(
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            .body(xlsx)
            .send()
            .await
            .expect("import");
        assert_eq!(resp.status(), StatusCode::OK);
        let e = store
            .variant_entries(None, Some(&entries[0].variant_sku))
            .await
            .expect("entries");
        assert_eq!(e[0].price_vnd, 101_000);

        // So do forms (`curl -F file=@catalog.xlsx`), CSV or XLSX, whatever
        // else the form carries; the file's name is kept as provenance.
        entries[0].price_vnd = 102_000;
        entries[0].stock += 7;
        let xlsx = kho::catalog::file::write_xlsx(&entries).expect("xlsx");
        let form = reqwest::multipart::Form::new()
            .text("note", "tháng 11")
            .part(
                "file",
                reqwest::multipart::Part::bytes(xlsx).file_name("gia-thang-11.xlsx"),
            );
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&coop)
            .multipart(form)
            .send()
            .await
            .expect("import");
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "{}",
            resp.text().await.unwrap_or_default()
        );
        let e = store
            .variant_entries(None, Some(&entries[0].variant_sku))
            .await
            .expect("entries");
        assert_eq!(e[0].price_vnd, 102_000);
        let variant = store
            .find_sku(&entries[0].variant_sku)
            .await
            .expect("sku")
            .expect("known");
        let history = store
            .stock_history(variant.variant_id, 1)
            .await
            .expect("history");
        assert_eq!(
            history[0].reference.as_deref(),
            Some("import:gia-thang-11.xlsx"),
            "{history:?}"
        );
        let csv_line = lines[1].replace(",99000,", ",98000,");
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(
                (lines[0].clone() + "\n" + &csv_line + "\n").into_bytes(),
            )
            .file_name("gia.csv")
            .mime_str("text/csv")
            .expect("mime"),
        );
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&coop)
            .multipart(form)
            .send()
            .await
            .expect("import");
        assert_eq!(resp.status(), StatusCode::OK);
        let e = store
            .variant_entries(None, Some(OWN_SKU))
            .await
            .expect("entries");
        assert_eq!(e[0].price_vnd, 98000);

        // A form without a file, a malformed form, a bad file in a form:
        // refused, nothing changed.
        let before = store.catalog_entries(None).await.expect("entries");
        let form = reqwest::multipart::Form::new().text("catalog", "gia.csv");
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&admin)
            .multipart(form)
            .send()
            .await
            .expect("import");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let v: Value = resp.json().await.expect("json");
        assert!(
            v["message"]
                .as_str()
                .unwrap_or_default()
                .contains("\"file\""),
            "{v}"
        );
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&admin)
            .header("content-type", "multipart/form-data; boundary=XYZ")
            .body("--XYZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nprod")
            .send()
            .await
            .expect("import");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let v: Value = resp.json().await.expect("json");
        assert_eq!(v["error"], "bad_request", "{v}");
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bad.clone().into_bytes()).file_name("bad.csv"),
        );
        let resp = http
            .post(format!("{base}/catalog/import"))
            .bearer_auth(&admin)
            .multipart(form)
            .send()
            .await
            .expect("import");
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(store.catalog_entries(None).await.expect("entries"), before);
        store.close().await;
    }
);

both_backends!(api_errors_limits_and_validation, |db| {
    let store = world(&db).await;
    let base = spawn_app(&store).await;
    let admin = token(&store, Role::Admin, None).await;
    let http = reqwest::Client::new();

    // Malformed JSON, wrong fields, wrong values: 4xx in the API's shape.
    for (body, status) in [
        ("{", StatusCode::BAD_REQUEST),
        (
            r#"{"price_vnd": "cheap"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (r#"{"colour": "red"}"#, StatusCode::UNPROCESSABLE_ENTITY),
        (r#"{"price_vnd": -5}"#, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let resp = http
            .patch(format!("{base}/variants/{OWN_SKU}"))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("patch");
        assert_eq!(resp.status(), status, "{body}");
        let v: Value = resp.json().await.expect("json");
        assert!(v["error"].is_string() && v["message"].is_string(), "{v}");
    }
    let resp = http
        .patch(format!("{base}/variants/{OWN_SKU}"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(r#"{"price_vnd": -5}"#)
        .send()
        .await
        .expect("patch");
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["details"][0]["field"], "price_vnd", "{v}");

    // JSON bodies are small; uploads may be larger.
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(100 * 1024));
    let resp = http
        .patch(format!("{base}/variants/{OWN_SKU}"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("patch");
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["error"], "payload_too_large");

    // Pagination is checked and bounded.
    for q in ["limit=0", "limit=501", "cursor=abc", "cursor=-3"] {
        let resp = http
            .get(format!("{base}/products?{q}"))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{q}");
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}/products?limit=3&cursor={c}"),
            None => format!("{base}/products?limit=3"),
        };
        let v: Value = http
            .get(url)
            .bearer_auth(&admin)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        seen.extend(
            v["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter_map(|p| p["code"].as_str().map(str::to_owned)),
        );
        match v["next"].as_str() {
            Some(n) => cursor = Some(n.to_owned()),
            None => break,
        }
    }
    let all = store
        .product_rows(None, None, 1000, 0)
        .await
        .expect("products");
    assert_eq!(seen, all.iter().map(|p| p.code.clone()).collect::<Vec<_>>());

    // Unknown endpoints and methods answer in the API's shape.
    let resp = http
        .get(format!("{base}/nothing-here"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["error"], "not_found");
    let resp = http
        .put(format!("{base}/orders"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);

    // A deactivated variant stays readable and comes back with PATCH.
    let v: Value = http
        .delete(format!("{base}/variants/{OWN_SKU}"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("delete")
        .json()
        .await
        .expect("json");
    assert_eq!(v["active"], false);
    let v: Value = http
        .patch(format!("{base}/variants/{OWN_SKU}"))
        .bearer_auth(&admin)
        .json(&json!({ "active": true }))
        .send()
        .await
        .expect("patch")
        .json()
        .await
        .expect("json");
    assert_eq!(v["active"], true);

    // Stock rules are the CLI's: not below what orders hold.
    let resp = http
        .post(format!("{base}/stock/{OWN_SKU}/adjustments"))
        .bearer_auth(&admin)
        .json(&json!({ "delta": -99_998 }))
        .send()
        .await
        .expect("adjust");
    assert_eq!(resp.status(), StatusCode::CONFLICT);

    // Internal failures say nothing about SQL: break the database under
    // the API and look at the answer.
    store.close().await;
    let resp = http
        .get(format!("{base}/products"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("get");
    assert!(resp.status().is_server_error(), "{}", resp.status());
    let text = resp.text().await.expect("text");
    assert!(
        !text.to_lowercase().contains("select") && !text.contains("sqlx"),
        "{text}"
    );
});
