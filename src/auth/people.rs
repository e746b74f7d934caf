//! Secrets for people rather than scripts: the one-time sign-in link that
//! `kho login-link` prints and the session a browser keeps in its cookie.
//! Both are 256 random bits in URL-safe base64 (43 characters, short
//! enough for a QR code a phone reads at a glance) and, like API tokens,
//! stored only as a SHA-256 hash.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Random bytes in a link or session secret: 256 bits.
const SECRET_BYTES: usize = 32;
/// The length of such a secret once encoded.
const SECRET_CHARS: usize = 43;

/// A fresh secret for a sign-in link or a session.
pub fn generate_secret() -> String {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `secret` has the shape [`generate_secret`] produces; anything
/// else is refused without a database round trip.
pub fn well_formed_secret(secret: &str) -> bool {
    secret.len() == SECRET_CHARS
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_url_safe_and_recognised() {
        let a = generate_secret();
        let b = generate_secret();
        assert_ne!(a, b);
        assert!(well_formed_secret(&a) && well_formed_secret(&b));
        assert!(!well_formed_secret(&a[1..]));
        assert!(!well_formed_secret(&format!("{}/", &a[1..])));
        assert!(!well_formed_secret(&crate::auth::generate_token()));
    }
}
