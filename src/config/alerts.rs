//! The `[alerts]` section: who hears about what needs attention, by e-mail
//! (SMTP) and by a signed webhook, per cooperative and for the department.
//!
//! ```toml
//! [alerts]
//! interval = "1h"                     # how often the daemon looks; each item goes once a day
//! [alerts.smtp]
//! host = "smtp.example.org"
//! port = 587
//! security = "starttls"               # or "tls", or "none" (a relay on this machine)
//! username = "kho@example.org"
//! password = "env:KHO_SMTP_PASSWORD"
//! from = "kho <kho@example.org>"
//! [alerts.webhook]
//! secret = "env:KHO_ALERT_WEBHOOK_SECRET"
//! [alerts.department]
//! emails = ["so-nn@example.org"]
//! webhook_url = "https://bot.example.org/kho"
//! [alerts.producers.htx-chi-lang]
//! emails = ["htx@example.org"]
//! ```

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use super::{Problem, Secret, duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on this machine or in tests.
    None,
}

fn default_interval() -> Duration {
    Duration::from_secs(3600)
}

fn default_security() -> SmtpSecurity {
    SmtpSecurity::Starttls
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlerts {
    #[serde(default = "default_interval", with = "duration")]
    interval: Duration,
    #[serde(default)]
    smtp: Option<RawSmtp>,
    #[serde(default)]
    webhook: Option<RawWebhook>,
    #[serde(default)]
    department: Option<RawRecipient>,
    #[serde(default)]
    producers: BTreeMap<String, RawRecipient>,
}

impl Default for RawAlerts {
    fn default() -> Self {
        RawAlerts {
            interval: default_interval(),
            smtp: None,
            webhook: None,
            department: None,
            producers: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    host: String,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default = "default_security")]
    security: SmtpSecurity,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    from: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    secret: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecipient {
    #[serde(default)]
    emails: Vec<String>,
    #[serde(default)]
    webhook_url: Option<Url>,
}

/// The resolved section; empty (no recipient) when alerts are off.
#[derive(Debug, Clone, Serialize)]
pub struct AlertsConfig {
    #[serde(with = "duration")]
    pub interval: Duration,
    pub smtp: Option<SmtpConfig>,
    /// Signs every webhook body (HMAC-SHA256).
    pub webhook_secret: Option<Secret>,
    pub recipients: Vec<Recipient>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            interval: default_interval(),
            smtp: None,
            webhook_secret: None,
            recipients: Vec::new(),
        }
    }
}

impl AlertsConfig {
    /// Whether anyone is to be alerted at all.
    pub fn enabled(&self) -> bool {
        !self.recipients.is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub from: String,
}

/// One cooperative, or the department (`producer` None, who hears about
/// every cooperative).
#[derive(Debug, Clone, Serialize)]
pub struct Recipient {
    pub producer: Option<String>,
    pub emails: Vec<String>,
    pub webhook_url: Option<Url>,
}

impl Recipient {
    /// `department` or the producer's code: how logs and reports name it.
    pub fn name(&self) -> &str {
        self.producer.as_deref().unwrap_or("department")
    }
}

/// A secret from `env:NAME` or `file:PATH`; a secret written into the file
/// itself is refused, so that configuration can be shared and versioned.
fn secret(
    path: &str,
    value: &str,
    env: &HashMap<String, String>,
    problems: &mut Vec<Problem>,
) -> Option<Secret> {
    let mut problem = |message: String| {
        problems.push(Problem {
            path: path.to_owned(),
            message,
        });
        None
    };
    if let Some(var) = value.strip_prefix("env:") {
        match env.get(var) {
            Some(v) if !v.trim().is_empty() => Some(Secret::new(v.trim())),
            _ => problem(format!("environment variable {var} is not set")),
        }
    } else if let Some(file) = value.strip_prefix("file:") {
        match std::fs::read_to_string(file) {
            Ok(v) if !v.trim().is_empty() => Some(Secret::new(v.trim())),
            Ok(_) => problem(format!("the secret file {file} is empty")),
            Err(e) => problem(format!("cannot read the secret file {file}: {e}")),
        }
    } else {
        problem("write the secret as \"env:NAME\" (or \"file:PATH\"), not in the file".into())
    }
}

fn mailbox(path: &str, value: &str, problems: &mut Vec<Problem>) -> bool {
    match value.parse::<lettre::message::Mailbox>() {
        Ok(_) => true,
        Err(e) => {
            problems.push(Problem {
                path: path.to_owned(),
                message: format!("{value:?} is not an e-mail address: {e}"),
            });
            false
        }
    }
}

pub(super) fn resolve(
    raw: RawAlerts,
    env: &HashMap<String, String>,
    problems: &mut Vec<Problem>,
) -> AlertsConfig {
    if raw.interval < Duration::from_secs(1) || raw.interval > Duration::from_secs(24 * 3600) {
        problems.push(Problem {
            path: "alerts.interval".into(),
            message: "must be between 1s and 24h".into(),
        });
    }
    let mut recipients = Vec::new();
    let named = raw
        .department
        .map(|r| ("alerts.department".to_owned(), None, r))
        .into_iter()
        .chain(
            raw.producers
                .into_iter()
                .map(|(code, r)| (format!("alerts.producers.{code}"), Some(code), r)),
        );
    for (path, producer, r) in named {
        for (i, e) in r.emails.iter().enumerate() {
            mailbox(&format!("{path}.emails[{i}]"), e, problems);
        }
        if let Some(u) = &r.webhook_url
            && !matches!(u.scheme(), "http" | "https")
        {
            problems.push(Problem {
                path: format!("{path}.webhook_url"),
                message: format!("{u} is not an http(s) URL"),
            });
        }
        if r.emails.is_empty() && r.webhook_url.is_none() {
            problems.push(Problem {
                path,
                message: "names no e-mail address and no webhook_url".into(),
            });
            continue;
        }
        recipients.push(Recipient {
            producer,
            emails: r.emails,
            webhook_url: r.webhook_url,
        });
    }
    let smtp = raw.smtp.map(|s| {
        mailbox("alerts.smtp.from", &s.from, problems);
        SmtpConfig {
            port: s.port.unwrap_or(match s.security {
                SmtpSecurity::Starttls => 587,
                SmtpSecurity::Tls => 465,
                SmtpSecurity::None => 25,
            }),
            password: s
                .password
                .as_deref()
                .and_then(|p| secret("alerts.smtp.password", p, env, problems)),
            host: s.host,
            security: s.security,
            username: s.username,
            from: s.from,
        }
    });
    let webhook_secret = raw
        .webhook
        .and_then(|w| secret("alerts.webhook.secret", &w.secret, env, problems));
    if smtp.is_none() && recipients.iter().any(|r| !r.emails.is_empty()) {
        problems.push(Problem {
            path: "alerts.smtp".into(),
            message: "required when a recipient has e-mail addresses".into(),
        });
    }
    if webhook_secret.is_none()
        && recipients.iter().any(|r| r.webhook_url.is_some())
        && !problems.iter().any(|p| p.path == "alerts.webhook.secret")
    {
        problems.push(Problem {
            path: "alerts.webhook.secret".into(),
            message: "required when a recipient has a webhook_url: every call is signed with it"
                .into(),
        });
    }
    AlertsConfig {
        interval: raw.interval,
        smtp,
        webhook_secret,
        recipients,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::config::Config;

    fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, Vec<String>> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        Config::from_toml_str(text, env)
            .map_err(|e| e.problems.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn no_section_means_no_alerts() {
        let c = load("", &[]).unwrap();
        assert!(!c.alerts.enabled());
        assert_eq!(c.alerts.interval.as_secs(), 3600);
    }

    #[test]
    fn recipients_ports_and_secrets_resolve() {
        let c = load(
            "[alerts.smtp]\nhost = \"smtp.example.org\"\nsecurity = \"tls\"\nusername = \"u\"\n\
             password = \"env:PW\"\nfrom = \"kho <kho@example.org>\"\n\
             [alerts.webhook]\nsecret = \"env:HOOK\"\n\
             [alerts.department]\nemails = [\"so@example.org\"]\n\
             [alerts.producers.htx-a]\nwebhook_url = \"https://bot.example.org/a\"\n",
            &[("PW", "pw-1"), ("HOOK", "hook-2")],
        )
        .unwrap();
        let a = &c.alerts;
        let smtp = a.smtp.as_ref().unwrap();
        assert_eq!(smtp.port, 465);
        assert_eq!(smtp.password.as_ref().unwrap().expose(), "pw-1");
        assert_eq!(a.webhook_secret.as_ref().unwrap().expose(), "hook-2");
        let names: Vec<&str> = a.recipients.iter().map(|r| r.name()).collect();
        assert_eq!(names, ["department", "htx-a"]);
        let shown = c.to_redacted_toml();
        assert!(
            !shown.contains("pw-1") && !shown.contains("hook-2"),
            "{shown}"
        );
    }

    #[test]
    fn every_mistake_is_named_by_its_path() {
        let problems = load(
            "[alerts]\ninterval = \"2d\"\n[alerts.webhook]\nsecret = \"in-the-file\"\n\
             [alerts.department]\nemails = [\"nobody\"]\nwebhook_url = \"ftp://x.example\"\n\
             [alerts.producers.htx-a]\n",
            &[],
        )
        .unwrap_err();
        for path in [
            "alerts.interval",
            "alerts.webhook.secret",
            "alerts.department.emails[0]",
            "alerts.department.webhook_url",
            "alerts.producers.htx-a",
            "alerts.smtp",
        ] {
            assert!(
                problems.iter().any(|p| p.starts_with(&format!("{path}:"))),
                "{path} not in {problems:?}"
            );
        }
        assert!(
            !problems.iter().any(|p| p.contains("in-the-file")),
            "{problems:?}"
        );
    }
}
