//! The `[secrets]` section: the key that seals marketplace tokens at rest.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Problem, Secret};

/// As written: each value is the key itself (base64), `env:NAME` or `file:PATH`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSecrets {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    previous_keys: Vec<String>,
}

/// The sealing keys, resolved and checked (see [`crate::secrets`]).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SecretsConfig {
    /// Seals new values and opens them.
    pub key: Option<Secret>,
    /// Opens values sealed before a rotation; `kho secrets rotate-key`
    /// re-seals them under `key`.
    pub previous_keys: Vec<Secret>,
}

impl SecretsConfig {
    pub fn keyring(&self) -> Option<crate::secrets::Keyring> {
        // Validated at load, so the keys parse.
        crate::secrets::Keyring::from_config(self.key.as_ref(), &self.previous_keys)
            .ok()
            .flatten()
    }
}

pub(super) fn resolve(
    raw: RawSecrets,
    env: &HashMap<String, String>,
    problems: &mut Vec<Problem>,
) -> SecretsConfig {
    let mut one = |path: String, value: &str| -> Option<Secret> {
        let text = if let Some(var) = value.strip_prefix("env:") {
            match env.get(var) {
                Some(v) if !v.trim().is_empty() => v.clone(),
                _ => {
                    problems.push(Problem {
                        path,
                        message: format!("environment variable {var} is not set"),
                    });
                    return None;
                }
            }
        } else if let Some(file) = value.strip_prefix("file:") {
            match std::fs::read_to_string(file) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(Problem {
                        path,
                        message: format!("cannot read the key file {file}: {e}"),
                    });
                    return None;
                }
            }
        } else {
            value.to_owned()
        };
        match crate::secrets::parse_key(&text) {
            Ok(_) => Some(Secret::new(text.trim())),
            Err(message) => {
                problems.push(Problem { path, message });
                None
            }
        }
    };
    let key = raw
        .key
        .as_deref()
        .filter(|k| !k.trim().is_empty())
        .and_then(|k| one("secrets.key".into(), k));
    let previous_keys = raw
        .previous_keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| one(format!("secrets.previous_keys[{i}]"), k))
        .collect();
    SecretsConfig { key, previous_keys }
}
