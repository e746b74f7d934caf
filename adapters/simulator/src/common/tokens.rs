//! The tokens a simulator issued to one account and the operations every
//! marketplace's token rules are made of: checking an access token, finding
//! a refresh token, retiring earlier access tokens (at once or after a
//! grace period), replacing the refresh token, and the test actions that
//! expire or revoke them. Each marketplace composes these with its own
//! lifetimes, token formats and error codes; the access token last issued
//! and the current refresh token are what its token pair shows.

use subtle::ConstantTimeEq;

/// A token the simulator handed out.
#[derive(Clone)]
pub(crate) struct Issued {
    pub token: String,
    pub expires_at_ms: i64,
}

impl Issued {
    pub fn new(token: String, now_ms: i64, life_ms: i64) -> Self {
        Self {
            token,
            expires_at_ms: now_ms.saturating_add(life_ms),
        }
    }
}

/// Tokens are secrets: debug output shows only their expiry.
impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("token", &"<redacted>")
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

/// Compares a secret (a token, a signature) in constant time, so response
/// timing does not leak how much of a guess was right.
pub fn signs_equal(expected: &str, received: &str) -> bool {
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

/// Outcome of looking up an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessCheck {
    Valid,
    Expired,
    Unknown,
}

/// One account's tokens.
#[derive(Debug, Clone, Default)]
pub(crate) struct TokenStore {
    access: Vec<Issued>,
    /// The current refresh token last; earlier ones only where they stay valid after rotation.
    refresh: Vec<Issued>,
    /// Access tokens retired after they died, remembered so they answer "expired", not "unknown".
    expired: Vec<String>,
    /// The authorisation ended (expired, revoked, deauthorised): no token works until a new pair is issued.
    lapsed: bool,
}

impl TokenStore {
    pub fn new(access: Issued, refresh: Issued) -> Self {
        Self {
            access: vec![access],
            refresh: vec![refresh],
            expired: Vec::new(),
            lapsed: false,
        }
    }

    /// Looks up an access token (constant-time compare of each candidate).
    pub fn check_access(&self, token: &str, now_ms: i64) -> AccessCheck {
        if self.lapsed {
            return AccessCheck::Unknown;
        }
        match self.access.iter().find(|t| signs_equal(&t.token, token)) {
            Some(t) if t.expires_at_ms > now_ms => AccessCheck::Valid,
            Some(_) => AccessCheck::Expired,
            None if self.expired.iter().any(|t| signs_equal(t, token)) => AccessCheck::Expired,
            None => AccessCheck::Unknown,
        }
    }

    /// Whether `token` is a live access token.
    pub fn access_valid(&self, token: &str, now_ms: i64) -> bool {
        !self.lapsed
            && self
                .access
                .iter()
                .any(|t| t.expires_at_ms > now_ms && signs_equal(&t.token, token))
    }

    /// The refresh token `token` names, live or not (a lapsed authorisation included).
    pub fn find_refresh(&self, token: &str) -> Option<&Issued> {
        self.refresh.iter().find(|t| signs_equal(&t.token, token))
    }

    /// Caps earlier access tokens' lives at `grace_end` and forgets those
    /// dead by `now_ms` (remembering them as expired).
    pub fn retire_access(&mut self, now_ms: i64, grace_end_ms: i64) {
        for t in &mut self.access {
            t.expires_at_ms = t.expires_at_ms.min(grace_end_ms);
        }
        let (live, dead): (Vec<Issued>, Vec<Issued>) = std::mem::take(&mut self.access)
            .into_iter()
            .partition(|t| t.expires_at_ms > now_ms);
        self.expired.extend(dead.into_iter().map(|t| t.token));
        self.access = live;
    }

    /// A newly issued access token; it is the one the token pair shows.
    pub fn add_access(&mut self, token: Issued) {
        self.access.push(token);
    }

    /// A newly issued refresh token; earlier ones stay valid only with `keep_old`.
    pub fn replace_refresh(&mut self, token: Issued, keep_old: bool) {
        if !keep_old {
            self.refresh.clear();
        }
        self.refresh.push(token);
    }

    /// Every access token expires now.
    pub fn expire_access(&mut self, now_ms: i64) {
        for t in &mut self.access {
            t.expires_at_ms = t.expires_at_ms.min(now_ms);
        }
    }

    pub fn revoke_access(&mut self) {
        self.access.clear();
    }

    /// Every refresh token expires now.
    pub fn expire_refresh(&mut self, now_ms: i64) {
        for t in &mut self.refresh {
            t.expires_at_ms = t.expires_at_ms.min(now_ms);
        }
    }

    pub fn revoke_refresh(&mut self) {
        self.refresh.clear();
    }

    /// The authorisation ends; the tokens stay listed but none works.
    pub fn lapse(&mut self) {
        self.lapsed = true;
    }

    /// A new pair was issued: the authorisation stands again.
    pub fn restore(&mut self) {
        self.lapsed = false;
    }

    pub fn is_lapsed(&self) -> bool {
        self.lapsed
    }

    /// The access token last issued.
    pub fn current_access(&self) -> Option<&Issued> {
        self.access.last()
    }

    /// The current refresh token.
    pub fn current_refresh(&self) -> Option<&Issued> {
        self.refresh.last()
    }
}

/// A token's value and expiry in Unix seconds, as token pairs show them (empty and 0 when there is none).
pub(crate) fn shown(token: Option<&Issued>) -> (String, i64) {
    token.map_or((String::new(), 0), |t| {
        (t.token.clone(), t.expires_at_ms / 1000)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> TokenStore {
        TokenStore::new(
            Issued::new("a1".into(), 0, 1_000),
            Issued::new("r1".into(), 0, 10_000),
        )
    }

    #[test]
    fn retired_access_tokens_live_out_their_grace_then_answer_expired() {
        let mut s = store();
        s.retire_access(100, 600);
        s.add_access(Issued::new("a2".into(), 100, 1_000));
        assert_eq!(s.check_access("a1", 500), AccessCheck::Valid);
        assert_eq!(s.check_access("a1", 600), AccessCheck::Expired);
        s.retire_access(700, 1_700);
        assert_eq!(s.check_access("a1", 700), AccessCheck::Expired);
        assert_eq!(s.check_access("nope", 700), AccessCheck::Unknown);
        assert_eq!(shown(s.current_access()), ("a2".to_owned(), 1));
    }

    #[test]
    fn a_lapsed_authorisation_keeps_its_tokens_listed_but_none_works() {
        let mut s = store();
        s.lapse();
        assert!(!s.access_valid("a1", 0));
        assert_eq!(s.check_access("a1", 0), AccessCheck::Unknown);
        assert!(s.find_refresh("r1").is_some());
        assert_eq!(shown(s.current_refresh()).0, "r1");
        s.restore();
        assert!(s.access_valid("a1", 0));
    }

    #[test]
    fn refresh_rotation_keeps_old_tokens_only_when_asked() {
        let mut s = store();
        s.replace_refresh(Issued::new("r2".into(), 0, 10_000), true);
        assert!(s.find_refresh("r1").is_some());
        s.replace_refresh(Issued::new("r3".into(), 0, 10_000), false);
        assert!(s.find_refresh("r1").is_none() && s.find_refresh("r2").is_none());
        s.expire_refresh(50);
        assert_eq!(s.find_refresh("r3").map(|t| t.expires_at_ms), Some(50));
    }
}
