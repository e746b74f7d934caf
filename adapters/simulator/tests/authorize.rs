//! The sellers' authorisation pages of the three simulators: each sends the browser back with a single-use code
//! (and the app's state), refuses a link that is not the app's, and the code is exchanged once.
//!
//! Sections refer to `docs/src/channels/shopee.md` §2.1, `docs/src/channels/tiktok.md` §2 and
//! `docs/src/channels/lazada.md` §2.1.

mod common;

use std::collections::HashMap;

use common::{Client, SHOP, assert_error, hmac_hex, now, start};
use kho_simulator::shopee::SimConfig;
use serde_json::json;

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// (status, the redirect's query or the refusal's text)
async fn open(url: &str) -> (u16, HashMap<String, String>, String) {
    let resp = browser().get(url).send().await.expect("answer");
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    let text = resp.text().await.unwrap_or_default();
    let query = location
        .map(|l| {
            url::Url::parse(&l)
                .expect("absolute redirect")
                .query_pairs()
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    (status, query, text)
}

#[tokio::test]
async fn shopee_link_redirects_with_a_code_that_works_once() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let path = "/api/v2/shop/auth_partner";
    let link = |ts: i64, key: &str| {
        let sign = hmac_hex(key, format!("{}{path}{ts}", cfg.partner_id).as_bytes());
        format!(
            "{}{path}?partner_id={}&timestamp={ts}&sign={sign}&redirect={}",
            sim.base_url(),
            cfg.partner_id,
            url::form_urlencoded::byte_serialize(b"https://kho.test/cb?state=s1")
                .collect::<String>()
        )
    };

    let (status, q, text) = open(&link(now(), &cfg.partner_key)).await;
    assert_eq!(status, 302, "{text}");
    assert_eq!(q["state"], "s1", "the redirect's own query is kept");
    assert_eq!(q["shop_id"], SHOP.to_string());
    let code = q["code"].clone();

    // Wrong key, or a link older than 5 minutes: refused.
    let (status, _, text) = open(&link(now(), "not-the-key")).await;
    assert_eq!(status, 400, "{text}");
    let (status, _, text) = open(&link(now() - 400, &cfg.partner_key)).await;
    assert_eq!((status, text.contains("expired")), (400, true), "{text}");

    let body = json!({"code": code, "partner_id": cfg.partner_id, "shop_id": SHOP});
    let (status, v) = c.public_post("/api/v2/auth/token/get", &body).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    let (_, v) = c.public_post("/api/v2/auth/token/get", &body).await;
    assert_error(&v, "invalid_code", "The code is expired or used or invalid");
}

#[tokio::test]
async fn tiktok_page_sends_the_seller_to_the_registered_redirect() {
    use kho_simulator::tiktok::{SimConfig, Simulator};
    let cfg = SimConfig::default();
    let sim = Simulator::start(cfg.clone()).await.expect("simulator");
    let page = format!(
        "{}/oauth/authorize?app_key={}&state=st8",
        sim.base_url(),
        cfg.app_key
    );
    // No redirect URL registered for the App: nowhere to send the seller.
    let (status, _, text) = open(&page).await;
    assert_eq!(status, 400, "{text}");
    sim.set_redirect_url(Some("https://kho.test/oauth/tiktok/callback".into()));
    let (status, q, text) = open(&page).await;
    assert_eq!(status, 302, "{text}");
    assert_eq!(q["state"], "st8");
    let (status, _, _) = open(&format!("{}/oauth/authorize?app_key=other", sim.base_url())).await;
    assert_eq!(status, 400);

    let exchange = format!(
        "{}/api/v2/token/get?app_key={}&app_secret={}&auth_code={}&grant_type=authorized_code",
        sim.base_url(),
        cfg.app_key,
        cfg.app_secret,
        q["code"]
    );
    let first: serde_json::Value = browser()
        .get(&exchange)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["code"], 0, "{first}");
    let again: serde_json::Value = browser()
        .get(&exchange)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["code"], 36004004, "{again}");
}

#[tokio::test]
async fn tiktok_current_consent_page_knows_the_app_by_its_service_id() {
    use kho_simulator::tiktok::{SimConfig, Simulator};
    let cfg = SimConfig::default();
    let sim = Simulator::start(cfg.clone()).await.expect("simulator");
    assert_eq!(sim.service_id(), cfg.service_id);
    let link = |query: &str| format!("{}/open/authorize?{query}", sim.base_url());
    let page = link(&format!("service_id={}&state=st7", cfg.service_id));
    // No redirect URL registered for the App: nowhere to send the seller.
    let (status, _, text) = open(&page).await;
    assert_eq!(status, 400, "{text}");
    sim.set_redirect_url(Some("https://kho.test/oauth/tiktok/callback?k=1".into()));
    let (status, q, text) = open(&page).await;
    assert_eq!(status, 302, "{text}");
    assert_eq!((q["state"].as_str(), q["k"].as_str()), ("st7", "1"));

    // An unknown or missing service id, or the app key in its place: a plain refusal (the notes give no error).
    for bad in [
        "service_id=7310000000000000999&state=st7".to_owned(),
        "state=st7".to_owned(),
        format!("app_key={}&state=st7", cfg.app_key),
    ] {
        let (status, q, text) = open(&link(&bad)).await;
        assert_eq!(status, 400, "{bad}: {text}");
        assert!(text.contains("service_id is not a known App"), "{text}");
        assert!(q.is_empty(), "{bad}");
    }

    let exchange = format!(
        "{}/api/v2/token/get?app_key={}&app_secret={}&auth_code={}&grant_type=authorized_code",
        sim.base_url(),
        cfg.app_key,
        cfg.app_secret,
        q["code"]
    );
    let tokens: serde_json::Value = browser()
        .get(&exchange)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tokens["code"], 0, "{tokens}");
}

#[tokio::test]
async fn tiktok_app_without_a_service_id_has_no_current_consent_page() {
    use kho_simulator::tiktok::{SimConfig, Simulator};
    let cfg = SimConfig {
        service_id: String::new(),
        redirect_url: Some("https://kho.test/oauth/tiktok/callback".into()),
        ..SimConfig::default()
    };
    let sim = Simulator::start(cfg).await.expect("simulator");
    for query in ["service_id=", "state=st7"] {
        let (status, _, text) = open(&format!("{}/open/authorize?{query}", sim.base_url())).await;
        assert_eq!(status, 400, "{text}");
    }
}

#[tokio::test]
async fn lazada_page_redirects_with_code_and_state() {
    use kho_simulator::lazada::{SimConfig, Simulator};
    let cfg = SimConfig::default();
    let sim = Simulator::start(cfg.clone()).await.expect("simulator");
    let host = sim.base_url().replace("/rest", "");
    let page = |client_id: &str| {
        format!(
            "{host}/oauth/authorize?response_type=code&force_auth=true&redirect_uri={}&client_id={client_id}&state=st9",
            url::form_urlencoded::byte_serialize(b"https://kho.test/oauth/lazada/callback")
                .collect::<String>()
        )
    };
    let (status, q, text) = open(&page(&cfg.app_key)).await;
    assert_eq!(status, 302, "{text}");
    assert_eq!(q["state"], "st9");
    assert!(q["code"].len() > 10);
    let (status, _, _) = open(&page("not-our-app")).await;
    assert_eq!(status, 400);
}
