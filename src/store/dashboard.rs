//! Read-only queries behind the dashboard. Sales figures are not here: the
//! dashboard reads them through [`Store::sale_lines`] and
//! `orders::report::aggregate`, the code behind `kho report sales`, so the
//! two can never disagree.

use chrono::NaiveDate;
use serde::Serialize;

use super::{Result, Store, with_pool};

/// One variant with its stock summed over every location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StockRow {
    pub producer_code: String,
    pub producer_name: String,
    pub product_code: String,
    pub product_name: String,
    pub category: String,
    pub variant_id: i64,
    pub sku: String,
    pub variant_name: String,
    pub price_vnd: i64,
    pub on_hand: i64,
    pub reserved: i64,
    pub ocop_stars: Option<i64>,
    pub ocop_cert_expires: Option<NaiveDate>,
    pub active: bool,
}

impl StockRow {
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }
}

/// Counts for the products page's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StockSummary {
    pub skus: i64,
    /// Nothing available (or less: reservations above what is on hand).
    pub out_of_stock: i64,
    /// Between 1 and the low-stock bound available.
    pub low: i64,
}

const STOCK_SELECT: &str = "SELECT pr.code AS producer_code, pr.name AS producer_name, p.code AS product_code, \
     p.name AS product_name, p.category, v.id AS variant_id, v.sku, v.name AS variant_name, \
     v.price_vnd, \
     CAST(COALESCE(SUM(s.on_hand), 0) AS BIGINT) AS on_hand, \
     CAST(COALESCE(SUM(s.reserved), 0) AS BIGINT) AS reserved, \
     p.ocop_stars, p.ocop_cert_expires, (p.active AND v.active) AS active \
     FROM variants v JOIN products p ON p.id = v.product_id \
     JOIN producers pr ON pr.id = p.producer_id \
     LEFT JOIN stock_levels s ON s.variant_id = v.id ";

const STOCK_GROUP: &str = " GROUP BY pr.code, pr.name, p.code, p.name, p.category, v.id, v.sku, v.name, \
     v.price_vnd, p.ocop_stars, p.ocop_cert_expires, p.active, v.active ";

impl Store {
    /// Variants with stock, optionally of one producer and/or one product,
    /// in producer, product, SKU order.
    pub async fn stock_rows(
        &self,
        producer: Option<&str>,
        product: Option<&str>,
    ) -> Result<Vec<StockRow>> {
        let sql = format!(
            "{STOCK_SELECT} WHERE (CAST($1 AS TEXT) IS NULL OR pr.code = $1) \
             AND (CAST($2 AS TEXT) IS NULL OR p.code = $2) {STOCK_GROUP} \
             ORDER BY pr.code, p.code, v.sku"
        );
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(producer)
                .bind(product)
                .fetch_all(pool)
                .await?
        }))
    }

    /// One page of [`Store::stock_rows`], optionally only the variants with
    /// at most `at_most` available (the low and out-of-stock ones).
    pub async fn stock_page(
        &self,
        producer: Option<&str>,
        at_most: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<StockRow>> {
        let sql = format!(
            "{STOCK_SELECT} WHERE (CAST($1 AS TEXT) IS NULL OR pr.code = $1) {STOCK_GROUP} \
             HAVING (CAST($2 AS BIGINT) IS NULL \
             OR COALESCE(SUM(s.on_hand), 0) - COALESCE(SUM(s.reserved), 0) <= $2) \
             ORDER BY pr.code, p.code, v.sku LIMIT $3 OFFSET $4"
        );
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(producer)
                .bind(at_most)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        }))
    }

    /// How many variants there are, and how many are out of or low on
    /// stock (`low`: at most this many available).
    pub async fn stock_summary(&self, producer: Option<&str>, low: i64) -> Result<StockSummary> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT CAST(COUNT(*) AS BIGINT) AS skus, \
                 CAST(COALESCE(SUM(CASE WHEN available <= 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS out_of_stock, \
                 CAST(COALESCE(SUM(CASE WHEN available > 0 AND available <= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS low \
                 FROM (SELECT v.id, COALESCE(SUM(s.on_hand), 0) - COALESCE(SUM(s.reserved), 0) AS available \
                 FROM variants v JOIN products p ON p.id = v.product_id \
                 JOIN producers pr ON pr.id = p.producer_id \
                 LEFT JOIN stock_levels s ON s.variant_id = v.id \
                 WHERE (CAST($1 AS TEXT) IS NULL OR pr.code = $1) GROUP BY v.id) per_variant",
            )
            .bind(producer)
            .bind(low)
            .fetch_one(pool)
            .await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseUrl;

    #[tokio::test]
    async fn stock_is_summed_per_variant_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let url =
            DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("k.db").display())).unwrap();
        let store = Store::open(&url, 2).await.unwrap();
        let csv = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/ocop-catalog.csv"
        ))
        .unwrap();
        crate::store::catalog::import::import_bytes(
            &store,
            &csv,
            "ocop-catalog.csv",
            false,
            "test",
        )
        .await
        .unwrap();
        let all = store.stock_rows(None, None).await.unwrap();
        assert!(!all.is_empty());
        let one = &all[0];
        let mine = store
            .stock_rows(Some(&one.producer_code), None)
            .await
            .unwrap();
        assert!(mine.iter().all(|r| r.producer_code == one.producer_code));
        assert!(mine.len() < all.len());
        let product = store
            .stock_rows(Some(&one.producer_code), Some(&one.product_code))
            .await
            .unwrap();
        assert!(product.iter().all(|r| r.product_code == one.product_code));
        let entries = store.catalog_entries(None).await.unwrap();
        for row in &all {
            let e = entries.iter().find(|e| e.variant_sku == row.sku).unwrap();
            assert_eq!((row.on_hand, row.reserved), (e.stock, e.reserved));
        }
        assert!(
            store
                .stock_rows(Some("nobody"), None)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
