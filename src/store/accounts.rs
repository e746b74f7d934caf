//! Channel accounts as the database knows them: their state (ok, paused,
//! needs re-authorisation), last error, and current tokens.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Result, Store, StoreError, in_tx, now, with_pool};
use crate::config::{AccountConfig, Credentials};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    Ok,
    Paused,
    NeedsReauth,
}

impl AccountState {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::Ok => "ok",
            AccountState::Paused => "paused",
            AccountState::NeedsReauth => "needs_reauth",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "ok" => Ok(AccountState::Ok),
            "paused" => Ok(AccountState::Paused),
            "needs_reauth" => Ok(AccountState::NeedsReauth),
            other => Err(StoreError::Corrupt(format!("account state {other:?}"))),
        }
    }
}

/// An account's row plus what `kho accounts list` shows about it.
#[derive(Debug, Clone, Serialize)]
pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub channel: String,
    pub producer: Option<String>,
    pub state: AccountState,
    pub last_error: Option<String>,
    pub last_push_at: Option<DateTime<Utc>>,
    pub access_expires_at: Option<DateTime<Utc>>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    pub listings: i64,
}

#[derive(sqlx::FromRow)]
struct RawAccountRow {
    id: i64,
    name: String,
    channel: String,
    producer: Option<String>,
    state: String,
    last_error: Option<String>,
    last_push_at: Option<DateTime<Utc>>,
    access_expires_at: Option<DateTime<Utc>>,
    refresh_expires_at: Option<DateTime<Utc>>,
    listings: i64,
}

/// Stored tokens, in clear: callers wrap them in secret types at once.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

const ACCOUNT_ROWS: &str = "SELECT a.id, a.name, a.channel, p.code AS producer, a.state, a.last_error, \
     a.last_push_at, t.access_expires_at, t.refresh_expires_at, \
     (SELECT COUNT(*) FROM listings l WHERE l.account_id = a.id) AS listings \
     FROM channel_accounts a \
     LEFT JOIN producers p ON p.id = a.producer_id \
     LEFT JOIN account_tokens t ON t.account_id = a.id \
     WHERE (CAST($1 AS TEXT) IS NULL OR a.name = $1) ORDER BY a.name";

/// What a sealed token is bound to: moved to another row or column, it no
/// longer opens.
fn token_purpose(account: &str, column: &str) -> String {
    format!("account_tokens/{account}/{column}")
}

/// What `kho secrets rotate-key` did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ResealReport {
    /// Values re-sealed under the current key (they were under a previous one).
    pub resealed: u64,
    /// Values found in clear (written before sealing existed) and sealed now.
    pub sealed_from_clear: u64,
    /// Values already under the current key.
    pub current: u64,
}

fn seed_tokens(c: &Credentials) -> Option<(&str, &str)> {
    let (a, r) = match c {
        Credentials::Shopee(c) => (&c.access_token, &c.refresh_token),
        Credentials::Tiktok(c) => (&c.access_token, &c.refresh_token),
        Credentials::Lazada(c) => (&c.access_token, &c.refresh_token),
        Credentials::WooCommerce(_) => return None,
        Credentials::Tiki(c) => (&c.access_token, &c.refresh_token),
    };
    Some((a.as_ref()?.expose(), r.as_ref()?.expose()))
}

impl Store {
    /// Makes the database's accounts match the configuration: creates new
    /// ones, updates channel and producer, and seeds tokens from the
    /// configuration only where none are stored (a refreshed, rotated token
    /// in the store always wins over the file). Seeded tokens are marked as
    /// expiring now, so the first call refreshes them and learns their real
    /// lifetime. Returns the names of configured accounts whose producer is
    /// not in the store.
    pub async fn sync_accounts(
        &self,
        accounts: &[AccountConfig],
        delist_on_expiry: bool,
    ) -> Result<Vec<String>> {
        let at = now();
        let mut changed_rules = Vec::new();
        let unknown = in_tx!(self, |tx| {
            let mut unknown = Vec::new();
            for a in accounts {
                let producer_id: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM producers WHERE code = $1")
                        .bind(&a.producer)
                        .fetch_optional(&mut *tx)
                        .await?;
                if producer_id.is_none() {
                    unknown.push(a.name.clone());
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO channel_accounts (name, channel, producer_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $4) \
                     ON CONFLICT (name) DO UPDATE SET channel = excluded.channel, \
                     producer_id = excluded.producer_id, updated_at = excluded.updated_at \
                     RETURNING id",
                )
                .bind(&a.name)
                .bind(a.channel.as_str())
                .bind(producer_id)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                // A new allocation rule or expiry policy changes what every
                // listing of the account should show.
                let rule = serde_json::to_string(&a.allocation)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let min_life = i64::from(a.min_shelf_life_days);
                let (old_rule, old_delist, old_life): (String, bool, i64) = sqlx::query_as(
                    "SELECT allocation, delist_on_expiry, min_shelf_life_days FROM channel_accounts WHERE id = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                if old_rule != rule || old_delist != delist_on_expiry || old_life != min_life {
                    sqlx::query(
                        "UPDATE channel_accounts SET allocation = $2, delist_on_expiry = $3, \
                         min_shelf_life_days = $4 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(&rule)
                    .bind(delist_on_expiry)
                    .bind(min_life)
                    .execute(&mut *tx)
                    .await?;
                    changed_rules.push(id);
                }
                if let Some((access, refresh)) = seed_tokens(&a.credentials) {
                    let ring = self.keyring()?;
                    let access = ring.seal(&token_purpose(&a.name, "access_token"), access)?;
                    let refresh = ring.seal(&token_purpose(&a.name, "refresh_token"), refresh)?;
                    sqlx::query(
                        "INSERT INTO account_tokens (account_id, access_token, refresh_token, \
                         access_expires_at, refresh_expires_at, updated_at) \
                         VALUES ($1, $2, $3, $4, NULL, $4) ON CONFLICT (account_id) DO NOTHING",
                    )
                    .bind(id)
                    .bind(&access)
                    .bind(&refresh)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            Ok::<_, StoreError>(unknown)
        })?;
        if !changed_rules.is_empty() {
            let mut variants = Vec::new();
            for id in changed_rules {
                variants.extend(self.listings(id).await?.into_iter().map(|l| l.variant_id));
            }
            self.rebalance(&variants).await?;
        }
        // An account configured without tokens waits for `kho accounts connect`.
        self.flag_tokenless_accounts().await?;
        Ok(unknown)
    }

    pub async fn accounts(&self, name: Option<&str>) -> Result<Vec<AccountRow>> {
        let rows: Vec<RawAccountRow> = with_pool!(self, |pool| {
            sqlx::query_as(ACCOUNT_ROWS)
                .bind(name)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(AccountRow {
                    id: r.id,
                    name: r.name,
                    channel: r.channel,
                    producer: r.producer,
                    state: AccountState::parse(&r.state)?,
                    last_error: r.last_error,
                    last_push_at: r.last_push_at,
                    access_expires_at: r.access_expires_at,
                    refresh_expires_at: r.refresh_expires_at,
                    listings: r.listings,
                })
            })
            .collect()
    }

    pub async fn load_tokens(&self, account: &str) -> Result<Option<StoredTokens>> {
        let stored: Option<StoredTokens> = with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT t.access_token, t.refresh_token, t.access_expires_at, t.refresh_expires_at \
                 FROM account_tokens t JOIN channel_accounts a ON a.id = t.account_id \
                 WHERE a.name = $1",
            )
            .bind(account)
            .fetch_optional(pool)
            .await?
        });
        let Some(mut t) = stored else {
            return Ok(None);
        };
        let ring = self.keyring()?;
        t.access_token = ring.open(&token_purpose(account, "access_token"), &t.access_token)?;
        t.refresh_token = ring.open(&token_purpose(account, "refresh_token"), &t.refresh_token)?;
        Ok(Some(t))
    }

    /// Durably replaces an account's tokens (committed when this returns).
    pub async fn save_tokens(&self, account: &str, tokens: &StoredTokens) -> Result<()> {
        let at = now();
        let ring = self.keyring()?;
        let access = ring.seal(
            &token_purpose(account, "access_token"),
            &tokens.access_token,
        )?;
        let refresh = ring.seal(
            &token_purpose(account, "refresh_token"),
            &tokens.refresh_token,
        )?;
        in_tx!(self, |tx| {
            let id: Option<i64> =
                sqlx::query_scalar("SELECT id FROM channel_accounts WHERE name = $1")
                    .bind(account)
                    .fetch_optional(&mut *tx)
                    .await?;
            let id = id.ok_or_else(|| StoreError::Corrupt(format!("no account {account:?}")))?;
            sqlx::query(
                "INSERT INTO account_tokens (account_id, access_token, refresh_token, \
                 access_expires_at, refresh_expires_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (account_id) DO UPDATE SET access_token = excluded.access_token, \
                 refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at, \
                 refresh_expires_at = excluded.refresh_expires_at, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(&access)
            .bind(&refresh)
            .bind(tokens.access_expires_at)
            .bind(tokens.refresh_expires_at)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Re-seals every stored token under the current key, in one
    /// transaction: a value under a key the keyring lacks stops it with
    /// nothing changed.
    pub async fn reseal_secrets(&self) -> Result<ResealReport> {
        use crate::secrets::SealState;
        let ring = self.keyring()?;
        in_tx!(self, |tx| {
            let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
                "SELECT t.account_id, a.name, t.access_token, t.refresh_token \
                 FROM account_tokens t JOIN channel_accounts a ON a.id = t.account_id ORDER BY t.account_id",
            )
            .fetch_all(&mut *tx)
            .await?;
            let mut report = ResealReport::default();
            for (id, name, access, refresh) in rows {
                let mut values = Vec::new();
                for (column, stored) in [("access_token", access), ("refresh_token", refresh)] {
                    let purpose = token_purpose(&name, column);
                    match ring.state(&stored) {
                        SealState::Current => {
                            report.current += 1;
                            values.push(stored);
                        }
                        state => {
                            let plain = ring.open(&purpose, &stored)?;
                            if state == SealState::Clear {
                                report.sealed_from_clear += 1;
                            } else {
                                report.resealed += 1;
                            }
                            values.push(ring.seal(&purpose, &plain)?);
                        }
                    }
                }
                sqlx::query(
                    "UPDATE account_tokens SET access_token = $2, refresh_token = $3 WHERE account_id = $1",
                )
                .bind(id)
                .bind(&values[0])
                .bind(&values[1])
                .execute(&mut *tx)
                .await?;
            }
            Ok::<_, StoreError>(report)
        })
    }

    /// Records an account's state and, when given, its latest error.
    pub async fn set_account_state(
        &self,
        account: &str,
        state: AccountState,
        last_error: Option<&str>,
    ) -> Result<()> {
        let at = now();
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE channel_accounts SET state = $2, last_error = COALESCE($3, last_error), \
                 updated_at = $4 WHERE name = $1",
            )
            .bind(account)
            .bind(state.as_str())
            .bind(last_error)
            .bind(at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
