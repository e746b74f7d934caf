//! The database URL, which may carry a password.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

/// Which backend a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL whose `Debug`, `Display` and `Serialize` hide the password, so
/// that `config check` and error messages can name the database safely.
#[derive(Clone, PartialEq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let backend = if text.starts_with("sqlite:") {
            Backend::Sqlite
        } else if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(format!(
                "{:?} is not a database URL; use sqlite://FILE or postgres://USER@HOST/DB",
                redact(text)
            ));
        };
        if backend == Backend::Postgres {
            Url::parse(text).map_err(|e| format!("{:?} is not a valid URL: {e}", redact(text)))?;
        }
        Ok(DatabaseUrl(text.to_owned()))
    }

    pub fn backend(&self) -> Backend {
        if self.0.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    /// The URL with its password, for connecting and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The URL with any password replaced.
fn redact(text: &str) -> String {
    match Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("redacted"));
            url.to_string()
        }
        _ => text.to_owned(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", redact(&self.0))
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&redact(&self.0))
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        DatabaseUrl::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_the_password() {
        let url = DatabaseUrl::parse("postgres://kho:s3cret@db.internal/kho").unwrap();
        assert_eq!(url.backend(), Backend::Postgres);
        assert!(!url.to_string().contains("s3cret"));
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(url.expose().contains("s3cret"));
    }

    #[test]
    fn rejects_other_schemes() {
        assert!(DatabaseUrl::parse("mysql://x/y").is_err());
        assert_eq!(
            DatabaseUrl::parse("sqlite://kho.db").unwrap().backend(),
            Backend::Sqlite
        );
    }
}
