//! Marketplace tokens sealed at rest.
//!
//! A stolen database file (or backup) must not hand over every cooperative's
//! shop. Tokens are sealed with XChaCha20-Poly1305 under a key that lives in
//! the configuration (`secrets.key`, usually `env:` or `file:`), never in the
//! database. The random 192-bit nonce makes nonce reuse a non-issue without
//! any counter to persist, and the associated data binds each ciphertext to
//! the row and column it was written for, so values swapped between accounts
//! fail to open instead of being used for the wrong shop.
//!
//! A sealed value reads `kho1:<key id>:<base64(nonce ‖ ciphertext)>`. The key
//! id (the first 8 bytes of the key's SHA-256, hex) says which key sealed it,
//! so a rotation can keep old keys for opening only (`secrets.previous_keys`)
//! while `kho secrets rotate-key` re-seals everything under the current one.

mod secret;
pub use secret::{REDACTED, Secret};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

const PREFIX: &str = "kho1:";
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(
        "no secrets key is configured: marketplace tokens are stored encrypted; set secrets.key \
         (for example key = \"env:KHO_SECRET_KEY\") to a key from `kho secrets generate-key`"
    )]
    NoKey,
    #[error(
        "a stored secret was sealed with key {key_id}, which is neither secrets.key nor one of secrets.previous_keys"
    )]
    UnknownKey { key_id: String },
    #[error(
        "a stored secret ({purpose}) does not open with its key: the database value was altered or belongs elsewhere"
    )]
    Tampered { purpose: String },
    #[error("a stored secret ({purpose}) is not in the sealed format")]
    Malformed { purpose: String },
    #[error("sealing a secret ({purpose}) failed")]
    Seal { purpose: String },
}

/// A key is 32 random bytes, written in the configuration as base64.
/// The message never repeats the value: it is a secret.
pub fn parse_key(text: &str) -> Result<[u8; KEY_LEN], String> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| "is not base64 (generate a key with `kho secrets generate-key`)".to_owned())?;
    <[u8; KEY_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "must be {KEY_LEN} bytes of base64 (this one decodes to {} bytes); generate one with \
             `kho secrets generate-key`",
            bytes.len()
        )
    })
}

/// A fresh random key in the configuration's format.
pub fn generate_key() -> String {
    let mut key = [0u8; KEY_LEN];
    rand::rng().fill_bytes(&mut key);
    STANDARD.encode(key)
}

/// An environment for `Config::load` holding a fresh key, for worlds that
/// live as long as one process (the demo, benchmarks): nothing sealed with
/// it needs to open again after the process ends.
pub fn ephemeral_env() -> std::collections::HashMap<String, String> {
    std::collections::HashMap::from([("KHO__SECRETS__KEY".to_owned(), generate_key())])
}

struct SealingKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl SealingKey {
    fn new(bytes: &[u8; KEY_LEN]) -> SealingKey {
        let digest = Sha256::digest(bytes);
        SealingKey {
            id: hex::encode(&digest[..8]),
            cipher: XChaCha20Poly1305::new(bytes.into()),
        }
    }
}

/// The current key (seals and opens) and previous keys (open only).
pub struct Keyring {
    current: SealingKey,
    previous: Vec<SealingKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current.id)
            .field(
                "previous",
                &self.previous.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What a stored value is, as far as the keyring can tell without opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealState {
    /// Sealed under the current key.
    Current,
    /// Sealed under a previous key: `rotate-key` re-seals it.
    Previous,
    /// Written in clear by a kho from before sealing: `rotate-key` seals it.
    Clear,
    /// Sealed under a key the keyring does not have.
    Unknown,
}

impl Keyring {
    pub fn new(current: &[u8; KEY_LEN], previous: &[[u8; KEY_LEN]]) -> Keyring {
        Keyring {
            current: SealingKey::new(current),
            previous: previous.iter().map(SealingKey::new).collect(),
        }
    }

    /// From validated configuration values (`None` without a current key).
    pub fn from_config(
        key: Option<&Secret>,
        previous: &[Secret],
    ) -> Result<Option<Keyring>, String> {
        let Some(key) = key else { return Ok(None) };
        let current = parse_key(key.expose())?;
        let previous = previous
            .iter()
            .map(|k| parse_key(k.expose()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Keyring::new(&current, &previous)))
    }

    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plain` for the place named by `purpose` (table/row/column).
    pub fn seal(&self, purpose: &str, plain: &str) -> Result<String, SecretsError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .current
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| SecretsError::Seal {
                purpose: purpose.to_owned(),
            })?;
        let mut blob = Vec::with_capacity(NONCE_LEN + sealed.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}:{}",
            self.current.id,
            STANDARD.encode(blob)
        ))
    }

    pub fn state(&self, stored: &str) -> SealState {
        match split(stored) {
            None => SealState::Clear,
            Some((id, _)) if id == self.current.id => SealState::Current,
            Some((id, _)) if self.previous.iter().any(|k| k.id == id) => SealState::Previous,
            Some(_) => SealState::Unknown,
        }
    }

    /// Opens a value sealed for `purpose`. A value without the sealed prefix
    /// was written in clear by an older kho and is returned as is (until
    /// `kho secrets rotate-key` seals it).
    pub fn open(&self, purpose: &str, stored: &str) -> Result<String, SecretsError> {
        let Some((id, body)) = split(stored) else {
            return Ok(stored.to_owned());
        };
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or_else(|| SecretsError::UnknownKey {
                key_id: id.to_owned(),
            })?;
        let malformed = || SecretsError::Malformed {
            purpose: purpose.to_owned(),
        };
        let blob = STANDARD.decode(body).map_err(|_| malformed())?;
        if blob.len() < NONCE_LEN {
            return Err(malformed());
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| malformed())?;
        let plain = key
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| SecretsError::Tampered {
                purpose: purpose.to_owned(),
            })?;
        String::from_utf8(plain).map_err(|_| malformed())
    }
}

fn split(stored: &str) -> Option<(&str, &str)> {
    stored.strip_prefix(PREFIX)?.split_once(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> [u8; KEY_LEN] {
        [b; KEY_LEN]
    }

    #[test]
    fn seals_and_opens_without_the_clear_value_in_the_stored_text() {
        let ring = Keyring::new(&key(1), &[]);
        let sealed = ring
            .seal("account_tokens/shop-a/access_token", "tok-123456789")
            .unwrap();
        assert!(sealed.starts_with("kho1:"));
        assert!(!sealed.contains("tok-123456789"));
        assert_eq!(
            ring.open("account_tokens/shop-a/access_token", &sealed)
                .unwrap(),
            "tok-123456789"
        );
        // Two seals of one value differ (random nonce).
        assert_ne!(
            sealed,
            ring.seal("account_tokens/shop-a/access_token", "tok-123456789")
                .unwrap()
        );
        assert_eq!(ring.state(&sealed), SealState::Current);
    }

    #[test]
    fn a_value_moved_to_another_row_or_altered_does_not_open() {
        let ring = Keyring::new(&key(1), &[]);
        let sealed = ring
            .seal("account_tokens/shop-a/access_token", "tok")
            .unwrap();
        assert!(matches!(
            ring.open("account_tokens/shop-b/access_token", &sealed),
            Err(SecretsError::Tampered { .. })
        ));
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(
            ring.open("account_tokens/shop-a/access_token", &altered)
                .is_err()
        );
        assert!(matches!(
            ring.open("p", "kho1:abc:!!!"),
            Err(SecretsError::UnknownKey { .. })
        ));
    }

    #[test]
    fn previous_keys_open_and_unknown_keys_are_named() {
        let old = Keyring::new(&key(1), &[]);
        let sealed = old.seal("p", "tok-9f8e7d").unwrap();
        let rotated = Keyring::new(&key(2), &[key(1)]);
        assert_eq!(rotated.state(&sealed), SealState::Previous);
        assert_eq!(rotated.open("p", &sealed).unwrap(), "tok-9f8e7d");
        let other = Keyring::new(&key(3), &[]);
        assert_eq!(other.state(&sealed), SealState::Unknown);
        let err = other.open("p", &sealed).unwrap_err().to_string();
        assert!(err.contains(old.current_key_id()), "{err}");
        assert!(!err.contains("tok-9f8e7d"));
    }

    #[test]
    fn clear_values_from_older_versions_still_open() {
        let ring = Keyring::new(&key(1), &[]);
        assert_eq!(ring.state("plain-token"), SealState::Clear);
        assert_eq!(ring.open("p", "plain-token").unwrap(), "plain-token");
    }

    #[test]
    fn key_parsing_names_the_problem_without_the_value() {
        let generated = generate_key();
        assert!(parse_key(&generated).is_ok());
        let short = STANDARD.encode([7u8; 16]);
        let err = parse_key(&short).unwrap_err();
        assert!(err.contains("16 bytes"), "{err}");
        assert!(!err.contains(&short));
        assert!(parse_key("not base64 at all!").is_err());
    }
}
