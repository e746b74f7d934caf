//! Text from users and marketplaces with terminal control characters in it
//! (a security review cleared the operator's screen, retitled the window and
//! drew a fake table row through `kho stock history` and `kho products
//! list`): stored as given, printed escaped, JSON still the exact value.

use crate::both_backends;
use crate::support::{TestDb, ok, sample_catalog, stderr};

/// Clear screen, set the window title, bell, then a line break that would
/// start a row of kho's own.
const HOSTILE: &str = "count\u{1b}[2J\u{1b}]0;pwned\u{7}\r\nNA-CHILANG-1KG  receipt  +999";

/// Asserts that nothing a terminal acts on reached `stdout`: no C0 control
/// but the layout's line feeds, no DEL, no C1 control.
fn assert_no_raw_control(what: &str, stdout: &[u8]) {
    let text = String::from_utf8_lossy(stdout);
    let raw: Vec<String> = text
        .chars()
        .filter(|&c| c.is_control() && c != '\n')
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect();
    assert!(
        raw.is_empty(),
        "{what} printed raw control characters {raw:?}:\n{text}"
    );
}

fn kho_with_config(db: &TestDb, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--config", "kho.toml"];
    all.extend_from_slice(args);
    db.kho_cmd(&all)
        .env("KHO_TEST_HOSTILE_KEY", "hostile-text-test-partner-key")
        .output()
        .unwrap()
}

both_backends!(
    control_characters_in_stored_text_are_escaped_in_text_output,
    |db| {
        ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));

        // A reason given on the command line is refused at input (exit 2)…
        let refused = db.kho(&["stock", "add", "NA-CHILANG-1KG", "5", "--reason", HOSTILE]);
        assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
        assert_no_raw_control("kho's refusal", &refused.stderr);
        // …but one stored by an older kho, or by a library caller, is still
        // printed escaped.
        {
            use kho::store::inventory::{MovementKind, MovementRequest, Quantity};
            let store = db.store().await;
            let sku = store.find_sku("NA-CHILANG-1KG").await.unwrap().unwrap();
            let location = store
                .location_id(sku.producer_id, None)
                .await
                .unwrap()
                .unwrap();
            store
                .record_movement(&MovementRequest {
                    lot: None,
                    variant_id: sku.variant_id,
                    location_id: location,
                    kind: MovementKind::Receipt,
                    quantity: Quantity::By(5),
                    reason: HOSTILE,
                    reference: None,
                    actor: "cli:test",
                    guard_available: false,
                })
                .await
                .unwrap();
            store.close().await;
        }
        let history = db.kho(&["stock", "history", "NA-CHILANG-1KG", "--limit", "2"]);
        ok(&history);
        assert_no_raw_control("kho stock history", &history.stdout);
        let text = String::from_utf8_lossy(&history.stdout);
        assert!(
            text.contains(r"count\u{1b}[2J\u{1b}]0;pwned\u{7}\r\nNA-CHILANG-1KG  receipt  +999"),
            "the reason is not shown escaped:\n{text}"
        );
        // Header, the opening receipt and the addition: the reason drew no row
        // of its own.
        assert_eq!(text.lines().count(), 3, "{text}");

        // A product name as a marketplace or an older kho could have stored it
        // (written to the database directly: input validation is not what this
        // test is about).
        let store = db.store().await;
        match store.pool() {
            kho::store::Pool::Sqlite(pool) => {
                sqlx::query("UPDATE products SET name = $1 WHERE code = $2")
                    .bind(format!("Na Chi Lăng{HOSTILE}"))
                    .bind("NA-CHILANG")
                    .execute(pool)
                    .await
                    .unwrap();
            }
            kho::store::Pool::Postgres(pool) => {
                sqlx::query("UPDATE products SET name = $1 WHERE code = $2")
                    .bind(format!("Na Chi Lăng{HOSTILE}"))
                    .bind("NA-CHILANG")
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
        let products = db.kho(&["products", "list", "--producer", "htx-chi-lang"]);
        ok(&products);
        assert_no_raw_control("kho products list", &products.stdout);
        let text = String::from_utf8_lossy(&products.stdout);
        assert!(
            text.contains(r"Na Chi Lăngcount\u{1b}[2J\u{1b}]0;pwned\u{7}\r\nNA-CHILANG-1KG"),
            "the name is not shown escaped:\n{text}"
        );
        let variants: serde_json::Value = serde_json::from_str(&ok(&db.kho(&[
            "--json",
            "products",
            "list",
            "--producer",
            "htx-chi-lang",
        ])))
        .unwrap();
        let n = variants.as_array().unwrap().len();
        // Header, one line per variant, the count: no fake row.
        assert_eq!(text.lines().count(), n + 2, "{text}");
        let na = variants
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["variant_sku"] == "NA-CHILANG-1KG")
            .unwrap();
        assert_eq!(
            na["product_name"],
            format!("Na Chi Lăng{HOSTILE}"),
            "JSON carries the name as stored"
        );

        // JSON keeps the exact value.
        let json: serde_json::Value = serde_json::from_str(&ok(&db.kho(&[
            "--json",
            "stock",
            "history",
            "NA-CHILANG-1KG",
            "--limit",
            "1",
        ])))
        .unwrap();
        assert_eq!(json[0]["reason"], HOSTILE);

        // A marketplace's error message on an account (`accounts list`,
        // `status`).
        std::fs::write(
        db.path("kho.toml"),
        "[[accounts]]\nname = \"shopee-chi-lang\"\nchannel = \"shopee\"\nproducer = \"htx-chi-lang\"\n\
         base_url = \"http://127.0.0.1:9\"\nrate_limit = { per_second = 10 }\n\
         credentials = { partner_id = 1, partner_key = \"env:KHO_TEST_HOSTILE_KEY\", shop_id = 7, \
         access_token = \"a\", refresh_token = \"r\" }\n",
    )
    .unwrap();
        ok(&kho_with_config(&db, &["accounts", "list"]));
        store
            .set_account_state(
                "shopee-chi-lang",
                kho::store::accounts::AccountState::NeedsReauth,
                Some(&format!("error_auth: {HOSTILE}")),
            )
            .await
            .unwrap();
        store.close().await;
        for args in [&["accounts", "list"][..], &["status"][..]] {
            let out = kho_with_config(&db, args);
            assert_no_raw_control(&format!("kho {}", args.join(" ")), &out.stdout);
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains(r"error_auth: count\u{1b}[2J"),
                "kho {}: the message is not shown escaped:\n{text}",
                args.join(" ")
            );
        }
    }
);
