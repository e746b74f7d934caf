//! What alerts were sent: an item reaches each recipient at most once a
//! day, however often `kho alerts send` or the daemon's scheduler runs —
//! and however many daemons run it: an item is claimed (inserted) before it
//! is sent, so of two instances only one gets it, and a failed delivery
//! gives its claims back for the next run.

use chrono::NaiveDate;

use super::{Result, Store, now, with_pool};

impl Store {
    /// Which of `keys` were already sent (or claimed) for `recipient` on `day`.
    pub async fn alerts_sent(
        &self,
        recipient: &str,
        day: NaiveDate,
        keys: &[String],
    ) -> Result<Vec<String>> {
        let sent: Vec<String> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT item_key FROM alerts_sent WHERE recipient = $1 AND day = $2")
                .bind(recipient)
                .bind(day)
                .fetch_all(pool)
                .await?
        });
        Ok(keys.iter().filter(|k| sent.contains(k)).cloned().collect())
    }

    /// Claims `keys` for `recipient` on `day`: returns those nobody had
    /// claimed yet, which the caller now sends. Rows older than a week are
    /// swept on the way (only today's decide anything).
    pub async fn claim_alerts(
        &self,
        recipient: &str,
        day: NaiveDate,
        keys: &[String],
    ) -> Result<Vec<String>> {
        let at = now();
        let mut claimed = Vec::new();
        with_pool!(self, |pool| {
            sqlx::query("DELETE FROM alerts_sent WHERE day < $1")
                .bind(day - chrono::TimeDelta::days(7))
                .execute(pool)
                .await?;
            for key in keys {
                let inserted = sqlx::query(
                    "INSERT INTO alerts_sent (item_key, recipient, day, sent_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(key)
                .bind(recipient)
                .bind(day)
                .bind(at)
                .execute(pool)
                .await?
                .rows_affected();
                if inserted == 1 {
                    claimed.push(key.clone());
                }
            }
        });
        Ok(claimed)
    }

    /// Gives back claims whose delivery failed, so the next run sends them.
    pub async fn release_alerts(
        &self,
        recipient: &str,
        day: NaiveDate,
        keys: &[String],
    ) -> Result<()> {
        with_pool!(self, |pool| {
            for key in keys {
                sqlx::query(
                    "DELETE FROM alerts_sent WHERE item_key = $1 AND recipient = $2 AND day = $3",
                )
                .bind(key)
                .bind(recipient)
                .bind(day)
                .execute(pool)
                .await?;
            }
        });
        Ok(())
    }
}
