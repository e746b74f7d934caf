//! The province's OCOP register as last imported: replaced whole on each
//! import (kho keeps no history of another system's data), with the file it
//! came from and when. Also the catalog's side of the comparison.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{Result, Store, in_tx, now, with_pool};

/// One certificate as the department's system lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RegisterEntry {
    /// The line of the imported file, to point a person back at it.
    pub line: i64,
    pub cert_no: String,
    pub product_name: String,
    pub producer_name: String,
    pub stars: i64,
    pub expires: NaiveDate,
    pub district: String,
}

/// Where the stored register came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RegisterSource {
    pub file_name: String,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
    pub entries: i64,
}

/// A catalog product as the comparison needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CatalogOcop {
    pub producer_code: String,
    pub producer_name: String,
    pub district: String,
    pub product_code: String,
    pub product_name: String,
    pub ocop_stars: Option<i64>,
    pub ocop_cert_no: Option<String>,
    pub ocop_cert_expires: Option<NaiveDate>,
    pub active: bool,
    /// Marketplace listings of its variants.
    pub listings: i64,
}

impl Store {
    /// Replaces the register with `entries` in one transaction: a reader
    /// sees the old register or the new one, never half of each.
    pub async fn replace_ocop_register(
        &self,
        file_name: &str,
        imported_by: &str,
        entries: &[RegisterEntry],
    ) -> Result<RegisterSource> {
        let source = RegisterSource {
            file_name: file_name.to_owned(),
            imported_at: now(),
            imported_by: imported_by.to_owned(),
            entries: entries.len() as i64,
        };
        in_tx!(self, |tx| {
            sqlx::query("DELETE FROM ocop_register")
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM ocop_register_source")
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO ocop_register_source (id, file_name, imported_at, imported_by, entries) \
                 VALUES (1, $1, $2, $3, $4)",
            )
            .bind(&source.file_name)
            .bind(source.imported_at)
            .bind(&source.imported_by)
            .bind(source.entries)
            .execute(&mut *tx)
            .await?;
            for e in entries {
                sqlx::query(
                    "INSERT INTO ocop_register (line, cert_no, product_name, producer_name, stars, expires, district) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(e.line)
                .bind(&e.cert_no)
                .bind(&e.product_name)
                .bind(&e.producer_name)
                .bind(e.stars)
                .bind(e.expires)
                .bind(&e.district)
                .execute(&mut *tx)
                .await?;
            }
            Ok::<_, super::StoreError>(())
        })?;
        Ok(source)
    }

    /// The stored register, or `None` when none was imported yet.
    pub async fn ocop_register(&self) -> Result<Option<(RegisterSource, Vec<RegisterEntry>)>> {
        with_pool!(self, |pool| {
            let source: Option<RegisterSource> = sqlx::query_as(
                "SELECT file_name, imported_at, imported_by, entries FROM ocop_register_source",
            )
            .fetch_optional(pool)
            .await?;
            let Some(source) = source else {
                return Ok(None);
            };
            let entries = sqlx::query_as(
                "SELECT line, cert_no, product_name, producer_name, stars, expires, district \
                 FROM ocop_register ORDER BY line",
            )
            .fetch_all(pool)
            .await?;
            Ok(Some((source, entries)))
        })
    }

    /// Every catalog product with its OCOP fields and listing count.
    pub async fn catalog_ocop(&self) -> Result<Vec<CatalogOcop>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT pr.code AS producer_code, pr.name AS producer_name, pr.district, \
                 p.code AS product_code, p.name AS product_name, p.ocop_stars, p.ocop_cert_no, \
                 p.ocop_cert_expires, p.active, \
                 (SELECT COUNT(*) FROM listings l JOIN variants v ON v.id = l.variant_id \
                  WHERE v.product_id = p.id) AS listings \
                 FROM products p JOIN producers pr ON pr.id = p.producer_id ORDER BY pr.code, p.code",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
