//! What alerts were sent: an item reaches each recipient at most once a
//! day, however often `kho alerts send` or the daemon's scheduler runs.

use chrono::NaiveDate;

use super::{Result, Store, now, with_pool};

impl Store {
    /// Which of `keys` were already sent to `recipient` on `day`.
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

    /// Records that `keys` reached `recipient` on `day`; rows older than a
    /// week are swept on the way (only today's decide anything).
    pub async fn record_alerts_sent(
        &self,
        recipient: &str,
        day: NaiveDate,
        keys: &[String],
    ) -> Result<()> {
        let at = now();
        with_pool!(self, |pool| {
            sqlx::query("DELETE FROM alerts_sent WHERE day < $1")
                .bind(day - chrono::TimeDelta::days(7))
                .execute(pool)
                .await?;
            for key in keys {
                sqlx::query(
                    "INSERT INTO alerts_sent (item_key, recipient, day, sent_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(key)
                .bind(recipient)
                .bind(day)
                .bind(at)
                .execute(pool)
                .await?;
            }
        });
        Ok(())
    }
}
