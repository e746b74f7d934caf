//! Where the seller's authorisation stands (docs/src/channels/lazada.md §2). **Refreshing does not extend the refresh token's
//! own life** (180 days Online; 14 or 30 for Test apps — the guides disagree, so `refresh_expires_in` is read,
//! not assumed): at its end the seller must authorise the app again, whatever kho does. Hence the refresh
//! token's end is tracked, exposed through [`crate::LazadaChannel::refresh_token_status`] and logged as a
//! warning (never with the token) once it is within [`REAUTH_WARNING_DAYS`], so a person re-authorises in
//! time.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kho_channel::TokenSet;

/// Warn this many days before the refresh token ends. Lazada's own push (type 8) warns only 48 h ahead; a
/// week leaves a cooperative time to find whoever holds the Seller Center login.
pub const REAUTH_WARNING_DAYS: i64 = 7;

/// Repeat the warning at most this often per account (it is checked on every call).
const WARNING_INTERVAL: Duration = Duration::from_secs(3600);

/// Where the seller's authorisation stands, for the core and operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshTokenStatus {
    /// Lazada did not say when the refresh token ends.
    Unknown,
    Valid {
        expires_at: DateTime<Utc>,
    },
    /// Within [`REAUTH_WARNING_DAYS`] of its end: the seller should re-authorise now.
    EndingSoon {
        expires_at: DateTime<Utc>,
    },
    /// Ended (or Lazada said it cannot be refreshed): the seller must re-authorise once the access token
    /// expires.
    Expired {
        expires_at: DateTime<Utc>,
    },
}

impl RefreshTokenStatus {
    pub fn of(tokens: &TokenSet, now: DateTime<Utc>) -> Self {
        match tokens.refresh_expires_at {
            None => Self::Unknown,
            Some(at) if at <= now => Self::Expired { expires_at: at },
            Some(at) if at - chrono::Duration::days(REAUTH_WARNING_DAYS) <= now => {
                Self::EndingSoon { expires_at: at }
            }
            Some(at) => Self::Valid { expires_at: at },
        }
    }
}

/// Rate-limits the re-authorisation warning per account.
#[derive(Debug, Default)]
pub(crate) struct ReauthWarning {
    last_warning: Mutex<Option<Instant>>,
}

impl ReauthWarning {
    /// Log (without any token) that the seller must re-authorise soon; at most once per
    /// [`WARNING_INTERVAL`].
    pub fn warn_if_reauth_due(&self, account: &str, tokens: &TokenSet) -> RefreshTokenStatus {
        let status = RefreshTokenStatus::of(tokens, Utc::now());
        let (expires_at, ended) = match status {
            RefreshTokenStatus::EndingSoon { expires_at } => (expires_at, false),
            RefreshTokenStatus::Expired { expires_at } => (expires_at, true),
            _ => return status,
        };
        let due = match self.last_warning.lock() {
            Ok(mut last) => {
                let due = last.is_none_or(|at| at.elapsed() >= WARNING_INTERVAL);
                if due {
                    *last = Some(Instant::now());
                }
                due
            }
            Err(_) => true,
        };
        if due {
            let days_left = (expires_at - Utc::now()).num_hours() as f64 / 24.0;
            if ended {
                tracing::warn!(account = %account, refresh_expires_at = %expires_at,
                    "Lazada refresh token has ended: the seller must re-authorise kho in Seller Center before the access token expires");
            } else {
                tracing::warn!(account = %account, refresh_expires_at = %expires_at, days_left,
                    "Lazada refresh token ends soon and refreshing does not extend it: the seller must re-authorise kho");
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use secrecy::SecretString;

    #[test]
    fn status_thresholds() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let at = |days: i64| TokenSet {
            access_token: SecretString::from("a"),
            refresh_token: SecretString::from("r"),
            access_expires_at: now,
            refresh_expires_at: Some(now + chrono::Duration::days(days)),
        };
        assert!(matches!(
            RefreshTokenStatus::of(&at(30), now),
            RefreshTokenStatus::Valid { .. }
        ));
        assert!(matches!(
            RefreshTokenStatus::of(&at(6), now),
            RefreshTokenStatus::EndingSoon { .. }
        ));
        assert!(matches!(
            RefreshTokenStatus::of(&at(0), now),
            RefreshTokenStatus::Expired { .. }
        ));
        let mut unknown = at(1);
        unknown.refresh_expires_at = None;
        assert_eq!(
            RefreshTokenStatus::of(&unknown, now),
            RefreshTokenStatus::Unknown
        );
    }
}
