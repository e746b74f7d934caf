//! Reconciliation runs, their drift items, remote listings awaiting a
//! person, and the per-account reconciliation lease.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Result, Store, StoreError, in_tx, now, with_pool};

/// One reconciliation of one account.
#[derive(Debug, Clone, Serialize)]
pub struct ReconcileRun {
    pub id: i64,
    pub account: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `running`, `clean`, `drift` or `failed`.
    pub outcome: String,
    pub error: Option<String>,
    /// Whether `--fix` ran with it.
    pub fixed: bool,
    /// Drift items per kind.
    pub counts: BTreeMap<String, i64>,
}

/// One difference between kho and a marketplace, with its likely cause.
/// Values are stored as text (a field may hold a seller SKU or a status);
/// in JSON a stock or price value is a number, as everywhere else
/// ([`value_json`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileItem {
    /// Zero until stored.
    pub id: i64,
    /// Zero until stored.
    pub run_id: i64,
    pub kind: String,
    pub sku: Option<String>,
    pub remote_item_id: Option<String>,
    pub remote_variant_id: Option<String>,
    pub field: Option<String>,
    pub kho_value: Option<String>,
    pub pushed_value: Option<String>,
    pub remote_value: Option<String>,
    pub cause: String,
    pub detail: Option<String>,
}

/// A drift item's value as JSON: a stock or price as a number, anything
/// else (a seller SKU, even one made of digits, a status, a list of
/// listings) as text.
pub fn value_json(field: Option<&str>, value: Option<&str>) -> Option<serde_json::Value> {
    let value = value?;
    Some(match value.parse::<i64>() {
        Ok(n) if matches!(field, Some("stock" | "price")) => serde_json::Value::from(n),
        _ => serde_json::Value::from(value),
    })
}

impl Serialize for ReconcileItem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            id: i64,
            run_id: i64,
            kind: &'a str,
            sku: Option<&'a str>,
            remote_item_id: Option<&'a str>,
            remote_variant_id: Option<&'a str>,
            field: Option<&'a str>,
            kho_value: Option<serde_json::Value>,
            pushed_value: Option<serde_json::Value>,
            remote_value: Option<serde_json::Value>,
            cause: &'a str,
            detail: Option<&'a str>,
        }
        let field = self.field.as_deref();
        Shown {
            id: self.id,
            run_id: self.run_id,
            kind: &self.kind,
            sku: self.sku.as_deref(),
            remote_item_id: self.remote_item_id.as_deref(),
            remote_variant_id: self.remote_variant_id.as_deref(),
            field,
            kho_value: value_json(field, self.kho_value.as_deref()),
            pushed_value: value_json(field, self.pushed_value.as_deref()),
            remote_value: value_json(field, self.remote_value.as_deref()),
            cause: &self.cause,
            detail: self.detail.as_deref(),
        }
        .serialize(s)
    }
}

/// An unknown or duplicated seller SKU handed to a person by `--fix`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AwaitingItem {
    pub account: String,
    pub kind: String,
    pub seller_sku: String,
    /// The remote listings concerned, `item[/variant]` joined by commas.
    pub remote_ids: String,
    pub detail: Option<String>,
    pub filed_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct RawRun {
    id: i64,
    account: String,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    outcome: String,
    error: Option<String>,
    fixed: bool,
}

#[derive(sqlx::FromRow)]
struct RawItem {
    id: i64,
    run_id: i64,
    kind: String,
    sku: Option<String>,
    remote_item_id: Option<String>,
    remote_variant_id: Option<String>,
    field: Option<String>,
    kho_value: Option<String>,
    pushed_value: Option<String>,
    remote_value: Option<String>,
    cause: String,
    detail: Option<String>,
}

impl From<RawItem> for ReconcileItem {
    fn from(r: RawItem) -> Self {
        ReconcileItem {
            id: r.id,
            run_id: r.run_id,
            kind: r.kind,
            sku: r.sku,
            remote_item_id: r.remote_item_id,
            remote_variant_id: r.remote_variant_id,
            field: r.field,
            kho_value: r.kho_value,
            pushed_value: r.pushed_value,
            remote_value: r.remote_value,
            cause: r.cause,
            detail: r.detail,
        }
    }
}

const RUNS: &str = "SELECT r.id, a.name AS account, r.started_at, r.finished_at, r.outcome, \
     r.error, r.fixed FROM reconcile_runs r JOIN channel_accounts a ON a.id = r.account_id ";

/// A linked listing as kho holds it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Canonical {
    pub listing_id: i64,
    pub variant_id: i64,
    pub sku: String,
    pub remote_item_id: String,
    /// Empty for an item without variants.
    pub remote_variant_id: String,
    pub desired_stock: Option<i64>,
    pub desired_price: Option<i64>,
    pub desired_active: Option<bool>,
    /// What kho believes the marketplace shows (link, acks, own orders).
    pub remote_stock: Option<i64>,
    pub remote_price: Option<i64>,
    pub remote_status: Option<String>,
    /// What the marketplace last acknowledged from kho.
    pub acked_stock: Option<i64>,
    pub acked_price: Option<i64>,
    pub acked_at: Option<DateTime<Utc>>,
}

/// A queued or dead push of one listing.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JobState {
    pub listing_id: i64,
    pub kind: String,
    /// `pending` or `dead`.
    pub state: String,
    pub last_error: Option<String>,
}

impl Store {
    /// The latest finished run of every account (for status, metrics,
    /// dashboard).
    pub async fn latest_reconcile_runs(&self) -> Result<Vec<ReconcileRun>> {
        let raw: Vec<RawRun> = with_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{RUNS} WHERE r.id IN (SELECT MAX(id) FROM reconcile_runs \
                 WHERE outcome <> 'running' GROUP BY account_id) ORDER BY a.name"
            )))
            .fetch_all(pool)
            .await?
        });
        self.with_counts(raw).await
    }

    /// History, newest first.
    pub async fn reconcile_runs(
        &self,
        account: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ReconcileRun>> {
        let raw: Vec<RawRun> = with_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{RUNS} WHERE (CAST($1 AS TEXT) IS NULL OR a.name = $1) ORDER BY r.id DESC LIMIT $2"
            )))
            .bind(account)
            .bind(limit.max(0))
            .fetch_all(pool)
            .await?
        });
        self.with_counts(raw).await
    }

    pub async fn reconcile_items(&self, run_id: i64) -> Result<Vec<ReconcileItem>> {
        let raw: Vec<RawItem> = with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, run_id, kind, sku, remote_item_id, remote_variant_id, field, kho_value, \
                 pushed_value, remote_value, cause, detail FROM reconcile_items \
                 WHERE run_id = $1 ORDER BY id",
            )
            .bind(run_id)
            .fetch_all(pool)
            .await?
        });
        Ok(raw.into_iter().map(ReconcileItem::from).collect())
    }

    async fn with_counts(&self, raw: Vec<RawRun>) -> Result<Vec<ReconcileRun>> {
        let mut runs = Vec::with_capacity(raw.len());
        for r in raw {
            let counts: Vec<(String, i64)> = with_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT kind, COUNT(*) FROM reconcile_items WHERE run_id = $1 GROUP BY kind",
                )
                .bind(r.id)
                .fetch_all(pool)
                .await?
            });
            runs.push(ReconcileRun {
                id: r.id,
                account: r.account,
                started_at: r.started_at,
                finished_at: r.finished_at,
                outcome: r.outcome,
                error: r.error,
                fixed: r.fixed,
                counts: counts.into_iter().collect(),
            });
        }
        Ok(runs)
    }

    /// Starts a run. Runs of the account still marked running died with
    /// their process (the caller holds the account's reconcile lease), so
    /// they are closed as failed.
    pub async fn begin_reconcile_run(&self, account_id: i64, fixed: bool) -> Result<i64> {
        let at = now();
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE reconcile_runs SET outcome = 'failed', finished_at = $2, \
                 error = 'interrupted before it finished' \
                 WHERE account_id = $1 AND outcome = 'running'",
            )
            .bind(account_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO reconcile_runs (account_id, started_at, outcome, fixed) \
                 VALUES ($1, $2, 'running', $3) RETURNING id",
            )
            .bind(account_id)
            .bind(at)
            .bind(fixed)
            .fetch_one(&mut *tx)
            .await?;
            Ok::<_, StoreError>(id)
        })
    }

    /// Closes a run with its items (their `id` and `run_id` are ignored).
    /// The outcome follows: `failed` with an error, else `drift` when there
    /// are items, else `clean`.
    pub async fn finish_reconcile_run(
        &self,
        run_id: i64,
        items: &[ReconcileItem],
        error: Option<&str>,
    ) -> Result<String> {
        let at = now();
        let outcome = match (error, items.is_empty()) {
            (Some(_), _) => "failed",
            (None, false) => "drift",
            (None, true) => "clean",
        };
        in_tx!(self, |tx| {
            for chunk in items.chunks(500) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO reconcile_items (run_id, kind, sku, remote_item_id, \
                     remote_variant_id, field, kho_value, pushed_value, remote_value, cause, detail) ",
                );
                qb.push_values(chunk, |mut b, i| {
                    b.push_bind(run_id)
                        .push_bind(&i.kind)
                        .push_bind(&i.sku)
                        .push_bind(&i.remote_item_id)
                        .push_bind(&i.remote_variant_id)
                        .push_bind(&i.field)
                        .push_bind(&i.kho_value)
                        .push_bind(&i.pushed_value)
                        .push_bind(&i.remote_value)
                        .push_bind(&i.cause)
                        .push_bind(&i.detail);
                });
                qb.build().execute(&mut *tx).await?;
            }
            sqlx::query(
                "UPDATE reconcile_runs SET finished_at = $2, outcome = $3, error = $4 WHERE id = $1",
            )
            .bind(run_id)
            .bind(at)
            .bind(outcome)
            .bind(error)
            .execute(&mut *tx)
            .await?;
            Ok::<_, StoreError>(())
        })?;
        Ok(outcome.to_owned())
    }

    /// When the account's last run that read the marketplace started: the
    /// start of the next run's order window.
    pub async fn last_reconciled_at(&self, account_id: i64) -> Result<Option<DateTime<Utc>>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT MAX(started_at) FROM reconcile_runs \
                 WHERE account_id = $1 AND outcome IN ('clean', 'drift')",
            )
            .bind(account_id)
            .fetch_one(pool)
            .await?
        }))
    }

    /// What is awaiting a person, for one account or all.
    pub async fn awaiting_items(&self, account: Option<&str>) -> Result<Vec<AwaitingItem>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT a.name AS account, w.kind, w.seller_sku, w.remote_ids, w.detail, w.filed_at \
                 FROM reconcile_awaiting w JOIN channel_accounts a ON a.id = w.account_id \
                 WHERE (CAST($1 AS TEXT) IS NULL OR a.name = $1) \
                 ORDER BY a.name, w.seller_sku, w.kind",
            )
            .bind(account)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Makes the account's awaiting items exactly `keep` plus `file`: items
    /// not seen any more (resolved, or changed and so re-evaluated) go, new
    /// ones are filed. Each entry is (kind, seller SKU, remote ids, detail).
    pub async fn set_awaiting(
        &self,
        account_id: i64,
        keep: &[(String, String, String)],
        file: &[(String, String, String, Option<String>)],
    ) -> Result<()> {
        let at = now();
        in_tx!(self, |tx| {
            let existing: Vec<(i64, String, String, String)> = sqlx::query_as(
                "SELECT id, kind, seller_sku, remote_ids FROM reconcile_awaiting WHERE account_id = $1",
            )
            .bind(account_id)
            .fetch_all(&mut *tx)
            .await?;
            for (id, kind, sku, ids) in existing {
                let kept = keep
                    .iter()
                    .any(|(k, s, r)| *k == kind && *s == sku && *r == ids);
                if !kept {
                    sqlx::query("DELETE FROM reconcile_awaiting WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for (kind, sku, ids, detail) in file {
                sqlx::query(
                    "INSERT INTO reconcile_awaiting (account_id, kind, seller_sku, remote_ids, detail, filed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (account_id, kind, seller_sku, remote_ids) DO NOTHING",
                )
                .bind(account_id)
                .bind(kind)
                .bind(sku)
                .bind(ids)
                .bind(detail)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            Ok::<_, StoreError>(())
        })
    }

    /// The account's linked listings with what kho wants, believes and last
    /// pushed (the canonical side of a reconciliation).
    pub async fn reconcile_canonical(&self, account_id: i64) -> Result<Vec<Canonical>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT l.id AS listing_id, l.variant_id, v.sku, l.remote_item_id, l.remote_variant_id, \
                 l.desired_stock, l.desired_price, l.desired_active, l.remote_stock, l.remote_price, \
                 l.remote_status, l.acked_stock, l.acked_price, l.acked_at \
                 FROM listings l JOIN variants v ON v.id = l.variant_id \
                 WHERE l.account_id = $1 ORDER BY l.id",
            )
            .bind(account_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Queued and dead pushes of the account.
    pub async fn reconcile_jobs(&self, account_id: i64) -> Result<Vec<JobState>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT listing_id, kind, state, last_error FROM sync_jobs WHERE account_id = $1",
            )
            .bind(account_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Which of these remote orders of the account kho has ingested, with
    /// the status it has them in.
    pub async fn known_orders(
        &self,
        account_id: i64,
        ids: &[String],
    ) -> Result<HashMap<String, String>> {
        let mut known = HashMap::new();
        for chunk in ids.chunks(500) {
            let found: Vec<(String, String)> = with_pool!(self, |pool| {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT remote_order_id, status FROM orders WHERE account_id = ",
                );
                qb.push_bind(account_id);
                qb.push(" AND remote_order_id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id);
                }
                qb.push(")");
                qb.build_query_as().fetch_all(pool).await?
            });
            known.extend(found);
        }
        Ok(known)
    }

    /// Takes what the marketplace shows as kho's belief and acknowledged
    /// value of a listing, so that the engine, which never queues a value
    /// the marketplace is believed to show already, queues the canonical
    /// one. `kind` is stock, price or status (`value` 1/0 for listed).
    pub async fn observe_remote(&self, listing_id: i64, kind: &str, value: i64) -> Result<()> {
        let sql = match kind {
            "stock" => "UPDATE listings SET remote_stock = $2, acked_stock = $2 WHERE id = $1",
            "price" => "UPDATE listings SET remote_price = $2, acked_price = $2 WHERE id = $1",
            "status" => {
                "UPDATE listings SET remote_status = CASE WHEN CAST($2 AS BIGINT) = 1 THEN 'active' ELSE 'inactive' END \
                 WHERE id = $1"
            }
            other => return Err(StoreError::Corrupt(format!("observed field {other:?}"))),
        };
        with_pool!(self, |pool| {
            sqlx::query(sql)
                .bind(listing_id)
                .bind(value)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(field: &str, kho: &str, remote: &str) -> ReconcileItem {
        ReconcileItem {
            id: 1,
            run_id: 1,
            kind: "value_mismatch".into(),
            sku: Some("NA-1KG".into()),
            remote_item_id: Some("9".into()),
            remote_variant_id: None,
            field: Some(field.into()),
            kho_value: Some(kho.into()),
            pushed_value: None,
            remote_value: Some(remote.into()),
            cause: "edited_on_marketplace".into(),
            detail: None,
        }
    }

    #[test]
    fn stock_and_price_values_are_json_numbers_and_the_rest_text() {
        let v = serde_json::to_value(item("stock", "50", "10")).unwrap();
        assert_eq!(v["kho_value"], 50);
        assert_eq!(v["remote_value"], 10);
        assert!(v["pushed_value"].is_null());
        let v = serde_json::to_value(item("price", "85000", "90000")).unwrap();
        assert_eq!(v["remote_value"], 90_000);
        // A seller SKU of digits is still a seller SKU.
        let v = serde_json::to_value(item("seller_sku", "0042", "42")).unwrap();
        assert_eq!(v["kho_value"], "0042");
        assert_eq!(v["remote_value"], "42");
        assert_eq!(v["field"], "seller_sku");
        assert_eq!(v["cause"], "edited_on_marketplace");
    }
}
