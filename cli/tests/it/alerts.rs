//! Alerts that reach people: what needs attention goes by e-mail to a
//! local SMTP sink and by a signed webhook to a local receiver, from
//! `kho alerts send` and from the daemon's scheduler, once per item,
//! recipient and day; a failed delivery is tried again; secrets stay out
//! of the output; the `[alerts]` section is checked like the rest.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::support::receivers::{Hook, HookReceiver, SmtpSink};
use crate::support::{Daemon, TestDb, ok, sample_catalog, stderr, stdout};

const HOOK_SECRET: &str = "test-hook-secret-9f8e7d";

fn config(sink: &SmtpSink, hook: &HookReceiver, interval: &str) -> String {
    format!(
        r#"
[sync]
order_poll_interval = "1h"

[alerts]
interval = "{interval}"

[alerts.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "kho <kho@example.org>"

[alerts.webhook]
secret = "env:KHO_TEST_HOOK_SECRET"

[alerts.department]
emails = ["so-nn@example.org"]
webhook_url = "{url}"

[alerts.producers.htx-chi-lang]
emails = ["htx-chi-lang@example.org", "ke-toan@example.org"]
"#,
        port = sink.port,
        url = hook.url
    )
}

fn send(db: &TestDb, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--config", "kho.toml", "alerts", "send", "--json"];
    args.extend_from_slice(extra);
    db.kho_cmd(&args)
        .env("KHO_TEST_HOOK_SECRET", HOOK_SECRET)
        .env("KHO_LOG", "debug")
        .output()
        .expect("run kho")
}

fn deliveries(out: &std::process::Output) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&stdout(out)).expect("JSON report");
    doc["deliveries"].as_array().expect("deliveries").clone()
}

fn delivery<'a>(all: &'a [Value], recipient: &str, via: &str) -> &'a Value {
    all.iter()
        .find(|d| d["recipient"] == recipient && d["via"] == via)
        .unwrap_or_else(|| panic!("no {via} delivery to {recipient}: {all:?}"))
}

/// Checks a webhook call the way a receiver must: HMAC-SHA256 of
/// `"{timestamp}.{body}"` under the shared secret, and a recent timestamp.
fn verify(hook: &Hook) -> Value {
    let ts = hook.header("x-kho-timestamp").expect("timestamp header");
    let sig = hook.header("x-kho-signature").expect("signature header");
    let mut mac = Hmac::<Sha256>::new_from_slice(HOOK_SECRET.as_bytes()).unwrap();
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(&hook.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(sig, expected, "the signature does not verify");
    let age = chrono::Utc::now().timestamp() - ts.parse::<i64>().expect("unix seconds");
    assert!((0..300).contains(&age), "timestamp {age} s old");
    assert_eq!(hook.path, "/hooks/kho");
    serde_json::from_slice(&hook.body).expect("a JSON body")
}

crate::both_backends!(attention_reaches_people_once_a_day, |db| {
    ok(&db.kho(&["import", sample_catalog().to_str().expect("path")]));
    // An out-of-stock SKU besides the sample's expired certificate.
    ok(&db.kho(&["stock", "set", "NA-CHILANG-1KG", "0", "--reason", "count"]));
    let sink = SmtpSink::start();
    let hook = HookReceiver::start();
    std::fs::write(db.path("kho.toml"), config(&sink, &hook, "1s")).expect("write kho.toml");

    // Dry run: says what it would send, sends and records nothing.
    let out = send(&db, &["--dry-run"]);
    ok(&out);
    let all = deliveries(&out);
    assert_eq!(all.len(), 3, "{all:?}");
    for d in &all {
        assert!(d["items"].as_u64().unwrap() > 0, "{d}");
        assert_eq!(d["sent"], false);
    }
    assert!(
        delivery(&all, "department", "email")["items"].as_u64()
            > delivery(&all, "htx-chi-lang", "email")["items"].as_u64(),
        "the department hears about every cooperative"
    );
    assert!(sink.mails().is_empty() && hook.hooks().is_empty());

    // The receiver fails: the e-mails go, the webhook is reported and kept
    // for the next run.
    hook.fail(true);
    let out = send(&db, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let all = deliveries(&out);
    assert_eq!(delivery(&all, "department", "email")["sent"], true);
    assert_eq!(delivery(&all, "htx-chi-lang", "email")["sent"], true);
    assert!(
        delivery(&all, "department", "webhook")["error"]
            .as_str()
            .is_some_and(|e| e.contains("500"))
    );
    assert!(!stderr(&out).contains(HOOK_SECRET) && !stdout(&out).contains(HOOK_SECRET));
    let mails = sink.mails();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let coop = mails
        .iter()
        .find(|m| m.to.contains(&"htx-chi-lang@example.org".to_owned()))
        .expect("the cooperative's e-mail");
    assert_eq!(coop.to.len(), 2);
    assert_eq!(coop.from, "kho@example.org");
    let text = coop.text();
    let vi = text
        .find("Hết hàng — ")
        .expect("Vietnamese out-of-stock line");
    let en = text
        .find("Out of stock — ")
        .expect("English out-of-stock line");
    assert!(vi < en, "Vietnamese first: {text}");
    assert!(
        text.contains("NA-CHILANG-1KG") && text.contains("Chứng nhận OCOP đã hết hạn"),
        "{text}"
    );
    assert!(
        !text.contains("htx-bao-lam"),
        "a cooperative hears only of its own: {text}"
    );
    assert!(
        coop.subject().contains("việc cần xử lý") && coop.subject().contains("htx-chi-lang"),
        "{}",
        coop.subject()
    );
    let dept = mails
        .iter()
        .find(|m| m.to == ["so-nn@example.org"])
        .expect("the department's e-mail");
    assert!(dept.text().contains("NA-CHILANG-1KG"));

    // The daemon's scheduler sends what is left (the webhook) and nothing
    // twice.
    hook.fail(false);
    let failed_calls = hook.hooks().len();
    let daemon = Daemon::serve(&db)
        .env("KHO_TEST_HOOK_SECRET", HOOK_SECRET)
        .start();
    let deadline = Instant::now() + Duration::from_secs(60);
    while hook.hooks().len() == failed_calls {
        assert!(Instant::now() < deadline, "the daemon sent no webhook");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A few more ticks of the 1 s interval.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    daemon.stop();
    let hooks = hook.hooks();
    assert_eq!(hooks.len(), failed_calls + 1, "once per day: {hooks:?}");
    let body = verify(&hooks[hooks.len() - 1]);
    assert_eq!(body["recipient"]["kind"], "department");
    let items = body["items"].as_array().expect("items");
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|i| i["text_vi"].is_string() && i["text_en"].is_string())
    );
    assert!(body["text_vi"].as_str().unwrap().contains("Hết hàng"));
    assert_eq!(sink.mails().len(), 2, "no e-mail twice");

    // From cron, the same day: nothing new, nothing sent.
    let out = send(&db, &[]);
    ok(&out);
    for d in deliveries(&out) {
        assert_eq!(
            (d["items"].as_u64(), d["sent"].as_bool()),
            (Some(0), Some(false)),
            "{d}"
        );
    }
    assert_eq!(sink.mails().len(), 2);
    assert_eq!(hook.hooks().len(), failed_calls + 1);

    // A new item the same day is sent on its own.
    ok(&db.kho(&[
        "stock",
        "set",
        "HONG-KHONGHAT-3KG",
        "0",
        "--reason",
        "count",
    ]));
    let out = send(&db, &[]);
    ok(&out);
    let all = deliveries(&out);
    assert_eq!(delivery(&all, "department", "email")["items"], 1);
    assert_eq!(delivery(&all, "htx-chi-lang", "email")["items"], 0);
    let mails = sink.mails();
    assert_eq!(mails.len(), 3);
    assert!(mails[2].text().contains("HONG-KHONGHAT-3KG"));
});

crate::both_backends!(the_alerts_section_is_checked, |db| {
    let check = |toml: &str, env: &[(&str, &str)]| {
        std::fs::write(db.path("bad.toml"), toml).expect("write");
        let mut cmd = db.kho_cmd(&["--config", "bad.toml", "config", "check"]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run kho")
    };
    for (toml, needle) in [
        (
            "[alerts.producers.htx-chi-lang]\nemailz = [\"a@example.org\"]\n",
            "alerts.producers.htx-chi-lang.emailz",
        ),
        (
            "[alerts.smtp]\nhost = \"h\"\nfrom = \"k@example.org\"\n[alerts.department]\nemails = [\"not an address\"]\n",
            "alerts.department.emails[0]",
        ),
        (
            "[alerts.department]\nwebhook_url = \"https://bot.example.org/x\"\n[alerts.webhook]\nsecret = \"written-in-the-file\"\n",
            "alerts.webhook.secret",
        ),
        (
            "[alerts.department]\nemails = [\"a@example.org\"]\n",
            "alerts.smtp",
        ),
        (
            "[alerts.smtp]\nhost = \"h\"\nfrom = \"k@example.org\"\npassword = \"env:KHO_NO_SUCH_VAR\"\n",
            "alerts.smtp.password",
        ),
    ] {
        let out = check(toml, &[]);
        assert_eq!(out.status.code(), Some(2), "{toml}");
        assert!(stderr(&out).contains(needle), "{toml}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("written-in-the-file"),
            "{}",
            stderr(&out)
        );
    }
    // Secrets resolved from the environment never print.
    let out = check(
        "[alerts.smtp]\nhost = \"h\"\nusername = \"u\"\nfrom = \"k@example.org\"\npassword = \"env:KHO_SMTP_PW\"\n\
         [alerts.webhook]\nsecret = \"env:KHO_HOOK\"\n[alerts.department]\nemails = [\"a@example.org\"]\n",
        &[
            ("KHO_SMTP_PW", "pw-value-123"),
            ("KHO_HOOK", "hook-value-456"),
        ],
    );
    let text = ok(&out);
    assert!(text.contains("[alerts.smtp]"), "{text}");
    assert!(
        !text.contains("pw-value-123") && !text.contains("hook-value-456"),
        "{text}"
    );
    // Without recipients, `kho alerts send` says what to configure.
    let out = db.kho(&["alerts", "send"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("[alerts.department]"));
});
