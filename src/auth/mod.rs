//! Who may use the admin API and what they may touch (invariant 7 of docs/src/design/architecture.md,
//! tenancy): an `admin` token does everything, a `cooperative` token sees and
//! changes only its own producer's data, a `department` token reads
//! everything and changes nothing.
//!
//! Tokens are random secrets shown once at creation; the store keeps only a
//! SHA-256 hash (see `store::tokens`), so the comparison that matters is of
//! hashes, done in constant time.

pub mod people;

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Every token starts with this, so that a leaked one is recognisable in a
/// secret scanner and a pasted header of something else is refused early.
pub const TOKEN_PREFIX: &str = "kho_";

/// Random bytes in a token: 256 bits, far beyond guessing.
const TOKEN_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Department,
    Cooperative,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Department => "department",
            Role::Cooperative => "cooperative",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (expected admin, department or cooperative)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "department" => Ok(Role::Department),
            "cooperative" => Ok(Role::Cooperative),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}

/// Who is calling, after a token was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: i64,
    pub name: String,
    pub role: Role,
    /// The producer code (e.g. "htx-chi-lang") a cooperative token is bound
    /// to; None for admin/department.
    pub producer: Option<String>,
}

impl Principal {
    /// Admin and cooperative tokens write (a cooperative only to its own
    /// producer, which [`Principal::sees_producer`] decides); department
    /// staff only read.
    pub fn can_write(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Cooperative)
    }

    /// Admin and department see every producer; a cooperative only its own.
    pub fn sees_producer(&self, code: &str) -> bool {
        match self.role {
            Role::Admin | Role::Department => true,
            Role::Cooperative => self.producer.as_deref() == Some(code),
        }
    }

    /// The producer every query must be narrowed to, if any: what a handler
    /// passes to the store's `producer: Option<&str>` filters.
    pub fn producer_scope(&self) -> Option<&str> {
        match self.role {
            Role::Admin | Role::Department => None,
            Role::Cooperative => self.producer.as_deref(),
        }
    }

    /// True for the admin role only (token management, account-wide actions).
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// A fresh random token: the prefix and 64 hex digits.
pub fn generate_token() -> String {
    let bytes: [u8; TOKEN_BYTES] = rand::random();
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// The stored form of a token: SHA-256, hex. A fast hash is right here
/// because the token has 256 bits of entropy (no dictionary to slow down).
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` has the shape [`generate_token`] produces; anything else
/// is refused without a database round trip.
pub fn well_formed(token: &str) -> bool {
    token.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == TOKEN_BYTES * 2 && rest.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Constant-time equality of two hashes, so response timing reveals nothing
/// about how much of a guess was right.
pub fn hashes_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, producer: Option<&str>) -> Principal {
        Principal {
            token_id: 1,
            name: "t".into(),
            role,
            producer: producer.map(str::to_owned),
        }
    }

    #[test]
    fn roles_decide_reads_and_writes() {
        let admin = principal(Role::Admin, None);
        let dept = principal(Role::Department, None);
        let coop = principal(Role::Cooperative, Some("htx-a"));
        assert!(admin.can_write() && admin.sees_producer("htx-b"));
        assert!(!dept.can_write() && dept.sees_producer("htx-b"));
        assert!(coop.can_write() && coop.sees_producer("htx-a") && !coop.sees_producer("htx-b"));
        assert_eq!(coop.producer_scope(), Some("htx-a"));
        assert_eq!(dept.producer_scope(), None);
    }

    #[test]
    fn a_cooperative_without_producer_sees_nothing() {
        let coop = principal(Role::Cooperative, None);
        assert!(!coop.sees_producer(""));
        assert!(!coop.sees_producer("htx-a"));
    }

    #[test]
    fn tokens_are_unique_well_formed_and_hashed() {
        let a = generate_token();
        let b = generate_token();
        assert_ne!(a, b);
        assert!(well_formed(&a));
        assert!(!well_formed("kho_short"));
        assert!(!well_formed(&a.replace("kho_", "xyz_")));
        assert_eq!(hash_token(&a).len(), 64);
        assert!(hashes_match(&hash_token(&a), &hash_token(&a)));
        assert!(!hashes_match(&hash_token(&a), &hash_token(&b)));
        assert!(!hashes_match("ab", "abc"));
    }

    #[test]
    fn roles_round_trip() {
        for r in [Role::Admin, Role::Department, Role::Cooperative] {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
