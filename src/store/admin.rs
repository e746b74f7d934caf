//! Queries the admin API needs beyond what the CLI uses: single objects by
//! code, pages (`LIMIT`/`OFFSET`) narrowed to one producer for cooperative
//! tokens, and in-place edits of products and variants that recompute the
//! listings' desired state in the same transaction (invariant 1).

use chrono::NaiveDate;
use serde::Serialize;

use super::{Result, Store, StoreError, in_tx, now, with_pool};
use crate::catalog::{CatalogEntry, Producer};
use crate::outbox::desired::refresh_desired;
use crate::store::orders::OrderRow;

/// A product with its producer's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ProductRow {
    pub id: i64,
    pub producer: String,
    pub code: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub ocop_stars: Option<i64>,
    pub ocop_cert_no: Option<String>,
    pub ocop_cert_expires: Option<NaiveDate>,
    pub active: bool,
}

/// Product fields an edit sets (already validated by the catalog rules).
#[derive(Debug, Clone)]
pub struct ProductEdit {
    pub name: String,
    pub category: String,
    pub description: String,
    pub ocop_stars: Option<i64>,
    pub ocop_cert_no: Option<String>,
    pub ocop_cert_expires: Option<NaiveDate>,
    pub active: bool,
}

/// Variant fields an edit sets (already validated by the catalog rules).
#[derive(Debug, Clone)]
pub struct VariantEdit {
    pub name: String,
    pub price_vnd: i64,
    pub weight_g: i64,
    pub image_urls: String,
    pub active: bool,
}

const PRODUCT_ROWS: &str = "SELECT p.id, pr.code AS producer, p.code, p.name, p.category, \
     p.description, p.ocop_stars, p.ocop_cert_no, p.ocop_cert_expires, p.active \
     FROM products p JOIN producers pr ON pr.id = p.producer_id \
     WHERE (CAST($1 AS TEXT) IS NULL OR pr.code = $1) \
     AND (CAST($2 AS TEXT) IS NULL OR p.code = $2) \
     ORDER BY p.id LIMIT $3 OFFSET $4";

const VARIANT_ENTRIES: &str = "SELECT pr.code AS producer_code, pr.name AS producer_name, pr.district, \
     p.code AS product_code, p.name AS product_name, v.sku AS variant_sku, v.name AS variant_name, \
     v.price_vnd, COALESCE(s.on_hand, 0) AS stock, COALESCE(s.reserved, 0) AS reserved, v.weight_g, \
     p.ocop_stars, p.ocop_cert_no, p.ocop_cert_expires, p.category, p.description, v.image_urls, \
     p.active AS product_active, v.active AS variant_active \
     FROM variants v \
     JOIN products p ON p.id = v.product_id \
     JOIN producers pr ON pr.id = p.producer_id \
     JOIN locations l ON l.producer_id = pr.id AND l.is_default \
     LEFT JOIN stock_levels s ON s.variant_id = v.id AND s.location_id = l.id \
     WHERE (CAST($1 AS TEXT) IS NULL OR p.code = $1) AND (CAST($2 AS TEXT) IS NULL OR v.sku = $2) \
     ORDER BY v.id";

/// A listing's desired state (what kho wants the marketplace to show) next
/// to what the marketplace acknowledged and last showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ListingState {
    pub id: i64,
    pub sku: String,
    pub remote_item_id: String,
    pub remote_variant_id: String,
    pub desired_stock: Option<i64>,
    pub desired_price: Option<i64>,
    pub desired_active: Option<bool>,
    pub acked_stock: Option<i64>,
    pub acked_price: Option<i64>,
    pub acked_active: Option<bool>,
    pub acked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub remote_stock: Option<i64>,
    pub remote_price: Option<i64>,
    pub remote_status: Option<String>,
    /// Jobs queued for this listing (stock, price, status), dead ones included.
    pub pending_jobs: i64,
    pub dead_jobs: i64,
}

const VARIANTS_OF_PRODUCTS: &str = "SELECT pr.code AS producer_code, pr.name AS producer_name, pr.district, \
     p.code AS product_code, p.name AS product_name, v.sku AS variant_sku, v.name AS variant_name, \
     v.price_vnd, COALESCE(s.on_hand, 0) AS stock, COALESCE(s.reserved, 0) AS reserved, v.weight_g, \
     p.ocop_stars, p.ocop_cert_no, p.ocop_cert_expires, p.category, p.description, v.image_urls, \
     p.active AS product_active, v.active AS variant_active \
     FROM variants v \
     JOIN products p ON p.id = v.product_id \
     JOIN producers pr ON pr.id = p.producer_id \
     JOIN locations l ON l.producer_id = pr.id AND l.is_default \
     LEFT JOIN stock_levels s ON s.variant_id = v.id AND s.location_id = l.id \
     WHERE p.code IN (";

impl Store {
    /// A page of an account's listings, in link order.
    pub async fn listing_states(
        &self,
        account_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ListingState>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT l.id, v.sku, l.remote_item_id, l.remote_variant_id, l.desired_stock, \
                 l.desired_price, l.desired_active, l.acked_stock, l.acked_price, l.acked_active, \
                 l.acked_at, l.remote_stock, l.remote_price, l.remote_status, \
                 (SELECT COUNT(*) FROM sync_jobs j WHERE j.listing_id = l.id AND j.state = 'pending') AS pending_jobs, \
                 (SELECT COUNT(*) FROM sync_jobs j WHERE j.listing_id = l.id AND j.state = 'dead') AS dead_jobs \
                 FROM listings l JOIN variants v ON v.id = l.variant_id \
                 WHERE l.account_id = $1 ORDER BY l.id LIMIT $2 OFFSET $3",
            )
            .bind(account_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn producer(&self, code: &str) -> Result<Option<Producer>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as("SELECT id, code, name, district FROM producers WHERE code = $1")
                .bind(code)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Creates a producer with its default location, as an import does.
    /// None when the code is taken.
    pub async fn create_producer(
        &self,
        code: &str,
        name: &str,
        district: &str,
    ) -> Result<Option<Producer>> {
        let at = now();
        in_tx!(self, |tx| {
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO producers (code, name, district, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $4) ON CONFLICT (code) DO NOTHING RETURNING id",
            )
            .bind(code)
            .bind(name)
            .bind(district)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                return Ok(None);
            };
            sqlx::query(
                "INSERT INTO locations (producer_id, code, name, is_default) \
                 VALUES ($1, 'main', 'Kho chính', TRUE)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            Ok(Some(Producer {
                id,
                code: code.to_owned(),
                name: name.to_owned(),
                district: district.to_owned(),
            }))
        })
    }

    /// False when there is no such producer.
    pub async fn update_producer(&self, code: &str, name: &str, district: &str) -> Result<bool> {
        let n = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE producers SET name = $2, district = $3, updated_at = $4 WHERE code = $1",
            )
            .bind(code)
            .bind(name)
            .bind(district)
            .bind(now())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n > 0)
    }

    /// Products in creation order, optionally of one producer or one code.
    pub async fn product_rows(
        &self,
        producer: Option<&str>,
        code: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ProductRow>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(PRODUCT_ROWS)
                .bind(producer)
                .bind(code)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Variants as catalog entries, of one product or one SKU.
    pub async fn variant_entries(
        &self,
        product: Option<&str>,
        sku: Option<&str>,
    ) -> Result<Vec<CatalogEntry>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(VARIANT_ENTRIES)
                .bind(product)
                .bind(sku)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Variants of several products at once (one query for a page).
    pub async fn variant_entries_of(&self, products: &[String]) -> Result<Vec<CatalogEntry>> {
        let mut out = Vec::new();
        for chunk in products.chunks(500) {
            let rows: Vec<CatalogEntry> = with_pool!(self, |pool| {
                let mut qb = sqlx::QueryBuilder::new(VARIANTS_OF_PRODUCTS);
                let mut sep = qb.separated(", ");
                for code in chunk {
                    sep.push_bind(code);
                }
                qb.push(") ORDER BY v.id");
                qb.build_query_as().fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Sets a product's fields and recomputes its listings' desired state
    /// (activity and certificate expiry decide whether they are listed).
    /// False when there is no such product.
    pub async fn edit_product(&self, code: &str, edit: &ProductEdit) -> Result<bool> {
        let at = now();
        let q = self.rebalancing_context();
        let result = in_tx!(self, |tx| {
            let id: Option<i64> = sqlx::query_scalar(
                "UPDATE products SET name = $2, category = $3, description = $4, ocop_stars = $5, \
                 ocop_cert_no = $6, ocop_cert_expires = $7, active = $8, updated_at = $9 \
                 WHERE code = $1 RETURNING id",
            )
            .bind(code)
            .bind(&edit.name)
            .bind(&edit.category)
            .bind(&edit.description)
            .bind(edit.ocop_stars)
            .bind(&edit.ocop_cert_no)
            .bind(edit.ocop_cert_expires)
            .bind(edit.active)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                // Nothing was written: the commit changes nothing.
                return Ok((false, 0));
            };
            let variants: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM variants WHERE product_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let queued = refresh_desired(&mut tx, &variants, &q).await?;
            Ok::<_, StoreError>((true, queued))
        });
        let (found, queued) = result?;
        if queued > 0 {
            self.wake();
        }
        Ok(found)
    }

    /// Sets a variant's fields and recomputes its listings' desired state
    /// (price and activity are pushed). False when there is no such SKU.
    pub async fn edit_variant(&self, sku: &str, edit: &VariantEdit) -> Result<bool> {
        let at = now();
        let q = self.rebalancing_context();
        let result = in_tx!(self, |tx| {
            let id: Option<i64> = sqlx::query_scalar(
                "UPDATE variants SET name = $2, price_vnd = $3, weight_g = $4, image_urls = $5, \
                 active = $6, updated_at = $7 WHERE sku = $1 RETURNING id",
            )
            .bind(sku)
            .bind(&edit.name)
            .bind(edit.price_vnd)
            .bind(edit.weight_g)
            .bind(&edit.image_urls)
            .bind(edit.active)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                // Nothing was written: the commit changes nothing.
                return Ok((false, 0));
            };
            let queued = refresh_desired(&mut tx, &[id], &q).await?;
            Ok::<_, StoreError>((true, queued))
        });
        let (found, queued) = result?;
        if queued > 0 {
            self.wake();
        }
        Ok(found)
    }

    /// A page of a variant's ledger, newest first.
    pub async fn stock_history_page(
        &self,
        variant_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<super::inventory::Movement>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT m.id, l.code AS location, o.code AS lot, m.kind, m.quantity, m.balance_after, \
                 m.reason, m.reference, m.actor, m.created_at FROM stock_movements m \
                 JOIN locations l ON l.id = m.location_id JOIN lots o ON o.id = m.lot_id \
                 WHERE m.variant_id = $1 ORDER BY m.id DESC LIMIT $2 OFFSET $3",
            )
            .bind(variant_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?
        }))
    }

    /// A page of orders, newest first, optionally of one producer's
    /// accounts, one account and one status.
    pub async fn orders_page(
        &self,
        producer: Option<&str>,
        account: Option<&str>,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<OrderRow>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT o.id, a.name AS account, a.channel, o.remote_order_id, o.status, o.raw_status, \
                 o.total_vnd, o.ordered_at, \
                 CAST(COALESCE((SELECT SUM(l.quantity) FROM order_lines l WHERE l.order_id = o.id), 0) AS BIGINT) AS units, \
                 (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id AND l.variant_id IS NULL) AS unknown_lines \
                 FROM orders o JOIN channel_accounts a ON a.id = o.account_id \
                 LEFT JOIN producers pr ON pr.id = a.producer_id \
                 WHERE (CAST($1 AS TEXT) IS NULL OR pr.code = $1) \
                 AND (CAST($2 AS TEXT) IS NULL OR a.name = $2) \
                 AND (CAST($3 AS TEXT) IS NULL OR o.status = $3) \
                 ORDER BY o.ordered_at DESC, o.id DESC LIMIT $4 OFFSET $5",
            )
            .bind(producer)
            .bind(account)
            .bind(status)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?
        }))
    }
}

impl Store {
    /// One reconciliation run by id, with its drift counts.
    pub async fn reconcile_run(&self, id: i64) -> Result<Option<super::reconcile::ReconcileRun>> {
        let found: Option<(String, i64)> = with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT a.name, (SELECT COUNT(*) FROM reconcile_runs n \
                 WHERE n.account_id = r.account_id AND n.id >= r.id) \
                 FROM reconcile_runs r JOIN channel_accounts a ON a.id = r.account_id WHERE r.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        let Some((account, newer)) = found else {
            return Ok(None);
        };
        // Newest first: the run is the last of the `newer` newest.
        Ok(self
            .reconcile_runs(Some(&account), newer)
            .await?
            .into_iter()
            .find(|r| r.id == id))
    }
}
