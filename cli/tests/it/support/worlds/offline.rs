//! Accounts kept in the store with no worker behind them, and orders put
//! straight into it: the seed of the dashboard's, the browser's and the
//! reports' worlds, which show what kho knows without reaching a shop.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use kho::config::{Config, Sources};
use kho::store::Store;
use kho::store::orders::{IngestLine, IngestOrder};
use kho_channel::OrderStatus;

use crate::support::TestDb;

/// Vietnam's time zone, in which days and months are counted.
pub const TZ: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// Midnight of `d` in Vietnam.
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    TZ.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .expect("midnight exists in Vietnam")
        .with_timezone(&Utc)
}

/// The made-up shops of the offline worlds, as `[[accounts]]` tables whose
/// hosts nothing listens on (port 9, discard): the dashboard, browser and
/// reports worlds combine them with `concat!`.
macro_rules! shopee_chi_lang {
    () => {
        r#"
[[accounts]]
name = "shopee-chi-lang"
channel = "shopee"
producer = "htx-chi-lang"
base_url = "http://127.0.0.1:9"
credentials = { partner_id = 1, partner_key = "k", shop_id = 11, access_token = "a", refresh_token = "r" }
"#
    };
}
macro_rules! tiktok_chi_lang {
    () => {
        r#"
[[accounts]]
name = "tiktok-chi-lang"
channel = "tiktok"
producer = "htx-chi-lang"
base_url = "http://127.0.0.1:9"
auth_url = "http://127.0.0.1:9"
credentials = { app_key = "k", app_secret = "s", shop_cipher = "c", access_token = "a", refresh_token = "r" }
"#
    };
}
macro_rules! lazada_bao_lam {
    () => {
        r#"
[[accounts]]
name = "lazada-bao-lam"
channel = "lazada"
producer = "htx-bao-lam"
base_url = "http://127.0.0.1:9/rest"
auth_url = "http://127.0.0.1:9/rest"
credentials = { app_key = "k", app_secret = "s", access_token = "a", refresh_token = "r" }
"#
    };
}

/// Shopee and TikTok shops of HTX Chi Lăng and a Lazada shop of HTX Bảo Lâm:
/// the browser worlds' shops.
pub const THREE_SHOPS: &str = concat!(shopee_chi_lang!(), tiktok_chi_lang!(), lazada_bao_lam!());

/// One shop of each of two cooperatives: the reports' world.
pub const TWO_COOPERATIVES: &str = concat!(shopee_chi_lang!(), lazada_bao_lam!());

/// Stores the accounts of `accounts_toml` and returns the store with each
/// account's id by name. The `kho.toml` written beside them configures no
/// account, so a `kho serve` started on this database runs no worker that
/// would try to reach these made-up shops.
pub async fn store_accounts(db: &TestDb, accounts_toml: &str) -> (Store, HashMap<String, i64>) {
    std::fs::write(db.path("accounts.toml"), accounts_toml).expect("write accounts");
    let config = Config::load(Sources {
        file: Some(&db.path("accounts.toml")),
        env: Some(crate::support::keyed(Default::default())),
    })
    .expect("accounts config");
    std::fs::write(
        db.path("kho.toml"),
        "[sync]\norder_poll_interval = \"1h\"\n",
    )
    .expect("write kho.toml");
    let store = db.store().await;
    let problems = store
        .sync_accounts(&config.accounts, true)
        .await
        .expect("accounts");
    assert!(problems.is_empty(), "accounts: {problems:?}");
    let ids = store
        .accounts(None)
        .await
        .expect("accounts")
        .into_iter()
        .map(|a| (a.name, a.id))
        .collect();
    (store, ids)
}

/// Records an order of `account` as if it had been fetched from its shop:
/// `lines` are (seller SKU, quantity, unit price in đồng).
pub async fn ingest(
    store: &Store,
    account: i64,
    id: &str,
    at: DateTime<Utc>,
    status: OrderStatus,
    lines: &[(&str, i64, i64)],
) {
    let order = IngestOrder {
        remote_order_id: id.into(),
        status,
        raw_status: format!("{status:?}"),
        ordered_at: at,
        remote_updated_at: Some(at),
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, (sku, qty, price))| IngestLine {
                key: format!("{id}-{i}"),
                seller_sku: (*sku).into(),
                quantity: *qty,
                unit_price_vnd: *price,
            })
            .collect(),
    };
    store
        .ingest_order(account, &order, true, "test")
        .await
        .expect("ingest order");
}
