use std::io::Write;

use super::*;

fn load_str(toml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(toml.as_bytes()).unwrap();
    Config::load(Sources {
        file: Some(file.path()),
        env: Some(
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
    })
}

fn only_problem(err: ConfigError) -> Problem {
    assert_eq!(err.problems.len(), 1, "{err}");
    err.problems.into_iter().next().unwrap()
}

const SHOPEE: &str = r#"
[[accounts]]
name = "shopee-chi-lang"
channel = "shopee"
producer = "htx-chi-lang"
base_url = "http://127.0.0.1:9001"
rate_limit = { per_second = 5 }
credentials = { partner_id = 2001887, partner_key = "env:PK", shop_id = 14701711, access_token = "tok-a", refresh_token = "tok-r" }

[secrets]
key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
"#;

/// The account table without the `[secrets]` section, to add a second account.
fn account_only() -> &'static str {
    SHOPEE.split("[secrets]").next().unwrap_or(SHOPEE)
}

#[test]
fn defaults_alone_are_valid() {
    let cfg = Config::load(Sources {
        file: None,
        env: Some(HashMap::new()),
    })
    .unwrap();
    assert_eq!(cfg.database.url.backend(), Backend::Sqlite);
    assert_eq!(cfg.sync.order_poll_interval, Duration::from_secs(60));
    assert_eq!(cfg.sync.debounce, Duration::from_millis(100));
    assert!(cfg.accounts.is_empty());
}

#[test]
fn environment_overrides_file_overrides_defaults() {
    let cfg = load_str(
        "[server]\nlisten = \"127.0.0.1:9000\"\n[database]\nmax_connections = 3\n",
        &[
            ("KHO__SERVER__LISTEN", "127.0.0.1:9100"),
            ("KHO_CONFIG", "ignored"),
        ],
    )
    .unwrap();
    assert_eq!(cfg.server.listen.port(), 9100);
    assert_eq!(cfg.database.max_connections, 3);
}

#[test]
fn unknown_key_is_named_with_its_path() {
    let p = only_problem(load_str("[server]\nlisen = \"x\"\n", &[]).unwrap_err());
    assert_eq!(p.path, "server.lisen");
    assert!(p.message.contains("unknown key"), "{}", p.message);
}

#[test]
fn unknown_account_key_is_named_with_its_path() {
    let toml = SHOPEE.replace("rate_limit", "rate_limt");
    let p = only_problem(load_str(&toml, &[("PK", "k")]).unwrap_err());
    assert_eq!(p.path, "accounts[0].rate_limt");
}

#[test]
fn malformed_value_is_named_with_its_path() {
    let toml = SHOPEE.replace("per_second = 5", "per_second = \"ten\"");
    let p = only_problem(load_str(&toml, &[("PK", "k")]).unwrap_err());
    assert_eq!(p.path, "accounts[0].rate_limit.per_second");
}

#[test]
fn bad_duration_names_the_key() {
    let p = only_problem(load_str("[sync]\norder_poll_interval = \"soon\"\n", &[]).unwrap_err());
    assert_eq!(p.path, "sync.order_poll_interval");
    assert!(p.message.contains("\"soon\""));
}

#[test]
fn env_secrets_are_read_and_never_printed() {
    let cfg = load_str(SHOPEE, &[("PK", "partner-key-123")]).unwrap();
    let Credentials::Shopee(c) = &cfg.accounts[0].credentials else {
        panic!("not shopee")
    };
    assert_eq!(c.partner_key.expose(), "partner-key-123");
    assert_eq!(c.partner_id, 2001887);
    let shown = format!("{}\n{:?}", cfg.to_redacted_toml(), cfg);
    for secret in ["partner-key-123", "tok-a", "tok-r"] {
        assert!(!shown.contains(secret), "{secret} leaked");
    }
}

#[test]
fn missing_env_secret_is_reported_without_value() {
    let p = only_problem(load_str(SHOPEE, &[]).unwrap_err());
    assert_eq!(p.path, "accounts[0].credentials.partner_key");
    assert!(p.message.contains("PK is not set"));
}

#[test]
fn every_account_problem_is_reported_at_once() {
    let toml = format!(
        "{SHOPEE}\n{}",
        account_only()
            .replace("per_second = 5", "per_second = 5, burst = 9")
            .replace("shop_id = 14701711", "shop_id = 0, colour = \"red\"")
    );
    let err = load_str(&toml, &[("PK", "k")]).unwrap_err();
    let paths: Vec<_> = err.problems.iter().map(|p| p.path.as_str()).collect();
    assert!(paths.contains(&"accounts[1].name"), "{paths:?}");
    assert!(paths.contains(&"accounts[1].rate_limit.burst"), "{paths:?}");
    assert!(
        paths.contains(&"accounts[1].credentials.shop_id"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"accounts[1].credentials.colour"),
        "{paths:?}"
    );
}

#[test]
fn partition_shares_must_not_exceed_everything() {
    let a = SHOPEE.replace(
        "rate_limit = { per_second = 5 }",
        "allocation = { mode = \"partition\", share = 60 }",
    );
    let b = account_only()
        .replace(
            "rate_limit = { per_second = 5 }",
            "allocation = { mode = \"partition\", share = 60 }",
        )
        .replace("shopee-chi-lang", "shopee-chi-lang-2");
    let err = load_str(&format!("{a}{b}"), &[("PK", "k")]).unwrap_err();
    assert!(err.to_string().contains("add up to 120%"), "{err}");
}

#[test]
fn allocation_rejects_keys_of_the_other_mode() {
    let toml = SHOPEE.replace(
        "rate_limit = { per_second = 5 }",
        "allocation = { mode = \"shared\", share = 60 }",
    );
    let p = only_problem(load_str(&toml, &[("PK", "k")]).unwrap_err());
    assert!(p.path.starts_with("accounts[0].allocation"), "{}", p.path);
}

#[test]
fn missing_file_is_an_error() {
    let err = Config::load(Sources {
        file: Some(Path::new("/nonexistent/kho.toml")),
        env: Some(HashMap::new()),
    })
    .unwrap_err();
    assert!(err.to_string().contains("does not exist"));
}

#[test]
fn accounts_require_a_secrets_key() {
    let toml = SHOPEE.replace("key = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"", "");
    let p = only_problem(load_str(&toml, &[("PK", "k")]).unwrap_err());
    assert_eq!(p.path, "secrets.key");
    assert!(p.message.contains("generate-key"), "{}", p.message);
    // Without accounts nothing needs sealing.
    assert!(load_str("[secrets]\n", &[]).is_ok());
}

#[test]
fn a_bad_secrets_key_is_named_without_its_value() {
    let toml = SHOPEE.replace(
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "c2hvcnQta2V5LXZhbHVl",
    );
    let p = only_problem(load_str(&toml, &[("PK", "k")]).unwrap_err());
    assert_eq!(p.path, "secrets.key");
    assert!(p.message.contains("32 bytes"), "{}", p.message);
    assert!(!p.message.contains("c2hvcnQta2V5LXZhbHVl"));
}

#[test]
fn secrets_key_from_env_or_file_is_redacted() {
    let key = crate::secrets::generate_key();
    let toml = SHOPEE.replace(
        "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"",
        "\"env:KHO_KEY\"",
    );
    let cfg = load_str(&toml, &[("PK", "k"), ("KHO_KEY", &key)]).unwrap();
    assert!(cfg.secrets.keyring().is_some());
    assert!(!cfg.to_redacted_toml().contains(&key));
    assert!(!format!("{cfg:?}").contains(&key));

    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "{key}").unwrap();
    let toml = SHOPEE.replace(
        "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"",
        &format!(
            "\"file:{}\"\nprevious_keys = [\"env:OLD\"]",
            file.path().display()
        ),
    );
    let err = load_str(&toml, &[("PK", "k")]).unwrap_err();
    let p = only_problem(err);
    assert_eq!(p.path, "secrets.previous_keys[0]");
    let cfg = load_str(
        &toml,
        &[("PK", "k"), ("OLD", &crate::secrets::generate_key())],
    )
    .unwrap();
    assert_eq!(cfg.secrets.previous_keys.len(), 1);
}

#[test]
fn the_example_configuration_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // Every `env:NAME` it names, with a plausible value.
    let env: HashMap<String, String> = text
        .split("env:")
        .skip(1)
        .map(|rest| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let value = if name == "KHO_SECRET_KEY" {
                crate::secrets::generate_key()
            } else {
                format!("value-of-{name}")
            };
            (name, value)
        })
        .collect();
    let cfg = Config::load(Sources {
        file: Some(&path),
        env: Some(env),
    });
    let cfg = cfg.unwrap_or_else(|e| panic!("{e}"));
    assert!(!cfg.accounts.is_empty());
    assert!(cfg.secrets.keyring().is_some());
}

#[test]
fn toml_text_loads_like_a_file() {
    let env = HashMap::from([("PK".to_owned(), "partner-key".to_owned())]);
    let from_text = Config::from_toml_str(SHOPEE, env).unwrap();
    let from_file = load_str(SHOPEE, &[("PK", "partner-key")]).unwrap();
    assert_eq!(from_text.to_redacted_toml(), from_file.to_redacted_toml());
    let err =
        Config::from_toml_str("[database]\nmax_connections = 0\n", HashMap::new()).unwrap_err();
    assert_eq!(only_problem(err).path, "database.max_connections");
}

#[test]
fn rate_limit_margin_has_a_default_and_a_bound() {
    let config = load_str(SHOPEE, &[("PK", "k")]).unwrap();
    assert_eq!(config.accounts[0].rate_limit.margin_ms, 20);
    let wider = SHOPEE.replace("per_second = 5", "per_second = 5, margin_ms = 60");
    let config = load_str(&wider, &[("PK", "k")]).unwrap();
    assert_eq!(config.accounts[0].rate_limit.margin_ms, 60);
    let silly = SHOPEE.replace("per_second = 5", "per_second = 5, margin_ms = 5000");
    let p = only_problem(load_str(&silly, &[("PK", "k")]).unwrap_err());
    assert_eq!(p.path, "accounts[0].rate_limit.margin_ms");
    assert!(p.message.contains("at most 1000"), "{}", p.message);
}

const TIKTOK: &str = r#"
[[accounts]]
name = "tiktok-chi-lang"
channel = "tiktok"
producer = "htx-chi-lang"
base_url = "https://open-api.tiktokglobalshop.com"
auth_url = "https://auth.tiktok-shops.com"
credentials = { app_key = "68xu9ks5p4i8", app_secret = "s", shop_cipher = "ROW_x" }

[secrets]
key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
"#;

#[test]
fn tiktok_service_id_and_consent_host_are_optional_and_checked() {
    let cfg = load_str(TIKTOK, &[]).unwrap();
    let Credentials::Tiktok(c) = &cfg.accounts[0].credentials else {
        panic!("not tiktok")
    };
    assert!(c.service_id.is_none() && cfg.accounts[0].consent_url.is_none());

    // A numeric service id written as a TOML integer reads like the text.
    let toml = TIKTOK
        .replace(
            "shop_cipher",
            "service_id = 7310000000000000001, shop_cipher",
        )
        .replace(
            "credentials",
            "consent_url = \"https://services.us.tiktokshop.com\"\ncredentials",
        );
    let cfg = load_str(&toml, &[]).unwrap();
    let Credentials::Tiktok(c) = &cfg.accounts[0].credentials else {
        panic!("not tiktok")
    };
    assert_eq!(c.service_id.as_deref(), Some("7310000000000000001"));
    assert_eq!(
        cfg.accounts[0].consent_url.as_ref().map(|u| u.as_str()),
        Some("https://services.us.tiktokshop.com/")
    );

    let p = only_problem(
        load_str(
            &TIKTOK.replace("credentials", "consent_url = \"ftp://x\"\ncredentials"),
            &[],
        )
        .unwrap_err(),
    );
    assert_eq!(p.path, "accounts[0].consent_url");

    let toml = SHOPEE.replace(
        "credentials",
        "consent_url = \"https://services.tiktokshop.com\"\ncredentials",
    );
    let p = only_problem(load_str(&toml, &[("PK", "k")]).unwrap_err());
    assert_eq!(p.path, "accounts[0].consent_url");
    assert!(p.message.contains("only tiktok"), "{}", p.message);
}
