//! The login-link flow in headless Chromium, on a 1366 px laptop and a
//! 390 px phone: open the link (which spends nothing), press the button,
//! land on the overview signed in by name; the same link then says it was
//! used. Screenshots go to `target/test-artifacts/screenshots/` like the
//! dashboard's (through `support::browser`, like every browser test).

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::support::browser::{
    DESKTOP, Driver, PHONE, artifact, browser_available, no_sideways_scroll, text, wait_for_path,
};
use crate::support::{Daemon, ok, sample_catalog};

crate::both_backends!(a_login_link_in_chromium, |db| {
    if !browser_available() {
        return;
    }
    ok(&db.kho(&["import", sample_catalog().to_str().expect("path")]));
    std::fs::write(
        db.path("kho.toml"),
        "[sync]\norder_poll_interval = \"1h\"\n",
    )
    .expect("write kho.toml");
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();
    let backend = format!("{:?}", db.backend).to_lowercase();
    let driver = Driver::start().await;
    for (width, person) in [(DESKTOP, "Nguyễn Văn An"), (PHONE, "Lò Thị Hoa")] {
        let doc: Value = serde_json::from_str(&ok(&db.kho(&[
            "login-link",
            "--json",
            "--producer",
            "htx-chi-lang",
            "--name",
            person,
        ])))
        .expect("JSON");
        let url = url::Url::parse(doc["url"].as_str().expect("url")).expect("a URL");
        let link = format!("{base}{}", url.path());
        let b = driver
            .session(&db.path(&format!("chromium-{width}")), width)
            .await;
        b.goto(&link).await.unwrap();
        assert_eq!(text(&b, "strong.person").await, person);
        no_sideways_scroll(&b, &format!("the login link at {width} px")).await;
        artifact(&b, &format!("login-link-{width}-{backend}.png")).await;
        b.find(Locator::Css("form[action^='/login/'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_path(&b, "/").await;
        // The name in the header (a phone's narrow header may hide it, so
        // read it from the page rather than from what is visible).
        let shown = b
            .execute(
                "return document.querySelector('header .who .name').textContent;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(shown, json!(person));
        no_sideways_scroll(
            &b,
            &format!("the overview after the login link at {width} px"),
        )
        .await;
        artifact(&b, &format!("login-link-signed-in-{width}-{backend}.png")).await;
        // The link worked once; opened again it says so.
        b.goto(&link).await.unwrap();
        let said = text(&b, "p.alert").await;
        assert!(
            said.contains("đã được dùng") && said.contains("already been used"),
            "{said}"
        );
        b.close().await.unwrap();
    }
    daemon.stop();
});
