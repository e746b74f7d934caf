//! Configuration: embedded defaults, then a TOML file, then `KHO__SECTION__KEY`
//! environment variables, deserialised into typed structs and validated once at
//! start-up so that a mistake stops kho with the key's full path instead of
//! surfacing hours later in a worker.

mod account;
mod alerts;
mod database_url;
mod duration;
mod secrets;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use config::{Environment, File, FileFormat};
use serde::{Deserialize, Serialize};
use url::Url;

pub use crate::secrets::{REDACTED, Secret};
pub use account::{
    AccountConfig, Allocation, ChannelKind, Credentials, LazadaCredentials, RateLimit,
    ShopeeCredentials, TikTokCredentials, TikiCredentials, WooAuth, WooCommerceCredentials,
};
pub use alerts::{AlertsConfig, Recipient, SmtpConfig, SmtpSecurity};
pub use database_url::{Backend, DatabaseUrl};
pub use secrets::SecretsConfig;

/// The built-in defaults, embedded so a bare `kho` works anywhere.
pub const DEFAULTS: &str = include_str!("../../config/default.toml");

/// The effective, validated configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub database: DatabaseConfig,
    pub server: ServerConfig,
    pub sync: SyncConfig,
    pub log: LogConfig,
    pub secrets: SecretsConfig,
    pub accounts: Vec<AccountConfig>,
    pub alerts: AlertsConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: DatabaseUrl,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub public_url: Url,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertificateExpiry {
    /// Unlist an expired product's listings; relist on renewal.
    Delist,
    /// Keep selling and only report.
    Warn,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    #[serde(with = "duration")]
    pub order_poll_interval: Duration,
    pub reconcile_schedule: String,
    /// Whether scheduled reconciliations repair what they find; they only
    /// report by default.
    #[serde(default)]
    pub reconcile_fix: bool,
    pub timezone: String,
    pub on_certificate_expiry: CertificateExpiry,
    #[serde(with = "duration")]
    pub debounce: Duration,
    /// Whether a completed return puts its units back in stock.
    pub restock_on_return: bool,
    /// How long a SKU's orders must be quiet before every shop is brought to
    /// its allocation (and a burst ends).
    #[serde(with = "duration")]
    pub quiet_window: Duration,
    /// The burst guard: while a SKU's orders within `burst_window` take at
    /// least this share (%) of what was available, its shared shops are
    /// split into quotas until it goes quiet. 0 turns it off.
    pub burst_percent: u32,
    #[serde(with = "duration")]
    pub burst_window: Duration,
}

impl SyncConfig {
    /// The allocation policy's timing, as the store applies it.
    pub fn stock_policy(&self) -> StockPolicy {
        StockPolicy {
            quiet: self.quiet_window,
            burst_percent: self.burst_percent,
            burst_window: self.burst_window,
        }
    }
}

impl SyncConfig {
    /// The validated time zone (checked at load, so this cannot fail later).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone
            .parse()
            .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
}

/// The shape as written, before per-channel credentials are resolved.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    database: DatabaseConfig,
    server: ServerConfig,
    sync: SyncConfig,
    log: LogConfig,
    #[serde(default)]
    secrets: secrets::RawSecrets,
    #[serde(default)]
    accounts: Vec<account::RawAccount>,
    #[serde(default)]
    alerts: alerts::RawAlerts,
}

/// One problem with the configuration, at a key path such as
/// `accounts[0].rate_limit.per_second`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Everything wrong with a configuration, reported together.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub source_name: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration ({})", self.source_name)?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

impl ConfigError {
    fn one(source_name: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            source_name: source_name.to_owned(),
            problems: vec![Problem {
                path: path.into(),
                message: message.into(),
            }],
        }
    }
}

/// Where configuration comes from besides the embedded defaults.
#[derive(Debug, Default, Clone)]
pub struct Sources<'a> {
    pub file: Option<&'a Path>,
    /// Overrides the process environment (tests); `None` reads the real one.
    pub env: Option<HashMap<String, String>>,
}

impl Config {
    /// Loads the layered configuration and validates it.
    pub fn load(sources: Sources<'_>) -> Result<Config, ConfigError> {
        let source_name = match sources.file {
            Some(p) => format!("defaults + {} + environment", p.display()),
            None => "defaults + environment".to_owned(),
        };
        let file = match sources.file {
            Some(path) if !path.is_file() => {
                return Err(ConfigError::one(
                    &source_name,
                    "",
                    format!("configuration file {} does not exist", path.display()),
                ));
            }
            Some(path) => Some(File::from(path).format(FileFormat::Toml)),
            None => None,
        };
        Self::load_layers(source_name, file, sources.env)
    }

    /// Loads and validates a configuration given as TOML text over the
    /// defaults, with `env` as the whole environment. The same path as
    /// [`Config::load`] with a file, for tools and the fuzz targets that
    /// have the text rather than a file.
    pub fn from_toml_str(text: &str, env: HashMap<String, String>) -> Result<Config, ConfigError> {
        Self::load_layers(
            "defaults + text + environment".to_owned(),
            Some(File::from_str(text, FileFormat::Toml)),
            Some(env),
        )
    }

    fn load_layers<S>(
        source_name: String,
        file: Option<S>,
        env: Option<HashMap<String, String>>,
    ) -> Result<Config, ConfigError>
    where
        S: config::Source + Send + Sync + 'static,
    {
        let mut builder =
            config::Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(file) = file {
            builder = builder.add_source(file);
        }
        let env_vars = match env {
            Some(map) => map,
            None => std::env::vars().collect(),
        };
        let env_source = Environment::with_prefix("KHO")
            .prefix_separator("__")
            .separator("__")
            .source(Some(env_vars.clone().into_iter().collect()));
        builder = builder.add_source(env_source);
        let layered = builder
            .build()
            .map_err(|e| ConfigError::one(&source_name, "", e.to_string()))?;
        let raw: RawConfig = serde_path_to_error::deserialize(layered).map_err(|e| {
            let mut path = e.path().to_string();
            if path == "." {
                path.clear();
            }
            let message = clean_message(&e.inner().to_string());
            // serde reports an unknown key at its parent; name the key itself.
            if let Some(key) = message
                .strip_prefix("unknown key `")
                .and_then(|rest| rest.split('`').next())
                .filter(|key| path.rsplit('.').next() != Some(*key))
            {
                path = if path.is_empty() {
                    key.to_owned()
                } else {
                    format!("{path}.{key}")
                };
            }
            ConfigError::one(&source_name, path, message)
        })?;
        Self::validate(raw, &env_vars).map_err(|problems| ConfigError {
            source_name,
            problems,
        })
    }

    fn validate(raw: RawConfig, env: &HashMap<String, String>) -> Result<Config, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut push = |path: &str, message: String| {
            problems.push(Problem {
                path: path.to_owned(),
                message,
            })
        };
        if raw.database.max_connections == 0 {
            push("database.max_connections", "must be at least 1".into());
        }
        if !matches!(raw.server.public_url.scheme(), "http" | "https") {
            push(
                "server.public_url",
                format!("{} is not an http(s) URL", raw.server.public_url),
            );
        }
        if let Err(e) = raw.sync.reconcile_schedule.parse::<cron::Schedule>() {
            push(
                "sync.reconcile_schedule",
                format!(
                    "{:?} is not a cron expression (sec min hour day month weekday): {e}",
                    raw.sync.reconcile_schedule
                ),
            );
        }
        if raw.sync.timezone.parse::<chrono_tz::Tz>().is_err() {
            push(
                "sync.timezone",
                format!(
                    "{:?} is not an IANA time zone such as \"Asia/Ho_Chi_Minh\"",
                    raw.sync.timezone
                ),
            );
        }
        if raw.sync.order_poll_interval < Duration::from_secs(1) {
            push("sync.order_poll_interval", "must be at least 1s".into());
        }
        if raw.sync.debounce > Duration::from_secs(60) {
            push("sync.debounce", "must be at most 60s".into());
        }
        if raw.sync.quiet_window < Duration::from_millis(100)
            || raw.sync.quiet_window > Duration::from_secs(60)
        {
            push(
                "sync.quiet_window",
                "must be between 100ms and 60s (marketplaces report orders within seconds)".into(),
            );
        }
        if raw.sync.burst_percent > 100 {
            push(
                "sync.burst_percent",
                "must be between 0 (off) and 100".into(),
            );
        }
        if raw.sync.burst_window < Duration::from_secs(1)
            || raw.sync.burst_window > Duration::from_secs(3600)
        {
            push("sync.burst_window", "must be between 1s and 1h".into());
        }
        let accounts = account::resolve_all(raw.accounts, env, &mut problems);
        let secrets = secrets::resolve(raw.secrets, env, &mut problems);
        let alerts = alerts::resolve(raw.alerts, env, &mut problems);
        if secrets.key.is_none()
            && !accounts.is_empty()
            && !problems.iter().any(|p| p.path.starts_with("secrets."))
        {
            problems.push(Problem {
                path: "secrets.key".into(),
                message: "required when accounts are configured: marketplace tokens are stored \
                          encrypted under it; generate one with `kho secrets generate-key` and set \
                          key = \"env:KHO_SECRET_KEY\" (or file:PATH)"
                    .into(),
            });
        }
        if problems.is_empty() {
            Ok(Config {
                database: raw.database,
                server: raw.server,
                sync: raw.sync,
                log: raw.log,
                secrets,
                accounts,
                alerts,
            })
        } else {
            Err(problems)
        }
    }

    pub fn account(&self, name: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.name == name)
    }

    /// The effective configuration as TOML, secrets redacted.
    pub fn to_redacted_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}

/// serde's messages name Rust things; users know only keys.
fn clean_message(message: &str) -> String {
    message
        .replace("unknown field", "unknown key")
        .replace("missing field", "missing key")
        .replace("unknown variant", "unknown value")
}

#[cfg(test)]
mod tests;

/// The timing of the allocation policy (see `outbox::policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockPolicy {
    /// How long a SKU's orders must be quiet before it is at rest.
    pub quiet: Duration,
    /// The burst guard starts when a SKU's orders within `burst_window` took
    /// this share (%) of what was available; 0 turns it off.
    pub burst_percent: u32,
    pub burst_window: Duration,
}

impl Default for StockPolicy {
    fn default() -> Self {
        StockPolicy {
            quiet: Duration::from_secs(2),
            burst_percent: 5,
            burst_window: Duration::from_secs(10),
        }
    }
}
