//! Webhooks are filed under the account whose key verified them. A security
//! review had a push signed with Shopee account B's partner key name account
//! A's shop: kho accepted it and stored it under A. Per channel, three
//! accounts: A and B with different keys, C sharing A's key (shops of one
//! app share its secret); pushes go through a real `kho serve`.

use secrecy::SecretString;

use crate::both_backends;
use crate::support::Daemon;
use crate::support::{TestDb, ok, sample_catalog};

const KEY_A: &str = "6b686f2d726f7574696e672d6b65792d6f662d6163636f756e742d612d2d2d2d";
const KEY_B: &str = "6b686f2d726f7574696e672d6b65792d6f662d6163636f756e742d622d2d2d2d";
const APP_A: &str = "app-key-a";
const APP_B: &str = "app-key-b";

/// The accounts of one channel: (name, shop or seller id, key, app key).
const ACCOUNTS: [(&str, &str, &str, &str); 3] = [
    ("a", "700000001", KEY_A, APP_A),
    ("b", "700000002", KEY_B, APP_B),
    ("c", "700000003", KEY_A, APP_A),
];

fn env_name(key: &str) -> &'static str {
    if key == KEY_A {
        "KHO_TEST_ROUTING_KEY_A"
    } else {
        "KHO_TEST_ROUTING_KEY_B"
    }
}

/// `kho.toml` with the three accounts of `channel`; the marketplace itself
/// is unreachable (nothing here needs it: routing happens before any call).
fn write_config(db: &TestDb, channel: &str) {
    let mut toml = String::new();
    for (i, (name, shop, key, app)) in ACCOUNTS.iter().enumerate() {
        let env = env_name(key);
        let credentials = match channel {
            "shopee" => format!(
                "{{ partner_id = 2001887, partner_key = \"env:{env}\", shop_id = {shop}, \
                 access_token = \"{:032x}\", refresh_token = \"{:032x}\" }}",
                0xa0 + i,
                0xb0 + i
            ),
            "tiktok" => format!(
                "{{ app_key = \"{app}\", app_secret = \"env:{env}\", shop_cipher = \"ROW_{name}\", \
                 shop_id = \"{shop}\", access_token = \"tok-{name}\", refresh_token = \"ref-{name}\" }}"
            ),
            _ => format!(
                "{{ app_key = \"{app}\", app_secret = \"env:{env}\", seller_id = \"{shop}\", \
                 access_token = \"tok-{name}\", refresh_token = \"ref-{name}\" }}"
            ),
        };
        let auth_url = if channel == "shopee" {
            String::new()
        } else {
            "auth_url = \"http://127.0.0.1:9/rest\"\n".to_owned()
        };
        toml.push_str(&format!(
            "[[accounts]]\nname = \"{channel}-{name}\"\nchannel = \"{channel}\"\nproducer = \"htx-chi-lang\"\n\
             base_url = \"http://127.0.0.1:9/rest\"\n{auth_url}rate_limit = {{ per_second = 10 }}\n\
             credentials = {credentials}\n\n"
        ));
    }
    std::fs::write(db.path("kho.toml"), toml).unwrap();
}

/// An order status push of `channel` naming `shop`, signed with `key`.
fn push(channel: &str, url: &str, shop: &str, order: &str, key: &str) -> (String, String) {
    let secret = SecretString::from(key.to_owned());
    let app = if key == KEY_A { APP_A } else { APP_B };
    match channel {
        "shopee" => {
            let body = format!(
                r#"{{"data":{{"items":[],"ordersn":"{order}","status":"READY_TO_SHIP","completed_scenario":"","update_time":1795962995}},"shop_id":{shop},"code":3,"timestamp":1795962995}}"#
            );
            let auth = kho_shopee::push_authorization(&secret, url, body.as_bytes());
            (body, auth)
        }
        "tiktok" => {
            let body = format!(
                r#"{{"type":1,"tts_notification_id":"n-{order}","shop_id":"{shop}","timestamp":1795962995,"data":{{"order_id":"{order}","order_status":"AWAITING_SHIPMENT","update_time":1795962995}}}}"#
            );
            let auth = kho_tiktok::webhook_authorization(&secret, app, body.as_bytes());
            (body, auth)
        }
        _ => {
            let body = format!(
                r#"{{"seller_id":"{shop}","message_type":0,"data":{{"order_status":"pending","trade_order_id":"{order}","trade_order_line_id":"{order}1","status_update_time":1795962995}},"timestamp":1795962995000,"site":"lazada_vn"}}"#
            );
            let auth = kho_lazada::push_authorization(&secret, app, body.as_bytes());
            (body, auth)
        }
    }
}

/// (account name, order id in the body) of every stored webhook delivery.
async fn stored(db: &TestDb) -> Vec<(String, String)> {
    let store = db.store().await;
    let sql = "SELECT COALESCE(a.name, ''), w.body FROM webhook_events w \
               LEFT JOIN channel_accounts a ON a.id = w.account_id ORDER BY w.id";
    let rows: Vec<(String, String)> = match store.pool() {
        kho::store::Pool::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await.unwrap(),
        kho::store::Pool::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await.unwrap(),
    };
    store.close().await;
    rows.into_iter()
        .map(|(account, body)| {
            let order = [
                "ORD-A1", "ORD-B1", "ORD-C1", "ORD-X1", "ORD-X2", "ORD-X3", "ORD-X4",
            ]
            .into_iter()
            .find(|o| body.contains(&format!("\"{o}\"")))
            .unwrap_or("?")
            .to_owned();
            (account, order)
        })
        .collect()
}

async fn routes_by_the_verifying_key(db: TestDb, channel: &str) {
    ok(&db.kho(&["import", sample_catalog().to_str().unwrap()]));
    write_config(&db, channel);
    let daemon = Daemon::start_with(
        &db,
        &[
            ("KHO_TEST_ROUTING_KEY_A", KEY_A),
            ("KHO_TEST_ROUTING_KEY_B", KEY_B),
        ],
        "1h",
    );
    let url = format!("{}/webhooks/{channel}", daemon.url);
    let client = reqwest::Client::new();
    let send = |shop: &str, order: &str, key: &str| {
        let (body, auth) = push(channel, &url, shop, order, key);
        let req = client
            .post(&url)
            .header("content-type", "application/json")
            .header("authorization", auth)
            .body(body);
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap_or_default())
        }
    };
    let (shop_a, shop_b, shop_c) = (ACCOUNTS[0].1, ACCOUNTS[1].1, ACCOUNTS[2].1);

    // B's key naming A's shop, and A's key naming B's shop: refused.
    let (status, text) = send(shop_a, "ORD-X1", KEY_B).await;
    assert_eq!(status, 403, "B's key, A's shop: {text}");
    let (status, text) = send(shop_b, "ORD-X2", KEY_A).await;
    assert_eq!(status, 403, "A's key, B's shop: {text}");
    // Each key naming its own shop, and A's key naming C's shop (they share
    // the key): accepted, each under the shop's account.
    assert_eq!(send(shop_a, "ORD-A1", KEY_A).await.0, 200);
    assert_eq!(send(shop_b, "ORD-B1", KEY_B).await.0, 200);
    assert_eq!(send(shop_c, "ORD-C1", KEY_A).await.0, 200);
    // A shop no account manages: acknowledged and ignored, as before.
    assert_eq!(send("799999999", "ORD-X3", KEY_B).await.0, 200);
    // No key at all: refused as a bad signature.
    let (body, _) = push(channel, &url, shop_a, "ORD-X4", KEY_A);
    let resp = client.post(&url).body(body).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);

    assert_eq!(
        stored(&db).await,
        vec![
            (format!("{channel}-a"), "ORD-A1".to_owned()),
            (format!("{channel}-b"), "ORD-B1".to_owned()),
            (format!("{channel}-c"), "ORD-C1".to_owned()),
        ]
    );
    let metrics = client
        .get(format!("{}/metrics", daemon.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let refused = metrics
        .lines()
        .find(|l| {
            l.starts_with("kho_webhooks_total")
                && l.contains(&format!("channel=\"{channel}\""))
                && l.contains("result=\"wrong_account\"")
        })
        .unwrap_or_else(|| panic!("no wrong_account count in:\n{metrics}"));
    assert!(refused.ends_with(" 2"), "{refused}");
    drop(daemon);
}

both_backends!(shopee_push_signed_by_another_account_is_refused, |db| {
    routes_by_the_verifying_key(db, "shopee").await;
});

both_backends!(tiktok_push_signed_by_another_account_is_refused, |db| {
    routes_by_the_verifying_key(db, "tiktok").await;
});

both_backends!(lazada_push_signed_by_another_account_is_refused, |db| {
    routes_by_the_verifying_key(db, "lazada").await;
});
