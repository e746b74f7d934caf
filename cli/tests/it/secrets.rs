//! Secrets at rest and in output: a full scenario with known secret values,
//! then every log line, message, response and the database itself is
//! scanned for them.

use std::process::Output;
use std::time::Duration;

use kho_simulator::shopee::TokenAction;

use crate::both_backends;
use crate::support::worlds::sample_entries;
use crate::support::worlds::shopee::{PARTNER_KEY, World};
use crate::support::{Backend, Daemon, TEST_SECRET_KEY, TestDb, ok, stderr, stdout};

/// Runs kho with the world's configuration, logging everything down to trace.
fn run(w: &World, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut all = vec!["--config", "kho.toml"];
    all.extend_from_slice(args);
    w.db.kho_cmd(&all)
        .env("KHO_TEST_SHOPEE_KEY", PARTNER_KEY)
        .env("KHO_LOG", "trace")
        .envs(extra.iter().copied())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}\n{}", stdout(o), stderr(o))
}

/// Every stored value of every table, as text.
async fn database_text(db: &TestDb) -> String {
    let mut out = String::new();
    match db.backend {
        Backend::Sqlite => {
            // The file itself, WAL included: what a stolen copy would hold.
            for entry in std::fs::read_dir(db.dir.path()).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if name.starts_with("kho.db") {
                    let bytes = std::fs::read(&path).unwrap();
                    out.push_str(&String::from_utf8_lossy(&bytes));
                }
            }
            assert!(out.contains("shopee-chi-lang"), "database file not read");
        }
        Backend::Postgres => {
            let store = db.store().await;
            let kho::store::Pool::Postgres(pool) = store.pool() else {
                unreachable!()
            };
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            assert!(tables.iter().any(|t| t == "account_tokens"));
            for t in tables {
                let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT CAST(t AS TEXT) FROM \"{t}\" t"
                )))
                .fetch_all(pool)
                .await
                .unwrap();
                out.push_str(&rows.join("\n"));
            }
            store.close().await;
        }
    }
    out
}

fn assert_clean(what: &str, haystack: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !haystack.contains(s.as_str()),
            "a secret ({}…) appears in {what}",
            &s[..6]
        );
    }
}

both_backends!(no_secret_appears_in_output_logs_or_the_database, |db| {
    let w = World::start(
        db,
        &sample_entries(),
        &[("shopee-chi-lang", "htx-chi-lang")],
        50,
        |_| {},
    )
    .await;
    let shop_id = w.shops[0].shop_id;
    let mut secrets: Vec<String> = vec![
        PARTNER_KEY.into(),
        TEST_SECRET_KEY.into(),
        format!("{:032x}", 0xacce55_u64),
        format!("{:032x}", 0xfe_u64),
    ];
    let mut seen = Vec::new();

    seen.push(("config check", text(&run(&w, &["config", "check"], &[]))));
    seen.push((
        "config check --json",
        text(&run(&w, &["--json", "config", "check"], &[])),
    ));
    let link = run(&w, &["link", "shopee-chi-lang"], &[]);
    ok(&link);
    seen.push(("link", text(&link)));
    // The first call refreshed the seeded tokens: the new pair is secret too.
    let issued = w.sim.tokens(shop_id).unwrap();
    secrets.push(issued.access_token.clone());
    secrets.push(issued.refresh_token.clone());

    let sku = sample_entries()
        .into_iter()
        .find(|e| e.producer_code == "htx-chi-lang")
        .unwrap()
        .variant_sku;
    ok(&run(&w, &["stock", "set", &sku, "7"], &[]));
    let sync = run(&w, &["sync"], &[]);
    ok(&sync);
    seen.push(("sync", text(&sync)));

    // An expired access token: kho refreshes and stores the rotated pair.
    w.sim
        .token_action(shop_id, TokenAction::ExpireAccessToken)
        .unwrap();
    ok(&run(&w, &["stock", "set", &sku, "8"], &[]));
    let sync = run(&w, &["sync"], &[]);
    ok(&sync);
    seen.push(("sync after expiry", text(&sync)));
    let rotated = w.sim.tokens(shop_id).unwrap();
    assert_ne!(rotated.access_token, issued.access_token);
    secrets.push(rotated.access_token.clone());
    secrets.push(rotated.refresh_token.clone());

    for args in [
        &["accounts", "list"][..],
        &["--json", "accounts", "list"],
        &["status"],
        &["orders", "pull", "--since", "2h"],
    ] {
        seen.push(("command", text(&run(&w, args, &[]))));
    }
    // A wrong partner key: the marketplace refuses, and the message must not
    // echo the key that was tried.
    let wrong = "0123456789abcdef0123456789abcdef-wrong-partner-key";
    ok(&run(&w, &["stock", "set", &sku, "9"], &[]));
    let failed = run(&w, &["sync"], &[("KHO_TEST_SHOPEE_KEY", wrong)]);
    seen.push(("sync with a wrong key", text(&failed)));
    secrets.push(wrong.into());

    // The daemon: its logs, metrics and a forged webhook's answer.
    let daemon = Daemon::serve(&w.db)
        .env("KHO_TEST_SHOPEE_KEY", PARTNER_KEY)
        .log("trace")
        .capture_stderr()
        .start();
    let base = daemon.url.clone();
    let http = reqwest::Client::new();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The admin API: an admin sees everything there is about the accounts.
    let store = w.db.store().await;
    let (_, api_token) = store
        .create_token("scan", kho::auth::Role::Admin, None)
        .await
        .unwrap();
    for path in [
        "/api/v1/accounts",
        "/api/v1/accounts/shopee-chi-lang",
        "/api/v1/accounts/shopee-chi-lang/listings",
        "/api/v1/sync/jobs",
        "/api/v1/sync/dead-letters",
        "/api/v1/tokens",
        "/api/v1/openapi.json",
    ] {
        let answer = http
            .get(format!("{base}{path}"))
            .bearer_auth(&api_token)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        seen.push(("API response", answer.text().await.unwrap()));
    }
    store.close().await;
    secrets.push(api_token);
    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    seen.push(("metrics", metrics));
    let forged = http
        .post(format!("{base}/webhooks/shopee"))
        .header("authorization", "forged")
        .body(format!(
            "{{\"shop_id\":{shop_id},\"code\":3,\"data\":{{}}}}"
        ))
        .send()
        .await
        .unwrap();
    assert!(forged.status().is_client_error(), "{}", forged.status());
    seen.push(("webhook answer", forged.text().await.unwrap()));
    seen.push(("daemon log", daemon.stop_with_log()));

    let db_text = database_text(&w.db).await;
    // The tokens are in the database, sealed.
    assert!(db_text.contains("kho1:"), "no sealed value found");
    assert_clean("the database", &db_text, &secrets);
    for (what, output) in &seen {
        assert!(!output.is_empty() || *what == "webhook answer");
        assert_clean(what, output, &secrets);
    }
});

both_backends!(rotate_key_reseals_every_token, |db| {
    let w = World::start(
        db,
        &sample_entries(),
        &[("shopee-chi-lang", "htx-chi-lang")],
        50,
        |_| {},
    )
    .await;
    ok(&run(&w, &["link", "shopee-chi-lang"], &[]));
    let new_key = ok(&run(&w, &["secrets", "generate-key"], &[]))
        .trim()
        .to_owned();
    assert_ne!(new_key, TEST_SECRET_KEY);

    // Only the new key: the stored tokens do not open, and the error names
    // the key id that sealed them, never a key.
    let only_new = run(
        &w,
        &["link", "shopee-chi-lang"],
        &[("KHO__SECRETS__KEY", &new_key)],
    );
    assert!(!only_new.status.success());
    let message = text(&only_new);
    assert!(message.contains("neither secrets.key"), "{message}");
    assert!(!message.contains(&new_key) && !message.contains(TEST_SECRET_KEY));

    // New key with the old one kept for opening: rotate.
    let toml = std::fs::read_to_string(w.db.path("kho.toml")).unwrap();
    std::fs::write(
        w.db.path("kho.toml"),
        format!("{toml}\n[secrets]\nkey = \"env:NEW_KEY\"\nprevious_keys = [\"env:OLD_KEY\"]\n"),
    )
    .unwrap();
    let rotate_cmd = |args: &[&str]| {
        let mut all = vec!["--config", "kho.toml"];
        all.extend_from_slice(args);
        w.db.kho_cmd(&all)
            .env_remove("KHO__SECRETS__KEY")
            .env("KHO_TEST_SHOPEE_KEY", PARTNER_KEY)
            .env("NEW_KEY", &new_key)
            .env("OLD_KEY", TEST_SECRET_KEY)
            .output()
            .unwrap()
    };
    let rotated = ok(&rotate_cmd(&["--json", "secrets", "rotate-key"]));
    let report: serde_json::Value = serde_json::from_str(&rotated).unwrap();
    assert_eq!(report["resealed"], 2, "{rotated}");
    assert_eq!(report["current"], 0, "{rotated}");
    let again: serde_json::Value =
        serde_json::from_str(&ok(&rotate_cmd(&["--json", "secrets", "rotate-key"]))).unwrap();
    assert_eq!(again["resealed"], 0);
    assert_eq!(again["current"], 2);

    // Now the new key alone opens them (previous keys removed).
    std::fs::write(w.db.path("kho.toml"), &toml).unwrap();
    ok(&run(
        &w,
        &["link", "shopee-chi-lang"],
        &[("KHO__SECRETS__KEY", &new_key)],
    ));
    // And the old one alone no longer does.
    let old_only = run(&w, &["link", "shopee-chi-lang"], &[]);
    assert!(!old_only.status.success(), "{}", text(&old_only));
});

// A configuration with accounts and no key stops at start, naming the key.
both_backends!(accounts_without_a_key_refuse_to_start, |db| {
    let w = World::start(
        db,
        &sample_entries(),
        &[("shopee-chi-lang", "htx-chi-lang")],
        50,
        |_| {},
    )
    .await;
    let out =
        w.db.kho_cmd(&["--config", "kho.toml", "serve"])
            .env_remove("KHO__SECRETS__KEY")
            .env("KHO_TEST_SHOPEE_KEY", PARTNER_KEY)
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("secrets.key"), "{}", text(&out));
});
