//! Admin API tokens: created with a role (and, for a cooperative, the one
//! producer it is bound to), kept only as a hash, listed and revoked.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::{Result, Store, StoreError, now, with_pool};
use crate::auth::{self, Principal, Role};

/// A token as `kho token list` and the API show it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub producer: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Why a token was not created.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("a cooperative token needs --producer naming the producer it may see")]
    ProducerRequired,
    #[error("a {0} token sees every producer; --producer is only for cooperative tokens")]
    ProducerNotAllowed(Role),
    #[error("unknown producer {0:?}")]
    UnknownProducer(String),
    #[error("a token name must not be empty")]
    EmptyName,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for TokenError {
    fn from(e: sqlx::Error) -> Self {
        TokenError::Store(e.into())
    }
}

#[derive(sqlx::FromRow)]
struct RawToken {
    id: i64,
    name: String,
    role: String,
    producer: Option<String>,
    token_hash: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl RawToken {
    fn role(&self) -> Result<Role> {
        self.role
            .parse()
            .map_err(|e: auth::UnknownRole| StoreError::Corrupt(e.to_string()))
    }
}

/// The columns of a token row, for `concat!` into whole static statements.
macro_rules! token_rows {
    () => {
        "SELECT t.id, t.name, t.role, p.code AS producer, t.token_hash, \
         t.created_at, t.last_used_at, t.revoked_at \
         FROM api_tokens t LEFT JOIN producers p ON p.id = t.producer_id"
    };
}
const TOKEN_BY_HASH: &str = concat!(token_rows!(), " WHERE t.token_hash = $1");
const ALL_TOKENS: &str = concat!(token_rows!(), " ORDER BY t.id");

/// `last_used_at` is refreshed at most this often, so that a busy client
/// does not turn every read into a write.
const LAST_USED_GRANULARITY: TimeDelta = TimeDelta::seconds(60);

impl Store {
    /// Creates a token; returns (id, the secret token text — shown once,
    /// only its hash is stored).
    pub async fn create_token(
        &self,
        name: &str,
        role: Role,
        producer: Option<&str>,
    ) -> Result<(i64, String), TokenError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(TokenError::EmptyName);
        }
        let producer_id = match (role, producer) {
            (Role::Cooperative, None) => return Err(TokenError::ProducerRequired),
            (Role::Admin | Role::Department, Some(_)) => {
                return Err(TokenError::ProducerNotAllowed(role));
            }
            (Role::Admin | Role::Department, None) => None,
            (Role::Cooperative, Some(code)) => {
                let id: Option<i64> = with_pool!(self, |pool| {
                    sqlx::query_scalar("SELECT id FROM producers WHERE code = $1")
                        .bind(code)
                        .fetch_optional(pool)
                        .await?
                });
                Some(id.ok_or_else(|| TokenError::UnknownProducer(code.to_owned()))?)
            }
        };
        let token = auth::generate_token();
        let hash = auth::hash_token(&token);
        let id: i64 = with_pool!(self, |pool| {
            sqlx::query_scalar(
                "INSERT INTO api_tokens (name, role, producer_id, token_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(name)
            .bind(role.as_str())
            .bind(producer_id)
            .bind(&hash)
            .bind(now())
            .fetch_one(pool)
            .await?
        });
        Ok((id, token))
    }

    /// None for unknown or revoked tokens. Looks the token up by its hash;
    /// compares in constant time.
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<Principal>> {
        if !auth::well_formed(token) {
            return Ok(None);
        }
        let hash = auth::hash_token(token);
        let row: Option<RawToken> = with_pool!(self, |pool| {
            sqlx::query_as(TOKEN_BY_HASH)
                .bind(&hash)
                .fetch_optional(pool)
                .await?
        });
        let Some(row) = row else { return Ok(None) };
        if !auth::hashes_match(&row.token_hash, &hash) || row.revoked_at.is_some() {
            return Ok(None);
        }
        let role = row.role()?;
        if role == Role::Cooperative && row.producer.is_none() {
            return Err(StoreError::Corrupt(format!(
                "cooperative token {} has no producer",
                row.id
            )));
        }
        let at = now();
        if row
            .last_used_at
            .is_none_or(|t| at - t >= LAST_USED_GRANULARITY)
        {
            with_pool!(self, |pool| {
                sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                    .bind(row.id)
                    .bind(at)
                    .execute(pool)
                    .await?;
            });
        }
        Ok(Some(Principal {
            token_id: row.id,
            name: row.name,
            role,
            producer: row.producer,
        }))
    }

    /// Every token, revoked ones included (they stay for the record).
    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        let rows: Vec<RawToken> = with_pool!(self, |pool| sqlx::query_as(ALL_TOKENS)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|r| {
                Ok(TokenInfo {
                    role: r.role()?,
                    id: r.id,
                    name: r.name,
                    producer: r.producer,
                    created_at: r.created_at,
                    last_used_at: r.last_used_at,
                    revoked_at: r.revoked_at,
                })
            })
            .collect()
    }

    /// Revokes a token at once (the next request with it answers 401).
    /// False when no live token has this id.
    pub async fn revoke_token(&self, id: i64) -> Result<bool> {
        let done = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(now())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done > 0)
    }
}
