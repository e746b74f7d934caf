//! What connecting a shop keeps: the single-use `state` of each
//! authorisation link, bound to its account, and the account's way out of
//! (and back into) `needs_reauth`.

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use super::{Result, Store, now, with_pool};

/// What an account without tokens shows as its last error until a seller
/// authorises it.
pub const NOT_AUTHORISED: &str =
    "no tokens: the shop has not been authorised yet (kho accounts connect)";

/// What the callback learnt from a `state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateCheck {
    /// Fresh and now spent: the authorisation is for this account.
    Valid { account: String },
    /// Known, but past its expiry.
    Expired,
    /// Known, but already spent by an earlier callback.
    Used,
    /// Never issued (or issued for another marketplace's account).
    Unknown,
}

/// A state: 256 random bits, hex. Unguessable, so only the link kho
/// printed can complete an authorisation.
fn new_state() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Only the hash is stored: the database never holds a usable state.
fn hash_state(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

impl Store {
    /// Issues a state for `account`, valid for `ttl`; the caller puts it in
    /// the authorisation link. Expired states are swept on the way.
    pub async fn create_oauth_state(&self, account: &str, ttl: TimeDelta) -> Result<String> {
        let state = new_state();
        let at = now();
        with_pool!(self, |pool| {
            sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1")
                .bind(at - TimeDelta::days(1))
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO oauth_states (state_hash, account_id, created_at, expires_at) \
                 SELECT $1, id, $2, $3 FROM channel_accounts WHERE name = $4",
            )
            .bind(hash_state(&state))
            .bind(at)
            .bind(at + ttl)
            .bind(account)
            .execute(pool)
            .await?;
        });
        Ok(state)
    }

    /// Checks `state` for an account of `channel` and spends it: a state
    /// works once, whatever the exchange that follows makes of the code.
    pub async fn spend_oauth_state(&self, channel: &str, state: &str) -> Result<StateCheck> {
        let hash = hash_state(state);
        let row: Option<(String, DateTime<Utc>, Option<DateTime<Utc>>)> =
            with_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT a.name, s.expires_at, s.used_at FROM oauth_states s \
                     JOIN channel_accounts a ON a.id = s.account_id \
                     WHERE s.state_hash = $1 AND a.channel = $2",
                )
                .bind(&hash)
                .bind(channel)
                .fetch_optional(pool)
                .await?
            });
        let Some((account, expires_at, used_at)) = row else {
            return Ok(StateCheck::Unknown);
        };
        if used_at.is_some() {
            return Ok(StateCheck::Used);
        }
        let at = now();
        if expires_at <= at {
            return Ok(StateCheck::Expired);
        }
        // Two callbacks racing with one state: only one update spends it.
        let spent = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE oauth_states SET used_at = $2 WHERE state_hash = $1 AND used_at IS NULL",
            )
            .bind(&hash)
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(if spent == 1 {
            StateCheck::Valid { account }
        } else {
            StateCheck::Used
        })
    }

    /// The account has fresh tokens: back to `ok`, its last error cleared.
    pub async fn mark_connected(&self, account: &str) -> Result<()> {
        let at = now();
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE channel_accounts SET state = 'ok', last_error = NULL, updated_at = $2 \
                 WHERE name = $1",
            )
            .bind(account)
            .bind(at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Marks the account `needs_reauth` with `message`; true when it was
    /// not already, so the caller logs the change once, not every failure.
    pub async fn mark_needs_reauth(&self, account: &str, message: &str) -> Result<bool> {
        let at = now();
        let changed = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE channel_accounts SET state = 'needs_reauth', last_error = $2, updated_at = $3 \
                 WHERE name = $1 AND state <> 'needs_reauth'",
            )
            .bind(account)
            .bind(message)
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Whether the account waits for a seller to authorise it again (the
    /// daemon's schedulers leave it alone meanwhile).
    pub async fn needs_reauth(&self, account: &str) -> Result<bool> {
        let state: Option<String> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT state FROM channel_accounts WHERE name = $1")
                .bind(account)
                .fetch_optional(pool)
                .await?
        });
        Ok(state.as_deref() == Some("needs_reauth"))
    }

    /// The names of every account waiting for a seller to authorise it
    /// again, in one statement: the daemon's per-minute schedulers ask once
    /// for all the accounts an instance holds, not once per account.
    pub async fn accounts_needing_reauth(&self) -> Result<std::collections::HashSet<String>> {
        let names: Vec<String> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT name FROM channel_accounts WHERE state = 'needs_reauth'")
                .fetch_all(pool)
                .await?
        });
        Ok(names.into_iter().collect())
    }

    /// Accounts that are `ok` but hold no tokens cannot call their
    /// marketplace: they wait in `needs_reauth`. Returns their names. A
    /// channel without tokens (WooCommerce signs with its API key) is never
    /// flagged.
    pub async fn flag_tokenless_accounts(&self) -> Result<Vec<String>> {
        let at = now();
        let keyed = crate::config::ChannelKind::WooCommerce.as_str();
        let names: Vec<String> = with_pool!(self, |pool| {
            sqlx::query_scalar(
                "UPDATE channel_accounts SET state = 'needs_reauth', last_error = $1, updated_at = $2 \
                 WHERE state = 'ok' AND channel <> $3 AND NOT EXISTS \
                 (SELECT 1 FROM account_tokens t WHERE t.account_id = channel_accounts.id) \
                 RETURNING name",
            )
            .bind(NOT_AUTHORISED)
            .bind(at)
            .bind(keyed)
            .fetch_all(pool)
            .await?
        });
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_random_and_stored_hashed() {
        let (a, b) = (new_state(), new_state());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(hash_state(&a), a);
        assert_eq!(hash_state(&a), hash_state(&a));
    }
}
