//! The department's reports world, shared by the reports tests over HTTP,
//! in Chromium and the OCOP register's: the sample catalog, a Shopee shop of
//! Chi Lăng and a Lazada shop of Bảo Lâm with orders in October 2026 and
//! the month before, the department's and a cooperative's tokens, and the
//! province's register as its system exports it.

use chrono::{DateTime, TimeZone, Utc};
use kho::auth::Role;
use kho_channel::OrderStatus;

pub use crate::support::worlds::offline::TZ;
use crate::support::worlds::offline::{TWO_COOPERATIVES, ingest, store_accounts};
use crate::support::{TestDb, ok, sample_catalog};

/// The period every check asks for; the previous one is 31 days before it.
pub const FROM: &str = "2026-10-01";
pub const TO: &str = "2026-10-31";
pub const CHI_LANG: &str = "HTX Nông nghiệp Chi Lăng";

pub struct Seeded {
    pub department: String,
    /// A token of htx-bao-lam, which must never see htx-chi-lang's sales.
    pub bao_lam: String,
}

pub fn at(y: i32, m: u32, d: u32, hour: u32) -> DateTime<Utc> {
    TZ.with_ymd_and_hms(y, m, d, hour, 0, 0)
        .single()
        .expect("a plain hour in Vietnam")
        .with_timezone(&Utc)
}

/// The sample catalog, a shop of each of two cooperatives, orders in
/// October 2026 and in the 31 days before (one cancelled, one of an SKU kho
/// does not know, one just after midnight local time on 1 October, which
/// is still 30 September in UTC), and tokens for the department and for
/// htx-bao-lam. `kho serve` runs without accounts; they stay in the store.
pub async fn seed(db: &TestDb) -> Seeded {
    ok(&db.kho(&["import", sample_catalog().to_str().expect("path")]));
    let (store, ids) = store_accounts(db, TWO_COOPERATIVES).await;
    let (shopee, lazada) = (ids["shopee-chi-lang"], ids["lazada-bao-lam"]);
    use OrderStatus::*;
    ingest(
        &store,
        shopee,
        "S1",
        at(2026, 10, 1, 0),
        Delivered,
        &[("NA-CHILANG-1KG", 2, 85_000)],
    )
    .await;
    ingest(
        &store,
        shopee,
        "S2",
        at(2026, 10, 12, 9),
        Delivered,
        &[("NA-CHILANG-2KG", 1, 165_000), ("NA-SAY-200G", 3, 65_000)],
    )
    .await;
    ingest(
        &store,
        shopee,
        "S3",
        at(2026, 10, 20, 9),
        Cancelled,
        &[("NA-CHILANG-5KG", 1, 390_000)],
    )
    .await;
    ingest(
        &store,
        shopee,
        "S4",
        at(2026, 10, 31, 23),
        Shipped,
        &[("NGOAI-DANH-MUC", 1, 10_000)],
    )
    .await;
    ingest(
        &store,
        shopee,
        "S5",
        at(2026, 9, 15, 9),
        Delivered,
        &[("NA-CHILANG-1KG", 1, 85_000)],
    )
    .await;
    ingest(
        &store,
        lazada,
        "L1",
        at(2026, 10, 5, 9),
        Delivered,
        &[("HONG-KHONGHAT-1KG", 4, 120_000)],
    )
    .await;
    ingest(
        &store,
        lazada,
        "L2",
        at(2026, 10, 6, 9),
        Ready,
        &[("HONG-SAY-500G", 2, 95_000)],
    )
    .await;
    ingest(
        &store,
        lazada,
        "L3",
        at(2026, 9, 2, 9),
        Delivered,
        &[("HONG-KHONGHAT-3KG", 1, 300_000)],
    )
    .await;
    // Outside both periods: must count nowhere.
    ingest(
        &store,
        lazada,
        "L4",
        at(2026, 8, 30, 9),
        Delivered,
        &[("HONG-KHONGHAT-3KG", 9, 300_000)],
    )
    .await;
    let (_, department) = store
        .create_token("Sở Nông nghiệp và Môi trường", Role::Department, None)
        .await
        .expect("token");
    let (_, bao_lam) = store
        .create_token("HTX Bảo Lâm", Role::Cooperative, Some("htx-bao-lam"))
        .await
        .expect("token");
    store.close().await;
    Seeded {
        department,
        bao_lam,
    }
}

pub async fn get(base: &str, path: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("cookie", format!("kho_session={token}"))
        .send()
        .await
        .expect("request")
}

/// As the department's system exports it: Vietnamese headers, its own
/// column order, dates day first. Na Chi Lăng matches; Na sấy has 4 stars
/// here (3 in kho); Hồng không hạt's certificate lapsed; Miến dong is
/// certified but not in kho; the rest of kho's starred products are
/// unknown to this register.
pub const REGISTER_CSV: &str = "\u{feff}STT,Số giấy chứng nhận,Tên sản phẩm,Chủ thể,Hạng sao,Ngày hết hạn,Huyện\r\n\
1,OCOP-LS-2021-100,Na Chi Lăng,HTX Nông nghiệp Chi Lăng,4 sao,31/03/2028,Chi Lăng\r\n\
2,OCOP-LS-2022-101,Na sấy dẻo Chi Lăng,HTX Nông nghiệp Chi Lăng,4,30/06/2027,Chi Lăng\r\n\
3,OCOP-LS-2023-102,Hồng không hạt Bảo Lâm,HTX Hồng Bảo Lâm,4,15/11/2025,Cao Lộc\r\n\
4,OCOP-LS-2025-999,Miến dong Bình Gia,HTX Miến Bình Gia,3,01/01/2029,Bình Gia\r\n";
