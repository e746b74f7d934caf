//! Catalog persistence: the snapshot an import is diffed against, applying an
//! import plan in one transaction, and reading the catalog back.

pub mod export;
pub mod import;

use std::collections::HashMap;

use sqlx::QueryBuilder;

use super::inventory::{Entry, MovementKind, move_stock};
use super::{Result, Store, in_tx, now, with_pool};
use crate::catalog::plan::{self, Plan, Snapshot, StoredVariant};
use crate::catalog::{CatalogEntry, CatalogRow, Problems, Producer, Product, RowError, Variant};
use crate::outbox::desired::refresh_desired;

/// Rows per multi-row INSERT: far below both drivers' bind-parameter limits.
const CHUNK: usize = 500;

#[derive(sqlx::FromRow)]
struct StoredVariantRow {
    id: i64,
    product_id: i64,
    sku: String,
    name: String,
    price_vnd: i64,
    weight_g: i64,
    image_urls: String,
    active: bool,
    product_code: String,
    location_id: i64,
    on_hand: i64,
    reserved: i64,
}

/// Why an import did not apply.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file contradicts the stored catalog")]
    Rejected(Problems),
    #[error(transparent)]
    Store(#[from] super::StoreError),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Store(e.into())
    }
}

/// Who made a change and why, recorded on every ledger movement.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub actor: String,
    pub reference: Option<String>,
}

const SNAPSHOT_VARIANTS: &str = "SELECT v.id, v.product_id, v.sku, v.name, v.price_vnd, v.weight_g, \
     v.image_urls, v.active, p.code AS product_code, l.id AS location_id, \
     COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.reserved, 0) AS reserved \
     FROM variants v \
     JOIN products p ON p.id = v.product_id \
     JOIN locations l ON l.producer_id = p.producer_id AND l.is_default \
     LEFT JOIN stock_levels s ON s.variant_id = v.id AND s.location_id = l.id";

const ENTRIES: &str = "SELECT pr.code AS producer_code, pr.name AS producer_name, pr.district, \
     p.code AS product_code, p.name AS product_name, v.sku AS variant_sku, v.name AS variant_name, \
     v.price_vnd, COALESCE(s.on_hand, 0) AS stock, COALESCE(s.reserved, 0) AS reserved, v.weight_g, \
     p.ocop_stars, p.ocop_cert_no, p.ocop_cert_expires, p.category, p.description, v.image_urls, \
     p.active AS product_active, v.active AS variant_active \
     FROM variants v \
     JOIN products p ON p.id = v.product_id \
     JOIN producers pr ON pr.id = p.producer_id \
     JOIN locations l ON l.producer_id = pr.id AND l.is_default \
     LEFT JOIN stock_levels s ON s.variant_id = v.id AND s.location_id = l.id \
     WHERE (CAST($1 AS TEXT) IS NULL OR pr.code = $1) \
     ORDER BY v.id";

fn into_snapshot(
    producers: Vec<Producer>,
    products: Vec<Product>,
    variants: Vec<StoredVariantRow>,
) -> Snapshot {
    Snapshot {
        producers: producers.into_iter().map(|p| (p.code.clone(), p)).collect(),
        products: products.into_iter().map(|p| (p.code.clone(), p)).collect(),
        variants: variants
            .into_iter()
            .map(|r| {
                (
                    r.sku.clone(),
                    StoredVariant {
                        variant: Variant {
                            id: r.id,
                            product_id: r.product_id,
                            sku: r.sku,
                            name: r.name,
                            price_vnd: r.price_vnd,
                            weight_g: r.weight_g,
                            image_urls: r.image_urls,
                            active: r.active,
                        },
                        product_code: r.product_code,
                        location_id: r.location_id,
                        on_hand: r.on_hand,
                        reserved: r.reserved,
                    },
                )
            })
            .collect(),
        shelf_life: HashMap::new(),
    }
}

impl Store {
    /// Diffs `rows` against the catalog and, unless `dry_run`, applies the
    /// result, all in one transaction: either every change lands or none.
    pub async fn import_catalog(
        &self,
        rows: &[CatalogRow],
        dry_run: bool,
        who: &Provenance,
    ) -> Result<Plan, ImportError> {
        let at = now();
        let q = self.rebalancing_context();
        let result = in_tx!(self, |tx| {
            let producers: Vec<Producer> =
                sqlx::query_as("SELECT id, code, name, district FROM producers")
                    .fetch_all(&mut *tx)
                    .await?;
            let products: Vec<Product> = sqlx::query_as(
                "SELECT id, producer_id, code, name, category, description, ocop_stars, \
                 ocop_cert_no, ocop_cert_expires, active FROM products",
            )
            .fetch_all(&mut *tx)
            .await?;
            let variants: Vec<StoredVariantRow> = sqlx::query_as(SNAPSHOT_VARIANTS)
                .fetch_all(&mut *tx)
                .await?;
            let mut snapshot = into_snapshot(producers, products, variants);
            let shelf_life: Vec<(String, Option<i64>)> =
                sqlx::query_as("SELECT code, shelf_life_days FROM products")
                    .fetch_all(&mut *tx)
                    .await?;
            snapshot.shelf_life = shelf_life.into_iter().collect();
            let plan = plan::diff(&snapshot, rows).map_err(ImportError::Rejected)?;
            let sets_shelf_life = rows.iter().any(|r| r.shelf_life_days.is_some());
            if dry_run || (plan.is_empty() && !sets_shelf_life) {
                // Nothing to write: the transaction only read.
                return Ok((plan, 0));
            }

            let mut producer_ids: HashMap<String, i64> = snapshot
                .producers
                .values()
                .map(|p| (p.code.clone(), p.id))
                .collect();
            for p in &plan.new_producers {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO producers (code, name, district, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $4) RETURNING id",
                )
                .bind(&p.code)
                .bind(&p.name)
                .bind(&p.district)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO locations (producer_id, code, name, is_default) \
                     VALUES ($1, 'main', 'Kho chính', TRUE)",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                producer_ids.insert(p.code.clone(), id);
            }
            for p in &plan.producer_updates {
                sqlx::query(
                    "UPDATE producers SET name = $2, district = $3, updated_at = $4 WHERE id = $1",
                )
                .bind(p.id)
                .bind(&p.name)
                .bind(&p.district)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }

            let mut product_ids: HashMap<String, i64> = snapshot
                .products
                .values()
                .map(|p| (p.code.clone(), p.id))
                .collect();
            for chunk in plan.new_products.chunks(CHUNK) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO products (producer_id, code, name, category, description, \
                     ocop_stars, ocop_cert_no, ocop_cert_expires, created_at, updated_at) ",
                );
                qb.push_values(chunk, |mut b, p| {
                    b.push_bind(
                        producer_ids
                            .get(&p.producer_code)
                            .copied()
                            .unwrap_or_default(),
                    )
                    .push_bind(&p.code)
                    .push_bind(&p.fields.name)
                    .push_bind(&p.fields.category)
                    .push_bind(&p.fields.description)
                    .push_bind(p.fields.ocop_stars)
                    .push_bind(&p.fields.ocop_cert_no)
                    .push_bind(p.fields.ocop_cert_expires)
                    .push_bind(at)
                    .push_bind(at);
                });
                qb.push(" RETURNING id, code");
                let ids: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                product_ids.extend(ids.into_iter().map(|(id, code)| (code, id)));
            }
            for p in &plan.product_updates {
                sqlx::query(
                    "UPDATE products SET name = $2, category = $3, description = $4, \
                     ocop_stars = $5, ocop_cert_no = $6, ocop_cert_expires = $7, updated_at = $8 \
                     WHERE id = $1",
                )
                .bind(p.id)
                .bind(&p.fields.name)
                .bind(&p.fields.category)
                .bind(&p.fields.description)
                .bind(p.fields.ocop_stars)
                .bind(&p.fields.ocop_cert_no)
                .bind(p.fields.ocop_cert_expires)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }

            // Shelf life is set only by files that have the column, so a
            // file without it leaves the stored values as they are.
            let mut shelf: HashMap<&str, Option<i64>> = HashMap::new();
            for r in rows {
                if let Some(days) = r.shelf_life_days {
                    shelf.insert(r.product_code.as_str(), days);
                }
            }
            for (code, days) in &shelf {
                sqlx::query(
                    "UPDATE products SET shelf_life_days = $2 WHERE code = $1 \
                     AND shelf_life_days IS DISTINCT FROM $2",
                )
                .bind(*code)
                .bind(*days)
                .execute(&mut *tx)
                .await?;
            }

            // Default location of each product's producer, for opening stock.
            let locations: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT p.id, l.id FROM products p \
                 JOIN locations l ON l.producer_id = p.producer_id AND l.is_default",
            )
            .fetch_all(&mut *tx)
            .await?;
            let location_of: HashMap<i64, i64> = locations.into_iter().collect();
            for chunk in plan.new_variants.chunks(CHUNK) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO variants (product_id, sku, name, price_vnd, weight_g, image_urls, \
                     created_at, updated_at) ",
                );
                qb.push_values(chunk, |mut b, v| {
                    b.push_bind(
                        product_ids
                            .get(&v.product_code)
                            .copied()
                            .unwrap_or_default(),
                    )
                    .push_bind(&v.sku)
                    .push_bind(&v.fields.name)
                    .push_bind(v.fields.price_vnd)
                    .push_bind(v.fields.weight_g)
                    .push_bind(&v.fields.image_urls)
                    .push_bind(at)
                    .push_bind(at);
                });
                qb.push(" RETURNING id, sku, product_id");
                let created: Vec<(i64, String, i64)> =
                    qb.build_query_as().fetch_all(&mut *tx).await?;
                let stock_of: HashMap<&str, i64> =
                    chunk.iter().map(|v| (v.sku.as_str(), v.stock)).collect();
                let mut levels = Vec::with_capacity(created.len());
                for (id, sku, product_id) in &created {
                    let location = location_of.get(product_id).copied().ok_or_else(|| {
                        super::StoreError::Corrupt(format!(
                            "product {product_id} has no default location"
                        ))
                    })?;
                    levels.push((
                        *id,
                        location,
                        stock_of.get(sku.as_str()).copied().unwrap_or(0),
                    ));
                }
                let mut qb = QueryBuilder::new(
                    "INSERT INTO stock_levels (variant_id, location_id, on_hand, reserved) ",
                );
                qb.push_values(&levels, |mut b, (id, loc, _)| {
                    b.push_bind(*id)
                        .push_bind(*loc)
                        .push_bind(0_i64)
                        .push_bind(0_i64);
                });
                qb.build().execute(&mut *tx).await?;
                // Opening stock goes through the ledger like any receipt, so
                // it lands in the variant's dateless lot.
                for (id, loc, qty) in levels.iter().filter(|l| l.2 > 0) {
                    move_stock(
                        &mut tx,
                        &Entry {
                            variant_id: *id,
                            location_id: *loc,
                            kind: MovementKind::Receipt,
                            delta: *qty,
                            lot: None,
                            reason: "opening balance (catalog import)",
                            reference: who.reference.as_deref(),
                            actor: &who.actor,
                            at,
                        },
                    )
                    .await?;
                }
            }
            for v in &plan.variant_updates {
                sqlx::query(
                    "UPDATE variants SET name = $2, price_vnd = $3, weight_g = $4, image_urls = $5, \
                     updated_at = $6 WHERE id = $1",
                )
                .bind(v.id)
                .bind(&v.fields.name)
                .bind(v.fields.price_vnd)
                .bind(v.fields.weight_g)
                .bind(&v.fields.image_urls)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            for c in &plan.stock_counts {
                // Guarded against orders reserved since the snapshot was read
                // (the no-op update also locks the row on PostgreSQL).
                let done = sqlx::query(
                    "UPDATE stock_levels SET on_hand = on_hand \
                     WHERE variant_id = $1 AND location_id = $2 AND on_hand = $4 AND reserved <= $3",
                )
                .bind(c.variant_id)
                .bind(c.location_id)
                .bind(c.to)
                .bind(c.from)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(ImportError::Rejected(Problems::from(RowError::new(
                        0,
                        "stock",
                        format!("stock of {} changed during the import; run it again", c.sku),
                    ))));
                }
                let delta = c.to.checked_sub(c.from).ok_or_else(|| {
                    ImportError::Rejected(Problems::from(RowError::new(
                        0,
                        "stock",
                        format!(
                            "the stock of {} is out of range; set it with kho stock set",
                            c.sku
                        ),
                    )))
                })?;
                move_stock(
                    &mut tx,
                    &Entry {
                        variant_id: c.variant_id,
                        location_id: c.location_id,
                        kind: MovementKind::Count,
                        delta,
                        lot: None,
                        reason: "stock count (catalog import)",
                        reference: who.reference.as_deref(),
                        actor: &who.actor,
                        at,
                    },
                )
                .await?;
            }
            // A product's certificate and shelf life decide what its
            // variants may show, so their variants are recomputed too.
            let updated_products: std::collections::HashSet<&str> = plan
                .product_updates
                .iter()
                .map(|p| p.code.as_str())
                .collect();
            let touched: Vec<i64> = plan
                .variant_updates
                .iter()
                .map(|v| v.id)
                .chain(plan.stock_counts.iter().map(|c| c.variant_id))
                .chain(
                    snapshot
                        .variants
                        .values()
                        .filter(|sv| updated_products.contains(sv.product_code.as_str()))
                        .map(|sv| sv.variant.id),
                )
                .collect();
            let queued = refresh_desired(&mut tx, &touched, &q).await?;
            Ok::<_, ImportError>((plan, queued))
        });
        let (plan, queued) = result?;
        if !dry_run {
            self.after_bulk_write(rows.len()).await;
        }
        if queued > 0 {
            self.wake();
        }
        Ok(plan)
    }

    /// The catalog as file rows, optionally for one producer, in the order
    /// the variants were created (so an export mirrors its import).
    pub async fn catalog_entries(&self, producer: Option<&str>) -> Result<Vec<CatalogEntry>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(ENTRIES)
                .bind(producer)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn producers(&self) -> Result<Vec<Producer>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as("SELECT id, code, name, district FROM producers ORDER BY code")
                .fetch_all(pool)
                .await?
        }))
    }
}

/// A product whose OCOP certificate has expired or expires soon.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct CertificateWatch {
    pub producer_code: String,
    pub product_code: String,
    pub product_name: String,
    pub ocop_stars: Option<i64>,
    pub ocop_cert_no: Option<String>,
    pub ocop_cert_expires: chrono::NaiveDate,
}

impl Store {
    /// Products whose certificate expires before `until`, soonest first.
    pub async fn certificates_expiring(
        &self,
        until: chrono::NaiveDate,
    ) -> Result<Vec<CertificateWatch>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT pr.code AS producer_code, p.code AS product_code, p.name AS product_name, \
                 p.ocop_stars, p.ocop_cert_no, p.ocop_cert_expires FROM products p \
                 JOIN producers pr ON pr.id = p.producer_id \
                 WHERE p.ocop_cert_expires IS NOT NULL AND p.ocop_cert_expires < $1 \
                 ORDER BY p.ocop_cert_expires, p.code",
            )
            .bind(until)
            .fetch_all(pool)
            .await?
        }))
    }
}
