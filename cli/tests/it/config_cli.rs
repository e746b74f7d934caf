//! Configuration errors stop the binary with the key's path and exit 2.

use crate::support::{TestDb, ok, sample_catalog, stderr, stdout};

const ACCOUNT: &str = r#"
[[accounts]]
name = "shopee-chi-lang"
channel = "shopee"
producer = "htx-chi-lang"
base_url = "http://127.0.0.1:9"
credentials = { partner_id = 2001887, partner_key = "env:KHO_TEST_PARTNER_KEY", shop_id = 14701711, access_token = "seed-access-token-xyz", refresh_token = "seed-refresh-token-xyz" }
"#;

fn write(db: &TestDb, body: &str) -> String {
    let path = db.path("kho.toml");
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

#[test]
fn unknown_key_and_malformed_value_exit_2_with_the_path() {
    let db = TestDb::sqlite();
    let cfg = write(&db, "[sync]\norder_poll_intervall = \"60s\"\n");
    let out = db.kho(&["--config", &cfg, "config", "check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("sync.order_poll_intervall: unknown key"),
        "{}",
        stderr(&out)
    );

    let cfg = write(
        &db,
        &ACCOUNT.replace("partner_id = 2001887", "partner_id = \"two\""),
    );
    let out = db
        .kho_cmd(&["--config", &cfg, "config", "check"])
        .env("KHO_TEST_PARTNER_KEY", "k")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("accounts[0].credentials.partner_id: \"two\" is not a positive whole number"),
        "{}",
        stderr(&out)
    );

    // Environment variables are layered on top and checked the same way.
    let out = db
        .kho_cmd(&["config", "check"])
        .env("KHO__SERVER__LISTEN", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("server.listen"), "{}", stderr(&out));
}

#[test]
fn account_for_an_unknown_producer_exits_2_and_secrets_stay_hidden() {
    let db = TestDb::sqlite();
    let cfg = write(&db, ACCOUNT);
    let run = || {
        db.kho_cmd(&["--config", &cfg, "config", "check"])
            .env("KHO_TEST_PARTNER_KEY", "very-secret-partner-key")
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("accounts[0].producer: \"htx-chi-lang\" is not a known producer"),
        "{}",
        stderr(&out)
    );
    ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
    let out = run();
    let shown = ok(&out);
    assert!(shown.contains("name = \"shopee-chi-lang\""), "{shown}");
    assert!(shown.contains("[redacted]"));
    for secret in [
        "very-secret-partner-key",
        "seed-access-token-xyz",
        "seed-refresh-token-xyz",
    ] {
        assert!(
            !shown.contains(secret) && !stderr(&out).contains(secret),
            "{secret} leaked"
        );
    }
    let missing = db.kho(&["--config", &cfg, "config", "check"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("KHO_TEST_PARTNER_KEY is not set"));
    assert!(stdout(&missing).is_empty());
}

#[test]
fn unreachable_database_exits_3() {
    let db = TestDb::sqlite();
    let out = db
        .kho_cmd(&["products", "list"])
        .env(
            "KHO__DATABASE__URL",
            "postgres://nobody@127.0.0.1:1/none?connect_timeout=2",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

/// Without a configuration file kho uses `kho.db` in the current directory:
/// the first command that creates it says so on stderr (stdout stays the
/// command's own), and later ones do not repeat it.
#[test]
fn a_new_database_in_the_current_directory_is_announced() {
    let db = TestDb::sqlite();
    let run = || {
        db.kho_cmd(&["--json", "products", "list"])
            .env_remove("KHO__DATABASE__URL")
            .output()
            .unwrap()
    };
    let first = run();
    let note = stderr(&first);
    assert!(first.status.success(), "{note}");
    assert!(note.contains("no configuration file"), "{note}");
    assert!(note.contains("kho.db"), "{note}");
    serde_json::from_str::<serde_json::Value>(&stdout(&first))
        .expect("stdout is the JSON document");
    assert!(db.path("kho.db").exists());
    let second = run();
    assert!(second.status.success());
    assert!(
        !stderr(&second).contains("no configuration file"),
        "{}",
        stderr(&second)
    );
}

/// Logs and errors written to a pipe carry no ANSI escape codes, whatever
/// the verbosity (`NO_COLOR` unset).
#[test]
fn stderr_to_a_pipe_has_no_colour_codes() {
    let db = TestDb::sqlite();
    ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
    let out = db
        .kho_cmd(&["-vv", "stock", "add", "NA-CHILANG-1KG", "5"])
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let log = stderr(&out);
    assert!(!log.is_empty(), "-vv logged nothing to check");
    assert!(!log.contains('\u{1b}'), "{log:?}");
    let bad = db
        .kho_cmd(&["-v", "stock", "add", "NO-SUCH-SKU", "5"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(!stderr(&bad).contains('\u{1b}'), "{:?}", stderr(&bad));
}
