//! Credentials of the common "app key and secret, API host and auth host" shape (TikTok, Lazada): one type,
//! so an adapter of that shape only says how it signs with them.

use secrecy::SecretString;
use url::Url;

/// An app's key and secret and the two hosts its calls go to.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    /// The API host (with any path prefix the marketplace mounts its API under).
    pub base_url: Url,
    /// The host token calls and the seller's authorisation page are on.
    pub auth_url: Url,
    pub app_key: String,
    pub app_secret: SecretString,
}

impl AppCredentials {
    pub fn new(base_url: Url, auth_url: Url, app_key: String, app_secret: SecretString) -> Self {
        Self {
            base_url,
            auth_url,
            app_key,
            app_secret,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_secret() {
        let creds = AppCredentials::new(
            Url::parse("https://api.example").unwrap(),
            Url::parse("https://auth.example").unwrap(),
            "key".into(),
            SecretString::from("hunter2"),
        );
        let shown = format!("{creds:?}");
        assert!(shown.contains("key") && shown.contains("api.example"));
        assert!(!shown.contains("hunter2"));
    }
}
