//! The queries behind the "needs attention" list (`crate::attention`) that
//! no other page needs.

use crate::outbox::DeadLetter;

use super::{Result, Store, with_pool};

/// What happens to a producer's listings when a certificate lapses: the
/// policy of its accounts (`sync.on_certificate_expiry`, stored per account).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExpiryPolicy {
    pub producer: String,
    /// Accounts of the producer that delist on expiry.
    pub delisting: i64,
    /// Accounts of the producer that only warn.
    pub warning: i64,
}

impl Store {
    /// Changes still being retried whose last attempt failed: a push that
    /// is failing now, before it becomes a dead letter.
    pub async fn failing_pushes(&self) -> Result<Vec<DeadLetter>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT j.id, a.name AS account, v.sku, j.kind, j.attempts, j.last_error \
                 FROM sync_jobs j JOIN channel_accounts a ON a.id = j.account_id \
                 JOIN listings l ON l.id = j.listing_id JOIN variants v ON v.id = l.variant_id \
                 WHERE j.state = 'pending' AND j.attempts > 0 AND j.last_error IS NOT NULL \
                 ORDER BY j.id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Per producer with accounts, how many of them delist and how many
    /// only warn when a certificate lapses.
    pub async fn expiry_policies(&self) -> Result<Vec<ExpiryPolicy>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT p.code AS producer, \
                 CAST(SUM(CASE WHEN a.delist_on_expiry THEN 1 ELSE 0 END) AS BIGINT) AS delisting, \
                 CAST(SUM(CASE WHEN a.delist_on_expiry THEN 0 ELSE 1 END) AS BIGINT) AS warning \
                 FROM channel_accounts a JOIN producers p ON p.id = a.producer_id \
                 GROUP BY p.code ORDER BY p.code",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
