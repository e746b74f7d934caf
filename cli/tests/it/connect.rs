//! Connecting a shop (`kho accounts connect`, `/oauth/{channel}/callback`)
//! against each marketplace's simulator: the link and its parameters, the
//! callback with a valid, wrong, spent or expired state, the exchange by
//! hand with `--code`, codes that work once, and a failed exchange leaving
//! the account exactly as it was.

use std::collections::HashMap;
use std::process::Output;

use kho::store::accounts::AccountState;

use crate::both_backends;
use url::Url;

use crate::support::worlds::{lazada, sample_entries, shopee, tiktok};
use crate::support::{Daemon, TestDb, ok, stderr, stdout};

/// One simulated marketplace with one kho account that has no tokens yet.
enum World {
    Shopee(shopee::World),
    Tiktok(tiktok::World),
    Lazada(lazada::World),
}

impl World {
    async fn start(db: TestDb, channel: &str) -> World {
        let entries = sample_entries();
        let w = match channel {
            "shopee" => World::Shopee(
                shopee::World::start(db, &entries, &[("shop", "htx-chi-lang")], 50, |_| {}).await,
            ),
            "tiktok" => World::Tiktok(
                tiktok::World::start(db, &entries, &[("shop", "htx-chi-lang")], 50, |_| {}).await,
            ),
            _ => World::Lazada(
                lazada::World::start(db, &entries, &[("shop", "htx-chi-lang")], 50, "", |_| {})
                    .await,
            ),
        };
        w.forget_tokens();
        w
    }

    fn db(&self) -> &TestDb {
        match self {
            World::Shopee(w) => &w.db,
            World::Tiktok(w) => &w.db,
            World::Lazada(w) => &w.db,
        }
    }

    fn channel(&self) -> &'static str {
        match self {
            World::Shopee(_) => "shopee",
            World::Tiktok(_) => "tiktok",
            World::Lazada(_) => "lazada",
        }
    }

    /// The secret the configuration reads from the environment.
    fn env(&self) -> (&'static str, &'static str) {
        match self {
            World::Shopee(_) => ("KHO_TEST_SHOPEE_KEY", shopee::PARTNER_KEY),
            World::Tiktok(_) => (tiktok::SECRET_ENV, tiktok::APP_SECRET),
            World::Lazada(_) => (lazada::SECRET_ENV, lazada::APP_SECRET),
        }
    }

    /// The configuration as a cooperative writes it before going live:
    /// credentials of the partner app, no tokens.
    fn forget_tokens(&self) {
        let path = self.db().path("kho.toml");
        let toml = std::fs::read_to_string(&path).unwrap();
        let mut out = String::new();
        for line in toml.lines() {
            let mut line = line.to_owned();
            for key in [", access_token = \"", ", refresh_token = \""] {
                if let Some(start) = line.find(key) {
                    let rest = &line[start + key.len()..];
                    let end = start + key.len() + rest.find('"').unwrap() + 1;
                    line.replace_range(start..end, "");
                }
            }
            out.push_str(&line);
            out.push('\n');
        }
        assert!(!out.contains("access_token"), "{out}");
        std::fs::write(path, out).unwrap();
    }

    fn kho(&self, args: &[&str], public_url: Option<&str>) -> Output {
        let mut all = vec!["--config", "kho.toml"];
        all.extend_from_slice(args);
        let (k, v) = self.env();
        let mut cmd = self.db().kho_cmd(&all);
        cmd.env(k, v);
        if let Some(u) = public_url {
            cmd.env("KHO__SERVER__PUBLIC_URL", u);
        }
        cmd.output().unwrap()
    }

    fn daemon(&self) -> Daemon {
        let (k, v) = self.env();
        Daemon::start_with(self.db(), &[(k, v)], "1h")
    }

    /// A fresh code, as the marketplace's redirect would carry it.
    fn code(&self) -> String {
        match self {
            World::Shopee(w) => w.sim.issue_auth_code(w.shops[0].shop_id).unwrap(),
            World::Tiktok(w) => w.sim.issue_auth_code(&w.shops[0].shop_id).unwrap(),
            World::Lazada(w) => w.sim.issue_auth_code(w.sellers[0].seller_id).unwrap(),
        }
    }

    /// What `--code` needs besides the code.
    fn code_args(&self, code: &str) -> Vec<String> {
        let mut args = vec!["accounts".into(), "connect".into(), "shop".into()];
        args.extend(["--code".into(), code.into()]);
        if let World::Shopee(w) = self {
            args.extend(["--shop-id".into(), w.shops[0].shop_id.to_string()]);
        }
        args
    }

    /// The documented error for a spent or unknown code.
    fn reused_code_error(&self) -> &'static str {
        match self {
            World::Shopee(_) => "invalid_code",
            World::Tiktok(_) => "36004004",
            World::Lazada(_) => "InvalidCode",
        }
    }

    /// The simulator's address, where the authorisation page is.
    fn sim_host(&self) -> String {
        let base = match self {
            World::Shopee(w) => w.sim.base_url(),
            World::Tiktok(w) => w.sim.base_url(),
            World::Lazada(w) => w.sim.base_url(),
        };
        let u = Url::parse(&base).unwrap();
        format!("{}://{}", u.scheme(), u.host_str().unwrap())
    }
}

/// (state, access token) of the account as the store has them.
async fn account(db: &TestDb) -> (AccountState, Option<String>) {
    let store = db.store().await;
    let row = store.accounts(Some("shop")).await.unwrap().remove(0);
    let tokens = store.load_tokens("shop").await.unwrap();
    store.close().await;
    (row.state, tokens.map(|t| t.access_token))
}

fn query(url: &Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Prints a link with `kho accounts connect`, checks its parameters, and
/// opens it on the simulator as the seller; returns where the marketplace
/// sends the browser back.
async fn authorise(w: &World, daemon: &Daemon) -> Url {
    let callback = format!("{}/oauth/{}/callback", daemon.url, w.channel());
    let out = ok(&w.kho(
        &["--json", "accounts", "connect", "shop"],
        Some(&daemon.url),
    ));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["redirect_uri"], callback.as_str(), "{doc}");
    let link = Url::parse(doc["url"].as_str().unwrap()).unwrap();
    assert!(link.as_str().starts_with(&w.sim_host()), "{link}");
    let q = query(&link);
    match w {
        World::Shopee(_) => {
            assert_eq!(link.path(), "/api/v2/shop/auth_partner");
            assert_eq!(q["partner_id"], shopee::PARTNER_ID.to_string());
            let ts: i64 = q["timestamp"].parse().unwrap();
            assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
            let base = format!("{}/api/v2/shop/auth_partner{ts}", shopee::PARTNER_ID);
            assert_eq!(
                q["sign"],
                kho_shopee::sign::sign(
                    &kho_channel::secrecy::SecretString::from(shopee::PARTNER_KEY),
                    &base
                )
            );
            let redirect = Url::parse(&q["redirect"]).unwrap();
            assert!(redirect.as_str().starts_with(&callback), "{redirect}");
            assert_eq!(query(&redirect)["state"].len(), 64);
        }
        World::Tiktok(t) => {
            assert_eq!(link.path(), "/oauth/authorize");
            assert_eq!(q["app_key"], tiktok::APP_KEY);
            assert_eq!(q["state"].len(), 64);
            // The redirect is the one registered in Partner Center.
            t.sim.set_redirect_url(Some(callback.clone()));
        }
        World::Lazada(_) => {
            assert_eq!(link.path(), "/oauth/authorize");
            assert_eq!(q["response_type"], "code");
            assert_eq!(q["force_auth"], "true");
            assert_eq!(q["client_id"], lazada::APP_KEY);
            assert_eq!(q["redirect_uri"], callback);
            assert_eq!(q["state"].len(), 64);
        }
    }
    let resp = no_redirects().get(link).send().await.unwrap();
    assert_eq!(
        resp.status().as_u16(),
        302,
        "{}",
        resp.text().await.unwrap()
    );
    let back = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert!(back.as_str().starts_with(&callback), "{back}");
    let bq = query(&back);
    assert!(
        bq.contains_key("code") && bq.contains_key("state"),
        "{back}"
    );
    if let World::Shopee(s) = w {
        assert_eq!(bq["shop_id"], s.shops[0].shop_id.to_string());
    }
    back
}

async fn get(url: &Url) -> (u16, String) {
    let resp = no_redirects().get(url.clone()).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn with_state(url: &Url, state: &str) -> Url {
    let mut out = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, state.to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

async fn expire_states(db: &TestDb) {
    let store = db.store().await;
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    let sql = "UPDATE oauth_states SET expires_at = $1";
    match store.pool() {
        kho::store::Pool::Sqlite(p) => {
            sqlx::query(sql).bind(past).execute(p).await.unwrap();
        }
        kho::store::Pool::Postgres(p) => {
            sqlx::query(sql).bind(past).execute(p).await.unwrap();
        }
    };
    store.close().await;
}

async fn callback_connects_once(db: TestDb, channel: &str) {
    let w = World::start(db, channel).await;
    // Without tokens the account waits, visibly, and is never "ok".
    let list = ok(&w.kho(&["--json", "accounts", "list"], None));
    assert!(list.contains("\"needs_reauth\""), "{list}");
    assert_eq!(account(w.db()).await, (AccountState::NeedsReauth, None));
    let daemon = w.daemon();

    let back = authorise(&w, &daemon).await;
    let code = query(&back)["code"].clone();

    // A state kho never issued: refused, nothing changes.
    let (status, page) = get(&with_state(&back, &"0".repeat(64))).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("was not issued by kho"), "{page}");
    assert_eq!(account(w.db()).await, (AccountState::NeedsReauth, None));

    // The real redirect: connected, and the page repeats no secret.
    let (status, page) = get(&back).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("The shop is connected"), "{page}");
    assert!(page.contains("Đã kết nối gian hàng"), "{page}");
    assert!(!page.contains(&code) && !page.contains(&query(&back)["state"]));
    let (state, token) = account(w.db()).await;
    assert_eq!(state, AccountState::Ok);
    assert!(token.is_some());

    // The same redirect again: the state is spent.
    let (status, page) = get(&back).await;
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("already been used"), "{page}");

    // A link left too long: its state has expired.
    let late = authorise(&w, &daemon).await;
    expire_states(w.db()).await;
    let (status, page) = get(&late).await;
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("has expired"), "{page}");
    assert_eq!(account(w.db()).await, (state, token));

    let list = ok(&w.kho(&["--json", "accounts", "list"], None));
    assert!(
        list.contains("\"ok\"") && !list.contains("needs_reauth"),
        "{list}"
    );
    drop(daemon);
}

async fn code_by_hand_works_once(db: TestDb, channel: &str) {
    let w = World::start(db, channel).await;
    let run = |args: &[String]| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        w.kho(&refs, None)
    };

    // A code the marketplace never issued: refused, the account unchanged.
    let bad = run(&w.code_args("0_not-a-code"));
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains(w.reused_code_error()),
        "{}",
        stderr(&bad)
    );
    assert_eq!(account(w.db()).await, (AccountState::NeedsReauth, None));

    let code = w.code();
    let first = run(&w.code_args(&code));
    assert!(
        first.status.success(),
        "{}{}",
        stdout(&first),
        stderr(&first)
    );
    assert!(
        stdout(&first).contains("shop connected"),
        "{}",
        stdout(&first)
    );
    let (state, token) = account(w.db()).await;
    assert_eq!(state, AccountState::Ok);
    assert!(token.is_some());

    // The same code again: the marketplace refuses it, nothing is replaced.
    let again = run(&w.code_args(&code));
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(
        stderr(&again).contains(w.reused_code_error()),
        "{}",
        stderr(&again)
    );
    assert!(!stderr(&again).contains(&code), "{}", stderr(&again));
    assert_eq!(account(w.db()).await, (state, token));
}

both_backends!(shopee_callback_connects_once, |db| {
    callback_connects_once(db, "shopee").await;
});
both_backends!(tiktok_callback_connects_once, |db| {
    callback_connects_once(db, "tiktok").await;
});
both_backends!(lazada_callback_connects_once, |db| {
    callback_connects_once(db, "lazada").await;
});
both_backends!(shopee_code_by_hand_works_once, |db| {
    code_by_hand_works_once(db, "shopee").await;
});
both_backends!(tiktok_code_by_hand_works_once, |db| {
    code_by_hand_works_once(db, "tiktok").await;
});
both_backends!(lazada_code_by_hand_works_once, |db| {
    code_by_hand_works_once(db, "lazada").await;
});

// An app registered in Partner Center has a service id: with it in the
// credentials (and the consent host pointed at the simulator), the seller
// is sent to TikTok's current consent page, `/open/authorize?service_id=…`,
// and comes back to the callback like through the older page
// (docs/src/channels/tiktok.md §2).
both_backends!(tiktok_current_consent_link_connects, |db| {
    let w = World::start(db, "tiktok").await;
    let World::Tiktok(t) = &w else {
        unreachable!("a tiktok world")
    };
    let path = w.db().path("kho.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    let service_id = t.sim.service_id();
    let toml = toml.replace(
        "credentials = { app_key",
        &format!(
            "consent_url = \"{}\"\ncredentials = {{ service_id = \"{service_id}\", app_key",
            t.sim.base_url()
        ),
    );
    assert!(toml.contains("service_id"), "{toml}");
    std::fs::write(&path, toml).unwrap();
    let daemon = w.daemon();
    let callback = format!("{}/oauth/tiktok/callback", daemon.url);
    t.sim.set_redirect_url(Some(callback.clone()));

    let out = ok(&w.kho(
        &["--json", "accounts", "connect", "shop"],
        Some(&daemon.url),
    ));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let link = Url::parse(doc["url"].as_str().unwrap()).unwrap();
    assert!(link.as_str().starts_with(&t.sim.base_url()), "{link}");
    assert_eq!(link.path(), "/open/authorize");
    let q = query(&link);
    assert_eq!(q.len(), 2, "{link}");
    assert_eq!(q["service_id"], service_id);
    assert_eq!(q["state"].len(), 64);

    let resp = no_redirects().get(link).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let back = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert!(back.as_str().starts_with(&callback), "{back}");
    let bq = query(&back);
    assert_eq!(bq["state"], q["state"]);
    assert!(bq.contains_key("code"), "{back}");
    assert_eq!(account(w.db()).await, (AccountState::NeedsReauth, None));

    let (status, page) = get(&back).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("The shop is connected"), "{page}");
    let (state, token) = account(w.db()).await;
    assert_eq!(state, AccountState::Ok);
    assert!(token.is_some());
    drop(daemon);
});

// Shopee says which shop authorised: another shop's code is refused
// before any exchange.
both_backends!(shopee_code_for_another_shop_is_refused, |db| {
    let w = World::start(db, "shopee").await;
    let code = w.code();
    let out = w.kho(
        &[
            "accounts",
            "connect",
            "shop",
            "--code",
            &code,
            "--shop-id",
            "99",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("shop 99 authorised"),
        "{}",
        stderr(&out)
    );
    assert_eq!(account(w.db()).await, (AccountState::NeedsReauth, None));
});

/// (pending, dead) changes of `account`.
async fn queue(db: &TestDb, account: &str) -> (i64, i64) {
    let store = db.store().await;
    let stats = store.queue_stats().await.unwrap();
    store.close().await;
    stats
        .iter()
        .find(|s| s.account == account)
        .map_or((0, 0), |s| (s.pending, s.dead))
}

async fn state_of(db: &TestDb, account: &str) -> AccountState {
    let store = db.store().await;
    let state = store.accounts(Some(account)).await.unwrap()[0].state;
    store.close().await;
    state
}

/// Waits up to 60 s for `check`; false if it never held.
async fn eventually<F: std::future::Future<Output = bool>>(mut check: impl FnMut() -> F) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    false
}

// An access token TikTok no longer recognises answers 36009004 "the
// `x-tts-access-token` header is invalid": the account needs
// re-authorisation, its changes wait (never dead letters), the log says so
// once, and connecting the shop again (by hand, while the daemon runs)
// lets the waiting changes through.
both_backends!(tiktok_revoked_token_waits_in_needs_reauth, |db| {
    use kho_simulator::tiktok::TokenAction;
    let entries = sample_entries();
    let w = tiktok::World::start(db, &entries, &[("shop", "htx-chi-lang")], 50, |_| {}).await;
    let shop = &w.shops[0];
    ok(&w.kho(&["link", "shop"]));
    let daemon = Daemon::serve(&w.db)
        .env(tiktok::SECRET_ENV, tiktok::APP_SECRET)
        .poll("1h")
        .capture_stderr()
        .start();
    let db = &w.db;
    assert!(
        eventually(|| async { queue(db, "shop").await.0 == 0 }).await,
        "the first sync did not finish"
    );
    w.sim
        .token_action(&shop.shop_id, TokenAction::RevokeAccessToken)
        .unwrap();
    let skus: Vec<String> = w.remote(shop).keys().take(4).cloned().collect();
    for (i, sku) in skus.iter().enumerate() {
        ok(&w.kho(&["stock", "set", sku, &(7 + i).to_string()]));
    }
    if !eventually(|| async { state_of(db, "shop").await == AccountState::NeedsReauth }).await {
        let q = queue(db, "shop").await;
        panic!(
            "the account never went needs_reauth (queue {q:?}):\n{}",
            daemon.stop_with_log()
        );
    }
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let (pending, dead) = queue(db, "shop").await;
    if pending < 1 {
        panic!(
            "changes must wait, {pending} pending:\n{}",
            daemon.stop_with_log()
        );
    }
    assert_eq!(dead, 0, "no change may become a dead letter");
    assert_eq!(state_of(db, "shop").await, AccountState::NeedsReauth);
    let status = w.kho(&["status"]);
    assert!(
        stdout(&status).contains("needs_reauth"),
        "{}",
        stdout(&status)
    );

    let code = w.sim.issue_auth_code(&shop.shop_id).unwrap();
    ok(&w.kho(&["accounts", "connect", "shop", "--code", &code]));
    assert!(
        eventually(|| async { queue(db, "shop").await.0 == 0 }).await,
        "the waiting changes were not pushed after connecting"
    );
    let remote = w.remote(shop);
    for (i, sku) in skus.iter().enumerate() {
        assert_eq!(remote[sku].0, 7 + i as i64, "{sku}");
    }
    let log = daemon.stop_with_log();
    let said = log.matches("needs re-authorisation").count();
    assert!((1..=3).contains(&said), "said {said} times:\n{log}");
    assert!(log.matches("36009004").count() <= 3, "{log}");
});

// The admin API gives the same link as the CLI, with its own state.
both_backends!(admin_api_gives_the_link, |db| {
    use crate::support::{sample_catalog, spawn_app};
    ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
    std::fs::write(
        db.path("kho.toml"),
        "[[accounts]]\nname = \"shopee-own\"\nchannel = \"shopee\"\nproducer = \"htx-chi-lang\"\n\
         base_url = \"http://127.0.0.1:9\"\n\
         credentials = { partner_id = 2001887, partner_key = \"k\", shop_id = 14701711 }\n",
    )
    .unwrap();
    let list = ok(&db.kho(&["--config", "kho.toml", "--json", "accounts", "list"]));
    assert!(list.contains("needs_reauth"), "{list}");
    let store = db.store().await;
    let (_, admin) = store
        .create_token("ops", kho::auth::Role::Admin, None)
        .await
        .unwrap();
    let base = spawn_app(&store).await;
    let resp = reqwest::Client::new()
        .post(format!("{base}/accounts/shopee-own/connect"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let doc: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        doc["redirect_uri"],
        "https://kho.example.org/oauth/shopee/callback"
    );
    let link = Url::parse(doc["url"].as_str().unwrap()).unwrap();
    let q = query(&link);
    assert_eq!(q["partner_id"], "2001887");
    let redirect = Url::parse(&q["redirect"]).unwrap();
    let state = query(&redirect)["state"].clone();
    assert_eq!(state.len(), 64);
    assert!(matches!(
        store.spend_oauth_state("shopee", &state).await.unwrap(),
        kho::store::oauth::StateCheck::Valid { ref account } if account == "shopee-own"
    ));
    assert_eq!(
        store.spend_oauth_state("shopee", &state).await.unwrap(),
        kho::store::oauth::StateCheck::Used
    );
    // Bound to its marketplace: another channel's callback does not know it.
    assert_eq!(
        store.spend_oauth_state("lazada", &state).await.unwrap(),
        kho::store::oauth::StateCheck::Unknown
    );

    // The dashboard offers the same to an admin (and the owning
    // cooperative), not to the department's read-only staff.
    let (_, dept) = store
        .create_token("dept", kho::auth::Role::Department, None)
        .await
        .unwrap();
    let root = base.trim_end_matches("/api/v1").to_owned();
    let page = |token: String| {
        let root = root.clone();
        async move {
            no_redirects()
                .get(format!("{root}/accounts"))
                .header("cookie", format!("kho_session={token}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let form = "action=\"/accounts/shopee-own/connect\"";
    assert!(page(admin.clone()).await.contains(form));
    assert!(!page(dept.clone()).await.contains(form));
    let press = |token: String| {
        let root = root.clone();
        async move {
            no_redirects()
                .post(format!("{root}/accounts/shopee-own/connect"))
                .header("cookie", format!("kho_session={token}"))
                .header("origin", &root)
                .send()
                .await
                .unwrap()
        }
    };
    let resp = press(admin).await;
    assert_eq!(resp.status().as_u16(), 303);
    let to = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("http://127.0.0.1:9/api/v2/shop/auth_partner?partner_id=2001887"),
        "{to}"
    );
    let resp = press(dept).await;
    assert_eq!(resp.headers()["location"], "/signin");
    store.close().await;
});
