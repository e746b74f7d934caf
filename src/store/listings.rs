//! Listings: remote marketplace listings linked to variants, with what the
//! marketplace last showed and what kho last pushed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::outbox::refresh_desired;
use super::{Result, Store, StoreError, in_tx, now, with_pool};

/// A remote listing to link to a variant.
#[derive(Debug, Clone, Serialize)]
pub struct LinkRow {
    pub variant_id: i64,
    pub remote_item_id: String,
    /// Empty for an item without variants.
    pub remote_variant_id: String,
    pub seller_sku: String,
    pub stock: i64,
    pub price_vnd: i64,
    pub status: String,
}

/// A linked listing with the canonical values it should show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ListingRow {
    pub id: i64,
    pub variant_id: i64,
    pub sku: String,
    pub remote_item_id: String,
    pub remote_variant_id: String,
    pub remote_stock: Option<i64>,
    pub remote_price: Option<i64>,
    pub remote_status: Option<String>,
    pub acked_stock: Option<i64>,
    pub acked_price: Option<i64>,
    pub acked_at: Option<DateTime<Utc>>,
    pub price_vnd: i64,
    pub on_hand: i64,
    pub reserved: i64,
    pub product_active: bool,
    pub variant_active: bool,
    pub ocop_cert_expires: Option<NaiveDate>,
    /// What kho wants: `Some(false)` while it keeps the listing unlisted.
    pub desired_active: Option<bool>,
}

const LISTINGS: &str = "SELECT l.id, l.variant_id, v.sku, l.remote_item_id, l.remote_variant_id, \
     l.remote_stock, l.remote_price, l.remote_status, l.acked_stock, l.acked_price, l.acked_at, \
     v.price_vnd, \
     CAST(COALESCE((SELECT SUM(s.on_hand) FROM stock_levels s WHERE s.variant_id = v.id), 0) AS BIGINT) AS on_hand, \
     CAST(COALESCE((SELECT SUM(s.reserved) FROM stock_levels s WHERE s.variant_id = v.id), 0) AS BIGINT) AS reserved, \
     p.active AS product_active, v.active AS variant_active, p.ocop_cert_expires, \
     l.desired_active \
     FROM listings l JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id \
     WHERE l.account_id = $1 ORDER BY l.id";

impl Store {
    /// Links remote listings to variants, replacing earlier links of the same
    /// variant or the same remote listing. Returns how many were new.
    pub async fn link_listings(&self, account_id: i64, rows: &[LinkRow]) -> Result<usize> {
        let at = now();
        let q = self.queue_context();
        let result = in_tx!(self, |tx| {
            let mut created = 0;
            for r in rows {
                // A remote listing linked to another variant before is moved.
                sqlx::query(
                    "DELETE FROM listings WHERE account_id = $1 AND remote_item_id = $2 \
                     AND remote_variant_id = $3 AND variant_id <> $4",
                )
                .bind(account_id)
                .bind(&r.remote_item_id)
                .bind(&r.remote_variant_id)
                .bind(r.variant_id)
                .execute(&mut *tx)
                .await?;
                let existing: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM listings WHERE account_id = $1 AND variant_id = $2",
                )
                .bind(account_id)
                .bind(r.variant_id)
                .fetch_optional(&mut *tx)
                .await?;
                if existing.is_none() {
                    created += 1;
                }
                sqlx::query(
                    "INSERT INTO listings (account_id, variant_id, remote_item_id, remote_variant_id, \
                     seller_sku, remote_stock, remote_price, remote_status, remote_seen_at, linked_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
                     ON CONFLICT (account_id, variant_id) DO UPDATE SET \
                     remote_item_id = excluded.remote_item_id, remote_variant_id = excluded.remote_variant_id, \
                     seller_sku = excluded.seller_sku, remote_stock = excluded.remote_stock, \
                     remote_price = excluded.remote_price, remote_status = excluded.remote_status, \
                     remote_seen_at = excluded.remote_seen_at",
                )
                .bind(account_id)
                .bind(r.variant_id)
                .bind(&r.remote_item_id)
                .bind(&r.remote_variant_id)
                .bind(&r.seller_sku)
                .bind(r.stock)
                .bind(r.price_vnd)
                .bind(&r.status)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            let variants: Vec<i64> = rows.iter().map(|r| r.variant_id).collect();
            let queued = refresh_desired!(tx, variants, q);
            Ok::<_, StoreError>((created, queued))
        });
        let (created, queued) = result?;
        if queued > 0 {
            self.wake();
        }
        Ok(created)
    }

    pub async fn listings(&self, account_id: i64) -> Result<Vec<ListingRow>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(LISTINGS)
                .bind(account_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Records values the marketplace acknowledged for a listing.
    pub async fn record_ack(
        &self,
        listing_id: i64,
        stock: Option<i64>,
        price: Option<i64>,
    ) -> Result<()> {
        let at = now();
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE listings SET \
                 remote_stock = COALESCE($2, remote_stock), acked_stock = COALESCE($2, acked_stock), \
                 remote_price = COALESCE($3, remote_price), acked_price = COALESCE($3, acked_price), \
                 acked_at = $4 WHERE id = $1",
            )
            .bind(listing_id)
            .bind(stock)
            .bind(price)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE channel_accounts SET last_push_at = $2 \
                 WHERE id = (SELECT account_id FROM listings WHERE id = $1)",
            )
            .bind(listing_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            Ok::<_, StoreError>(())
        })
    }

    /// The producer's variants: (variant id, SKU), for linking by seller SKU.
    pub async fn producer_skus(&self, producer: &str) -> Result<Vec<(i64, String)>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT v.id, v.sku FROM variants v JOIN products p ON p.id = v.product_id \
                 JOIN producers pr ON pr.id = p.producer_id WHERE pr.code = $1 ORDER BY v.id",
            )
            .bind(producer)
            .fetch_all(pool)
            .await?
        }))
    }
}

/// What kho wants a listing to show (`None`: nothing decided yet).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DesiredState {
    pub sku: String,
    pub remote_item_id: String,
    pub remote_variant_id: String,
    #[sqlx(rename = "desired_stock")]
    pub stock: Option<i64>,
    #[sqlx(rename = "desired_price")]
    pub price_vnd: Option<i64>,
    #[sqlx(rename = "desired_active")]
    pub active: Option<bool>,
}

impl Store {
    /// The desired state of every listing of the account.
    pub async fn desired_states(&self, account_id: i64) -> Result<Vec<DesiredState>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT v.sku, l.remote_item_id, l.remote_variant_id, l.desired_stock, \
                 l.desired_price, l.desired_active \
                 FROM listings l JOIN variants v ON v.id = l.variant_id \
                 WHERE l.account_id = $1 ORDER BY l.id",
            )
            .bind(account_id)
            .fetch_all(pool)
            .await?
        }))
    }
}
