//! The reports page in Debian's headless Chromium at 1366 px (a laptop)
//! and 390 px (a phone): signed in as the department, the period's figures
//! show, nothing scrolls sideways, chart labels stay readable, and the
//! English page too. With `KHO_SCREENSHOTS=DIR` the screenshots for the
//! book are written there (`reports-1366.png`, `reports-390.png`); they
//! always go to `target/test-artifacts/screenshots/`.
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` the test prints
//! why and skips — except under `CI=true`, where it fails.

use fantoccini::{Client, Locator};

use crate::support::browser::{
    DESKTOP, Driver, PHONE, browser_available, no_sideways_scroll, shot, sign_in_at,
};
use crate::support::worlds::reports::{CHI_LANG, FROM, REGISTER_CSV, TO, seed};
use crate::support::{Daemon, ok};

async fn number(b: &Client, script: &str) -> f64 {
    b.execute(script, vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap_or_else(|| panic!("{script}"))
}

crate::both_backends!(reports_page_in_chromium, |db| {
    if !browser_available() {
        return;
    }
    let seeded = seed(&db).await;
    // A register, so that the page lists its differences.
    let register = db.path("so-ocop.csv");
    std::fs::write(&register, REGISTER_CSV).unwrap();
    ok(&db.kho(&["ocop", "import", register.to_str().unwrap()]));
    let daemon = Daemon::start_with(&db, &[], "1h");
    let base = daemon.url.clone();
    let backend = format!("{:?}", db.backend).to_lowercase();
    let driver = Driver::start().await;
    let page = format!("/reports?from={FROM}&to={TO}&by=producer");
    for width in [DESKTOP, PHONE] {
        let b = driver
            .session(&db.path(&format!("chromium-{width}")), width)
            .await;
        sign_in_at(&b, &base, &seeded.department, &page).await;
        assert_eq!(
            b.find(Locator::Css("h1"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "Báo cáo"
        );
        let chi_lang = b
            .find(Locator::Css("tr[data-key='htx-chi-lang'] td.name"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(chi_lang.starts_with(CHI_LANG), "{chi_lang}");
        let revenue = b
            .find(Locator::Css("tr[data-key='htx-chi-lang'] span.revenue"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(revenue, "530.000 ₫");
        // Nothing wider than the screen.
        no_sideways_scroll(&b, &format!("reports at {width} px")).await;
        // Chart labels at least 11 px on screen.
        let label = number(
            &b,
            "const t = document.querySelector('svg.bars text'); return t.getBoundingClientRect().height;",
        )
        .await;
        assert!(
            label >= 11.0,
            "{width} px: chart labels are {label} px tall"
        );
        if backend == "sqlite" {
            shot(&b, &format!("reports-{width}.png")).await;
        }
        // The phone's figures and register, further down, for the book.
        if backend == "sqlite" && width < 600 {
            b.execute(
                "document.getElementById('figures').scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
            shot(&b, &format!("reports-{width}-figures.png")).await;
            b.execute("document.getElementById('ocop').scrollIntoView();", vec![])
                .await
                .unwrap();
            shot(&b, &format!("reports-{width}-ocop.png")).await;
        }
        // The English page, its figures the same.
        b.goto(&format!("{base}{page}&lang=en")).await.unwrap();
        assert_eq!(
            b.find(Locator::Css("h1"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "Reports"
        );
        no_sideways_scroll(&b, &format!("English reports at {width} px")).await;
        let heading = b
            .find(Locator::Css("#ocop h2"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(heading, "The province's OCOP register");
        assert!(
            !b.find_all(Locator::Css("#ocop li[data-kind='lapsed']"))
                .await
                .unwrap()
                .is_empty()
        );
        b.close().await.unwrap();
    }
    daemon.stop();
});
