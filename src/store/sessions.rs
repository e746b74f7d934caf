//! Sign-in for people: one-time login links and the dashboard sessions
//! they (or a pasted API token) open. Secrets are kept only as hashes; a
//! link works once and expires; a session ends when idle too long, at its
//! absolute expiry, when revoked, when its person signs out, or — for one
//! opened with an API token — when that token is revoked.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::{Result, Store, StoreError, now, with_pool};
use crate::auth::{self, Role, people};

/// A session nobody used for this long has ended.
pub const SESSION_IDLE: TimeDelta = TimeDelta::days(7);
/// A session ends this long after it began, used or not.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::days(30);
/// A login link is valid for this long unless asked otherwise.
pub const LINK_DEFAULT_VALIDITY: TimeDelta = TimeDelta::minutes(15);
/// Links valid for longer than this are refused: a week covers a link
/// sent on Friday and opened on Monday, and no more.
pub const LINK_MAX_VALIDITY: TimeDelta = TimeDelta::days(7);
/// `last_seen_at` is refreshed at most this often.
const SEEN_GRANULARITY: TimeDelta = TimeDelta::seconds(60);
/// A person's name is written into the ledger: one line, bounded.
const MAX_PERSON_CHARS: usize = 120;

/// Who a link or a session is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    /// The producer code a cooperative is bound to.
    pub producer: Option<String>,
}

/// Why a link was not created or spent.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("a cooperative sign-in needs --producer naming the producer it may see")]
    ProducerRequired,
    #[error("a {0} sees every producer; --producer is only for cooperatives")]
    ProducerNotAllowed(Role),
    #[error("unknown producer {0:?}")]
    UnknownProducer(String),
    #[error("the name {0:?} is not a person's name (one line, at most 120 characters)")]
    BadName(String),
    #[error("a sign-in link is valid for at least one minute and at most 7 days")]
    BadValidity,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SignInError {
    fn from(e: sqlx::Error) -> Self {
        SignInError::Store(e.into())
    }
}

/// What opening a link found, before (or instead of) spending it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkCheck {
    Valid {
        grant: Grant,
        /// None: the person says their name on the sign-in page.
        person: Option<String>,
        expires_at: DateTime<Utc>,
    },
    Expired,
    Used,
    Unknown,
}

/// A created link: the secret (shown once) and when it stops working.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

/// An opened session: the secret for the cookie and when it ends at the
/// latest.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub id: i64,
    pub expires_at: DateTime<Utc>,
}

/// A live session, as the dashboard sees its person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPerson {
    pub id: i64,
    pub person: String,
    pub grant: Grant,
}

/// A session as `kho sessions list` shows it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    pub id: i64,
    pub person: String,
    pub role: Role,
    pub producer: Option<String>,
    /// `link`, or `token:ID` for a session opened with an API token.
    pub origin: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Still usable now.
    pub active: bool,
}

/// A person's name as given: trimmed, one line, bounded.
pub fn person_name(name: &str) -> std::result::Result<String, SignInError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_PERSON_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(SignInError::BadName(name.to_owned()));
    }
    Ok(name.to_owned())
}

fn parse_role(role: &str) -> Result<Role> {
    role.parse()
        .map_err(|e: auth::UnknownRole| StoreError::Corrupt(e.to_string()))
}

type RawSession = (
    i64,
    String,
    String,
    Option<String>,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// Sessions with their producer's code and, for one opened with a token,
/// when that token was revoked.
const SESSION_ROWS: &str = "SELECT s.id, s.person, s.role, p.code, s.origin, s.created_at, \
     s.last_seen_at, s.expires_at, s.revoked_at, t.revoked_at \
     FROM sessions s LEFT JOIN producers p ON p.id = s.producer_id \
     LEFT JOIN api_tokens t ON t.id = s.token_id";

fn live(r: &RawSession, at: DateTime<Utc>) -> bool {
    r.8.is_none() && r.9.is_none() && r.7 > at && r.6 + SESSION_IDLE > at
}

impl Store {
    /// The producer's id for a grant, checking the role and producer agree.
    async fn grant_producer_id(
        &self,
        grant: &Grant,
    ) -> std::result::Result<Option<i64>, SignInError> {
        match (grant.role, grant.producer.as_deref()) {
            (Role::Cooperative, None) => Err(SignInError::ProducerRequired),
            (Role::Admin | Role::Department, Some(_)) => {
                Err(SignInError::ProducerNotAllowed(grant.role))
            }
            (Role::Admin | Role::Department, None) => Ok(None),
            (Role::Cooperative, Some(code)) => {
                let id: Option<i64> = with_pool!(self, |pool| {
                    sqlx::query_scalar("SELECT id FROM producers WHERE code = $1")
                        .bind(code)
                        .fetch_optional(pool)
                        .await?
                });
                id.map(Some)
                    .ok_or_else(|| SignInError::UnknownProducer(code.to_owned()))
            }
        }
    }

    /// Creates a one-time sign-in link for `person` (None: asked on the
    /// page), valid for `valid`. `created_by` is who made it, for the
    /// record. Links long expired are swept on the way.
    pub async fn create_login_link(
        &self,
        grant: &Grant,
        person: Option<&str>,
        valid: TimeDelta,
        created_by: &str,
    ) -> std::result::Result<NewLink, SignInError> {
        if valid < TimeDelta::minutes(1) || valid > LINK_MAX_VALIDITY {
            return Err(SignInError::BadValidity);
        }
        let person = person.map(person_name).transpose()?;
        let producer_id = self.grant_producer_id(grant).await?;
        let secret = people::generate_secret();
        let at = now();
        let expires_at = at + valid;
        with_pool!(self, |pool| {
            sqlx::query("DELETE FROM login_links WHERE expires_at < $1")
                .bind(at - TimeDelta::days(30))
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO login_links (secret_hash, role, producer_id, person, created_by, \
                 created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(auth::hash_token(&secret))
            .bind(grant.role.as_str())
            .bind(producer_id)
            .bind(person.as_deref())
            .bind(created_by)
            .bind(at)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(NewLink { secret, expires_at })
    }

    /// What a link is, without spending it (a link previewer's GET must not).
    pub async fn check_login_link(&self, secret: &str) -> Result<LinkCheck> {
        if !people::well_formed_secret(secret) {
            return Ok(LinkCheck::Unknown);
        }
        type Row = (
            String,
            Option<String>,
            Option<String>,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
        );
        let row: Option<Row> = with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT l.role, p.code, l.person, l.expires_at, l.used_at FROM login_links l \
                 LEFT JOIN producers p ON p.id = l.producer_id WHERE l.secret_hash = $1",
            )
            .bind(auth::hash_token(secret))
            .fetch_optional(pool)
            .await?
        });
        let Some((role, producer, person, expires_at, used_at)) = row else {
            return Ok(LinkCheck::Unknown);
        };
        if used_at.is_some() {
            return Ok(LinkCheck::Used);
        }
        if expires_at <= now() {
            return Ok(LinkCheck::Expired);
        }
        Ok(LinkCheck::Valid {
            grant: Grant {
                role: parse_role(&role)?,
                producer,
            },
            person,
            expires_at,
        })
    }

    /// Spends a link and opens a session for its person (`typed_name` when
    /// the link names nobody). Two browsers racing with one link: only one
    /// update spends it; the other is told it was used.
    pub async fn spend_login_link(
        &self,
        secret: &str,
        typed_name: Option<&str>,
    ) -> std::result::Result<(LinkCheck, Option<NewSession>), SignInError> {
        let check = self.check_login_link(secret).await?;
        let LinkCheck::Valid { grant, person, .. } = &check else {
            return Ok((check, None));
        };
        let person = match person {
            Some(p) => p.clone(),
            None => person_name(typed_name.unwrap_or_default())?,
        };
        let at = now();
        let spent = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE login_links SET used_at = $2 \
                 WHERE secret_hash = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(auth::hash_token(secret))
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if spent != 1 {
            return Ok((LinkCheck::Used, None));
        }
        let session = self.open_session(grant, &person, "link", None).await?;
        Ok((check, Some(session)))
    }

    /// Opens a session for `person` with `grant`; `token_id` ties it to the
    /// API token it was opened with.
    pub async fn open_session(
        &self,
        grant: &Grant,
        person: &str,
        origin: &str,
        token_id: Option<i64>,
    ) -> std::result::Result<NewSession, SignInError> {
        let person = person_name(person)?;
        let producer_id = self.grant_producer_id(grant).await?;
        let secret = people::generate_secret();
        let at = now();
        let expires_at = at + SESSION_LIFETIME;
        let id: i64 = with_pool!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(at - TimeDelta::days(30))
                .execute(pool)
                .await?;
            sqlx::query_scalar(
                "INSERT INTO sessions (session_hash, role, producer_id, person, origin, token_id, \
                 created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) \
                 RETURNING id",
            )
            .bind(auth::hash_token(&secret))
            .bind(grant.role.as_str())
            .bind(producer_id)
            .bind(&person)
            .bind(origin)
            .bind(token_id)
            .bind(at)
            .bind(expires_at)
            .fetch_one(pool)
            .await?
        });
        Ok(NewSession {
            secret,
            id,
            expires_at,
        })
    }

    /// The person of a live session, or None (unknown, idle too long,
    /// expired, revoked, or its token revoked).
    pub async fn authenticate_session(&self, secret: &str) -> Result<Option<SessionPerson>> {
        if !people::well_formed_secret(secret) {
            return Ok(None);
        }
        let hash = auth::hash_token(secret);
        let row: Option<RawSession> = with_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SESSION_ROWS} WHERE s.session_hash = $1"
            )))
            .bind(&hash)
            .fetch_optional(pool)
            .await?
        });
        let at = now();
        let Some(row) = row.filter(|r| live(r, at)) else {
            return Ok(None);
        };
        let role = parse_role(&row.2)?;
        if (role == Role::Cooperative) != row.3.is_some() {
            return Err(StoreError::Corrupt(format!(
                "session {} has role {role} and producer {:?}",
                row.0, row.3
            )));
        }
        if at - row.6 >= SEEN_GRANULARITY {
            // In the background, as for tokens: a page must not wait on a
            // write lock just to note it was seen.
            let store = self.clone();
            let id = row.0;
            tokio::spawn(async move {
                let touched = with_pool!(store, |pool| {
                    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
                        .bind(id)
                        .bind(at)
                        .execute(pool)
                        .await
                        .map(|_| ())
                });
                if let Err(e) = touched {
                    tracing::debug!(error = %e, session = id, "cannot record a session's last use");
                }
            });
        }
        Ok(Some(SessionPerson {
            id: row.0,
            person: row.1,
            grant: Grant {
                role,
                producer: row.3,
            },
        }))
    }

    /// Signing out: the session is gone at once. False when there was none.
    pub async fn end_session(&self, secret: &str) -> Result<bool> {
        if !people::well_formed_secret(secret) {
            return Ok(false);
        }
        let done = with_pool!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE session_hash = $1")
                .bind(auth::hash_token(secret))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }

    /// Every session not yet swept, newest first.
    pub async fn list_sessions(&self) -> Result<Vec<SessionInfo>> {
        let rows: Vec<RawSession> = with_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SESSION_ROWS} ORDER BY s.id DESC"
            )))
            .fetch_all(pool)
            .await?
        });
        let at = now();
        rows.into_iter()
            .map(|r| {
                Ok(SessionInfo {
                    active: live(&r, at),
                    role: parse_role(&r.2)?,
                    id: r.0,
                    person: r.1,
                    producer: r.3,
                    origin: r.4,
                    created_at: r.5,
                    last_seen_at: r.6,
                    expires_at: r.7,
                    revoked_at: r.8,
                })
            })
            .collect()
    }

    /// Revokes a session: its next page sends the person to sign in.
    /// False when no unrevoked session has this id.
    pub async fn revoke_session(&self, id: i64) -> Result<bool> {
        let done = with_pool!(self, |pool| {
            sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(now())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_bounded_line() {
        assert_eq!(person_name("  Nguyễn Văn A ").unwrap(), "Nguyễn Văn A");
        for bad in ["", "   ", "a\nb", &"x".repeat(121)] {
            assert!(
                matches!(person_name(bad), Err(SignInError::BadName(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_session_lives_until_idle_expired_or_revoked() {
        let at = now();
        let row = |last_seen: DateTime<Utc>,
                   expires: DateTime<Utc>,
                   revoked: Option<DateTime<Utc>>,
                   token_revoked: Option<DateTime<Utc>>|
         -> RawSession {
            (
                1,
                "A".into(),
                "admin".into(),
                None,
                "link".into(),
                at,
                last_seen,
                expires,
                revoked,
                token_revoked,
            )
        };
        let later = at + TimeDelta::days(1);
        assert!(live(&row(at, later, None, None), at));
        assert!(!live(&row(at - SESSION_IDLE, later, None, None), at));
        assert!(!live(&row(at, at, None, None), at));
        assert!(!live(&row(at, later, Some(at), None), at));
        assert!(!live(&row(at, later, None, Some(at)), at));
    }
}
